"""Demand matching against PostgreSQL: every candidate in scope ranked in SQL, the best
scored and explained by the pure core (``platform.matching``).

Both sides see the same ranking: the demand's unit asks ``/listings/{demand}/matches`` and
gets listed and suggested assets; a publisher asks ``/listings/{asset}/matches`` and gets
the demands that asset could serve. Suggested assets (monitor suggestions not yet listed)
show only class, region and unit, never the card itself.

Every listed candidate the viewer may see is scored — not the newest few hundred: one
statement computes the core's formula over all of them (the names' words from
``listing_terms``, cut by the core and stored here before ranking, for the listings that
migration 4005's triggers queued) and returns the best ``PRESELECT``; the core then scores
those again, with reasons.
At 100,000 listings this is one scan (bench/matching.py).

Candidates follow the viewer's sight, not the listing's: a listing is offered only when the
plaza would show it to the viewer (``can_see``: 本市 / 本部门 / 本单位 scopes, written in SQL
as ``VISIBLE`` and checked again on the rows returned), and an unpublished suggestion stays
inside its unit, that unit's competent department and its province's finance until it is
published.

A national-scope demand also meets the other provinces' listings that MOF's national
downlink brought (``national_listings``, read-only here): the 全国 tab shows them to every
viewer, so they are in scope for every national demand, scored with the same formula over
their own stored words (``national_listing_terms``, migration 4008, cut here like the
province's) and returned with their origin province and ``read_only``. Their words are
joined only while the name they were cut from is the row's name, and leave with the row.
The other way round, a national-scope listed asset meets the downlinked demands of its
kind (their type and end date read from the file's demand part) in the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from assetpulse.org.principal import Principal
from assetpulse.platform import matching
from assetpulse.platform.store.plaza import can_see, shape, visible_listing

SHOWN = 50
# ranked in SQL, scored again by the core: more than shown, so that rounding in either
# cannot push a better candidate out
PRESELECT = 100

PENDING = """
select p.listing_id, l.name from listing_terms_pending p join listings l on l.id = p.listing_id
order by p.listing_id for update of p skip locked
"""
STORE_TERMS = """
insert into listing_terms (listing_id, terms)
select v.id, string_to_array(v.words, ' ')
from unnest(%(ids)s::bigint[], %(words)s::text[]) as v(id, words)
on conflict (listing_id) do update set terms = excluded.terms
"""
DONE_TERMS = "delete from listing_terms_pending where listing_id = any(%(ids)s)"
# key share of the downlinked row as well: an import deleting it (which cascades to the
# queue) then waits for this cut instead of deadlocking with its foreign key check
NATIONAL_PENDING = """
select p.listing_id, l.name
from national_listing_terms_pending p join national_listings l on l.id = p.listing_id
order by p.listing_id for update of p skip locked for key share of l skip locked
"""
NATIONAL_STORE_TERMS = """
insert into national_listing_terms (listing_id, name, terms)
select v.id, v.name, string_to_array(v.words, ' ')
from unnest(%(ids)s::bigint[], %(names)s::text[], %(words)s::text[]) as v(id, name, words)
on conflict (listing_id) do update set name = excluded.name, terms = excluded.terms
"""
NATIONAL_DONE_TERMS = "delete from national_listing_terms_pending where listing_id = any(%(ids)s)"
# plaza.can_see for listed rows, as SQL
VISIBLE = """
(l.unit_id = %(viewer)s
 or (l.review_code = '02' and l.scope = 'national')
 or (l.province = %(viewer_province)s
     and (l.scope in ('national', 'province')
          or (l.scope = 'city' and l.region_code = %(viewer_region)s)
          or (l.scope = 'department' and l.competent_id = %(competent)s::bigint))))
