-- Asset cards (资产信息卡), their photos, sensors and sensor-to-card bindings.
-- Status codes are English; the Chinese labels users see live in card_statuses.
create table card_statuses (
    code     text primary key,
    label_zh text not null unique
);
insert into card_statuses (code, label_zh) values
    ('in_use', '在用'),
    ('idle', '闲置'),
    ('pending_disposal', '待处置'),
    ('leased', '出租出借'),
    ('under_repair', '维修中'),
    ('disposed', '已处置'),
    ('split', '已拆分');

create table asset_cards (
    id                bigserial primary key,
    asset_code        text not null unique check (asset_code ~ '^[A-Z0-9-]{4,40}$'),
    name              text not null check (length(name) between 1 and 200),
    category_code     text not null references categories (code),
    unit_id           bigint not null references units (id),
    department_id     bigint references units (id),
    user_id           bigint references users (id),
    location          text,
    status            text not null default 'in_use' references card_statuses (code),
    shareable         boolean not null default false,        -- 是否共享共用
    quantity          numeric(14, 2) check (quantity >= 0),
    area              numeric(14, 2) check (area >= 0),
    measure_unit      text,                                  -- 计量单位: 台, 辆, 平方米 …
    -- basic info
    brand             text,
    model             text,
    spec              text,
    serial_no         text,
    -- financial info
    original_value    numeric(16, 2) check (original_value >= 0),
    net_value         numeric(16, 2) check (net_value >= 0),
    acquired_on       date,
    funding_source    text,
    accounting_subject text,
    -- usage and attribute info
    usage_direction   text,
    attributes        jsonb not null default '{}',
    parent_card_id    bigint references asset_cards (id),   -- set on cards made by 拆分
    version           integer not null default 1,           -- optimistic concurrency
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now()
);
create index asset_cards_unit_idx on asset_cards (unit_id, status);
create index asset_cards_category_idx on asset_cards (category_code);

create table card_photos (
    id           bigserial primary key,
    card_id      bigint not null references asset_cards (id),
    sha256       text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    content_type text not null check (content_type in ('image/jpeg', 'image/png', 'image/webp')),
    byte_size    integer not null check (byte_size > 0),
    data         bytea not null,
    created_at   timestamptz not null default now(),
    unique (card_id, sha256)
);

-- kind: photo | temp | loc (MQTT.md)
create table sensors (
    sensor_id  text primary key check (sensor_id ~ '^[A-Za-z0-9_.-]{1,64}$'),
    kind       text not null check (kind in ('photo', 'temp', 'loc')),
    gateway_id text,
    label      text,
    created_at timestamptz not null default now()
);

-- A sensor moved to another asset keeps its history with the old one: bindings have
-- validity periods that never overlap for one sensor.
create table sensor_bindings (
    id        bigserial primary key,
    sensor_id text not null references sensors (sensor_id),
    card_id   bigint not null references asset_cards (id),
    valid     tstzrange not null check (not isempty(valid)),
    created_at timestamptz not null default now(),
    exclude using gist (sensor_id with =, valid with &&)
);
create index sensor_bindings_card_idx on sensor_bindings (card_id);
