"""``LocalDirectoryStore``: objects as files under one directory (the default store).

Layout: ``<root>/ab/cd/abcd…`` (the key's first two pairs of hex digits as folders, so no
folder holds more than a few thousand files at tens of millions of objects), and
``<root>/tmp/`` for writes in progress. A write goes to a temporary file in ``tmp/`` (the
same file system), is fsynced, renamed into place and the folder fsynced: a reader sees the
whole object or none, and a crash after ``put`` returned cannot lose it. Two writers of the
same bytes both rename identical content onto one name, which is harmless.

Several API workers on one host (or hosts sharing one mount) can share a root. Blocking
file calls run in a worker thread so the event loop keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from assetpulse.objects import errors
from assetpulse.objects.store import check_key, key_of, verified


class LocalDirectoryStore:
    """Content-addressed files under ``root``; the folders are made on first use."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def path_of(self, key: str) -> Path:
        check_key(key)
        return self.root / key[:2] / key[2:4] / key

    async def put(self, data: bytes, *, content_type: str | None = None) -> str:
        key = key_of(data)
        await asyncio.to_thread(self._put, key, data)
        return key

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._get, key)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_of(key).is_file)

    def iter_keys(self) -> Iterator[str]:
        """Every stored key (for audits and migrations; walks the whole tree)."""
        for first in sorted(self.root.glob("[0-9a-f][0-9a-f]")):
            for path in sorted(first.glob("[0-9a-f][0-9a-f]/*")):
                if path.is_file() and len(path.name) == 64:
                    yield path.name

    def _put(self, key: str, data: bytes) -> None:
        final = self.path_of(key)
        if final.is_file():  # content-addressed: the same name holds the same bytes
            return
        tmp_dir = self.root / "tmp"
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=tmp_dir, prefix=key[:16] + ".")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                    f.flush()
                    os.fsync(f.fileno())
                os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide it from a sibling service
                os.replace(tmp, final)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
                raise
            _fsync_dir(final.parent)
        except OSError as exc:
            raise errors.unavailable(str(exc), root=str(self.root)) from exc

    def _get(self, key: str) -> bytes:
        try:
            data = self.path_of(key).read_bytes()
        except FileNotFoundError:
            raise errors.missing(key) from None
        except OSError as exc:
            raise errors.unavailable(str(exc), root=str(self.root)) from exc
        return verified(key, data)


def _fsync_dir(path: Path) -> None:
    """Make the rename itself durable (POSIX keeps directory entries in the folder)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
