-- GB/T 14885 code tables loaded by an administrator (issue 16): where each code and each
-- 2010 → 2022 correspondence came from, and a record of every load.
--
-- What ships (0001, 3001) is a demo subset, not the standard: 16 codes of GB/T 14885-2022
-- (A01 房屋和构筑物 … A0501 家具) and 3 correspondences from the 2010 edition. They are
-- marked 'demo_seed' so that the API (GET /api/v1/categories/status), the CLI
-- (`assetpulse categories status`) and the register import can say so until the official
-- tables are loaded (`assetpulse categories load-codes FILE`, docs/categories.md).

alter table categories
    add column source text not null default 'demo_seed' check (source in ('demo_seed', 'loaded')),
    add column loaded_at timestamptz;
comment on column categories.source is
    'demo_seed: shipped with the software (a subset); loaded: from an administrator''s file';

alter table category_map_2010
    add column source text not null default 'demo_seed' check (source in ('demo_seed', 'loaded')),
    add column loaded_at timestamptz;

-- One row per accepted load (a refused file loads nothing and leaves no row here; the
-- answer to the administrator lists its rows' problems).
create table category_loads (
    id          bigserial primary key,
    kind        text not null check (kind in ('codes', 'map_2010')),
    file_name   text not null default '',
    sha256      text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    rows_read   integer not null check (rows_read >= 0),
    added       integer not null check (added >= 0),
    updated     integer not null check (updated >= 0),
    unchanged   integer not null check (unchanged >= 0),
    loaded_by   bigint references users (id),
    loaded_at   timestamptz not null default now()
);
create index category_loads_kind_idx on category_loads (kind, loaded_at desc);