"""
# matching.score over all listed assets of the demand's type the viewer may see
# (and, for a national demand, the other provinces' downlinked listings of that type)
RANK_SUPPLY = f"""
with cand as materialized (
    select l.id, false as national, l.category_code, l.region_code, l.quantity, l.area,
           t.terms as match_terms
    from listings l left join listing_terms t on t.listing_id = l.id
    where l.kind = %(kind)s and l.state = 'listed' and l.unit_id <> %(owner)s
      and (%(top)s::text is null or l.category_code is null
           or left(l.category_code, 3) = %(top)s)
      and {VISIBLE}
    union all
    select n.id, true, n.category_code, n.region_code, n.quantity, n.area, t.terms
    from national_listings n
    left join national_listing_terms t on t.listing_id = n.id and t.name = n.name
    where %(national)s and n.kind = %(kind)s and n.state = 'listed'
      and (%(top)s::text is null or n.category_code is null
           or left(n.category_code, 3) = %(top)s)
), cat as (
    select code, platform_match_category(%(category)s, code) as s
    from (select distinct category_code as code from cand) x
)
select c.id, c.national, (select count(*) from cand) as considered,
       0.35 * coalesce(cat.s, 0.5)
       + 0.30 * case when coalesce(cardinality(c.match_terms), 0) = 0
                          or cardinality(%(terms)s::text[]) = 0 then 0.5
                     when c.match_terms && %(terms)s::text[] then
             2.0 * cardinality(array(select unnest(c.match_terms)
                                     intersect select unnest(%(terms)s::text[])))
             / (cardinality(c.match_terms) + cardinality(%(terms)s::text[])) else 0 end
       + 0.20 * coalesce(greatest(
             case when %(quantity)s::numeric <> 0 and c.quantity is not null
                  then least(1.0, c.quantity / %(quantity)s::numeric) end,
             case when %(area)s::numeric <> 0 and c.area is not null
                  then least(1.0, c.area / %(area)s::numeric) end), 0.5)
       + 0.15 * case when c.region_code = %(region)s then 1.0
                     when left(c.region_code, 2) = left(%(region)s, 2) then 0.6
                     else 0.2 end as score
