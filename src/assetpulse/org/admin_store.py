"""Organisation administration in PostgreSQL: units, users, passwords, the audit trail.

Every write runs in a transaction that names its actor (``assetpulse.actor_id``), and the
``org_audit`` trigger (migration 5002) records who changed what, when, with the fields
before and after. The rules themselves live in :mod:`assetpulse.org.admin_rules`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from anyio import to_thread
from psycopg import AsyncConnection, errors
from psycopg.rows import dict_row

from assetpulse.errors import ErrorKind
from assetpulse.org import admin_rules as rules
from assetpulse.org.admin_rules import AdminScope, OrgAdminError, UnitFacts
from assetpulse.org.passwords import hash_password
from assetpulse.org.principal import Principal

UNIT_FACTS = "select id, kind, parent_id, region_code from units where id = %s"
UNIT_BY_CODE = "select id, kind, parent_id, region_code from units where code = %s"

# the units an administrator sees: the region (system) or the unit and its departments
UNITS_IN_SCOPE = """
select un.id, un.code, un.name, un.kind, un.region_code, r.name as region_name, un.parent_id,
       un.address, un.phone,
       (select count(*) from users u where u.unit_id = un.id and u.active) as active_users,
       (select count(*) from users u where u.department_id = un.id and u.active) as department_users
from units un join regions r on r.code = un.region_code
where (%(prefix)s::text is not null and un.region_code like %(prefix)s || '%%')
   or (%(unit)s::bigint is not null and (un.id = %(unit)s
       or (un.kind = 'department' and un.parent_id = %(unit)s)))
order by un.id
"""

USER_COLUMNS = """
u.id, u.username, u.display_name, u.unit_id, un.name as unit_name, un.kind as unit_kind,
u.department_id, d.name as department_name, u.user_type, t.name as user_type_name,
u.roles, u.phone, u.active, u.must_change_password, u.created_at
"""
USERS_IN_SCOPE = f"""
select {USER_COLUMNS}
from users u join units un on un.id = u.unit_id
left join units d on d.id = u.department_id
left join user_types t on t.code = u.user_type
where ((%(prefix)s::text is not null and un.region_code like %(prefix)s || '%%')
       or (%(unit)s::bigint is not null and u.unit_id = %(unit)s))
  and (%(unit_id)s::bigint is null or u.unit_id = %(unit_id)s or u.department_id = %(unit_id)s)
  and (%(q)s::text is null or u.username ilike '%%' || %(q)s || '%%'
       or u.display_name ilike '%%' || %(q)s || '%%')
  and (%(inactive)s or u.active)
order by u.unit_id, u.department_id nulls first, u.id
limit 500
"""
USER_BY_ID = f"""
select {USER_COLUMNS}, un.region_code, un.parent_id as unit_parent_id
from users u join units un on un.id = u.unit_id
left join units d on d.id = u.department_id
left join user_types t on t.code = u.user_type
where u.id = %s
"""
USER_TYPES = "select code, name from user_types order by code"

AUDIT_IN_SCOPE = """
select a.id, a.at, a.actor_id, actor.username as actor_username,
       actor.display_name as actor_name, a.entity, a.entity_id, a.action, a.detail,
       coalesce(tu.username, tn.code) as target_key,
       coalesce(tu.display_name, tn.name) as target_name
from audit_log a
left join users actor on actor.id = a.actor_id
left join users tu on a.entity = 'org_user' and tu.id::text = a.entity_id
left join units tn on a.entity = 'org_unit' and tn.id::text = a.entity_id
left join units scope_unit on scope_unit.id = coalesce(tu.unit_id, tn.id)
where a.entity in ('org_user', 'org_unit')
  and (%(entity)s::text is null or a.entity = %(entity)s)
  and (%(entity_id)s::text is null or a.entity_id = %(entity_id)s)
  and ((%(prefix)s::text is not null and scope_unit.region_code like %(prefix)s || '%%')
       or (%(unit)s::bigint is not null and (scope_unit.id = %(unit)s
           or (scope_unit.kind = 'department' and scope_unit.parent_id = %(unit)s))))
