-- Dashboard (首页/数据看板), share compensation (条例 第十八条) and demand notifications.
--
-- Listings keep what the dashboard sums: the original value of the card at listing time
-- (what a receiver did not have to buy), the moment a result was registered and the
-- compensation agreed.
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

-- The drill-down lists walk a scope's listings of one kind and state in listing order.
create index listings_dash_province_idx on listings (province, kind, state, listed_at);
create index listings_dash_unit_idx on listings (unit_id, kind, state, listed_at);
create index listings_dash_competent_idx on listings (competent_id, kind, state, listed_at);

-- The dashboard's figures come from tallies, not from counting listings: per unit, region,
-- kind, state and month listed / month done (Beijing time), the count, the original value
-- and the compensation. Writers never update a tally row (that would serialise every
-- approval of a unit on one row): a trigger appends a signed delta per change, and the
-- dashboard folds the deltas into the tallies now and then (store.dashboard.compact), one
-- folder at a time; readers sum both, which is the same answer before and after a fold.
create table listing_tallies (
    unit_id        bigint not null,
    competent_id   bigint,
    province       text not null,
    region_code    text not null,
    kind           text not null,
    state          text not null,
    listed_month   date not null,
    done_month     date,
    n              bigint not null,
    value          numeric not null default 0,
    compensation   numeric not null default 0,
    compensated    bigint not null default 0,
    unique nulls not distinct (unit_id, competent_id, region_code, kind, state, listed_month,
                               done_month)
);
create index listing_tallies_province_idx on listing_tallies (province);
create index listing_tallies_competent_idx on listing_tallies (competent_id);

create table listing_tally_deltas (
    id             bigserial primary key,
    unit_id        bigint not null,
    competent_id   bigint,
    province       text not null,
    region_code    text not null,
    kind           text not null,
    state          text not null,
    listed_month   date not null,
    done_month     date,
    n              bigint not null,
    value          numeric not null default 0,
    compensation   numeric not null default 0,
    compensated    bigint not null default 0
);
create index listing_tally_deltas_unit_idx on listing_tally_deltas (unit_id);
create index listing_tally_deltas_competent_idx on listing_tally_deltas (competent_id);
create index listing_tally_deltas_province_idx on listing_tally_deltas (province);

create function platform_month(t timestamptz) returns date language sql immutable as $$
    select date_trunc('month', t at time zone 'Asia/Shanghai')::date
$$;

create function platform_listing_tally() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE' and (old.unit_id, old.competent_id, old.region_code, old.kind,
            old.state, platform_month(old.listed_at), platform_month(old.done_at),
            old.original_value, old.compensation_yuan)
        is not distinct from (new.unit_id, new.competent_id, new.region_code, new.kind,
            new.state, platform_month(new.listed_at), platform_month(new.done_at),
            new.original_value, new.compensation_yuan) then
        return null;  -- a rename, a review code: nothing the dashboard counts
    end if;
    if tg_op in ('UPDATE', 'DELETE') then
        insert into listing_tally_deltas (unit_id, competent_id, province, region_code, kind,
            state, listed_month, done_month, n, value, compensation, compensated)
        values (old.unit_id, old.competent_id, old.province, old.region_code, old.kind,
            old.state, platform_month(old.listed_at), platform_month(old.done_at), -1,
            -coalesce(old.original_value, 0), -coalesce(old.compensation_yuan, 0),
            -(old.compensation_yuan is not null)::int);
    end if;
    if tg_op in ('UPDATE', 'INSERT') then
        insert into listing_tally_deltas (unit_id, competent_id, province, region_code, kind,
            state, listed_month, done_month, n, value, compensation, compensated)
        values (new.unit_id, new.competent_id, new.province, new.region_code, new.kind,
            new.state, platform_month(new.listed_at), platform_month(new.done_at), 1,
            coalesce(new.original_value, 0), coalesce(new.compensation_yuan, 0),
            (new.compensation_yuan is not null)::int);
    end if;
    return null;
end $$;
create trigger listings_tally after insert or update or delete on listings
    for each row execute function platform_listing_tally();

insert into listing_tallies (unit_id, competent_id, province, region_code, kind, state,
                             listed_month, done_month, n, value, compensation, compensated)
select unit_id, competent_id, province, region_code, kind, state, platform_month(listed_at),
       platform_month(done_at), count(*), coalesce(sum(original_value), 0),
       coalesce(sum(compensation_yuan), 0), count(compensation_yuan)
from listings
group by 1, 2, 3, 4, 5, 6, 7, 8;

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