from cand c left join cat on cat.code = c.category_code
order by score desc, c.id desc
limit %(limit)s
"""
# the same formula seen from a listed asset: the live demands it could serve (and, for a
# national asset, the other provinces' downlinked demands of its kind)
RANK_DEMANDS = f"""
with cand as materialized (
    select l.id, false as national, l.category_code, l.region_code, l.quantity, l.area,
           t.terms as match_terms
    from listings l join bills b on b.id = l.bill_id
    left join listing_terms t on t.listing_id = l.id
    where l.kind = 'demand' and l.state = 'listed' and b.demand_type = %(kind)s
      and l.unit_id <> %(owner)s
      and (b.end_date is null or b.end_date >= %(today)s)
      and (%(top)s::text is null or l.category_code is null
           or left(l.category_code, 3) = %(top)s)
      and {VISIBLE}
    union all
    select n.id, true, n.category_code, n.region_code, n.quantity, n.area, t.terms
    from national_listings n
    left join national_listing_terms t on t.listing_id = n.id and t.name = n.name
    where %(national)s and n.kind = 'demand' and n.state = 'listed'
      and n.detail #>> '{{demand,demand_type}}' = %(kind)s
      and (n.detail #>> '{{demand,end_date}}' is null
           or (n.detail #>> '{{demand,end_date}}')::date >= %(today)s)
      and (%(top)s::text is null or n.category_code is null
           or left(n.category_code, 3) = %(top)s)
), cat as (
    select code, platform_match_category(code, %(category)s) as s
    from (select distinct category_code as code from cand) x
)
select c.id, c.national, (select count(*) from cand) as considered,
       0.35 * coalesce(cat.s, 0.5)
       + 0.30 * case when coalesce(cardinality(c.match_terms), 0) = 0
                          or cardinality(%(terms)s::text[]) = 0 then 0.5
                     when c.match_terms && %(terms)s::text[] then
             2.0 * cardinality(array(select unnest(c.match_terms)
                                     intersect select unnest(%(terms)s::text[])))
             / (cardinality(c.match_terms) + cardinality(%(terms)s::text[])) else 0 end
       + 0.20 * coalesce(greatest(
             case when c.quantity <> 0 and %(quantity)s::numeric is not null
                  then least(1.0, %(quantity)s::numeric / c.quantity) end,
             case when c.area <> 0 and %(area)s::numeric is not null
                  then least(1.0, %(area)s::numeric / c.area) end), 0.5)
       + 0.15 * case when c.region_code = %(region)s then 1.0
                     when left(c.region_code, 2) = left(%(region)s, 2) then 0.6
                     else 0.2 end as score
from cand c left join cat on cat.code = c.category_code
order by score desc, c.id desc
limit %(limit)s
"""
SUPPLY_ROWS = """
select l.id, l.kind, l.bill_id, l.card_id, l.unit_id, u.name as unit_name, l.scope,
       l.region_code, r.name as region_name, l.category_code, cat.name as category_name,
       l.name, l.asset_code, l.quantity, l.area, l.measure_unit, l.state, l.review_code,
       l.result, l.listed_at, null::bigint as photo_id, l.province, l.competent_id,
       t.terms as match_terms
from listings l join units u on u.id = l.unit_id
left join listing_terms t on t.listing_id = l.id
left join regions r on r.code = l.region_code
left join categories cat on cat.code = l.category_code
where l.id = any(%s)
"""
DEMAND_ROWS = """
select l.id, l.kind, l.bill_id, l.card_id, l.unit_id, u.name as unit_name, l.scope,
       l.region_code, r.name as region_name, l.category_code, cat.name as category_name,
       l.name, l.asset_code, l.quantity, l.area, l.measure_unit, l.state, l.review_code,
       l.result, l.listed_at, null::bigint as photo_id, l.province, l.competent_id,
       t.terms as match_terms, b.demand_type, b.end_date
from listings l join bills b on b.id = l.bill_id join units u on u.id = l.unit_id
left join listing_terms t on t.listing_id = l.id
left join regions r on r.code = l.region_code
left join categories cat on cat.code = l.category_code
where l.id = any(%s)
"""
# the downlinked rows in the shape of SUPPLY_ROWS, with their origin; their words only
# while cut from the current name
NATIONAL_SUPPLY_ROWS = """
select l.id, l.kind, null::bigint as bill_id, null::bigint as card_id, l.unit_id, l.unit_name,
       l.scope, l.region_code, coalesce(r.name, l.detail ->> 'region_name') as region_name,
       l.category_code, coalesce(cat.name, l.detail ->> 'category_name') as category_name,
       l.name, l.asset_code, l.quantity, l.area, l.measure_unit, l.state, l.review_code,
       l.result, l.listed_at, null::bigint as photo_id, l.origin_province as province,
       t.terms as match_terms
from national_listings l
left join national_listing_terms t on t.listing_id = l.id and t.name = l.name
left join regions r on r.code = l.region_code
left join categories cat on cat.code = l.category_code
where l.id = any(%s)
"""
# the downlinked demands in the shape of DEMAND_ROWS (type and end date from the file's
# demand part)
NATIONAL_DEMAND_ROWS = """
select l.id, l.kind, null::bigint as bill_id, null::bigint as card_id, l.unit_id, l.unit_name,
       l.scope, l.region_code, coalesce(r.name, l.detail ->> 'region_name') as region_name,
       l.category_code, coalesce(cat.name, l.detail ->> 'category_name') as category_name,
       l.name, l.asset_code, l.quantity, l.area, l.measure_unit, l.state, l.review_code,
       l.result, l.listed_at, null::bigint as photo_id, l.origin_province as province,
       t.terms as match_terms, l.detail #>> '{demand,demand_type}' as demand_type,
       (l.detail #>> '{demand,end_date}')::date as end_date
from national_listings l
left join national_listing_terms t on t.listing_id = l.id and t.name = l.name
left join regions r on r.code = l.region_code
left join categories cat on cat.code = l.category_code
where l.id = any(%s)
"""
# every unpublished suggestion in the viewer's sight: few next to the listings, scored here
SUGGESTED = """
select s.id as suggestion_id, s.action as kind, c.category_code, un.region_code,
       c.quantity, c.area, c.name, un.name as unit_name, s.evidence_zh
from suggestions s join asset_cards c on c.id = s.card_id join units un on un.id = s.unit_id
where s.state in ('new', 'accepted') and s.action = %(kind)s
  and (%(top)s::text is null or c.category_code is null
       or left(c.category_code, 3) = %(top)s)
  and not exists (select 1 from bill_lines b where b.card_id = s.card_id and b.active)
  and (s.unit_id = %(viewer)s or un.parent_id = %(viewer)s
       or (%(finance)s and left(un.region_code, 2) = %(viewer_province)s))
"""
LISTING_KEYS = (
    "id", "kind", "bill_id", "card_id", "unit_id", "unit_name", "scope", "region_code",
    "region_name", "category_code", "category_name", "name", "asset_code", "quantity",
    "area", "measure_unit", "state", "review_code", "result", "listed_at", "photo_id",
)  # fmt: skip


async def store_pending_terms(conn: AsyncConnection[Any]) -> int:
    """Cut and store the words of the queued listings (new, renamed, or from before
    migration 4005) and downlinked listings (4008); those another request is cutting are
    left to it."""
    async with conn.transaction():
        cur = await conn.execute(PENDING)
        rows = await cur.fetchall()
        if rows:
            words = [" ".join(sorted(matching.terms(name))) for _, name in rows]
            ids = [i for i, _ in rows]
            await conn.execute(STORE_TERMS, {"ids": ids, "words": words})
            await conn.execute(DONE_TERMS, {"ids": ids})
    async with conn.transaction():
        cur = await conn.execute(NATIONAL_PENDING)
        national = await cur.fetchall()
        if national:
            ids = [i for i, _ in national]
            names = [n for _, n in national]
            words = [" ".join(sorted(matching.terms(n))) for n in names]
            await conn.execute(NATIONAL_STORE_TERMS, {"ids": ids, "names": names, "words": words})
            await conn.execute(NATIONAL_DONE_TERMS, {"ids": ids})
    return len(rows) + len(national)


def _terms(row: dict[str, Any]) -> frozenset[str]:
    stored = row.get("match_terms")
    return frozenset(stored) if stored is not None else matching.terms(row["name"])


async def matches(
    conn: AsyncConnection[Any], p: Principal, listing_id: int, competent: int | None
) -> dict[str, Any]:
    row = await visible_listing(conn, p, listing_id, competent)
    await store_pending_terms(conn)
    cur = conn.cursor(row_factory=dict_row)
    today = dt.datetime.now(dt.UTC).date()
    words = matching.terms(row["name"])
    params: dict[str, Any] = {
        "top": (row["category_code"] or "")[:3] or None, "category": row["category_code"],
        "region": row["region_code"], "quantity": row["quantity"], "area": row["area"],
        "terms": sorted(words), "owner": row["unit_id"], "today": today, "limit": PRESELECT,
        "viewer": p.unit_id, "viewer_province": p.region_code[:2],
        "viewer_region": p.region_code, "competent": competent,
        "finance": p.is_finance and p.unit_kind == "finance",
        # the 全国 tab's read-only rows are in every national demand's and asset's scope
        "national": row["scope"] == "national",
    }  # fmt: skip
    out: list[dict[str, Any]] = []
    if row["kind"] == "demand":
        demand = matching.Demand(row["demand_type"], row["category_code"], row["region_code"],
                                 row["quantity"], row["area"], row["end_date"], words)  # fmt: skip
        params["kind"] = row["demand_type"]
        considered, found, national = await _ranked(cur, RANK_SUPPLY, SUPPLY_ROWS, params,
                                                    NATIONAL_SUPPLY_ROWS)  # fmt: skip
        for c in found:
            foreign = c["id"] in national
            if not foreign and not can_see(p, c, competent):
                continue
            m = matching.score(demand, _supply(c), today)
            if m is None:
                continue
            if foreign:
                out.append({"source": "national", "source_text": "全国下发资产（只读）",
                            "score": m.score, "reasons": list(m.reasons),
                            "origin_province": c["province"], "read_only": True,
                            "listing": _shown(c, read_only=True)})  # fmt: skip
            else:
                out.append({"source": "listing", "source_text": "已上架资产", "score": m.score,
                            "reasons": list(m.reasons), "origin_province": c["province"],
                            "read_only": False, "listing": _shown(c)})  # fmt: skip
        await cur.execute(SUGGESTED, params)
        for c in await cur.fetchall():
            considered += 1
            m = matching.score(demand, _supply(c), today)
            if m is not None:
                out.append({"source": "suggestion", "source_text": "监测建议资产",
                            "score": m.score, "reasons": list(m.reasons),
                            "suggested": {k: c[k] for k in ("suggestion_id", "kind",
                                          "category_code", "region_code", "name",
                                          "unit_name")}})  # fmt: skip
    else:
        supply = matching.Supply(row["kind"], row["category_code"], row["region_code"],
                                 row["quantity"], row["area"], words)  # fmt: skip
        params["kind"] = row["kind"]
        considered, found, national = await _ranked(cur, RANK_DEMANDS, DEMAND_ROWS, params,
                                                    NATIONAL_DEMAND_ROWS)  # fmt: skip
        for d in found:
            foreign = d["id"] in national
            if not foreign and not can_see(p, d, competent):
                continue
            demand = matching.Demand(
                d["demand_type"], d["category_code"], d["region_code"], d["quantity"], d["area"],
                d["end_date"], _terms(d),
            )  # fmt: skip
            m = matching.score(demand, supply, today)
            if m is None:
                continue
            if foreign:
                out.append({"source": "national", "source_text": "全国下发需求（只读）",
                            "score": m.score, "reasons": list(m.reasons),
                            "origin_province": d["province"], "read_only": True,
                            "listing": _shown(d, read_only=True)})  # fmt: skip
            else:
                out.append({"source": "demand", "source_text": "资产需求", "score": m.score,
                            "reasons": list(m.reasons), "origin_province": d["province"],
                            "read_only": False, "listing": _shown(d)})  # fmt: skip
    out.sort(key=lambda x: -x["score"])
    return {"listing_id": listing_id, "kind": row["kind"], "considered": considered,
            "matches": out[:SHOWN]}  # fmt: skip


async def _ranked(
    cur: Any, rank: str, rows: str, params: dict[str, Any], national_rows: str | None = None
) -> tuple[int, list[dict[str, Any]], frozenset[int]]:
    """How many candidates were scored, the best of them in full, and which of those are
    downlinked (read from ``national_rows``)."""
    await cur.execute(rank, params)
    best = await cur.fetchall()
    if not best:
        return 0, [], frozenset()
    # one id names one row whichever table holds it (national_listings uses listings_id_seq)
    foreign = [b["id"] for b in best if b.get("national")]
    found: list[dict[str, Any]] = []
    if own := [b["id"] for b in best if not b.get("national")]:
        await cur.execute(rows, (own,))
        found += await cur.fetchall()
    if foreign and national_rows is not None:
        await cur.execute(national_rows, (foreign,))
        found += await cur.fetchall()
    return int(best[0]["considered"]), found, frozenset(foreign)


def _shown(c: dict[str, Any], read_only: bool = False) -> dict[str, Any]:
    return shape({**{k: c[k] for k in LISTING_KEYS}, "origin_province": c["province"],
                  "read_only": read_only})  # fmt: skip


def _supply(c: dict[str, Any]) -> matching.Supply:
    return matching.Supply(c["kind"], c["category_code"], c["region_code"], c["quantity"],
                           c["area"], _terms(c))  # fmt: skip
