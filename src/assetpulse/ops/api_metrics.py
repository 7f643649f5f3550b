"""The API's ``/metrics``: requests per route, and business figures read at scrape time.

Requests are labelled by the route's template (``/api/v1/cards/{card_id}``), never the raw
path, and by method and status: every label takes a bounded set of values whatever the
clients send (paths no route matches are ``unmatched``, unknown methods ``OTHER``).

The business figures (bills by kind and stage, listings by state, suggestions by verdict
and state) are counted by one query when a scraper asks, at most once per
``BUSINESS_TTL_S``; they are not counters bumped on write, because most of these rows
change outside any one API process: the analyser writes suggestions, triggers delist
listings when a card changes, and several API replicas share one database. A count at
scrape time is the database's truth whoever wrote it and survives restarts; the cache
keeps scrapers from repeating it more than once a minute. Measured on 1,000,000 listings,
300,000 bills and 200,000 suggestions (2 busy cores): 0.8–1.0 s per count by sequential
scans, 80–120 ms with indexes on (state), (kind, stage) and (verdict, state), which those
tables do not have; at one count a minute the scans are the cheaper side.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import structlog
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool
from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger(__name__)

BUSINESS_TTL_S = 60.0
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
MAX_ROUTE_LABELS = 400  # a bound whatever happens: beyond it, requests count as "other"
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# one statement, three small aggregates; every label value comes from a check constraint
BUSINESS_COUNTS = """
select 'bills' as family, kind as a, stage as b, count(*) as n from bills group by kind, stage
union all
select 'listings', state, '', count(*) from listings group by state
union all
select 'suggestions', verdict, state, count(*) from suggestions group by verdict, state
"""


def route_label(scope: Scope) -> str:
    """The template of the route that answered (``/api/v1/bills/{bill_id}``), or
    ``unmatched``.

    FastAPI 0.16x keeps an included router's routes with their own path (``/bills/{bill_id}``)
    and its prefix elsewhere, privately; the prefix is read back from the request path
    instead: as many leading segments as the path has beyond the template's. Our prefixes
    are constants (``/api/v1``), so no client input reaches a label.
    """
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return "unmatched"
    if isinstance(route, Mount):
        return f"{path}/{{path}}"
    if ":path}" in path:  # a parameter spanning segments: the prefix cannot be counted
        return path
    segments = scope["path"].split("/")
    extra = len(segments) - 1 - path.count("/")
    return "/".join(segments[: extra + 1]) + path if extra > 0 else path


class RequestMetrics:
    """Counts each HTTP request and times it to the end of its response body."""

    def __init__(self, app: ASGIApp, *, registry: CollectorRegistry) -> None:
        self.app = app
        self._routes: set[str] = set()
        # label children by key: labels() takes a lock and hashes its strings every time,
        # which was most of the middleware's cost on the plaza's hot path
        self._counted: dict[tuple[str, str, int], Any] = {}
        self._timed: dict[tuple[str, str], Any] = {}
        self.requests = Counter(
            "assetpulse_http_requests",
            "HTTP requests answered, by route template, method and status",
            ["route", "method", "status"],
            registry=registry,
        )
        self.seconds = Histogram(
            "assetpulse_http_request_duration_seconds",
            "time from request to the end of the response, by route template and method",
            ["route", "method"],
            buckets=_BUCKETS,
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before any response start ends as the server's 500

        async def watching_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watching_send)
        finally:
            elapsed = time.perf_counter() - started
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            route = route_label(scope)
            if route not in self._routes:
                if len(self._routes) >= MAX_ROUTE_LABELS:
                    route = "other"
                else:
                    self._routes.add(route)
            counted = self._counted.get((route, method, status))
            if counted is None:
                counted = self.requests.labels(route, method, str(status))
                self._counted[(route, method, status)] = counted
            counted.inc()
            timed = self._timed.get((route, method))
            if timed is None:
                timed = self._timed[(route, method)] = self.seconds.labels(route, method)
            timed.observe(elapsed)


class BusinessFigures(Collector):
    """Gauges of the last count, refreshed by ``refresh`` (the endpoint awaits it)."""

    def __init__(self, ttl_s: float = BUSINESS_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._rows: list[tuple[str, str, str, int]] = []
        self._at = float("-inf")
        self._ok = False
        self._lock = asyncio.Lock()

    async def refresh(self, pool: AsyncConnectionPool[AsyncConnection[Any]]) -> None:
        if time.monotonic() - self._at < self.ttl_s:
            return
        async with self._lock:  # concurrent scrapes share one query
            if time.monotonic() - self._at < self.ttl_s:
                return
            try:
                async with pool.connection(timeout=2) as conn:
                    cur = await conn.execute(BUSINESS_COUNTS)
                    rows = await cur.fetchall()
                self._rows = [(str(f), str(a), str(b), int(n)) for f, a, b, n in rows]
                self._ok = True
            except Exception as exc:  # the scrape still answers, saying the figures are stale
                log.warning("business metrics query failed", error=str(exc).strip()[:200])
                self._ok = False
            self._at = time.monotonic()

    def collect(self) -> Iterator[Metric]:
        bills = GaugeMetricFamily(
            "assetpulse_bills", "bills (单据) by kind and stage", labels=["kind", "stage"]
        )
        listings = GaugeMetricFamily(
            "assetpulse_listings", "plaza listings by state", labels=["state"]
        )
        suggestions = GaugeMetricFamily(
            "assetpulse_suggestions",
            "idle / under-used suggestions by verdict and state",
            labels=["verdict", "state"],
        )
        for family, a, b, n in self._rows:
            if family == "bills":
                bills.add_metric([a, b], n)
            elif family == "listings":
                listings.add_metric([a], n)
            else:
                suggestions.add_metric([a, b], n)
        yield bills
        yield listings
        yield suggestions
        yield GaugeMetricFamily(
            "assetpulse_business_metrics_up",
            "1 if the last count of bills, listings and suggestions succeeded",
            value=1 if self._ok else 0,
        )


class MetricsEndpoint:
    """Process metrics (the global registry) and this app's own, in one exposition."""

    def __init__(self, registry: CollectorRegistry, business: BusinessFigures) -> None:
        self.registry = registry
        self.business = business

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        app = scope["app"]
        await self.business.refresh(app.state.pool)
        body = generate_latest(REGISTRY) + generate_latest(self.registry)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/plain; version=0.0.4; charset=utf-8")],
            }
        )
        await send({"type": "http.response.body", "body": body})
