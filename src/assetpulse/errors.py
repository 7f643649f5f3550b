"""The root of every domain error, and the kinds the API maps to HTTP statuses.

Tree::

    DomainError                 code (stable, machine-readable), message (Chinese, for users)
    ├── org.errors.OrgError         authentication and authorisation
    ├── ingest.errors.IngestError   telemetry decoding and storage
    ├── monitor.errors.MonitorError usage analysis and suggestions
    ├── inventory.errors.InventoryError cards, card changes, stocktaking, scanning
    └── platform.errors.PlatformError   bills, reviews, listings, MOF exchange

Each error carries a ``kind`` (what went wrong from the caller's side); only the API layer
turns kinds into HTTP statuses, so the cores never know about HTTP.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorKind(StrEnum):
    INVALID = "invalid"  # the request itself is wrong: fix the input
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # the state moved on (someone else acted, a duplicate)
    FORBIDDEN = "forbidden"  # authenticated, but not allowed
    UNAUTHENTICATED = "unauthenticated"
    UNAVAILABLE = "unavailable"  # a dependency (database, broker) is down: retry later
    THROTTLED = "throttled"  # too many attempts (logins): retry after a while


class DomainError(Exception):
    """An error a user or client can act on.

    ``code`` is stable (clients switch on it), ``message`` says in Chinese what to do,
    ``context`` carries the facts (ids, states) for logs and for the response body.
    """

    kind: ErrorKind = ErrorKind.INVALID

    def __init__(
        self, code: str, message: str, *, kind: ErrorKind | None = None, **context: Any
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        if kind is not None:
            self.kind = kind
        self.context = context
