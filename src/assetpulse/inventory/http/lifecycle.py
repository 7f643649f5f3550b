"""Routes: 出租出借收回 ``/cards/{id}/recall``, 拆分 ``/split``, 退库 ``/return`` — each by
the card's 经办岗, each emitting a card event. 资产处置 goes through review: ``disposals``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from assetpulse.inventory import cards as card_store
from assetpulse.inventory import lifecycle
from assetpulse.inventory.http.guards import operable_card
from assetpulse.inventory.split import SplitPart
from assetpulse.platform.api.deps import Conn, CurrentUser

router = APIRouter(tags=["inventory: card business"])

PartStatus = Literal["in_use", "idle", "pending_disposal", "leased", "under_repair"]


class RecallIn(BaseModel):
    status: Literal["idle", "pending_disposal", "in_use"] = Field(
        description="收回后的资产状态：闲置 / 待处置 / 在用"
    )
    note: str | None = None


class ReturnIn(BaseModel):
    status: Literal["idle", "pending_disposal"] = "idle"
    location: str | None = Field(default=None, description="退库后的存放地点")
    note: str | None = None


class SplitPartIn(BaseModel):
    asset_code: str = Field(pattern=r"^[A-Z0-9-]{4,40}$")
    status: PartStatus
    shareable: bool = False
    quantity: Decimal | None = Field(default=None, gt=0, lt=10**12, decimal_places=2)
    area: Decimal | None = Field(default=None, gt=0, lt=10**12, decimal_places=2)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    location: str | None = None
    department_id: int | None = None


class SplitIn(BaseModel):
    parts: list[SplitPartIn] = Field(min_length=2, max_length=500)


async def _card(conn: Conn, user: CurrentUser, card_id: int) -> dict[str, Any]:
    return card_store.present(await card_store.visible_card(conn, user, card_id))


@router.post("/cards/{card_id}/recall", summary="出租出借收回")
async def recall(card_id: int, body: RecallIn, conn: Conn, user: CurrentUser) -> dict[str, Any]:
    await operable_card(conn, user, card_id, "收回该资产")
    await lifecycle.recall_card(
        conn, card_id=card_id, status=body.status, actor_id=user.user_id, note=body.note
    )
    return await _card(conn, user, card_id)


@router.post("/cards/{card_id}/return", summary="退库")
async def return_to_stock(
    card_id: int, body: ReturnIn, conn: Conn, user: CurrentUser
) -> dict[str, Any]:
    await operable_card(conn, user, card_id, "办理退库")
    await lifecycle.return_to_stock(
        conn,
        card_id=card_id,
        actor_id=user.user_id,
        status=body.status,
        location=body.location,
        note=body.note,
    )
    return await _card(conn, user, card_id)


@router.post("/cards/{card_id}/split", status_code=201, summary="拆分卡片")
async def split(card_id: int, body: SplitIn, conn: Conn, user: CurrentUser) -> dict[str, Any]:
    await operable_card(conn, user, card_id, "拆分该卡片")
    parts = [
        SplitPart(
            status=p.status,
            shareable=p.shareable,
            quantity=p.quantity,
            area=p.area,
            name=p.name,
            location=p.location,
            department_id=p.department_id,
        )
        for p in body.parts
    ]
    new_ids = await lifecycle.split_card(
        conn,
        card_id=card_id,
        parts=parts,
        asset_codes=[p.asset_code for p in body.parts],
        actor_id=user.user_id,
    )
    return {
        "original": await _card(conn, user, card_id),
        "cards": [await _card(conn, user, i) for i in new_ids],
    }
