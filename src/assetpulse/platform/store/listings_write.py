"""Listings (上架) written by the workflow: list on final approval, withdraw, delist, results.

Result registration (登记结果): adjust → 调剂方式 and 接收方单位, then the card goes through
disposal (无偿划转 / 对外捐赠): proposed by inventory's service in the same transaction
(``dispose=True``, the result keeps its ``disposal_id``) or later on the 资产处置 page; the
unit's reviewer approves it with the 批复文号 like any disposal; share → 接收方单位;
demand → 资产提供方单位. A listing with a result is ``done``: it stays on the plaza with
the receiver / provider shown.

An adjusted asset belongs to the receiver (WORKFLOW.md 登记结果): its card stays claimed by
the done listing until it is disposed of, so the giver cannot publish it again; the disposal
(once approved) ends the giver's card and, when the receiving unit is in this system, gives
that unit the card (调入, trigger ``platform_transfer_in`` in migration 4002).
A shared asset stays the publisher's: its card is free again.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from assetpulse.inventory import propose_disposal
from assetpulse.org.principal import Principal
from assetpulse.platform.errors import conflict, invalid, not_found
from assetpulse.platform.store.access import require_operator, set_actor

LIST_LINES = """
insert into listings (bill_id, line_id, kind, card_id, unit_id, competent_id, scope,
                      region_code, category_code, name, asset_code, quantity, area, measure_unit)
select b.id, l.id, b.kind, c.id, b.unit_id,
       (select case when u.kind = 'competent' then u.id else u.parent_id end
          from units u where u.id = b.unit_id),
       b.scope, b.region_code, c.category_code, c.name, c.asset_code, c.quantity, c.area,
       c.measure_unit
from bills b join bill_lines l on l.bill_id = b.id and l.active
join asset_cards c on c.id = l.card_id
where b.id = %(bill)s and b.kind in ('adjust', 'share')
on conflict (bill_id, line_id) do update
   set state = 'listed', review_code = null, result = null, delist_reason = null,
       listed_at = now(), changed_at = now()
"""
LIST_DEMAND = """
insert into listings (bill_id, line_id, kind, unit_id, competent_id, scope, region_code,
                      category_code, name, quantity, area, measure_unit)
select b.id, null, 'demand', b.unit_id,
       (select case when u.kind = 'competent' then u.id else u.parent_id end
          from units u where u.id = b.unit_id),
       b.scope, b.region_code, b.category_code, b.title, b.quantity, b.area, b.measure_unit
from bills b where b.id = %(bill)s and b.kind = 'demand'
on conflict (bill_id, line_id) do update
   set state = 'listed', review_code = null, result = null, delist_reason = null,
       name = excluded.name, category_code = excluded.category_code,
       quantity = excluded.quantity, area = excluded.area,
       listed_at = now(), changed_at = now()
"""

METHODS = {"free_transfer": "无偿划转", "donation": "对外捐赠"}


async def list_bill(conn: AsyncConnection[Any], bill_id: int) -> None:
    """本地终审: the bill's lines (or the demand itself) appear on the plazas."""
    await conn.execute(LIST_LINES, {"bill": bill_id})
    await conn.execute(LIST_DEMAND, {"bill": bill_id})


async def withdraw_bill(conn: AsyncConnection[Any], bill_id: int) -> None:
    """Final approval cancelled or MOF rejected: off the plazas, cards stay on the bill."""
    await conn.execute(
        "update listings set state = 'withdrawn', changed_at = now()"
        " where bill_id = %s and state = 'listed'",
        (bill_id,),
    )


async def _lock_listing(
    conn: AsyncConnection[Any], p: Principal, listing_id: int
) -> dict[str, Any]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "select l.*, b.stage from listings l join bills b on b.id = l.bill_id"
        " where l.id = %s for update of l",
        (listing_id,),
    )
    row = await cur.fetchone()
    if row is None:
        raise not_found("上架资产", "LISTING_NOT_FOUND", listing_id=listing_id)
    require_operator(p, row["unit_id"])
    if row["state"] != "listed":
        raise conflict(
            "LISTING_NOT_LISTED", "该资产已下架或已登记结果，不能重复操作。", state=row["state"]
        )
    return row


