"""Benchmark of code scanning: our cascade against each decoding library alone.

On ``../shared/data/codes`` (photographed codes with ground truth, a subset of the ZXing
project's blackbox test images, Apache-2.0, ZXing authors), per folder and in total: decode
rate, misreads and milliseconds per image for our scanner and, side by side in the same run,
pyzbar alone, OpenCV alone and zxing-cpp alone (each library's plain call on the greyscale
image, restricted to the same symbologies). Then frames per second on 1920×1080 frames each
holding one printed label (QR code + Code 128), photographed synthetically, decoded by one
thread and by two threads (the 2-core target). The photos are also run enlarged 4× to phone
size (ours, pyzbar and zxing-cpp; OpenCV alone is far too slow there).

A read counts when the truth is among the reported texts; a misread is an image for which a
decoder reports any other text (frames known to hold a second, real code list it below).

Usage: ``python bench/scan.py [--quick]``. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from assetpulse.inventory.labels import encode_label
from assetpulse.inventory.labels.render import Shot, label_card_image, photograph
from assetpulse.inventory.scanning import decode_image, engines

REPO = Path(__file__).resolve().parents[1]
CODES_DIR = REPO / ".." / "shared" / "data" / "codes"
# Second, real codes in some frames: the printed text under each second barcode says so.
EXTRA_CODES = {
    "code39-3/02.png": {"001EC947D49B"},
    "code39-3/08.png": {"001EC9476B0A"},
}

Decoder = Callable[[np.ndarray], set[str]]


def _ours(gray: np.ndarray) -> set[str]:
    return set(decode_image(gray).texts)


def _alone(engine: engines.Engine) -> Decoder:
    return lambda gray: {read.text for read in engine(gray)}


DECODERS: dict[str, Decoder] = {
    "ours": _ours,
    "pyzbar": _alone(engines.read_pyzbar),
    "opencv": _alone(engines.read_opencv),
    "zxingcpp": _alone(engines.read_zxing),
}


def _samples(quick: bool, scale: int) -> list[tuple[str, str, np.ndarray, str]]:
    """(folder, key, grey image, truth) for every image (every 4th with --quick).

    ``scale`` > 1 enlarges each photo (bicubic, plus mild sensor noise) to the pixel size of
    a modern phone frame: the originals are 240-640 px wide, phones take 3000-4000 px.
    """
    rng = np.random.default_rng(scale)
    out = []
    for folder in sorted(p for p in CODES_DIR.iterdir() if p.is_dir()):
        images = sorted(folder.glob("*.png"))
        if quick:
            images = images[::4]
        for image in images:
            with image.with_suffix(".txt").open(encoding="utf-8", newline="") as f:
                truth = f.read()
            gray = cv2.imread(str(image), cv2.IMREAD_GRAYSCALE)
            if scale > 1:
                gray = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
                noisy = gray + rng.normal(0, 3, gray.shape)
                gray = np.clip(noisy, 0, 255).astype(np.uint8)
            out.append((folder.name, f"{folder.name}/{image.name}", gray, truth))
    return out


# OpenCV's QR detector alone takes 10-40 s per enlarged photo (it hunts finder patterns
# over the whole frame): the enlarged set leaves it out to keep the bench to minutes.
LARGE_DECODERS = ("ours", "pyzbar", "zxingcpp")


def bench_photos(
    quick: bool, scale: int = 1, names: tuple[str, ...] = tuple(DECODERS)
) -> dict[str, dict[str, dict[str, float]]]:
    """{decoder: {folder or "total": {"images", "read", "misreads", "ms"}}}."""
    samples = _samples(quick, scale)
    results: dict[str, dict[str, dict[str, float]]] = {}
    for name in names:
        decoder = DECODERS[name]
        per: dict[str, dict[str, float]] = {}
        for folder, key, gray, truth in samples:
            start = time.perf_counter()
            texts = decoder(gray)
            ms = (time.perf_counter() - start) * 1000
            row = per.setdefault(folder, {"images": 0, "read": 0, "misreads": 0, "ms": 0.0})
            row["images"] += 1
            row["read"] += truth in texts
            row["misreads"] += bool(texts - {truth} - EXTRA_CODES.get(key, set()))
            row["ms"] += ms
        total = {k: sum(r[k] for r in per.values()) for k in ("images", "read", "misreads", "ms")}
        per["total"] = total
        results[name] = per
    return results


def _frames(count: int) -> list[tuple[np.ndarray, str]]:
    rng = np.random.default_rng(2024)
    frames = []
    for i in range(count):
        code = f"U460001-{i:05d}"
        shot = Shot(
            scale=float(rng.uniform(0.6, 1.2)),
            angle=float(rng.uniform(-25, 25)),
            tilt=float(rng.uniform(0, 0.1)),
            blur=float(rng.uniform(0, 1.0)),
            noise=float(rng.uniform(0, 6)),
            contrast=float(rng.uniform(0.6, 1.0)),
        )
        frame, _ = photograph(label_card_image(code), shot, rng)
        frames.append((frame, encode_label(code)))
    return frames


def bench_frames(count: int) -> dict[str, float]:
    frames = _frames(count)
    out: dict[str, float] = {}
    for workers in (1, 2):
        start = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            found = list(pool.map(lambda f: f[1] in decode_image(f[0]).texts, frames))
        out[f"fps_{workers}thread"] = len(frames) / (time.perf_counter() - start)
        out["frames_read"] = sum(found) / len(frames)
    start = time.perf_counter()
    zx = [f[1] in {r.text for r in engines.read_zxing(f[0])} for f in frames]
    out["zxingcpp_alone_fps_1thread"] = len(frames) / (time.perf_counter() - start)
    out["zxingcpp_alone_frames_read"] = sum(zx) / len(frames)
    return out


def _print_table(title: str, photos: dict[str, dict[str, dict[str, float]]]) -> None:
    folders = [f for f in photos["ours"] if f != "total"] + ["total"]
    print(title)
    print(f"{'folder':<12}" + "".join(f"{n:>24}" for n in photos))
    print(f"{'':<12}" + "".join(f"{'rate misread ms/img':>24}" for _ in photos))
    for folder in folders:
        cells = []
        for name in photos:
            r = photos[name][folder]
            cells.append(
                f"{r['read'] / r['images']:>10.3f}{int(r['misreads']):>6d}"
                f"{r['ms'] / r['images']:>8.1f}"
            )
        print(f"{folder:<12}" + "".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of the photos, 20 frames")
    args = parser.parse_args()
    if not CODES_DIR.is_dir():
        raise SystemExit(f"test data missing: {CODES_DIR}")
    cv2.setNumThreads(1)  # one decode per thread: threads are ours to spread
    load_before = os.getloadavg()[0]
    photos = bench_photos(args.quick)
    _print_table("photos as they are (240-640 px)", photos)
    large = bench_photos(args.quick, scale=4, names=LARGE_DECODERS)
    _print_table("the same photos enlarged 4x (phone-sized, 960-2560 px)", large)
    frames = bench_frames(20 if args.quick else 120)
    print(
        f"1080p frames with one label: read {frames['frames_read']:.3f}, "
        f"{frames['fps_1thread']:.1f} fps on 1 thread, {frames['fps_2thread']:.1f} fps on 2; "
        f"zxing-cpp alone {frames['zxingcpp_alone_fps_1thread']:.1f} fps, "
        f"read {frames['zxingcpp_alone_frames_read']:.3f}"
    )
    total = {name: photos[name]["total"] for name in DECODERS}
    summary: dict[str, object] = {}
    for name in DECODERS:
        summary[f"{name}_rate"] = round(total[name]["read"] / total[name]["images"], 4)
    for name in DECODERS:
        summary[f"{name}_misreads"] = int(total[name]["misreads"])
    for name in DECODERS:
        summary[f"{name}_ms_per_image"] = round(total[name]["ms"] / total[name]["images"], 1)
    for name in LARGE_DECODERS:
        big = large[name]["total"]
        summary[f"{name}_rate_x4"] = round(big["read"] / big["images"], 4)
        summary[f"{name}_misreads_x4"] = int(big["misreads"])
    summary.update(
        {
            "images": int(total["ours"]["images"]),
            "fps_1080p": round(frames["fps_2thread"], 1),
            "fps_1080p_1thread": round(frames["fps_1thread"], 1),
            "frames_1080p_read": round(frames["frames_read"], 4),
            "cpus": os.cpu_count(),
            "loadavg_at_start": round(load_before, 2),
            "quick": args.quick,
        }
    )
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
