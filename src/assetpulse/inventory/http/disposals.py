"""Routes: ``/disposals`` (资产处置) — propose (经办岗), list, detail, approve with the 批复文号
or return (审核岗, never the proposer), withdraw (the proposer).

A receiving unit of this system sees the disposals made to it (``incoming``) with the card it
got (调入), though not the giver's card itself.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from psycopg.rows import dict_row
from pydantic import BaseModel, Field

from assetpulse.inventory import disposals as service
from assetpulse.inventory import errors
from assetpulse.inventory.cards import CARD_READ_SCOPE, scope_params
from assetpulse.inventory.http.guards import operable_card
from assetpulse.inventory.rules import DISPOSAL_LABELS, STATUS_LABELS
from assetpulse.org.scope import card_read_scope
from assetpulse.platform.api.deps import Conn, CurrentUser

router = APIRouter(tags=["inventory: disposals"])

Method = Literal["free_transfer", "donation", "sale", "exchange", "scrap", "write_off"]

# Disposals of the cards the user may see, and those made to the user's unit (调入).
LIST = f"""
select d.id, d.card_id, c.asset_code, c.name as card_name, c.unit_id, u.name as unit_name,
       c.status as card_status, c.quantity, c.area, c.measure_unit, c.original_value,
       c.net_value, d.method, d.receiver, d.receiving_unit_id, ru.name as receiving_unit_name,
       d.listing_id, d.document_no, d.reason, d.state, d.proposed_by, pu.display_name as
       proposer_name, d.proposed_at, d.decided_by, d.decided_at, d.decision_note,
       d.card_version, d.base, d.receiver_card_id, rc.asset_code as receiver_asset_code,
       case when d.state = 'pending' then to_jsonb(c) end as card_now,
       (c.unit_id <> %(my_unit)s::bigint and d.receiving_unit_id = %(my_unit)s::bigint)
           as incoming
from card_disposals d
join asset_cards c on c.id = d.card_id
join units u on u.id = c.unit_id
left join units ru on ru.id = d.receiving_unit_id
left join users pu on pu.id = d.proposed_by
left join asset_cards rc on rc.id = d.receiver_card_id
where (({CARD_READ_SCOPE}) or d.receiving_unit_id = %(my_unit)s::bigint)
  and (%(state)s::text is null or d.state = %(state)s)
  and (%(card_id)s::bigint is null or d.card_id = %(card_id)s)
  and (not %(incoming_only)s or d.receiving_unit_id = %(my_unit)s::bigint)
  and (%(disposal_id)s::bigint is null or d.id = %(disposal_id)s)
