-- Dashboard (首页/数据看板), share compensation (条例 第十八条) and demand notifications.
--
-- The dashboard reads listings by scope (unit / competent department / province) through
-- covering indexes, so that its one grouping query is an index-only scan even at a million
-- listings: the original value of the card at listing time (what a receiver did not have
-- to buy), the moment a result was registered and the compensation agreed are columns
-- the indexes carry.
alter table listings add column original_value numeric(16, 2);
alter table listings add column done_at timestamptz;
-- the share agreement's compensation lives in the result (登记共享结果); its total, in yuan,
-- is what the dashboard sums
alter table listings add column compensation_yuan numeric(16, 2)
    generated always as ((result #>> '{compensation,total_yuan}')::numeric(16, 2)) stored;

update listings l set original_value = c.original_value
  from asset_cards c where c.id = l.card_id and l.original_value is null;
update listings set done_at = changed_at where state = 'done' and done_at is null;

create function platform_listing_dashboard_facts() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        if new.card_id is not null and new.original_value is null then
            select c.original_value into new.original_value from asset_cards c where c.id = new.card_id;
        end if;
        if new.state = 'done' and new.done_at is null then
            new.done_at := now();
        end if;
    elsif new.state = 'done' and old.state is distinct from 'done' then
        new.done_at := now();
    elsif new.state <> 'done' then
        new.done_at := null;
    end if;
    return new;
end $$;
create trigger listings_dashboard_facts before insert or update of state on listings
    for each row execute function platform_listing_dashboard_facts();

create index listings_dash_province_idx on listings (province, kind, state, listed_at)
    include (unit_id, competent_id, region_code, done_at, original_value, compensation_yuan);
create index listings_dash_unit_idx on listings (unit_id, kind, state, listed_at)
    include (done_at, original_value, compensation_yuan);
create index listings_dash_competent_idx on listings (competent_id, kind, state, listed_at)
    include (done_at, original_value, compensation_yuan);

-- In-app notifications (站内通知): a published idle asset that matches a unit's open demand
-- tells that unit once per (asset listing, demand listing).
create table notifications (
    id                bigserial primary key,
    unit_id           bigint not null references units (id),
    kind              text not null check (kind in ('demand_match')),
    listing_id        bigint not null references listings (id),
    demand_listing_id bigint not null references listings (id),
    score             real not null check (score between 0 and 1),
    reasons           text[] not null default '{}',
    title             text not null,
    created_at        timestamptz not null default now(),
    read_at           timestamptz,
    read_by           bigint references users (id),
    unique (listing_id, demand_listing_id)
);
create index notifications_unit_idx on notifications (unit_id, created_at desc, id desc);
create index notifications_unread_idx on notifications (unit_id) where read_at is null;
