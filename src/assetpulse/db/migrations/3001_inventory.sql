-- Inventory: photos awaiting review, sensor ownership, stocktaking (盘点), and the map from
-- the 2010 seven-digit asset classification to GB/T 14885-2022.

-- A photo uploaded through a card change (卡片变动) waits for the reviewer: it is stored at
-- once (checksum, size, type checked) but only counts as the card's photo once the change
-- is approved. Rows inserted without a state are attached photos, as before this file.
alter table card_photos
    add column state text not null default 'attached' check (state in ('pending', 'attached')),
    add column uploaded_by bigint references users (id);

-- Sensors belong to the unit that registered them; NULL for sensors that appeared on the
-- wire before anyone registered them (ingest may see those first).
alter table sensors add column unit_id bigint references units (id);
create index sensors_unit_idx on sensors (unit_id);

-- GB/T 14885-2010 seven-digit codes → 2022 codes, where the correspondence is known.
create table category_map_2010 (
    old_code text primary key check (old_code ~ '^[0-9]{7}$'),
    new_code text not null references categories (code)
);
insert into category_map_2010 (old_code, new_code) values
    ('2010104', 'A02010105'),   -- 台式机 → 台式计算机
    ('2010105', 'A02010104'),   -- 便携式计算机
    ('2010601', 'A020102');     -- 打印设备 → 打印机

-- 盘点 task: a unit, or one department of it, with a deadline.
create table stocktakes (
    id            bigserial primary key,
    unit_id       bigint not null references units (id),
    department_id bigint references units (id),   -- NULL: the whole unit
    title         text not null check (length(title) between 1 and 200),
    deadline      date not null,
    state         text not null default 'open' check (state in ('open', 'closed')),
    created_by    bigint not null references users (id),
    created_at    timestamptz not null default now(),
    applied_at    timestamptz
);
create index stocktakes_unit_idx on stocktakes (unit_id);

-- The book at the time the task was created: which cards are expected to be found.
create table stocktake_items (
    stocktake_id bigint not null references stocktakes (id),
    card_id      bigint not null references asset_cards (id),
    primary key (stocktake_id, card_id)
);

-- Handing the task down: unit → department (parent NULL) → asset user (parent set).
create table stocktake_assignments (
    id            bigserial primary key,
    stocktake_id  bigint not null references stocktakes (id),
    parent_id     bigint references stocktake_assignments (id),
    department_id bigint not null references units (id),
    assignee_id   bigint references users (id),
    assigned_by   bigint not null references users (id),
    created_at    timestamptz not null default now()
);
create unique index stocktake_assignments_dept_idx
    on stocktake_assignments (stocktake_id, department_id) where parent_id is null;
create unique index stocktake_assignments_user_idx
    on stocktake_assignments (stocktake_id, assignee_id) where parent_id is not null;

-- Every code read, kept as read: surplus (盘盈) codes are never thrown away.
-- client_scan_id makes device batches idempotent when they are synced again.
create table stocktake_scans (
    id             bigserial primary key,
    stocktake_id   bigint not null references stocktakes (id),
    client_scan_id text check (length(client_scan_id) between 1 and 100),
    raw_code       text not null check (length(raw_code) between 1 and 500),
    asset_code     text,                 -- NULL when the text is no label payload or code
    method         text not null check (method in ('image', 'device', 'manual')),
    scanned_at     timestamptz not null,
    received_at    timestamptz not null default now(),
    scanned_by     bigint not null references users (id),
    department_id  bigint references units (id),   -- where it was seen
    location       text,
    status         text references card_statuses (code),  -- the state seen on the spot
    image_sha256   text,
    symbology      text
);
create unique index stocktake_scans_client_idx
    on stocktake_scans (stocktake_id, client_scan_id) where client_scan_id is not null;
create index stocktake_scans_task_idx on stocktake_scans (stocktake_id, asset_code);

alter table card_changes
    add constraint card_changes_stocktake_fk foreign key (stocktake_id) references stocktakes (id);
