"""Loading the code table and the 2010 → 2022 correspondence into the database, and what
the installation's tables are (the shipped demo subset, or loaded from which file).

One transaction per file under an advisory lock (two administrators loading at once take
turns); a file with any refused row writes nothing. Every load is a row of
``category_loads`` and an audit entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from anyio import to_thread
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from assetpulse.inventory import errors
from assetpulse.inventory.categories.table import (
    CODE_HEADINGS,
    MAP_HEADINGS,
    CodeCheck,
    MapCheck,
    check_codes,
    check_map,
    map_headings,
)
from assetpulse.inventory.journal import audit
from assetpulse.inventory.register.readers import UnreadableFileError, data_rows, read_table

LOCK = "select pg_advisory_xact_lock(hashtext('assetpulse.category_load'))"
CODES = "select code, name, parent_code from categories"
UPSERT_CODE = """
insert into categories (code, name, parent_code, source, loaded_at)
values (%s, %s, %s, 'loaded', now())
on conflict (code) do update
   set name = excluded.name, parent_code = excluded.parent_code,
       source = 'loaded', loaded_at = now()
"""
MAP = "select old_code, new_code from category_map_2010"
UPSERT_MAP = """
insert into category_map_2010 (old_code, new_code, source, loaded_at)
values (%s, %s, 'loaded', now())
on conflict (old_code) do update
   set new_code = excluded.new_code, source = 'loaded', loaded_at = now()
"""
RECORD = """
insert into category_loads (kind, file_name, sha256, rows_read, added, updated, unchanged,
                            loaded_by)
values (%s, %s, %s, %s, %s, %s, %s, %s) returning id, loaded_at
"""
STATUS = """
select (select count(*) from categories) as codes,
       (select count(*) from categories where source = 'demo_seed') as demo_codes,
       (select count(*) from category_map_2010) as map_2010,
       (select count(*) from category_map_2010 where source = 'demo_seed') as demo_map_2010,
       (select to_jsonb(l) - 'loaded_by' from category_loads l
         where kind = 'codes' order by loaded_at desc, id desc limit 1) as last_codes_load,
       (select to_jsonb(l) - 'loaded_by' from category_loads l
         where kind = 'map_2010' order by loaded_at desc, id desc limit 1) as last_map_load
