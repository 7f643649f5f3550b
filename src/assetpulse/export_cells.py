"""Cells of every CSV and XLSX export, safe to open in a spreadsheet (pure).

A text from one unit (a card name, a location) ends up in another unit's spreadsheet; one
that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which Excel
skips before looking) is taken for a formula: ``=HYPERLINK(...)`` becomes a live link,
``=cmd|...`` a DDE call (OWASP "CSV injection"). Such a text is written as text:

- CSV: prefixed with an apostrophe, which spreadsheets read as "this is text";
- XLSX: stored as a string cell with Excel's quote prefix, so it shows exactly as typed
  and stays text when the cell is edited (openpyxl would otherwise store a formula).

Numbers, dates and other non-text values are written as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """The value for ``csv.writer``: ``None`` as empty, formula-like text as text."""
    if value is None:
        return ""
    if is_formula_like(value):
        return "'" + value
    return value


def append_row(ws: Worksheet, values: Iterable[Any]) -> None:
    """``ws.append(values)`` with every formula-like text stored as plain text."""
    ws.append(list(values))
    for cell in ws[ws.max_row]:
        if is_formula_like(cell.value):
            cell.data_type = "s"
            cell.quotePrefix = True
