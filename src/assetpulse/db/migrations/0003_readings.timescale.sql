-- Raw telemetry on TimescaleDB: a hypertable with daily chunks, compressed after 7 days
-- (segmented by sensor so per-sensor scans stay cheap) and kept for 3 years.
create extension if not exists timescaledb;

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
);
select create_hypertable('readings', by_range('t', interval '1 day'));
alter table readings set (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'sensor_id',
    timescaledb.compress_orderby = 't'
);
select add_compression_policy('readings', interval '7 days');
select add_retention_policy('readings', interval '3 years');

-- Chunks are created on demand; the same function exists so callers need not care.
create function ensure_reading_partitions(from_ts timestamptz, to_ts timestamptz)
returns integer language sql as $$ select 0 $$;
