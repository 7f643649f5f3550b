"""Photos lose their metadata, and nothing of the picture, before other units see them
(issue 14, point 7). Pillow writes the test photos as a phone would, with EXIF and GPS."""

from __future__ import annotations

import io

import pytest
from PIL import Image, PngImagePlugin

from assetpulse.inventory.photo_metadata import strip_metadata

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _exif(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (20.0, 2.0, 30.0), 3: "E", 4: (110.0, 20.0, 5.0)})
    return exif


def _picture() -> Image.Image:
    img = Image.new("RGB", (32, 16))
    img.putdata([(x * 8 % 256, y * 16 % 256, 90) for y in range(16) for x in range(32)])
    return img


def _save(fmt: str, **options: object) -> bytes:
    buf = io.BytesIO()
    _picture().save(buf, fmt, **options)
    return buf.getvalue()


def test_jpeg_when_exif_has_gps_then_gone_and_orientation_and_pixels_kept() -> None:
    original = _save("JPEG", exif=_exif(6), quality=90)
    assert b"PhoneMaker" in original
    stripped = strip_metadata("image/jpeg", original)
    assert stripped is not None
    assert b"PhoneMaker" not in stripped
    shown = Image.open(io.BytesIO(stripped))
    exif = shown.getexif()
    assert dict(exif) == {ORIENTATION: 6}
    assert not exif.get_ifd(GPS_IFD)
    assert shown.tobytes() == Image.open(io.BytesIO(original)).tobytes()


def test_jpeg_when_upright_then_no_exif_left_at_all() -> None:
    stripped = strip_metadata("image/jpeg", _save("JPEG", exif=_exif(1)))
    assert stripped is not None
    assert b"Exif" not in stripped
    assert len(Image.open(io.BytesIO(stripped)).getexif()) == 0


def test_png_when_text_and_exif_chunks_then_gone_and_pixels_kept() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "海口市 20.04N 110.34E")
    original = _save("PNG", pnginfo=info, exif=_exif())
    stripped = strip_metadata("image/png", original)
    assert stripped is not None
    assert b"Location" not in stripped
    assert b"eXIf" not in stripped
    assert Image.open(io.BytesIO(stripped)).tobytes() == _picture().tobytes()


def test_webp_when_exif_then_gone_and_picture_still_decodes() -> None:
    original = _save("WEBP", exif=_exif(), lossless=True)
    assert b"PhoneMaker" in original
    stripped = strip_metadata("image/webp", original)
    assert stripped is not None
    assert b"PhoneMaker" not in stripped
    shown = Image.open(io.BytesIO(stripped))
    assert len(shown.getexif()) == 0
    assert shown.convert("RGB").tobytes() == _picture().tobytes()


@pytest.mark.parametrize("kind", ["image/jpeg", "image/png", "image/webp"])
def test_strip_when_bytes_are_truncated_then_none_not_metadata(kind: str) -> None:
    fmt = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}[kind]
    whole = _save(fmt, exif=_exif())
    assert strip_metadata(kind, whole[:40]) is None
