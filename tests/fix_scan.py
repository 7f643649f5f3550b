"""Fixtures of the scanning tests: the photographed codes in ``../shared/data/codes``.

That folder is a subset of the ZXing project's blackbox test images (Apache-2.0, ZXing
authors; see its README.md). It is read in place, never copied into the repository.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

CODES_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "codes"

# Frames that hold a second, real code besides the one the truth file names: the printed
# human-readable text under each second barcode says what it holds.
EXTRA_CODES: dict[str, frozenset[str]] = {
    "code39-3/02.png": frozenset({"001EC947D49B"}),
    "code39-3/08.png": frozenset({"001EC9476B0A"}),
}


@dataclass(frozen=True)
class CodeSample:
    key: str  # "folder/name.png"
    path: Path
    truth: str
    extra: frozenset[str]


def code_samples(folder: str) -> list[CodeSample]:
    samples = []
    for image in sorted((CODES_DIR / folder).glob("*.png")):
        key = f"{folder}/{image.name}"
        # newline="" keeps CRLF: the truth is the exact payload
        with image.with_suffix(".txt").open(encoding="utf-8", newline="") as f:
            truth = f.read()
        samples.append(CodeSample(key, image, truth, EXTRA_CODES.get(key, frozenset())))
    return samples


def code_folders() -> list[str]:
    if not CODES_DIR.is_dir():
        return []
    return sorted(p.name for p in CODES_DIR.iterdir() if p.is_dir())


@pytest.fixture(scope="session")
def codes_dir() -> Path:
    if not CODES_DIR.is_dir():
        pytest.fail(f"shared test data missing: {CODES_DIR}")
    return CODES_DIR
