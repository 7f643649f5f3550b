"""盘盈盘亏处理: the discrepancies of a closed stocktake, their review, and the ledger.

When a task closes (``results.apply_results``) every 盘盈, 盘亏 and difference is recorded
(``record_discrepancies``); the operator then gives each a cause and the approval
document's 文号, and a reviewer of the unit other than the proposer approves it:

- a surplus without a card becomes a new card (``cards.create_card``);
- a shortage is a 损失核销 disposal in review (``disposals.propose_disposal`` with the
  文号, then ``approve_disposal``, which ends the card);
- a difference goes through a card change (``changes.propose_card_change`` and its review).

Neither has a second review here: approving or returning a shortage or a difference on this
page, or on the disposal or card-change page, is the same thing, and its state is read from
the disposal or the change.

Every step writes audit_log (entity ``stocktake_discrepancy``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from assetpulse.inventory import errors
from assetpulse.inventory.cards import CODE_EXISTS, check_references, create_card
from assetpulse.inventory.changes import approve_change, propose_card_change, reject_change
from assetpulse.inventory.disposals import approve_disposal, propose_disposal, reject_disposal
from assetpulse.inventory.journal import audit
from assetpulse.inventory.rules import DisposalMethod
from assetpulse.inventory.stocktake.discrepancies import (
    KIND_LABELS,
    LEDGER_LABELS,
    STATE_LABELS,
    Kind,
    Ledger,
    Proposal,
    State,
    can_propose,
    change_state,
    check_proposal,
    ledger_action,
    new_card_values,
)
from assetpulse.inventory.stocktake.reconcile import Reconciliation, SurplusReason
from assetpulse.inventory.stocktake.tasks import TaskAccess
from assetpulse.org.principal import Principal
from assetpulse.org.scope import CardFacts, can_review_change

INSERT = """
insert into stocktake_discrepancies (stocktake_id, kind, code, card_id, surplus_reason,
    department_id, seen, state, cause, resolution, change_id, proposed_by, proposed_at)
values (%(task)s, %(kind)s, %(code)s, %(card_id)s, %(reason)s, %(dept)s, %(seen)s,
    %(state)s, %(cause)s, %(resolution)s, %(change_id)s, %(by)s,
    case when %(by)s::bigint is null then null else now() end)
on conflict (stocktake_id, kind, code) do nothing
"""

COLUMNS = """
d.id, d.stocktake_id, d.kind, d.code, d.card_id, d.surplus_reason, d.department_id,
dept.name as department_name, d.seen, d.cause, d.document_no, d.resolution, d.change_id,
d.disposal_id, d.new_card_id,
coalesce(ch.proposed_by, dp.proposed_by, d.proposed_by) as proposed_by,
pu.display_name as proposed_by_name,
coalesce(ch.proposed_at, dp.proposed_at, d.proposed_at) as proposed_at,
coalesce(ch.decided_by, dp.decided_by, d.decided_by) as decided_by,
du.display_name as decided_by_name,
coalesce(ch.decided_at, dp.decided_at, d.decided_at) as decided_at,
coalesce(ch.decision_note, dp.decision_note, d.decision_note) as decision_note,
d.state as own_state, coalesce(ch.state, dp.state) as review_state,
c.asset_code as card_asset_code, c.name as card_name, c.status as card_status,
(d.surplus_reason in ('unknown_code', 'unreadable') and d.new_card_id is null
 and exists (select 1 from asset_cards x where x.asset_code = d.code)) as code_has_card
"""

FROM = """
from stocktake_discrepancies d
left join card_changes ch on ch.id = d.change_id
left join card_disposals dp on dp.id = d.disposal_id
left join asset_cards c on c.id = coalesce(d.new_card_id, d.card_id)
left join units dept on dept.id = d.department_id
left join users pu on pu.id = coalesce(ch.proposed_by, dp.proposed_by, d.proposed_by)
left join users du on du.id = coalesce(ch.decided_by, dp.decided_by, d.decided_by)
"""

LIST = f"""
select {COLUMNS} {FROM}
where d.stocktake_id = %(task)s
  and (%(dept)s::bigint is null or d.department_id = %(dept)s)
