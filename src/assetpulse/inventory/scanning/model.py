"""What a scan (扫码) reports: the codes found in one image, with symbology and position.

Pure: no I/O, no image libraries. Points are (x, y) pixel coordinates in the original
image as displayed (a JPEG's EXIF orientation applied), in the order the decoder gives them
(for 2D codes the four corners; for 1D codes the corners of the bar area or the ends of the
scan line).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

Point = tuple[int, int]


class Symbology(StrEnum):
    """The symbologies the scanner reports (码制); values are stable and appear in JSON."""

    QR = "qrcode"
    CODE128 = "code128"
    CODE39 = "code39"
    EAN13 = "ean13"
    EAN8 = "ean8"
    ITF = "itf"


@dataclass(frozen=True, slots=True)
class DecodedCode:
    """One code read in an image (识别出的一个码)."""

    text: str
    symbology: str
    points: tuple[Point, ...]

    def as_json(self) -> dict[str, object]:
        return {
            "text": self.text,
            "symbology": self.symbology,
            "points": [[x, y] for x, y in self.points],
        }


@dataclass(frozen=True, slots=True)
class ScanResult:
    """Every code read in one image; empty when none could be read with confidence."""

    codes: tuple[DecodedCode, ...]
    width: int
    height: int

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(code.text for code in self.codes)
