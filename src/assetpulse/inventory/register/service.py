"""Importing a register into the unit's cards: accepted rows are created in one
transaction, rejected rows come back with their reasons; ``dry_run`` only checks."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from psycopg import AsyncConnection

from assetpulse.inventory import errors
from assetpulse.inventory.cards import insert_card
from assetpulse.inventory.journal import audit
from assetpulse.inventory.register.readers import UnreadableFileError, data_rows, read_table
from assetpulse.inventory.register.rows import REQUIRED, Reference, check_register, map_headings

CATEGORIES = "select code from categories"
OFFICIAL_LOADED = "select exists (select 1 from category_loads where kind = 'codes')"
MAP_2010 = "select old_code, new_code from category_map_2010"
DEPARTMENTS = "select id, code, name from units where parent_id = %s and kind = 'department'"
USERS = "select id, username, display_name from users where unit_id = %s and active"
EXISTING = "select asset_code from asset_cards where asset_code = any(%s)"


async def _reference(conn: AsyncConnection[Any], unit_id: int) -> Reference:
    cats = frozenset(r[0] for r in await (await conn.execute(CATEGORIES)).fetchall())
    map_2010 = dict(await (await conn.execute(MAP_2010)).fetchall())
    depts: dict[str, int] = {}
    for i, code, name in await (await conn.execute(DEPARTMENTS, (unit_id,))).fetchall():
        depts[code] = i
        depts[name] = i
    users: dict[str, int] = {}
    for i, username, display in await (await conn.execute(USERS, (unit_id,))).fetchall():
        users[username] = i
        users.setdefault(display, i)
    loaded = await (await conn.execute(OFFICIAL_LOADED)).fetchone()
    return Reference(cats, map_2010, depts, users, demo_categories_only=not (loaded and loaded[0]))


async def import_register(
    conn: AsyncConnection[Any], *, data: bytes, unit_id: int, actor_id: int, dry_run: bool
) -> dict[str, Any]:
    try:
        # seconds of CPU for a large workbook: off the event loop, other requests go on
        table = await to_thread.run_sync(read_table, data)
    except UnreadableFileError as exc:
        raise errors.invalid("IMPORT_FILE_UNREADABLE", str(exc)) from exc
    if not table:
        raise errors.invalid("IMPORT_FILE_EMPTY", "文件是空的，请检查后重新上传。")
    columns, unknown = map_headings(table[0])
    missing = [f for f in REQUIRED if f not in columns.values()]
    if missing:
        raise errors.invalid(
            "IMPORT_HEADINGS_MISSING",
            "第一行须是表头，至少包含：资产编号、资产名称、资产分类代码。",
            missing=",".join(missing),
        )
    rows = list(data_rows(table, columns))
    async with conn.transaction():
        ref = await _reference(conn, unit_id)
        codes = sorted({str(v.get("asset_code") or "").strip().upper() for _, v in rows} - {""})
        existing = frozenset(
            r[0] for r in await (await conn.execute(EXISTING, (codes,))).fetchall()
        )
        check = check_register(rows, ref, existing)
        created: list[int] = []
        if not dry_run:
            for _, card in check.accepted:
                created.append(
                    await insert_card(
                        conn, unit_id=unit_id, values=card, actor_id=actor_id, how="imported"
                    )
                )
            await audit(
                conn,
                actor_id=actor_id,
                entity="card_import",
                entity_id=unit_id,
                action="imported",
                detail={"accepted": len(created), "rejected": len(check.rejected)},
            )
    return {
        "dry_run": dry_run,
        "rows": len(rows),
        "accepted": len(check.accepted),
        "rejected": len(check.rejected),
        "created_card_ids": created,
        "ignored_headings": unknown,
        "rejections": [
            {"row": r.row, "asset_code": r.asset_code, "reasons": list(r.reasons)}
            for r in check.rejected
        ],
    }
