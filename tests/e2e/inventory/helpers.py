"""Small helpers for the inventory e2e tests: tiny valid images, URL building."""

from __future__ import annotations

import io

import numpy as np

API = "/api/v1"


def png_bytes(seed: int = 0) -> bytes:
    """A small, genuinely valid PNG whose bytes differ by seed."""
    import cv2

    img = np.full((8, 8, 3), seed % 256, dtype=np.uint8)
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return bytes(buf)


def jpeg_bytes(seed: int = 0) -> bytes:
    import cv2

    img = np.full((8, 8, 3), seed % 256, dtype=np.uint8)
    ok, buf = cv2.imencode(".jpg", img)
    assert ok
    return io.BytesIO(bytes(buf)).getvalue()
