"""Routes of the share/adjust workflow: bills, reviews, listings, preselection, MOF."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["platform"])
