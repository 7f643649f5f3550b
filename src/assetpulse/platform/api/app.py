"""The app factory: settings in, a FastAPI app out; the pool opens with the app's lifespan."""

from __future__ import annotations

import hmac
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from prometheus_client import CollectorRegistry
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from starlette.types import ASGIApp, Receive, Scope, Send

from assetpulse import __version__
from assetpulse.inventory.api import router as inventory_router
from assetpulse.inventory.http.cards import MAX_IMPORT_BYTES
from assetpulse.inventory.http.stocktakes import MAX_IMAGE_BYTES
from assetpulse.inventory.photo_check import MAX_PHOTO_BYTES
from assetpulse.monitor.http.api import router as monitor_router
from assetpulse.monitor.runs import last_runs
from assetpulse.objects import open_store
from assetpulse.ops.api_metrics import BusinessFigures, MetricsEndpoint, RequestMetrics
from assetpulse.org.api import router as org_router
from assetpulse.org.throttle import LoginThrottle
from assetpulse.org.tokens import TokenCodec, check_signing_key
from assetpulse.platform.api.attachment_routes import router as attachment_router
from assetpulse.platform.api.booking_routes import router as booking_router
from assetpulse.platform.api.errors import error_body, install_error_handlers
from assetpulse.platform.api.http_guards import BodyLimit, LimitRequestBody, SecurityHeaders
from assetpulse.platform.api.plaza_fast_path import install_plaza_fast_path
from assetpulse.platform.api.pool_checks import CheckWhenIdle
from assetpulse.platform.api.routes import router as platform_router
from assetpulse.platform.api.schemas import ERROR_RESPONSES
from assetpulse.platform.capped_totals import CappedTotals
from assetpulse.platform.web import mount_pages
from assetpulse.settings import Settings

API_PREFIX = "/api/v1"
# what any API operation may answer besides its own: documented on every operation, so
# that clients (and schemathesis' conformance checks) know every status and its body
API_ERRORS: dict[int | str, dict[str, object]] = {
    **ERROR_RESPONSES,
    413: {**ERROR_RESPONSES[422], "description": "请求内容过大"},
}
_FORM_OVERHEAD = 64 * 1024  # multipart boundaries and the small fields beside the file
MB = 1024 * 1024


def body_limits(settings: Settings) -> tuple[BodyLimit, list[BodyLimit]]:
    """The global request-body limit and the tighter ones of the upload routes."""
    default = BodyLimit(
        re.compile(""),
        settings.max_request_bytes,
        "REQUEST_TOO_LARGE",
        f"请求内容超过 {settings.max_request_bytes // MB or 1} MB，请减小后重试。",
    )
    routes = [
        BodyLimit(
            re.compile(rf"^{API_PREFIX}/cards/[^/]+/photos$"),
            MAX_PHOTO_BYTES + _FORM_OVERHEAD,
            "PHOTO_TOO_LARGE",
            f"照片超过 {MAX_PHOTO_BYTES // MB} MB，请压缩后重新上传。",
        ),
        BodyLimit(
            re.compile(rf"^{API_PREFIX}/bookings/[^/]+/photos$"),
            MAX_PHOTO_BYTES + _FORM_OVERHEAD,
            "PHOTO_TOO_LARGE",
            f"照片超过 {MAX_PHOTO_BYTES // MB} MB，请压缩后重新上传。",
        ),
        BodyLimit(
            re.compile(rf"^{API_PREFIX}/cards/import$"),
            MAX_IMPORT_BYTES + _FORM_OVERHEAD,
            "IMPORT_FILE_TOO_LARGE",
            f"文件超过 {MAX_IMPORT_BYTES // MB} MB，请分批导入。",
        ),
        BodyLimit(
            re.compile(rf"^{API_PREFIX}/stocktakes/[^/]+/scans$"),
            MAX_IMAGE_BYTES + _FORM_OVERHEAD,
            "SCAN_IMAGE_TOO_LARGE",
            f"照片过大（超过 {MAX_IMAGE_BYTES // MB} MB），请压缩后重新上传。",
        ),
    ]
    return default, routes


class MetricsBehindToken:
    """``/metrics`` for a scraper that sends ``Authorization: Bearer <metrics_token>``."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                body = JSONResponse(
                    error_body("METRICS_TOKEN_REQUIRED", "监控指标需要令牌。"),
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await body(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(settings: Settings, *, pool_size: int = 10) -> FastAPI:
    """Build the API; ``settings.database_url`` must be set (``assetpulse run`` sets it) and
    the signing key must be a proper one (``WeakSecretError`` otherwise)."""
    if not settings.database_url:
        raise ValueError("ASSETPULSE_DATABASE_URL is required for the API")
    conninfo = settings.database_url
    secret = check_signing_key(settings.jwt_secret.get_secret_value())

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
        # the schema and its pages tell an attacker every route: only where wanted
        openapi_url="/openapi.json" if settings.api_docs else None,
        docs_url="/docs" if settings.api_docs else None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.objects = open_store(settings)
    app.state.tokens = TokenCodec(secret, settings.token_minutes)
    app.state.login_throttle = LoginThrottle.from_text(
        settings.login_failures_per_account, settings.login_failures_per_address
    )
    default_limit, route_limits = body_limits(settings)
    app.add_middleware(LimitRequestBody, default=default_limit, routes=route_limits)
    app.add_middleware(SecurityHeaders)
    # per app, not the global registry: tests build many apps in one process
    app.state.metrics_registry = CollectorRegistry()
    app.add_middleware(RequestMetrics, registry=app.state.metrics_registry)
    app.state.plaza_totals = CappedTotals()
    install_error_handlers(app)
    routers = (
        org_router,
        inventory_router,
        monitor_router,
        platform_router,
        attachment_router,
        booking_router,
    )
    for router in routers:
        app.include_router(router, prefix=API_PREFIX, responses=API_ERRORS)
    install_plaza_fast_path(app, API_PREFIX)

    @app.get("/health", tags=["operations"], summary="liveness and readiness")
    async def health() -> JSONResponse:
        pool: AsyncConnectionPool[AsyncConnection[Any]] = app.state.pool
        try:
            async with pool.connection(timeout=2) as conn:
                # the analyser's last run, for whoever checks the deployment; a late analyser
                # does not make the API unhealthy (it still answers everything)
                analyser = await last_runs(conn)
        except Exception as exc:
            body = error_body("DATABASE_UNAVAILABLE", "数据库暂时不可用。", str(exc))
            return JSONResponse({"status": "degraded", **body}, status_code=503)
        return JSONResponse({"status": "ok", "version": __version__, "analyser": analyser})

    if settings.metrics_token is not None and settings.metrics_token.get_secret_value():
        business = BusinessFigures()
        app.state.metrics_registry.register(business)
        app.mount(
            "/metrics",
            MetricsBehindToken(
                MetricsEndpoint(app.state.metrics_registry, business),
                settings.metrics_token.get_secret_value(),
            ),
        )
    mount_pages(app)
    return app
