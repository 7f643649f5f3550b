"""Routes: ``/card-changes`` (卡片变动) — propose, list, detail, approve, reject."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from psycopg.rows import dict_row
from pydantic import BaseModel, Field

from assetpulse.inventory import changes as change_service
from assetpulse.inventory import errors
from assetpulse.inventory.cards import CARD_READ_SCOPE, scope_params, visible_card
from assetpulse.inventory.http.guards import operable_card
from assetpulse.inventory.rules import ENDED, ENDED_CONFLICT, conflict_message
from assetpulse.org.scope import card_read_scope
from assetpulse.platform.api.deps import Conn, CurrentUser

router = APIRouter(tags=["inventory: card changes"])

# Changes of the cards the user may see (same scope as /cards), newest first.
LIST_CHANGES = f"""
select ch.id, ch.card_id, c.asset_code, c.name as card_name, ch.changes, ch.reason, ch.state,
       ch.origin, ch.suggestion_id, ch.stocktake_id, ch.proposed_by, ch.proposed_at,
       ch.decided_by, ch.decided_at, ch.decision_note, ch.card_version, ch.base,
       case when ch.state = 'pending' then to_jsonb(c) end as card_now
from card_changes ch
join asset_cards c on c.id = ch.card_id
join units u on u.id = c.unit_id
where {CARD_READ_SCOPE}
  and (%(state)s::text is null or ch.state = %(state)s)
  and (%(card_id)s::bigint is null or ch.card_id = %(card_id)s)
  and (%(stocktake_id)s::bigint is null or ch.stocktake_id = %(stocktake_id)s)
order by ch.id desc
limit 500
"""

CARD_NOW = "select to_jsonb(c) as card from asset_cards c where id = %s"

AUDIT_OF_CHANGE = """
select at, actor_id, action, detail from audit_log
where entity = 'card_change' and entity_id = %s order by at, id
"""


class ChangeIn(BaseModel):
    card_id: int
    changes: dict[str, Any] = Field(
        description='字段 → 新值，如 {"status": "idle"}、{"shareable": true}、{"location": "…"}'
    )
    reason: str | None = Field(default=None, max_length=1000)
    card_version: int | None = Field(
        default=None, description="提交时看到的卡片版本；卡片已被修改时返回 409"
    )


class Decision(BaseModel):
    note: str | None = Field(default=None, max_length=1000)


@router.get("/card-changes", summary="卡片变动列表")
async def list_changes(
    conn: Conn,
    user: CurrentUser,
    state: Literal["pending", "approved", "rejected", "withdrawn"] | None = None,
    card_id: int | None = None,
    stocktake_id: int | None = None,
) -> list[dict[str, Any]]:
    params = scope_params(card_read_scope(user), user.user_id) | {
        "state": state,
        "card_id": card_id,
        "stocktake_id": stocktake_id,
    }
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(LIST_CHANGES, params)
    rows = await cur.fetchall()
    for row in rows:
        _with_conflict(row, row.pop("card_now"))
    return rows


def _with_conflict(change: dict[str, Any], card_now: dict[str, Any] | None) -> None:
    """``conflict``: why a pending change can no longer be approved (the reviewer 退回s it
    instead of pressing 审核通过 in vain), or None."""
    stale = (
        change_service.conflict_of(change, card_now)
        if change["state"] == "pending" and card_now is not None
        else []
    )
    if change["state"] == "pending" and card_now is not None and card_now["status"] in ENDED:
        change["conflict"] = {"fields": ["status"], "message": ENDED_CONFLICT}
    else:
        change["conflict"] = (
            {"fields": stale, "message": conflict_message(stale)} if stale else None
        )


@router.post("/card-changes", status_code=201, summary="发起卡片变动 (经办岗)")
async def propose(body: ChangeIn, conn: Conn, user: CurrentUser) -> dict[str, Any]:
    await operable_card(conn, user, body.card_id, "发起卡片变动")
    if "photo_id" in body.changes:
        raise errors.invalid(
            "PHOTO_VIA_UPLOAD", "照片请通过 /cards/{id}/photos 上传，系统会自动生成卡片变动。"
        )
    change_id = await change_service.propose_card_change(
        conn,
        card_id=body.card_id,
        changes=body.changes,
        proposed_by=user.user_id,
        reason=body.reason,
        card_version=body.card_version,
    )
    return await _detail(conn, user, change_id)


async def _detail(conn: Conn, user: CurrentUser, change_id: int) -> dict[str, Any]:
    change = await change_service.load_change(conn, change_id)
    if change is None:
        raise errors.not_found("CHANGE_NOT_FOUND", "卡片变动单不存在。", change_id=change_id)
    try:
        await visible_card(conn, user, change["card_id"])
    except errors.InventoryError:
        raise errors.not_found(
            "CHANGE_NOT_FOUND", "卡片变动单不存在。", change_id=change_id
        ) from None
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(CARD_NOW, (change["card_id"],))
    now = await cur.fetchone()
    _with_conflict(change, now["card"] if now else None)
    await cur.execute(AUDIT_OF_CHANGE, (str(change_id),))
    change["history"] = await cur.fetchall()
    return change


@router.get("/card-changes/{change_id}", summary="卡片变动详情 (含审核记录)")
async def get_change(change_id: int, conn: Conn, user: CurrentUser) -> dict[str, Any]:
    return await _detail(conn, user, change_id)


@router.post("/card-changes/{change_id}/approve", summary="审核通过 (审核岗)")
async def approve(
    change_id: int, conn: Conn, user: CurrentUser, body: Decision | None = None
) -> dict[str, Any]:
    await _detail(conn, user, change_id)  # 404 outside the user's scope
    await change_service.approve_change(
        conn, change_id=change_id, reviewer=user, note=body.note if body else None
    )
    return await _detail(conn, user, change_id)


@router.post("/card-changes/{change_id}/reject", summary="退回 (审核岗)")
async def reject(
    change_id: int, conn: Conn, user: CurrentUser, body: Decision | None = None
) -> dict[str, Any]:
    await _detail(conn, user, change_id)
    await change_service.reject_change(
        conn, change_id=change_id, reviewer=user, note=body.note if body else None
    )
    return await _detail(conn, user, change_id)


@router.post("/card-changes/{change_id}/withdraw", summary="撤回 (发起人，审核前)")
async def withdraw(change_id: int, conn: Conn, user: CurrentUser) -> dict[str, Any]:
    await _detail(conn, user, change_id)
    await change_service.withdraw_change(conn, change_id=change_id, actor_id=user.user_id)
    return await _detail(conn, user, change_id)
