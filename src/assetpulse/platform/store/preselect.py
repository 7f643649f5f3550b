"""我的预选资产: a user's marks on the adjustment plaza (add many, list, remove)."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from assetpulse.org.principal import Principal
from assetpulse.platform.errors import conflict, invalid, not_found
from assetpulse.platform.store.access import competent_of
from assetpulse.platform.store.plaza import shape, visible_listing

DUPLICATE_MESSAGE = "已加入预选资产，请重新选择"


async def add(conn: AsyncConnection[Any], p: Principal, listing_ids: list[int]) -> int:
    """Add adjust listings; refuses the whole selection if any is already preselected."""
    ids = list(dict.fromkeys(listing_ids))
    if not ids:
        raise invalid("PRESELECTION_EMPTY", "请选择要加入预选的资产。")
    competent = await competent_of(conn, p.unit_id)
    async with conn.transaction():
        cur = conn.cursor(row_factory=dict_row)
        for lid in ids:
            row = await visible_listing(conn, p, lid, competent)
            if row["kind"] != "adjust" or row["state"] != "listed":
                raise invalid(
                    "PRESELECTION_NOT_ADJUSTABLE", "只能预选调剂广场上架中的资产。", listing_id=lid
                )
        await cur.execute(
            "select listing_id from preselections where user_id = %s and listing_id = any(%s)"
            " for update",
            (p.user_id, ids),
        )
        dupes = sorted(r["listing_id"] for r in await cur.fetchall())
        if dupes:
            raise conflict(
                "PRESELECTION_DUPLICATE", DUPLICATE_MESSAGE, listing_ids=",".join(map(str, dupes))
            )
        for lid in ids:
            await conn.execute(
                "insert into preselections (user_id, listing_id) values (%s, %s)"
                " on conflict do nothing",
                (p.user_id, lid),
            )
    return len(ids)


LIST = """
select l.id, l.kind, l.bill_id, l.card_id, l.unit_id, u.name as unit_name, l.scope,
       l.region_code, r.name as region_name, l.category_code, cat.name as category_name,
       l.name, l.asset_code, l.quantity, l.area, l.measure_unit, l.state, l.review_code,
       l.result, l.listed_at, null::bigint as photo_id, s.added_at
from preselections s join listings l on l.id = s.listing_id join units u on u.id = l.unit_id
left join regions r on r.code = l.region_code
left join categories cat on cat.code = l.category_code
where s.user_id = %s order by s.added_at desc, l.id desc
"""


async def items(conn: AsyncConnection[Any], p: Principal) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(LIST, (p.user_id,))
    return [shape(r) for r in await cur.fetchall()]


async def remove(conn: AsyncConnection[Any], p: Principal, listing_id: int) -> None:
    cur = await conn.execute(
        "delete from preselections where user_id = %s and listing_id = %s", (p.user_id, listing_id)
    )
    if cur.rowcount == 0:
        raise not_found("预选资产", "PRESELECTION_NOT_FOUND", listing_id=listing_id)
