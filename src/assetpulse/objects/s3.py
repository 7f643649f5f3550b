"""``S3Store``: objects in an S3-compatible bucket (production), through the ``minio`` client.

Why minio-py: a small, typed, maintained client for any S3-compatible server (AWS S3, MinIO,
Ceph RGW, SeaweedFS …) with urllib3 as its only network dependency; boto3/aiobotocore bring
botocore's tens of megabytes for one service. It is synchronous, so each call runs in a
worker thread; its urllib3 pool is thread-safe. Installed by the ``s3`` extra
(``pip install 'assetpulse[s3]'``): the default install does not need it.

Object names are ``<prefix>ab/cd/<sha256>`` like the local layout, so a local directory can
be copied into a bucket as it is (``rclone copy var/objects s3:bucket/prefix``). ``put``
asks HEAD first: a known object is not uploaded again.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING

from assetpulse.objects import errors
from assetpulse.objects.store import check_key, key_of, verified

if TYPE_CHECKING:
    from minio import Minio

_ABSENT = frozenset({"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"})


class S3Store:
    """Content-addressed objects in ``bucket`` at ``endpoint`` (host:port, no scheme)."""

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        access_key: str | None,
        secret_key: str | None,
        region: str | None = None,
        secure: bool = True,
        prefix: str = "",
    ) -> None:
        try:
            from minio import Minio
        except ImportError as exc:  # the s3 extra is not installed
            raise errors.unavailable(
                "the S3 object store needs the minio client: pip install 'assetpulse[s3]'"
            ) from exc
        self.bucket = bucket
        self.prefix = prefix
        self._client: Minio = Minio(
            endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region
        )

    def name_of(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}{key[:2]}/{key[2:4]}/{key}"

    async def put(self, data: bytes, *, content_type: str | None = None) -> str:
        key = key_of(data)
        await asyncio.to_thread(self._put, key, data, content_type)
        return key

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._get, key)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._exists, key)

    def ensure_bucket(self) -> None:
        """Create the bucket when it is missing (tests, a first start; production usually
        gets it from its operator with its own policy)."""
        with _mapped(self.bucket):
            if not self._client.bucket_exists(self.bucket):
                self._client.make_bucket(self.bucket)

    def _put(self, key: str, data: bytes, content_type: str | None) -> None:
        if self._exists(key):
            return
        with _mapped(key):
            self._client.put_object(
                self.bucket,
                self.name_of(key),
                io.BytesIO(data),
                len(data),
                content_type=content_type or "application/octet-stream",
            )

    def _get(self, key: str) -> bytes:
        from minio.error import MinioException, S3Error

        with _mapped(key):
            try:
                response = self._client.get_object(self.bucket, self.name_of(key))
            except S3Error as exc:
                if exc.code in _ABSENT:
                    raise errors.missing(key) from None
                raise
            except MinioException:
                # some servers answer a missing object's GET with a body the client cannot
                # parse (rclone's: InvalidResponseError, status 404); HEAD says what it was
                if not self._exists(key):
                    raise errors.missing(key) from None
                raise
            try:
                data = response.read()
            finally:
                response.close()
                response.release_conn()
        return verified(key, data)

    def _exists(self, key: str) -> bool:
        from minio.error import S3Error

        with _mapped(key):
            try:
                self._client.stat_object(self.bucket, self.name_of(key))
            except S3Error as exc:
                if exc.code in _ABSENT:
                    return False
                raise
        return True


@contextlib.contextmanager
def _mapped(key: str) -> Iterator[None]:
    """The client's errors (S3 answers, connection failures) as OBJECT_STORE_UNAVAILABLE,
    the original kept as ``__cause__``."""
    from minio.error import MinioException
    from urllib3.exceptions import HTTPError

    try:
        yield
    except (MinioException, HTTPError, OSError) as exc:
        raise errors.unavailable(f"{type(exc).__name__}: {exc}", key=key) from exc
