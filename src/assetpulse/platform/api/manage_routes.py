"""Paged lists behind the module pages: 管理 (my listings), the 选择资产卡片 picker and the
不漏 report (qualifying cards not published)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from assetpulse.platform.api.deps import Conn, CurrentUser
from assetpulse.platform.api.listing_schemas import ListingRow
from assetpulse.platform.store import manage, omissions

router = APIRouter(tags=["platform: manage"])

Page = Annotated[int, Query(ge=1, le=100_000)]
Size = Annotated[int, Query(ge=1, le=100)]
Keyword = Annotated[str | None, Query(max_length=100)]


class MyListingRow(ListingRow):
    bill_no: str


class MyListingPage(BaseModel):
    items: list[MyListingRow]
    total: int
    page: int
    page_size: int
    has_more: bool


class EligibleCardPage(BaseModel):
    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    has_more: bool


@router.get("/my-listings", summary="管理：本单位的上架资产 / 需求（分页，含总数）")
async def my_listings(
    conn: Conn,
    user: CurrentUser,
    plaza: Literal["adjust", "share", "demand"] = "adjust",
    state: Literal["listed", "done", "delisted"] | None = None,
    keyword: Keyword = None,
    page: Page = 1,
    page_size: Size = 20,
) -> MyListingPage:
    q = manage.PageQuery(plaza, keyword, state, None, page, page_size)
    return MyListingPage.model_validate(await manage.my_listings(conn, user, q))


@router.get("/eligible-cards", summary="选择资产卡片：可发布且未被占用的本单位卡片（分页）")
async def eligible_cards(
    conn: Conn,
    user: CurrentUser,
    kind: Literal["adjust", "share"] = "adjust",
    bill_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    keyword: Keyword = None,
    page: Page = 1,
    page_size: Size = 20,
) -> EligibleCardPage:
    q = manage.PageQuery(kind, keyword, None, bill_id, page, page_size)
    return EligibleCardPage.model_validate(await manage.eligible_cards(conn, user, q))


class OmissionUnit(BaseModel):
    unit_id: int
    unit_name: str
    adjust: int
    share: int


class OmissionPage(BaseModel):
    units: list[OmissionUnit]
    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    has_more: bool


@router.get("/omissions", summary="不漏：符合发布条件但未发布的资产卡片（按单位，含账龄）")
async def omission_report(
    conn: Conn,
    user: CurrentUser,
    kind: Literal["adjust", "share"] | None = None,
    unit_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    page: Page = 1,
    page_size: Size = 20,
) -> OmissionPage:
    q = manage.PageQuery(kind or "", None, None, None, page, page_size)
    return OmissionPage.model_validate(await omissions.omissions(conn, user, q, unit_id))
