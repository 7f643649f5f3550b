"""The object store a service uses, from its settings (built once, passed down)."""

from __future__ import annotations

from pathlib import Path

from assetpulse.objects import errors
from assetpulse.objects.local import LocalDirectoryStore
from assetpulse.objects.s3 import S3Store
from assetpulse.objects.store import ObjectStore
from assetpulse.settings import Settings


def objects_dir(settings: Settings) -> Path:
    return Path(settings.objects_dir or Path(settings.data_dir) / "objects")


def open_store(settings: Settings) -> ObjectStore:
    """``LocalDirectoryStore`` at ``objects_dir`` (default ``data_dir/objects``), or the
    ``S3Store`` the ``objects_s3_*`` settings name."""
    if settings.objects_backend == "local":
        return LocalDirectoryStore(objects_dir(settings))
    if not settings.objects_s3_endpoint:
        raise errors.unavailable(
            "ASSETPULSE_OBJECTS_BACKEND=s3 needs ASSETPULSE_OBJECTS_S3_ENDPOINT"
        )
    secret = settings.objects_s3_secret_key
    return S3Store(
        endpoint=settings.objects_s3_endpoint,
        bucket=settings.objects_s3_bucket,
        prefix=settings.objects_s3_prefix,
        region=settings.objects_s3_region,
        secure=settings.objects_s3_secure,
        access_key=settings.objects_s3_access_key,
        secret_key=secret.get_secret_value() if secret else None,
    )
