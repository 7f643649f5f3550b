"""不漏 (no omissions): cards that qualify for a plaza but are not published, with their age.

The manual's 不重不漏 has two halves; the partial unique index on bill lines keeps the first
(no card twice). This report is the second: per unit, every card that the publishing rules
would accept — adjust: 资产状态 闲置 / 待处置; share: 是否共享共用 = 是 — and that is on no
open bill or live listing, with the day it started to qualify (its latest approved card
change of status or shareable flag, the day it came off a listing, or its creation), so that
a reviewer can chase the oldest first. Cards without a photo are listed too, marked: the
photo is what keeps them off the plaza.

Who sees which units: the unit's own users; a competent department (主管部门) its units;
the province's finance (财政) every unit of the province.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from assetpulse.org.principal import Principal
from assetpulse.platform.store.manage import PageQuery

VIEWABLE_UNITS = """
select u.id from units u
where u.id = %(me)s or u.parent_id = %(me)s
   or (%(finance)s and left(u.region_code, 2) = %(province)s)
"""
OMITTED = f"""
with q as (
    select c.id as card_id, c.asset_code, c.name, c.category_code, c.status,
           s.label_zh as status_label, c.shareable, c.unit_id, u.name as unit_name,
           case when c.status in ('idle', 'pending_disposal') then 'adjust' else 'share' end
               as kind,
           exists (select 1 from card_photos p where p.card_id = c.id and p.state = 'attached')
               as has_photo,
           greatest(
               c.created_at,
               (select max(ch.decided_at) from card_changes ch
                 where ch.card_id = c.id and ch.state = 'approved'
                   and (ch.changes ? 'status' or ch.changes ? 'shareable')),
               (select max(l.changed_at) from listings l
                 where l.card_id = c.id and l.state in ('delisted', 'withdrawn'))
           ) as qualifying_since
    from asset_cards c join units u on u.id = c.unit_id
    join card_statuses s on s.code = c.status
    where c.unit_id in ({VIEWABLE_UNITS})
      and (%(unit)s::bigint is null or c.unit_id = %(unit)s)
      and c.status not in ('disposed', 'split')
      and (c.status in ('idle', 'pending_disposal') or c.shareable)
      and not exists (select 1 from bill_lines b where b.card_id = c.id and b.active)
)
select q.*, ((now() at time zone 'Asia/Shanghai')::date
            - (q.qualifying_since at time zone 'Asia/Shanghai')::date) as age_days,
       count(*) over () as total
from q
where (%(kind)s::text is null or q.kind = %(kind)s)
order by q.qualifying_since, q.card_id
limit %(limit)s offset %(offset)s
"""
SUMMARY = f"""
select u.id as unit_id, u.name as unit_name,
       count(*) filter (where c.status in ('idle', 'pending_disposal')) as adjust,
       count(*) filter (where c.status not in ('idle', 'pending_disposal')) as share,
       min(c.created_at) as oldest_card_created_at
from asset_cards c join units u on u.id = c.unit_id
where c.unit_id in ({VIEWABLE_UNITS})
  and c.status not in ('disposed', 'split')
  and (c.status in ('idle', 'pending_disposal') or c.shareable)
  and not exists (select 1 from bill_lines b where b.card_id = c.id and b.active)
group by u.id, u.name order by count(*) desc, u.id
"""


async def omissions(
    conn: AsyncConnection[Any], p: Principal, q: PageQuery, unit_id: int | None
) -> dict[str, Any]:
    """The report: per-unit counts and one page of the cards, oldest first."""
    params = {
        "me": p.unit_id,
        "finance": p.is_finance and p.unit_kind == "finance",
        "province": p.region_code[:2],
        "unit": unit_id,
        "kind": q.kind if q.kind in ("adjust", "share") else None,
        "limit": q.page_size,
        "offset": (q.page - 1) * q.page_size,
    }
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(OMITTED, params)
    rows = await cur.fetchall()
    total = int(rows[0]["total"]) if rows else 0
    for r in rows:
        r.pop("total")
    await cur.execute(SUMMARY, params)
    units = await cur.fetchall()
    if not rows and q.page > 1:  # past the end: the total from the summary
        total = sum(
            int(u["adjust"] if params["kind"] == "adjust" else u["share"])
            if params["kind"]
            else int(u["adjust"]) + int(u["share"])
            for u in units
            if unit_id is None or u["unit_id"] == unit_id
        )
    return {
        "units": [{k: u[k] for k in ("unit_id", "unit_name", "adjust", "share")} for u in units],
        "items": rows,
        "total": total,
        "page": q.page,
        "page_size": q.page_size,
        "has_more": q.page * q.page_size < total,
    }
