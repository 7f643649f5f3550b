"""Turning uploaded bytes or arrays into an 8-bit greyscale image, with size limits.

Limits protect the server: a file over ``MAX_BYTES`` or a picture over ``MAX_PIXELS`` is
refused before decoding (the pixel count is read from the PNG/JPEG header, so a small
"decompression bomb" file never gets expanded).
"""

from __future__ import annotations

import struct

import cv2
import numpy as np

from assetpulse.inventory.scanning import errors

MAX_BYTES = 25 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo fits


def _header_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG or JPEG header, None for other formats."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            (length,) = struct.unpack(">H", data[i + 2 : i + 4])
            # SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC) carry the frame size
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(width), int(height)
            i += 2 + length
    return None


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise errors.image_too_large(size=width * height, limit=MAX_PIXELS, unit="pixels")


def load_gray(image: bytes | np.ndarray) -> np.ndarray:
    """An 8-bit single-channel image; raises ScanError for unusable input."""
    if isinstance(image, np.ndarray):
        return _array_gray(image)
    data = bytes(image)
    if not data:
        raise errors.empty_image()
    if len(data) > MAX_BYTES:
        raise errors.image_too_large(size=len(data), limit=MAX_BYTES, unit="bytes")
    size = _header_size(data)
    if size is not None:
        _check_pixels(*size)
    gray = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if gray is None or gray.size == 0:
        raise errors.not_an_image("imdecode failed")
    _check_pixels(gray.shape[1], gray.shape[0])
    return np.ascontiguousarray(gray)


def _array_gray(array: np.ndarray) -> np.ndarray:
    if array.dtype != np.uint8:
        raise errors.bad_array(f"dtype {array.dtype}")
    if array.ndim == 2:
        gray = array
    elif array.ndim == 3 and array.shape[2] == 3:
        gray = cv2.cvtColor(array, cv2.COLOR_BGR2GRAY)
    elif array.ndim == 3 and array.shape[2] == 4:
        gray = cv2.cvtColor(array, cv2.COLOR_BGRA2GRAY)
    elif array.ndim == 3 and array.shape[2] == 1:
        gray = array[:, :, 0]
    else:
        raise errors.bad_array(f"shape {array.shape}")
    if gray.shape[0] < 8 or gray.shape[1] < 8:
        raise errors.bad_array(f"shape {array.shape}")
    _check_pixels(gray.shape[1], gray.shape[0])
    return np.ascontiguousarray(gray)
