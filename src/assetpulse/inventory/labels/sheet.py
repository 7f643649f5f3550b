"""Printable label sheets (资产标签打印): A4 PDF pages of asset labels.

Each label (99 × 38 mm, 2 × 7 per page — the common "L7163" adhesive sheet) shows the QR
code and a Code 128 barcode of the label payload (see ``payload``), the asset name in
Chinese, and the asset code in plain text. QR modules and bars are drawn as vector
rectangles, so they print sharp at any printer resolution.

The Chinese name needs a CJK font: Noto Sans CJK (Debian ``fonts-noto-cjk``) is looked up
at run time; without it ``LabelFontMissing`` says what to install.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import segno
import zxingcpp
from fpdf import FPDF

from assetpulse.errors import ErrorKind
from assetpulse.inventory.labels.payload import LabelError, encode_label

# Label geometry in mm (A4 portrait, 2 columns × 7 rows).
PAGE_W, PAGE_H = 210.0, 297.0
COLS, ROWS = 2, 7
LABEL_W, LABEL_H = 99.1, 38.1
MARGIN_X = (PAGE_W - COLS * LABEL_W - 2.5) / 2
MARGIN_Y = (PAGE_H - ROWS * LABEL_H) / 2
GAP_X = 2.5
LABELS_PER_PAGE = COLS * ROWS
QR_SIZE = 30.0  # including the 4-module quiet zone segno adds
PAD = 3.0

FONT_ENV = "ASSETPULSE_LABEL_FONT"
_FONT_GLOBS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/**/NotoSansCJK*-Regular.ttc",
    "/usr/share/fonts/**/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/**/NotoSansSC-Regular.*",
    "/usr/local/share/fonts/**/NotoSans*CJK*.tt[cf]",
)
_SC_INDEX_IN_TTC = 2  # Noto Sans CJK collections: JP, KR, SC, TC, HK, ...


@dataclass(frozen=True, slots=True)
class LabelInfo:
    """What one label shows: the asset code (资产编码) and name (资产名称), optionally a
    second line such as the department or location."""

    asset_code: str
    name: str
    note: str = ""


def find_cjk_font() -> Path:
    """Path of a Noto Sans CJK font (``ASSETPULSE_LABEL_FONT`` overrides the search)."""
    override = os.environ.get(FONT_ENV)
    if override:
        if Path(override).is_file():
            return Path(override)
        raise _font_missing(override)
    for pattern in _FONT_GLOBS:
        for match in sorted(glob.glob(pattern, recursive=True)):
            return Path(match)
    raise _font_missing("")


def _font_missing(path: str) -> LabelError:
    return LabelError(
        "LABEL_FONT_MISSING",
        "找不到中文字体，无法打印标签：请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk），"
        f"或用环境变量 {FONT_ENV} 指定字体文件路径。",
        kind=ErrorKind.UNAVAILABLE,
        path=path,
    )


def code128_modules(text: str) -> list[tuple[int, int]]:
    """Bars of the Code 128 symbol of ``text`` as (start module, width) runs."""
    image = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.Code128).to_image(
        scale=1, add_quiet_zones=False
    )
    row = np.asarray(image)[0].tolist()
    bars: list[tuple[int, int]] = []
    start = None
    for i, value in enumerate([*row, 255]):
        dark = value < 128
        if dark and start is None:
            start = i
        elif not dark and start is not None:
            bars.append((start, i - start))
            start = None
    return bars


# Rows drawn as separate rectangles leave hairline seams when rasterised with
# anti-aliasing, which break finder patterns; overlapping rows by a hair closes them.
_SEAM = 0.02  # mm, 2-3 % of a module


def _draw_qr(pdf: FPDF, payload: str, x: float, y: float, size: float) -> None:
    qr = segno.make(payload, error="m", micro=False)
    matrix = qr.matrix
    n = len(matrix) + 8  # 4-module quiet zone on each side
    module = size / n
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                pdf.rect(
                    x + (start + 4) * module,
                    y + (r + 4) * module,
                    (c - start) * module,
                    module + _SEAM,
                    style="F",
                )
            else:
                c += 1


def _draw_code128(pdf: FPDF, payload: str, x: float, y: float, w: float, h: float) -> None:
    bars = code128_modules(payload)
    total = max(s + n for s, n in bars)
    module = w / total
    for start, width in bars:
        pdf.rect(x + start * module, y, width * module, h, style="F")


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut (with an ellipsis) to fit ``width`` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def label_sheet_pdf(labels: Sequence[LabelInfo], *, font_path: Path | None = None) -> bytes:
    """A4 PDF with one label per entry, 14 per page, in the given order.

    Raises ``InvalidAssetCodeError`` (a LabelError) for a bad asset code, before drawing
    anything, and ``LabelError`` LABEL_FONT_MISSING without a CJK font.
    """
    payloads = [encode_label(label.asset_code) for label in labels]
    font = font_path or find_cjk_font()
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_creator("AssetPulse")
    pdf.set_title("资产标签")
    index = _SC_INDEX_IN_TTC if font.suffix.lower() == ".ttc" else 0
    pdf.add_font("cjk", "", str(font), collection_font_number=index)
    pdf.set_fill_color(0, 0, 0)
    if not labels:
        pdf.add_page()
    for i, (label, payload) in enumerate(zip(labels, payloads, strict=True)):
        slot = i % LABELS_PER_PAGE
        if slot == 0:
            pdf.add_page()
        col, row = slot % COLS, slot // COLS
        x = MARGIN_X + col * (LABEL_W + GAP_X)
        y = MARGIN_Y + row * LABEL_H
        _draw_label(pdf, label, payload, x, y)
    return bytes(pdf.output())


def _draw_label(pdf: FPDF, label: LabelInfo, payload: str, x: float, y: float) -> None:
    qr_y = y + (LABEL_H - QR_SIZE) / 2
    _draw_qr(pdf, payload, x + 1.0, qr_y, QR_SIZE)
    text_x = x + QR_SIZE + 2.0
    text_w = LABEL_W - QR_SIZE - 2.0 - PAD
    pdf.set_font("cjk", size=10)
    pdf.set_xy(text_x, y + PAD)
    pdf.cell(text_w, 5, _fit(pdf, label.name, text_w))
    pdf.set_font("cjk", size=7)
    if label.note:
        pdf.set_xy(text_x, y + PAD + 5)
        pdf.cell(text_w, 4, _fit(pdf, label.note, text_w))
    pdf.set_xy(text_x, y + PAD + 9)
    pdf.cell(text_w, 4, label.asset_code)
    # Code 128 across the text column, with a 2.5 mm quiet zone left and right
    _draw_code128(pdf, payload, text_x + 2.5, y + PAD + 14, text_w - 5.0, LABEL_H - 2 * PAD - 14)
