-- Ingest bounds (issue 15): a dead letter keeps a bounded prefix of what came, with its
-- size and SHA-256, so that 40 oversized messages cannot put 160 MiB in this table; an
-- operator still sees what it was, and can match it against a gateway's own log by hash.
alter table ingest_dead_letters
    add column payload_size   integer,
    add column payload_sha256 bytea;

-- The ingest store sends the prefix, size and hash itself (the rest never leaves the
-- worker); this trigger gives every other writer (imports, scripts) the same bound.
create function ingest_dead_letters_bound() returns trigger
language plpgsql as $$
begin
    if new.payload_size is null or new.payload_sha256 is null then
        new.payload_size := length(new.payload);
        new.payload_sha256 := sha256(new.payload);
    end if;
    if length(new.payload) > 4096 then
        new.payload := substring(new.payload from 1 for 4096);
    end if;
    return new;
end $$;

update ingest_dead_letters
set payload_size = length(payload), payload_sha256 = sha256(payload),
    payload = substring(payload from 1 for 4096);

create trigger ingest_dead_letters_bound before insert or update on ingest_dead_letters
    for each row execute function ingest_dead_letters_bound();

alter table ingest_dead_letters
    alter column payload_size set not null,
    alter column payload_sha256 set not null,
    add constraint ingest_dead_letters_prefix_bounded check (length(payload) <= 4096);
comment on column ingest_dead_letters.payload is
    'the first 4096 bytes of the message (or of the reading as JSON); payload_size and '
    'payload_sha256 describe all of it';

-- 传感器归属: readings whose sensor is registered to another gateway are dead-lettered
-- (sensor_gateway_mismatch) with the sensor's id, which the sensor health page counts.
alter table ingest_dead_letters add column sensor_id text;
create index ingest_dead_letters_mismatch_idx on ingest_dead_letters (sensor_id, received_at)
    where reason = 'sensor_gateway_mismatch';
