"""Browser pages (Chinese UI) served by the same app, on top of the REST API.

The pages are plain HTML, CSS and small ES modules under ``static/`` — no front-end build
step — so that they load fast on a phone and ship inside the Python package. A single
``index.html`` hosts every page; the modules route on the URL fragment (``#/plaza/adjust``)
and talk to ``/api/v1`` with the bearer token the login page obtained.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).parent / "static"

# The shell must not be cached, so that a new release's module URLs take effect at once;
# the modules themselves may be cached briefly.
_NO_STORE = {"Cache-Control": "no-store"}


def mount_pages(app: FastAPI) -> None:
    """Mount the pages; the API works without them.

    ``/`` is the page shell, ``/static/...`` its modules, styles and icons. Nothing here
    shadows ``/api/v1``, ``/health``, ``/metrics``, ``/docs`` or ``/openapi.json``.
    """
    index = STATIC_DIR / "index.html"

    @app.get("/", include_in_schema=False)
    async def page_shell() -> FileResponse:
        return FileResponse(index, media_type="text/html; charset=utf-8", headers=_NO_STORE)

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
