"""MOF summary-system exchange in PostgreSQL: build signed report batches, import feedback.

The file format is documented in :mod:`assetpulse.platform.mofformat` and
``docs/mof-exchange.md``; the national downlink is :mod:`.mof_national`. Building a batch
takes a per-province advisory lock, so two finance users pressing the button at once
produce one batch and one empty answer; the unique index on published items makes
"never reported twice" hold even if that lock were bypassed.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from assetpulse.objects import ObjectStore, check_key
from assetpulse.org.principal import Principal
from assetpulse.platform import mofformat, review
from assetpulse.platform.errors import conflict, forbidden, invalid, not_found
from assetpulse.platform.store.access import set_actor
from assetpulse.platform.store.reviews import state_of, write_state

DUE = """
select b.*, u.code as unit_code, u.name as unit_name from bills b join units u on u.id = b.unit_id
where left(b.region_code, 2) = %(province)s
  and (b.stage = 'final' or (b.stage in ('reported', 'mof_approved') and b.mof_dirty))
order by b.id for update of b
"""
# what the national platform needs to show a listing (format version 3): the asset's values,
# details and attached photos (bytes in base64, each with its SHA-256), beside its state; a
# photo's bytes come from the object store (_with_photo_bytes) unless its row still has them
LISTING_ROWS = """
select l.id as listing_id, l.asset_code, l.name, l.category_code, l.quantity, l.area,
       l.measure_unit, l.region_code, l.scope, l.state, l.delist_reason, l.result, l.listed_at,
       (select r.name from regions r where r.code = l.region_code) as region_name,
       (select k.name from categories k where k.code = l.category_code) as category_name,
       c.original_value, c.net_value, c.brand, c.model, c.spec, c.acquired_on, c.location,
       coalesce((select jsonb_agg(jsonb_build_object(
                   'sha256', p.sha256, 'content_type', p.content_type,
                   'byte_size', p.byte_size,
                   'data_base64', translate(encode(p.data, 'base64'), E'\\n', ''))
                 order by p.id)
                 from card_photos p where p.card_id = l.card_id and p.state = 'attached'),
                '[]'::jsonb) as photos
from listings l left join asset_cards c on c.id = l.card_id
where l.bill_id = %s and l.state <> 'withdrawn' order by l.id
"""
DEMAND_FIELDS = ("demand_type", "expected_arrival", "end_date", "urgency", "quantity", "area",
                 "measure_unit", "accounting_subject")  # fmt: skip


# Items that move a bill (any scope) to 01-待财政部审核: ``publish`` the first time,
# ``resubmit`` after MOF sent it back and the unit fixed it and approved it again (the unique index
# mof_report_items_once_idx still lets ``publish`` happen once per bill).
FIRST_REPORTS = frozenset({"publish", "resubmit"})


def _item_action(row: dict[str, Any]) -> str:
    if row["stage"] != "final":
        return "update"
    return "publish" if row["reported_report_id"] is None else "resubmit"


def require_finance(p: Principal) -> None:
    if not p.is_finance or p.unit_kind != "finance":
        raise forbidden("MOF_FINANCE_ONLY", "只有财政部门用户可以办理汇总系统上报和反馈导入。")


async def _with_photo_bytes(
    objects: ObjectStore, listings: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each photo's ``data_base64`` from the store where the row had no bytes (all rows
    written since migration 4009)."""
    for listing in listings:
        for photo in listing["photos"]:
            if photo.get("data_base64") is None:
                data = await objects.get(check_key(photo["sha256"]))
                photo["data_base64"] = base64.b64encode(data).decode("ascii")
    return listings


