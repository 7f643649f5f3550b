"""Named queries of the organisation: principals, regions, units, categories."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from assetpulse.org.errors import bad_credentials, not_authenticated
from assetpulse.org.passwords import verify_password
from assetpulse.org.principal import Principal

PRINCIPAL_BY_ID = """
select u.id, u.username, u.display_name, u.unit_id, un.kind, u.department_id,
       un.region_code, u.user_type, u.roles
from users u join units un on un.id = u.unit_id
where u.id = %s and u.active
"""

USER_BY_NAME = "select id, password_hash from users where username = %s and active"


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


async def load_principal(conn: AsyncConnection[Any], user_id: int) -> Principal:
    cur = await conn.execute(PRINCIPAL_BY_ID, (user_id,))
    row = await cur.fetchone()
    if row is None:
        raise not_authenticated()
    return _principal(row)


async def authenticate(conn: AsyncConnection[Any], username: str, password: str) -> int:
    """The user's id when the password matches; the same error for unknown users."""
    cur = await conn.execute(USER_BY_NAME, (username,))
    row = await cur.fetchone()
    if row is None or not verify_password(row[1], password):
        raise bad_credentials()
    return int(row[0])


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
