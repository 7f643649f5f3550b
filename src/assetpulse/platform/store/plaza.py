"""Plaza queries (调剂广场 / 共享广场 / 需求广场) and listing detail.

Tabs as the manual defines them:
- ``local`` 本地区: items locally final-approved in the viewer's province, whose scope lets
  the viewer see them (本省 everyone in the province; 本市 the same fiscal region; 本部门
  the same competent department; 本单位 the unit itself; 全国 everyone);
- ``national`` 全国: MOF-approved national-scope items (02-财政部已审核): this province's own,
  and the other provinces' that MOF's national downlink brought (read-only,
  ``store.mof_national``), in one order.
States shown: 上架 listed and 已登记结果 done. Paging is offset-based with a capped total,
so a page never counts a million rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import monotonic
from typing import Any

from psycopg import AsyncConnection, AsyncCursor, sql
from psycopg.rows import dict_row

from assetpulse.org.principal import Principal
from assetpulse.platform.capped_totals import CappedTotals
from assetpulse.platform.errors import not_found
from assetpulse.platform.review import FINAL_TEXT
from assetpulse.platform.store import mof_national

TOTAL_CAP = 2_000  # pages show 2000+ beyond this; counting further costs every query
# why a listing left the plaza (listings.delist_reason), in the words users see
DELIST_REASON_TEXT = {
    "unit_delisted": "单位下架",
    "card_disposed": "资产已处置",
    "card_split": "资产已拆分",
    "card_returned_to_stock": "资产已退库",
    "card_not_adjustable": "资产状态已不是闲置或待处置",
    "card_not_shareable": "资产已不是共享共用",
}
STATE_TEXT = {"listed": "上架", "done": "已登记结果", "delisted": "下架", "withdrawn": "已撤回"}
KIND_STATE_TEXT = {
    "adjust": {"listed": "可调剂", "done": "已调剂"},
    "share": {"listed": "可共享", "done": "已共享"},
    "demand": {"listed": "需求中", "done": "已满足"},
}

LOCAL_TAB = """
l.kind = %(kind)s and l.state in ('listed', 'done') and l.province = %(province)s
and (l.scope in ('national', 'province')
     or (l.scope = 'city' and l.region_code = %(region)s)
     or (l.scope = 'department' and (l.unit_id = %(unit)s or l.competent_id = (
         select case when v.kind = 'competent' then v.id else v.parent_id end
         from units v where v.id = %(unit)s)))
     or (l.scope = 'unit' and l.unit_id = %(unit)s))
"""
# every scope is reported to MOF and may be 02: only national scope leaves the province
NATIONAL_TAB = """
l.kind = %(kind)s and l.state in ('listed', 'done') and l.review_code = '02'
and l.scope = 'national'
"""
# what every viewer in the province sees on the local tab: its "2000+" holds for all of them
PROVINCE_PUBLIC = """
l.kind = %(kind)s and l.state in ('listed', 'done') and l.province = %(province)s
and l.scope in ('national', 'province')
"""
TAB_WHERE = {"local": LOCAL_TAB, "national": NATIONAL_TAB, "province_public": PROVINCE_PUBLIC}
FILTERS = {
    "region_prefix": "l.region_code like %(region_prefix)s",
    "category": "l.category_code like %(category)s",
    # the box promises 名称 / 编号 / 单位: name and code by the trigram index, the unit by
    # the (few) units whose name matches
    "keyword": "(l.search ilike %(keyword)s or l.unit_id = any(array("
    "select u.id from units u where u.name ilike %(keyword)s)))",
    "status": "l.state = %(status)s",
}
# names by scalar subqueries rather than joins: one relation to plan instead of four, which
# cut the database's CPU per page by about an eighth (planning costs as much as running it)
PAGE = """
select l.id, l.kind, l.bill_id, l.card_id, l.unit_id,
       (select u.name from units u where u.id = l.unit_id) as unit_name, l.scope,
       l.region_code, (select r.name from regions r where r.code = l.region_code) as region_name,
       l.category_code,
       (select c.name from categories c where c.code = l.category_code) as category_name,
       l.name, l.asset_code, l.quantity, l.area, l.measure_unit, l.state, l.review_code,
       l.result, l.listed_at,
       (select p.id from card_photos p where p.card_id = l.card_id and p.state = 'attached'
         order by p.id limit 1) as photo_id,
       l.province as origin_province, false as read_only
