"""首页/数据看板 (summary, drill-down lists, XLSX export) and in-app notifications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from assetpulse.export_cells import content_disposition
from assetpulse.platform import dashboard
from assetpulse.platform.api.deps import Conn, CurrentUser
from assetpulse.platform.store import dashboard as store
from assetpulse.platform.store import dashboard_export, notices

router = APIRouter(tags=["platform: dashboard"])

Kind = Literal["adjust", "share", "demand"]
State = Literal["listed", "done", "delisted", "withdrawn"]
ListName = Literal["idle", "pending_disposal", "suggested_idle", "under_used", "listings"]


class Scope(BaseModel):
    kind: Literal["unit", "competent", "region"] = Field(
        description="unit 本单位 / competent 主管部门及所属单位 / region 财政区划"
    )
    unit_id: int | None
    region_prefix: str | None
    label: str


class Idle(BaseModel):
    idle_cards: int = Field(description="状态为闲置的卡片数")
    idle_book_value: Decimal = Field(description="其账面价值（净值，无净值取原值），元")
    pending_disposal_cards: int
    pending_disposal_book_value: Decimal
    suggested_idle_cards: int = Field(description="监测判定闲置、尚未处理的建议")
    suggested_idle_book_value: Decimal
    under_used_cards: int = Field(description="监测判定低效使用、尚未处理的建议")
    under_used_book_value: Decimal


class Sensors(BaseModel):
    cards: int = Field(description="在账卡片数（不含已处置、已拆分）")
    covered: int = Field(description="当前绑定传感器的卡片数")
    coverage: float | None


class Listings(BaseModel):
    by_state: dict[str, dict[str, int]] = Field(description="kind → state → 数量")
    age_labels: list[str]
    age: dict[str, list[int]] = Field(description="kind → 上架中资产按上架时长分组的数量")


class Outcomes(BaseModel):
    adjust_done: int
    share_done: int
    demand_done: int
    yuan_saved: Decimal = Field(description="已调剂、已共享资产的原值合计（免于新购），元")
    compensation_yuan: Decimal = Field(description="共享补偿合计（条例第十八条），元")
    compensated_shares: int
    reuse_rate: float | None = Field(description="调剂完成率：已调剂 / 上过广场的调剂资产")
    share_rate: float | None
    demand_fulfilment: float | None


class Month(BaseModel):
    month: str
    published: dict[str, int]
    done: dict[str, int]
    yuan_saved: Decimal


class Dashboard(BaseModel):
    scope: Scope
    generated_at: dt.datetime
    months: int
    idle: Idle
    sensors: Sensors
    listings: Listings
    outcomes: Outcomes
    trend: list[Month]


class DrillPage(BaseModel):
    list_name: str
    page: int
    page_size: int
    has_more: bool
    items: list[dict[str, Any]]


Months = Annotated[int, Query(ge=1, le=dashboard.MONTHS_MAX, description="趋势的月数")]


@router.get("/dashboard", summary="首页/数据看板（按本人的数据范围）")
async def get_dashboard(conn: Conn, user: CurrentUser, months: Months = 12) -> Dashboard:
    return Dashboard.model_validate(await store.summary(conn, user, months))


@router.get("/dashboard/rows", summary="数据看板明细（下钻）")
async def dashboard_rows(
    conn: Conn,
    user: CurrentUser,
    list_name: Annotated[ListName, Query(alias="list")] = "listings",
    kind: Kind = "adjust",
    state: State = "listed",
    age: Annotated[int | None, Query(ge=0, le=len(dashboard.AGE_LABELS) - 1)] = None,
    page: Annotated[int, Query(ge=1, le=500)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> DrillPage:
    return DrillPage.model_validate(await store.rows(
        conn, user, what=list_name, kind=kind, state=state, age=age, page=page,
        page_size=page_size))  # fmt: skip


@router.get(
    "/dashboard/export",
    summary="导出数据看板（XLSX：概览、月度趋势、明细）",
    response_class=Response,
    responses={200: {"content": {dashboard_export.XLSX: {}}}},
)
async def export_dashboard(conn: Conn, user: CurrentUser, months: Months = 12) -> Response:
    data = await dashboard_export.workbook(conn, user, months)
    return Response(data, media_type=dashboard_export.XLSX, headers={
        "Content-Disposition": content_disposition("数据看板.xlsx", "dashboard.xlsx")})  # fmt: skip


class Notification(BaseModel):
    id: int
    kind: str
    listing_id: int
    demand_listing_id: int
    score: float
    reasons: list[str]
    title: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    listing_kind: str
    listing_name: str
    publisher_unit_name: str | None
    demand_name: str


class Notifications(BaseModel):
    unread: int = Field(description="本单位未读通知数（页面右上角的角标）")
    items: list[Notification]


class ReadBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[Annotated[int, Field(ge=1, le=2**62)]] | None = Field(
        default=None, max_length=500, description="空：本单位全部标为已读"
    )


class ReadOut(BaseModel):
    marked: int


class Told(BaseModel):
    unit_id: int
    unit_name: str
    demand_listing_id: int
    demand_name: str
    score: float
    reasons: list[str]
    created_at: dt.datetime
    read_at: dt.datetime | None


@router.get("/notifications", summary="站内通知（本单位）")
async def list_notifications(
    conn: Conn,
    user: CurrentUser,
    unread_only: bool = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Notifications:
    found = await notices.for_unit(conn, user, unread_only=unread_only, limit=limit)
    return Notifications.model_validate(found)


@router.post("/notifications/read", summary="通知标为已读")
async def read_notifications(conn: Conn, user: CurrentUser, body: ReadBody) -> ReadOut:
    return ReadOut(marked=await notices.mark_read(conn, user, body.ids))


@router.get(
    "/listings/{listing_id}/notified",
    summary="已通知的需求单位（闲置资产发布后匹配的需求，发布单位经办岗）",
)
async def listing_notified(conn: Conn, user: CurrentUser, listing_id: int) -> list[Told]:
    return [Told.model_validate(r) for r in await notices.told_for_listing(conn, user, listing_id)]
