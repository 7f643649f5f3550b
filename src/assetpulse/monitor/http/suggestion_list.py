"""The suggestion list a reviewer works through at hundreds of assets (资产动态监管): filters
(unit, department, category, verdict, score, keyword), a sort from a fixed set, one page
with the total and the count per verdict, and the same selection as an XLSX export.

Who sees which suggestions is the monitor's read scope (``actions``): a unit's users their
own unit's cards they may read, finance and competent departments every unit their card
scope covers. The ORDER BY is composed from the fixed ``SORTS`` table only."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from assetpulse.export_cells import is_formula_like
from assetpulse.inventory.cards import CARD_READ_SCOPE, scope_params
from assetpulse.monitor.http.actions import SUGGESTION_COLUMNS, reads_many_units
from assetpulse.org.principal import Principal
from assetpulse.org.scope import card_read_scope

Sort = Literal[
    "score", "created_at", "card_name", "asset_code", "unit", "department", "category", "verdict"
]
SORTS: dict[str, str] = {
    "score": "s.score",
    "created_at": "s.created_at",
    "card_name": "c.name",
    "asset_code": "c.asset_code",
    "unit": "u.name",
    "department": "d.name",
    "category": "c.category_code",
    "verdict": "s.verdict",
}
EXPORT_MAX_ROWS = 5000
BEIJING = ZoneInfo("Asia/Shanghai")

# Every filter is optional: a NULL parameter switches it off.
SELECTION = f"""
from suggestions s join asset_cards c on c.id = s.card_id join units u on u.id = c.unit_id
left join units d on d.id = c.department_id
left join categories cat on cat.code = c.category_code
where (%(wide)s or s.unit_id = %(unit)s) and {CARD_READ_SCOPE}
  and (%(state)s::text is null or s.state = %(state)s
       or (%(state)s = 'done' and s.state <> 'new'))
  and (%(action)s::text is null or s.action = %(action)s)
  and (%(verdict)s::text is null or s.verdict = %(verdict)s)
  and (%(card)s::bigint is null or s.card_id = %(card)s)
  and (%(unit_filter)s::bigint is null or c.unit_id = %(unit_filter)s)
  and (%(department)s::bigint is null or c.department_id = %(department)s)
  and (%(category)s::text is null or c.category_code like %(category)s || '%%')
  and (%(min_score)s::real is null or s.score >= %(min_score)s)
  and (%(max_score)s::real is null or s.score <= %(max_score)s)
  and (%(keyword)s::text is null or strpos(c.name, %(keyword)s) > 0
       or strpos(c.asset_code, upper(%(keyword)s)) > 0)
"""
PAGE = (
    f"""
select {SUGGESTION_COLUMNS}, c.department_id, d.name as department_name,
       cat.name as category_name,
       count(*) over () as total,
       count(*) filter (where s.verdict = 'idle') over () as total_idle,
       count(*) filter (where s.verdict = 'under_used') over () as total_under_used
"""
    + SELECTION
    + "order by {order} {direction} nulls last, s.id {direction}\n"
    + "limit %(limit)s offset %(offset)s"
)
# an offset past the end still needs the totals
COUNTS = (
    """
select count(*) as total,
       count(*) filter (where s.verdict = 'idle') as total_idle,
       count(*) filter (where s.verdict = 'under_used') as total_under_used
