"""Lines of the files MOF sends (feedback, national downlink), checked before they are used.

The complete format is the JSON Schema ``platform/mof_exchange.schema.json``; these models
hold what this side reads, so that a file that would be misread is refused as a whole.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class FeedbackLine(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seq: int = Field(ge=1)
    bill_no: str = Field(min_length=1, max_length=40)
    decision: Literal["approved", "rejected"]
    reason: str | None = Field(default=None, max_length=1000)


class Photo(BaseModel):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    byte_size: int = Field(ge=1)
    data_base64: str = Field(min_length=1)


class NationalListing(BaseModel):
    listing_id: int
    name: str = Field(min_length=1, max_length=400)
    asset_code: str | None = None
    category_code: str | None = None
    quantity: Decimal | None = None
    area: Decimal | None = None
    measure_unit: str | None = None
    region_code: str = Field(pattern=r"^[0-9]{6}$")
    scope: Literal["national"]
    state: Literal["listed", "done", "delisted"]
    result: dict[str, Any] | None = None
    listed_at: dt.datetime
    photos: list[Photo] = Field(max_length=20)


class NationalItem(BaseModel):
    seq: int = Field(ge=1)
    origin_province: str = Field(pattern=r"^[0-9]{2}$")
    bill_no: str = Field(min_length=1, max_length=40)
    kind: Literal["adjust", "share", "demand"]
    scope: Literal["national"]
    unit_code: str = Field(min_length=1)
    unit_name: str = Field(min_length=1)
    region_code: str = Field(pattern=r"^[0-9]{6}$")
    review_code: Literal["02"]
    listings: list[NationalListing]


class NationalOut(BaseModel):
    batch_no: str
    stored: int = Field(description="本次保存的其他省份资产/需求条数")
    removed: int = Field(description="不再下发、已离开全国页签的条数")
    unchanged: bool = Field(description="同一文件再次导入：未做任何修改")
