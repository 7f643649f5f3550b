"""Named queries of the organisation: principals, regions, units, categories."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from assetpulse.org import passwords
from assetpulse.org.errors import (
    account_disabled,
    bad_credentials,
    not_authenticated,
    password_change_required,
)
from assetpulse.org.principal import Principal

# a NULL session version (tests and tools that load a principal by id) skips that check;
# a token always carries one, and a logout (END_SESSIONS) makes every older one fail here
PRINCIPAL_BY_ID = """
select u.id, u.username, u.display_name, u.unit_id, un.kind, u.department_id,
       un.region_code, u.user_type, u.roles
from users u join units un on un.id = u.unit_id
where u.id = %s and u.active and (%s::int is null or u.session_version = %s::int)
"""

USER_BY_NAME = """
select id, password_hash, session_version, active, must_change_password
from users where username = %s
"""

END_SESSIONS = "update users set session_version = session_version + 1 where id = %s"


def _principal(row: tuple[Any, ...]) -> Principal:
    return Principal(
        user_id=row[0],
        username=row[1],
        display_name=row[2],
        unit_id=row[3],
        unit_kind=row[4],
        department_id=row[5],
        region_code=row[6],
        user_type=row[7],
        roles=frozenset(row[8]),
    )


async def load_principal(
    conn: AsyncConnection[Any], user_id: int, session: int | None = None
) -> Principal:
    cur = await conn.execute(PRINCIPAL_BY_ID, (user_id, session, session))
    row = await cur.fetchone()
    if row is None:
        raise not_authenticated()
    return _principal(row)


async def authenticate(
    conn: AsyncConnection[Any], username: str, password: str, *, changing_password: bool = False
) -> tuple[int, int]:
    """(user id, session version) when the password matches; the same error, after the
    same argon2 work, for unknown users, so neither the answer nor its time tells which
    usernames exist. argon2 runs in a worker thread: ~50 ms of CPU per login on the event
    loop would stall every other request.

    Only the right password learns more: a deactivated account is refused as such, and an
    account whose password an administrator set (new or reset) gets no token until the
    password is changed (``changing_password`` is the change-password form itself)."""
    cur = await conn.execute(USER_BY_NAME, (username,))
    row = await cur.fetchone()
    stored = passwords.dummy_hash() if row is None else str(row[1])
    matches = await to_thread.run_sync(passwords.verify_password, stored, password)
    if row is None or not matches:
        raise bad_credentials()
    if not row[3]:
        raise account_disabled()
    if row[4] and not changing_password:
        raise password_change_required()
    return int(row[0]), int(row[2])


async def end_sessions(conn: AsyncConnection[Any], user_id: int) -> None:
    """Log out everywhere: every token issued to the user so far stops working."""
    await conn.execute(END_SESSIONS, (user_id,))


async def list_regions(conn: AsyncConnection[Any]) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute("select code, name, parent_code from regions order by code")
    return await cur.fetchall()


async def list_units(conn: AsyncConnection[Any]) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute("select id, code, name, kind, region_code, parent_id from units order by id")
    return await cur.fetchall()


async def list_categories(conn: AsyncConnection[Any]) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute("select code, name, parent_code from categories order by code")
    return await cur.fetchall()
