"""资产处置 in review: an operator proposes, a reviewer of the same unit who did not propose
it approves with the approval document's number (批复文号) or returns it; only an approved
disposal ends the card (``lifecycle.dispose_card``, whose ``disposed`` event delists it).

Conflicts: the proposal keeps the card's book values (``base``: unit, quantity, area, values).
A disposal whose card was split or disposed meanwhile, is leased out again, or whose book
values moved, cannot be approved; the reviewer 退回s it and the reason reaches the operator.

调入: a 无偿划转 / 对外捐赠 to a unit of this system gives that unit a card of its own when
the disposal is approved. For a disposal proposed by 登记调剂结果 the platform's trigger on
the ``disposed`` event makes it (from the listing's result); otherwise this module does. Either
way the new card gets a ``transferred_in`` event naming the giver and the document, and the
disposal row keeps ``receiver_card_id``.

``propose_disposal`` is the plain service other parts call (the platform's 登记结果); it
checks the disposal, not the caller's rights — the HTTP layer does that.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from assetpulse.inventory import errors
from assetpulse.inventory.cards import CODE_EXISTS, facts, insert_card, lock_card
from assetpulse.inventory.journal import audit, card_event
from assetpulse.inventory.lifecycle import dispose_card
from assetpulse.inventory.rules import (
    DISPOSAL_LABELS,
    ENDED,
    FIELD_LABELS,
    CardStatus,
)
from assetpulse.org.principal import Principal
from assetpulse.org.scope import can_review_change

# what the reviewer approves: the asset as booked when proposed
BASE_FIELDS = ("unit_id", "quantity", "area", "original_value", "net_value")
# the methods that hand the asset to someone (a receiver is named)
WITH_RECEIVER = frozenset({"free_transfer", "donation", "sale", "exchange"})
# the methods that may hand it to a unit of this system, which then gets the card (调入)
TO_UNIT = frozenset({"free_transfer", "donation"})

COLUMNS = """
id, card_id, method, receiver, receiving_unit_id, listing_id, document_no, reason, state,
proposed_by, proposed_at, decided_by, decided_at, decision_note, card_version, base,
receiver_card_id
"""
BY_ID = f"select {COLUMNS} from card_disposals where id = %s"
LOCK = f"select {COLUMNS} from card_disposals where id = %s for update"
PENDING_OF_CARD = "select id from card_disposals where card_id = %s and state = 'pending'"
INSERT = """
insert into card_disposals (card_id, method, receiver, receiving_unit_id, listing_id,
    document_no, reason, proposed_by, card_version, base)
values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
returning id
"""
DECIDE = """
update card_disposals set state = %s, decided_by = %s, decided_at = now(),
    decision_note = %s, document_no = coalesce(%s, document_no), receiver_card_id = %s
