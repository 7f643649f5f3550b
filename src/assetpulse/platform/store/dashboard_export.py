"""导出数据看板: the summary, the monthly trend and the lists behind it in one XLSX.

Lists can be long (a province's idle cards, its completed listings), so the workbook is
written in openpyxl's write-only mode, row by row from server-side cursors, each list
capped at ``ROWS_MAX`` (newest first; the sheet says when it was cut); text from other
units is stored as text, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from psycopg import AsyncConnection

from assetpulse.export_cells import beijing_time, is_formula_like
from assetpulse.org.principal import Principal
from assetpulse.platform import dashboard
from assetpulse.platform.store import dashboard as store

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS_MAX = 50_000  # per list: a bigger one is an audit extract, not a dashboard export
CUT = f"（仅导出最新的 {ROWS_MAX} 行，请在明细页面按条件查询其余部分）"
KIND_TEXT = {"adjust": "调剂", "share": "共享", "demand": "需求"}
STATE_TEXT = {"listed": "上架", "done": "已登记结果", "delisted": "下架", "withdrawn": "已撤回"}
CARD_COLUMNS = (
    ("asset_code", "资产编号"), ("name", "资产名称"), ("category_code", "资产分类代码"),
    ("unit_name", "所属单位"), ("status_text", "资产状态"), ("original_value", "原值（元）"),
    ("net_value", "净值（元）"), ("location", "存放地点"), ("evidence_zh", "监测依据"),
)  # fmt: skip
DONE_COLUMNS = (
    ("kind_text", "类型"), ("name", "资产名称"), ("asset_code", "资产编号"),
    ("unit_name", "发布单位"), ("counterpart_unit_name", "接收方 / 提供方"),
    ("listed_at", "发布时间（北京时间）"), ("done_at", "登记结果时间（北京时间）"),
    ("original_value", "原值（元）"), ("compensation_yuan", "共享补偿（元）"),
)  # fmt: skip


def _value(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return beijing_time(v)
    if isinstance(v, Decimal):
        return float(v)
    return v


def _row(ws: WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    cells: list[Any] = []
    for v in values:
        if is_formula_like(v):  # text from another unit stays text, never a formula
            cell = WriteOnlyCell(ws, value=v)
            cell.data_type = "s"
            cell.quotePrefix = True
            cells.append(cell)
        else:  # plain values: a cell object each would cost more than the writing
            cells.append(_value(v))
    ws.append(cells)


def _pct(r: float | None) -> str:
    return "—" if r is None else f"{r:.1%}"


async def workbook(conn: AsyncConnection[Any], p: Principal, months: int) -> bytes:
    s = await store.summary(conn, p, months)
    scope = await store.scope_of(conn, p)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("概览")
    o, idle, sensors = s["outcomes"], s["idle"], s["sensors"]
    for label, value in (
        ("数据范围", s["scope"]["label"]),
        ("生成时间（北京时间）", s["generated_at"]),
        ("闲置资产（张）", idle["idle_cards"]),
        ("闲置资产账面价值（元）", idle["idle_book_value"]),
        ("待处置资产（张）", idle["pending_disposal_cards"]),
        ("监测判定闲置（张）", idle["suggested_idle_cards"]),
        ("监测判定低效使用（张）", idle["under_used_cards"]),
        ("低效使用资产账面价值（元）", idle["under_used_book_value"]),
        ("已调剂（项）", o["adjust_done"]),
        ("已共享（项）", o["share_done"]),
        ("已满足需求（项）", o["demand_done"]),
        ("节约资金（再利用资产原值，元）", o["yuan_saved"]),
        ("共享补偿合计（元）", o["compensation_yuan"]),
        ("调剂完成率", _pct(o["reuse_rate"])),
        ("共享完成率", _pct(o["share_rate"])),
        ("需求满足率", _pct(o["demand_fulfilment"])),
        ("传感器覆盖率", _pct(sensors["coverage"])),
    ):
        _row(ws, (label, value))
    _row(ws, ())
    _row(ws, ("类型", *[STATE_TEXT[x] for x in dashboard.STATES], *dashboard.AGE_LABELS))
    for kind in dashboard.KINDS:
        counts = s["listings"]["by_state"][kind]
        _row(ws, (KIND_TEXT[kind], *[counts[x] for x in dashboard.STATES],
                  *s["listings"]["age"][kind]))  # fmt: skip
    ws = wb.create_sheet("月度趋势")
    _row(ws, ("月份", *[f"发布{KIND_TEXT[k]}" for k in dashboard.KINDS],
              *[f"完成{KIND_TEXT[k]}" for k in dashboard.KINDS], "节约资金（元）"))  # fmt: skip
    for m in s["trend"]:
        _row(ws, (m["month"], *[m["published"][k] for k in dashboard.KINDS],
                  *[m["done"][k] for k in dashboard.KINDS], m["yuan_saved"]))  # fmt: skip
    async with conn.transaction():  # server-side cursors live in a transaction
        await conn.execute("set local jit = off")
        for title, what in (("闲置资产", "idle"), ("低效使用资产", "under_used")):
            ws = wb.create_sheet(title)
            _row(ws, [label for _, label in CARD_COLUMNS])
            n = 0
            async for r in store.stream_rows(conn, scope, what, "adjust", "listed", ROWS_MAX):
                _row(ws, [r.get(k) for k, _ in CARD_COLUMNS])
                n += 1
            if n == ROWS_MAX:
                _row(ws, (CUT,))
        ws = wb.create_sheet("已完成调剂共享")
        _row(ws, [label for _, label in DONE_COLUMNS])
        for kind in ("adjust", "share"):
            n = 0
            async for r in store.stream_rows(conn, scope, "listings", kind, "done", ROWS_MAX):
                r["kind_text"] = KIND_TEXT[kind]
                _row(ws, [r.get(k) for k, _ in DONE_COLUMNS])
                n += 1
            if n == ROWS_MAX:
                _row(ws, (f"{KIND_TEXT[kind]}{CUT}",))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
