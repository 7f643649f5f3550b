"""Image variants the cascade tries (预处理), each with the way back to original coordinates.

Order matters: cheap variants that help most come first, so a clean photo costs one pass.
Each variant carries an affine map (2×3) from its pixel coordinates to the original image's,
so positions are always reported in the original frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from assetpulse.inventory.scanning.checks import FloatPoint

_IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])


@dataclass(frozen=True)
class Variant:
    name: str
    image: np.ndarray
    to_original: np.ndarray  # 2×3 affine: variant pixel -> original pixel

    def map_points(self, points: tuple[FloatPoint, ...]) -> tuple[FloatPoint, ...]:
        if self.to_original is _IDENTITY:
            return points
        m = self.to_original
        return tuple(
            (m[0, 0] * x + m[0, 1] * y + m[0, 2], m[1, 0] * x + m[1, 1] * y + m[1, 2])
            for x, y in points
        )


def _scaled(gray: np.ndarray, factor: float, name: str) -> Variant:
    interp = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
    image = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=interp)
    back = np.array([[1 / factor, 0.0, 0.0], [0.0, 1 / factor, 0.0]])
    return Variant(name, image, back)


def _rotated(gray: np.ndarray, angle: float) -> Variant:
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    image = cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=255)
    return Variant(f"rotate{angle:+.0f}", image, cv2.invertAffineTransform(m))


def _odd(n: int) -> int:
    return n | 1


def variants(gray: np.ndarray) -> Iterator[Variant]:
    """The variants of ``gray`` in the order the cascade tries them (computed lazily)."""
    h, w = gray.shape
    short = min(h, w)
    yield Variant("grey", gray, _IDENTITY)
    small = short < 720
    if small:
        # old/small photos: modules only 1-2 px wide; upscaling lets binarisers find edges
        yield _scaled(gray, 2.0, "upscale2")
    clahe = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(gray)
    yield Variant("clahe", clahe, _IDENTITY)
    if short > 1400:
        yield _scaled(gray, 0.5, "downscale2")
    yield Variant(
        "adaptive",
        cv2.adaptiveThreshold(
            gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, _odd(short // 16), 5
        ),
        _IDENTITY,
    )
    # noise and blur: smooth speckle, then restore edges
    smooth = cv2.GaussianBlur(gray, (3, 3), 0)
    sharp = cv2.addWeighted(gray, 1.8, smooth, -0.8, 0)
    yield Variant("sharpen", sharp, _IDENTITY)
    yield Variant("median", cv2.medianBlur(gray, 3), _IDENTITY)
    if small:
        yield _scaled(clahe, 2.0, "clahe-upscale2")
    for angle in (45.0, -45.0, 22.5, -22.5):
        yield _rotated(gray, angle)
