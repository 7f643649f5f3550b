"""Image variants the cascade tries (预处理), each with the way back to original coordinates.

Order matters: cheap variants that help most come first, so a clean photo costs one pass.
Each variant carries an affine map (2×3) from its pixel coordinates to the original image's,
so positions are always reported in the original frame.
"""

from __future__ import annotations

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


def bar_angle(gray: np.ndarray) -> float:
    """The dominant edge direction in degrees (−90, 90]: for a barcode, its bars' normal.

    Magnitude-weighted histogram of gradient directions over the strongest edges of a
    downsampled copy; 1D decoders scan along rows, so rotating by this angle lines the bars
    up with the scan lines whatever the code's skew.
    """
    h, w = gray.shape
    factor = min(1.0, 1024 / max(h, w))
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    mag = cv2.magnitude(gx, gy)
    strong = mag > np.percentile(mag, 95)
    if not strong.any():
        return 0.0
    # doubled angles make opposite gradient directions (both edges of a bar) agree
    angles = np.degrees(np.arctan2(gy[strong], gx[strong])) % 180.0
    hist, edges = np.histogram(angles, bins=90, range=(0.0, 180.0), weights=mag[strong])
    hist = hist + np.roll(hist, 1) + np.roll(hist, -1)
    peak = float(edges[int(np.argmax(hist))] + 1.0)
    return peak - 180.0 if peak > 90.0 else peak


class Variants:
    """Lazily built, cached variants of one image, by name (see ``NAMES``)."""

    def __init__(self, gray: np.ndarray) -> None:
        self.gray = gray
        self.short = min(gray.shape)
        self.small = self.short < 720  # old/small photos: modules only 1-2 px wide
        self._cache: dict[str, Variant | None] = {}

    def get(self, name: str) -> Variant | None:
        """The variant, or None where it makes no sense for this image."""
        if name not in self._cache:
            self._cache[name] = self._build(name)
        return self._cache[name]

    def _clahe(self) -> np.ndarray:
        clahe = self.get("clahe")
        assert clahe is not None
        return clahe.image

    def _build(self, name: str) -> Variant | None:
        gray, short = self.gray, self.short
        if name == "grey":
            return Variant("grey", gray, _IDENTITY)
        if name == "deskew":
            angle = bar_angle(gray)
            # zxing already scans rows and columns: only in-between angles need rotating
            off_axis = min(abs(angle), abs(abs(angle) - 90.0))
            return _rotated(gray, angle) if off_axis > 6.0 else None
        if name == "upscale2":
            return _scaled(gray, 2.0, name) if self.small else None
        if name == "clahe":
            clahe = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(gray)
            return Variant(name, clahe, _IDENTITY)
        if name == "downscale2":
            return _scaled(gray, 0.5, name) if short > 1400 else None
        if name == "adaptive":
            block = _odd(max(short // 16, 3))
            image = cv2.adaptiveThreshold(
                gray, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 5
            )
            return Variant(name, image, _IDENTITY)
        if name == "sharpen":
            # blurred photos: unsharp mask restores bar edges
            smooth = cv2.GaussianBlur(gray, (0, 0), 1.5)
            return Variant(name, cv2.addWeighted(gray, 2.0, smooth, -1.0, 0), _IDENTITY)
        if name == "median":
            # speckle noise: a 3×3 median keeps edges
            return Variant(name, cv2.medianBlur(gray, 3), _IDENTITY)
        if name == "clahe-upscale2":
            return _scaled(self._clahe(), 2.0, name) if self.small else None
        if name.startswith("rotate"):
            return _rotated(gray, float(name[len("rotate") :]))
        raise KeyError(name)
