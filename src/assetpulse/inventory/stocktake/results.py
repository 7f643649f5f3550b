"""Loading a task's book and sightings, reconciling them, and applying the results.

Applying never edits a card: for every card found somewhere else or in another state it
proposes a card change (origin ``stocktake``) that the unit's 审核岗 reviews like any other.
Missing (盘亏), surplus (盘盈) and those differences are kept as discrepancies to resolve
(``resolution``: a cause, the 文号, review, then a new card or a 损失核销 write-off),
because neither can be decided from a scan alone.

A closed task is judged as it stood when it closed: a card on its book that is written off
or split afterwards is still 盘亏 (or found), not "left the book during the task", and a
card registered afterwards for a surplus code leaves that code 盘盈.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection

from assetpulse.inventory import errors
from assetpulse.inventory.changes import propose_card_change
from assetpulse.inventory.journal import audit
from assetpulse.inventory.rules import STATUS_LABELS
from assetpulse.inventory.stocktake.reconcile import (
    BookEntry,
    KnownCard,
    LeftBook,
    Reconciliation,
    Sighting,
    reconcile,
)
from assetpulse.inventory.stocktake.resolution import record_discrepancies
from assetpulse.inventory.stocktake.tasks import TaskAccess
from assetpulse.org.principal import Principal

# The book as created, with the cards that ended during the task (they leave it, and say
# when: the disposal or split event).
BOOK = """
select c.id, c.asset_code, c.name, c.department_id, c.location, c.status, i.assignment_id,
       case when c.status in ('disposed', 'split') then
           (select max(e.at) from card_events e
            where e.card_id = c.id and e.kind in ('disposed', 'split'))
       end as ended_at
