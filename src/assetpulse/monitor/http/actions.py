"""What users do with suggestions and usage (建议处理与使用查询): async named queries.

Accepting a suggestion proposes a card change through the inventory's service (origin
``suggestion``, the suggestion's id, the card's current version): 闲置 for "adjust",
shareable = 是 for "share". The reviewer then decides on it in inventory, and the platform
opens a draft bill once it is approved. Everything is scoped to the user's own unit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from assetpulse.inventory.cards import CARD_READ_SCOPE, scope_params
from assetpulse.inventory.changes import propose_card_change
from assetpulse.monitor import errors
from assetpulse.monitor.http.fine_usage import SIGNALS, coverage_by_signal, fine_usage
from assetpulse.org.principal import Principal
from assetpulse.org.scope import card_read_scope

SUGGESTION_COLUMNS = """
s.id, s.card_id, c.asset_code, c.name as card_name, c.category_code, s.unit_id, s.verdict,
s.action, s.rule, s.score, s.metric, s.metric_value, s.evidence, s.evidence_zh, s.evidence_en,
s.window_from, s.window_to, s.state, s.created_at, s.updated_at, s.decided_by, s.decided_at,
s.dismiss_reason, s.snooze_until, s.card_change_id, u.name as unit_name
"""
# A unit's users: their own unit, and within it the cards they may read (an asset user:
# their department's). Finance and competent departments (``wide``): every unit their card
# scope covers, to read; acting stays with the unit's own operators (``_lock_open``).
LIST_SUGGESTIONS = f"""
select {SUGGESTION_COLUMNS}, count(*) over () as total
from suggestions s join asset_cards c on c.id = s.card_id join units u on u.id = c.unit_id
where (%(wide)s or s.unit_id = %(unit)s) and {CARD_READ_SCOPE}
  and (%(state)s::text is null or s.state = %(state)s)
  and (%(action)s::text is null or s.action = %(action)s)
  and (%(card)s::bigint is null or s.card_id = %(card)s)
order by s.score desc, s.id
limit %(limit)s offset %(offset)s
"""
SUGGESTION_BY_ID = f"""
select {SUGGESTION_COLUMNS}
from suggestions s join asset_cards c on c.id = s.card_id join units u on u.id = c.unit_id
where s.id = %(id)s and (%(wide)s or s.unit_id = %(unit)s) and {CARD_READ_SCOPE}
"""
LOCK_SUGGESTION = (
    "select state, card_id, action from suggestions where id = %s and unit_id = %s for update"
)
MARK_ACCEPTED = """
update suggestions set state = 'accepted', decided_by = %s, decided_at = now(),
    card_change_id = %s, updated_at = now()
where id = %s
"""
MARK_DISMISSED = """
update suggestions set state = 'dismissed', decided_by = %s, decided_at = now(),
    dismiss_reason = %s, snooze_until = now() + make_interval(days => %s::int), updated_at = now()
