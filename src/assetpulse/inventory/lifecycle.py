"""Card business outside card changes: 出租出借收回 recall, 拆分 split, 退库 return to stock,
资产处置 disposal.

Each runs in one transaction that bumps the card version (so pending card changes made
against the old card are refused on approval), audits, and inserts its ``card_events`` row;
the platform delists through its own trigger on those events. ``dispose_card`` is the plain
service the platform calls when an adjust result is registered (the caller checks rights).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import AsyncConnection

from assetpulse.inventory import errors
from assetpulse.inventory.cards import CARD_FIELDS, check_references, insert_card, lock_card
from assetpulse.inventory.journal import audit, card_event
from assetpulse.inventory.rules import (
    ASSET_CODE,
    DISPOSAL_LABELS,
    ENDED,
    RECALL_STATUSES,
    STATUS_LABELS,
    CardStatus,
)
from assetpulse.inventory.split import Original, SplitPart, SplitRejectedError, plan_split

SET_STATUS = """
update asset_cards set status = %s, version = version + 1, updated_at = now()
where id = %s returning version
"""

RETURN_TO_STOCK = """
update asset_cards set status = %s, user_id = null, department_id = null,
    location = coalesce(%s, location), version = version + 1, updated_at = now()
where id = %s returning version
"""

CODES_TAKEN = "select asset_code from asset_cards where asset_code = any(%s)"

COPY_PHOTOS = """
insert into card_photos (card_id, sha256, content_type, byte_size, data, state, uploaded_by)
select %s, sha256, content_type, byte_size, data, 'attached', uploaded_by
from card_photos where card_id = %s and state = 'attached'
"""


async def _active(conn: AsyncConnection[Any], card_id: int) -> dict[str, Any]:
    card = await lock_card(conn, card_id)
    if card["status"] in ENDED:
        raise errors.card_not_active(card_id, card["status"])
    return card


async def _set_status(conn: AsyncConnection[Any], card_id: int, status: str) -> int:
    cur = await conn.execute(SET_STATUS, (status, card_id))
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def recall_card(
    conn: AsyncConnection[Any], *, card_id: int, status: str, actor_id: int, note: str | None = None
) -> int:
    """出租出借收回: a leased/lent card comes back with the status the operator chose."""
    if status not in {s.value for s in RECALL_STATUSES}:
        raise errors.invalid(
            "RECALL_STATUS_INVALID", "收回后的资产状态只能是闲置、待处置或在用。", status=status
        )
    async with conn.transaction():
        card = await _active(conn, card_id)
        if card["status"] != CardStatus.LEASED:
            raise errors.conflict(
                "CARD_NOT_LEASED",
                f"该资产当前状态为“{STATUS_LABELS.get(card['status'], card['status'])}”，"
                "不是出租出借，无需收回。",
                card_id=card_id,
            )
        version = await _set_status(conn, card_id, status)
        detail = {"from": card["status"], "to": status, "note": note, "version": version}
        await card_event(conn, card_id=card_id, kind="recalled", actor_id=actor_id, detail=detail)
        await audit(
            conn,
            actor_id=actor_id,
            entity="card",
            entity_id=card_id,
            action="recalled",
            detail=detail,
        )
        return version


async def return_to_stock(
    conn: AsyncConnection[Any],
    *,
    card_id: int,
    actor_id: int,
    status: str = CardStatus.IDLE,
    location: str | None = None,
    note: str | None = None,
) -> int:
    """退库: the asset goes back to the unit's store; no user or department holds it."""
    if status not in (CardStatus.IDLE, CardStatus.PENDING_DISPOSAL):
        raise errors.invalid(
            "RETURN_STATUS_INVALID", "退库后的资产状态只能是闲置或待处置。", status=status
        )
    async with conn.transaction():
        card = await _active(conn, card_id)
        if card["status"] == CardStatus.LEASED:
            raise errors.conflict(
                "CARD_LEASED",
                "该资产正在出租出借，请先办理出租出借收回，再退库。",
                card_id=card_id,
            )
        cur = await conn.execute(RETURN_TO_STOCK, (status, location, card_id))
        row = await cur.fetchone()
        assert row is not None
        version = int(row[0])
        detail = {
            "from": card["status"],
            "to": status,
            "department_id": card["department_id"],
            "user_id": card["user_id"],
            "note": note,
            "version": version,
        }
        await card_event(
            conn, card_id=card_id, kind="returned_to_stock", actor_id=actor_id, detail=detail
        )
        await audit(
            conn,
            actor_id=actor_id,
            entity="card",
            entity_id=card_id,
            action="returned",
            detail=detail,
        )
        return version