from listings l
where {where}
"""
ORDER = " order by listed_at desc, id desc limit {limit} offset {offset}"
COUNT = "select count(*) from (select 1 from listings l where {where} limit {cap}) x"
NATIONAL_COUNT = """
select count(*) from (select 1 from listings l where {where}
                      union all select 1 from national_listings l where {where} limit {cap}) x
"""


def _where(tab: str, params: dict[str, Any]) -> sql.Composed:
    """The tab's visibility plus only the filters given (a plan per shape, not one for all)."""
    parts = [sql.SQL(TAB_WHERE[tab])]
    parts += [sql.SQL(FILTERS[k]) for k in FILTERS if params[k] is not None]
    return sql.SQL(" and ").join(parts)


@dataclass(frozen=True, slots=True)
class PlazaQuery:
    kind: str
    tab: str
    region: str | None = None
    category: str | None = None
    keyword: str | None = None
    status: str | None = None
    page: int = 1
    page_size: int = 20
    with_total: bool = True


def _params(p: Principal, q: PlazaQuery) -> dict[str, Any]:
    return {
        "kind": q.kind, "tab": q.tab, "province": p.region_code[:2], "region": p.region_code,
        "unit": p.unit_id,
        "region_prefix": _like_prefix(q.region), "category": _like_prefix(q.category),
        "keyword": None if not q.keyword else "%" + _escape(q.keyword) + "%",
        "status": q.status,
    }  # fmt: skip


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_prefix(code: str | None) -> str | None:
    return None if not code else _escape(code) + "%"


REVIEW_TEXT = {"03": "03-省内审核中", "01": "01-待财政部审核", "02": "02-财政部已审核"}


def shape(row: dict[str, Any]) -> dict[str, Any]:
    """A plaza row with its Chinese labels beside the codes."""
    return {
        **row,
        "state_text": STATE_TEXT[row["state"]],
        "kind_state_text": KIND_STATE_TEXT[row["kind"]].get(row["state"], STATE_TEXT[row["state"]]),
        # listed without a code: locally final, not reported (03 would say "not yet final")
        "review_code_text": REVIEW_TEXT.get(row["review_code"], FINAL_TEXT),
        "result": row["result"],
    }


def _capped_key(tab: str, q: PlazaQuery, params: dict[str, Any]) -> tuple[Any, ...]:
    viewers = params["province"] if tab == "province_public" else None
    return (q.kind, tab, viewers, q.region, q.category, q.keyword, q.status)


async def plaza(
    conn: AsyncConnection[Any],
    p: Principal,
    q: PlazaQuery,
    totals: CappedTotals,
) -> dict[str, Any]:
    """One plaza page, its total counted in the same round trip (a pipeline).

    The local tab first counts what every viewer in the province sees (scope 全国 / 本省):
    when that alone passes the cap, "2000+" is known for all of them and remembered once per
    province rather than once per unit. Only when it falls short are the viewer's own
    scopes (本市, 本部门, 本单位) counted too, exactly.
    """
    params = _params(p, q)
    where = _where(q.tab, params)
    count_tab = "province_public" if q.tab == "local" else q.tab
    count_where = where if count_tab == q.tab else _where(count_tab, params)
    key = _capped_key(count_tab, q, params)
    count = q.with_total and not totals.known_capped(key, monotonic())
    page_cur = conn.cursor(row_factory=dict_row)
    count_cur = conn.cursor()
    async with conn.pipeline():
        await page_cur.execute(_page_sql(where, q), params)
        if count:
            await count_cur.execute(_count_sql(count_where, count_tab), params)
    rows = await page_cur.fetchall()
    total: int | None = TOTAL_CAP + 1 if q.with_total else None
    if count:
        total = await _fetch_count(count_cur)
        if total > TOTAL_CAP:
            totals.remember_capped(key, monotonic())
        elif count_tab != q.tab:
            total = await _fetch_count(await conn.execute(_count_sql(where), params))
    return {
        "items": [shape(r) for r in rows[: q.page_size]],
        "page": q.page,
        "page_size": q.page_size,
        "has_more": len(rows) > q.page_size,
        "total": None if total is None else min(total, TOTAL_CAP),
        "total_capped": total is not None and total > TOTAL_CAP,
    }


