"""LocalDirectoryStore on a real directory: content addressing, atomic durable writes,
refusals. The same contract runs against a real S3-compatible server in
tests/integration/objects."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from assetpulse.objects import LocalDirectoryStore, ObjectStore, ObjectStoreError, stored_bytes

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def test_put_when_given_bytes_returns_their_sha256_and_get_returns_them(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)
    data = b"\xff\xd8 a photo"
    key = run(store.put(data, content_type="image/jpeg"))
    assert key == hashlib.sha256(data).hexdigest()
    assert run(store.get(key)) == data
    assert run(store.exists(key))
    assert isinstance(store, ObjectStore)


def test_put_when_content_repeats_keeps_one_file_under_the_fanned_out_path(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)

    async def twice() -> list[str]:
        return list(await asyncio.gather(*(store.put(b"same bytes") for _ in range(8))))

    keys = run(twice())
    assert len(set(keys)) == 1
    key = keys[0]
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert files == [tmp_path / key[:2] / key[2:4] / key]
    assert list(store.iter_keys()) == [key]


def test_put_when_done_leaves_no_temporary_file_and_a_readable_mode(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)
    key = run(store.put(b"x" * 100_000))
    assert list((tmp_path / "tmp").iterdir()) == []
    assert store.path_of(key).stat().st_mode & 0o777 == 0o644


def test_get_when_absent_is_object_missing(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)
    key = "0" * 64
    assert not run(store.exists(key))
    with pytest.raises(ObjectStoreError) as err:
        run(store.get(key))
    assert err.value.code == "OBJECT_MISSING"


def test_get_when_file_was_altered_is_object_corrupt(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)
    key = run(store.put(b"original"))
    store.path_of(key).write_bytes(b"tampered")
    with pytest.raises(ObjectStoreError) as err:
        run(store.get(key))
    assert err.value.code == "OBJECT_CORRUPT"


@pytest.mark.parametrize("key", ["../../etc/passwd", "A" * 64, "0" * 63, "", "0" * 64 + "/x"])
def test_keys_when_not_a_lowercase_sha256_are_refused_before_any_path(
    tmp_path: Path, key: str
) -> None:
    store = LocalDirectoryStore(tmp_path / "root")
    with pytest.raises(ObjectStoreError) as err:
        run(store.get(key))
    assert err.value.code == "OBJECT_KEY_INVALID"
    assert not (tmp_path / "root").exists()


def test_put_when_root_cannot_be_made_is_unavailable_and_writes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"")
    store = LocalDirectoryStore(blocker / "objects")
    with pytest.raises(ObjectStoreError) as err:
        run(store.put(b"data"))
    assert err.value.code == "OBJECT_STORE_UNAVAILABLE"


def test_stored_bytes_when_row_still_holds_its_bytes_reads_the_row(tmp_path: Path) -> None:
    store = LocalDirectoryStore(tmp_path)
    legacy = memoryview(b"bytes in the row")
    key = hashlib.sha256(b"bytes in the row").hexdigest()
    assert run(stored_bytes(store, key, legacy)) == b"bytes in the row"
    assert not run(store.exists(key))  # the row was read, the store was not asked
    run(store.put(b"bytes in the row"))
    assert run(stored_bytes(store, key, None)) == b"bytes in the row"
