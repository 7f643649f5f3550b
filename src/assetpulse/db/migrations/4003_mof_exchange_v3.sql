-- MOF exchange format version 3 (issue 13; docs/mof-exchange.md): signed files, every
-- locally final bill reported, and the national downlink that feeds the 全国 tab.

-- the key that signed each report batch (the file itself carries the signature)
alter table mof_reports add column key_id text;
-- the feedback file as MOF signed it: its own number and the key that verified it
alter table mof_feedback add column feedback_no text, add column key_id text;

-- every scope is reported now, not only national: the batch query walks finals of any scope
create index bills_final_idx on bills (region_code) where stage = 'final';

-- National downlink files (全国下发), applied in the order MOF numbers them.
create table mof_national_batches (
    id          bigserial primary key,
    batch_no    text not null unique,
    sequence    bigint not null unique,
    created_at  timestamptz not null,
    sha256      text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    key_id      text not null,
    item_count  integer not null,
    stored      integer not null,
    removed     integer not null,
    imported_by bigint not null references users (id),
    imported_at timestamptz not null default now()
);

-- Other provinces' MOF-approved national listings and demands, read-only here: replaced by
-- every downlink file (what the file no longer holds leaves). Ids come from the listings'
-- sequence, so that one id names one plaza row whichever table holds it; the columns the
-- plaza filters on have the listings' names and meaning, so one WHERE serves both tables.
create table national_listings (
    id              bigint primary key default nextval('listings_id_seq'),
    origin_province text not null check (origin_province ~ '^[0-9]{2}$'),
    origin_listing_id bigint not null,
    batch_id        bigint not null references mof_national_batches (id),
    bill_no         text not null,
    kind            text not null check (kind in ('adjust', 'share', 'demand')),
    unit_id         bigint check (unit_id is null),   -- no unit of this database publishes it
    unit_code       text not null,
    unit_name       text not null,
    scope           text not null default 'national' check (scope = 'national'),
    region_code     text not null,
    category_code   text,
    name            text not null,
    asset_code      text,
    quantity        numeric(14, 2),
    area            numeric(14, 2),
    measure_unit    text,
    state           text not null check (state in ('listed', 'done')),
    review_code     text not null default '02' check (review_code = '02'),
    result          jsonb,
    listed_at       timestamptz not null,
    detail          jsonb not null,   -- bill, contact, demand, values and card details
    search          text generated always as
                        (name || ' ' || coalesce(asset_code, '') || ' ' || unit_name) stored,
    unique (origin_province, origin_listing_id)
);
create index national_listings_page_idx on national_listings (kind, listed_at desc, id desc);
create index national_listings_search_idx on national_listings using gin (search gin_trgm_ops);

create table national_listing_photos (
    id           bigserial primary key,
    listing_id   bigint not null references national_listings (id) on delete cascade,
    sha256       text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    content_type text not null check (content_type in ('image/jpeg', 'image/png', 'image/webp')),
    byte_size    integer not null check (byte_size > 0),
    data         bytea not null,
    unique (listing_id, sha256)
);