def _page_sql(where: sql.Composed, q: PlazaQuery) -> sql.Composed:
    # limit and offset as literals (validated ints): with them as parameters PostgreSQL
    # plans every execution afresh, since a generic plan cannot know how few rows it needs
    order = sql.SQL(ORDER).format(
        limit=sql.Literal(q.page_size + 1), offset=sql.Literal((q.page - 1) * q.page_size)
    )
    page = sql.SQL(PAGE).format(where=where)
    if q.tab == "national":
        page = sql.SQL("{} union all {}").format(
            page, sql.SQL(mof_national.PAGE_BRANCH).format(where=where)
        )
    return page + order


def _count_sql(where: sql.Composed, tab: str = "local") -> sql.Composed:
    text = NATIONAL_COUNT if tab == "national" else COUNT
    return sql.SQL(text).format(where=where, cap=sql.Literal(TOTAL_CAP + 1))


async def _fetch_count(cur: AsyncCursor[Any]) -> int:
    found = await cur.fetchone()
    return int(found[0]) if found else 0


DETAIL = """
select l.*, u.name as unit_name, r.name as region_name, cat.name as category_name,
       b.bill_no, b.contact_name, b.contact_phone, b.address, b.attachments, b.title,
       b.description, b.demand_type, b.expected_arrival, b.end_date, b.urgency,
       b.accounting_subject, b.creator_name, b.handler_name, b.scope as bill_scope
from listings l join units u on u.id = l.unit_id join bills b on b.id = l.bill_id
left join regions r on r.code = l.region_code
left join categories cat on cat.code = l.category_code
where l.id = %s
"""
CARD = """
select c.id, c.asset_code, c.name, c.category_code, c.status, s.label_zh as status_text,
       c.shareable, c.quantity, c.area, c.measure_unit, c.brand, c.model, c.spec,
       c.original_value, c.net_value, c.acquired_on, c.location, c.usage_direction
from asset_cards c join card_statuses s on s.code = c.status where c.id = %s
"""


def can_see(p: Principal, row: dict[str, Any], competent: int | None) -> bool:
    """The plaza's visibility rule for one listing, plus the publisher's own view."""
    if row["unit_id"] == p.unit_id:
        return True
    if row["state"] not in ("listed", "done"):
        return False
    if row["review_code"] == "02" and row["scope"] == "national":
        return True
    if row["province"] != p.region_code[:2]:
        return False
    scope = row["scope"]
    return (
        scope in ("national", "province")
        or (scope == "city" and row["region_code"] == p.region_code)
        or (scope == "department" and competent is not None and row["competent_id"] == competent)
    )


