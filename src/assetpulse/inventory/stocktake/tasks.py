"""盘点 tasks and handing them down: unit → departments → asset users.

A task snapshots the book (the cards of the unit, or of one department, that are not
disposed or split) when it is created. Handing down moves each expected card to the most
specific assignment covering it: a department assignment takes the department's cards; an
asset-user assignment takes that user's cards (or the cards named) out of its department.
Everyone sees the part they were handed and what lies below it; the unit's 经办岗 and 审核岗
see the whole task.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg import AsyncConnection
from psycopg import errors as pg_errors
from psycopg.rows import dict_row

from assetpulse.inventory import errors
from assetpulse.inventory.journal import audit
from assetpulse.org.principal import Principal
from assetpulse.org.scope import can_manage_stocktake, can_see_whole_stocktake

INSERT_TASK = """
insert into stocktakes (unit_id, department_id, title, deadline, created_by)
values (%s, %s, %s, %s, %s) returning id
"""

SNAPSHOT_BOOK = """
insert into stocktake_items (stocktake_id, card_id)
select %(task)s, id from asset_cards
where unit_id = %(unit)s and status not in ('disposed', 'split')
  and (%(dept)s::bigint is null or department_id = %(dept)s)
"""

TASK_BY_ID = """
select id, unit_id, department_id, title, deadline, state, created_by, created_at, applied_at
from stocktakes where id = %s
"""

ASSIGNMENTS = """
select a.id, a.parent_id, a.department_id, d.name as department_name, a.assignee_id,
       u.display_name as assignee_name, a.assigned_by, a.created_at
from stocktake_assignments a
join units d on d.id = a.department_id
left join users u on u.id = a.assignee_id
where a.stocktake_id = %s order by a.id
"""

INSERT_ASSIGNMENT = """
insert into stocktake_assignments (stocktake_id, parent_id, department_id, assignee_id,
    assigned_by)
values (%s, %s, %s, %s, %s) returning id
"""

TAKE_DEPARTMENT_CARDS = """
update stocktake_items i set assignment_id = %(a)s
from asset_cards c
where i.stocktake_id = %(task)s and c.id = i.card_id and c.department_id = %(dept)s
  and i.assignment_id is null
"""

TAKE_USER_CARDS = """
update stocktake_items i set assignment_id = %(a)s
from asset_cards c
where i.stocktake_id = %(task)s and c.id = i.card_id and i.assignment_id = %(parent)s
  and ((%(cards)s::bigint[] is null and c.user_id = %(user)s) or c.id = any(%(cards)s))
returning i.card_id
"""

DEPARTMENT_OF_UNIT = "select 1 from units where id = %s and parent_id = %s and kind = 'department'"
USER_IN_DEPARTMENT = "select 1 from users where id = %s and unit_id = %s and department_id = %s"

VISIBLE_TASKS = """
select distinct s.id, s.unit_id, s.department_id, s.title, s.deadline, s.state, s.created_at
from stocktakes s
left join stocktake_assignments a on a.stocktake_id = s.id
where (%(whole_unit)s::bigint is not null and s.unit_id = %(whole_unit)s)
   or a.assignee_id = %(me)s
   or (a.parent_id is null and a.assignee_id is null
       and a.department_id = %(my_dept)s and s.unit_id = %(my_unit)s)
