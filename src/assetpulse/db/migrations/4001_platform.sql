-- The share / adjust platform (资产调剂共享平台): bills, review actions, listings,
-- preselection, MOF summary-system exchange, and the triggers that keep listings true.
--
-- Stage of a bill (the pure state machine in assetpulse.platform.review owns the rules):
--   draft 草稿 → in_review 省内审核中 → final 本地终审通过 → reported 01-待财政部审核
--   → mof_approved 02-财政部已审核;  returned 已退回 (sent back by a node or by MOF).
-- review_code is derived: 03 while local (in_review, final, returned), 01 reported, 02 approved.
create extension if not exists pg_trgm;

-- Review chains are configuration: one row per (bill kind, scope class); nodes are walked in
-- order. scope_class 'local' covers province … department, 'national' the 全国 scope.
create table review_chains (
    kind        text not null check (kind in ('adjust', 'share', 'demand')),
    scope_class text not null check (scope_class in ('local', 'national')),
    nodes       text[] not null check (cardinality(nodes) >= 1
                    and nodes <@ array['unit', 'competent', 'finance']::text[]),
    primary key (kind, scope_class)
);
insert into review_chains (kind, scope_class, nodes) values
    ('adjust', 'local', '{unit,competent}'),
    ('adjust', 'national', '{unit,competent,finance}'),
    ('share', 'local', '{unit,competent}'),
    ('share', 'national', '{unit,competent,finance}'),
    ('demand', 'local', '{unit,competent}'),
    ('demand', 'national', '{unit,competent,finance}');

create sequence bill_no_seq;

create table bills (
    id             bigserial primary key,
    bill_no        text not null unique,
    kind           text not null check (kind in ('adjust', 'share', 'demand')),
    unit_id        bigint not null references units (id),
    -- 调剂共享范围: 全国 or a local level 本省 / 本市 / 本部门 / 本单位
    scope          text not null check (scope in ('national', 'province', 'city', 'department', 'unit')),
    stage          text not null default 'draft'
                   check (stage in ('draft', 'in_review', 'returned', 'final', 'reported', 'mof_approved')),
    review_code    text generated always as (case stage
                       when 'draft' then null when 'reported' then '01'
                       when 'mof_approved' then '02' else '03' end) stored,
    node_index     integer not null default 0,
    chain          text[] not null default '{}',      -- node names, fixed at submit
    chain_units    bigint[] not null default '{}',    -- the unit acting at each node
    status_text    text not null default '草稿',
    return_reason  text,
    -- publisher (发布方) and common fields
    title          text,
    description    text,
    contact_name   text,
    contact_phone  text,
    address        text,
    -- demand fields (我的需求)
    demand_type        text check (demand_type in ('adjust', 'share')),
    category_code      text references categories (code),
    expected_arrival   date,
    accounting_subject text,
    region_code        text not null references regions (code),
    quantity           numeric(14, 2) check (quantity >= 0),
    area               numeric(14, 2) check (area >= 0),
    measure_unit       text,
    urgency            text check (urgency in ('normal', 'urgent', 'very_urgent')),
    creator_name       text,
    end_date           date,
    handler_name       text,
    attachments        jsonb not null default '[]',
    origin         text not null default 'manual' check (origin in ('manual', 'suggestion')),
    card_change_id bigint references card_changes (id),
    reported_report_id bigint,
    mof_dirty      boolean not null default false,   -- reported, changed since: next batch
    created_by     bigint not null references users (id),
    version        integer not null default 1,
    created_at     timestamptz not null default now(),
    updated_at     timestamptz not null default now(),
    submitted_at   timestamptz,
    check (kind <> 'demand' or (title is not null and demand_type is not null))
);
create index bills_unit_idx on bills (unit_id, kind, stage);
create index bills_review_idx on bills (stage, node_index) where stage = 'in_review';
create index bills_report_idx on bills (stage) where stage = 'final' and scope = 'national';

-- Asset lines of adjust / share bills. A card is claimed while its line is active: on an
-- open bill or a live listing. The partial unique index makes 不重不漏 hold under
-- concurrency: two bills racing for one card cannot both commit.
create table bill_lines (
    id       bigserial primary key,
    bill_id  bigint not null references bills (id) on delete cascade,
    card_id  bigint not null references asset_cards (id),
    active   boolean not null default true
);
create unique index bill_lines_card_claim_idx on bill_lines (card_id) where active;
create index bill_lines_bill_idx on bill_lines (bill_id);

