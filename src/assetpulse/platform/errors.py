"""Errors of the share/adjust platform: bills, reviews, listings, preselection, MOF exchange.

Every error has a stable ``code`` and a Chinese message that says what to do; the API
maps the kind to an HTTP status (``platform/api/errors.py``).
"""

from __future__ import annotations

from assetpulse.errors import DomainError, ErrorKind


class PlatformError(DomainError):
    """Root of the platform's errors."""


def not_found(what: str, code: str, **context: object) -> PlatformError:
    return PlatformError(code, f"{what}不存在或您无权查看。", kind=ErrorKind.NOT_FOUND, **context)


def forbidden(code: str, message: str, **context: object) -> PlatformError:
    return PlatformError(code, message, kind=ErrorKind.FORBIDDEN, **context)


def conflict(code: str, message: str, **context: object) -> PlatformError:
    return PlatformError(code, message, kind=ErrorKind.CONFLICT, **context)


def invalid(code: str, message: str, **context: object) -> PlatformError:
    return PlatformError(code, message, kind=ErrorKind.INVALID, **context)
