"""The object store port: photos and attachments by the sha256 of their bytes.

PostgreSQL keeps each file's metadata (key, size, content type, who, when); the bytes live
in an ``ObjectStore``, a local directory by default (:mod:`.local`) and an S3-compatible
bucket in production (:mod:`.s3`). The key *is* the content's sha256 in lowercase hex, so
``put`` is idempotent and the same photo uploaded to two cards is one object. A writer puts
the bytes first and commits the row after: a committed row always has its object, and a
rolled-back one leaves at most an unreferenced object behind (harmless; see README).

Rows written before migration 4009 still hold their bytes in a ``data`` column;
:func:`stored_bytes` reads those as they are until ``assetpulse objects migrate`` moves
them out (:mod:`.legacy`).
"""

from __future__ import annotations

import hashlib
import re
from typing import Protocol, runtime_checkable

from assetpulse.objects import errors

KEY = re.compile(r"^[0-9a-f]{64}$")


def key_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_key(key: str) -> str:
    """The key itself, or OBJECT_KEY_INVALID: keys become paths, so nothing else passes."""
    if not KEY.match(key):
        raise errors.key_invalid(key)
    return key


def verified(key: str, data: bytes) -> bytes:
    """``data`` when it hashes to ``key``; OBJECT_CORRUPT otherwise (a bad disk, a bucket
    someone wrote into by hand)."""
    actual = key_of(data)
    if actual != key:
        raise errors.corrupt(key, actual)
    return data


@runtime_checkable
class ObjectStore(Protocol):
    """Content-addressed bytes. Implementations are safe to share between tasks."""

    async def put(self, data: bytes, *, content_type: str | None = None) -> str:
        """Store ``data`` (durably, before returning) and return its key; storing the same
        bytes again changes nothing and returns the same key."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes of ``key``, checked against it; OBJECT_MISSING when absent."""
        ...

    async def exists(self, key: str) -> bool: ...


async def stored_bytes(
    objects: ObjectStore, key: str, legacy: bytes | memoryview | None = None
) -> bytes:
    """A row's file: its legacy ``data`` column while it still has one, else the store's."""
    if legacy is not None:
        return bytes(legacy)
    return await objects.get(check_key(key))
