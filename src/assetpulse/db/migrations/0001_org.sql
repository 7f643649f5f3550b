-- Organisation: fiscal regions (财政区划), the unit tree, users, asset classification, audit.
create extension if not exists btree_gist;

create table regions (
    code        text primary key check (code ~ '^[0-9]{6}$'),
    name        text not null,
    parent_code text references regions (code)
);

-- kind: finance = 财政部门, competent = 主管部门, unit = 预算单位, department = 内设部门
create table units (
    id          bigserial primary key,
    code        text not null unique,
    name        text not null,
    kind        text not null check (kind in ('finance', 'competent', 'unit', 'department')),
    region_code text not null references regions (code),
    parent_id   bigint references units (id),
    address     text,
    phone       text,
    created_at  timestamptz not null default now()
);
create index units_parent_idx on units (parent_id);

-- user_type: 002 财政用户, 003 预算单位用户 (others exist in the wider system)
-- roles: operator 经办岗, reviewer 审核岗, asset_user 资产使用人, admin 管理员
create table users (
    id            bigserial primary key,
    username      text not null unique,
    password_hash text not null,
    display_name  text not null,
    unit_id       bigint not null references units (id),
    department_id bigint references units (id),
    user_type     text not null check (user_type ~ '^[0-9]{3}$'),
    roles         text[] not null default '{}',
    phone         text,
    active        boolean not null default true,
    created_at    timestamptz not null default now()
);
create index users_unit_idx on users (unit_id);

-- GB/T 14885-2022 asset classification: a letter and up to 8 digits (A02010105 台式计算机)
create table categories (
    code        text primary key check (code ~ '^[A-Z][0-9]{2,8}$'),
    name        text not null,
    parent_code text references categories (code)
);

-- Every state change of a bill, card or stocktaking task: who, when, what.
create table audit_log (
    id        bigserial primary key,
    at        timestamptz not null default now(),
    actor_id  bigint references users (id),
    entity    text not null,
    entity_id text not null,
    action    text not null,
    detail    jsonb not null default '{}'
);
create index audit_log_entity_idx on audit_log (entity, entity_id, at);

insert into regions (code, name, parent_code) values
    ('460000', '海南省', null),
    ('460100', '海口市', '460000'),
    ('460200', '三亚市', '460000'),
    ('460300', '三沙市', '460000'),
    ('460400', '儋州市', '460000'),
    ('469001', '五指山市', '460000'),
    ('469002', '琼海市', '460000'),
    ('469005', '文昌市', '460000'),
    ('469006', '万宁市', '460000'),
    ('469007', '东方市', '460000');

insert into categories (code, name, parent_code) values
    ('A01', '房屋和构筑物', null),
    ('A0101', '房屋', 'A01'),
    ('A010101', '办公用房', 'A0101'),
    ('A02', '设备', null),
    ('A0201', '信息化设备', 'A02'),
    ('A020101', '计算机', 'A0201'),
    ('A02010104', '便携式计算机', 'A020101'),
    ('A02010105', '台式计算机', 'A020101'),
    ('A020102', '打印机', 'A0201'),
    ('A020104', '投影仪', 'A0201'),
    ('A0203', '车辆', 'A02'),
    ('A020305', '乘用车', 'A0203'),
    ('A0232', '仪器仪表', 'A02'),
    ('A023201', '大型科研仪器', 'A0232'),
    ('A05', '家具和用具', null),
    ('A0501', '家具', 'A05');