async def split_card(
    conn: AsyncConnection[Any],
    *,
    card_id: int,
    parts: Sequence[SplitPart],
    asset_codes: Sequence[str],
    actor_id: int,
) -> list[int]:
    """拆分: new cards (own status and shareable flag) replace the original (status split)."""
    if len(asset_codes) != len(parts) or len(set(asset_codes)) != len(asset_codes):
        raise errors.invalid("SPLIT_CODES_INVALID", "每张新卡片须有各不相同的资产编号。")
    bad = [c for c in asset_codes if not ASSET_CODE.match(c)]
    if bad:
        raise errors.invalid(
            "ASSET_CODE_INVALID",
            f"资产编号 {bad[0]} 格式不对：只能用大写字母、数字和连字符，4–40 位。",
            asset_code=bad[0],
        )
    async with conn.transaction():
        card = await _active(conn, card_id)
        cur = await conn.execute(CODES_TAKEN, (list(asset_codes),))
        taken = [r[0] for r in await cur.fetchall()]
        if taken:
            raise errors.conflict(
                "ASSET_CODE_TAKEN", f"资产编号 {taken[0]} 已存在，请更换。", asset_code=taken[0]
            )
        try:
            plan = plan_split(
                Original(card["quantity"], card["area"], card["original_value"], card["net_value"]),
                parts,
            )
        except SplitRejectedError as exc:
            raise errors.invalid("SPLIT_INVALID", str(exc), card_id=card_id) from exc
        new_ids: list[int] = []
        for i, part in enumerate(plan.parts):
            values = {f: card[f] for f in CARD_FIELDS}
            values.update(
                asset_code=asset_codes[i],
                status=part.status,
                shareable=part.shareable,
                quantity=part.quantity if part.quantity is not None else card["quantity"],
                area=part.area,
                original_value=plan.original_values[i],
                net_value=plan.net_values[i],
            )
            if card["area"] is None or card["area"] == 0:
                values["area"] = None
            for field in ("name", "location", "department_id"):
                if getattr(part, field) is not None:
                    values[field] = getattr(part, field)
            await check_references(conn, unit_id=card["unit_id"], values=values)
            new_id = await insert_card(
                conn,
                unit_id=card["unit_id"],
                values=values,
                actor_id=actor_id,
                parent_card_id=card_id,
                how="split_from",
            )
            await conn.execute(COPY_PHOTOS, (new_id, card_id))
            new_ids.append(new_id)
        version = await _set_status(conn, card_id, CardStatus.SPLIT)
        detail = {"new_card_ids": new_ids, "from": card["status"], "version": version}
        await card_event(conn, card_id=card_id, kind="split", actor_id=actor_id, detail=detail)
        await audit(
            conn, actor_id=actor_id, entity="card", entity_id=card_id, action="split", detail=detail
        )
        return new_ids


async def dispose_card(
    conn: AsyncConnection[Any],
    *,
    card_id: int,
    method: str,
    actor_id: int | None,
    receiver: str | None = None,
    document_no: str | None = None,
    note: str | None = None,
) -> int:
    """资产处置: the card becomes 已处置 and a ``disposed`` event delists it; returns version."""
    if method not in DISPOSAL_LABELS:
        raise errors.invalid(
            "DISPOSAL_METHOD_INVALID",
            "处置方式须为无偿划转、对外捐赠、转让、置换、报废或损失核销。",
            method=method,
        )
    async with conn.transaction():
        card = await _active(conn, card_id)
        version = await _set_status(conn, card_id, CardStatus.DISPOSED)
        detail = {
            "method": method,
            "method_label": DISPOSAL_LABELS[method],
            "receiver": receiver,
            "document_no": document_no,
            "note": note,
            "from": card["status"],
            "version": version,
        }
        await card_event(conn, card_id=card_id, kind="disposed", actor_id=actor_id, detail=detail)
        await audit(
            conn,
            actor_id=actor_id,
            entity="card",
            entity_id=card_id,
            action="disposed",
            detail=detail,
        )
        return version