-- Every review step (审核情况): who acted at which node, when.
create table review_actions (
    id         bigserial primary key,
    bill_id    bigint not null references bills (id) on delete cascade,
    action     text not null,
    node_index integer,
    node       text,
    actor_id   bigint references users (id),
    unit_id    bigint references units (id),
    stage      text not null,
    status_text text not null,
    note       text,
    at         timestamptz not null default now()
);
create index review_actions_bill_idx on review_actions (bill_id, id);
create index review_actions_actor_idx on review_actions (actor_id, at);

-- Plaza rows (上架): one per asset line, one per demand bill. Denormalised so that the
-- plaza query reads one table. state: listed 上架, done 已登记结果, delisted 下架,
-- withdrawn (final approval cancelled or MOF rejected: gone from the plazas).
create table listings (
    id            bigserial primary key,
    bill_id       bigint not null references bills (id),
    line_id       bigint references bill_lines (id),
    kind          text not null check (kind in ('adjust', 'share', 'demand')),
    card_id       bigint references asset_cards (id),
    unit_id       bigint not null references units (id),
    competent_id  bigint references units (id),
    scope         text not null,
    region_code   text not null,
    province      text generated always as (left(region_code, 2)) stored,
    category_code text,
    name          text not null,
    asset_code    text,
    quantity      numeric(14, 2),
    area          numeric(14, 2),
    measure_unit  text,
    state         text not null default 'listed' check (state in ('listed', 'done', 'delisted', 'withdrawn')),
    review_code   text not null default '03' check (review_code in ('03', '01', '02')),
    result        jsonb,
    delist_reason text,
    listed_at     timestamptz not null default now(),
    changed_at    timestamptz not null default now(),
    search        text generated always as (name || ' ' || coalesce(asset_code, '')) stored,
    unique nulls not distinct (bill_id, line_id)
);
-- The plaza's two tabs walk these in display order; the included columns let the capped
-- count and the filters (region, category, status, scope) run as index-only scans.
create index listings_local_idx on listings (kind, province, listed_at desc, id desc)
    include (scope, state, region_code, category_code, unit_id, competent_id)
    where state in ('listed', 'done');
create index listings_national_idx on listings (kind, listed_at desc, id desc)
    include (scope, state, region_code, category_code, unit_id, competent_id)
    where state in ('listed', 'done') and review_code = '02';
create index listings_region_idx on listings (kind, region_code text_pattern_ops)
    where state in ('listed', 'done');
create index listings_category_idx on listings (kind, category_code text_pattern_ops)
    where state in ('listed', 'done');
create index listings_search_idx on listings using gin (search gin_trgm_ops);
create index listings_card_idx on listings (card_id) where state = 'listed';
create index listings_bill_idx on listings (bill_id);

-- 我的预选资产: per user, adjustment plaza only.
create table preselections (
    user_id    bigint not null references users (id),
    listing_id bigint not null references listings (id),
    added_at   timestamptz not null default now(),
    primary key (user_id, listing_id)
);

-- Exchange with MOF's summary system (汇总系统): each batch file is kept as sent.
create table mof_reports (
    id          bigserial primary key,
    batch_no    text not null unique,
    province    text not null,
    created_by  bigint not null references users (id),
    created_at  timestamptz not null default now(),
    file_name   text not null,
    sha256      text not null check (sha256 ~ '^[0-9a-f]{64}$'),
    item_count  integer not null,
    content     bytea not null
);
alter table bills add constraint bills_reported_fk
    foreign key (reported_report_id) references mof_reports (id);

create table mof_report_items (
    id        bigserial primary key,
    report_id bigint not null references mof_reports (id),
    bill_id   bigint not null references bills (id),
    action    text not null check (action in ('publish', 'update')),
    payload   jsonb not null
);
-- an item is published to MOF at most once, whatever races the callers run
create unique index mof_report_items_once_idx on mof_report_items (bill_id) where action = 'publish';

create table mof_feedback (
    id          bigserial primary key,
    imported_by bigint not null references users (id),
    imported_at timestamptz not null default now(),
    sha256      text not null,
    item_count  integer not null,
    applied     integer not null,
    content     jsonb not null
);

-- Audit of every stage change of a bill and every state change of a listing, written by
-- the database so that no code path (API, trigger, script) can skip it. The actor is the
-- transaction-local setting assetpulse.actor_id, set by the platform's services.
create function platform_actor() returns bigint language sql stable as $$
    select nullif(current_setting('assetpulse.actor_id', true), '')::bigint
$$;

