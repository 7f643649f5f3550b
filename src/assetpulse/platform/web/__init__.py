"""Browser pages (Chinese UI) served by the same app, on top of the REST API."""

from __future__ import annotations

from fastapi import FastAPI


def mount_pages(app: FastAPI) -> None:
    """Mount the pages; the API works without them."""
