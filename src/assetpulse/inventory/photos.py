"""Card photos (照片): uploaded through a card change, served back with their checksum.

An upload is stored at once as a *pending* photo and a card change ``{"photo_id": …}`` is
proposed with it; it becomes the card's photo (and counts for the publish photo rule) only
when a reviewer approves that change (WORKFLOW.md: "that change must reach final approval").
The bytes go to the object store (objects/) before the row is written; the row keeps their
sha256 (the object's key), size and content type.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg import errors as pg_errors

from assetpulse.inventory import errors
from assetpulse.inventory.changes import propose_card_change
from assetpulse.inventory.photo_check import PhotoRejectedError, check_photo
from assetpulse.inventory.photo_metadata import strip_metadata
from assetpulse.objects import ObjectStore, stored_bytes

INSERT_PHOTO = """
insert into card_photos (card_id, sha256, content_type, byte_size, state, uploaded_by)
values (%s, %s, %s, %s, 'pending', %s)
returning id
"""

PHOTO_BY_ID = """
select content_type, sha256, data, state from card_photos where id = %s and card_id = %s
"""

LIST_PHOTOS = """
select id, sha256, content_type, byte_size, state, created_at from card_photos
where card_id = %s order by id
"""


async def upload_photo(
    conn: AsyncConnection[Any],
    *,
    objects: ObjectStore,
    card_id: int,
    data: bytes,
    actor_id: int,
    reason: str | None = None,
    card_version: int | None = None,
    max_bytes: int | None = None,
) -> tuple[int, int]:
    """Store a pending photo and propose the change; returns (photo_id, change_id)."""
    try:
        checked = check_photo(data) if max_bytes is None else check_photo(data, max_bytes=max_bytes)
    except PhotoRejectedError as exc:
        raise errors.invalid(exc.code, exc.message, card_id=card_id) from exc
    if strip_metadata(checked.content_type, data) is None:
        # other units are shown it without metadata: a photo whose structure does not
        # parse could not be, so it is not taken in the first place
        raise errors.invalid(
            "PHOTO_UNREADABLE", "照片文件已损坏或格式无法识别，请重新拍摄或另存后上传。"
        )
    # the object before the row: a committed row always has its bytes
    await objects.put(data, content_type=checked.content_type)
    async with conn.transaction():
        try:
            async with conn.transaction():
                cur = await conn.execute(
                    INSERT_PHOTO,
                    (
                        card_id,
                        checked.sha256,
                        checked.content_type,
                        checked.byte_size,
                        actor_id,
                    ),
                )
        except pg_errors.UniqueViolation as exc:
            raise errors.conflict(
                "PHOTO_DUPLICATE",
                "这张照片已经上传过（内容相同），无需重复上传。",
                card_id=card_id,
                sha256=checked.sha256,
            ) from exc
        row = await cur.fetchone()
        assert row is not None
        photo_id = int(row[0])
        change_id = await propose_card_change(
            conn,
            card_id=card_id,
            changes={"photo_id": photo_id},
            proposed_by=actor_id,
            reason=reason or "上传资产照片",
            card_version=card_version,
        )
        return photo_id, change_id


async def photo_bytes(
    conn: AsyncConnection[Any], objects: ObjectStore, *, card_id: int, photo_id: int
) -> tuple[str, str, bytes]:
    """(content type, sha256, bytes) of a card's photo."""
    cur = await conn.execute(PHOTO_BY_ID, (photo_id, card_id))
    row = await cur.fetchone()
    if row is None:
        raise errors.not_found("PHOTO_NOT_FOUND", "照片不存在。", photo_id=photo_id)
    content_type, sha256, legacy = str(row[0]), str(row[1]), row[2]
    return content_type, sha256, await stored_bytes(objects, sha256, legacy)


def shown_to_other_units(content_type: str, data: bytes) -> bytes:
    """The photo as another unit gets it: no EXIF (GPS), XMP, IPTC or comments."""
    stripped = strip_metadata(content_type, data)
    if stripped is None:  # only photos stored before uploads were checked for this
        raise errors.conflict(
            "PHOTO_UNREADABLE", "照片格式无法识别，不能向其他单位展示，请重新上传。"
        )
    return stripped


async def list_photos(conn: AsyncConnection[Any], card_id: int) -> list[dict[str, Any]]:
    cur = await conn.execute(LIST_PHOTOS, (card_id,))
    cols = ("id", "sha256", "content_type", "byte_size", "state", "created_at")
    return [dict(zip(cols, r, strict=True)) for r in await cur.fetchall()]
