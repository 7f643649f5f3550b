"""Photos and attachments as content-addressed objects (sha256), outside PostgreSQL.

``ObjectStore`` is the port; ``LocalDirectoryStore`` (default) and ``S3Store`` the
adapters; ``open_store(settings)`` picks one; ``stored_bytes`` reads a row's file whether it
was written before migration 4009 (bytes in the row) or after (bytes in the store).
"""

from assetpulse.objects.config import objects_dir, open_store
from assetpulse.objects.errors import ObjectStoreError
from assetpulse.objects.local import LocalDirectoryStore
from assetpulse.objects.s3 import S3Store
from assetpulse.objects.store import ObjectStore, check_key, key_of, stored_bytes

__all__ = [
    "LocalDirectoryStore",
    "ObjectStore",
    "ObjectStoreError",
    "S3Store",
    "check_key",
    "key_of",
    "objects_dir",
    "open_store",
    "stored_bytes",
]
