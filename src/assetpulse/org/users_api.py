"""``/users``: the people of one's own unit, so that tasks can be handed to them (盘点下发)
and cards given a user. Read-only; unit staff see the whole unit, an asset user sees their
own department, finance and competent users see no unit's staff list here."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from psycopg.rows import dict_row

from assetpulse.org.errors import forbidden
from assetpulse.org.principal import Role
from assetpulse.platform.api.deps import Conn, CurrentUser

router = APIRouter(tags=["organisation"])

LIST_USERS = """
select u.id, u.username, u.display_name, u.department_id, d.name as department_name,
       u.user_type, u.roles
from users u left join units d on d.id = u.department_id
where u.unit_id = %(unit)s and u.active
  and (%(dept)s::bigint is null or u.department_id = %(dept)s)
  and (%(role)s::text is null or %(role)s = any(u.roles))
order by u.department_id nulls first, u.id
"""


@router.get("/users", summary="本单位人员 (下发盘点任务、指定使用人)")
async def list_users(
    conn: Conn,
    user: CurrentUser,
    department_id: int | None = None,
    role: str | None = None,
) -> list[dict[str, Any]]:
    if user.unit_kind != "unit" or user.is_finance:
        raise forbidden("查看单位人员")
    staff = any(user.has_role(r) for r in (Role.OPERATOR, Role.REVIEWER, Role.ADMIN))
    if not staff:
        if user.department_id is None:
            raise forbidden("查看单位人员")
        if department_id not in (None, user.department_id):
            raise forbidden("查看其他部门的人员")
        department_id = user.department_id
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(LIST_USERS, {"unit": user.unit_id, "dept": department_id, "role": role})
    return await cur.fetchall()
