"""The scanning cascade (扫码级联): decoders × image variants, stopping at a confident result.

For each variant (see ``preprocess``) the decoders run in order zxing-cpp, pyzbar and — for
the harder cases only, being the slowest — OpenCV. After every decoder call the reads so far
are cross-checked (see ``checks``): the cascade stops as soon as at least one code is
accepted and no plausible read is left uncorroborated, or when reads contradict each other
(then contradicted reads are dropped, never reported). A time budget bounds the work on
images that hold no code at all.
"""

from __future__ import annotations

import time

import numpy as np

from assetpulse.inventory.scanning import engines
from assetpulse.inventory.scanning.checks import RawRead, Verdict, cross_check
from assetpulse.inventory.scanning.imageio import load_gray
from assetpulse.inventory.scanning.model import DecodedCode, ScanResult
from assetpulse.inventory.scanning.preprocess import variants

# Variants on which OpenCV also runs: it is slow and mostly finds what the others missed
# on plain or contrast-stretched images.
_OPENCV_VARIANTS = frozenset({"grey", "clahe", "upscale2"})
DEFAULT_BUDGET_S = 2.0


def _settled(verdict: Verdict) -> bool:
    return verdict.conflicted or (bool(verdict.accepted) and not verdict.pending)


def decode_gray(gray: np.ndarray, *, budget_s: float | None = DEFAULT_BUDGET_S) -> list[RawRead]:
    """Accepted reads in ``gray`` (points in its coordinates)."""
    deadline = None if budget_s is None else time.perf_counter() + budget_s
    reads: list[RawRead] = []
    verdict = cross_check(reads)
    first = True
    for variant in variants(gray):
        steps: list[engines.Engine] = [
            (lambda img: engines.read_zxing(img, fast=True)) if first else engines.read_zxing,
            engines.read_pyzbar,
        ]
        if variant.name in _OPENCV_VARIANTS:
            steps.append(engines.read_opencv)
        first = False
        for step in steps:
            for read in step(variant.image):
                points = variant.map_points(read.points)
                reads.append(RawRead(read.text, read.symbology, points, read.engine))
            verdict = cross_check(reads)
            if _settled(verdict):
                return list(verdict.accepted)
            if deadline is not None and time.perf_counter() > deadline:
                return list(verdict.accepted)
    return list(verdict.accepted)


def _to_code(read: RawRead, width: int, height: int) -> DecodedCode:
    points = tuple(
        (min(max(round(x), 0), width - 1), min(max(round(y), 0), height - 1))
        for x, y in read.points
    )
    return DecodedCode(read.text, read.symbology.value, points)


def decode_image(
    image: bytes | np.ndarray, *, budget_s: float | None = DEFAULT_BUDGET_S
) -> ScanResult:
    """Every code read with confidence in ``image`` (encoded file bytes or a numpy image).

    Raises ScanError (a DomainError) when the input is not a usable image; an image without
    a readable code gives an empty result. Codes are ordered top-to-bottom, left-to-right.
    """
    gray = load_gray(image)
    h, w = gray.shape
    codes = [_to_code(r, w, h) for r in decode_gray(gray, budget_s=budget_s)]
    codes.sort(key=lambda c: (min(p[1] for p in c.points), min(p[0] for p in c.points)))
    return ScanResult(tuple(codes), w, h)