order by d.id desc
limit 500
"""

AUDIT = """
select at, actor_id, action, detail from audit_log
where entity = 'card_disposal' and entity_id = %s order by at, id
"""


class DisposalIn(BaseModel):
    card_id: int
    method: Method = Field(description="无偿划转 / 对外捐赠 / 转让 / 置换 / 报废 / 损失核销")
    receiver: str | None = Field(
        default=None, max_length=200, description="接收方单位名称 (划转、捐赠、转让、置换)"
    )
    receiving_unit_id: int | None = Field(
        default=None, description="本系统内的接收单位 (无偿划转、对外捐赠)：审核通过后调入"
    )
    document_no: str | None = Field(default=None, max_length=100, description="批复文号")
    reason: str | None = Field(default=None, max_length=1000)


class ApproveIn(BaseModel):
    document_no: str | None = Field(
        default=None, max_length=100, description="批复文号 (必填，除非申请时已填写)"
    )
    note: str | None = Field(default=None, max_length=1000)


class Decision(BaseModel):
    note: str | None = Field(default=None, max_length=1000)


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    card_now = row.pop("card_now")
    row["conflict"] = service.conflict_of(row, card_now)
    row["method_label"] = DISPOSAL_LABELS.get(row["method"], row["method"])
    row["card_status_label"] = STATUS_LABELS.get(row["card_status"], row["card_status"])
    if row["incoming"]:  # the receiver sees what it got, not the giver's book
        for key in ("card_version", "base", "proposed_by", "proposer_name", "listing_id"):
            row.pop(key, None)
    return row


async def _rows(
    conn: Conn,
    user: CurrentUser,
    *,
    state: str | None = None,
    card_id: int | None = None,
    incoming: bool = False,
    disposal_id: int | None = None,
) -> list[dict[str, Any]]:
    params = scope_params(card_read_scope(user), user.user_id) | {
        "my_unit": user.unit_id,
        "state": state,
        "card_id": card_id,
        "incoming_only": incoming,
        "disposal_id": disposal_id,
    }
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(LIST, params)
    return [_shown(r) for r in await cur.fetchall()]


async def _detail(conn: Conn, user: CurrentUser, disposal_id: int) -> dict[str, Any]:
    rows = await _rows(conn, user, disposal_id=disposal_id)
    if not rows:
        raise errors.not_found(
            "DISPOSAL_NOT_FOUND", "处置申请不存在或不在您可查看的范围。", disposal_id=disposal_id
        )
    row = rows[0]
    if not row["incoming"]:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(AUDIT, (str(disposal_id),))
        row["history"] = await cur.fetchall()
    return row


@router.get("/disposals", summary="资产处置列表 (含调入本单位的)")
async def list_disposals(
    conn: Conn,
    user: CurrentUser,
    state: Literal["pending", "approved", "rejected", "withdrawn"] | None = None,
    card_id: int | None = None,
    incoming: bool = False,
) -> list[dict[str, Any]]:
    return await _rows(conn, user, state=state, card_id=card_id, incoming=incoming)


@router.post("/disposals", status_code=201, summary="申请资产处置 (经办岗，待审核)")
async def propose(body: DisposalIn, conn: Conn, user: CurrentUser) -> dict[str, Any]:
    await operable_card(conn, user, body.card_id, "处置该资产")
    disposal_id = await service.propose_disposal(
        conn,
        card_id=body.card_id,
        method=body.method,
        proposed_by=user.user_id,
        receiver=body.receiver,
        receiving_unit_id=body.receiving_unit_id,
        reason=body.reason,
        document_no=body.document_no,
    )
    return await _detail(conn, user, disposal_id)


@router.get("/disposals/{disposal_id}", summary="资产处置详情 (含审核记录)")
async def get_disposal(disposal_id: int, conn: Conn, user: CurrentUser) -> dict[str, Any]:
    return await _detail(conn, user, disposal_id)


async def _own(conn: Conn, user: CurrentUser, disposal_id: int) -> None:
    """404 outside the user's scope; the receiving unit only reads."""
    if (await _detail(conn, user, disposal_id))["incoming"]:
        raise errors.forbidden("办理其他单位的资产处置", disposal_id=disposal_id)


@router.post("/disposals/{disposal_id}/approve", summary="审核通过 (审核岗，填写批复文号)")
async def approve(
    disposal_id: int, conn: Conn, user: CurrentUser, body: ApproveIn | None = None
) -> dict[str, Any]:
    await _own(conn, user, disposal_id)
    await service.approve_disposal(
        conn,
        disposal_id=disposal_id,
        reviewer=user,
        document_no=body.document_no if body else None,
        note=body.note if body else None,
    )
    return await _detail(conn, user, disposal_id)


@router.post("/disposals/{disposal_id}/reject", summary="退回 (审核岗)")
async def reject(
    disposal_id: int, conn: Conn, user: CurrentUser, body: Decision | None = None
) -> dict[str, Any]:
    await _own(conn, user, disposal_id)
    await service.reject_disposal(
        conn, disposal_id=disposal_id, reviewer=user, note=body.note if body else None
    )
    return await _detail(conn, user, disposal_id)


@router.post("/disposals/{disposal_id}/withdraw", summary="撤回 (发起人，审核前)")
async def withdraw(disposal_id: int, conn: Conn, user: CurrentUser) -> dict[str, Any]:
    await _own(conn, user, disposal_id)
    await service.withdraw_disposal(conn, disposal_id=disposal_id, actor_id=user.user_id)
    return await _detail(conn, user, disposal_id)
