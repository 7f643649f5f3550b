"""What the finance reviewer reads on the MOF page (汇总系统上报): the batches this province
sent with the state of their items, each batch's items, and the feedback files loaded.

Read-only beside ``mof_routes`` (which builds batches and imports files): the state of an
item is its bill's now (01 awaiting MOF, 02 approved, returned with MOF's reason, or sent
again in a later batch), and MOF's decision is the one the loaded feedback files gave.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from psycopg.rows import dict_row
from pydantic import BaseModel

from assetpulse.platform.api.deps import Conn, CurrentUser
from assetpulse.platform.errors import not_found
from assetpulse.platform.store.mof import require_finance

router = APIRouter(tags=["platform: MOF exchange"])

# an item awaits MOF while its bill is still reported from this batch; feedback columns
# are read through to_jsonb so that this page works across exchange format versions
BATCHES = """
select r.id, r.batch_no, r.file_name, r.item_count, r.sha256, r.created_at,
       octet_length(r.content) as bytes, u.display_name as created_by_name,
       count(i.id) filter (where i.action <> 'update') as reported,
       count(i.id) filter (where i.action = 'update') as updates,
       count(i.id) filter (where i.action <> 'update' and b.stage = 'reported'
                                 and b.reported_report_id = r.id) as awaiting,
       count(i.id) filter (where i.action <> 'update' and b.stage = 'mof_approved'
                                 and b.reported_report_id = r.id) as approved,
       count(i.id) filter (where i.action <> 'update' and b.stage = 'returned'
                                 and b.reported_report_id = r.id) as returned,
       (select count(*) from mof_feedback f where f.report_id = r.id) as feedback_files
from mof_reports r
join users u on u.id = r.created_by
left join mof_report_items i on i.report_id = r.id
left join bills b on b.id = i.bill_id
where r.province = %s
group by r.id, u.display_name
order by r.id desc
limit 200
"""
REPORT = "select id, batch_no from mof_reports where id = %s and province = %s"
ITEMS = """
select i.id, i.action, b.id as bill_id, b.bill_no, b.kind, b.scope, b.title, b.stage,
       b.review_code, b.status_text, b.return_reason, un.name as unit_name,
       b.reported_report_id = i.report_id as current_batch,
       jsonb_array_length(coalesce(i.payload -> 'listings', '[]'::jsonb)) as listing_count,
       coalesce((select string_agg(l ->> 'name', '、')
                 from jsonb_array_elements(coalesce(i.payload -> 'listings', '[]'::jsonb)) l),
                '') as listing_names,
       d.decision, d.reason as decision_reason, d.imported_at as decided_at
from mof_report_items i
join bills b on b.id = i.bill_id
join units un on un.id = b.unit_id
left join lateral (
    select e ->> 'decision' as decision, e ->> 'reason' as reason, f.imported_at
    from mof_feedback f, jsonb_array_elements(coalesce(f.content -> 'items', '[]'::jsonb)) e
    where f.report_id = i.report_id and e ->> 'bill_no' = b.bill_no
    order by f.id desc limit 1
) d on true
where i.report_id = %s
order by i.id
"""
FEEDBACK = """
select f.id, f.imported_at, u.display_name as imported_by_name, f.item_count, f.applied,
       to_jsonb(f) ->> 'feedback_no' as feedback_no
from mof_feedback f join users u on u.id = f.imported_by
where f.report_id = %s
order by f.id desc
"""


class BatchOut(BaseModel):
    id: int
    batch_no: str
    file_name: str
    item_count: int
    sha256: str
    bytes: int
    created_at: dt.datetime
    created_by_name: str
    reported: int
    updates: int
    awaiting: int
    approved: int
    returned: int
    feedback_files: int


class BatchItemOut(BaseModel):
    id: int
    action: str
    bill_id: int
    bill_no: str
    kind: str
    scope: str
    title: str | None
    stage: str
    review_code: str | None
    status_text: str
    return_reason: str | None
    unit_name: str
    current_batch: bool | None
    listing_count: int
    listing_names: str
    decision: str | None
    decision_reason: str | None
    decided_at: dt.datetime | None


class FeedbackFileOut(BaseModel):
    id: int
    imported_at: dt.datetime
    imported_by_name: str
    item_count: int
    applied: int
    feedback_no: str | None


class BatchDetailOut(BaseModel):
    id: int
    batch_no: str
    items: list[BatchItemOut]
    feedback: list[FeedbackFileOut]


@router.get("/mof/batches", summary="本省上报批次及其条目状态（财政用户）")
async def batches(conn: Conn, user: CurrentUser) -> list[BatchOut]:
    require_finance(user)
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(BATCHES, (user.region_code[:2],))
    return [BatchOut.model_validate(r) for r in await cur.fetchall()]


@router.get("/mof/batches/{report_id}", summary="批次条目、当前状态、财政部的决定和已导入的反馈")
async def batch(conn: Conn, user: CurrentUser, report_id: int) -> BatchDetailOut:
    require_finance(user)
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(REPORT, (report_id, user.region_code[:2]))
    report: dict[str, Any] | None = await cur.fetchone()
    if report is None:
        raise not_found("上报批次", "MOF_REPORT_NOT_FOUND", report_id=report_id)
    await cur.execute(ITEMS, (report_id,))
    items = [BatchItemOut.model_validate(r) for r in await cur.fetchall()]
    await cur.execute(FEEDBACK, (report_id,))
    feedback = [FeedbackFileOut.model_validate(r) for r in await cur.fetchall()]
    return BatchDetailOut(
        id=report["id"], batch_no=report["batch_no"], items=items, feedback=feedback
    )
