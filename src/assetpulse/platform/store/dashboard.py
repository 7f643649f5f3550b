"""The dashboard's queries (首页/数据看板), scoped as the viewer reads cards.

Scopes (``org.scope.card_read_scope``): a unit's staff and administrators see their unit,
a competent department (主管部门) its own and its units' figures, a finance user
(财政用户) those of their fiscal region (a province code covers its cities and counties).
An asset user who only stocktakes has no dashboard.

Listings are read in one grouping query through the scope's covering index (migration
4006: by unit, by competent department, by province), so that the page costs one
index-only scan of the scope's listings; cards, suggestions and sensor bindings through
their unit indexes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection, sql
from psycopg.rows import dict_row

from assetpulse.org.principal import Principal
from assetpulse.org.scope import card_read_scope
from assetpulse.platform import dashboard
from assetpulse.platform.errors import forbidden

BEIJING = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class Scope:
    kind: str  # unit | competent | region
    unit_id: int | None
    region_prefix: str | None
    label: str

    @property
    def listing_where(self) -> sql.SQL:
        if self.kind == "unit":
            return sql.SQL("l.unit_id = %(scope_unit)s")
        if self.kind == "competent":
            return sql.SQL("l.competent_id = %(scope_unit)s")
        return sql.SQL("l.province = %(scope_province)s and l.region_code like %(scope_prefix)s")

    @property
    def unit_where(self) -> sql.SQL:
        """The units in scope, as a condition on ``u``."""
        if self.kind == "unit":
            return sql.SQL("u.id = %(scope_unit)s")
        if self.kind == "competent":
            return sql.SQL("(u.id = %(scope_unit)s or u.parent_id = %(scope_unit)s)")
        return sql.SQL("u.region_code like %(scope_prefix)s")

    @property
    def params(self) -> dict[str, Any]:
        prefix = self.region_prefix or ""
        return {"scope_unit": self.unit_id, "scope_province": prefix[:2],
                "scope_prefix": prefix + "%"}  # fmt: skip


async def scope_of(conn: AsyncConnection[Any], p: Principal) -> Scope:
    s = card_read_scope(p)
    cur = await conn.execute(
        "select u.name, r.name from units u join regions r on r.code = u.region_code"
        " where u.id = %s",
        (p.unit_id,),
    )
    row = await cur.fetchone()
    unit_name, region_name = (row[0], row[1]) if row else ("", "")
    if s.region_prefix is not None:
        return Scope("region", None, s.region_prefix, f"{region_name}（财政区划）")
    if s.parent_unit_id is not None:
        return Scope("competent", s.parent_unit_id, None, f"{unit_name}及所属单位")
    if s.unit_id is not None and s.department_id is None and s.user_id is None:
        return Scope("unit", s.unit_id, None, unit_name)
    raise forbidden(
        "DASHBOARD_NOT_FOR_ROLE", "数据看板供单位经办、审核岗及主管部门、财政用户使用。"
    )


# the scope's tallies and the deltas not yet folded into them, summed (migration 4006)
TALLY_WHERE = {
    "unit": "t.unit_id = %(scope_unit)s",
    "competent": "t.competent_id = %(scope_unit)s",
    "region": "t.province = %(scope_province)s and t.region_code like %(scope_prefix)s",
}
LISTING_GROUPS = """
select kind, state, listed_month, done_month, sum(n) as n, sum(value) as value,
       sum(compensation) as compensation, sum(compensated) as compensated
from (select t.kind, t.state, t.listed_month, t.done_month, t.n, t.value, t.compensation,
             t.compensated from listing_tallies t where {scope}
      union all
      select t.kind, t.state, t.listed_month, t.done_month, t.n, t.value, t.compensation,
             t.compensated from listing_tally_deltas t where {scope}) x
group by 1, 2, 3, 4
having sum(n) <> 0
"""
# Fold the deltas into the tallies: one folder at a time (the others skip it), only rows
# this statement sees, so a delta of a transaction still running waits for the next fold.
FOLD = """
with moved as (delete from listing_tally_deltas returning *),
summed as (
    select unit_id, competent_id, province, region_code, kind, state, listed_month,
           done_month, sum(n) as n, sum(value) as value, sum(compensation) as compensation,
           sum(compensated) as compensated
    from moved group by 1, 2, 3, 4, 5, 6, 7, 8
)
insert into listing_tallies as t (unit_id, competent_id, province, region_code, kind, state,
                                  listed_month, done_month, n, value, compensation, compensated)