order by case d.kind when 'shortage' then 0 when 'surplus' then 1 else 2 end, d.code
"""

ONE = f"select {COLUMNS} {FROM} where d.id = %s and d.stocktake_id = %s"
LOCK = "select id from stocktake_discrepancies where id = %s and stocktake_id = %s for update"

PROPOSE = """
update stocktake_discrepancies
set state = 'pending', cause = %(cause)s, document_no = %(doc)s, resolution = %(resolution)s,
    change_id = %(change_id)s, disposal_id = %(disposal_id)s, proposed_by = %(by)s,
    proposed_at = now(),
    decided_by = null, decided_at = null, decision_note = null
where id = %(id)s
"""

DECIDE = """
update stocktake_discrepancies
set state = %(state)s, decided_by = %(by)s, decided_at = now(), decision_note = %(note)s,
    new_card_id = coalesce(%(new_card)s, new_card_id)
where id = %(id)s
"""

# per closed task: how many discrepancies are not resolved yet (for the task list)
OPEN_COUNTS = """
select d.stocktake_id, count(*) filter (where coalesce(ch.state, dp.state, d.state) <> 'approved')
from stocktake_discrepancies d
left join card_changes ch on ch.id = d.change_id
left join card_disposals dp on dp.id = d.disposal_id
where d.stocktake_id = any(%s)
group by d.stocktake_id
"""

ON_BOOK = """
select c.id, c.asset_code, c.department_id from stocktake_items i
join asset_cards c on c.id = i.card_id
where i.stocktake_id = %s and i.card_id = %s
"""


def _seen_of(f: Any) -> dict[str, Any]:
    return {
        "department_id": f.seen_department_id,
        "location": f.seen_location,
        "status": f.seen_status,
        "last_seen": f.last_seen.isoformat() if f.last_seen else None,
    }


async def record_discrepancies(
    conn: AsyncConnection[Any],
    task_id: int,
    result: Reconciliation,
    *,
    changes: Mapping[int, tuple[int, str, Mapping[str, Any]]],
    actor_id: int,
) -> None:
    """Keep the closed task's 盘亏, 盘盈 and differences (``changes``: card → the card change
    proposed for it, its reason and values) as rows to resolve; a row kept before stays."""
    rows: list[dict[str, Any]] = []
    base = {"task": task_id, "reason": None, "state": "open", "cause": None, "by": None}
    for f in result.missing:
        e = f.entry
        rows.append(
            {**base, "kind": Kind.SHORTAGE.value, "code": e.asset_code, "card_id": e.card_id,
             "dept": e.department_id, "seen": Jsonb({}), "resolution": Jsonb({}),
             "change_id": None}
        )  # fmt: skip
    for s in result.surplus:
        rows.append(
            {**base, "kind": Kind.SURPLUS.value, "code": s.asset_code or s.raw_code,
             "card_id": None, "reason": s.reason.value, "dept": s.department_id,
             "seen": Jsonb({"raw_code": s.raw_code, "scans": s.scans, "location": s.location,
                            "first_seen": s.first_seen.isoformat(),
                            "last_seen": s.last_seen.isoformat(), "known_card_id": s.card_id}),
             "resolution": Jsonb({}), "change_id": None}
        )  # fmt: skip
    for f in result.found:
        if not f.proposed_changes():
            continue
        e = f.entry
        change = changes.get(e.card_id)
        rows.append(
            {**base, "kind": Kind.DIFFERENCE.value, "code": e.asset_code, "card_id": e.card_id,
             "dept": e.department_id, "seen": Jsonb(_seen_of(f)),
             "resolution": Jsonb(dict(change[2]) if change else f.proposed_changes()),
             "change_id": change[0] if change else None,
             "state": "pending" if change else "open",
             "cause": change[1] if change else None, "by": actor_id if change else None}
        )  # fmt: skip
    if rows:
        async with conn.cursor() as cur:
            await cur.executemany(INSERT, rows)


def present(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row as the API and the report show it."""
    kind = row["kind"]
    state = change_state(row["review_state"]) if row["review_state"] else State(row["own_state"])
    action = ledger_action(kind, row["surplus_reason"], code_has_card=row["code_has_card"])
    seen = dict(row["seen"] or {})
    return {
        "id": row["id"],
        "kind": kind,
        "kind_label": KIND_LABELS[kind],
        "code": row["code"],
        "raw_code": seen.get("raw_code"),
        "surplus_reason": row["surplus_reason"],
        "card_id": row["card_id"],
        "new_card_id": row["new_card_id"],
        "asset_code": row["card_asset_code"]
        or (None if row["surplus_reason"] == SurplusReason.UNREADABLE else row["code"]),
        "name": row["card_name"] or (row["resolution"] or {}).get("name"),
        "card_status": row["card_status"],
        "department_id": row["department_id"],
        "department_name": row["department_name"],
        "seen": seen,
        "state": state.value,
        "state_label": STATE_LABELS[state.value],
        "resolved": state == State.APPROVED,
        "code_has_card": bool(row["code_has_card"]),
        "ledger": action.value,
        "ledger_label": "登记原因（该编号已有卡片，不改账）"
        if row["code_has_card"]
        else LEDGER_LABELS[action.value],
        "cause": row["cause"],
        "document_no": row["document_no"],
        "resolution": row["resolution"] or {},
        "change_id": row["change_id"],
        "disposal_id": row["disposal_id"],
        "proposed_by": row["proposed_by"],
        "proposed_by_name": row["proposed_by_name"],
        "proposed_at": row["proposed_at"].isoformat() if row["proposed_at"] else None,
        "decided_by": row["decided_by"],
        "decided_by_name": row["decided_by_name"],
        "decided_at": row["decided_at"].isoformat() if row["decided_at"] else None,
        "decision_note": row["decision_note"],
    }


