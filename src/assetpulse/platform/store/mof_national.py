"""The national downlink (全国下发): other provinces' MOF-approved listings, read-only here.

MOF's summary system sends every province a signed ``national`` file (format in
:mod:`assetpulse.platform.mofformat`): the complete set of national-scope listings and
demands MOF has approved, of every province. Importing one replaces what the last one
stored — a listing the file no longer holds (delisted, its adjustment done and closed,
rejected later) leaves the 全国 tab — in one transaction, in MOF's order: an older or a
repeated file changes nothing. This province's own items are skipped: the 全国 tab shows
them from its own tables, live. The photos' bytes go to the object store (objects/), each
checked against the sha256 the file gives for it; their rows keep key, size and type.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from assetpulse.objects import ObjectStore, key_of, stored_bytes
from assetpulse.org.principal import Principal
from assetpulse.platform import mofformat
from assetpulse.platform.errors import conflict, invalid
from assetpulse.platform.store.access import set_actor
from assetpulse.platform.store.mof import require_finance

# the same columns as plaza.PAGE, from the downlink's table (its WHERE is the plaza's own)
PAGE_BRANCH = """
select l.id, l.kind, null::bigint as bill_id, null::bigint as card_id, l.unit_id,
       l.unit_name, l.scope, l.region_code,
       coalesce((select r.name from regions r where r.code = l.region_code),
                l.detail ->> 'region_name') as region_name,
       l.category_code,
       coalesce((select c.name from categories c where c.code = l.category_code),
                l.detail ->> 'category_name') as category_name,
       l.name, l.asset_code, l.quantity, l.area, l.measure_unit, l.state, l.review_code,
       l.result, l.listed_at,
       (select p.id from national_listing_photos p where p.listing_id = l.id
         order by p.id limit 1) as photo_id,
       l.origin_province, true as read_only
from national_listings l
where {where}
"""
UPSERT = """
insert into national_listings (origin_province, origin_listing_id, batch_id, bill_no, kind,
    unit_code, unit_name, region_code, category_code, name, asset_code, quantity, area,
    measure_unit, state, result, listed_at, detail)
values (%(origin_province)s, %(listing_id)s, %(batch_id)s, %(bill_no)s, %(kind)s,
    %(unit_code)s, %(unit_name)s, %(region_code)s, %(category_code)s, %(name)s,
    %(asset_code)s, %(quantity)s, %(area)s, %(measure_unit)s, %(state)s, %(result)s,
    %(listed_at)s, %(detail)s)
on conflict (origin_province, origin_listing_id) do update set
    batch_id = excluded.batch_id, bill_no = excluded.bill_no, kind = excluded.kind,
    unit_code = excluded.unit_code, unit_name = excluded.unit_name,
    region_code = excluded.region_code, category_code = excluded.category_code,
    name = excluded.name, asset_code = excluded.asset_code, quantity = excluded.quantity,
    area = excluded.area, measure_unit = excluded.measure_unit, state = excluded.state,
    result = excluded.result, listed_at = excluded.listed_at, detail = excluded.detail
