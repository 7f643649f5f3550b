"""Formula-like text in exports stays text (issue 14, point 4); times are Beijing time and
file names Chinese (issue 18, point 9)."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook, load_workbook

from assetpulse.export_cells import (
    append_row,
    beijing_text,
    beijing_time,
    content_disposition,
    csv_cell,
)

DANGEROUS = ['=HYPERLINK("http://x.invalid","点我")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_csv_cell_when_text_starts_like_a_formula_then_apostrophe_prefixed(text: str) -> None:
    assert csv_cell(text) == "'" + text


def test_csv_cell_when_plain_text_or_number_then_unchanged() -> None:
    assert csv_cell("台式计算机 = 2 台") == "台式计算机 = 2 台"
    assert csv_cell(-5) == -5
    assert csv_cell(None) == ""


def test_xlsx_row_when_text_starts_like_a_formula_then_stored_as_text() -> None:
    wb = Workbook()
    append_row(wb.active, [*DANGEROUS, -5, "普通"])
    buf = io.BytesIO()
    wb.save(buf)
    row = next(load_workbook(io.BytesIO(buf.getvalue())).active.iter_rows())
    for cell, text in zip(row, DANGEROUS, strict=False):
        assert cell.data_type == "s", text
        assert cell.value.lstrip() == text.lstrip()  # XML reads a lone CR back as LF
        assert cell.quotePrefix
    assert row[len(DANGEROUS)].value == -5
    assert row[len(DANGEROUS)].data_type == "n"
    assert row[len(DANGEROUS) + 1].value == "普通"


def test_export_time_when_utc_then_beijing_wall_clock() -> None:
    late = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # already 1 December in Beijing
    assert beijing_time(late) == datetime(2026, 12, 1, 1, 30)
    assert beijing_time("2026-11-30T17:30:00+00:00") == datetime(2026, 12, 1, 1, 30)
    assert beijing_text(late) == "2026-12-01 01:30:00"
    assert (beijing_time(None), beijing_text(None)) == (None, "")


def test_content_disposition_when_chinese_name_then_rfc5987_with_ascii_fallback() -> None:
    header = content_disposition("盘点报告 7.xlsx", "stocktake-7.xlsx")
    assert header == (
        'attachment; filename="stocktake-7.xlsx"; '
        "filename*=UTF-8''%E7%9B%98%E7%82%B9%E6%8A%A5%E5%91%8A%207.xlsx"
    )
    assert content_disposition("资产标签.pdf", "labels.pdf", inline=True).startswith("inline;")