select * from summed
on conflict (unit_id, competent_id, region_code, kind, state, listed_month, done_month)
do update set n = t.n + excluded.n, value = t.value + excluded.value,
              compensation = t.compensation + excluded.compensation,
              compensated = t.compensated + excluded.compensated
"""
FOLD_EVERY = 2_000  # deltas waiting before a dashboard request folds them


async def compact(conn: AsyncConnection[Any], *, at_least: int = FOLD_EVERY) -> bool:
    """Fold the deltas into the tallies when enough wait and no one else is folding."""
    cur = await conn.execute(
        "select count(*) from (select 1 from listing_tally_deltas limit %s) x", (at_least,)
    )
    row = await cur.fetchone()
    if row is None or row[0] < at_least:
        return False
    async with conn.transaction():
        got = await conn.execute("select pg_try_advisory_xact_lock(hashtext('listing_tallies'))")
        locked = await got.fetchone()
        if not locked or not locked[0]:
            return False
        await conn.execute(FOLD)
        await conn.execute("delete from listing_tallies where n = 0")
    return True


IDLE = """
select count(*) filter (where c.status = 'idle') as idle_cards,
       coalesce(sum(coalesce(c.net_value, c.original_value)) filter (where c.status = 'idle'), 0)
         as idle_book_value,
       count(*) filter (where c.status = 'pending_disposal') as pending_disposal_cards,
       coalesce(sum(coalesce(c.net_value, c.original_value))
                filter (where c.status = 'pending_disposal'), 0) as pending_disposal_book_value
from units u join asset_cards c on c.unit_id = u.id
where {units} and c.status in ('idle', 'pending_disposal')
"""
SUGGESTED = """
select s.verdict, count(*) as cards,
       coalesce(sum(coalesce(c.net_value, c.original_value)), 0) as book_value
from units u join suggestions s on s.unit_id = u.id and s.state = 'new'
join asset_cards c on c.id = s.card_id
where {units}
group by s.verdict
"""
SENSORS = """
select (select count(*) from units u join asset_cards c on c.unit_id = u.id
        where {units} and c.status not in ('disposed', 'split')) as cards,
       (select count(distinct b.card_id)
        from units u join asset_cards c on c.unit_id = u.id
        join sensor_bindings b on b.card_id = c.id
        where {units} and c.status not in ('disposed', 'split') and b.valid @> now()) as covered
"""


def _window(months: int, now: dt.datetime) -> list[dt.date]:
    return dashboard.months_back(now.astimezone(BEIJING).date(), months)


async def summary(conn: AsyncConnection[Any], p: Principal, months: int) -> dict[str, Any]:
    scope = await scope_of(conn, p)
    await compact(conn)
    async with conn.transaction():
        # short aggregates over many rows: compiling them (JIT) costs more than it saves
        await conn.execute("set local jit = off")
        return await _summary(conn, scope, months)


async def _summary(conn: AsyncConnection[Any], scope: Scope, months: int) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    starts = _window(months, now)
    cur = conn.cursor(row_factory=dict_row)
    tally = sql.SQL(TALLY_WHERE[scope.kind])
    await cur.execute(sql.SQL(LISTING_GROUPS).format(scope=tally), scope.params)
    folded = dashboard.fold(await cur.fetchall(), starts)
    await cur.execute(sql.SQL(IDLE).format(units=scope.unit_where), scope.params)
    idle = await cur.fetchone() or {}
    await cur.execute(sql.SQL(SUGGESTED).format(units=scope.unit_where), scope.params)
    suggested = {r["verdict"]: r for r in await cur.fetchall()}
    await cur.execute(sql.SQL(SENSORS).format(units=scope.unit_where), scope.params)
    sensors = await cur.fetchone() or {"cards": 0, "covered": 0}
    return {
        "scope": {"kind": scope.kind, "unit_id": scope.unit_id,
                  "region_prefix": scope.region_prefix, "label": scope.label},
        "generated_at": now,
        "months": months,
        "idle": {
            **idle,
            "suggested_idle_cards": suggested.get("idle", {}).get("cards", 0),
            "suggested_idle_book_value": suggested.get("idle", {}).get("book_value", 0),
            "under_used_cards": suggested.get("under_used", {}).get("cards", 0),
            "under_used_book_value": suggested.get("under_used", {}).get("book_value", 0),
        },
        "sensors": {**sensors, "coverage": dashboard.rate(sensors["covered"], sensors["cards"])},
        **folded,
    }  # fmt: skip


# --- drill down (明细) ----------------------------------------------------------------

CARD_ROWS = """
select c.id as card_id, c.asset_code, c.name, c.category_code, u.name as unit_name,
       st.label_zh as status_text, c.original_value, c.net_value, c.location,
       null::text as verdict, null::text as evidence_zh