order by a.id desc
limit %(limit)s
"""


def _not_found(what: str) -> OrgAdminError:
    return OrgAdminError(
        "ORG_NOT_FOUND", f"{what}不存在或不在您的管理范围内。", kind=ErrorKind.NOT_FOUND
    )


async def set_actor(conn: AsyncConnection[Any], p: Principal) -> None:
    await conn.execute("select set_config('assetpulse.actor_id', %s, true)", (str(p.user_id),))


def _facts(row: tuple[Any, ...] | None) -> UnitFacts | None:
    if row is None:
        return None
    return UnitFacts(id=int(row[0]), kind=str(row[1]), parent_id=row[2], region_code=str(row[3]))


async def unit_facts(conn: AsyncConnection[Any], unit_id: int) -> UnitFacts | None:
    return _facts(await (await conn.execute(UNIT_FACTS, (unit_id,))).fetchone())


async def unit_by_code(conn: AsyncConnection[Any], code: str) -> UnitFacts | None:
    return _facts(await (await conn.execute(UNIT_BY_CODE, (code,))).fetchone())


def _scope_params(scope: AdminScope) -> dict[str, Any]:
    return {"prefix": scope.region_prefix, "unit": scope.unit_id}


async def list_units(conn: AsyncConnection[Any], scope: AdminScope) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(UNITS_IN_SCOPE, _scope_params(scope))
    return await cur.fetchall()


async def list_user_types(conn: AsyncConnection[Any]) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(USER_TYPES)
    return await cur.fetchall()


async def _region_exists(conn: AsyncConnection[Any], code: str) -> None:
    cur = await conn.execute("select 1 from regions where code = %s", (code,))
    if await cur.fetchone() is None:
        raise OrgAdminError("ORG_REGION_UNKNOWN", f"财政区划 {code} 不存在，请检查区划代码。")


@dataclass(frozen=True, slots=True)
class UnitInput:
    code: str
    name: str
    kind: str
    region_code: str | None = None  # a department takes its unit's
    parent_id: int | None = None
    address: str | None = None
    phone: str | None = None


async def create_unit(
    conn: AsyncConnection[Any], p: Principal, scope: AdminScope, data: UnitInput
) -> int:
    parent = await unit_facts(conn, data.parent_id) if data.parent_id is not None else None
    if data.parent_id is not None and parent is None:
        raise _not_found("上级单位")
    region = data.region_code or (parent.region_code if parent else p.region_code)
    rules.check_new_unit(
        scope, code=data.code, name=data.name, kind=data.kind, region_code=region, parent=parent
    )
    await _region_exists(conn, region)
    async with conn.transaction():
        await set_actor(conn, p)
        try:
            cur = await conn.execute(
                "insert into units (code, name, kind, region_code, parent_id, address, phone)"
                " values (%s, %s, %s, %s, %s, %s, %s) returning id",
                (data.code, data.name.strip(), data.kind, region, data.parent_id,
                 data.address, data.phone),
            )  # fmt: skip
        except errors.UniqueViolation as exc:
            raise OrgAdminError(
                "ORG_UNIT_CODE_TAKEN", f"单位编码 {data.code} 已存在。", kind=ErrorKind.CONFLICT
            ) from exc
        row = await cur.fetchone()
        assert row is not None
        return int(row[0])


UNIT_EDITABLE = ("name", "address", "phone")


async def update_unit(
    conn: AsyncConnection[Any], p: Principal, scope: AdminScope, unit_id: int,
    changes: dict[str, Any],
) -> None:  # fmt: skip
    facts = await unit_facts(conn, unit_id)
    if facts is None or not rules.manages_unit(scope, facts):
        raise _not_found("单位")
    fields = {k: v for k, v in changes.items() if k in UNIT_EDITABLE}
    if "name" in fields and not str(fields["name"] or "").strip():
        raise OrgAdminError("ORG_UNIT_NAME_REQUIRED", "请填写单位名称。")
    if not fields:
        return
    async with conn.transaction():
        await set_actor(conn, p)
        for column in UNIT_EDITABLE:  # fixed column names, values as parameters
            if column in fields:
                await conn.execute(
                    f"update units set {column} = %s where id = %s",
                    (fields[column], unit_id),
                )


async def user_row(conn: AsyncConnection[Any], scope: AdminScope, user_id: int) -> dict[str, Any]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(USER_BY_ID, (user_id,))
    row = await cur.fetchone()
    facts = (
        None
        if row is None
        else UnitFacts(row["unit_id"], row["unit_kind"], row["unit_parent_id"], row["region_code"])
    )
    if row is None or facts is None or not rules.manages_unit(scope, facts):
        raise _not_found("用户")
    return row


async def list_users(
    conn: AsyncConnection[Any], scope: AdminScope, *, unit_id: int | None, q: str | None,
    include_inactive: bool,
) -> list[dict[str, Any]]:  # fmt: skip
    cur = conn.cursor(row_factory=dict_row)
    params = {**_scope_params(scope), "unit_id": unit_id, "q": q or None,
              "inactive": include_inactive}  # fmt: skip
    await cur.execute(USERS_IN_SCOPE, params)
    return await cur.fetchall()


@dataclass(frozen=True, slots=True)
class UserInput:
    username: str
    display_name: str
    unit_id: int
    user_type: str
    roles: frozenset[str]
    department_id: int | None = None
    phone: str | None = None


async def _check_user_fields(
    conn: AsyncConnection[Any], scope: AdminScope, unit_id: int, department_id: int | None,
    user_type: str,
) -> UnitFacts:  # fmt: skip
    unit = await unit_facts(conn, unit_id)
    if unit is None or unit.kind == "department":
        raise OrgAdminError("ORG_USER_UNIT_INVALID", "用户须属于一个单位（内设部门请填在“部门”）。")
    rules.require_unit(scope, unit)
    dept = await unit_facts(conn, department_id) if department_id is not None else None
    if department_id is not None and dept is None:
        raise _not_found("部门")
    rules.check_department(dept, unit_id)
    cur = await conn.execute("select 1 from user_types where code = %s", (user_type,))
    if await cur.fetchone() is None:
        raise OrgAdminError("ORG_USER_TYPE_INVALID", f"用户类型 {user_type} 不存在。")
    rules.check_user_type(scope, unit.kind, user_type)
    return unit


async def create_user(
    conn: AsyncConnection[Any], p: Principal, scope: AdminScope, data: UserInput,
    prehashed: str | None = None,
) -> tuple[int, str]:  # fmt: skip
    """(user id, temporary password): the new user must change it at first login."""
    rules.check_username(data.username)
    if not data.display_name.strip():
        raise OrgAdminError("ORG_USER_NAME_REQUIRED", "请填写姓名。")
    await _check_user_fields(conn, scope, data.unit_id, data.department_id, data.user_type)
    rules.check_roles(scope, p, None, frozenset(), data.roles)
    temp = rules.temporary_password()
    hashed = prehashed or await to_thread.run_sync(hash_password, temp)
    async with conn.transaction():
        await set_actor(conn, p)
        try:
            cur = await conn.execute(
                "insert into users (username, password_hash, display_name, unit_id,"
                " department_id, user_type, roles, phone, must_change_password)"
                " values (%s, %s, %s, %s, %s, %s, %s, %s, true) returning id",
                (data.username, hashed, data.display_name.strip(), data.unit_id,
                 data.department_id, data.user_type, sorted(data.roles), data.phone),
            )  # fmt: skip
        except errors.UniqueViolation as exc:
            raise OrgAdminError(
                "ORG_USERNAME_TAKEN", f"用户名 {data.username} 已被使用。", kind=ErrorKind.CONFLICT
            ) from exc
        row = await cur.fetchone()
        assert row is not None
        return int(row[0]), temp


async def update_user(
    conn: AsyncConnection[Any], p: Principal, scope: AdminScope, user_id: int,
    changes: dict[str, Any],
) -> bool:  # fmt: skip
    """Apply the given fields (display_name, unit_id, department_id, user_type, roles,
    phone); True when anything changed. The row is locked first, so two administrators
    editing one user at once apply one after the other, each onto the other's result."""
    async with conn.transaction():
        await conn.execute("select 1 from users where id = %s for update", (user_id,))
        return await _update_user_locked(conn, p, scope, user_id, changes)


