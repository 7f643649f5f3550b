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


def qr_label(payload: str, module_px: int = 6) -> np.ndarray:
    """A black-on-white QR image of ``payload`` with its quiet zone."""
    import segno

    matrix = np.array(segno.make(payload, error="m", micro=False).matrix, dtype=np.uint8)
    img = np.pad(np.where(matrix > 0, 0, 255).astype(np.uint8), 4, constant_values=255)
    return np.kron(img, np.ones((module_px, module_px), dtype=np.uint8))


def photograph(
    labels: list[np.ndarray],
    *,
    angle: float,
    blur: float,
    tilt: float,
    seed: int,
    size: tuple[int, int] = (1000, 700),
) -> bytes:
    """A JPEG "photo" of the labels lying on a grey desk: each label rotated by ``angle``
    degrees, seen at a slant (``tilt``: share of the side pulled in), Gaussian-blurred,
    with sensor noise — what a phone held by hand gives."""
    import cv2

    rng = np.random.default_rng(seed)
    w, h = size
    frame = np.full((h, w), 165, dtype=np.float32)
    slot_w = w // len(labels)
    for i, label in enumerate(labels):
        lh, lw = label.shape
        src = np.float32([[0, 0], [lw, 0], [lw, lh], [0, lh]])
        pull = tilt * lw
        dst = src + np.float32([[pull, 0], [-pull, pull * 0.3], [0, 0], [0, 0]])
        centre = np.float32([lw / 2, lh / 2])
        t = np.deg2rad(angle)
        rot = np.float32([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
        dst = (dst - centre) @ rot.T + np.float32([slot_w * i + slot_w / 2, h / 2])
        m = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
        warped = cv2.warpPerspective(
            label.astype(np.float32), m, (w, h), flags=cv2.INTER_LINEAR, borderValue=-1.0
        )
        frame = np.where(warped >= 0, warped, frame)
    frame = cv2.GaussianBlur(frame, (0, 0), blur)
    frame = frame + rng.normal(0, 4, frame.shape).astype(np.float32)
    ok, buf = cv2.imencode(
        ".jpg", np.clip(frame, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 90]
    )
    assert ok
    return bytes(buf)


def code128_label(payload: str, module_px: int = 3) -> np.ndarray:
    """A Code 128 barcode of ``payload`` with quiet zones, bars 60 modules tall."""
    import zxingcpp

    bars = np.asarray(
        zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.Code128).to_image(
            scale=1, add_quiet_zones=True
        )
    )[:1, :]
    img = np.pad(np.repeat(bars, 60, axis=0), ((10, 10), (0, 0)), constant_values=255)
    return np.kron(img, np.ones((module_px, module_px), dtype=np.uint8))