async def list_discrepancies(
    conn: AsyncConnection[Any], task_id: int, *, department_id: int | None = None
) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(LIST, {"task": task_id, "dept": department_id})
    return [present(r) for r in await cur.fetchall()]


async def open_counts(conn: AsyncConnection[Any], task_ids: list[int]) -> dict[int, int]:
    """Task → discrepancies still open (only tasks that have any are keys)."""
    if not task_ids:
        return {}
    cur = await conn.execute(OPEN_COUNTS, (task_ids,))
    return {int(r[0]): int(r[1]) for r in await cur.fetchall()}


async def _locked(conn: AsyncConnection[Any], task_id: int, item_id: int) -> dict[str, Any]:
    cur = await conn.execute(LOCK, (item_id, task_id))
    if await cur.fetchone() is None:
        raise errors.not_found(
            "DISCREPANCY_NOT_FOUND", "该盘盈盘亏记录不存在，请刷新页面。", discrepancy_id=item_id
        )
    dcur = conn.cursor(row_factory=dict_row)
    await dcur.execute(ONE, (item_id, task_id))
    row = await dcur.fetchone()
    assert row is not None
    return present(row)


def _closed(access: TaskAccess) -> None:
    if access.task["state"] != "closed":
        raise errors.conflict(
            "STOCKTAKE_NOT_CLOSED",
            "盘点任务尚未结束：请先“应用盘点结果”，再处理盘盈盘亏。",
            stocktake_id=access.task["id"],
        )


