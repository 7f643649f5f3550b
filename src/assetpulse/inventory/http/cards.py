"""Routes: ``/cards`` list and detail, card creation, photos (upload through a card change)."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import BaseModel, Field

from assetpulse.inventory import cards as card_store
from assetpulse.inventory import errors
from assetpulse.inventory.http.guards import operable_card, require
from assetpulse.inventory.photo_check import MAX_PHOTO_BYTES
from assetpulse.inventory.photos import (
    list_photos,
    photo_bytes,
    shown_to_other_units,
    upload_photo,
)
from assetpulse.inventory.register.service import import_register
from assetpulse.org.scope import can_administer, can_create_cards
from assetpulse.platform.api.deps import Conn, CurrentUser, Objects

router = APIRouter(tags=["inventory: cards"])

MAX_IMPORT_BYTES = 20 * 1024 * 1024

# What happened to the card (变动、收回、拆分、退库、处置), newest first.
CARD_EVENTS = """
select id, kind, detail, actor_id, at from card_events where card_id = %s
order by at desc, id desc limit 100
"""

StatusCode = Literal["in_use", "idle", "pending_disposal", "leased", "under_repair"]


class CardIn(BaseModel):
    """新增资产卡片."""

    asset_code: str = Field(pattern=r"^[A-Z0-9-]{4,40}$", description="资产编号 (on its label)")
    name: str = Field(min_length=1, max_length=200)
    category_code: str = Field(description="资产分类 GB/T 14885-2022")
    department_id: int | None = None
    user_id: int | None = None
    location: str | None = None
    status: StatusCode = "in_use"
    shareable: bool = False
    quantity: Decimal | None = Field(default=None, ge=0, lt=10**12, decimal_places=2)
    area: Decimal | None = Field(default=None, ge=0, lt=10**12, decimal_places=2)
    measure_unit: str | None = None
    brand: str | None = None
    model: str | None = None
    spec: str | None = None
    serial_no: str | None = None
    original_value: Decimal | None = Field(default=None, ge=0, lt=10**14, decimal_places=2)
    net_value: Decimal | None = Field(default=None, ge=0, lt=10**14, decimal_places=2)
    acquired_on: date | None = None
    funding_source: str | None = None
    accounting_subject: str | None = None
    usage_direction: str | None = None
    attributes: dict[str, Any] = Field(default_factory=dict)


class PhotoUploaded(BaseModel):
    photo_id: int
    change_id: int
    state: str = "pending"


@router.get("/cards", summary="资产卡片列表 (本人可见范围)")
async def list_cards(
    conn: Conn,
    user: CurrentUser,
    status: str | None = None,
    shareable: bool | None = None,
    category: str | None = Query(default=None, description="分类代码前缀"),
    department_id: int | None = None,
    asset_code: str | None = None,
    publishable: Literal["adjust", "share"] | None = Query(
        default=None, description="adjust: 闲置/待处置且有照片; share: 可共享且有照片"
    ),
    limit: int = Query(default=200, ge=1, le=2000),
    offset: int = Query(default=0, ge=0),
) -> list[dict[str, Any]]:
    filters = card_store.CardFilters(
        status=status,
        shareable=shareable,
        category=category,
        department_id=department_id,
        publishable=publishable,
        asset_code=asset_code,
        limit=limit,
        offset=offset,
    )
    return await card_store.list_cards(conn, user, filters)


@router.post("/cards", status_code=201, summary="新增资产卡片 (经办岗)")
async def create_card(body: CardIn, conn: Conn, user: CurrentUser) -> dict[str, Any]:
    require(can_create_cards(user), "新增资产卡片")
    card_id = await card_store.create_card(
        conn, unit_id=user.unit_id, values=body.model_dump(), actor_id=user.user_id
    )
    card = await card_store.visible_card(conn, user, card_id)
    return card_store.present(card)


@router.post("/cards/import", summary="导入资产台账 (XLSX / CSV，单位管理员)")
async def import_cards(
    conn: Conn,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="XLSX 或 CSV，第一行为表头")],
    dry_run: Annotated[bool, Form(description="只检查，不导入")] = False,
) -> dict[str, Any]:
    require(can_administer(user), "导入资产台账")
    data = await file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise errors.invalid("IMPORT_FILE_TOO_LARGE", "文件超过 20 MB，请分批导入。")
    return await import_register(
        conn, data=data, unit_id=user.unit_id, actor_id=user.user_id, dry_run=dry_run
    )


@router.get("/cards/{card_id}", summary="资产卡片详情")
async def get_card(card_id: int, conn: Conn, user: CurrentUser) -> dict[str, Any]:
    card = card_store.present(await card_store.visible_card(conn, user, card_id))
    card["photos"] = await list_photos(conn, card_id)
    cur = await conn.execute(CARD_EVENTS, (card_id,))
    card["events"] = [
        {"id": r[0], "kind": r[1], "detail": r[2], "actor_id": r[3], "at": r[4]}
        for r in await cur.fetchall()
    ]
    return card


@router.post(
    "/cards/{card_id}/photos",
    status_code=201,
    summary="上传资产照片 (生成待审核的卡片变动)",
)
async def post_photo(
    card_id: int,
    conn: Conn,
    user: CurrentUser,
    objects: Objects,
    file: Annotated[UploadFile, File(description="JPEG / PNG / WebP")],
    reason: Annotated[str | None, Form()] = None,
    card_version: Annotated[int | None, Form()] = None,
) -> PhotoUploaded:
    await operable_card(conn, user, card_id, "为该卡片上传照片")
    data = await file.read(MAX_PHOTO_BYTES + 1)
    photo_id, change_id = await upload_photo(
        conn,
        objects=objects,
        card_id=card_id,
        data=data,
        actor_id=user.user_id,
        reason=reason,
        card_version=card_version,
    )
    return PhotoUploaded(photo_id=photo_id, change_id=change_id)


@router.get(
    "/cards/{card_id}/photos/{photo_id}",
    summary="照片原图（其他单位看到的不含 EXIF 等元数据）",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
)
async def get_photo(
    card_id: int, photo_id: int, conn: Conn, user: CurrentUser, objects: Objects
) -> Response:
    card = await card_store.visible_card(conn, user, card_id)
    content_type, sha256, data = await photo_bytes(
        conn, objects, card_id=card_id, photo_id=photo_id
    )
    if card["unit_id"] != user.unit_id:  # a competent department or finance looking on
        data = shown_to_other_units(content_type, data)
        sha256 = hashlib.sha256(data).hexdigest()
    return Response(
        data,
        media_type=content_type,
        headers={"ETag": f'"{sha256}"', "X-Checksum-SHA256": sha256},
    )
