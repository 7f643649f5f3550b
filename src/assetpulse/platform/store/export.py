"""Export of chosen plaza rows (导出): XLSX with openpyxl, or CSV with a BOM for Excel;
times in Beijing time, as the pages show them."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from openpyxl import Workbook

from assetpulse.export_cells import append_row, beijing_text, beijing_time, csv_cell

COLUMNS = (
    ("name", "资产名称"),
    ("asset_code", "资产编号"),
    ("category_code", "资产分类代码"),
    ("category_name", "资产分类"),
    ("region_code", "财政区划代码"),
    ("region_name", "财政区划"),
    ("unit_name", "所属单位"),
    ("quantity", "资产数量"),
    ("area", "面积"),
    ("measure_unit", "计量单位"),
    ("kind_state_text", "状态"),
    ("review_code_text", "调剂共享审核状态"),
    ("listed_at", "发布时间（北京时间）"),
)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return beijing_time(value)
    return value


def _csv(value: Any) -> Any:
    return beijing_text(value) if isinstance(value, datetime) else csv_cell(value)


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "导出资产"
    ws.append([label for _, label in COLUMNS])
    for r in rows:
        append_row(ws, [_cell(r.get(k)) for k, _ in COLUMNS])  # text from other units
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([label for _, label in COLUMNS])
    for r in rows:
        writer.writerow([_csv(r.get(k)) for k, _ in COLUMNS])  # text from other units
    return "\ufeff".encode() + buf.getvalue().encode("utf-8")
