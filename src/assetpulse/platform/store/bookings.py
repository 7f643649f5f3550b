"""共享预约 against PostgreSQL: requests, decisions, both sides' confirmations, photos, and
the usage the monitor measured while the asset was on loan.

A booking is seen by the users of its two units only; the listing's calendar shows every
holding booking to whoever may see the listing, the borrowing unit's name only to the two
sides. Overlaps are refused by ``bookings_no_overlap`` (migration 4007), which holds under
any race; requests for one asset take its card's row lock first, because two overlapping
inserts racing on an exclusion constraint can wait on each other and end in a deadlock
(an error the API can only call "database unavailable") instead of one clean
``BOOKING_OVERLAP``. The usage comes from the monitor's ``usage_hourly`` for the loan's
hours.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import AsyncConnection
from psycopg import errors as pg_errors
from psycopg.rows import dict_row
from psycopg.types.range import Range

from assetpulse.inventory.photo_check import PhotoRejectedError, check_photo
from assetpulse.inventory.photo_metadata import strip_metadata
from assetpulse.objects import ObjectStore, stored_bytes
from assetpulse.org.principal import Principal, Role
from assetpulse.platform import bookings as core
from assetpulse.platform.errors import conflict, forbidden, invalid, not_found
from assetpulse.platform.store.access import competent_of, set_actor
from assetpulse.platform.store.plaza import visible_listing

# one request for an asset at a time (see the module's docstring); NO KEY UPDATE leaves
# foreign-key checks on the card free
LOCK_CARD = "select 1 from asset_cards where id = %s for no key update"
INSERT = """
insert into bookings (booking_no, listing_id, card_id, owner_unit_id, borrower_unit_id,
                      requested_by, period, purpose)
values ('YY' || to_char(now() at time zone 'Asia/Shanghai', 'YYYYMMDD')
        || lpad(nextval('booking_no_seq')::text, 6, '0'), %s, %s, %s, %s, %s, %s, %s)
returning id
"""
SELECT = """
select b.id, b.booking_no, b.listing_id, b.card_id, b.owner_unit_id, b.borrower_unit_id,
       lower(b.period) as start, upper(b.period) as "end", b.purpose, b.state,
       b.decline_reason, b.decided_at, b.handed_over_at, b.returned_at, b.created_at,
       l.name as asset_name, l.asset_code, ou.name as owner_unit_name,
       bu.name as borrower_unit_name, ru.display_name as requested_by_name,
       du.display_name as decided_by_name
from bookings b join listings l on l.id = b.listing_id
join units ou on ou.id = b.owner_unit_id join units bu on bu.id = b.borrower_unit_id
join users ru on ru.id = b.requested_by left join users du on du.id = b.decided_by
"""
CALENDAR = """
select b.id, lower(b.period) as start, upper(b.period) as "end", b.state,
       b.borrower_unit_id, b.owner_unit_id, bu.name as borrower_unit_name
from bookings b join units bu on bu.id = b.borrower_unit_id
where b.card_id = %s and b.state in ('requested', 'approved', 'handed_over', 'returned')
  and upper(b.period) > now() - interval '90 days'
order by lower(b.period) limit 200
"""
CONFIRMATIONS = """
select c.step, c.side, c.confirmed_at, c.condition_note, u.display_name as confirmed_by_name
from booking_confirmations c join users u on u.id = c.confirmed_by
where c.booking_id = %s order by c.confirmed_at
"""
PHOTOS = """
select id, step, side, content_type, byte_size, created_at from booking_photos
where booking_id = %s order by id
"""
HAS_SENSORS = """
select exists (select 1 from sensor_bindings where card_id = %s and valid && %s)
"""
# the monitor's hourly rollup of the card (monitor/http/actions.py USAGE reads the same
# table); the loan's first and last hours count whole, as the rollup has no finer grain
USAGE = """
select coalesce(sum(in_use_s), 0)::float8 / 3600 as in_use_hours,
       coalesce(sum(sessions), 0)::int as sessions,
       count(*) filter (where samples > 0)::int as hours_with_data,
       coalesce(sum(distance_m), 0)::float8 as distance_m,
       max(temp_max)::float8 as temp_max