async def propose(
    conn: AsyncConnection[Any],
    access: TaskAccess,
    operator: Principal,
    item_id: int,
    proposal: Proposal,
) -> dict[str, Any]:
    """The operator gives the cause and 文号 (and the new card's values, or the changes);
    the discrepancy waits for review."""
    if not access.manage:
        raise errors.forbidden("登记盘盈盘亏处理")
    _closed(access)
    task_id = access.task["id"]
    async with conn.transaction():
        item = await _locked(conn, task_id, item_id)
        if not can_propose(item["state"]):
            raise errors.conflict(
                "DISCREPANCY_NOT_OPEN",
                f"该记录已是“{item['state_label']}”状态，不能再登记。",
                discrepancy_id=item_id,
                state=item["state"],
            )
        kind = item["kind"]
        code = item["code"] if item["surplus_reason"] != SurplusReason.UNREADABLE else None
        if kind == Kind.DIFFERENCE and proposal.changes is None:
            proposal = Proposal(proposal.cause, proposal.document_no, None, item["resolution"])
        problems = check_proposal(
            kind, item["surplus_reason"], code, proposal, code_has_card=item["code_has_card"]
        )
        if problems:
            raise errors.invalid(
                "DISCREPANCY_INVALID",
                "；".join(p.message for p in problems),
                fields=",".join(p.field for p in problems),
            )
        cause = proposal.cause.strip()
        doc = (proposal.document_no or "").strip() or None
        resolution: dict[str, Any] = dict(proposal.card or proposal.changes or {})
        if item["ledger"] == Ledger.NEW_CARD:
            # the reviewer should not approve what cannot be registered
            values = new_card_values(code, resolution)
            await check_references(conn, unit_id=access.task["unit_id"], values=values)
            cur = await conn.execute(CODE_EXISTS, (values["asset_code"],))
            if await cur.fetchone() is not None:
                raise errors.conflict(
                    "ASSET_CODE_TAKEN",
                    f"资产编号 {values['asset_code']} 已有卡片，不能再新增，请核对。",
                    asset_code=values["asset_code"],
                )
        change_id = disposal_id = None
        if kind == Kind.SHORTAGE:
            disposal_id = await propose_disposal(
                conn,
                card_id=item["card_id"],
                method=DisposalMethod.WRITE_OFF.value,
                proposed_by=operator.user_id,
                reason=f"盘亏：{cause}",
                document_no=doc,
            )
        elif kind == Kind.DIFFERENCE:
            change_id = await propose_card_change(
                conn,
                card_id=item["card_id"],
                changes=resolution,
                proposed_by=operator.user_id,
                reason=f"{cause}（文号：{doc}）" if doc else cause,
                origin="stocktake",
                stocktake_id=task_id,
            )
        await conn.execute(
            PROPOSE,
            {"cause": cause, "doc": doc, "resolution": Jsonb(resolution),
             "change_id": change_id, "disposal_id": disposal_id, "by": operator.user_id,
             "id": item_id},
        )  # fmt: skip
        await audit(
            conn,
            actor_id=operator.user_id,
            entity="stocktake_discrepancy",
            entity_id=item_id,
            action="proposed",
            detail={"stocktake_id": task_id, "kind": kind, "code": item["code"],
                    "cause": cause, "document_no": doc, "change_id": change_id,
                    "disposal_id": disposal_id},
        )  # fmt: skip
        return await _locked(conn, task_id, item_id)


async def add_difference(
    conn: AsyncConnection[Any],
    access: TaskAccess,
    operator: Principal,
    card_id: int,
    proposal: Proposal,
) -> dict[str, Any]:
    """A difference the scans could not show (e.g. another 使用人 found on the spot), for
    a card on the task's book: recorded, then proposed like the others."""
    if not access.manage:
        raise errors.forbidden("登记盘盈盘亏处理")
    _closed(access)
    task_id = access.task["id"]
    cur = await conn.execute(ON_BOOK, (task_id, card_id))
    card = await cur.fetchone()
    if card is None:
        raise errors.invalid(
            "CARD_NOT_ON_STOCKTAKE", "该卡片不在本次盘点的账面范围内。", card_id=card_id
        )
    if not proposal.changes:
        raise errors.invalid(
            "DISCREPANCY_INVALID", "请填写现场与账面不符的内容。", fields="changes"
        )
    await conn.execute(
        INSERT,
        {"task": task_id, "kind": Kind.DIFFERENCE.value, "code": card[1], "card_id": card[0],
         "reason": None, "dept": card[2], "seen": Jsonb({}), "state": "open", "cause": None,
         "resolution": Jsonb(dict(proposal.changes)), "change_id": None, "by": None},
    )  # fmt: skip
    cur = await conn.execute(
        "select id from stocktake_discrepancies"
        " where stocktake_id = %s and kind = 'difference' and code = %s",
        (task_id, card[1]),
    )
    row = await cur.fetchone()
    assert row is not None
    return await propose(conn, access, operator, int(row[0]), proposal)


def _owner(access: TaskAccess) -> CardFacts:
    return CardFacts(unit_id=access.task["unit_id"], unit_parent_id=None, unit_region_code="")


