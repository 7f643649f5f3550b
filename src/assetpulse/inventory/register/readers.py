"""Reading a register file into rows: XLSX (openpyxl) or CSV (UTF-8 with or without BOM,
GBK/GB18030 as older Chinese office software writes it)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import Any

from openpyxl import load_workbook

MAX_ROWS = 20000


class UnreadableFileError(ValueError):
    """The file is no XLSX or CSV we can read; the message is for the user."""


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFileError("CSV 文件编码无法识别，请另存为 UTF-8 或 GBK 编码。")


def read_table(data: bytes) -> list[list[Any]]:
    """All rows (heading first) of the first sheet or of the CSV."""
    if data[:4] == b"PK\x03\x04":
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise UnreadableFileError("XLSX 文件已损坏或不是 Excel 2007+ 格式。") from exc
        ws = wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
    else:
        text = _decode(data)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    if len(rows) > MAX_ROWS + 1:
        raise UnreadableFileError(f"一次最多导入 {MAX_ROWS} 行，请分批导入。")
    return rows


def data_rows(
    rows: list[list[Any]], columns: dict[int, str]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(sheet row number, field → value) for each non-blank row after the heading."""
    for offset, row in enumerate(rows[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        yield offset, {f: row[i] if i < len(row) else None for i, f in columns.items()}
