"""Photo checks (pure): the content type comes from the bytes, never from the client.

A photo is accepted when its first bytes are a JPEG, PNG or WebP signature and its size
is within the limit; the SHA-256 is the checksum stored with it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

MAX_PHOTO_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CheckedPhoto:
    content_type: str
    sha256: str
    byte_size: int


class PhotoRejectedError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photo(data: bytes, *, max_bytes: int = MAX_PHOTO_BYTES) -> CheckedPhoto:
    if not data:
        raise PhotoRejectedError("PHOTO_EMPTY", "照片文件为空，请重新选择。")
    if len(data) > max_bytes:
        raise PhotoRejectedError(
            "PHOTO_TOO_LARGE",
            f"照片超过 {max_bytes // (1024 * 1024)} MB，请压缩后重新上传。",
        )
    kind = sniff(data)
    if kind is None:
        raise PhotoRejectedError("PHOTO_TYPE_UNSUPPORTED", "只支持 JPEG、PNG 或 WebP 格式的照片。")
    return CheckedPhoto(kind, hashlib.sha256(data).hexdigest(), len(data))
