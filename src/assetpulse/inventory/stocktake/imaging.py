"""Decoding an uploaded photo or camera frame for a 盘点 scan, via the scanning library.

The library never invents a result; an image with no readable code is refused with a
message that tells the user how to retake it, rather than recorded as an empty scan.
"""

from __future__ import annotations

from assetpulse.inventory import errors
from assetpulse.inventory.scanning import decode_image


def decode_codes(data: bytes) -> list[tuple[str, str]]:
    """(text, symbology) of every code read in the image, in the library's order."""
    result = decode_image(data)
    codes = [(c.text, str(c.symbology)) for c in result.codes]
    if not codes:
        raise errors.invalid(
            "SCAN_NOTHING_READ",
            "照片中没有识别出二维码或条形码，请对准标签、保持清晰后重新拍摄，或手工录入编号。",
        )
    return codes
