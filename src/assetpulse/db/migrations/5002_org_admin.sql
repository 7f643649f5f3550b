-- Organisation administration (issue 16): user types as data, forced password change,
-- and an audit of every change of a unit or a user written by the database itself.

-- 用户类型: the manual names 002 财政用户 and 003 预算单位用户; the wider budget system has
-- more, added here as rows when a province needs them.
create table user_types (
    code text primary key check (code ~ '^[0-9]{3}$'),
    name text not null
);
insert into user_types (code, name) values ('002', '财政用户'), ('003', '预算单位用户');
insert into user_types (code, name)
    select distinct user_type, user_type from users
    where user_type not in (select code from user_types);
alter table users add constraint users_user_type_fk
    foreign key (user_type) references user_types (code);

-- set by an administrator's reset (and on accounts an administrator creates): the next
-- login must choose a new password before any token is issued
alter table users add column must_change_password boolean not null default false;
alter table users add column password_changed_at timestamptz;
create index users_department_idx on users (department_id);

-- Who changed which unit or user, when, and the fields before and after. Written by a
-- trigger so that the API, the import and any script are audited alike; the actor is the
-- transaction-local setting assetpulse.actor_id (platform_actor(), migration 4001).
-- Password hashes never enter the log (only that the password changed), and the session
-- version moves on every logout, which is no change of the organisation.
create function org_audit() returns trigger language plpgsql as $$
declare
    o jsonb;
    n jsonb;
    before jsonb := '{}';
    after jsonb := '{}';
    k text;
    act text;
    entity text := case tg_table_name when 'users' then 'org_user' else 'org_unit' end;
begin
    n := to_jsonb(new) - 'password_hash' - 'session_version';
    if tg_op = 'INSERT' then
        insert into audit_log (actor_id, entity, entity_id, action, detail)
        values (platform_actor(), entity, new.id::text, 'created',
                jsonb_build_object('before', null, 'after', n));
        return new;
    end if;
    o := to_jsonb(old) - 'password_hash' - 'session_version';
    for k in select jsonb_object_keys(n) loop
        if o -> k is distinct from n -> k then
            before := before || jsonb_build_object(k, o -> k);
            after := after || jsonb_build_object(k, n -> k);
        end if;
    end loop;
    if (to_jsonb(old) ->> 'password_hash') is distinct from (to_jsonb(new) ->> 'password_hash') then
        after := after || '{"password": "changed"}';
        act := case when (n ->> 'must_change_password')::boolean
                    then 'password_reset' else 'password_changed' end;
    elsif after = '{}' then
        return new;
    elsif after ? 'active' then
        act := case when (n ->> 'active')::boolean then 'activated' else 'deactivated' end;
    else
        act := 'updated';
    end if;
    insert into audit_log (actor_id, entity, entity_id, action, detail)
    values (platform_actor(), entity, new.id::text, act,
            jsonb_build_object('before', before, 'after', after));
    return new;
end $$;
create trigger users_org_audit after insert or update on users
    for each row execute function org_audit();
create trigger units_org_audit after insert or update on units
    for each row execute function org_audit();
