"""Unusable input gives a clear ScanError; an image without codes gives an empty result."""

from __future__ import annotations

import struct
import zlib

import cv2
import numpy as np
import pytest

from assetpulse.errors import DomainError
from assetpulse.inventory.scanning import ScanError, decode_image, imageio


def _png_header_only(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "SCAN_IMAGE_EMPTY"),
        (b"%PDF-1.4 not an image", "SCAN_NOT_IMAGE"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "SCAN_NOT_IMAGE"),
        (_png_header_only(100_000, 100_000), "SCAN_IMAGE_TOO_LARGE"),
    ],
)
def test_decode_image_when_input_unusable_then_scan_error_with_code(data: bytes, code: str) -> None:
    with pytest.raises(ScanError) as caught:
        decode_image(data)
    assert isinstance(caught.value, DomainError)
    assert caught.value.code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)


def test_decode_image_when_file_over_byte_limit_then_too_large(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(imageio, "MAX_BYTES", 1000)
    ok, png = cv2.imencode(".png", np.random.default_rng(1).integers(0, 255, (64, 64), np.uint8))
    assert ok
    with pytest.raises(ScanError) as caught:
        decode_image(png.tobytes())
    assert caught.value.code == "SCAN_IMAGE_TOO_LARGE"


@pytest.mark.parametrize(
    "array",
    [np.zeros((10, 10), np.float32), np.zeros((10, 10, 2), np.uint8), np.zeros((3, 3), np.uint8)],
)
def test_decode_image_when_array_unusable_then_bad_array(array: np.ndarray) -> None:
    with pytest.raises(ScanError) as caught:
        decode_image(array)
    assert caught.value.code == "SCAN_BAD_ARRAY"


def test_decode_image_when_no_code_in_image_then_empty_result() -> None:
    noise = np.random.default_rng(7).integers(0, 255, (240, 320), np.uint8)
    ok, png = cv2.imencode(".png", noise)
    assert ok
    result = decode_image(png.tobytes())
    assert result.codes == ()
    assert (result.width, result.height) == (320, 240)