returning id
"""
CARD_FIELDS = ("original_value", "net_value", "brand", "model", "spec", "acquired_on",
               "location")  # fmt: skip
SHOWN = ("listed", "done")


async def import_national(
    conn: AsyncConnection[Any], objects: ObjectStore, p: Principal, doc: mofformat.Document
) -> dict[str, Any]:
    """Apply one verified ``national`` file; see the module docstring."""
    require_finance(p)
    own = p.region_code[:2]
    header = doc.header
    batch_no, sequence = str(header.get("batch_no") or ""), header.get("sequence")
    if not batch_no or not isinstance(sequence, int) or isinstance(sequence, bool):
        raise invalid("MOF_FILE_INVALID", "全国下发文件缺少批次号或序号。")
    if header.get("province") != own:
        raise conflict(
            "MOF_NATIONAL_OTHER_PROVINCE",
            "该全国下发文件是下发给其他省份的，未做任何修改。",
            province=header.get("province"),
        )
    async with conn.transaction():
        await set_actor(conn, p)
        # one import at a time: the order of sequence numbers is the order applied
        await conn.execute("select pg_advisory_xact_lock(hashtext('mof-national'))")
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(
            "select sha256 from mof_national_batches where batch_no = %s", (batch_no,)
        )
        seen = await cur.fetchone()
        if seen is not None:
            if seen["sha256"] != doc.sha256:
                raise conflict(
                    "MOF_NATIONAL_DUPLICATE",
                    "已导入过同一批次号但内容不同的全国下发文件，未做任何修改。",
                    batch_no=batch_no,
                )
            return {"batch_no": batch_no, "stored": 0, "removed": 0, "unchanged": True}
        await cur.execute("select max(sequence) as last from mof_national_batches")
        last = (await cur.fetchone() or {}).get("last")
        if last is not None and sequence <= last:
            raise conflict(
                "MOF_NATIONAL_STALE",
                f"该全国下发文件（序号 {sequence}）早于已导入的文件（序号 {last}），未做任何修改。",
                sequence=sequence,
                last=last,
            )
        await cur.execute(
            "insert into mof_national_batches (batch_no, sequence, created_at, sha256, key_id,"
            " item_count, stored, removed, imported_by) values (%s, %s, %s, %s, %s, %s, 0, 0,"
            " %s) returning id",
            (batch_no, sequence, header.get("created_at"), doc.sha256, doc.key_id,
             len(doc.items), p.user_id),
        )  # fmt: skip
        batch = await cur.fetchone()
        assert batch is not None
        stored = 0
        for item in doc.items:
            if item["origin_province"] == own:
                continue
            for listing in item["listings"]:
                if listing["state"] not in SHOWN:
                    continue
                await _store(cur, objects, batch["id"], item, listing)
                stored += 1
        await cur.execute("delete from national_listings where batch_id <> %s", (batch["id"],))
        removed = cur.rowcount
        await cur.execute(
            "update mof_national_batches set stored = %s, removed = %s where id = %s",
            (stored, removed, batch["id"]),
        )
    return {"batch_no": batch_no, "stored": stored, "removed": removed, "unchanged": False}


async def _store(
    cur: Any, objects: ObjectStore, batch_id: int, item: dict[str, Any], listing: dict[str, Any]
) -> None:
    detail = {
        "bill_no": item["bill_no"], "title": item.get("title"),
        "description": item.get("description"), "contact": item.get("contact"),
        "demand": item.get("demand"), "unit_code": item["unit_code"],
        "region_name": listing.get("region_name"), "category_name": listing.get("category_name"),
        "card": {k: listing.get(k) for k in CARD_FIELDS},
    }  # fmt: skip
    await cur.execute(
        UPSERT,
        {
            **{k: listing.get(k) for k in ("category_code", "name", "asset_code", "quantity",
                                           "area", "measure_unit", "state", "region_code")},
            "origin_province": item["origin_province"], "listing_id": listing["listing_id"],
            "batch_id": batch_id, "bill_no": item["bill_no"], "kind": item["kind"],
            "unit_code": item["unit_code"], "unit_name": item["unit_name"],
            "result": None if listing.get("result") is None else Jsonb(listing["result"]),
            "listed_at": listing.get("listed_at") or dt.datetime.now(dt.UTC),
            "detail": Jsonb(detail),
        },
    )  # fmt: skip
    row = await cur.fetchone()
    listing_id = row["id"]
    photos = listing.get("photos") or []
    wanted = {ph["sha256"] for ph in photos}
    await cur.execute(
        "delete from national_listing_photos where listing_id = %s and sha256 <> all(%s)",
        (listing_id, list(wanted)),
    )
    for ph in photos:
        data = base64.b64decode(ph["data_base64"])
        if key_of(data) != ph["sha256"]:
            raise invalid(
                "MOF_PHOTO_CHECKSUM",
                "全国下发文件中的照片与其校验值不符，未做任何修改。",
                listing_id=listing["listing_id"],
            )
        await objects.put(data, content_type=ph["content_type"])
        await cur.execute(
            "insert into national_listing_photos (listing_id, sha256, content_type, byte_size)"
            " values (%s, %s, %s, %s) on conflict (listing_id, sha256) do nothing",
            (listing_id, ph["sha256"], ph["content_type"], len(data)),
        )


# the export's columns (plaza.BY_IDS) of chosen downlinked rows: everyone may see them
BY_IDS = """
select l.id, l.kind, null::bigint as bill_id, null::bigint as card_id, l.unit_id, l.unit_name,
       l.scope, l.region_code,
       coalesce((select r.name from regions r where r.code = l.region_code),
                l.detail ->> 'region_name') as region_name,
       l.category_code,
       coalesce((select c.name from categories c where c.code = l.category_code),
                l.detail ->> 'category_name') as category_name,
       l.name, l.asset_code, l.quantity, l.area, l.measure_unit, l.state, l.review_code,
       l.result, l.listed_at, null::bigint as photo_id, l.origin_province as province,
       null::bigint as competent_id, l.origin_province, true as read_only