async def build_report(
    conn: AsyncConnection[Any], objects: ObjectStore, p: Principal, key: Ed25519PrivateKey
) -> dict[str, Any]:
    """Report every due item of the province once, signed with ``key``; marks new items
    01-待财政部审核."""
    require_finance(p)
    province = p.region_code[:2]
    async with conn.transaction():
        await set_actor(conn, p)
        await conn.execute(
            "select pg_advisory_xact_lock(hashtext('mof-report-' || %s))", (province,)
        )
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(DUE, {"province": province})
        due = await cur.fetchall()
        if not due:
            raise conflict("MOF_NOTHING_TO_REPORT", "没有需要上报汇总系统的数据（新增或变更）。")
        items = []
        for row in due:
            action = _item_action(row)
            await cur.execute(LISTING_ROWS, (row["id"],))
            items.append({
                "action": action, "bill_no": row["bill_no"], "kind": row["kind"],
                "scope": row["scope"], "unit_code": row["unit_code"],
                "unit_name": row["unit_name"], "region_code": row["region_code"],
                "title": row["title"], "description": row["description"],
                "contact": {"name": row["contact_name"], "phone": row["contact_phone"],
                            "address": row["address"]},
                "demand": None if row["kind"] != "demand"
                else {k: row[k] for k in DEMAND_FIELDS},
                "review_code": "01" if action in FIRST_REPORTS else row["review_code"],
                "listings": await _with_photo_bytes(objects, await cur.fetchall()),
            })  # fmt: skip
        now = dt.datetime.now(dt.UTC)
        await cur.execute(
            "select count(*) + 1 as n from mof_reports where province = %s", (province,)
        )
        seq = (await cur.fetchone() or {"n": 1})["n"]
        batch_no = f"MOF{province}{now:%Y%m%d}{seq:06d}"
        batch = mofformat.build_batch(batch_no, province, now, items, key)
        await cur.execute(
            "insert into mof_reports (batch_no, province, created_by, created_at, file_name,"
            " sha256, item_count, content, key_id) values (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " returning id",
            (
                batch_no,
                province,
                p.user_id,
                now,
                batch.file_name,
                batch.sha256,
                batch.item_count,
                batch.content,
                batch.key_id,
            ),
        )
        report = await cur.fetchone()
        assert report is not None
        for row, item in zip(due, items, strict=True):
            await conn.execute(
                "insert into mof_report_items (report_id, bill_id, action, payload)"
                " values (%s, %s, %s, %s)",
                (
                    report["id"],
                    row["id"],
                    item["action"],
                    json.dumps(item, ensure_ascii=False, default=str),
                ),
            )
            if item["action"] in FIRST_REPORTS:
                old = state_of(row)
                new = review.report(old)
                await write_state(
                    conn,
                    p,
                    row,
                    old,
                    new,
                    "report",
                    None,
                    batch_no,
                    list(row["chain"]),
                    list(row["chain_units"]),
                )
                await conn.execute(
                    "update bills set reported_report_id = %s where id = %s",
                    (report["id"], row["id"]),
                )
            else:
                await conn.execute("update bills set mof_dirty = false where id = %s", (row["id"],))
        return {"id": report["id"], **batch.manifest(batch_no), "created_at": now}


async def reports(conn: AsyncConnection[Any], p: Principal) -> list[dict[str, Any]]:
    require_finance(p)
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "select id, batch_no, file_name, item_count, sha256, octet_length(content) as bytes,"
        " key_id, created_at from mof_reports where province = %s order by id desc",
        (p.region_code[:2],),
    )
    return await cur.fetchall()


async def report_file(conn: AsyncConnection[Any], p: Principal, report_id: int) -> dict[str, Any]:
    require_finance(p)
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "select file_name, sha256, key_id, content from mof_reports"
        " where id = %s and province = %s",
        (report_id, p.region_code[:2]),
    )
    row = await cur.fetchone()
    if row is None:
        raise not_found("上报批次", "MOF_REPORT_NOT_FOUND", report_id=report_id)
    return row


REPORT_OF_PROVINCE = """
select id from mof_reports where batch_no = %s and province = %s for update
"""
FEEDBACK_SEEN = "select 1 from mof_feedback where report_id = %s and sha256 = %s"
# the bill as this batch reported it (publish / resubmit); updates ask MOF for nothing
BILL_IN_BATCH = """
select b.* from bills b
join mof_report_items i on i.bill_id = b.id and i.report_id = %(report)s
 and i.action in ('publish', 'resubmit')
where b.bill_no = %(bill_no)s and left(b.region_code, 2) = %(province)s
for update of b
"""