order by s.id desc
"""


@dataclass(frozen=True, slots=True)
class TaskAccess:
    """What a principal may do with one task, and which assignments are theirs."""

    task: dict[str, Any]
    whole: bool  # sees every part
    manage: bool  # hand down, apply
    assignment_ids: frozenset[int]  # own assignments and everything below them

    def covers(self, assignment_id: int | None) -> bool:
        return self.whole or (assignment_id is not None and assignment_id in self.assignment_ids)


def _task_not_found(task_id: int) -> errors.InventoryError:
    return errors.not_found(
        "STOCKTAKE_NOT_FOUND", "盘点任务不存在或未下发给您。", stocktake_id=task_id
    )


def own_assignments(p: Principal, rows: Sequence[dict[str, Any]]) -> frozenset[int]:
    """Assignments handed to the principal, and everything below them.

    A department's part belongs to its named assignee, or — when none is named — to the
    department's people; but someone who was handed a part of their own sees only that.
    """
    mine = {r["id"] for r in rows if r["assignee_id"] == p.user_id}
    personal = any(r["parent_id"] is not None for r in rows if r["id"] in mine)
    if not personal and p.department_id is not None:
        mine |= {
            r["id"]
            for r in rows
            if r["parent_id"] is None
            and r["assignee_id"] is None
            and r["department_id"] == p.department_id
        }
    grew = True
    while grew:
        below = {r["id"] for r in rows if r["parent_id"] in mine} - mine
        grew = bool(below)
        mine |= below
    return frozenset(mine)


async def list_assignments(conn: AsyncConnection[Any], task_id: int) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(ASSIGNMENTS, (task_id,))
    return await cur.fetchall()


async def task_access(conn: AsyncConnection[Any], p: Principal, task_id: int) -> TaskAccess:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(TASK_BY_ID, (task_id,))
    task = await cur.fetchone()
    if task is None:
        raise _task_not_found(task_id)
    whole = can_see_whole_stocktake(p, task["unit_id"])
    mine: frozenset[int] = frozenset()
    if p.unit_id == task["unit_id"]:
        mine = own_assignments(p, await list_assignments(conn, task_id))
    if not whole and not mine:
        raise _task_not_found(task_id)
    return TaskAccess(task, whole, can_manage_stocktake(p, task["unit_id"]), mine)


async def visible_tasks(conn: AsyncConnection[Any], p: Principal) -> list[dict[str, Any]]:
    whole_unit = p.unit_id if can_see_whole_stocktake(p, p.unit_id) else None
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        VISIBLE_TASKS,
        {
            "whole_unit": whole_unit,
            "me": p.user_id,
            "my_dept": p.department_id,
            "my_unit": p.unit_id,
        },
    )
    return await cur.fetchall()


async def create_task(
    conn: AsyncConnection[Any],
    p: Principal,
    *,
    title: str,
    deadline: date,
    department_id: int | None,
) -> int:
    if not can_manage_stocktake(p, p.unit_id):
        raise errors.forbidden("创建盘点任务")
    async with conn.transaction():
        if department_id is not None:
            cur = await conn.execute(DEPARTMENT_OF_UNIT, (department_id, p.unit_id))
            if await cur.fetchone() is None:
                raise errors.invalid(
                    "DEPARTMENT_NOT_IN_UNIT",
                    "盘点范围须是本单位的内设部门。",
                    department_id=department_id,
                )
        cur = await conn.execute(
            INSERT_TASK, (p.unit_id, department_id, title, deadline, p.user_id)
        )
        row = await cur.fetchone()
        assert row is not None
        task_id = int(row[0])
        await conn.execute(
            SNAPSHOT_BOOK, {"task": task_id, "unit": p.unit_id, "dept": department_id}
        )
        await audit(
            conn,
            actor_id=p.user_id,
            entity="stocktake",
            entity_id=task_id,
            action="created",
            detail={
                "title": title,
                "deadline": deadline.isoformat(),
                "department_id": department_id,
            },
        )
        return task_id


async def hand_down(
    conn: AsyncConnection[Any],
    p: Principal,
    access: TaskAccess,
    *,
    department_id: int | None,
    assignee_id: int | None,
    parent_id: int | None,
    card_ids: Sequence[int] | None,
) -> int:
    """下发: to a department (no parent) or, below a department's part, to an asset user."""
    task = access.task
    if task["state"] != "open":
        raise errors.conflict("STOCKTAKE_CLOSED", "盘点任务已结束，不能再下发。")
    async with conn.transaction():
        if parent_id is None:
            if not access.manage:
                raise errors.forbidden("向部门下发盘点任务")
            if department_id is None:
                raise errors.invalid("ASSIGNMENT_DEPARTMENT_REQUIRED", "请选择要下发到的部门。")
            cur = await conn.execute(DEPARTMENT_OF_UNIT, (department_id, task["unit_id"]))
            if await cur.fetchone() is None:
                raise errors.invalid(
                    "DEPARTMENT_NOT_IN_UNIT",
                    "只能下发到本单位的内设部门。",
                    department_id=department_id,
                )
            if task["department_id"] not in (None, department_id):
                raise errors.invalid(
                    "DEPARTMENT_OUTSIDE_TASK",
                    "本次盘点只覆盖一个部门，不能下发到其他部门。",
                    department_id=department_id,
                )
            if assignee_id is not None:
                await _check_member(conn, assignee_id, task["unit_id"], department_id)
            new_id = await _insert(conn, task["id"], None, department_id, assignee_id, p.user_id)
            await conn.execute(
                TAKE_DEPARTMENT_CARDS, {"a": new_id, "task": task["id"], "dept": department_id}
            )
        else:
            rows = {r["id"]: r for r in await list_assignments(conn, task["id"])}
            parent = rows.get(parent_id)
            if parent is None or parent["parent_id"] is not None:
                raise errors.invalid(
                    "ASSIGNMENT_PARENT_INVALID", "只能在部门的盘点任务下继续下发给资产使用人。"
                )
            if not (access.manage or parent_id in access.assignment_ids):
                raise errors.forbidden("下发该部门的盘点任务")
            if assignee_id is None:
                raise errors.invalid("ASSIGNMENT_USER_REQUIRED", "请选择资产使用人。")
            await _check_member(conn, assignee_id, task["unit_id"], parent["department_id"])
            new_id = await _insert(
                conn, task["id"], parent_id, parent["department_id"], assignee_id, p.user_id
            )
            cur = await conn.execute(
                TAKE_USER_CARDS,
                {
                    "a": new_id,
                    "task": task["id"],
                    "parent": parent_id,
                    "cards": list(card_ids) if card_ids else None,
                    "user": assignee_id,
                },
            )
            taken = {r[0] for r in await cur.fetchall()}
            if card_ids and taken != set(card_ids):
                raise errors.invalid(
                    "ASSIGNMENT_CARDS_OUTSIDE_PART",
                    "所选卡片不全在该部门的盘点范围内，请重新选择。",
                    cards=",".join(str(c) for c in sorted(set(card_ids) - taken)),
                )
        await audit(
            conn,
            actor_id=p.user_id,
            entity="stocktake",
            entity_id=task["id"],
            action="handed_down",
            detail={
                "assignment_id": new_id,
                "department_id": department_id,
                "assignee_id": assignee_id,
            },
        )
        return new_id


async def _check_member(conn: AsyncConnection[Any], user_id: int, unit_id: int, dept: int) -> None:
    cur = await conn.execute(USER_IN_DEPARTMENT, (user_id, unit_id, dept))
    if await cur.fetchone() is None:
        raise errors.invalid(
            "ASSIGNEE_NOT_IN_DEPARTMENT", "所选人员不属于该部门，请重新选择。", user_id=user_id
        )


async def _insert(
    conn: AsyncConnection[Any],
    task_id: int,
    parent_id: int | None,
    department_id: int,
    assignee_id: int | None,
    by: int,
) -> int:
    try:
        async with conn.transaction():
            cur = await conn.execute(
                INSERT_ASSIGNMENT, (task_id, parent_id, department_id, assignee_id, by)
            )
    except pg_errors.UniqueViolation as exc:
        raise errors.conflict(
            "ASSIGNMENT_EXISTS", "该部门或人员已下发过本盘点任务。", stocktake_id=task_id
        ) from exc
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])
