"""共享预约 and 调剂优先核查 endpoints (issue 17, points 2 and 4).

JSON routes carry the platform's NUL guard; the photo upload cannot (every binary file
holds NUL bytes), so it sits on a router of its own, as the attachments do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile
from psycopg import errors as pg_errors
from pydantic import AwareDatetime, BaseModel, Field, StringConstraints, model_validator

from assetpulse.export_cells import content_disposition
from assetpulse.inventory.photo_check import MAX_PHOTO_BYTES
from assetpulse.inventory.photos import shown_to_other_units
from assetpulse.platform.api.deps import Conn, CurrentUser, Objects
from assetpulse.platform.api.routes import refuse_nul
from assetpulse.platform.errors import invalid
from assetpulse.platform.store import bookings, purchase_checks

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Money = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]
Step = Literal["handover", "return"]

json_router = APIRouter(dependencies=[Depends(refuse_nul)])
upload_router = APIRouter()


class PurchaseNeed(BaseModel):
    acquisition: Literal["buy", "build", "rent"] = Field(description="购置 / 建设 / 租用")
    asset_name: str | None = Field(None, max_length=100, description="拟配置资产名称")
    category_code: str | None = Field(None, max_length=30, description="资产分类代码")
    quantity: Money | None = None
    area: Money | None = None
    measure_unit: str | None = Field(None, max_length=20)
    region_code: str | None = Field(None, max_length=12, description="默认为本单位的财政区划")
    needed_on: dt.date = Field(description="需用日期")
    description: str | None = Field(None, max_length=500)

    @model_validator(mode="after")
    def _amount(self) -> PurchaseNeed:
        if self.quantity is None and self.area is None:
            raise ValueError("数量和面积至少填写一项")
        return self


class OfferDecision(BaseModel):
    position: int = Field(ge=1, le=1000)
    outcome: Literal["taken", "declined"]
    reason: str | None = Field(None, max_length=300, description="不采用的原因")


class Decisions(BaseModel):
    decisions: list[OfferDecision] = Field(min_length=1, max_length=100)


class AttachBody(BaseModel):
    purchase_ref: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)
    ] = Field(description="采购申请编号")
    purchase_title: str | None = Field(None, max_length=200)


class BookingRequest(BaseModel):
    start: AwareDatetime
    end: AwareDatetime
    purpose: Text


class DeclineBody(BaseModel):
    reason: str | None = Field(None, max_length=300)


class ConfirmBody(BaseModel):
    step: Step
    condition_note: Note = Field(description="资产状况")


class PhotoAdded(BaseModel):
    id: int


# --- 调剂优先核查
@json_router.post(
    "/purchase-checks", status_code=201, summary="调剂优先核查：登记拟配置资产并查找可用资产"
)
async def create_check(conn: Conn, user: CurrentUser, body: PurchaseNeed) -> dict[str, Any]:
    need = body.model_dump()
    need["region_code"] = body.region_code or user.region_code
    try:
        return await purchase_checks.create(conn, user, need)
    except pg_errors.ForeignKeyViolation as exc:
        raise invalid(
            "CHECK_CODE_UNKNOWN", "资产分类代码或财政区划代码不存在，请从列表中选择。"
        ) from exc


@json_router.get("/purchase-checks", summary="调剂优先核查记录")
async def list_checks(conn: Conn, user: CurrentUser) -> list[dict[str, Any]]:
    return await purchase_checks.items(conn, user)


@json_router.get("/purchase-checks/{check_id}", summary="核查记录详情")
async def get_check(conn: Conn, user: CurrentUser, check_id: int) -> dict[str, Any]:
    return await purchase_checks.get(conn, user, check_id)


@json_router.post("/purchase-checks/{check_id}/decisions", summary="采用或不采用（说明原因）")
async def decide_check(
    conn: Conn, user: CurrentUser, check_id: int, body: Decisions
) -> dict[str, Any]:
    return await purchase_checks.decide(
        conn, user, check_id, [d.model_dump() for d in body.decisions]
    )


@json_router.post("/purchase-checks/{check_id}/attach", summary="关联采购申请")
async def attach_check(
    conn: Conn, user: CurrentUser, check_id: int, body: AttachBody
) -> dict[str, Any]:
    return await purchase_checks.attach(conn, user, check_id, body.purchase_ref,
                                        body.purchase_title)  # fmt: skip


@json_router.get(
    "/purchase-checks/{check_id}/export",
    summary="导出核查记录（XLSX，供审计）",
    response_class=Response,
    responses={200: {"content": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}},
)  # fmt: skip
async def export_check(conn: Conn, user: CurrentUser, check_id: int) -> Response:
    record = await purchase_checks.get(conn, user, check_id)
    name = f"调剂优先核查_{record['check_no']}.xlsx"
    return Response(
        purchase_checks.to_xlsx(record),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": content_disposition(name, f"{record['check_no']}.xlsx")},
    )


# --- 共享预约
@json_router.get("/listings/{listing_id}/bookings", summary="共享资产的预约日历")
async def listing_calendar(conn: Conn, user: CurrentUser, listing_id: int) -> list[dict[str, Any]]:
    return await bookings.calendar(conn, user, listing_id)


@json_router.post("/listings/{listing_id}/bookings", status_code=201, summary="申请共享预约")
async def request_booking(
    conn: Conn, user: CurrentUser, listing_id: int, body: BookingRequest
) -> dict[str, Any]:
    return await bookings.request(conn, user, listing_id, start=body.start, end=body.end,
                                  purpose=body.purpose)  # fmt: skip


@json_router.get("/bookings", summary="我的共享预约（借用与出借）")
async def list_bookings(
    conn: Conn, user: CurrentUser,
    side: Annotated[Literal["owner", "borrower"] | None, Query()] = None,
) -> list[dict[str, Any]]:  # fmt: skip
    return await bookings.items(conn, user, side)


@json_router.get("/bookings/{booking_id}", summary="预约详情（含借用期间的监测使用量）")
async def get_booking(conn: Conn, user: CurrentUser, booking_id: int) -> dict[str, Any]:
    return await bookings.get(conn, user, booking_id)


@json_router.post("/bookings/{booking_id}/approve", summary="同意预约（出借方经办岗）")
async def approve_booking(conn: Conn, user: CurrentUser, booking_id: int) -> dict[str, Any]:
    return await bookings.decide(conn, user, booking_id, "approve", None)


@json_router.post("/bookings/{booking_id}/decline", summary="拒绝预约（须说明原因）")
async def decline_booking(
    conn: Conn, user: CurrentUser, booking_id: int, body: DeclineBody | None = None
) -> dict[str, Any]:
    return await bookings.decide(conn, user, booking_id, "decline", body.reason if body else None)


@json_router.post("/bookings/{booking_id}/cancel", summary="取消预约（借用方经办岗）")
async def cancel_booking(conn: Conn, user: CurrentUser, booking_id: int) -> dict[str, Any]:
    return await bookings.decide(conn, user, booking_id, "cancel", None)


@json_router.post("/bookings/{booking_id}/confirm", summary="确认交接或归还（双方各自确认）")
async def confirm_booking(
    conn: Conn, user: CurrentUser, booking_id: int, body: ConfirmBody
) -> dict[str, Any]:
    return await bookings.confirm(conn, user, booking_id, body.step, body.condition_note)


@upload_router.post("/bookings/{booking_id}/photos", status_code=201, summary="上传交接或归还照片")
async def upload_booking_photo(
    conn: Conn,
    user: CurrentUser,
    objects: Objects,
    booking_id: int,
    file: Annotated[UploadFile, File(description="JPEG、PNG 或 WebP，10 MB 以内")],
    step: Annotated[Step, Form(description="交接或归还")] = "handover",
) -> PhotoAdded:
    data = await file.read(MAX_PHOTO_BYTES + 1)
    return PhotoAdded(id=await bookings.add_photo(conn, objects, user, booking_id, step, data))


@json_router.get(
    "/bookings/{booking_id}/photos/{photo_id}",
    summary="交接或归还照片",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
)
async def booking_photo(
    conn: Conn, user: CurrentUser, objects: Objects, booking_id: int, photo_id: int
) -> Response:
    content_type, data = await bookings.photo(conn, objects, user, booking_id, photo_id)
    shown = shown_to_other_units(content_type, data)  # the other side sees it too
    etag = hashlib.sha256(shown).hexdigest()
    return Response(shown, media_type=content_type, headers={"ETag": f'"{etag}"'})


router = APIRouter(tags=["platform: 调剂优先核查与共享预约"])
router.include_router(json_router)
router.include_router(upload_router)
