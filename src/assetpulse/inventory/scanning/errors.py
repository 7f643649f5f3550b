"""Errors of code scanning (扫码): input that cannot be decoded as an image at all.

An image that is fine but holds no readable code is not an error: it gives an empty result.
"""

from __future__ import annotations

from assetpulse.errors import ErrorKind
from assetpulse.inventory.errors import InventoryError


class ScanError(InventoryError):
    """Root of scanning errors (input files that are not usable images)."""

    kind = ErrorKind.INVALID


def empty_image() -> ScanError:
    return ScanError("SCAN_IMAGE_EMPTY", "上传的图片为空，请重新拍摄或选择图片文件。")


def not_an_image(detail: str = "") -> ScanError:
    return ScanError(
        "SCAN_NOT_IMAGE",
        "无法识别该文件的图片格式，请上传 JPEG 或 PNG 格式的照片。",
        detail=detail,
    )


def image_too_large(*, size: int, limit: int, unit: str) -> ScanError:
    what = "文件" if unit == "bytes" else "像素尺寸"
    return ScanError(
        "SCAN_IMAGE_TOO_LARGE",
        f"图片{what}过大（{size} 超过上限 {limit}），请压缩或裁剪后重新上传。",
        size=size,
        limit=limit,
        unit=unit,
    )


def bad_array(detail: str) -> ScanError:
    return ScanError(
        "SCAN_BAD_ARRAY",
        "图像数据格式不正确：需要 8 位灰度或 BGR/BGRA 彩色图像。",
        detail=detail,
    )
