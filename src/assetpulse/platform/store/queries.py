"""查询 and 审核 queues: the unit's bills by any field; the reviewer's pending / reviewed tabs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from assetpulse.org.principal import Principal
from assetpulse.platform.store.access import reviewer_nodes
from assetpulse.platform.store.bills import SELECT_LINES, present

BILL_ROWS = """
select b.*, u.name as unit_name from bills b join units u on u.id = b.unit_id
where {where} order by b.id desc limit %(limit)s offset %(offset)s
"""
BILL_COUNT = "select count(*) as n from bills b join units u on u.id = b.unit_id where {where}"


@dataclass(frozen=True, slots=True)
class BillQuery:
    kind: str | None = None
    stage: str | None = None
    review_code: str | None = None
    scope: str | None = None
    bill_no: str | None = None
    keyword: str | None = None
    card_id: int | None = None
    asset_code: str | None = None
    category: str | None = None
    origin: str | None = None
    submitted: bool | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    page: int = 1
    page_size: int = 20


FILTERS = {
    "kind": "b.kind = %(kind)s",
    "stage": "b.stage = %(stage)s",
    "review_code": "b.review_code = %(review_code)s",
    "scope": "b.scope = %(scope)s",
    "bill_no": "b.bill_no = %(bill_no)s",
    "keyword": "(b.title ilike %(keyword)s or b.description ilike %(keyword)s or exists ("
    "select 1 from bill_lines l join asset_cards c on c.id = l.card_id"
    " where l.bill_id = b.id and c.name ilike %(keyword)s))",
    "card_id": "exists (select 1 from bill_lines l where l.bill_id = b.id"
    " and l.card_id = %(card_id)s)",
    "asset_code": "exists (select 1 from bill_lines l join asset_cards c on c.id = l.card_id"
    " where l.bill_id = b.id and c.asset_code = %(asset_code)s)",
    "category": "(b.category_code like %(category)s or exists (select 1 from bill_lines l"
    " join asset_cards c on c.id = l.card_id where l.bill_id = b.id"
    " and c.category_code like %(category)s))",
    "origin": "b.origin = %(origin)s",
    # the publish page's 待送审 (draft, returned) and 已送审 (everything sent on) tabs
    "submitted": "(b.stage not in ('draft', 'returned')) = %(submitted)s",
    "created_from": "b.created_at >= %(created_from)s",
    "created_to": "b.created_at < %(created_to)s::date + 1",
}


async def _page(
    conn: AsyncConnection[Any], where: sql.Composable, params: dict[str, Any], page: int, size: int
) -> dict[str, Any]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        sql.SQL(BILL_ROWS).format(where=where),
        {**params, "limit": size + 1, "offset": (page - 1) * size},
    )
    rows = await cur.fetchall()
    items = []
    for row in rows[:size]:
        await cur.execute(SELECT_LINES, (row["id"],))
        items.append(present(row, await cur.fetchall()))
    await cur.execute(sql.SQL(BILL_COUNT).format(where=where), params)
    counted = await cur.fetchone()
    total = int(counted["n"]) if counted else 0
    return {
        "items": items,
        "total": total,
        "page": page,
        "page_size": size,
        "has_more": len(rows) > size,
    }


async def query_bills(conn: AsyncConnection[Any], p: Principal, q: BillQuery) -> dict[str, Any]:
    """The unit's own bills, filtered by any of the query's fields."""
    params: dict[str, Any] = {k: getattr(q, k) for k in FILTERS}
    if params["keyword"]:
        params["keyword"] = f"%{params['keyword']}%"
    if params["category"]:
        params["category"] = f"{params['category']}%"
    parts: list[sql.Composable] = [sql.SQL("b.unit_id = %(unit)s")]
    parts += [sql.SQL(FILTERS[k]) for k in FILTERS if params[k] not in (None, "")]
    return await _page(
        conn, sql.SQL(" and ").join(parts), {**params, "unit": p.unit_id}, q.page, q.page_size
    )


PENDING = (
    "b.stage = 'in_review' and b.chain_units[b.node_index + 1] = %(unit)s"
    " and (b.chain[b.node_index + 1] <> 'finance' or %(finance)s)"
    " and (%(kind)s::text is null or b.kind = %(kind)s)"
)
REVIEWED = (
    "exists (select 1 from review_actions a where a.bill_id = b.id and a.unit_id = %(unit)s"
    " and a.action in ('approve', 'reject')) and (%(kind)s::text is null or b.kind = %(kind)s)"
)


async def review_queue(
    conn: AsyncConnection[Any], p: Principal, tab: str, kind: str | None, page: int, size: int
) -> dict[str, Any]:
    """待审核: bills waiting at a node of the user's unit; 已审核: bills the unit decided on."""
    if not reviewer_nodes(p, ["unit"], [p.unit_id]):
        return {"items": [], "total": 0, "page": page, "page_size": size, "has_more": False}
    params = {"unit": p.unit_id, "finance": p.is_finance, "kind": kind}
    where = sql.SQL(PENDING if tab == "pending" else REVIEWED)
    return await _page(conn, where, params, page, size)
