-- Ingest bookkeeping (MQTT.md "Delivery guarantees"): nothing is dropped silently.
-- Readings themselves live in `readings` (0003); these tables hold what is not a stored
-- reading, and what an operator must look at.

-- 死信: a message with a broken envelope (reading_index null, payload = the message) or
-- one bad reading (reading_index = its position, payload = that reading as JSON).
create table ingest_dead_letters (
    id            bigserial primary key,
    received_at   timestamptz not null default now(),
    topic         text not null,
    gateway_id    text,
    reason        text not null,
    reading_index integer,
    detail        text not null default '',
    payload       bytea not null
);
create index ingest_dead_letters_received_idx on ingest_dead_letters (received_at);
create index ingest_dead_letters_reason_idx on ingest_dead_letters (reason, received_at);

-- 未绑定传感器: readings from sensors that no sensor_bindings row covers at their sample
-- time are stored like any other, and listed here so that an operator can bind them.
-- first_t/last_t are sample times, first_seen/last_seen receive times; readings counts
-- received unbound readings (redelivered ones included).
create table unbound_sensors (
    sensor_id  text primary key,
    gateway_id text not null,
    first_t    timestamptz not null,
    last_t     timestamptz not null,
    readings   bigint not null,
    first_seen timestamptz not null default now(),
    last_seen  timestamptz not null default now()
);

-- The sensors still unbound now (a binding made since drops a sensor from this list).
create view unbound_sensors_open as
select u.*
from unbound_sensors u
where not exists (
    select 1 from sensor_bindings b where b.sensor_id = u.sensor_id and b.valid @> now()
);

-- 网关在线状态, from the retained assetpulse/v1/gw/{id}/state topic.
create table gateway_state (
    gateway_id text primary key,
    online     boolean not null,
    changed_at timestamptz not null default now()
);

-- Seqs seen per gateway as 1024-bit blocks (see ingest/seqbits.py for why); lo/hi are the
-- lowest and highest bit set, so holes = hi - lo + 1 - bit_count(bits).
create table ingest_seq_blocks (
    gateway_id text not null,
    block      bigint not null,
    bits       bit(1024) not null,
    lo         smallint not null,
    hi         smallint not null,
    updated_at timestamptz not null default now(),
    primary key (gateway_id, block)
);

create view ingest_seq_gaps as
select gateway_id, sum(hi - lo + 1 - bit_count(bits))::bigint as missing,
       max(updated_at) as updated_at
from ingest_seq_blocks
group by gateway_id;