from stocktake_items i join asset_cards c on c.id = i.card_id
where i.stocktake_id = %s
order by c.asset_code
"""
ENDED = frozenset({"disposed", "split"})

SIGHTINGS = """
select id, raw_code, asset_code, scanned_at, department_id, location, status, scanned_by
from stocktake_scans where stocktake_id = %s order by scanned_at, id
"""

KNOWN_CARDS = """
select asset_code, id, unit_id from asset_cards
where asset_code = any(%s) and (%s::timestamptz is null or created_at <= %s)
"""

PENDING_FROM_TASK = """
select card_id, id, reason, changes from card_changes
where stocktake_id = %s and state = 'pending'
"""

CLOSE_TASK = "update stocktakes set state = 'closed', applied_at = now() where id = %s"

# the card change each card of the task last got from it (for tasks closed before 3006)
LATEST_FROM_TASK = """
select distinct on (card_id) card_id, id, reason, changes from card_changes
where stocktake_id = %s order by card_id, id desc
"""
HAS_DISCREPANCIES = "select 1 from stocktake_discrepancies where stocktake_id = %s limit 1"


async def reconcile_task(
    conn: AsyncConnection[Any],
    access: TaskAccess,
    viewer: Principal,
    *,
    department_id: int | None = None,
    closed: bool | None = None,
) -> Reconciliation:
    """The reconciliation the viewer may see: the whole task, or their part of it;
    ``department_id`` narrows it to one department's book and what was seen there.
    ``closed``: judge as a closed task (盘亏) or an open one (未盘); default its state."""
    task_id = access.task["id"]
    # the close, for a task judged as closed (None while open, and when applying)
    closed_at = access.task["applied_at"] if access.task["state"] == "closed" else None
    cur = await conn.execute(BOOK, (task_id,))
    book: list[BookEntry] = []
    left: list[LeftBook] = []
    for r in await cur.fetchall():
        if not access.covers(r[6]) or (department_id is not None and r[3] != department_id):
            continue
        entry = BookEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6])
        if entry.status in ENDED and (closed_at is None or r[7] is None or r[7] <= closed_at):
            left.append(LeftBook(entry, r[7]))
        else:
            book.append(entry)
    own_codes = {e.asset_code for e in book} | {x.entry.asset_code for x in left}
    cur = await conn.execute(SIGHTINGS, (task_id,))
    sightings = [
        Sighting(r[0], r[1], r[2], r[3], r[4], r[5], r[6])
        for r in await cur.fetchall()
        if r[2] in own_codes
        or (
            (access.whole or r[7] == viewer.user_id)
            and (department_id is None or r[4] == department_id)
        )
    ]
    codes = sorted({s.asset_code for s in sightings if s.asset_code} - own_codes)
    known: dict[str, KnownCard] = {}
    if codes:
        cur = await conn.execute(KNOWN_CARDS, (codes, closed_at, closed_at))
        known = {r[0]: KnownCard(r[1], r[2]) for r in await cur.fetchall()}
    return reconcile(
        book,
        sightings,
        unit_id=access.task["unit_id"],
        known_elsewhere=known,
        closed=access.task["state"] == "closed" if closed is None else closed,
        left=left,
    )


def _reason(changes: dict[str, object]) -> str:
    parts = []
    if "department_id" in changes or "location" in changes:
        parts.append("盘点发现存放位置与账面不符")
    if "status" in changes:
        parts.append(f"盘点发现资产状态为“{STATUS_LABELS.get(str(changes['status']), '')}”")
    return "；".join(parts)


async def apply_results(
    conn: AsyncConnection[Any], access: TaskAccess, operator: Principal
) -> list[int]:
    """Propose card changes for every difference found, then close the task."""
    if not access.manage:
        raise errors.forbidden("应用盘点结果")
    task_id = access.task["id"]
    if access.task["state"] != "open":
        raise errors.conflict("STOCKTAKE_CLOSED", "盘点结果已应用，任务已结束。")
    async with conn.transaction():
        result = await reconcile_task(conn, access, operator, closed=True)
        cur = await conn.execute(PENDING_FROM_TASK, (task_id,))
        proposed = {r[0]: (int(r[1]), str(r[2] or ""), r[3]) for r in await cur.fetchall()}
        already = set(proposed)
        change_ids: list[int] = []
        for finding in result.found:
            changes = finding.proposed_changes()
            if not changes or finding.entry.card_id in already:
                continue
            change_id = await propose_card_change(
                conn,
                card_id=finding.entry.card_id,
                changes=changes,
                proposed_by=operator.user_id,
                reason=_reason(changes),
                origin="stocktake",
                stocktake_id=task_id,
            )
            change_ids.append(change_id)
            proposed[finding.entry.card_id] = (change_id, _reason(changes), changes)
        await record_discrepancies(
            conn, task_id, result, changes=proposed, actor_id=operator.user_id
        )
        await conn.execute(CLOSE_TASK, (task_id,))
        await audit(
            conn,
            actor_id=operator.user_id,
            entity="stocktake",
            entity_id=task_id,
            action="applied",
            detail={"change_ids": change_ids, **result.summary()},
        )
        return change_ids


async def ensure_discrepancies(
    conn: AsyncConnection[Any], access: TaskAccess, result: Reconciliation
) -> None:
    """A task closed before discrepancies were kept (migration 3006) gets its rows from
    ``result`` (its whole reconciliation as it stands), linked to the card changes applying
    it proposed; a task that has rows, or none to have, is left as it is."""
    if access.task["state"] != "closed" or not access.whole:
        return
    if not (result.missing or result.surplus or result.moved or result.status_differs):
        return
    task_id = access.task["id"]
    cur = await conn.execute(HAS_DISCREPANCIES, (task_id,))
    if await cur.fetchone() is not None:
        return
    cur = await conn.execute(LATEST_FROM_TASK, (task_id,))
    proposed = {r[0]: (int(r[1]), str(r[2] or ""), r[3]) for r in await cur.fetchall()}
    await record_discrepancies(
        conn, task_id, result, changes=proposed, actor_id=access.task["created_by"]
    )
