"""Server-side pages behind the module pages: 管理 (the unit's own listings) and the card
picker of 发布 (选择资产卡片). Each answers one page with the total, at any size: the pages
no longer fetch "the newest 100" and filter in the browser, which lost every item past it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from assetpulse.org.principal import Principal
from assetpulse.platform.store.access import require_operator
from assetpulse.platform.store.plaza import shape

# 管理: every listing of the viewer's unit in one plaza, whatever its scope or review code
MY_LISTINGS = """
select l.id, l.kind, l.bill_id, l.card_id, l.unit_id, u.name as unit_name, l.scope,
       l.region_code, r.name as region_name, l.category_code, cat.name as category_name,
       l.name, l.asset_code, l.quantity, l.area, l.measure_unit, l.state, l.review_code,
       l.result, l.listed_at, null::bigint as photo_id, b.bill_no,
       count(*) over () as total
from listings l join units u on u.id = l.unit_id join bills b on b.id = l.bill_id
left join regions r on r.code = l.region_code
left join categories cat on cat.code = l.category_code
where l.unit_id = %(unit)s and l.kind = %(kind)s
  and l.state = any(%(states)s)
  and (%(keyword)s::text is null or l.search ilike %(keyword)s or b.bill_no = %(raw)s)
order by l.listed_at desc, l.id desc
limit %(limit)s offset %(offset)s
"""
MY_LISTINGS_COUNT = """
select count(*) from listings l join bills b on b.id = l.bill_id
where l.unit_id = %(unit)s and l.kind = %(kind)s and l.state = any(%(states)s)
  and (%(keyword)s::text is null or l.search ilike %(keyword)s or b.bill_no = %(raw)s)
"""

# 选择资产卡片: the unit's cards that qualify for the bill's kind (内置规则) and are not
# claimed by another open bill or live listing (不重不漏); cards without a photo are offered
# marked 无照片, so that saving shows the photo rule's message (the manual's order).
ELIGIBLE_CARDS = """
select c.id, c.asset_code, c.name, c.category_code, c.status, s.label_zh as status_label,
       c.shareable, c.quantity, c.area, c.measure_unit, c.unit_id,
       exists (select 1 from card_photos p where p.card_id = c.id and p.state = 'attached')
           as has_photo,
       count(*) over () as total
from asset_cards c join card_statuses s on s.code = c.status
where c.unit_id = %(unit)s and c.status not in ('disposed', 'split')
  and ((%(kind)s = 'adjust' and c.status in ('idle', 'pending_disposal'))
       or (%(kind)s = 'share' and c.shareable))
  and not exists (select 1 from bill_lines l where l.card_id = c.id and l.active
                    and l.bill_id is distinct from %(bill)s::bigint)
  and (%(keyword)s::text is null or c.name ilike %(keyword)s or c.asset_code ilike %(keyword)s)
order by c.id
limit %(limit)s offset %(offset)s
"""
ELIGIBLE_COUNT = """
select count(*) from asset_cards c
where c.unit_id = %(unit)s and c.status not in ('disposed', 'split')
  and ((%(kind)s = 'adjust' and c.status in ('idle', 'pending_disposal'))
       or (%(kind)s = 'share' and c.shareable))
  and not exists (select 1 from bill_lines l where l.card_id = c.id and l.active
                    and l.bill_id is distinct from %(bill)s::bigint)
  and (%(keyword)s::text is null or c.name ilike %(keyword)s or c.asset_code ilike %(keyword)s)
"""

STATES = {
    "listed": ["listed"],
    "done": ["done"],
    "delisted": ["delisted"],
    None: ["listed", "done"],
}


@dataclass(frozen=True, slots=True)
class PageQuery:
    kind: str
    keyword: str | None = None
    state: str | None = None
    bill_id: int | None = None
    page: int = 1
    page_size: int = 20


def _like(text: str | None) -> str | None:
    if not text:
        return None
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def _page(
    conn: AsyncConnection[Any], rows_sql: str, count_sql: str, params: dict[str, Any], q: PageQuery
) -> tuple[list[dict[str, Any]], int]:
    cur = conn.cursor(row_factory=dict_row)
    args = {**params, "limit": q.page_size, "offset": (q.page - 1) * q.page_size}
    await cur.execute(rows_sql, args)
    rows = await cur.fetchall()
    if rows:
        total = int(rows[0]["total"])
    else:  # past the last page: the window saw no rows, count them plainly
        await cur.execute(count_sql, args)
        found = await cur.fetchone()
        total = int(found["count"]) if found else 0
    for r in rows:
        r.pop("total")
    return rows, total


def _envelope(items: list[dict[str, Any]], total: int, q: PageQuery) -> dict[str, Any]:
    return {
        "items": items,
        "total": total,
        "page": q.page,
        "page_size": q.page_size,
        "has_more": q.page * q.page_size < total,
    }


async def my_listings(conn: AsyncConnection[Any], p: Principal, q: PageQuery) -> dict[str, Any]:
    """管理: the unit's listings of one plaza, newest first, with the total."""
    params = {"unit": p.unit_id, "kind": q.kind, "states": STATES[q.state],
              "keyword": _like(q.keyword), "raw": q.keyword}  # fmt: skip
    rows, total = await _page(conn, MY_LISTINGS, MY_LISTINGS_COUNT, params, q)
    return _envelope([shape(r) for r in rows], total, q)


async def eligible_cards(conn: AsyncConnection[Any], p: Principal, q: PageQuery) -> dict[str, Any]:
    """选择资产卡片: what the bill (``bill_id`` when editing) may still take, with the total.

    For the unit's operators (经办岗), who publish: the list spans every department's cards.
    """
    require_operator(p, p.unit_id)
    params = {"unit": p.unit_id, "kind": q.kind, "bill": q.bill_id, "keyword": _like(q.keyword)}
    rows, total = await _page(conn, ELIGIBLE_CARDS, ELIGIBLE_COUNT, params, q)
    return _envelope(rows, total, q)
