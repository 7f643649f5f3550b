"""The scanning cascade (扫码级联): decoders × image variants, stopping at a confident result.

A fixed plan (``PLAN``) of (image variant, decoder) steps — see ``preprocess`` for the
variants — runs in order. After every step the reads so far are cross-checked (see
``checks``): the cascade stops as soon as at least one code is accepted, no plausible read is
left uncorroborated and no contradiction is open. While a read waits for a second opinion,
steps of the engine that made it are skipped (it cannot corroborate itself). Contradicted
reads are never reported unless the evidence settles them. A budget of CPU time (of the
calling thread, so results do not depend on how busy the machine is) bounds the work on
images that hold no code at all.

Stopping at the first confident result keeps camera frames cheap; the price is that a
frame with several codes may report only those the first successful step saw.
"""

from __future__ import annotations

import time

import numpy as np

from assetpulse.inventory.scanning import engines
from assetpulse.inventory.scanning.checks import RawRead, Verdict, cross_check
from assetpulse.inventory.scanning.imageio import load_gray
from assetpulse.inventory.scanning.model import DecodedCode, ScanResult
from assetpulse.inventory.scanning.preprocess import Variants

ZX_QUICK, ZX, ZBAR, CV = "zxingcpp-quick", "zxingcpp", "pyzbar", "opencv"
_STEPS: dict[str, engines.Engine] = {
    ZX_QUICK: lambda image: engines.read_zxing(image, quick=True),
    ZX: engines.read_zxing,
    ZBAR: engines.read_pyzbar,
    CV: engines.read_opencv,
}

# (variant, decoder) in the order tried. zxing-cpp is fastest and best, so it alone sees
# the full-size image (first a quick look, then with all its options) and the deskewed one
# first; pyzbar and OpenCV follow, on the size-capped copy, to corroborate weak symbologies
# and to catch what zxing missed. OpenCV, the slowest, sees few variants.
PLAN: tuple[tuple[str, str], ...] = (
    ("grey", ZX_QUICK),
    ("grey", ZX),
    ("deskew", ZX),
    ("fit", ZBAR),
    ("half", ZBAR),
    ("fit", CV),
    ("upscale2", ZX),
    ("upscale2", ZBAR),
    ("upscale2", CV),
    ("clahe", ZX),
    ("clahe", ZBAR),
    ("clahe", CV),
    ("deskew", ZBAR),
    ("deskew", CV),
    ("shrunk", ZX),
    ("adaptive", ZX),
    ("adaptive", ZBAR),
    ("sharpen", ZX),
    ("sharpen", ZBAR),
    ("median", ZX),
    ("median", ZBAR),
    ("clahe-upscale2", ZX),
    ("clahe-upscale2", ZBAR),
    ("rotate+45", ZX),
    ("rotate+45", ZBAR),
    ("rotate-45", ZX),
    ("rotate-45", ZBAR),
)
DEFAULT_BUDGET_S = 2.0


def _settled(verdict: Verdict) -> bool:
    return bool(verdict.accepted) and not verdict.pending and not verdict.conflicted


def decode_gray(gray: np.ndarray, *, budget_s: float | None = DEFAULT_BUDGET_S) -> list[RawRead]:
    """Accepted reads in ``gray`` (points in its coordinates)."""
    deadline = None if budget_s is None else time.thread_time() + budget_s
    images = Variants(gray)
    reads: list[RawRead] = []
    verdict = cross_check(reads)
    for variant_name, step in PLAN:
        engine = step.split("-")[0]
        if verdict.pending and all(read.engine == engine for read in verdict.pending):
            continue  # waiting for a second opinion: this engine cannot give one
        variant = images.get(variant_name)
        if variant is None:
            continue
        for read in _STEPS[step](variant.image):
            points = variant.map_points(read.points)
            reads.append(RawRead(read.text, read.symbology, points, read.engine))
        verdict = cross_check(reads)
        if _settled(verdict):
            break
        if deadline is not None and time.thread_time() > deadline:
            break
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
    ``budget_s`` is CPU seconds of the calling thread after which no further step of the
    plan starts (a started step finishes); None runs the whole plan.
    """
    gray = load_gray(image)
    h, w = gray.shape
    codes = [_to_code(r, w, h) for r in decode_gray(gray, budget_s=budget_s)]
    codes.sort(key=lambda c: (min(p[1] for p in c.points), min(p[0] for p in c.points)))
    return ScanResult(tuple(codes), w, h)
