"""Formula-like text in exports stays text (issue 14, point 4)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from assetpulse.export_cells import append_row, csv_cell

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
