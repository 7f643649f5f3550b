-- 调剂优先核查 (条例 第十一条) and 共享预约 (issue 17, points 2 and 4).
--
-- A purchase-need check keeps what the plazas and the monitor offered at the moment of the
-- check (a snapshot: the listing may be gone by the time an auditor reads it), and why each
-- offer was declined; it is then tied to the purchase request it justifies.
create sequence purchase_check_no_seq;

create table purchase_checks (
    id             bigserial primary key,
    check_no       text not null unique,
    unit_id        bigint not null references units (id),
    checked_by     bigint not null references users (id),
    checked_at     timestamptz not null default now(),
    -- 购置 / 建设 / 租用: the three ways 条例 第十一条 allows once 调剂 cannot serve
    acquisition    text not null check (acquisition in ('buy', 'build', 'rent')),
    asset_name     text check (length(asset_name) <= 100),   -- 拟配置资产名称, for the words
    category_code  text references categories (code),
    quantity       numeric(14, 2) check (quantity > 0),
    area           numeric(14, 2) check (area > 0),
    measure_unit   text check (length(measure_unit) <= 20),
    region_code    text not null references regions (code),
    needed_on      date not null,
    description    text check (length(description) <= 500),
    -- open: offers still undecided; reused: an offer is taken; purchase: all declined or none
    outcome        text not null default 'open' check (outcome in ('open', 'reused', 'purchase')),
    decided_at     timestamptz,
    purchase_ref   text check (length(purchase_ref) between 1 and 60),
    purchase_title text check (length(purchase_title) <= 200),
    attached_by    bigint references users (id),
    attached_at    timestamptz,
    check (quantity is not null or area is not null)
);
create index purchase_checks_unit_idx on purchase_checks (unit_id, checked_at desc);

create table purchase_check_offers (
    check_id       bigint not null references purchase_checks (id) on delete cascade,
    position       integer not null check (position >= 1),
    source         text not null check (source in ('listing', 'suggestion')),
    listing_id     bigint references listings (id),
    suggestion_id  bigint references suggestions (id),
    kind           text not null check (kind in ('adjust', 'share')),
    name           text not null,
    unit_name      text not null,
    category_code  text,
    region_code    text,
    quantity       numeric(14, 2),
    area           numeric(14, 2),
    score          real not null,
    reasons        text[] not null default '{}',
    outcome        text not null default 'pending' check (outcome in ('pending', 'taken', 'declined')),
    decline_reason text check (length(decline_reason) <= 300),
    decided_by     bigint references users (id),
    decided_at     timestamptz,
    primary key (check_id, position),
    check (outcome <> 'declined' or length(btrim(decline_reason)) > 0)
);

-- A booking holds its period from the request on: a pending request is a tentative hold
-- that the owner's decline (or the requester's cancel) frees. The exclusion constraint is
-- what refuses an overlap, also between two requests that race each other.
create sequence booking_no_seq;

create table bookings (
    id               bigserial primary key,
    booking_no       text not null unique,
    listing_id       bigint not null references listings (id),
    card_id          bigint not null references asset_cards (id),
    owner_unit_id    bigint not null references units (id),
    borrower_unit_id bigint not null references units (id),
    requested_by     bigint not null references users (id),
    period           tstzrange not null check (not isempty(period) and not lower_inf(period)
                         and not upper_inf(period)),
    purpose          text not null check (length(purpose) between 1 and 300),
    state            text not null default 'requested' check (state in (
                         'requested', 'approved', 'declined', 'cancelled', 'handed_over', 'returned')),
    decided_by       bigint references users (id),
    decided_at       timestamptz,
    decline_reason   text check (length(decline_reason) <= 300),
    handed_over_at   timestamptz,
    returned_at      timestamptz,
    created_at       timestamptz not null default now(),
    check (owner_unit_id <> borrower_unit_id),
    constraint bookings_no_overlap exclude using gist (card_id with =, period with &&)
        where (state in ('requested', 'approved', 'handed_over'))
);
create index bookings_listing_idx on bookings (listing_id, lower(period));
create index bookings_owner_idx on bookings (owner_unit_id, created_at desc);
create index bookings_borrower_idx on bookings (borrower_unit_id, created_at desc);

-- 交接 / 归还: each side confirms once per step, with the condition it found.
create table booking_confirmations (
    booking_id     bigint not null references bookings (id) on delete cascade,
    step           text not null check (step in ('handover', 'return')),
    side           text not null check (side in ('owner', 'borrower')),
    confirmed_by   bigint not null references users (id),
    confirmed_at   timestamptz not null default now(),
    condition_note text not null check (length(btrim(condition_note)) between 1 and 500),
    primary key (booking_id, step, side)
);

-- Photos of the condition at handover and return, kept like card photos (bytes checked,
-- shown to the other side without metadata).
create table booking_photos (
    id           bigserial primary key,
    booking_id   bigint not null references bookings (id) on delete cascade,
    step         text not null check (step in ('handover', 'return')),
    side         text not null check (side in ('owner', 'borrower')),
    sha256       text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    content_type text not null,
    byte_size    integer not null check (byte_size > 0),
    data         bytea not null,
    uploaded_by  bigint not null references users (id),
    created_at   timestamptz not null default now(),
    unique (booking_id, sha256)
);