"""
    + SELECTION
)


@dataclass(frozen=True, slots=True)
class SuggestionQuery:
    state: str | None = "new"
    action: str | None = None
    verdict: str | None = None
    card_id: int | None = None
    unit_id: int | None = None
    department_id: int | None = None
    category: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    keyword: str | None = None
    sort: Sort = "score"
    descending: bool = True
    limit: int = 50
    offset: int = 0


def _params(p: Principal, q: SuggestionQuery) -> dict[str, Any]:
    return scope_params(card_read_scope(p), p.user_id) | {
        "unit": p.unit_id,
        "wide": reads_many_units(p),
        "state": q.state,
        "action": q.action,
        "verdict": q.verdict,
        "card": q.card_id,
        "unit_filter": q.unit_id,
        "department": q.department_id,
        "category": q.category,
        "min_score": q.min_score,
        "max_score": q.max_score,
        "keyword": (q.keyword or "").strip() or None,
        "limit": q.limit,
        "offset": q.offset,
    }


def _page_sql(q: SuggestionQuery) -> sql.Composed:
    return sql.SQL(PAGE).format(
        order=sql.SQL(SORTS[q.sort]), direction=sql.SQL("desc" if q.descending else "asc")
    )


async def suggestion_page(
    conn: AsyncConnection[Any], p: Principal, q: SuggestionQuery
) -> dict[str, Any]:
    """One page of the selection: ``items``, ``total`` and ``by_verdict`` (all pages)."""
    cur = conn.cursor(row_factory=dict_row)
    params = _params(p, q)
    await cur.execute(_page_sql(q), params)
    rows = await cur.fetchall()
    if rows:
        head = rows[0]
        counts = {k: int(head[k]) for k in ("total", "total_idle", "total_under_used")}
    else:
        await cur.execute(COUNTS, params)
        one = await cur.fetchone()
        assert one is not None
        counts = {k: int(one[k]) for k in ("total", "total_idle", "total_under_used")}
    for r in rows:
        for k in ("total", "total_idle", "total_under_used"):
            del r[k]
    return {
        "items": rows,
        "total": counts["total"],
        "by_verdict": {"idle": counts["total_idle"], "under_used": counts["total_under_used"]},
        "limit": q.limit,
        "offset": q.offset,
    }


VERDICT_ZH = {"idle": "闲置", "under_used": "低效使用"}
ACTION_ZH = {"adjust": "建议调剂", "share": "建议共享"}
STATE_ZH = {"new": "待处理", "accepted": "已采纳", "dismissed": "已忽略", "superseded": "已失效"}
EXPORT_COLUMNS = (
    ("unit_name", "单位"),
    ("department_name", "使用部门"),
    ("asset_code", "资产编号"),
    ("card_name", "资产名称"),
    ("category_code", "资产分类代码"),
    ("category_name", "资产分类"),
    ("verdict", "判定"),
    ("action", "建议"),
    ("score", "评分"),
    ("evidence_zh", "判定依据"),
    ("rule", "规则"),
    ("window_from", "统计开始（北京时间）"),
    ("window_to", "统计结束（北京时间）"),
    ("state", "处理状态"),
    ("dismiss_reason", "忽略原因"),
    ("created_at", "生成时间（北京时间）"),
)


def _export_cell(key: str, value: Any, rule_names: dict[str, str]) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):  # the pages show Beijing time; so does the sheet
        return value.astimezone(BEIJING).replace(tzinfo=None)
    if key == "score":
        return round(float(value) * 100)
    if key == "rule":
        return rule_names.get(value, value)
    return {"verdict": VERDICT_ZH, "action": ACTION_ZH, "state": STATE_ZH}.get(key, {}).get(
        value, value
    )


def _safe(ws: Any, value: Any) -> Any:
    """A formula-like text as a text cell with Excel's quote prefix (``export_cells``)."""
    if not is_formula_like(value):
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def to_xlsx(rows: list[dict[str, Any]], rule_names: dict[str, str]) -> bytes:
    """The selection as a sheet (评分 0–100 as on the page). Streamed (openpyxl's write-only
    mode): a sheet kept in memory spends seconds per thousand rows finding its last row."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("闲置资产建议")
    for i in range(len(EXPORT_COLUMNS)):
        ws.column_dimensions[get_column_letter(i + 1)].width = 14
    ws.append([label for _, label in EXPORT_COLUMNS])
    for r in rows:  # texts from the units' cards: none may be taken for a formula
        ws.append([_safe(ws, _export_cell(k, r.get(k), rule_names)) for k, _ in EXPORT_COLUMNS])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def export_rows(
    conn: AsyncConnection[Any], p: Principal, q: SuggestionQuery
) -> tuple[list[dict[str, Any]], int]:
    """The whole selection in the page's order, cut at ``EXPORT_MAX_ROWS``; and its total."""
    page = await suggestion_page(conn, p, replace(q, limit=EXPORT_MAX_ROWS, offset=0))
    return page["items"], int(page["total"])
