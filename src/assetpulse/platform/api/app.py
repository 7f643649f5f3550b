"""The app factory: settings in, a FastAPI app out; the pool opens with the app's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from prometheus_client import make_asgi_app
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from assetpulse import __version__
from assetpulse.inventory.api import router as inventory_router
from assetpulse.monitor.http.api import router as monitor_router
from assetpulse.org.api import router as org_router
from assetpulse.org.tokens import TokenCodec
from assetpulse.platform.api.errors import error_body, install_error_handlers
from assetpulse.platform.api.plaza_fast_path import install_plaza_fast_path
from assetpulse.platform.api.pool_checks import CheckWhenIdle
from assetpulse.platform.api.routes import router as platform_router
from assetpulse.platform.capped_totals import CappedTotals
from assetpulse.platform.web import mount_pages
from assetpulse.settings import Settings

API_PREFIX = "/api/v1"


def create_app(settings: Settings, *, pool_size: int = 10) -> FastAPI:
    """Build the API; ``settings.database_url`` must be set (``assetpulse run`` sets it)."""
    if not settings.database_url:
        raise ValueError("ASSETPULSE_DATABASE_URL is required for the API")
    conninfo = settings.database_url

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        checks = CheckWhenIdle()
        pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
            conninfo,
            min_size=2,
            max_size=pool_size,
            open=False,
            kwargs={"autocommit": True},
            check=checks.check,
            reset=checks.returned,
        )
        await pool.open(wait=False)
        app.state.pool = pool
        try:
            yield
        finally:
            await pool.close()

    app = FastAPI(
        title="AssetPulse 资产调剂共享平台 API",
        version=__version__,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.tokens = TokenCodec(settings.jwt_secret.get_secret_value(), settings.token_minutes)
    app.state.plaza_totals = CappedTotals()
    install_error_handlers(app)
    for router in (org_router, inventory_router, monitor_router, platform_router):
        app.include_router(router, prefix=API_PREFIX)
    install_plaza_fast_path(app, API_PREFIX)

    @app.get("/health", tags=["operations"], summary="liveness and readiness")
    async def health() -> JSONResponse:
        pool: AsyncConnectionPool[AsyncConnection[Any]] = app.state.pool
        try:
            async with pool.connection(timeout=2) as conn:
                await conn.execute("select 1")
        except Exception as exc:
            body = error_body("DATABASE_UNAVAILABLE", "数据库暂时不可用。", str(exc))
            return JSONResponse({"status": "degraded", **body}, status_code=503)
        return JSONResponse({"status": "ok", "version": __version__})

    app.mount("/metrics", make_asgi_app())
    mount_pages(app)
    return app
