"""HTTP adapter of the inventory part (routes under /api/v1): one router that includes the
route modules of ``inventory.http``."""

from __future__ import annotations

from fastapi import APIRouter

from assetpulse.inventory.http import (
    cards,
    categories,
    changes,
    disposals,
    labels,
    lifecycle,
    sensors,
    stocktakes,
)

router = APIRouter(tags=["inventory"])
for _module in (cards, categories, changes, disposals, labels, lifecycle, sensors, stocktakes):
    router.include_router(_module.router)