from national_listings l where l.id = any(%s)
"""
DETAIL = "select * from national_listings where id = %s"


async def detail(conn: AsyncConnection[Any], listing_id: int) -> dict[str, Any] | None:
    """查看详情 of a downlinked listing, in the plaza detail's shape; None: not one of them.

    Every user sees it: MOF approved it for the whole country.
    """
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(DETAIL, (listing_id,))
    row = await cur.fetchone()
    if row is None:
        return None
    await cur.execute(
        "select id from national_listing_photos where listing_id = %s order by id", (listing_id,)
    )
    photos = [r["id"] for r in await cur.fetchall()]
    await cur.execute(
        "select (select name from regions where code = %s) as region_name,"
        " (select name from categories where code = %s) as category_name",
        (row["region_code"], row["category_code"]),
    )
    names = await cur.fetchone() or {}
    info = row["detail"]
    contact = info.get("contact") or {}
    result = row["result"] or {}
    card = info.get("card") or {}
    return {
        "listing": {
            **{k: row[k] for k in ("id", "kind", "unit_id", "unit_name", "scope", "region_code",
                                   "category_code", "name", "asset_code", "quantity", "area",
                                   "measure_unit", "state", "review_code", "result",
                                   "listed_at", "origin_province")},
            "bill_id": None, "card_id": None, "read_only": True,
            "region_name": names.get("region_name") or info.get("region_name"),
            "category_name": names.get("category_name") or info.get("category_name"),
            "photo_id": photos[0] if photos else None,
        },
        "publisher": {
            "unit_id": None, "unit_name": row["unit_name"], "bill_no": row["bill_no"],
            "contact_name": contact.get("name"), "contact_phone": contact.get("phone"),
            "address": contact.get("address"),
        },
        "counterpart": {
            "role": "provider" if row["kind"] == "demand" else "receiver",
            "role_text": "资产提供方" if row["kind"] == "demand" else "接收方",
            "unit_name": result.get("providing_unit_name") or result.get("receiving_unit_name"),
            "method": result.get("method"),
            "method_text": result.get("method_text"),
        },
        "demand": None if row["kind"] != "demand" else {
            "title": info.get("title"), "description": info.get("description"),
            **(info.get("demand") or {}),
        },
        "card": None if row["kind"] == "demand" else {
            "asset_code": row["asset_code"], "name": row["name"],
            "category_code": row["category_code"], "quantity": row["quantity"],
            "area": row["area"], "measure_unit": row["measure_unit"], **card,
        },
        "delist_reason": None,
        "delist_reason_text": None,
        "photo_ids": photos,
        "attachments": [],
    }  # fmt: skip


async def photo(
    conn: AsyncConnection[Any], objects: ObjectStore, listing_id: int, photo_id: int
) -> tuple[str, bytes] | None:
    """(content type, bytes) of a downlinked listing's photo; None: not one of them."""
    cur = await conn.execute(
        "select content_type, sha256, data from national_listing_photos"
        " where id = %s and listing_id = %s",
        (photo_id, listing_id),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    return str(row[0]), await stored_bytes(objects, str(row[1]), row[2])


async def is_national(conn: AsyncConnection[Any], listing_id: int) -> bool:
    cur = await conn.execute("select 1 from national_listings where id = %s", (listing_id,))
    return await cur.fetchone() is not None
