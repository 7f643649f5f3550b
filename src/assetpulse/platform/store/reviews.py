"""Review transitions in PostgreSQL: lock the bill's row, apply the pure state machine, write.

Concurrency: every transition runs in one transaction that first takes ``select … for
update`` on the bill, so two reviewers acting at once serialise; the second one sees the
state the first one left and gets the state machine's 409 (``BILL_NOT_AT_YOUR_NODE``,
``NEXT_NODE_ACTED``). A client may also send the ``version`` it read to refuse stale
decisions outright.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from assetpulse.org.principal import Principal
from assetpulse.platform import review, rules
from assetpulse.platform.chains import DEFAULT_CHAINS, Org, resolve, scope_class
from assetpulse.platform.errors import forbidden, invalid
from assetpulse.platform.review import BillState, Node, Stage
from assetpulse.platform.store import listings_write, notices
from assetpulse.platform.store.access import (
    not_reviewer,
    require_operator,
    reviewer_nodes,
    set_actor,
)
from assetpulse.platform.store.bills import check_version, load_for_update

ACTION_TEXT = {
    "submit": "送审",
    "cancel_submit": "取消送审",
    "approve": "审核通过",
    "reject": "退回",
    "cancel_approval": "取消审核",
    "report": "上报财政部",
    "mof_approve": "财政部审核通过",
    "mof_reject": "财政部退回",
}

CHAIN_NODES = "select nodes from review_chains where kind = %s and scope_class = %s"
ORG_OF_UNIT = """
select u.id,
       (select c.id from units c where c.id = u.parent_id and c.kind = 'competent'),
       (select f.id from units f where f.kind = 'finance'
          and left(f.region_code, 2) = left(u.region_code, 2) order by f.region_code limit 1)
from units u where u.id = %s
"""
UPDATE_STATE = """
update bills set stage = %s, node_index = %s, status_text = %s, return_reason = %s,
       chain = %s, chain_units = %s, version = version + 1, updated_at = now(),
       submitted_at = case when %s then now() else submitted_at end
where id = %s
"""
INSERT_ACTION = """
insert into review_actions (bill_id, action, node_index, node, actor_id, unit_id, stage,
                            status_text, note)
values (%s, %s, %s, %s, %s, %s, %s, %s, %s)
"""


def state_of(row: dict[str, Any]) -> BillState:
    return BillState(
        stage=Stage(row["stage"]),
        chain=tuple(Node(n) for n in row["chain"]),
        national=row["scope"] == "national",
        node_index=row["node_index"],
        status_text=row["status_text"],
        reason=row["return_reason"],
    )


async def _resolve_chain(
    conn: AsyncConnection[Any], row: dict[str, Any]
) -> tuple[tuple[Node, ...], tuple[int, ...]]:
    cur = await conn.execute(CHAIN_NODES, (row["kind"], scope_class(row["scope"])))
    found = await cur.fetchone()
    nodes = (
        tuple(Node(n) for n in found[0])
        if found
        else DEFAULT_CHAINS[(row["kind"], scope_class(row["scope"]))]
    )
    cur = await conn.execute(ORG_OF_UNIT, (row["unit_id"],))
    org = await cur.fetchone()
    assert org is not None
    return resolve(nodes, Org(unit_id=org[0], competent_id=org[1], finance_id=org[2]))


def _pick_node(s: BillState, nodes: list[int], action: str) -> int:
    """The node ``p`` acts at: the one the action needs now, else any of theirs (→ 409)."""
    if action == "cancel_approval":
        wanted = s.node_index - 1 if s.stage is Stage.IN_REVIEW else len(s.chain) - 1
    else:
        wanted = s.node_index
    return wanted if wanted in nodes else nodes[-1]


async def transition(
    conn: AsyncConnection[Any],
    p: Principal,
    bill_id: int,
    action: str,
    *,
    reason: str | None = None,
    version: int | None = None,
) -> None:
    """Apply ``action`` for ``p`` to bill ``bill_id`` in one transaction."""
    async with conn.transaction():
        await set_actor(conn, p)
        row = await load_for_update(conn, p, bill_id)
        s = state_of(row)
        chain, units = list(row["chain"]), list(row["chain_units"])
        node: int | None = None
        if action in ("submit", "cancel_submit"):
            require_operator(p, row["unit_id"])
            check_version(row, version)
            if action == "submit":
                await _check_complete(conn, row)
                resolved, unit_ids = await _resolve_chain(conn, row)
                s = BillState(s.stage, resolved, s.national, s.node_index, s.status_text, s.reason)
                chain, units = [n.value for n in resolved], list(unit_ids)
                new = review.submit(s)
            else:
                new = review.cancel_submit(s)
        else:
            nodes = reviewer_nodes(p, chain, units)
            if not nodes:
                raise not_reviewer()
            check_version(row, version)
            if action in ("approve", "reject"):
                await _require_other_person(conn, p, row)
            node = _pick_node(s, nodes, action)
            if action == "approve":
                # the cards may have changed since submit (disposed, split, status)
                await _check_complete(conn, row)
                new = review.approve(s, node)
            elif action == "reject":
                new = review.reject(s, node, reason or "")
            elif action == "cancel_approval":
                new = review.cancel_approval(s, node)
            else:
                raise invalid("ACTION_UNKNOWN", "不支持的审核操作。")
        await write_state(conn, p, row, s, new, action, node, reason, chain, units)


async def write_state(
    conn: AsyncConnection[Any],
    p: Principal,
    row: dict[str, Any],
    old: BillState,
    new: BillState,
    action: str,
    node: int | None,
    note: str | None,
    chain: list[str],
    units: list[int],
) -> None:
    """Persist a transition, its progress row and its effect on the bill's listings."""
    await conn.execute(
        UPDATE_STATE,
        (
            new.stage.value,
            new.node_index,
            new.status_text,
            new.reason,
            chain,
            units,
            action == "submit",
            row["id"],
        ),
    )
    await conn.execute(
        INSERT_ACTION,
        (
            row["id"],
            action,
            node,
            None if node is None else chain[node],
            p.user_id,
            p.unit_id,
            new.stage.value,
            new.status_text,
            note,
        ),
    )
    if new.stage is Stage.FINAL and old.stage is not Stage.FINAL:
        await listings_write.list_bill(conn, row["id"])
        # an idle asset published from a suggestion tells the units whose demands it fits
        await notices.notify_matching_demands(conn, row["id"])
    elif old.stage in review.LISTED and new.stage not in review.LISTED:
        await listings_write.withdraw_bill(conn, row["id"])
    elif new.stage in review.LISTED:
        code = review.review_code(new.stage)
        await conn.execute(
            "update listings set review_code = %s, changed_at = now()"
            " where bill_id = %s and state in ('listed', 'done')",
            (code.value if code else None, row["id"]),
        )