create function platform_audit_bill() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into audit_log (actor_id, entity, entity_id, action, detail)
        values (platform_actor(), 'bill', new.id::text, 'created',
                jsonb_build_object('kind', new.kind, 'bill_no', new.bill_no, 'origin', new.origin));
    elsif tg_op = 'DELETE' then
        insert into audit_log (actor_id, entity, entity_id, action, detail)
        values (platform_actor(), 'bill', old.id::text, 'deleted',
                jsonb_build_object('bill_no', old.bill_no));
        return old;
    elsif new.stage is distinct from old.stage or new.node_index is distinct from old.node_index
          or new.status_text is distinct from old.status_text then
        insert into audit_log (actor_id, entity, entity_id, action, detail)
        values (platform_actor(), 'bill', new.id::text, 'stage',
                jsonb_build_object('from', old.stage, 'to', new.stage,
                                   'from_node', old.node_index, 'to_node', new.node_index,
                                   'status_text', new.status_text, 'reason', new.return_reason));
    elsif row(new.*) is distinct from row(old.*) then
        insert into audit_log (actor_id, entity, entity_id, action, detail)
        values (platform_actor(), 'bill', new.id::text, 'edited', '{}');
    end if;
    return new;
end $$;
create trigger bills_audit after insert or update or delete on bills
    for each row execute function platform_audit_bill();

create function platform_audit_listing() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or new.state is distinct from old.state
       or new.review_code is distinct from old.review_code then
        insert into audit_log (actor_id, entity, entity_id, action, detail)
        values (platform_actor(), 'listing', new.id::text, 'state',
                jsonb_build_object('from', case when tg_op = 'UPDATE' then old.state end,
                                   'to', new.state, 'review_code', new.review_code,
                                   'reason', new.delist_reason));
    end if;
    return new;
end $$;
create trigger listings_audit after insert or update on listings
    for each row execute function platform_audit_listing();

-- Disposal, split and return to stock delist the card's live listings in the same
-- transaction (WORKFLOW.md); any other change of a card refreshes its listings and, when
-- already reported, queues the update for MOF's next batch.
create function platform_on_card_event() returns trigger language plpgsql as $$
begin
    if new.kind in ('disposed', 'split', 'returned_to_stock') then
        perform set_config('assetpulse.actor_id', coalesce(new.actor_id::text, ''), true);
        update bill_lines set active = false
         where card_id = new.card_id and active
           and id in (select line_id from listings where card_id = new.card_id and state = 'listed');
        update listings
           set state = 'delisted', delist_reason = 'card_' || new.kind, changed_at = now()
         where card_id = new.card_id and state = 'listed';
        update bills b set mof_dirty = true
         where b.stage in ('reported', 'mof_approved')
           and b.id in (select bill_id from listings where card_id = new.card_id);
    elsif new.kind in ('changed', 'photo_added', 'recalled') then
        update listings l
           set name = c.name, asset_code = c.asset_code, category_code = c.category_code,
               quantity = c.quantity, area = c.area, measure_unit = c.measure_unit,
               changed_at = now()
          from asset_cards c
         where c.id = new.card_id and l.card_id = new.card_id and l.state in ('listed', 'done');
        update bills b set mof_dirty = true
         where b.stage in ('reported', 'mof_approved')
           and b.id in (select bill_id from listings where card_id = new.card_id
                          and state in ('listed', 'done'));
    end if;
    return new;
end $$;
create trigger card_events_platform after insert on card_events
    for each row execute function platform_on_card_event();

-- Idle suggestions → platform: once a card change proposed from a monitor suggestion is
-- approved, open a draft adjust bill (status 闲置 / 待处置) or share bill (shareable) with the
-- card on it, unless the card is already claimed by an open bill or a live listing.
create function platform_on_suggested_change() returns trigger language plpgsql as $$
declare
    k text;
    c record;
    new_bill bigint;
begin
    if new.state <> 'approved' or old.state = 'approved' or new.origin <> 'suggestion' then
        return new;
    end if;
    if new.changes ->> 'status' in ('idle', 'pending_disposal') then
        k := 'adjust';
    elsif (new.changes ->> 'shareable') = 'true' then
        k := 'share';
    else
        return new;
    end if;
    if exists (select 1 from bill_lines where card_id = new.card_id and active) then
        return new;
    end if;
    select a.id, a.name, a.unit_id, u.region_code into c
      from asset_cards a join units u on u.id = a.unit_id where a.id = new.card_id;
    begin
        insert into bills (bill_no, kind, unit_id, scope, region_code, title, origin,
                           card_change_id, created_by)
        values ('PB' || to_char(now(), 'YYYYMMDD') || lpad(nextval('bill_no_seq')::text, 8, '0'),
                k, c.unit_id, 'province', c.region_code, c.name, 'suggestion', new.id,
                new.proposed_by)
        returning id into new_bill;
        insert into bill_lines (bill_id, card_id) values (new_bill, new.card_id);
    exception when unique_violation then
        -- a concurrent bill claimed the card first: the approval itself still stands
        null;
    end;
    return new;
end $$;
create trigger card_changes_platform after update of state on card_changes
    for each row execute function platform_on_suggested_change();