from units u join asset_cards c on c.unit_id = u.id
join card_statuses st on st.code = c.status
where {units} and c.status = any(%(statuses)s)
order by c.id desc
"""
SUGGESTION_ROWS = """
select c.id as card_id, c.asset_code, c.name, c.category_code, u.name as unit_name,
       st.label_zh as status_text, c.original_value, c.net_value, c.location,
       s.verdict, s.evidence_zh
from units u join suggestions s on s.unit_id = u.id and s.state = 'new'
join asset_cards c on c.id = s.card_id join card_statuses st on st.code = c.status
where {units} and s.verdict = %(verdict)s
order by s.id desc
"""
LISTING_ROWS = """
select l.id as listing_id, l.kind, l.state, l.name, l.asset_code, l.category_code,
       (select u.name from units u where u.id = l.unit_id) as unit_name, l.scope,
       l.listed_at, l.done_at, l.original_value, l.compensation_yuan,
       coalesce(l.result ->> 'receiving_unit_name', l.result ->> 'providing_unit_name')
         as counterpart_unit_name
from listings l
where {scope} and l.kind = %(kind)s and l.state = %(state)s {age}
order by l.listed_at desc, l.id desc
"""
AGE_CLAUSE = "and l.listed_at >= %(age_from)s and l.listed_at < %(age_to)s"

LISTS = ("idle", "pending_disposal", "suggested_idle", "under_used", "listings")


def _age_bounds(bucket: int, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    first, end = dashboard.age_months(bucket, now.astimezone(BEIJING).date())
    return (dt.datetime.combine(first, dt.time(), BEIJING),
            dt.datetime.combine(end, dt.time(), BEIJING))  # fmt: skip


def _rows_query(
    scope: Scope, what: str, kind: str, state: str, age: int | None, now: dt.datetime
) -> tuple[sql.Composed, dict[str, Any]]:
    if what in ("idle", "pending_disposal"):
        query = sql.SQL(CARD_ROWS).format(units=scope.unit_where)
        return query, {"statuses": [what], **scope.params}
    if what in ("suggested_idle", "under_used"):
        verdict = "idle" if what == "suggested_idle" else "under_used"
        query = sql.SQL(SUGGESTION_ROWS).format(units=scope.unit_where)
        return query, {"verdict": verdict, **scope.params}
    params: dict[str, Any] = {"kind": kind, "state": state, **scope.params}
    clause = sql.SQL("")
    if age is not None and state == "listed":
        params["age_from"], params["age_to"] = _age_bounds(age, now)
        clause = sql.SQL(AGE_CLAUSE)
    query = sql.SQL(LISTING_ROWS).format(scope=scope.listing_where, age=clause)
    return query, params


async def rows(
    conn: AsyncConnection[Any],
    p: Principal,
    *,
    what: str,
    kind: str,
    state: str,
    age: int | None,
    page: int,
    page_size: int,
) -> dict[str, Any]:
    scope = await scope_of(conn, p)
    query, params = _rows_query(scope, what, kind, state, age, dt.datetime.now(dt.UTC))
    paged = sql.SQL("{} limit {} offset {}").format(
        query, sql.Literal(page_size + 1), sql.Literal((page - 1) * page_size)
    )
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(paged, params)
    found = await cur.fetchall()
    return {"list_name": what, "page": page, "page_size": page_size,
            "has_more": len(found) > page_size, "items": found[:page_size]}  # fmt: skip


async def stream_rows(
    conn: AsyncConnection[Any], scope: Scope, what: str, kind: str, state: str, limit: int
) -> AsyncIterator[dict[str, Any]]:
    """Every row of a list for the export, through a server-side cursor (bounded)."""
    query, params = _rows_query(scope, what, kind, state, None, dt.datetime.now(dt.UTC))
    cur = conn.cursor(name=f"dash_{what}_{kind}_{state}", row_factory=dict_row)
    await cur.execute(sql.SQL("{} limit {}").format(query, sql.Literal(limit)), params)
    while batch := await cur.fetchmany(2000):
        for row in batch:
            yield row
    await cur.close()
