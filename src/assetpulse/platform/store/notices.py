"""In-app notifications (站内通知): an idle asset published from a monitor suggestion tells
the units whose open demands it matches, and its publisher sees whom it told.

When a bill opened from an accepted suggestion (``bills.origin = 'suggestion'``) reaches
local final approval, its listings appear on the plaza (``listings_write.list_bill``); in
the same transaction each listing is scored against the open demands of its kind with
``platform.matching.score`` (the same ranking as 需求撮合), and every demand's unit that
may see the listing on its plaza (``plaza.can_see`` as that unit) and whose demand fits is
told once. Notifications belong to the unit: any of its users reads them, the first who
opens them marks them read for all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from assetpulse.org.principal import Principal
from assetpulse.platform import matching
from assetpulse.platform.errors import not_found
from assetpulse.platform.store.access import require_operator

PER_LISTING = 20  # the best matches told per published asset
CANDIDATES = 500

PUBLISHED = """
select l.id, l.kind, l.unit_id, l.scope, l.region_code, l.province, l.competent_id,
       l.category_code, l.quantity, l.area, l.name, l.state, l.review_code
from listings l join bills b on b.id = l.bill_id
where l.bill_id = %s and b.origin = 'suggestion' and l.state = 'listed'
  and l.kind in ('adjust', 'share')
"""
# open demands that could see the asset: its province, or national ones (they see the
# asset once MOF approves it, which is not yet); class as 需求撮合 narrows it
OPEN_DEMANDS = """
select d.id, d.unit_id, d.category_code, d.region_code, d.quantity, d.area, d.name,
       b.demand_type, b.end_date, u.kind as unit_kind, u.region_code as unit_region,
       case when u.kind = 'competent' then u.id else u.parent_id end as unit_competent
from listings d join bills b on b.id = d.bill_id join units u on u.id = d.unit_id
where d.kind = 'demand' and d.state = 'listed' and b.demand_type = %(kind)s
  and d.province = %(province)s and d.unit_id <> %(publisher)s
  and (%(top)s::text is null or d.category_code like %(top)s || '%%')
order by d.listed_at desc limit %(limit)s
"""
INSERT = """
insert into notifications (unit_id, kind, listing_id, demand_listing_id, score, reasons, title)
values (%s, 'demand_match', %s, %s, %s, %s, %s)
on conflict (listing_id, demand_listing_id) do nothing
"""


def _as_unit(d: dict[str, Any]) -> Principal:
    """The demand's unit as a viewer of the plaza (no user: only its sight matters)."""
    return Principal(user_id=0, username="", display_name="", unit_id=d["unit_id"],
                     unit_kind=d["unit_kind"], department_id=None, region_code=d["unit_region"],
                     user_type="003", roles=frozenset())  # fmt: skip


async def notify_matching_demands(conn: AsyncConnection[Any], bill_id: int) -> int:
    """Tell the units whose open demands the bill's freshly listed assets match."""
    # plaza → mof → reviews → here: imported at call time to keep the import graph acyclic
    from assetpulse.platform.store.plaza import can_see

    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(PUBLISHED, (bill_id,))
    told = 0
    today = dt.datetime.now(dt.UTC).date()
    for listing in await cur.fetchall():
        supply = matching.Supply(
            listing["kind"], listing["category_code"], listing["region_code"],
            listing["quantity"], listing["area"], matching.terms(listing["name"]),
        )  # fmt: skip
        top = (listing["category_code"] or "")[:3] or None
        await cur.execute(OPEN_DEMANDS, {"kind": listing["kind"], "province": listing["province"],
                                         "publisher": listing["unit_id"], "top": top,
                                         "limit": CANDIDATES})  # fmt: skip
        fits: list[tuple[float, dict[str, Any], matching.Match]] = []
        for d in await cur.fetchall():
            if not can_see(_as_unit(d), listing, d["unit_competent"]):
                continue
            demand = matching.Demand(d["demand_type"], d["category_code"], d["region_code"],
                                     d["quantity"], d["area"], d["end_date"],
                                     matching.terms(d["name"]))  # fmt: skip
            m = matching.score(demand, supply, today)
            if m is not None:
                fits.append((m.score, d, m))
        fits.sort(key=lambda f: -f[0])
        for score, d, m in fits[:PER_LISTING]:
            title = f"闲置资产“{listing['name']}”已发布，与您的需求“{d['name']}”匹配"
            await conn.execute(INSERT, (d["unit_id"], listing["id"], d["id"], score,
                                        list(m.reasons), title))  # fmt: skip
            told += 1
    return told


UNIT_ITEMS = """
select n.id, n.kind, n.listing_id, n.demand_listing_id, n.score, n.reasons, n.title,
       n.created_at, n.read_at, l.kind as listing_kind, l.name as listing_name,
       (select u.name from units u where u.id = l.unit_id) as publisher_unit_name,
       d.name as demand_name
from notifications n join listings l on l.id = n.listing_id
join listings d on d.id = n.demand_listing_id
where n.unit_id = %(unit)s and (not %(unread)s or n.read_at is null)
order by n.created_at desc, n.id desc limit %(limit)s
"""
UNREAD = "select count(*) from notifications where unit_id = %s and read_at is null"
MARK_READ = """
update notifications set read_at = now(), read_by = %(user)s
where unit_id = %(unit)s and read_at is null and (%(ids)s::bigint[] is null or id = any(%(ids)s))
"""
TOLD = """
select n.unit_id, u.name as unit_name, n.demand_listing_id, d.name as demand_name, n.score,
       n.reasons, n.created_at, n.read_at
from notifications n join units u on u.id = n.unit_id join listings d on d.id = n.demand_listing_id
where n.listing_id = %s
order by n.score desc, n.id
"""


async def for_unit(
    conn: AsyncConnection[Any], p: Principal, *, unread_only: bool, limit: int
) -> dict[str, Any]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(UNIT_ITEMS, {"unit": p.unit_id, "unread": unread_only, "limit": limit})
    items = await cur.fetchall()
    count = await conn.execute(UNREAD, (p.unit_id,))
    row = await count.fetchone()
    return {"unread": row[0] if row else 0, "items": items}


async def mark_read(conn: AsyncConnection[Any], p: Principal, ids: list[int] | None) -> int:
    cur = await conn.execute(MARK_READ, {"user": p.user_id, "unit": p.unit_id, "ids": ids})
    return cur.rowcount


async def told_for_listing(
    conn: AsyncConnection[Any], p: Principal, listing_id: int
) -> list[dict[str, Any]]:
    """The units told about a listing, best match first (the publishing unit's operators)."""
    cur = await conn.execute("select unit_id from listings where id = %s", (listing_id,))
    row = await cur.fetchone()
    if row is None:
        raise not_found("上架资产", "LISTING_NOT_FOUND", listing_id=listing_id)
    require_operator(p, row[0])
    dcur = conn.cursor(row_factory=dict_row)
    await dcur.execute(TOLD, (listing_id,))
    return await dcur.fetchall()