def _may_review(access: TaskAccess, reviewer: Principal) -> None:
    """The unit's 审核岗 (whoever proposed it is checked once the row is read)."""
    if not can_review_change(reviewer, _owner(access), proposer_id=0):
        raise errors.forbidden("审核盘盈盘亏处理")
    _closed(access)


def _check_reviewer(access: TaskAccess, reviewer: Principal, item: Mapping[str, Any]) -> None:
    if not can_review_change(reviewer, _owner(access), item["proposed_by"]):
        if reviewer.user_id == item["proposed_by"]:
            raise errors.forbidden("审核自己登记的盘盈盘亏处理", discrepancy_id=item["id"])
        raise errors.forbidden("审核盘盈盘亏处理", discrepancy_id=item["id"])
    if item["state"] != State.PENDING:
        raise errors.conflict(
            "DISCREPANCY_NOT_PENDING",
            f"该记录是“{item['state_label']}”状态，不在待审核中。",
            discrepancy_id=item["id"],
            state=item["state"],
        )


async def approve(
    conn: AsyncConnection[Any],
    access: TaskAccess,
    reviewer: Principal,
    item_id: int,
    note: str | None = None,
) -> dict[str, Any]:
    """审核通过: the ledger follows — new card, loss write-off, or the card change."""
    _may_review(access, reviewer)
    task_id = access.task["id"]
    async with conn.transaction():
        item = await _locked(conn, task_id, item_id)
        _check_reviewer(access, reviewer, item)
        action = item["ledger"]
        new_card: int | None = None
        if action == Ledger.CARD_CHANGE:
            await approve_change(conn, change_id=item["change_id"], reviewer=reviewer, note=note)
        elif action == Ledger.NEW_CARD:
            code = item["code"] if item["surplus_reason"] != SurplusReason.UNREADABLE else None
            new_card = await create_card(
                conn,
                unit_id=access.task["unit_id"],
                values=new_card_values(code, item["resolution"]),
                actor_id=reviewer.user_id,
            )
        elif action == Ledger.WRITE_OFF:
            await approve_disposal(
                conn,
                disposal_id=item["disposal_id"],
                reviewer=reviewer,
                document_no=item["document_no"],
                note=note,
            )
        await conn.execute(
            DECIDE,
            {"state": "approved", "by": reviewer.user_id, "note": note, "new_card": new_card,
             "id": item_id},
        )  # fmt: skip
        await audit(
            conn,
            actor_id=reviewer.user_id,
            entity="stocktake_discrepancy",
            entity_id=item_id,
            action="approved",
            detail={"stocktake_id": task_id, "kind": item["kind"], "ledger": action,
                    "document_no": item["document_no"], "new_card_id": new_card,
                    "card_id": item["card_id"], "note": note},
        )  # fmt: skip
        return await _locked(conn, task_id, item_id)


async def reject(
    conn: AsyncConnection[Any],
    access: TaskAccess,
    reviewer: Principal,
    item_id: int,
    note: str | None = None,
) -> dict[str, Any]:
    """退回: nothing in the ledger changes; the operator gives the cause again."""
    _may_review(access, reviewer)
    task_id = access.task["id"]
    async with conn.transaction():
        item = await _locked(conn, task_id, item_id)
        _check_reviewer(access, reviewer, item)
        if item["ledger"] == Ledger.CARD_CHANGE:
            await reject_change(conn, change_id=item["change_id"], reviewer=reviewer, note=note)
        elif item["ledger"] == Ledger.WRITE_OFF:
            await reject_disposal(
                conn, disposal_id=item["disposal_id"], reviewer=reviewer, note=note
            )
        await conn.execute(
            DECIDE,
            {"state": "rejected", "by": reviewer.user_id, "note": note, "new_card": None,
             "id": item_id},
        )  # fmt: skip
        await audit(
            conn,
            actor_id=reviewer.user_id,
            entity="stocktake_discrepancy",
            entity_id=item_id,
            action="rejected",
            detail={"stocktake_id": task_id, "kind": item["kind"], "note": note},
        )  # fmt: skip
        return await _locked(conn, task_id, item_id)