where id = %s
"""
AUDIT = """
insert into audit_log (actor_id, entity, entity_id, action, detail)
values (%s, 'suggestion', %s, %s, %s::jsonb)
"""
# the card when it is the user's unit's and within what they may read; finance and competent
# departments read the usage of every card their scope covers (the charts of a suggestion)
CARD_IN_SCOPE = f"""
select 1 from asset_cards c join units u on u.id = c.unit_id
where c.id = %(card)s and (%(wide)s or c.unit_id = %(unit)s) and {CARD_READ_SCOPE}
"""
# Buckets in local (China) wall time, so a "day" is a day users recognise; coverage is the
# observed share of every hour of the bucket inside [from, to), missing hours counting 0.
USAGE = """
with b as (
    select greatest(g at time zone 'Asia/Shanghai', %(from)s) as s,
           least((g + %(step)s::interval) at time zone 'Asia/Shanghai', %(to)s) as e
    from generate_series(
        date_trunc(%(unit)s, %(from)s at time zone 'Asia/Shanghai'),
        (%(to)s at time zone 'Asia/Shanghai') - interval '1 microsecond',
        %(step)s::interval) g
)
select b.s as start, b.e as "end",
       coalesce(sum(u.in_use_s), 0)::float8 as in_use_s,
       coalesce(sum(u.sessions), 0)::int as sessions,
       avg(u.temp_mean)::float8 as temp_mean,
       max(u.temp_max)::float8 as temp_max,
       max(u.temp_rise)::float8 as temp_rise,
       coalesce(sum(u.distance_m), 0)::float8 as distance_m,
       coalesce(sum(u.moving_s), 0)::float8 as moving_s,
       case when count(u.loc_coverage) > 0 then coalesce(sum(u.moving_s), 0) > 0 end as moved,
       (array_agg(u.lat order by u.hour desc) filter (where u.lat is not null))[1] as lat,
       (array_agg(u.lon order by u.hour desc) filter (where u.lon is not null))[1] as lon,
       string_agg(nullif(array_to_string(u.zones, ','), ''), ',') as zones_joined,
       coalesce(sum(u.samples), 0)::int as samples,
       (coalesce(sum(u.coverage), 0) / greatest(extract(epoch from b.e - b.s) / 3600, 1))::float8
           as coverage,
       (sum(u.photo_coverage) / greatest(extract(epoch from b.e - b.s) / 3600, 1))::float8
           as photo_coverage,
       (sum(u.temp_coverage) / greatest(extract(epoch from b.e - b.s) / 3600, 1))::float8
           as temp_coverage,
       (sum(u.loc_coverage) / greatest(extract(epoch from b.e - b.s) / 3600, 1))::float8
           as loc_coverage
from b left join usage_hourly u
  on u.card_id = %(card)s and u.hour >= date_trunc('hour', b.s) and u.hour < b.e