"""


async def _table(data: bytes, aliases: Mapping[str, tuple[str, ...]], required: tuple[str, ...],
                 what: str) -> list[tuple[int, dict[str, Any]]]:  # fmt: skip
    try:
        table = await to_thread.run_sync(read_table, data)
    except UnreadableFileError as exc:
        raise errors.invalid("CATEGORY_FILE_UNREADABLE", str(exc)) from exc
    if not table:
        raise errors.invalid("CATEGORY_FILE_EMPTY", "文件是空的，请检查后重新上传。")
    columns = map_headings(table[0], aliases)
    if any(f not in columns.values() for f in required):
        raise errors.invalid("CATEGORY_HEADINGS_MISSING", f"第一行须是表头，至少包含：{what}。")
    rows = list(data_rows(table, columns))
    if not rows:
        raise errors.invalid("CATEGORY_FILE_EMPTY", "文件只有表头，没有数据行。")
    return rows


def _report(check: CodeCheck | MapCheck, rows: int, loaded: bool, dry_run: bool) -> dict[str, Any]:
    refused = len(check.rejected)
    if refused:
        message = f"{refused} 行未通过检查，整个文件未导入；请按每行的说明修改后重新导入。"
    elif dry_run:
        message = "检查通过（仅检查，未导入）。"
    else:
        message = "已导入。"
    return {
        "loaded": loaded,
        "dry_run": dry_run,
        "message": message,
        "rows": rows,
        "accepted": rows - refused,
        "added": check.added,
        "updated": check.updated,
        "unchanged": check.unchanged,
        "rejected": [p.as_dict() for p in check.rejected],
    }


async def load_codes(
    conn: AsyncConnection[Any], *, data: bytes, file_name: str, actor_id: int | None,
    dry_run: bool,
) -> dict[str, Any]:  # fmt: skip
    """The official GB/T 14885-2022 code table (codes, names, optional parent codes)."""
    rows = await _table(data, CODE_HEADINGS, ("code", "name"), "分类代码、分类名称")
    async with conn.transaction():
        await conn.execute(LOCK)
        stored = await (await conn.execute(CODES)).fetchall()
        existing = {code: (name, parent) for code, name, parent in stored}
        check = check_codes(rows, existing)
        loaded = not check.rejected and not dry_run
        report = _report(check, len(rows), loaded, dry_run)
        if loaded:
            async with conn.cursor() as cur:
                # sorted by length: a parent is in before its children (foreign key)
                await cur.executemany(
                    UPSERT_CODE, [(r.code, r.name, r.parent_code) for r in check.accepted]
                )
            report["load_id"] = await _record(conn, "codes", file_name, data, check, len(rows),
                                              actor_id)  # fmt: skip
    return report


async def load_map_2010(
    conn: AsyncConnection[Any], *, data: bytes, file_name: str, actor_id: int | None,
    dry_run: bool,
) -> dict[str, Any]:  # fmt: skip
    """The 2010 → 2022 correspondence (old seven-digit code, new code); the 2022 codes must
    be in the code table already."""
    rows = await _table(data, MAP_HEADINGS, ("old_code", "new_code"), "2010版代码、2022版代码")
    async with conn.transaction():
        await conn.execute(LOCK)
        codes = frozenset(r[0] for r in await (await conn.execute(CODES)).fetchall())
        existing = dict(await (await conn.execute(MAP)).fetchall())
        check = check_map(rows, codes, existing)
        loaded = not check.rejected and not dry_run
        report = _report(check, len(rows), loaded, dry_run)
        report["ambiguous"] = [{"old_code": o, "new_codes": n} for o, n in check.ambiguous.items()]
        if check.ambiguous:
            report["message"] += (
                f" {len(check.ambiguous)} 个 2010 版代码对应多个 2022 版代码，未建立自动对应，"
                "台账中这些代码须直接填写 2022 版代码。"
            )
        if loaded:
            async with conn.cursor() as cur:
                await cur.executemany(UPSERT_MAP, list(check.accepted.items()))
            report["load_id"] = await _record(conn, "map_2010", file_name, data, check, len(rows),
                                              actor_id)  # fmt: skip
    return report


async def _record(
    conn: AsyncConnection[Any], kind: str, file_name: str, data: bytes,
    check: CodeCheck | MapCheck, rows: int, actor_id: int | None,
) -> int:  # fmt: skip
    digest = hashlib.sha256(data).hexdigest()
    cur = await conn.execute(
        RECORD,
        (kind, file_name[:200], digest, rows, check.added, check.updated, check.unchanged,
         actor_id),
    )  # fmt: skip
    row = await cur.fetchone()
    assert row is not None
    await audit(
        conn,
        actor_id=actor_id,
        entity="category_table",
        entity_id=kind,
        action="loaded",
        detail={"load_id": row[0], "file": file_name[:200], "sha256": digest, "rows": rows,
                "added": check.added, "updated": check.updated},
    )  # fmt: skip
    return int(row[0])


async def status(conn: AsyncConnection[Any]) -> dict[str, Any]:
    """What the installation's tables are, said plainly."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(STATUS)
        s = await cur.fetchone()
    assert s is not None
    official = s["last_codes_load"] is not None
    if official:
        message = (
            f"分类代码表共 {s['codes']} 个代码，由管理员导入（最近一次导入见 last_codes_load）；"
            f"2010→2022 对应 {s['map_2010']} 条。"
        )
        if s["demo_codes"]:
            message += f"其中 {s['demo_codes']} 个为软件附带的演示代码，未出现在导入文件中。"
    else:
        message = (
            f"当前分类代码为软件附带的演示子集：{s['codes']} 个 GB/T 14885-2022 代码、"
            f"{s['map_2010']} 条 2010→2022 对应，不是国家标准全表。导入真实台账前，"
            "请财政部门的系统管理员导入官方代码表和 2010→2022 对应表"
            "（系统管理 → 资产分类代码，或命令 assetpulse categories）。"
        )
    return {**s, "official_codes_loaded": official, "message": message}
