"""Reading a register file into rows: XLSX (openpyxl) or CSV (UTF-8 with or without BOM,
GBK/GB18030 as older Chinese office software writes it).

Bounded whatever the file says: a few kilobytes of XLSX can declare a sheet of 16,384
columns × 20,000 rows (one cell at XFD20000), and a reader that pads every row to the
declared width builds 300 million cells. So the declared dimension is checked first, rows
are streamed (openpyxl's read-only mode) and cut at ``MAX_ROWS`` + 1 and ``MAX_COLUMNS``,
and anything beyond either limit is refused, never silently dropped.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from openpyxl import load_workbook

MAX_ROWS = 20000
MAX_COLUMNS = 200  # a register has ~40 columns; room for notes, not for a bomb


class UnreadableFileError(ValueError):
    """The file is no XLSX or CSV we can read; the message is for the user."""


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFileError("CSV 文件编码无法识别，请另存为 UTF-8 或 GBK 编码。")


def _too_many_rows() -> UnreadableFileError:
    return UnreadableFileError(f"一次最多导入 {MAX_ROWS} 行，请分批导入。")


def _too_many_columns() -> UnreadableFileError:
    return UnreadableFileError(f"表格最多 {MAX_COLUMNS} 列，请删除多余的列后重新导入。")


def _bounded(rows: Iterator[Sequence[Any]]) -> list[list[Any]]:
    """At most MAX_ROWS + 1 rows (heading and data) of at most MAX_COLUMNS cells, without
    the empty cells a reader pads rows with; rows stream in, so a refused file costs no
    more than the limit."""
    out: list[list[Any]] = []
    for row in rows:
        if len(out) > MAX_ROWS:
            raise _too_many_rows()
        cells = list(row)
        while cells and cells[-1] is None:
            cells.pop()
        if len(cells) > MAX_COLUMNS:
            raise _too_many_columns()
        out.append(cells)
    return out


def _read_xlsx(data: bytes) -> list[list[Any]]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFileError("XLSX 文件已损坏或不是 Excel 2007+ 格式。") from exc
    try:
        ws = wb.worksheets[0]
        # the <dimension> the file declares (None when it declares none)
        if (ws.max_row or 0) > MAX_ROWS + 1:
            raise _too_many_rows()
        if (ws.max_column or 0) > MAX_COLUMNS:
            raise _too_many_columns()
        # one row past the limit, to tell "over" from "exactly at"; as wide as declared
        # (rows are padded to that width), else one column past the limit. Cells right of
        # that are not even looked at: only columns under a known heading are imported,
        # and a register has ~40 of them.
        width = ws.max_column or MAX_COLUMNS + 1
        return _bounded(ws.iter_rows(max_row=MAX_ROWS + 2, max_col=width, values_only=True))
    except UnreadableFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:  # a broken sheet part
        raise UnreadableFileError("XLSX 文件已损坏或不是 Excel 2007+ 格式。") from exc
    finally:
        wb.close()


def read_table(data: bytes) -> list[list[Any]]:
    """All rows (heading first) of the first sheet or of the CSV. CPU-bound (up to seconds
    for 20,000 rows): callers on an event loop run it in a worker thread."""
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return _bounded(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        raise UnreadableFileError(f"CSV 文件格式有误：{exc}") from exc


def data_rows(
    rows: list[list[Any]], columns: dict[int, str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(sheet row number, field → value) for each non-blank row after the heading."""
    for offset, row in enumerate(rows[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        yield offset, {f: row[i] if i < len(row) else None for i, f in columns.items()}
