"""Routes of the share/adjust workflow: bills, reviews, listings, preselection, MOF.

Split by page family; each sub-router lives in its own module and is included here.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from assetpulse.errors import DomainError
from assetpulse.platform.api.bill_routes import router as bill_router
from assetpulse.platform.api.dashboard_routes import router as dashboard_router
from assetpulse.platform.api.listing_routes import router as listing_router
from assetpulse.platform.api.manage_routes import router as manage_router
from assetpulse.platform.api.mof_routes import router as mof_router
from assetpulse.platform.api.mof_view_routes import router as mof_view_router
from assetpulse.platform.api.result_routes import router as result_router
from assetpulse.platform.api.schemas import ERROR_RESPONSES
from assetpulse.platform.errors import invalid


def text_has_nul() -> DomainError:
    return invalid("TEXT_HAS_NUL", "输入中含有不可见的控制字符（NUL），请删除后重试。")


async def refuse_nul(request: Request) -> None:
    """PostgreSQL text cannot hold NUL: refuse it up front with a clear 422, not a 500."""
    url = str(request.url)
    if "\x00" in url or "%00" in url:
        raise text_has_nul()
    body = await request.body()
    if b"\x00" in body or b"\\u0000" in body:
        raise text_has_nul()


router = APIRouter(tags=["platform"], responses=ERROR_RESPONSES, dependencies=[Depends(refuse_nul)])
router.include_router(bill_router)
router.include_router(listing_router)
router.include_router(mof_router)
router.include_router(mof_view_router)
router.include_router(manage_router)
router.include_router(result_router)
router.include_router(dashboard_router)
