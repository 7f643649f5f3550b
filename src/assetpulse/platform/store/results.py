"""After 登记结果: who preselected a listing (the likely receivers, offered first), and the
correction of a registered receiver / provider typed wrongly.

A correction keeps the earlier name in the result (``corrected_from``) and is refused once
the receiving unit has been given the card (调入, ``receiver_card_id``), and for a disposed
adjust listing when the new receiver is a unit of this system: the transfer-in happens at
disposal, which is over. A disposal still in review is corrected with the listing.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from assetpulse.inventory import retarget_pending_disposal
from assetpulse.org.principal import Principal
from assetpulse.platform.errors import conflict, invalid, not_found
from assetpulse.platform.store.access import require_operator, set_actor

PRESELECTORS = """
select u.id as unit_id, u.name as unit_name, count(*)::int as users, min(s.added_at) as added_at
from preselections s join users us on us.id = s.user_id join units u on u.id = us.unit_id
where s.listing_id = %s
group by u.id, u.name
order by min(s.added_at), u.id
"""
LISTING = "select id, kind, unit_id, state, result from listings where id = %s"
LOCK_LISTING = LISTING + " for update"
UNIT_EXISTS = "select 1 from units where id = %s"
CARD_DISPOSED = """
select 1 from listings l join asset_cards c on c.id = l.card_id
where l.id = %s and c.status = 'disposed'
"""
SET_RESULT = "update listings set result = %s, changed_at = now() where id = %s"


async def preselectors(
    conn: AsyncConnection[Any], p: Principal, listing_id: int
) -> list[dict[str, Any]]:
    """The units whose users preselected the listing, earliest first (publisher's operators)."""
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(LISTING, (listing_id,))
    row = await cur.fetchone()
    if row is None:
        raise not_found("上架资产", "LISTING_NOT_FOUND", listing_id=listing_id)
    require_operator(p, row["unit_id"])
    await cur.execute(PRESELECTORS, (listing_id,))
    return await cur.fetchall()


async def correct_result(
    conn: AsyncConnection[Any],
    p: Principal,
    listing_id: int,
    *,
    counterpart_unit_name: str,
    counterpart_unit_id: int | None,
) -> dict[str, Any]:
    """更正接收方 / 提供方 of a listing whose result is registered."""
    async with conn.transaction():
        await set_actor(conn, p)
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(LOCK_LISTING, (listing_id,))
        row = await cur.fetchone()
        if row is None:
            raise not_found("上架资产", "LISTING_NOT_FOUND", listing_id=listing_id)
        require_operator(p, row["unit_id"])
        if row["state"] != "done":
            raise conflict(
                "RESULT_NOT_REGISTERED", "该资产尚未登记结果，请先登记结果。", state=row["state"]
            )
        result: dict[str, Any] = dict(row["result"] or {})
        if "receiver_card_id" in result:
            raise conflict(
                "RESULT_ALREADY_TRANSFERRED",
                "资产已调入接收方单位（已生成接收方卡片），不能再更正接收方；请与接收方协商退回。",
            )
        if counterpart_unit_id is not None:
            found = await conn.execute(UNIT_EXISTS, (counterpart_unit_id,))
            if await found.fetchone() is None:
                raise invalid(
                    "COUNTERPART_UNIT_UNKNOWN",
                    "所填单位不在本系统中；本系统外的单位只填写单位名称即可。",
                    unit_id=counterpart_unit_id,
                )
            if row["kind"] == "adjust" and (
                "disposal_card_version" in result or await _card_disposed(conn, listing_id)
            ):
                raise conflict(
                    "RESULT_ALREADY_DISPOSED",
                    "资产已办理处置，不能再改为本系统内的接收方单位（调入卡片在处置时生成）；"
                    "请只更正单位名称，或与系统管理员联系。",
                )
        prefix = "providing" if row["kind"] == "demand" else "receiving"
        result["corrected_from"] = result.get(f"{prefix}_unit_name")
        result[f"{prefix}_unit_name"] = counterpart_unit_name
        result[f"{prefix}_unit_id"] = counterpart_unit_id
        result["corrected_by"] = p.user_id
        await conn.execute(SET_RESULT, (Jsonb(result), listing_id))
        if row["kind"] == "adjust":  # its disposal still in review names the right receiver
            await retarget_pending_disposal(
                conn,
                listing_id=listing_id,
                receiver=counterpart_unit_name,
                receiving_unit_id=counterpart_unit_id,
            )
        return result


async def _card_disposed(conn: AsyncConnection[Any], listing_id: int) -> bool:
    cur = await conn.execute(CARD_DISPOSED, (listing_id,))
    return await cur.fetchone() is not None