async def _release(conn: AsyncConnection[Any], row: dict[str, Any], *, free: bool = True) -> None:
    if free and row["line_id"] is not None:
        await conn.execute("update bill_lines set active = false where id = %s", (row["line_id"],))
    # reported items: the change goes out in MOF's next batch
    await conn.execute(
        "update bills set mof_dirty = true where id = %s and stage in ('reported', 'mof_approved')",
        (row["bill_id"],),
    )


async def delist(
    conn: AsyncConnection[Any], p: Principal, listing_id: int, reason: str | None
) -> None:
    """下架 by the publishing unit."""
    async with conn.transaction():
        await set_actor(conn, p)
        row = await _lock_listing(conn, p, listing_id)
        await conn.execute(
            "update listings set state = 'delisted', delist_reason = %s, changed_at = now()"
            " where id = %s",
            (reason or "unit_delisted", listing_id),
        )
        await _release(conn, row)


async def register_result(
    conn: AsyncConnection[Any],
    p: Principal,
    listing_id: int,
    *,
    method: str | None,
    counterpart_unit_name: str,
    counterpart_unit_id: int | None,
    dispose: bool,
) -> dict[str, Any]:
    """登记结果; for adjust listings, also dispose of the card (inventory's service)."""
    async with conn.transaction():
        await set_actor(conn, p)
        row = await _lock_listing(conn, p, listing_id)
        result: dict[str, Any] = {"registered_by": p.user_id}
        if row["kind"] == "adjust":
            if method not in METHODS:
                raise invalid(
                    "RESULT_METHOD_REQUIRED",
                    "请选择调剂方式：无偿划转（free_transfer）或对外捐赠（donation）。",
                )
            result |= {"method": method, "method_text": METHODS[method],
                       "receiving_unit_name": counterpart_unit_name,
                       "receiving_unit_id": counterpart_unit_id}  # fmt: skip
        elif row["kind"] == "share":
            result |= {"receiving_unit_name": counterpart_unit_name,
                       "receiving_unit_id": counterpart_unit_id}  # fmt: skip
        else:
            result |= {"providing_unit_name": counterpart_unit_name,
                       "providing_unit_id": counterpart_unit_id}  # fmt: skip
        if counterpart_unit_id is not None:
            await _require_unit(conn, counterpart_unit_id)
        await conn.execute(
            "update listings set state = 'done', result = %s, changed_at = now() where id = %s",
            (Jsonb(result), listing_id),
        )
        # an adjusted card stays claimed until its disposal; a shared one is free again
        await _release(conn, row, free=row["kind"] != "adjust")
        if row["kind"] == "adjust" and dispose:
            disposal_id = await _propose_disposal(
                conn, p, row, method or "", counterpart_unit_name, counterpart_unit_id
            )
            await conn.execute(
                "update listings set result = result || %s where id = %s",
                (Jsonb({"disposal_id": disposal_id}), listing_id),
            )
        cur = await conn.execute("select result from listings where id = %s", (listing_id,))
        stored = await cur.fetchone()
        assert stored is not None
        return dict(stored[0])


async def _require_unit(conn: AsyncConnection[Any], unit_id: int) -> None:
    cur = await conn.execute("select 1 from units where id = %s", (unit_id,))
    if await cur.fetchone() is None:
        raise invalid(
            "COUNTERPART_UNIT_UNKNOWN",
            "所填单位不在本系统中；本系统外的单位只填写单位名称即可。",
            unit_id=unit_id,
        )


async def _propose_disposal(
    conn: AsyncConnection[Any],
    p: Principal,
    row: dict[str, Any],
    method: str,
    receiver: str,
    receiver_id: int | None,
) -> int:
    """Hand the card to inventory's ``propose_disposal`` (资产处置, for review) inside our
    transaction; the platform's trigger makes the 调入 card when it is approved."""
    return await propose_disposal(
        conn,
        card_id=row["card_id"],
        method=method,
        proposed_by=p.user_id,
        receiver=receiver,
        receiving_unit_id=receiver_id,
        listing_id=row["id"],
        reason=f"调剂结果登记（上架资产 {row['id']}）",
    )