group by b.s, b.e
order by b.s
"""
BUCKETS = {"hour": "1 hour", "day": "1 day", "week": "1 week", "month": "1 month"}
# minute and quarter-hour buckets are computed from the readings (monitor.http.fine_usage)
FINE_BUCKETS = {"minute": 60, "15min": 900}
MAX_BUCKETS = {"minute": 24 * 60 * 2, "15min": 96 * 14, "hour": 24 * 62, "day": 800}
MAX_BUCKETS |= {"week": 530, "month": 240}
BUCKET_S = {"minute": 60, "15min": 900, "hour": 3600, "day": 86400, "week": 7 * 86400}
BUCKET_S |= {"month": 28 * 86400}
CHANGES: dict[str, dict[str, Any]] = {"adjust": {"status": "idle"}, "share": {"shareable": True}}


def reads_many_units(p: Principal) -> bool:
    """Finance (their region) and competent departments (their units) oversee suggestions."""
    return p.is_finance or p.unit_kind == "competent"


async def list_suggestions(
    conn: AsyncConnection[Any],
    p: Principal,
    *,
    state: str | None,
    action: str | None,
    limit: int,
    offset: int,
    card_id: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    cur = conn.cursor(row_factory=dict_row)
    args = scope_params(card_read_scope(p), p.user_id) | {
        "unit": p.unit_id,
        "wide": reads_many_units(p),
        "state": state,
        "action": action,
        "card": card_id,
        "limit": limit,
        "offset": offset,
    }
    await cur.execute(LIST_SUGGESTIONS, args)
    rows = await cur.fetchall()
    total = int(rows[0].pop("total")) if rows else 0
    for r in rows[1:]:
        r.pop("total")
    return rows, total


async def get_suggestion(conn: AsyncConnection[Any], p: Principal, sid: int) -> dict[str, Any]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        SUGGESTION_BY_ID,
        scope_params(card_read_scope(p), p.user_id)
        | {"id": sid, "unit": p.unit_id, "wide": reads_many_units(p)},
    )
    row = await cur.fetchone()
    if row is None:
        raise errors.suggestion_not_found(sid)
    return row


async def _lock_open(conn: AsyncConnection[Any], p: Principal, sid: int) -> tuple[int, str]:
    cur = await conn.execute(LOCK_SUGGESTION, (sid, p.unit_id))
    row = await cur.fetchone()
    if row is None:
        raise errors.suggestion_not_found(sid)
    if row[0] != "new":
        raise errors.suggestion_not_open(sid, row[0])
    return int(row[1]), str(row[2])


async def accept_suggestion(
    conn: AsyncConnection[Any], p: Principal, sid: int, *, note: str | None
) -> dict[str, Any]:
    """Propose the card change the suggestion calls for; the suggestion becomes accepted."""
    async with conn.transaction():
        card_id, action = await _lock_open(conn, p, sid)
        change_id = await propose_card_change(
            conn,
            card_id=card_id,
            changes=CHANGES[action],
            proposed_by=p.user_id,
            reason=note or ("采纳闲置资产建议" if action == "adjust" else "采纳共享共用建议"),
            origin="suggestion",
            suggestion_id=sid,
        )
        await conn.execute(MARK_ACCEPTED, (p.user_id, change_id, sid))
        await conn.execute(
            AUDIT, (p.user_id, str(sid), "accepted", f'{{"card_change_id": {change_id}}}')
        )
    return await get_suggestion(conn, p, sid)


async def dismiss_suggestion(
    conn: AsyncConnection[Any], p: Principal, sid: int, *, reason: str, snooze_days: int | None
) -> dict[str, Any]:
    """Dismiss with a reason; not suggested again until the evidence changes or the snooze
    of ``snooze_days`` days ends."""
    async with conn.transaction():
        await _lock_open(conn, p, sid)
        await conn.execute(MARK_DISMISSED, (p.user_id, reason, snooze_days, sid))
        await conn.execute(AUDIT, (p.user_id, str(sid), "dismissed", "{}"))
    return await get_suggestion(conn, p, sid)


async def card_usage(
    conn: AsyncConnection[Any],
    p: Principal,
    card_id: int,
    *,
    start: datetime,
    end: datetime,
    bucket: str,
    site: tuple[float, float] = (20.04, 110.34),
) -> list[dict[str, Any]]:
    if start.tzinfo is None or end.tzinfo is None:
        raise errors.usage_range_invalid("from 和 to 须带时区（如 2026-10-01T00:00:00+08:00）")
    if end <= start:
        raise errors.usage_range_invalid("to 须晚于 from")
    span = BUCKET_S[bucket]
    if (end - start).total_seconds() / span > MAX_BUCKETS[bucket] + 1:
        raise errors.usage_range_invalid(f"按{bucket}汇总最多 {MAX_BUCKETS[bucket]} 个区间")
    scope = scope_params(card_read_scope(p), p.user_id)
    cur = await conn.execute(
        CARD_IN_SCOPE, scope | {"card": card_id, "unit": p.unit_id, "wide": reads_many_units(p)}
    )
    if await cur.fetchone() is None:
        raise errors.card_not_found(card_id)
    if bucket in FINE_BUCKETS:
        return await fine_usage(
            conn, card_id, start=start, end=end, bucket_s=FINE_BUCKETS[bucket], site=site
        )
    dcur = conn.cursor(row_factory=dict_row)
    await dcur.execute(
        USAGE,
        {"from": start, "to": end, "step": BUCKETS[bucket], "unit": bucket, "card": card_id},
    )
    return [_hourly_bucket(r) for r in await dcur.fetchall()]


def _hourly_bucket(r: dict[str, Any]) -> dict[str, Any]:
    """A bucket summed from ``usage_hourly``: coverage per signal (per sensor needs the
    readings: ask for minute or 15min buckets)."""
    r["coverage_by_signal"] = coverage_by_signal(r)
    for k in SIGNALS:
        del r[f"{k}_coverage"]
    r["coverage_by_sensor"] = {}
    r["zones"] = sorted(set(filter(None, (r.pop("zones_joined") or "").split(","))))
    return r
