"""Errors of the object store (照片与附件的文件存储).

Tree::

    ObjectStoreError (DomainError)
    ├── OBJECT_KEY_INVALID     a key that is not a lowercase sha256 hex digest
    ├── OBJECT_MISSING         a row names an object the store does not hold
    ├── OBJECT_CORRUPT         the bytes read back do not hash to their key
    └── OBJECT_STORE_UNAVAILABLE  the directory or the S3 endpoint refused the call

A missing or corrupt object is a server-side fault (the row was committed after its put),
so it answers 503 like a database that is away: retried or fixed by an operator, never
the user's input.
"""

from __future__ import annotations

from typing import Any

from assetpulse.errors import DomainError, ErrorKind


class ObjectStoreError(DomainError):
    """Root of the object store's errors."""

    kind = ErrorKind.UNAVAILABLE


def key_invalid(key: str) -> ObjectStoreError:
    return ObjectStoreError(
        "OBJECT_KEY_INVALID", "文件标识无效。", kind=ErrorKind.INVALID, key=key[:80]
    )


def missing(key: str, **context: Any) -> ObjectStoreError:
    return ObjectStoreError(
        "OBJECT_MISSING", "文件暂时无法读取（存储中找不到），请稍后重试或联系管理员。",
        key=key, **context,
    )  # fmt: skip


def corrupt(key: str, actual: str) -> ObjectStoreError:
    return ObjectStoreError(
        "OBJECT_CORRUPT", "文件已损坏（校验值不符），请联系管理员。", key=key, actual=actual
    )


def unavailable(detail: str, **context: Any) -> ObjectStoreError:
    return ObjectStoreError(
        "OBJECT_STORE_UNAVAILABLE", "文件存储暂时不可用，请稍后重试。",
        detail=detail[:300], **context,
    )  # fmt: skip
