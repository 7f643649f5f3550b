"""Cells of every CSV and XLSX export, safe to open in a spreadsheet (pure).

A text from one unit (a card name, a location) ends up in another unit's spreadsheet; one
that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which Excel
skips before looking) is taken for a formula: ``=HYPERLINK(...)`` becomes a live link,
``=cmd|...`` a DDE call (OWASP "CSV injection"). Such a text is written as text:

- CSV: prefixed with an apostrophe, which spreadsheets read as "this is text";
- XLSX: stored as a string cell with Excel's quote prefix, so it shows exactly as typed
  and stays text when the cell is edited (openpyxl would otherwise store a formula).

Numbers, dates and other non-text values are written as they are; a moment in time is
written in Beijing time (Asia/Shanghai), as the pages show it, since a spreadsheet cell
has no time zone. ``content_disposition`` gives every download its Chinese file name
(RFC 6266 with RFC 5987 ``filename*``) and an ASCII one for clients that ignore it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BEIJING = ZoneInfo("Asia/Shanghai")


def beijing_time(value: datetime | str | None) -> datetime | None:
    """A moment (aware datetime or ISO text with an offset) as Beijing wall-clock time
    without a zone, the form an XLSX cell holds; a naive datetime is taken as UTC (what
    the database hands out when it has lost the zone)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    return moment.astimezone(BEIJING).replace(tzinfo=None)


def beijing_text(value: datetime | str | None) -> str:
    """The same moment as ``YYYY-MM-DD HH:MM:SS`` (北京时间) for CSV."""
    local = beijing_time(value)
    return "" if local is None else local.strftime("%Y-%m-%d %H:%M:%S")


def content_disposition(name: str, ascii_name: str, *, inline: bool = False) -> str:
    """``attachment; filename="ascii"; filename*=UTF-8''<name percent-encoded>``."""
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


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
