-- Raw telemetry (MQTT.md): one row per (sensor, sample time), stored once.
-- Plain PostgreSQL: native monthly range partitions, created ahead by
-- ensure_reading_partitions(); there is deliberately no default partition, because a
-- default partition holding rows blocks creating the partition for that month later.
-- kind: 1 photo, 2 temp, 3 loc. flags: bit 0 = clock skew (sample time in the future).
create table readings (
    sensor_id   text not null,
    t           timestamptz not null,
    kind        smallint not null check (kind in (1, 2, 3)),
    gateway_id  text not null,
    on_state    boolean,
    lux         real,
    on_ms       bigint,
    cyc         bigint,
    temp_c      real,
    lat         double precision,
    lon         double precision,
    acc         real,
    zone        text,
    flags       smallint not null default 0,
    received_at timestamptz not null default now(),
    primary key (sensor_id, t)
) partition by range (t);

create function ensure_reading_partitions(from_ts timestamptz, to_ts timestamptz)
returns integer language plpgsql as $$
declare
    m date := date_trunc('month', from_ts at time zone 'UTC')::date;
    made integer := 0;
    part text;
begin
    while m <= (to_ts at time zone 'UTC')::date loop
        part := format('readings_%s', to_char(m, 'YYYYMM'));
        if to_regclass(part) is null then
            execute format(
                'create table if not exists %I partition of readings for values from (%L) to (%L)',
                part, (m::timestamp at time zone 'UTC'),
                ((m + interval '1 month')::timestamp at time zone 'UTC'));
            made := made + 1;
        end if;
        m := (m + interval '1 month')::date;
    end loop;
    return made;
end $$;

select ensure_reading_partitions(now() - interval '400 days', now() + interval '62 days');