from usage_hourly
where card_id = %(card)s and hour >= date_trunc('hour', %(from)s::timestamptz)
  and hour < %(to)s
"""
USAGE_DAYS = """
select (hour at time zone 'Asia/Shanghai')::date as day,
       sum(in_use_s)::float8 / 3600 as in_use_hours, sum(sessions)::int as sessions
from usage_hourly
where card_id = %(card)s and hour >= date_trunc('hour', %(from)s::timestamptz)
  and hour < %(to)s
group by 1 order by 1
"""


def _actor(p: Principal, unit_id: int, *, operator: bool = True) -> None:
    roles = (Role.OPERATOR,) if operator else (Role.OPERATOR, Role.ASSET_USER)
    if p.unit_id != unit_id or not any(p.has_role(r) for r in roles):
        who = "经办岗" if operator else "经办岗或资产使用人"
        raise forbidden("BOOKING_NOT_YOUR_SIDE", f"只有相关单位的{who}可以办理该预约事项。")


async def request(
    conn: AsyncConnection[Any],
    p: Principal,
    listing_id: int,
    *,
    start: dt.datetime,
    end: dt.datetime,
    purpose: str,
) -> dict[str, Any]:
    """A unit asks for a shared listing for a period; refused when any holding booking of
    the same asset overlaps it."""
    competent = await competent_of(conn, p.unit_id)
    row = await visible_listing(conn, p, listing_id, competent)
    if row["kind"] != "share" or row["state"] != "listed" or row["card_id"] is None:
        raise conflict("BOOKING_NOT_SHAREABLE", "只能预约共享广场上「可共享」的资产。")
    if row["unit_id"] == p.unit_id:
        raise invalid("BOOKING_OWN_ASSET", "这是本单位的资产，无需预约。")
    if not p.has_role(Role.OPERATOR):
        raise forbidden("BOOKING_OPERATOR_ONLY", "只有经办岗可以提交共享预约。")
    period = core.check_period(start, end, dt.datetime.now(dt.UTC))
    span = Range(period.start, period.end, "[)")
    try:
        async with conn.transaction():
            await set_actor(conn, p)
            await conn.execute(LOCK_CARD, (row["card_id"],))
            cur = await conn.execute(INSERT, (listing_id, row["card_id"], row["unit_id"],
                                              p.unit_id, p.user_id, span, purpose))  # fmt: skip
            found = await cur.fetchone()
    except pg_errors.ExclusionViolation as exc:
        raise conflict(
            "BOOKING_OVERLAP",
            "该时段与已有预约重叠，请在日历上选择空闲时段。",
            listing_id=listing_id,
        ) from exc
    assert found is not None
    return await get(conn, p, int(found[0]))


async def calendar(
    conn: AsyncConnection[Any], p: Principal, listing_id: int
) -> list[dict[str, Any]]:
    competent = await competent_of(conn, p.unit_id)
    row = await visible_listing(conn, p, listing_id, competent)
    if row["card_id"] is None or row["kind"] != "share":
        return []
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(CALENDAR, (row["card_id"],))
    out = []
    for b in await cur.fetchall():
        party = p.unit_id in (b["borrower_unit_id"], b["owner_unit_id"])
        out.append({
            "id": b["id"] if party else None, "start": b["start"], "end": b["end"],
            "state": b["state"], "state_text": core.STATE_TEXT[b["state"]],
            "mine": b["borrower_unit_id"] == p.unit_id,
            "borrower_unit_name": b["borrower_unit_name"] if party else None,
        })  # fmt: skip
    return out


def _shape(b: dict[str, Any], p: Principal) -> dict[str, Any]:
    side = core.side_of(p.unit_id, b["owner_unit_id"], b["borrower_unit_id"])
    return {**b, "state_text": core.STATE_TEXT[b["state"]], "my_side": side,
            "my_side_text": core.SIDE_TEXT.get(side or "", None)}  # fmt: skip


async def items(
    conn: AsyncConnection[Any], p: Principal, role: str | None = None
) -> list[dict[str, Any]]:
    where = {
        None: "b.owner_unit_id = %(unit)s or b.borrower_unit_id = %(unit)s",
        "owner": "b.owner_unit_id = %(unit)s",
        "borrower": "b.borrower_unit_id = %(unit)s",
    }[role]
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        SELECT + f" where {where} order by b.created_at desc, b.id desc limit 300",
        {"unit": p.unit_id},
    )
    return [_shape(b, p) for b in await cur.fetchall()]


async def _row(
    conn: AsyncConnection[Any], p: Principal, booking_id: int, *, lock: bool = False
) -> dict[str, Any]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        SELECT + " where b.id = %(id)s and (b.owner_unit_id = %(unit)s"
        " or b.borrower_unit_id = %(unit)s)" + (" for update of b" if lock else ""),
        {"id": booking_id, "unit": p.unit_id},
    )
    row = await cur.fetchone()
    if row is None:
        raise not_found("预约", "BOOKING_NOT_FOUND", booking_id=booking_id)
    return row


async def get(conn: AsyncConnection[Any], p: Principal, booking_id: int) -> dict[str, Any]:
    b = await _row(conn, p, booking_id)
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(CONFIRMATIONS, (booking_id,))
    confirmations = [
        {**c, "step_text": core.STEP_TEXT[c["step"]], "side_text": core.SIDE_TEXT[c["side"]]}
        for c in await cur.fetchall()
    ]
    await cur.execute(PHOTOS, (booking_id,))
    photos = await cur.fetchall()
    return {**_shape(b, p), "confirmations": confirmations, "photos": photos,
            "usage": await _usage(conn, b)}  # fmt: skip


async def _usage(conn: AsyncConnection[Any], b: dict[str, Any]) -> dict[str, Any] | None:
    """What the monitor measured from the handover to the return (or now); None before the
    handover. ``has_sensors`` says whether any sensor was on the asset in that time."""
    if b["handed_over_at"] is None:
        return None
    start = b["handed_over_at"]
    end = b["returned_at"] or dt.datetime.now(dt.UTC)
    cur = await conn.execute(HAS_SENSORS, (b["card_id"], Range(start, end, "[)")))
    found = await cur.fetchone()
    if not (found and found[0]):
        return {"has_sensors": False, "from": start, "to": end}
    params = {"card": b["card_id"], "from": start, "to": end}
    dcur = conn.cursor(row_factory=dict_row)
    await dcur.execute(USAGE, params)
    total = await dcur.fetchone()
    await dcur.execute(USAGE_DAYS, params)
    return {"has_sensors": True, "from": start, "to": end, **(total or {}),
            "by_day": await dcur.fetchall()}  # fmt: skip


async def decide(
    conn: AsyncConnection[Any], p: Principal, booking_id: int, action: str, reason: str | None
) -> dict[str, Any]:
    """approve / decline (the owner's operators), cancel (the borrower's)."""
    async with conn.transaction():
        b = await _row(conn, p, booking_id, lock=True)
        side_unit = b["borrower_unit_id"] if action == "cancel" else b["owner_unit_id"]
        _actor(p, side_unit)
        state = core.decide(b["state"], action)
        if action == "decline" and not (reason or "").strip():
            raise invalid("BOOKING_DECLINE_REASON_REQUIRED", "拒绝预约时须填写原因。")
        await set_actor(conn, p)
        await conn.execute(
            "update bookings set state = %s, decided_by = %s, decided_at = now(),"
            " decline_reason = %s where id = %s",
            (state, p.user_id, (reason or "").strip() or None, booking_id),
        )
    return await get(conn, p, booking_id)


async def confirm(
    conn: AsyncConnection[Any], p: Principal, booking_id: int, step: str, note: str
) -> dict[str, Any]:
    """One side confirms the handover or the return with the condition it found; the
    booking moves on when the other side has confirmed too."""
    async with conn.transaction():
        b = await _row(conn, p, booking_id, lock=True)
        side = core.side_of(p.unit_id, b["owner_unit_id"], b["borrower_unit_id"])
        assert side is not None  # _row only finds the two sides' bookings
        _actor(p, p.unit_id, operator=False)
        core.confirm_step(b["state"], step)
        try:
            async with conn.transaction():
                await conn.execute(
                    "insert into booking_confirmations (booking_id, step, side, confirmed_by,"
                    " condition_note) values (%s, %s, %s, %s, %s)",
                    (booking_id, step, side, p.user_id, note.strip()),
                )
        except pg_errors.UniqueViolation as exc:
            raise conflict(
                "BOOKING_ALREADY_CONFIRMED",
                f"{core.SIDE_TEXT[side]}已确认过{core.STEP_TEXT[step]}，等待对方确认。",
            ) from exc
        sides = {
            r[0] for r in await (await conn.execute(
                "select side from booking_confirmations where booking_id = %s and step = %s",
                (booking_id, step),
            )).fetchall()
        }  # fmt: skip
        state = core.after_confirmations(b["state"], step, sides)
        if state != b["state"]:
            column = "handed_over_at" if state == "handed_over" else "returned_at"
            await conn.execute(
                f"update bookings set state = %s, {column} = now() where id = %s",
                (state, booking_id),
            )
    return await get(conn, p, booking_id)


async def add_photo(
    conn: AsyncConnection[Any],
    objects: ObjectStore,
    p: Principal,
    booking_id: int,
    step: str,
    data: bytes,
) -> int:
    b = await _row(conn, p, booking_id)
    side = core.side_of(p.unit_id, b["owner_unit_id"], b["borrower_unit_id"])
    assert side is not None
    _actor(p, p.unit_id, operator=False)
    if b["state"] not in ("approved", "handed_over", "returned"):
        raise conflict("BOOKING_STEP_NOT_ALLOWED", "预约经同意后才能上传交接或归还照片。")
    try:
        checked = check_photo(data)
    except PhotoRejectedError as exc:
        raise invalid(exc.code, exc.message) from exc
    if strip_metadata(checked.content_type, data) is None:
        raise invalid("PHOTO_UNREADABLE", "照片文件已损坏或格式无法识别，请重新拍摄或另存后上传。")
    await objects.put(data, content_type=checked.content_type)  # before the row that names it
    try:
        async with conn.transaction():
            cur = await conn.execute(
                "insert into booking_photos (booking_id, step, side, sha256, content_type,"
                " byte_size, uploaded_by) values (%s, %s, %s, %s, %s, %s, %s)"
                " returning id",
                (booking_id, step, side, checked.sha256, checked.content_type,
                 checked.byte_size, p.user_id),
            )  # fmt: skip
            row = await cur.fetchone()
    except pg_errors.UniqueViolation as exc:
        raise conflict("PHOTO_DUPLICATE", "这张照片已经上传过（内容相同），无需重复上传。") from exc
    assert row is not None
    return int(row[0])


async def photo(
    conn: AsyncConnection[Any], objects: ObjectStore, p: Principal, booking_id: int, photo_id: int
) -> tuple[str, bytes]:
    await _row(conn, p, booking_id)
    cur = await conn.execute(
        "select content_type, sha256, data from booking_photos where id = %s and booking_id = %s",
        (photo_id, booking_id),
    )
    row = await cur.fetchone()
    if row is None:
        raise not_found("照片", "PHOTO_NOT_FOUND", photo_id=photo_id)
    return str(row[0]), await stored_bytes(objects, str(row[1]), row[2])
