"""Routes of the share/adjust workflow: bills, reviews, listings, preselection, MOF.

Split by page family; each sub-router lives in its own module and is included here.
"""

from __future__ import annotations

from fastapi import APIRouter

from assetpulse.platform.api.bill_routes import router as bill_router
from assetpulse.platform.api.listing_routes import router as listing_router
from assetpulse.platform.api.mof_routes import router as mof_router
from assetpulse.platform.api.schemas import ERROR_RESPONSES

router = APIRouter(tags=["platform"], responses=ERROR_RESPONSES)
router.include_router(bill_router)
router.include_router(listing_router)
router.include_router(mof_router)
