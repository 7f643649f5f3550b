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


def _compose(outer: np.ndarray, inner: np.ndarray) -> np.ndarray:
    """The 2×3 affine applying ``inner`` first, then ``outer``."""
    full: np.ndarray = np.vstack([outer, [0.0, 0.0, 1.0]]) @ np.vstack([inner, [0.0, 0.0, 1.0]])
    return full[:2]


def _derived(base: Variant, name: str, image: np.ndarray, to_base: np.ndarray) -> Variant:
    if base.to_original is _IDENTITY:
        return Variant(name, image, to_base)
    return Variant(name, image, _compose(base.to_original, to_base))


# pyzbar and OpenCV slow down steeply (and zbar reads worse) on big images: all variants
# but the plain one work on a copy no longer than this on its long side.
FIT_LONG_SIDE = 1280


class Variants:
    """Lazily built, cached variants of one image, by name.

    ``grey`` is the image itself; ``fit`` is it shrunk to ``FIT_LONG_SIDE`` (or itself when
    small), and ``shrunk`` exists only when that shrinking happened. Every other variant
    (``half`` of it, filters, rotations, upscaling of small images) is built from ``fit``.
    """

    def __init__(self, gray: np.ndarray) -> None:
        self.gray = gray
        long_side = max(gray.shape)
        self.small = min(gray.shape) < 720  # old/small photos: modules only 1-2 px wide
        self.factor = min(1.0, FIT_LONG_SIDE / long_side)
        self._cache: dict[str, Variant | None] = {}

    def get(self, name: str) -> Variant | None:
        """The variant, or None where it makes no sense for this image."""
        if name not in self._cache:
            self._cache[name] = self._build(name)
        return self._cache[name]

    def _base(self) -> Variant:
        base = self.get("fit")
        assert base is not None
        return base

    def _build(self, name: str) -> Variant | None:
        if name == "grey":
            return Variant("grey", self.gray, _IDENTITY)
        if name == "fit":
            if self.factor < 1.0:
                return _scaled(self.gray, self.factor, "fit")
            return Variant("fit", self.gray, _IDENTITY)
        if name == "shrunk":
            return self.get("fit") if self.factor < 1.0 else None
        base = self._base()
        if name == "half":
            # soft, over-sampled pictures (digital zoom, enlarged crops): halving sharpens
            # edges again, which zbar needs
            if max(base.image.shape) < 600:
                return None
            half = _scaled(base.image, 0.5, name)
            return _derived(base, name, half.image, half.to_original)
        image = self._filtered(name, base.image)
        if image is not None:
            return _derived(base, name, image, _IDENTITY)
        if name == "deskew":
            angle = bar_angle(base.image)
            # zxing already scans rows and columns: only in-between angles need rotating
            off_axis = min(abs(angle), abs(abs(angle) - 90.0))
            if off_axis <= 6.0:
                return None
            rotated = _rotated(base.image, angle)
            return _derived(base, name, rotated.image, rotated.to_original)
        if name in ("upscale2", "clahe-upscale2"):
            if not self.small:
                return None
            source = base if name == "upscale2" else self.get("clahe")
            assert source is not None
            scaled = _scaled(source.image, 2.0, name)
            return _derived(base, name, scaled.image, scaled.to_original)
        if name.startswith("rotate"):
            rotated = _rotated(base.image, float(name[len("rotate") :]))
            return _derived(base, name, rotated.image, rotated.to_original)
        raise KeyError(name)

    @staticmethod
    def _filtered(name: str, image: np.ndarray) -> np.ndarray | None:
        """Same-geometry filters of ``image``; None for names that are not filters."""
        if name == "clahe":
            # uneven light and low contrast: equalise locally
            return cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8)).apply(image)
        if name == "adaptive":
            block = _odd(max(min(image.shape) // 16, 3))
            return cv2.adaptiveThreshold(
                image, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, block, 5
            )
        if name == "sharpen":
            # blurred photos: unsharp mask restores bar edges
            smooth = cv2.GaussianBlur(image, (0, 0), 1.5)
            return cv2.addWeighted(image, 2.0, smooth, -1.0, 0)
        if name == "median":
            # speckle noise: a 3×3 median keeps edges
            return cv2.medianBlur(image, 3)
        return None
