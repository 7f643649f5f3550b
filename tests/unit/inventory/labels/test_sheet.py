"""Label sheets: a valid A4 PDF, 14 labels a page, whose printed codes scan back."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from assetpulse.inventory.labels import InvalidAssetCodeError, LabelError, encode_label
from assetpulse.inventory.labels.sheet import LABELS_PER_PAGE, LabelInfo, label_sheet_pdf
from assetpulse.inventory.scanning import decode_image


def _render(pdf: bytes, tmp_path: Path, dpi: int = 150) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm missing: install poppler-utils (make apt)")
    path = tmp_path / "sheet.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(path), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    return sorted(tmp_path.glob("page-*.png"))


def test_label_sheet_pdf_when_printed_and_scanned_then_every_label_decodes(tmp_path) -> None:
    codes = [f"HD-2024-{i:04d}" for i in range(LABELS_PER_PAGE + 3)]
    labels = [
        LabelInfo(code, f"联想台式计算机 ThinkCentre 第{i}台", "信息学院 / 201 室")
        for i, code in enumerate(codes)
    ]
    pdf = label_sheet_pdf(labels)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    pages = _render(pdf, tmp_path, dpi=300)
    assert len(pages) == 2
    seen: Counter[tuple[str, str]] = Counter()
    for page in pages:
        for code in decode_image(page.read_bytes(), budget_s=None).codes:
            seen[(code.text, code.symbology)] += 1
    expected = {encode_label(code) for code in codes}
    assert {text for text, sym in seen if sym == "qrcode"} == expected
    assert {text for text, sym in seen if sym == "code128"} == expected
    assert set(seen.values()) == {1}


def test_label_sheet_pdf_when_name_is_chinese_then_cjk_font_embedded() -> None:
    pdf = label_sheet_pdf([LabelInfo("HD-2024-0001", "投影仪")])
    assert b"FontFile2" in pdf or b"FontFile3" in pdf
    assert b"NotoSansCJK" in pdf or b"Noto" in pdf


def test_label_sheet_pdf_when_bad_asset_code_then_rejected_before_drawing() -> None:
    with pytest.raises(InvalidAssetCodeError) as caught:
        label_sheet_pdf([LabelInfo("HD-2024-0001", "投影仪"), LabelInfo("hd 1", "坏编码")])
    assert caught.value.code == "LABEL_BAD_ASSET_CODE"


def test_label_sheet_pdf_when_font_missing_then_clear_error(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("ASSETPULSE_LABEL_FONT", str(tmp_path / "none.ttc"))
    with pytest.raises(LabelError) as caught:
        label_sheet_pdf([LabelInfo("HD-2024-0001", "投影仪")])
    assert caught.value.code == "LABEL_FONT_MISSING"
    assert "fonts-noto-cjk" in caught.value.message


def test_label_sheet_pdf_when_longest_asset_code_then_both_codes_still_scan(tmp_path) -> None:
    code = "U460001-" + "9" * 32
    pdf = label_sheet_pdf([LabelInfo(code, "很长很长的资产名称" * 6)])
    (page,) = _render(pdf, tmp_path, dpi=300)
    found = {(c.text, c.symbology) for c in decode_image(page.read_bytes(), budget_s=None).codes}
    assert found == {(encode_label(code), "qrcode"), (encode_label(code), "code128")}