def feedback_digest(batch_no: str, items: list[dict[str, Any]]) -> str:
    """The file's identity: the same decisions for the same batch give the same digest."""
    doc = {"batch_no": batch_no, "items": items}
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _decide(
    row: dict[str, Any], report_id: int, item: dict[str, Any]
) -> tuple[review.BillState, review.BillState]:
    """(old, new) state for one decision on a bill of the named batch, or a refusal."""
    old = state_of(row)
    if row["reported_report_id"] != report_id:
        raise review.refused(
            "MOF_FEEDBACK_STALE", "该单据已在之后的批次重新上报，请导入最新批次的反馈。"
        )
    if item["decision"] == "approved":
        return old, review.mof_approve(old)
    if old.stage is review.Stage.RETURNED:
        return old, old  # this batch's rejection, already applied
    return old, review.mof_reject(old, item.get("reason") or "")


async def import_feedback(
    conn: AsyncConnection[Any],
    p: Principal,
    doc: mofformat.Document,
    items: list[dict[str, Any]],
) -> dict[str, Any]:
    """Apply MOF's decisions on one batch this province sent, all together or not at all.

    ``doc`` is a feedback file whose signature was verified; ``items`` its decisions,
    checked. Every item must be a bill that batch reported (``publish`` / ``resubmit``)
    and still awaits the decision from it; the same file imported twice changes nothing.
    """
    require_finance(p)
    province = p.region_code[:2]
    batch_no = str(doc.header.get("in_reply_to") or "")
    if doc.header.get("province") != province:
        raise conflict(
            "MOF_FEEDBACK_OTHER_PROVINCE",
            "该反馈文件是下发给其他省份的，未做任何修改。",
            province=doc.header.get("province"),
        )
    digest = feedback_digest(batch_no, items)
    unchanged = {"item_count": len(items), "applied": 0, "unchanged": len(items)}
    async with conn.transaction():
        await set_actor(conn, p)
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(REPORT_OF_PROVINCE, (batch_no, province))
        report = await cur.fetchone()
        if report is None:
            raise conflict(
                "MOF_BATCH_UNKNOWN",
                "反馈文件所答复的上报批次不是本省报送的批次，未做任何修改。",
                batch_no=batch_no,
            )
        await cur.execute(FEEDBACK_SEEN, (report["id"], digest))
        if await cur.fetchone() is not None:
            return unchanged
        problems: list[str] = []
        plans = []
        for item in items:
            params = {"report": report["id"], "bill_no": item["bill_no"], "province": province}
            await cur.execute(BILL_IN_BATCH, params)
            row = await cur.fetchone()
            if row is None:
                problems.append(f"{item['bill_no']}: 不在批次 {batch_no} 中")
                continue
            try:
                old, new = _decide(row, report["id"], item)
            except review.TransitionRefusedError as exc:
                problems.append(f"{item['bill_no']}: {exc.message}")
                continue
            plans.append((row, old, new, item))
        if problems:
            raise conflict(
                "MOF_FEEDBACK_REFUSED",
                "反馈文件中有无法处理的单据，未做任何修改：" + "；".join(problems),
            )
        applied = 0
        for row, old, new, item in plans:
            if new == old:
                continue  # decided already by an earlier file on this batch
            action = "mof_approve" if item["decision"] == "approved" else "mof_reject"
            await write_state(
                conn,
                p,
                row,
                old,
                new,
                action,
                None,
                item.get("reason"),
                list(row["chain"]),
                list(row["chain_units"]),
            )
            applied += 1
        await conn.execute(
            "insert into mof_feedback (imported_by, report_id, sha256, item_count, applied,"
            " content, feedback_no, key_id) values (%s, %s, %s, %s, %s, %s, %s, %s)",
            (
                p.user_id,
                report["id"],
                digest,
                len(items),
                applied,
                json.dumps({"header": doc.header, "items": items}, ensure_ascii=False),
                doc.header.get("batch_no"),
                doc.key_id,
            ),
        )
    return {"item_count": len(items), "applied": applied, "unchanged": len(items) - applied}


def check_feedback_items(items: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    for item in items:
        if item["bill_no"] in seen:
            raise invalid(
                "MOF_FEEDBACK_DUPLICATE", "反馈文件中同一单据出现多次。", bill_no=item["bill_no"]
            )
        seen.add(item["bill_no"])
        if item["decision"] == "rejected" and not (item.get("reason") or "").strip():
            raise invalid(
                "MOF_REASON_REQUIRED", "财政部退回的单据须附退回原因。", bill_no=item["bill_no"]
            )
