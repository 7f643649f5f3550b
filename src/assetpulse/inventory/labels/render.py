"""Label images and simulated photographs of them (标签图像与模拟拍摄), for tests and benches.

``label_image`` draws a label's QR code or Code 128 barcode as a greyscale numpy image;
``photograph`` places it in a camera-sized frame the way a phone sees it — rotated, seen at
an angle (perspective), blurred, noisy, dim — with a seeded random generator so every run
sees the same frames. Nothing here is used when scanning real images.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import segno
import zxingcpp

from assetpulse.inventory.labels.payload import encode_label


def label_image(asset_code: str, *, kind: str = "qr", module_px: int = 6) -> np.ndarray:
    """The label's QR code (``kind="qr"``) or Code 128 barcode (``"code128"``), with quiet
    zones, black on white, ``module_px`` pixels per module."""
    payload = encode_label(asset_code)
    if kind == "qr":
        matrix = np.array(segno.make(payload, error="m", micro=False).matrix, dtype=np.uint8)
        image = np.where(matrix > 0, 0, 255).astype(np.uint8)
        image = np.pad(image, 4, constant_values=255)
    elif kind == "code128":
        bars = np.asarray(
            zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.Code128).to_image(
                scale=1, add_quiet_zones=True
            )
        )[0:1, :]
        image = np.repeat(bars, max(12, bars.shape[1] // 5), axis=0)
        image = np.pad(image, ((4, 4), (0, 0)), constant_values=255)
    else:
        raise ValueError(f"unknown label kind {kind!r}")
    return cv2.resize(
        image, None, fx=module_px, fy=module_px, interpolation=cv2.INTER_NEAREST
    ).astype(np.uint8)


@dataclass(frozen=True)
class Shot:
    """How a simulated photo is taken; every field has a neutral default."""

    width: int = 1920
    height: int = 1080
    scale: float = 1.0  # label size relative to its drawn size
    angle: float = 0.0  # degrees, counter-clockwise
    tilt: float = 0.0  # perspective: 0 flat, 0.2 strongly seen at an angle
    blur: float = 0.0  # Gaussian sigma in pixels
    noise: float = 0.0  # Gaussian noise sigma in grey levels
    contrast: float = 1.0  # 1 full black/white, 0.3 dim and washed out
    background: int = 170


def photograph(
    label: np.ndarray, shot: Shot, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """A greyscale frame of ``shot``'s size holding ``label`` somewhere inside it, and the
    label's four corners in the frame (4×2 float array, clockwise from its top left)."""
    h, w = label.shape
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float64)
    # perspective: pull the two corners of one side inwards by ``tilt`` of the size
    side = int(rng.integers(4))
    inward = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=np.float64)
    dst = src.copy()
    for k in (side, (side + 1) % 4):
        dst[k] += inward[k] * np.array([w, h]) * shot.tilt * 0.5
    # rotate and scale about the centre, then place at a random position that fits
    centre = np.array([w / 2, h / 2])
    theta = np.deg2rad(shot.angle)
    rot = np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]])
    dst = (dst - centre) @ rot.T * shot.scale
    span = dst.max(axis=0) - dst.min(axis=0)
    room = np.array([shot.width, shot.height]) - span
    if (room < 0).any():
        raise ValueError("label does not fit in the frame at this scale")
    dst = dst + rng.uniform(0, 1, 2) * room - dst.min(axis=0)
    matrix = cv2.getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32))
    # background: smooth uneven lighting plus paper texture
    yy, xx = np.mgrid[0 : shot.height, 0 : shot.width].astype(np.float32)
    light = 1.0 + 0.15 * np.sin(xx / shot.width * 3.0 + rng.uniform(0, 6)) * np.cos(
        yy / shot.height * 2.0
    )
    frame = np.full((shot.height, shot.width), shot.background, np.float32) * light
    warped = cv2.warpPerspective(
        label.astype(np.float32),
        matrix,
        (shot.width, shot.height),
        flags=cv2.INTER_LINEAR,
        borderValue=-1.0,
    )
    inside = warped >= 0
    mid = 128.0
    ink = mid + (warped - mid) * shot.contrast
    frame = np.where(inside, ink * light, frame)
    if shot.blur > 0:
        frame = cv2.GaussianBlur(frame, (0, 0), shot.blur)
    if shot.noise > 0:
        frame = frame + rng.normal(0, shot.noise, frame.shape).astype(np.float32)
    return np.clip(frame, 0, 255).astype(np.uint8), dst


def label_card_image(
    asset_code: str, *, qr_module_px: int = 5, bar_module_px: int = 2
) -> np.ndarray:
    """A whole printed label as the sheet lays it out: QR code left, Code 128 right."""
    qr = label_image(asset_code, kind="qr", module_px=qr_module_px)
    bars = label_image(asset_code, kind="code128", module_px=bar_module_px)
    height = max(qr.shape[0], bars.shape[0])
    bars_h = min(bars.shape[0], height // 2)
    card = np.full((height, qr.shape[1] + bars.shape[1]), 255, np.uint8)
    card[: qr.shape[0], : qr.shape[1]] = qr
    top = height - bars_h
    card[top:, qr.shape[1] :] = bars[:bars_h]
    return card