async def _update_user_locked(
    conn: AsyncConnection[Any], p: Principal, scope: AdminScope, user_id: int,
    changes: dict[str, Any],
) -> bool:  # fmt: skip
    old = await user_row(conn, scope, user_id)
    unit_id = int(changes.get("unit_id") or old["unit_id"])
    if unit_id != old["unit_id"] and not scope.is_system:
        raise OrgAdminError(
            "ORG_MOVE_BY_SYSTEM", "调整用户所在单位须由系统管理员办理。", kind=ErrorKind.FORBIDDEN
        )
    department_id = changes["department_id"] if "department_id" in changes else old["department_id"]
    if unit_id != old["unit_id"] and "department_id" not in changes:
        department_id = None
    user_type = changes.get("user_type") or old["user_type"]
    roles = (
        frozenset(changes["roles"]) if changes.get("roles") is not None else frozenset(old["roles"])
    )
    name = changes.get("display_name") or old["display_name"]
    phone = changes["phone"] if "phone" in changes else old["phone"]
    if not str(name).strip():
        raise OrgAdminError("ORG_USER_NAME_REQUIRED", "请填写姓名。")
    await _check_user_fields(conn, scope, unit_id, department_id, user_type)
    rules.check_roles(scope, p, user_id, frozenset(old["roles"]), roles)
    new = (str(name).strip(), unit_id, department_id, user_type, sorted(roles), phone)
    was = (old["display_name"], old["unit_id"], old["department_id"], old["user_type"],
           sorted(old["roles"]), old["phone"])  # fmt: skip
    if new == was:
        return False
    await set_actor(conn, p)
    await conn.execute(
        "update users set display_name = %s, unit_id = %s, department_id = %s,"
        " user_type = %s, roles = %s, phone = %s where id = %s",
        (*new, user_id),
    )
    return True


