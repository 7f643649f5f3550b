"""Demand matching against PostgreSQL: candidates by kind and top asset class, scored purely.

Both sides see the same ranking: the demand's unit asks ``/listings/{demand}/matches`` and
gets listed and suggested assets; a publisher asks ``/listings/{asset}/matches`` and gets
the demands that asset could serve. Suggested assets (monitor suggestions not yet listed)
show only class, region and unit, never the card itself.

Candidates follow the viewer's sight, not the listing's: a listing is offered only when the
plaza would show it to the viewer (``can_see``: 本市 / 本部门 / 本单位 scopes), and an
unpublished suggestion stays inside its unit, that unit's competent department and its
province's finance until it is published.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from assetpulse.org.principal import Principal
from assetpulse.platform import matching
from assetpulse.platform.store.plaza import can_see, shape, visible_listing

LIMIT = 500
SUPPLY = """
select l.id, l.kind, l.bill_id, l.card_id, l.unit_id, u.name as unit_name, l.scope,
       l.region_code, null::text as region_name, l.category_code, null::text as category_name,
       l.name, l.asset_code, l.quantity, l.area, l.measure_unit, l.state, l.review_code,
       l.result, l.listed_at, null::bigint as photo_id, l.province, l.competent_id
from listings l join units u on u.id = l.unit_id
where l.kind = %(kind)s and l.state = 'listed'
  and (%(top)s::text is null or l.category_code like %(top)s || '%%')
  and (l.review_code = '02' or l.province = %(province)s)
order by l.listed_at desc limit %(limit)s
"""
SUGGESTED = """
select s.id as suggestion_id, s.action as kind, c.category_code, un.region_code,
       c.quantity, c.area, c.name, un.name as unit_name, s.evidence_zh
from suggestions s join asset_cards c on c.id = s.card_id join units un on un.id = s.unit_id
where s.state in ('new', 'accepted') and s.action = %(kind)s
  and (%(top)s::text is null or c.category_code like %(top)s || '%%')
  and not exists (select 1 from bill_lines b where b.card_id = s.card_id and b.active)
  and (s.unit_id = %(viewer)s or un.parent_id = %(viewer)s
       or (%(finance)s and left(un.region_code, 2) = %(viewer_province)s))
limit %(limit)s
"""
DEMANDS = """
select l.*, b.demand_type, b.end_date, u.name as unit_name
from listings l join bills b on b.id = l.bill_id join units u on u.id = l.unit_id
where l.kind = 'demand' and l.state = 'listed' and b.demand_type = %(kind)s
  and (%(top)s::text is null or l.category_code like %(top)s || '%%')
  and (l.review_code = '02' or l.province = %(province)s)
order by l.listed_at desc limit %(limit)s
"""


async def matches(
    conn: AsyncConnection[Any], p: Principal, listing_id: int, competent: int | None
) -> dict[str, Any]:
    row = await visible_listing(conn, p, listing_id, competent)
    cur = conn.cursor(row_factory=dict_row)
    today = dt.datetime.now(dt.UTC).date()
    top = (row["category_code"] or "")[:3] or None
    out: list[dict[str, Any]] = []
    if row["kind"] == "demand":
        demand = matching.Demand(row["demand_type"], row["category_code"], row["region_code"],
                                 row["quantity"], row["area"], row["end_date"])  # fmt: skip
        params = {"kind": row["demand_type"], "top": top, "province": row["province"],
                  "limit": LIMIT, "viewer": p.unit_id, "viewer_province": p.region_code[:2],
                  "finance": p.is_finance and p.unit_kind == "finance"}  # fmt: skip
        await cur.execute(SUPPLY, params)
        for c in await cur.fetchall():
            if not can_see(p, c, competent):
                continue
            m = matching.score(demand, _supply(c), today)
            if m is not None and c["unit_id"] != row["unit_id"]:
                out.append({"source": "listing", "source_text": "已上架资产", "score": m.score,
                            "reasons": list(m.reasons), "listing": shape(c)})  # fmt: skip
        await cur.execute(SUGGESTED, params)
        for c in await cur.fetchall():
            m = matching.score(demand, _supply(c), today)
            if m is not None:
                out.append({"source": "suggestion", "source_text": "监测建议资产",
                            "score": m.score, "reasons": list(m.reasons),
                            "suggested": {k: c[k] for k in ("suggestion_id", "kind",
                                          "category_code", "region_code", "name",
                                          "unit_name")}})  # fmt: skip
    else:
        supply = _supply(row)
        params = {"kind": row["kind"], "top": top, "province": row["province"], "limit": LIMIT}
        await cur.execute(DEMANDS, params)
        for d in await cur.fetchall():
            if not can_see(p, d, competent):
                continue
            demand = matching.Demand(d["demand_type"], d["category_code"], d["region_code"],
                                     d["quantity"], d["area"], d["end_date"])  # fmt: skip
            m = matching.score(demand, supply, today)
            if m is not None and d["unit_id"] != row["unit_id"]:
                d = {k: d[k] for k in (
                    "id", "kind", "bill_id", "card_id", "unit_id", "unit_name", "scope",
                    "region_code", "category_code", "name", "asset_code", "quantity", "area",
                    "measure_unit", "state", "review_code", "result", "listed_at")}  # fmt: skip
                out.append({"source": "demand", "source_text": "资产需求", "score": m.score,
                            "reasons": list(m.reasons),
                            "listing": shape({**d, "region_name": None, "category_name": None,
                                              "photo_id": None})})  # fmt: skip
    out.sort(key=lambda x: -x["score"])
    return {"listing_id": listing_id, "kind": row["kind"], "matches": out[:50]}


def _supply(c: dict[str, Any]) -> matching.Supply:
    return matching.Supply(c["kind"], c["category_code"], c["region_code"], c["quantity"],
                           c["area"])  # fmt: skip
