"""Request and response bodies of the platform API (self-describing: codes with Chinese text)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

BillKind = Literal["adjust", "share", "demand"]
Scope = Literal["national", "province", "city", "department", "unit"]
Urgency = Literal["normal", "urgent", "very_urgent"]
Text = str


class Attachment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    url: str | None = Field(default=None, max_length=1000)


class BillFields(BaseModel):
    """Fields a draft may set; all optional on edit."""

    model_config = ConfigDict(extra="forbid")
    scope: Scope | None = None
    title: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    contact_name: str | None = Field(default=None, max_length=100)
    contact_phone: str | None = Field(default=None, max_length=40)
    address: str | None = Field(default=None, max_length=300)
    card_ids: list[int] | None = Field(default=None, max_length=500)
    # demand (我的需求)
    demand_type: Literal["adjust", "share"] | None = None
    category_code: str | None = Field(default=None, pattern=r"^[A-Z][0-9]{2,8}$")
    expected_arrival: dt.date | None = None
    accounting_subject: str | None = Field(default=None, max_length=100)
    region_code: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    quantity: Decimal | None = Field(default=None, ge=0, le=Decimal("999999999999"))
    area: Decimal | None = Field(default=None, ge=0, le=Decimal("999999999999"))
    measure_unit: str | None = Field(default=None, max_length=20)
    urgency: Urgency | None = None
    creator_name: str | None = Field(default=None, max_length=100)
    end_date: dt.date | None = None
    handler_name: str | None = Field(default=None, max_length=100)
    attachments: list[Attachment] | None = Field(default=None, max_length=50)


class BillCreate(BillFields):
    kind: BillKind
    scope: Scope = "province"


class BillPatch(BillFields):
    version: int | None = Field(default=None, description="expected version; 409 when stale")


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=1000)
    version: int | None = Field(default=None, description="expected version; 409 when stale")


class BillLine(BaseModel):
    card_id: int
    asset_code: str
    name: str
    category_code: str
    card_status: str
    card_status_text: str
    shareable: bool
    quantity: Decimal | None
    area: Decimal | None
    measure_unit: str | None


class Bill(BaseModel):
    id: int
    bill_no: str
    kind: BillKind
    kind_text: str
    unit_id: int
    unit_name: str
    scope: str
    scope_text: str
    stage: str
    stage_text: str
    status_text: str
    review_code: str | None
    review_code_text: str | None
    current_node: str | None
    current_node_text: str | None
    return_reason: str | None
    title: str | None
    description: str | None
    contact_name: str | None
    contact_phone: str | None
    address: str | None
    demand_type: str | None
    category_code: str | None
    expected_arrival: dt.date | None
    accounting_subject: str | None
    region_code: str
    quantity: Decimal | None
    area: Decimal | None
    measure_unit: str | None
    urgency: str | None
    urgency_text: str | None
    creator_name: str | None
    end_date: dt.date | None
    handler_name: str | None
    attachments: list[Attachment]
    origin: str
    version: int
    created_by: int
    created_at: dt.datetime
    updated_at: dt.datetime
    submitted_at: dt.datetime | None
    lines: list[BillLine]


class BillPage(BaseModel):
    items: list[Bill]
    total: int = Field(description="符合条件的单据总数")
    page: int
    page_size: int
    has_more: bool


class ProgressNode(BaseModel):
    index: int
    node: str
    node_text: str
    unit_id: int
    unit_name: str
    state: Literal["waiting", "current", "approved"]
    state_text: str
    actor: str | None
    acted_at: dt.datetime | None


class ProgressAction(BaseModel):
    action: str
    action_text: str
    node: str | None
    actor: str | None
    unit_name: str | None
    status_text: str
    note: str | None
    at: dt.datetime


class Progress(BaseModel):
    bill_id: int
    stage: str
    stage_text: str
    status_text: str
    review_code: str | None
    review_code_text: str | None
    nodes: list[ProgressNode]
    history: list[ProgressAction]


class AuditEntry(BaseModel):
    at: dt.datetime
    actor_id: int | None
    entity: str
    entity_id: str
    action: str
    detail: dict[str, object]


class ErrorDetail(BaseModel):
    code: str = Field(description="stable code, e.g. BILL_NOT_DRAFT")
    message: str = Field(description="what to do, in Chinese")
    detail: object | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (401, "未登录或登录已失效"),
        (403, "无权办理"),
        (404, "不存在或无权查看"),
        (409, "状态已变化或重复操作"),
        (422, "输入有误"),
        (503, "数据库暂时不可用"),
    )
}
