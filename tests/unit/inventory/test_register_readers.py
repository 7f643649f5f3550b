"""Register files are read within bounds whatever they declare (issue 14, point 3)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from assetpulse.inventory.register.readers import (
    MAX_COLUMNS,
    MAX_ROWS,
    UnreadableFileError,
    read_table,
)

HEADINGS = ["资产编号", "资产名称", "资产分类代码"]


def _xlsx(cells: dict[str, str], *, declare_dimension: bool = True) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADINGS)
    ws.append(["ZC-0001", "台式机", "A02010105"])
    for ref, value in cells.items():
        ws[ref] = value
    buf = io.BytesIO()
    wb.save(buf)
    if declare_dimension:
        return buf.getvalue()
    out = io.BytesIO()  # the same workbook without <dimension>: only streaming bounds it
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb"<dimension [^>]*/>", b"", body)
            dst.writestr(item, body)
    return out.getvalue()


def test_read_table_when_one_cell_declares_xfd20000_then_refused_small() -> None:
    bomb = _xlsx({"XFD20000": "x"})
    assert len(bomb) < 10_000
    with pytest.raises(UnreadableFileError, match=f"最多 {MAX_COLUMNS} 列"):
        read_table(bomb)


def test_read_table_when_no_declared_dimension_then_rows_and_columns_still_bounded() -> None:
    with pytest.raises(UnreadableFileError, match=f"最多 {MAX_COLUMNS} 列"):
        read_table(_xlsx({f"{get_column_letter(MAX_COLUMNS + 1)}3": "x"}, declare_dimension=False))
    with pytest.raises(UnreadableFileError, match=f"最多导入 {MAX_ROWS} 行"):
        read_table(_xlsx({"A1048576": "x"}, declare_dimension=False))
    # the bomb's far cell is never expanded: only the columns within the limit are read
    rows = read_table(_xlsx({f"XFD{i}": "x" for i in range(3, 2000)}, declare_dimension=False))
    assert rows[:2] == [HEADINGS, ["ZC-0001", "台式机", "A02010105"]]
    assert all(r == [] for r in rows[2:])


def test_read_table_when_declared_rows_over_limit_then_refused() -> None:
    with pytest.raises(UnreadableFileError, match=f"最多导入 {MAX_ROWS} 行"):
        read_table(_xlsx({f"A{MAX_ROWS + 2}": "x"}))


def test_read_table_when_within_limits_then_rows_as_written() -> None:
    rows = read_table(_xlsx({}, declare_dimension=False))
    assert rows == [HEADINGS, ["ZC-0001", "台式机", "A02010105"]]


def test_read_table_when_csv_too_wide_or_long_then_refused() -> None:
    wide = ",".join(["x"] * (MAX_COLUMNS + 1)).encode()
    with pytest.raises(UnreadableFileError, match="列"):
        read_table(b"a,b,c\n" + wide)
    long = b"a,b,c\n" + b"1,2,3\n" * (MAX_ROWS + 1)
    with pytest.raises(UnreadableFileError, match="行"):
        read_table(long)