async def set_active(
    conn: AsyncConnection[Any], p: Principal, scope: AdminScope, user_id: int, active: bool
) -> None:
    """Deactivate (every session ends at once, login refused) or activate again."""
    await user_row(conn, scope, user_id)
    rules.check_not_self(p, user_id, "停用" if not active else "启用")
    async with conn.transaction():
        await set_actor(conn, p)
        await conn.execute(
            "update users set active = %s, session_version = session_version"
            " + case when %s then 0 else 1 end where id = %s",
            (active, active, user_id),
        )


async def reset_password(
    conn: AsyncConnection[Any], p: Principal, scope: AdminScope, user_id: int
) -> str:
    """A temporary password, to be changed at the next login; every session ends."""
    await user_row(conn, scope, user_id)
    rules.check_not_self(p, user_id, "重置")
    temp = rules.temporary_password()
    hashed = await to_thread.run_sync(hash_password, temp)
    async with conn.transaction():
        await set_actor(conn, p)
        await conn.execute(
            "update users set password_hash = %s, must_change_password = true,"
            " password_changed_at = now(), session_version = session_version + 1 where id = %s",
            (hashed, user_id),
        )
    return temp


async def change_own_password(conn: AsyncConnection[Any], user_id: int, new_password: str) -> int:
    """Store the user's new password; ends their other sessions. The new session version."""
    hashed = await to_thread.run_sync(hash_password, new_password)
    async with conn.transaction():
        await conn.execute("select set_config('assetpulse.actor_id', %s, true)", (str(user_id),))
        cur = await conn.execute(
            "update users set password_hash = %s, must_change_password = false,"
            " password_changed_at = now(), session_version = session_version + 1"
            " where id = %s returning session_version",
            (hashed, user_id),
        )
        row = await cur.fetchone()
        assert row is not None
        return int(row[0])


async def audit_rows(
    conn: AsyncConnection[Any], scope: AdminScope, *, entity: str | None,
    entity_id: int | None, limit: int,
) -> list[dict[str, Any]]:  # fmt: skip
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        AUDIT_IN_SCOPE,
        {**_scope_params(scope), "entity": entity,
         "entity_id": None if entity_id is None else str(entity_id), "limit": limit},
    )  # fmt: skip
    return await cur.fetchall()