where id = %s
"""
CARD_JSON = "select to_jsonb(c) from asset_cards c where id = %s"
RECEIVING_UNIT = "select kind, name from units where id = %s"
# the card the receiver got for this one (made by the platform's trigger or below)
TRANSFERRED_CARD = """
select id from asset_cards where attributes -> 'transferred_from' ->> 'card_id' = %s::text
order by id desc limit 1
"""
COPY_PHOTOS = """
insert into card_photos (card_id, sha256, content_type, byte_size, data, state, uploaded_by)
select %s, sha256, content_type, byte_size, data, 'attached', uploaded_by
from card_photos where card_id = %s and state = 'attached'
"""
RETARGET = """
update card_disposals set receiver = %s, receiving_unit_id = %s
where listing_id = %s and state = 'pending'
"""
TRANSFER_FIELDS = (
    "name",
    "category_code",
    "quantity",
    "area",
    "measure_unit",
    "brand",
    "model",
    "spec",
    "serial_no",
    "original_value",
    "net_value",
    "acquired_on",
    "funding_source",
    "accounting_subject",
    "usage_direction",
)


def base_of(card_json: dict[str, Any]) -> dict[str, Any]:
    return {k: card_json.get(k) for k in BASE_FIELDS}


def conflict_of(disposal: dict[str, Any], card_now: dict[str, Any] | None) -> str | None:
    """Why a pending disposal can no longer be approved (the reviewer 退回s it), or None."""
    if disposal["state"] != "pending" or card_now is None:
        return None
    if card_now["status"] in ENDED:
        return "该资产卡片已处置或已拆分，本处置不能再审核通过，请“退回”。"
    if card_now["status"] == CardStatus.LEASED:
        return "该资产已出租出借，须先办理出租出借收回，本处置不能审核通过，请“退回”。"
    stale = [k for k, was in disposal["base"].items() if card_now.get(k) != was]
    if not stale:
        return None
    if "unit_id" in stale:
        return "提出处置后，该资产已调入其他单位，本处置不能再审核通过，请“退回”。"
    names = "、".join(f"“{FIELD_LABELS.get(k, k)}”" for k in stale)
    return (
        f"提出处置后，卡片的{names}已被修改，本处置不能再审核通过。"
        "请“退回”，经办人可按当前卡片重新发起。"
    )


async def _card_json(conn: AsyncConnection[Any], card_id: int) -> dict[str, Any]:
    cur = await conn.execute(CARD_JSON, (card_id,))
    row = await cur.fetchone()
    assert row is not None
    return dict(row[0])


async def propose_disposal(
    conn: AsyncConnection[Any],
    *,
    card_id: int,
    method: str,
    proposed_by: int,
    receiver: str | None = None,
    receiving_unit_id: int | None = None,
    listing_id: int | None = None,
    reason: str | None = None,
    document_no: str | None = None,
) -> int:
    """Record a disposal for review; returns its id. Runs in a (nested) transaction."""
    if method not in DISPOSAL_LABELS:
        raise errors.invalid(
            "DISPOSAL_METHOD_INVALID",
            "处置方式须为无偿划转、对外捐赠、转让、置换、报废或损失核销。",
            method=method,
        )
    receiver = (receiver or "").strip() or None
    if method in WITH_RECEIVER and receiver is None:
        raise errors.invalid(
            "DISPOSAL_RECEIVER_REQUIRED",
            f"{DISPOSAL_LABELS[method]}须填写接收方单位名称。",
            method=method,
        )
    if receiving_unit_id is not None and method not in TO_UNIT:
        raise errors.invalid(
            "DISPOSAL_RECEIVING_UNIT_INVALID",
            "只有无偿划转和对外捐赠可以选择本系统内的接收单位（由其调入）。",
            method=method,
        )
    async with conn.transaction():
        card = await lock_card(conn, card_id)
        if card["status"] in ENDED:
            raise errors.card_not_active(card_id, card["status"])
        if card["status"] == CardStatus.LEASED:
            raise errors.conflict(
                "CARD_LEASED",
                "该资产正在出租出借，请先办理出租出借收回，再申请处置。",
                card_id=card_id,
            )
        if receiving_unit_id is not None:
            await _check_receiving_unit(conn, receiving_unit_id, card["unit_id"])
        cur = await conn.execute(PENDING_OF_CARD, (card_id,))
        pending = await cur.fetchone()
        if pending is not None:
            raise errors.conflict(
                "DISPOSAL_PENDING",
                f"该资产已有待审核的处置申请（编号 {pending[0]}），请等待审核或撤回后再发起。",
                card_id=card_id,
                disposal_id=pending[0],
            )
        cur = await conn.execute(
            INSERT,
            (
                card_id,
                method,
                receiver,
                receiving_unit_id,
                listing_id,
                (document_no or "").strip() or None,
                reason,
                proposed_by,
                card["version"],
                Jsonb(base_of(await _card_json(conn, card_id))),
            ),
        )
        row = await cur.fetchone()
        assert row is not None
        disposal_id = int(row[0])
        await audit(
            conn,
            actor_id=proposed_by,
            entity="card_disposal",
            entity_id=disposal_id,
            action="proposed",
            detail={
                "card_id": card_id,
                "method": method,
                "receiver": receiver,
                "receiving_unit_id": receiving_unit_id,
                "listing_id": listing_id,
            },
        )
        return disposal_id


async def _check_receiving_unit(conn: AsyncConnection[Any], unit_id: int, own_unit: int) -> None:
    cur = await conn.execute(RECEIVING_UNIT, (unit_id,))
    row = await cur.fetchone()
    if row is None or row[0] == "department" or unit_id == own_unit:
        raise errors.invalid(
            "DISPOSAL_RECEIVING_UNIT_INVALID",
            "接收单位须是本系统内的其他单位（不是本单位或其内设部门）；"
            "本系统外的单位只填写名称即可。",
            receiving_unit_id=unit_id,
        )


async def load_disposal(conn: AsyncConnection[Any], disposal_id: int) -> dict[str, Any] | None:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(BY_ID, (disposal_id,))
    return await cur.fetchone()


async def _lock_pending(
    conn: AsyncConnection[Any], disposal_id: int, reviewer: Principal
) -> tuple[dict[str, Any], dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(LOCK, (disposal_id,))
    disposal = await cur.fetchone()
    if disposal is None:
        raise errors.not_found(
            "DISPOSAL_NOT_FOUND", "处置申请不存在，请刷新列表。", disposal_id=disposal_id
        )
    card = await lock_card(conn, disposal["card_id"])
    if not can_review_change(reviewer, facts(card), disposal["proposed_by"]):
        if reviewer.user_id == disposal["proposed_by"]:
            raise errors.forbidden("审核自己发起的资产处置", disposal_id=disposal_id)
        raise errors.forbidden("审核该资产处置", disposal_id=disposal_id)
    if disposal["state"] != "pending":
        raise errors.conflict(
            "DISPOSAL_NOT_PENDING",
            "该处置申请已审核或已撤回，不能再审核。",
            disposal_id=disposal_id,
            state=disposal["state"],
        )
    return disposal, card


async def approve_disposal(
    conn: AsyncConnection[Any],
    *,
    disposal_id: int,
    reviewer: Principal,
    document_no: str | None,
    note: str | None = None,
) -> int:
    """审核通过: the card is disposed of (and handed to the receiving unit); its version."""
    document_no = (document_no or "").strip() or None
    async with conn.transaction():
        disposal, card = await _lock_pending(conn, disposal_id, reviewer)
        document_no = document_no or disposal["document_no"]
        if document_no is None:
            raise errors.invalid(
                "DISPOSAL_DOCUMENT_REQUIRED",
                "审核通过资产处置须填写批复文号（如“琼财资〔2026〕12号”）。",
                disposal_id=disposal_id,
            )
        problem = conflict_of(disposal, await _card_json(conn, card["id"]))
        if problem:
            raise errors.conflict(
                "DISPOSAL_CONFLICT", problem, disposal_id=disposal_id, card_id=card["id"]
            )
        version = await dispose_card(
            conn,
            card_id=card["id"],
            method=disposal["method"],
            actor_id=reviewer.user_id,
            receiver=disposal["receiver"],
            document_no=document_no,
            note=disposal["reason"],
        )
        received = await _transfer_in(conn, disposal, card, document_no, reviewer.user_id)
        await conn.execute(
            DECIDE, ("approved", reviewer.user_id, note, document_no, received, disposal_id)
        )
        await audit(
            conn,
            actor_id=reviewer.user_id,
            entity="card_disposal",
            entity_id=disposal_id,
            action="approved",
            detail={
                "card_id": card["id"],
                "document_no": document_no,
                "version": version,
                "receiver_card_id": received,
                "note": note,
            },
        )
        return version


async def _transfer_in(
    conn: AsyncConnection[Any],
    disposal: dict[str, Any],
    card: dict[str, Any],
    document_no: str,
    actor_id: int,
) -> int | None:
    """调入: the receiving unit's card for the disposed one (made here unless the platform
    made it from the listing's result), with its ``transferred_in`` event; its id."""
    cur = await conn.execute(TRANSFERRED_CARD, (card["id"],))
    made = await cur.fetchone()
    if made is not None:
        new_id = int(made[0])
        cur = await conn.execute("select unit_id from asset_cards where id = %s", (new_id,))
        got = await cur.fetchone()
        assert got is not None
        receiver_unit = int(got[0])
    elif disposal["receiving_unit_id"] is not None and disposal["method"] in TO_UNIT:
        receiver_unit = int(disposal["receiving_unit_id"])
        values: dict[str, Any] = {f: card[f] for f in TRANSFER_FIELDS}
        code = f"DR-{disposal['id']:010d}"
        cur = await conn.execute(CODE_EXISTS, (code,))
        if await cur.fetchone() is not None:
            code = f"DR-{disposal['id']:010d}-{card['id']}"
        values |= {
            "asset_code": code,
            "status": CardStatus.IN_USE,
            "shareable": False,
            "attributes": {
                **(card["attributes"] or {}),
                "transferred_from": {
                    "card_id": card["id"],
                    "asset_code": card["asset_code"],
                    "unit_id": card["unit_id"],
                    "disposal_id": disposal["id"],
                },
            },
        }
        new_id = await insert_card(
            conn, unit_id=receiver_unit, values=values, actor_id=actor_id, how="transferred_in"
        )
        await conn.execute(COPY_PHOTOS, (new_id, card["id"]))
    else:
        return None
    await card_event(
        conn,
        card_id=new_id,
        kind="transferred_in",
        actor_id=actor_id,
        detail={
            "from_card_id": card["id"],
            "from_asset_code": card["asset_code"],
            "from_unit_id": card["unit_id"],
            "to_unit_id": receiver_unit,
            "disposal_id": disposal["id"],
            "method": disposal["method"],
            "method_label": DISPOSAL_LABELS[disposal["method"]],
            "document_no": document_no,
        },
    )
    return new_id


