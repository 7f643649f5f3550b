"""Bodies of the plaza, listing, preselection, matching and MOF endpoints."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from assetpulse.platform.api.schemas import Attachment


class ListingRow(BaseModel):
    id: int
    kind: str
    bill_id: int | None = Field(description="空：其他省份经财政部下发的只读资产")
    card_id: int | None
    unit_id: int | None = Field(description="空：其他省份经财政部下发的只读资产")
    unit_name: str
    scope: str
    region_code: str
    region_name: str | None
    category_code: str | None
    category_name: str | None
    name: str
    asset_code: str | None
    quantity: Decimal | None
    area: Decimal | None
    measure_unit: str | None
    state: str
    state_text: str
    kind_state_text: str
    review_code: str | None = Field(description="01 / 02；本地终审通过未上报时为空")
    review_code_text: str
    result: dict[str, Any] | None
    listed_at: dt.datetime
    photo_id: int | None
    origin_province: str | None = Field(default=None, description="所属省份（财政区划前两位）")
    read_only: bool = Field(default=False, description="财政部下发的其他省份资产，只读")


class Capabilities(BaseModel):
    publish_demand_local: bool = Field(description="本地区页签显示【发布需求】")
    publish_demand_national: bool = Field(description="全国页签显示【发布需求】")
    preselect: bool = Field(description="调剂广场可加入预选资产")


class PlazaParams(BaseModel):
    """The plaza's query string: tab, filters and paging."""

    plaza: Literal["adjust", "share", "demand"] = "adjust"
    tab: Literal["local", "national"] = "local"
    region: str | None = Field(default=None, pattern=r"^[0-9]{1,6}$", description="财政区划前缀")
    category: str | None = Field(
        default=None, pattern=r"^[A-Z][0-9]{0,8}$", description="资产分类前缀"
    )
    keyword: str | None = Field(default=None, max_length=100)
    status: Literal["listed", "done"] | None = None
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=20, ge=1, le=100)
    with_total: bool = True


class PlazaPage(BaseModel):
    plaza: str
    tab: str
    items: list[ListingRow]
    page: int
    page_size: int
    has_more: bool
    total: int | None = Field(
        description="匹配总数；with_total=false 时为空。不足 2000 时精确；"
        "total_capped 为真时表示超过 2000（页面显示“2000+”）"
    )
    total_capped: bool = Field(
        description="总数已达上限 2000+。同一筛选条件的这一结论会沿用约 2 分钟，"
        "刚降到 2000 以下的条件可能在这段时间内仍显示 2000+"
    )
    capabilities: Capabilities


class Publisher(BaseModel):
    unit_id: int | None
    unit_name: str
    bill_no: str
    contact_name: str | None
    contact_phone: str | None
    address: str | None


class Counterpart(BaseModel):
    role: str
    role_text: str
    unit_name: str | None
    method: str | None
    method_text: str | None


class ListingDetail(BaseModel):
    listing: ListingRow
    publisher: Publisher
    counterpart: Counterpart
    demand: dict[str, Any] | None
    card: dict[str, Any] | None
    delist_reason: str | None = Field(default=None, description="下架原因代码")
    delist_reason_text: str | None = Field(default=None, description="下架原因")
    photo_ids: list[int]
    attachments: list[Attachment]


class DelistBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=500)


class CompensationBody(BaseModel):
    """共享补偿（条例第十八条）: an amount for the period, or a rate per day / month / year."""

    model_config = ConfigDict(extra="forbid")
    mode: Literal["amount", "rate"] = Field(description="按金额 amount / 按费率 rate")
    amount_yuan: Decimal | None = Field(default=None, ge=0, le=10**12, decimal_places=2)
    rate_yuan: Decimal | None = Field(default=None, gt=0, le=10**9, decimal_places=2)
    rate_per: Literal["day", "month", "year"] | None = None
    basis: str = Field(min_length=1, max_length=500, description="补偿依据")
    period_start: dt.date
    period_end: dt.date


class ResultBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: Literal["free_transfer", "donation"] | None = Field(
        default=None,
        description="调剂方式 (adjust only): 无偿划转 free_transfer, 对外捐赠 donation",
    )
    counterpart_unit_name: str = Field(
        min_length=1, max_length=200, description="接收方单位名称 / 资产提供方单位名称"
    )
    counterpart_unit_id: int | None = None
    dispose: bool = Field(default=True, description="adjust: dispose of the card at once")
    compensation: CompensationBody | None = Field(
        default=None, description="share only: 对提供方的合理补偿（条例第十八条）"
    )


class ResultOut(BaseModel):
    listing_id: int
    state: str
    state_text: str
    result: dict[str, Any]


class PreselectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    listing_ids: list[int] = Field(min_length=1, max_length=200)


class PreselectAdded(BaseModel):
    added: int


class PreselectionRow(ListingRow):
    added_at: dt.datetime


class MatchOut(BaseModel):
    source: str
    source_text: str
    score: float
    reasons: list[str]
    origin_province: str | None = Field(
        default=None, description="候选所属省份（财政区划前两位）；监测建议资产为空"
    )
    read_only: bool = Field(default=False, description="其他省份经财政部下发的资产，只读")
    listing: ListingRow | None = None
    suggested: dict[str, Any] | None = None


class Matches(BaseModel):
    listing_id: int
    kind: str
    considered: int = Field(description="比对过的候选数：查看者可见范围内的全部候选")
    matches: list[MatchOut]


class ReportOut(BaseModel):
    id: int
    batch_no: str
    file_name: str
    item_count: int
    bytes: int
    sha256: str
    key_id: str | None = Field(default=None, description="签名公钥标识（SHA-256 前 16 位）")
    created_at: dt.datetime


class FeedbackOut(BaseModel):
    item_count: int
    applied: int
    unchanged: int
