-- Monitor (资产动态监管): hourly usage rollups per asset card, the refresh watermark,
-- per-sensor light/temperature baselines and idle-asset suggestions.
--
-- Plain PostgreSQL: a refresh job (assetpulse.monitor.db.refresh) recomputes whole card-hours
-- touched by readings received since the last watermark, so late and redelivered readings
-- leave the rollup exactly as if they had come on time.

-- Finds the readings received since the watermark without scanning every partition's
-- primary key; received_at grows with insertion order, which is what BRIN likes.
create index readings_received_brin on readings using brin (received_at);

create table usage_hourly (
    card_id     bigint not null references asset_cards (id),
    hour        timestamptz not null,                 -- start of the UTC hour
    in_use_s    real not null default 0 check (in_use_s between 0 and 3600),
    sessions    integer not null default 0 check (sessions >= 0),   -- off→on starts
    temp_mean   real,
    temp_max    real,
    temp_rise   real,                                  -- max over the ambient baseline
    distance_m  real not null default 0 check (distance_m >= 0),
    zones       text[] not null default '{}',          -- dwell zones seen in the hour
    samples     integer not null default 0,
    coverage    real not null default 0 check (coverage between 0 and 1),
    refreshed_at timestamptz not null default now(),
    primary key (card_id, hour)
);
create index usage_hourly_hour_idx on usage_hourly using brin (hour);

-- One row per refresh job: readings received after ``watermark`` are not yet rolled up.
create table monitor_watermarks (
    name      text primary key,
    watermark timestamptz not null,
    updated_at timestamptz not null default now()
);

-- Per sensor and local hour of day: the light level daylight alone gives (低分位 lux)
-- and the ambient temperature, so that a sunlit room or a warm afternoon is not "in use".
create table sensor_baselines (
    sensor_id   text not null references sensors (sensor_id),
    hour_of_day smallint not null check (hour_of_day between 0 and 23),
    lux_base    real,
    temp_base   real,
    updated_at  timestamptz not null default now(),
    primary key (sensor_id, hour_of_day)
);

-- Idle-asset suggestions (闲置资产建议): new → accepted | dismissed; superseded when a
-- later analysis no longer finds the asset idle or under-used.
create table suggestions (
    id             bigserial primary key,
    card_id        bigint not null references asset_cards (id),
    unit_id        bigint not null references units (id),
    verdict        text not null check (verdict in ('idle', 'under_used')),
    action         text not null check (action in ('adjust', 'share')),
    rule           text not null,
    score          real not null check (score between 0 and 1),
    metric         text not null,
    metric_value   double precision not null,
    evidence       jsonb not null,                     -- features the verdict rests on
    evidence_zh    text not null,
    evidence_en    text not null,
    window_from    timestamptz not null,
    window_to      timestamptz not null,
    state          text not null default 'new'
                   check (state in ('new', 'accepted', 'dismissed', 'superseded')),
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    decided_by     bigint references users (id),
    decided_at     timestamptz,
    dismiss_reason text,
    snooze_until   timestamptz,
    card_change_id bigint references card_changes (id)
);
-- At most one open suggestion per asset.
create unique index suggestions_open_idx on suggestions (card_id) where state = 'new';
create index suggestions_unit_idx on suggestions (unit_id, state, created_at desc);
create index suggestions_card_idx on suggestions (card_id, created_at desc);

insert into monitor_watermarks (name, watermark) values ('usage_hourly', '1970-01-01T00:00:00Z');
