"""Routes after 登记结果: the units that preselected a listing, and 更正接收方."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from assetpulse.platform.api.deps import Conn, CurrentUser
from assetpulse.platform.store import results

router = APIRouter(tags=["platform: listings"])


class Preselector(BaseModel):
    unit_id: int
    unit_name: str
    users: int = Field(description="该单位预选此资产的人数")
    added_at: dt.datetime


class Correction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    counterpart_unit_name: str = Field(min_length=1, max_length=200)
    counterpart_unit_id: int | None = Field(default=None, ge=1, le=2**62)


class Corrected(BaseModel):
    listing_id: int
    result: dict[str, Any]


@router.get(
    "/listings/{listing_id}/preselectors",
    summary="预选该资产的单位（登记结果时优先列出，发布单位经办岗）",
)
async def listing_preselectors(conn: Conn, user: CurrentUser, listing_id: int) -> list[Preselector]:
    rows = await results.preselectors(conn, user, listing_id)
    return [Preselector.model_validate(r) for r in rows]


@router.post("/listings/{listing_id}/result/correct", summary="更正已登记的接收方 / 提供方")
async def correct_result(
    conn: Conn, user: CurrentUser, listing_id: int, body: Correction
) -> Corrected:
    result = await results.correct_result(
        conn,
        user,
        listing_id,
        counterpart_unit_name=body.counterpart_unit_name,
        counterpart_unit_id=body.counterpart_unit_id,
    )
    return Corrected(listing_id=listing_id, result=result)
