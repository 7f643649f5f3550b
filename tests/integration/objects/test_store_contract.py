"""The object store contract, run against each adapter: the local directory and S3Store
talking to a real S3-compatible server (tests/fix_objects.py: ``rclone serve s3``)."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from assetpulse.objects import (
    LocalDirectoryStore,
    ObjectStore,
    ObjectStoreError,
    S3Store,
    open_store,
)
from assetpulse.settings import Settings
from tests.fix_objects import S3Server

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def _s3(server: S3Server, prefix: str, *, ensure: bool = True, **overrides: Any) -> S3Store:
    given: dict[str, Any] = {
        "objects_backend": "s3",
        "objects_s3_endpoint": server.endpoint,
        "objects_s3_bucket": "photos",
        "objects_s3_prefix": prefix,
        "objects_s3_secure": False,
        "objects_s3_region": "us-east-1",
        "objects_s3_access_key": server.access_key,
        "objects_s3_secret_key": server.secret_key,
    }
    settings = Settings(**{**given, **overrides})
    store = open_store(settings)
    assert isinstance(store, S3Store)
    if ensure:
        store.ensure_bucket()
    return store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "local":
        return LocalDirectoryStore(tmp_path / "objects")
    server: S3Server = request.getfixturevalue("s3_server")
    return _s3(server, f"t-{uuid.uuid4().hex[:8]}/")


def test_store_put_when_bytes_given_returns_sha256_and_reads_them_back(store: ObjectStore) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    key = run(store.put(data, content_type="image/png"))
    assert key == hashlib.sha256(data).hexdigest()
    assert run(store.exists(key))
    assert run(store.get(key)) == data


def test_store_put_when_repeated_concurrently_is_one_object(store: ObjectStore) -> None:
    async def many() -> set[str]:
        return set(await asyncio.gather(*(store.put(b"one photo") for _ in range(6))))

    keys = run(many())
    assert len(keys) == 1
    assert run(store.get(keys.pop())) == b"one photo"


def test_store_get_when_absent_is_object_missing(store: ObjectStore) -> None:
    key = hashlib.sha256(uuid.uuid4().bytes).hexdigest()
    assert not run(store.exists(key))
    with pytest.raises(ObjectStoreError) as err:
        run(store.get(key))
    assert err.value.code == "OBJECT_MISSING"


def test_store_key_when_not_a_sha256_is_refused(store: ObjectStore) -> None:
    with pytest.raises(ObjectStoreError) as err:
        run(store.get("../" * 10 + "etc/passwd"))
    assert err.value.code == "OBJECT_KEY_INVALID"


def test_s3_store_object_names_follow_the_local_layout_under_the_prefix(
    s3_server: S3Server,
) -> None:
    store = _s3(s3_server, "layout/")
    key = run(store.put(b"layout check", content_type="text/plain"))
    # rclone serves a directory: the bucket is a folder, the object name a path in it
    assert (s3_server.root / "photos" / "layout" / key[:2] / key[2:4] / key).read_bytes() == (
        b"layout check"
    )


def test_s3_store_when_server_altered_an_object_is_object_corrupt(s3_server: S3Server) -> None:
    store = _s3(s3_server, "corrupt/")
    key = run(store.put(b"as uploaded"))
    (s3_server.root / "photos" / "corrupt" / key[:2] / key[2:4] / key).write_bytes(
        b"AS UPLOADED"
    )  # same size: only the hash tells
    with pytest.raises(ObjectStoreError) as err:
        run(store.get(key))
    assert err.value.code == "OBJECT_CORRUPT"


def test_s3_store_when_credentials_are_wrong_is_unavailable(s3_server: S3Server) -> None:
    good = _s3(s3_server, "creds/")
    key = run(good.put(b"guarded"))
    bad = _s3(s3_server, "creds/", ensure=False, objects_s3_secret_key="not-the-secret-" + "x" * 20)
    with pytest.raises(ObjectStoreError) as err:
        run(bad.get(key))
    assert err.value.code == "OBJECT_STORE_UNAVAILABLE"


def test_s3_store_when_server_is_unreachable_is_unavailable() -> None:
    from assetpulse.localservices.ports import free_port

    store = S3Store(
        endpoint=f"127.0.0.1:{free_port()}", bucket="photos", access_key="a", secret_key="b",
        secure=False, region="us-east-1",
    )  # fmt: skip
    with pytest.raises(ObjectStoreError) as err:
        run(store.exists("0" * 64))
    assert err.value.code == "OBJECT_STORE_UNAVAILABLE"