async def visible_listing(
    conn: AsyncConnection[Any], p: Principal, listing_id: int, competent: int | None
) -> dict[str, Any]:
    """The listing's detail row; one the viewer may not see is reported as not found."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(DETAIL, (listing_id,))
    row = await cur.fetchone()
    if row is None or not can_see(p, row, competent):
        raise not_found("上架资产", "LISTING_NOT_FOUND", listing_id=listing_id)
    return row


async def detail(
    conn: AsyncConnection[Any], p: Principal, listing_id: int, competent: int | None
) -> dict[str, Any]:
    """查看详情: publisher, receiver / provider, card, attachments, photos."""
    downlinked = await mof_national.detail(conn, listing_id)
    if downlinked is not None:
        return {**downlinked, "listing": shape(downlinked["listing"])}
    row = await visible_listing(conn, p, listing_id, competent)
    cur = conn.cursor(row_factory=dict_row)
    card = None
    photos: list[int] = []
    if row["card_id"] is not None:
        await cur.execute(CARD, (row["card_id"],))
        card = await cur.fetchone()
        await cur.execute(
            "select id from card_photos where card_id = %s and state = 'attached' order by id",
            (row["card_id"],),
        )
        photos = [r["id"] for r in await cur.fetchall()]
    result = row["result"] or {}
    return {
        "listing": shape({**{k: row[k] for k in (
            "id", "kind", "bill_id", "card_id", "unit_id", "unit_name", "scope", "region_code",
            "region_name", "category_code", "category_name", "name", "asset_code", "quantity",
            "area", "measure_unit", "state", "review_code", "result", "listed_at")},
            "photo_id": photos[0] if photos else None, "origin_province": row["province"],
            "read_only": False}),
        "publisher": {
            "unit_id": row["unit_id"], "unit_name": row["unit_name"], "bill_no": row["bill_no"],
            "contact_name": row["contact_name"], "contact_phone": row["contact_phone"],
            "address": row["address"],
        },
        "counterpart": {
            "role": "provider" if row["kind"] == "demand" else "receiver",
            "role_text": "资产提供方" if row["kind"] == "demand" else "接收方",
            "unit_name": result.get("providing_unit_name") or result.get("receiving_unit_name"),
            "method": result.get("method"),
            "method_text": result.get("method_text"),
        },
        "demand": None if row["kind"] != "demand" else {
            k: row[k] for k in ("title", "description", "demand_type", "expected_arrival",
                                "end_date", "urgency", "accounting_subject", "creator_name",
                                "handler_name")
        },
        "card": card,
        "delist_reason": row["delist_reason"],
        "delist_reason_text": None if row["delist_reason"] is None
        else DELIST_REASON_TEXT.get(row["delist_reason"], row["delist_reason"]),
        "photo_ids": photos,
        "attachments": row["attachments"],
    }  # fmt: skip


LISTED_PHOTO = """
select 1 from card_photos where id = %s and card_id = %s and state = 'attached'
"""


async def listed_photo_card(
    conn: AsyncConnection[Any],
    p: Principal,
    listing_id: int,
    photo_id: int,
    competent: int | None,
) -> int:
    """The card whose attached photo a plaza viewer may see through a listing.

    The plaza shows other units' assets, whose cards the viewer may not read: the listing's
    visibility, not the card's, decides; only approved (attached) photos are shown.
    """
    row = await visible_listing(conn, p, listing_id, competent)
    found = None
    if row["card_id"] is not None:
        found = await (await conn.execute(LISTED_PHOTO, (photo_id, row["card_id"]))).fetchone()
    if found is None:
        raise not_found("照片", "PHOTO_NOT_FOUND", photo_id=photo_id)
    return int(row["card_id"])


BY_IDS = """
select l.id, l.kind, l.bill_id, l.card_id, l.unit_id, u.name as unit_name, l.scope,
       l.region_code, r.name as region_name, l.category_code, cat.name as category_name,
       l.name, l.asset_code, l.quantity, l.area, l.measure_unit, l.state, l.review_code,
       l.result, l.listed_at, null::bigint as photo_id, l.province, l.competent_id
from listings l join units u on u.id = l.unit_id
left join regions r on r.code = l.region_code
left join categories cat on cat.code = l.category_code
where l.id = any(%s) order by l.listed_at desc, l.id desc
"""


async def rows_by_ids(
    conn: AsyncConnection[Any], p: Principal, ids: list[int], competent: int | None
) -> list[dict[str, Any]]:
    """The chosen rows the user may see, for export (other provinces' from the downlink)."""
    wanted = [i for i in ids if 0 < i < 2**63]
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(BY_IDS, (wanted,))
    rows = [r for r in await cur.fetchall() if can_see(p, r, competent)]
    await cur.execute(mof_national.BY_IDS, (wanted,))
    rows += await cur.fetchall()
    rows.sort(key=lambda r: (r["listed_at"], r["id"]), reverse=True)
    return [shape(r) for r in rows]
