"""共享补偿 (条例 第十八条) recorded with 登记共享结果: stored in the listing's result, whose
total the dashboard sums (``listings.compensation_yuan``, migration 4006)."""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.types.json import Jsonb

from assetpulse.platform import dashboard
from assetpulse.platform.errors import PlatformError, invalid


def checked(c: dashboard.Compensation) -> dict[str, Any]:
    """The compensation as the result keeps it, or the Chinese error saying what is missing."""
    try:
        return dashboard.as_result(c)
    except dashboard.CompensationError as err:
        raise invalid(err.code, err.message) from None


def share_only() -> PlatformError:
    return invalid(
        "COMPENSATION_SHARE_ONLY", "只有共享资产登记结果时可以填写补偿（条例第十八条）。"
    )


async def record(conn: AsyncConnection[Any], listing_id: int, stored: dict[str, Any]) -> None:
    """Inside the result's transaction: add the compensation to the share result."""
    cur = await conn.execute("select kind from listings where id = %s", (listing_id,))
    row = await cur.fetchone()
    if row is None or row[0] != "share":
        raise share_only()
    await conn.execute(
        "update listings set result = result || %s where id = %s",
        (Jsonb({"compensation": stored}), listing_id),
    )