LAST_SUBMITTER = """
select actor_id from review_actions where bill_id = %s and action = 'submit'
order by id desc limit 1
"""


async def _require_other_person(
    conn: AsyncConnection[Any], p: Principal, row: dict[str, Any]
) -> None:
    """Four eyes (不相容岗位分离): whoever made or sent the bill does not decide on it, even
    holding both 经办 and 审核 — as card changes refuse their proposer."""
    cur = await conn.execute(LAST_SUBMITTER, (row["id"],))
    sent = await cur.fetchone()
    if p.user_id == row["created_by"] or (sent is not None and sent[0] == p.user_id):
        raise forbidden(
            "REVIEW_OWN_BILL",
            "不能审核自己填制或送审的单据（经办与审核须由不同人员办理）。",
            bill_id=row["id"],
        )


async def _check_complete(conn: AsyncConnection[Any], row: dict[str, Any]) -> None:
    """A bill is submitted only with lines (adjust/share) whose cards still qualify."""
    if row["kind"] == "demand":
        return
    cur = await conn.execute(
        "select c.id, c.unit_id, c.status, c.shareable,"
        " (select count(*) from card_photos p where p.card_id = c.id and p.state = 'attached')"
        " from bill_lines l join asset_cards c on c.id = l.card_id"
        " where l.bill_id = %s and l.active",
        (row["id"],),
    )
    facts = await cur.fetchall()
    if not facts:
        raise invalid("BILL_HAS_NO_CARDS", "请先点击【选择资产卡片】添加资产明细后再送审。")
    for f in facts:
        refusal = rules.card_refusal(row["kind"], row["unit_id"], rules.CardFacts(*f))
        if refusal is not None:
            raise invalid(refusal.code, refusal.message, card_id=refusal.card_id)


PROGRESS_ACTIONS = """
select a.action, a.node, a.node_index, us.display_name as actor, un.name as unit_name,
       a.status_text, a.note, a.at
from review_actions a left join users us on us.id = a.actor_id
left join units un on un.id = a.unit_id
where a.bill_id = %s order by a.id
"""


async def progress(conn: AsyncConnection[Any], bill: dict[str, Any]) -> dict[str, Any]:
    """审核情况: every node with who approved it and when, plus the full history."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "select chain, chain_units, node_index from bills where id = %s", (bill["id"],)
    )
    chain_row = await cur.fetchone()
    assert chain_row is not None
    await cur.execute(PROGRESS_ACTIONS, (bill["id"],))
    history = await cur.fetchall()
    await cur.execute("select id, name from units where id = any(%s)", (chain_row["chain_units"],))
    names = {r["id"]: r["name"] for r in await cur.fetchall()}
    stage = Stage(bill["stage"])
    # the latest approval per node since the last submit counts; cancellations undo it
    approvals: dict[int, dict[str, Any]] = {}
    for h in history:
        if h["action"] == "submit":
            approvals.clear()
        elif h["action"] == "approve":
            approvals[h["node_index"]] = h
        elif h["action"] == "cancel_approval":
            approvals.pop(h["node_index"], None)
    nodes = []
    for i, (n, unit) in enumerate(zip(chain_row["chain"], chain_row["chain_units"], strict=True)):
        if stage is Stage.IN_REVIEW and i == chain_row["node_index"]:
            state, text = "current", "待审核"
        elif i in approvals and stage not in review.EDITABLE:
            state, text = "approved", "已审核"
        else:
            state, text = "waiting", "未审核"
        acted = approvals.get(i) if state == "approved" else None
        nodes.append({
            "index": i, "node": n, "node_text": f"{review.NODE_LABELS[Node(n)]}审核",
            "unit_id": unit, "unit_name": names.get(unit, ""), "state": state,
            "state_text": text, "actor": acted["actor"] if acted else None,
            "acted_at": acted["at"] if acted else None,
        })  # fmt: skip
    return {
        "bill_id": bill["id"],
        "stage": bill["stage"],
        "stage_text": bill["stage_text"],
        "status_text": bill["status_text"],
        "review_code": bill["review_code"],
        "review_code_text": bill["review_code_text"],
        "nodes": nodes,
        "history": [
            {
                "action": h["action"], "action_text": ACTION_TEXT.get(h["action"], h["action"]),
                "node": h["node"], "actor": h["actor"], "unit_name": h["unit_name"],
                "status_text": h["status_text"], "note": h["note"], "at": h["at"],
            }
            for h in history
        ],
    }  # fmt: skip