async def reject_disposal(
    conn: AsyncConnection[Any], *, disposal_id: int, reviewer: Principal, note: str | None = None
) -> None:
    """退回: the card stays on the books as it is; the note is the operator's reason."""
    async with conn.transaction():
        disposal, card = await _lock_pending(conn, disposal_id, reviewer)
        if not note:
            note = conflict_of(disposal, await _card_json(conn, card["id"]))
        await conn.execute(DECIDE, ("rejected", reviewer.user_id, note, None, None, disposal_id))
        await audit(
            conn,
            actor_id=reviewer.user_id,
            entity="card_disposal",
            entity_id=disposal_id,
            action="rejected",
            detail={"card_id": card["id"], "note": note},
        )


async def withdraw_disposal(conn: AsyncConnection[Any], *, disposal_id: int, actor_id: int) -> None:
    """撤回: the proposer takes a pending disposal back before anyone decides."""
    async with conn.transaction():
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(LOCK, (disposal_id,))
        disposal = await cur.fetchone()
        if disposal is None:
            raise errors.not_found(
                "DISPOSAL_NOT_FOUND", "处置申请不存在。", disposal_id=disposal_id
            )
        if disposal["proposed_by"] != actor_id:
            raise errors.forbidden("撤回他人发起的资产处置", disposal_id=disposal_id)
        if disposal["state"] != "pending":
            raise errors.conflict(
                "DISPOSAL_NOT_PENDING",
                "该处置申请已审核或已撤回，不能撤回。",
                disposal_id=disposal_id,
                state=disposal["state"],
            )
        await conn.execute(
            "update card_disposals set state = 'withdrawn', decided_at = now() where id = %s",
            (disposal_id,),
        )
        await audit(
            conn,
            actor_id=actor_id,
            entity="card_disposal",
            entity_id=disposal_id,
            action="withdrawn",
            detail={"card_id": disposal["card_id"]},
        )


async def retarget_pending_disposal(
    conn: AsyncConnection[Any],
    *,
    listing_id: int,
    receiver: str,
    receiving_unit_id: int | None,
) -> None:
    """更正接收方 of a listing: its disposal still in review names the corrected receiver."""
    await conn.execute(RETARGET, (receiver, receiving_unit_id, listing_id))
