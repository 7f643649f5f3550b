"""Bill endpoints: 发布 (drafts, submit, cancel), 审核 (approve, reject, cancel), 查询, 审核情况."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from psycopg.rows import dict_row

from assetpulse.platform.api.deps import Conn, CurrentUser
from assetpulse.platform.api.schemas import (
    AuditEntry,
    Bill,
    BillCreate,
    BillPage,
    BillPatch,
    Decision,
    Progress,
)
from assetpulse.platform.store import bills, queries, reviews

router = APIRouter(tags=["platform: bills"])

Id = Annotated[int, Query(ge=1, le=2**62)]
Page = Annotated[int, Query(ge=1, le=10_000)]
Size = Annotated[int, Query(ge=1, le=100)]


@router.get("/bills", summary="查询本单位发布单（按任意字段）")
async def list_bills(
    conn: Conn,
    user: CurrentUser,
    kind: Literal["adjust", "share", "demand"] | None = None,
    stage: Literal["draft", "in_review", "returned", "final", "reported", "mof_approved"]
    | None = None,
    review_code: Literal["03", "01", "02"] | None = None,
    scope: Literal["national", "province", "city", "department", "unit"] | None = None,
    bill_no: Annotated[str | None, Query(max_length=40)] = None,
    keyword: Annotated[str | None, Query(max_length=100)] = None,
    card_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    asset_code: Annotated[str | None, Query(max_length=40)] = None,
    category: Annotated[str | None, Query(pattern=r"^[A-Z][0-9]{0,8}$")] = None,
    origin: Literal["manual", "suggestion"] | None = None,
    submitted: Annotated[
        bool | None, Query(description="true：已送审（含审核中、终审通过等）；false：待送审")
    ] = None,
    created_from: dt.date | None = None,
    created_to: dt.date | None = None,
    page: Page = 1,
    page_size: Size = 20,
) -> BillPage:
    q = queries.BillQuery(
        kind=kind, stage=stage, review_code=review_code, scope=scope, bill_no=bill_no,
        keyword=keyword, card_id=card_id, asset_code=asset_code, category=category,
        origin=origin, submitted=submitted, created_from=created_from,
        created_to=created_to, page=page, page_size=page_size,
    )  # fmt: skip
    return BillPage.model_validate(await queries.query_bills(conn, user, q))


@router.post("/bills", status_code=201, summary="新增发布单（草稿）")
async def create_bill(conn: Conn, user: CurrentUser, body: BillCreate) -> Bill:
    bill_id = await bills.create_bill(conn, user, body)
    return Bill.model_validate(await bills.get_bill(conn, user, bill_id))


@router.get("/bills/{bill_id}", summary="查看详情")
async def get_bill(conn: Conn, user: CurrentUser, bill_id: int) -> Bill:
    return Bill.model_validate(await bills.get_bill(conn, user, bill_id))


@router.patch("/bills/{bill_id}", summary="修改（草稿或已退回）")
async def patch_bill(conn: Conn, user: CurrentUser, bill_id: int, body: BillPatch) -> Bill:
    await bills.update_bill(conn, user, bill_id, body)
    return Bill.model_validate(await bills.get_bill(conn, user, bill_id))


@router.delete("/bills/{bill_id}", status_code=204, summary="删除（草稿）")
async def delete_bill(
    conn: Conn, user: CurrentUser, bill_id: int, version: int | None = None
) -> Response:
    await bills.delete_bill(conn, user, bill_id, version)
    return Response(status_code=204)


async def _act(
    conn: Conn, user: CurrentUser, bill_id: int, action: str, body: Decision | None
) -> Bill:
    await reviews.transition(
        conn, user, bill_id, action,
        reason=body.reason if body else None, version=body.version if body else None,
    )  # fmt: skip
    return Bill.model_validate(await bills.get_bill(conn, user, bill_id))


@router.post("/bills/{bill_id}/submit", summary="送审")
async def submit(conn: Conn, user: CurrentUser, bill_id: int, body: Decision | None = None) -> Bill:
    return await _act(conn, user, bill_id, "submit", body)


@router.post("/bills/{bill_id}/cancel-submit", summary="取消送审（下个节点未审核时）")
async def cancel_submit(
    conn: Conn, user: CurrentUser, bill_id: int, body: Decision | None = None
) -> Bill:
    return await _act(conn, user, bill_id, "cancel_submit", body)


@router.post("/bills/{bill_id}/approve", summary="审核通过（当前节点审核岗）")
async def approve(
    conn: Conn, user: CurrentUser, bill_id: int, body: Decision | None = None
) -> Bill:
    return await _act(conn, user, bill_id, "approve", body)


@router.post("/bills/{bill_id}/reject", summary="退回（须填写原因）")
async def reject(conn: Conn, user: CurrentUser, bill_id: int, body: Decision) -> Bill:
    return await _act(conn, user, bill_id, "reject", body)


@router.post("/bills/{bill_id}/cancel-approval", summary="取消审核（下个节点未审核时）")
async def cancel_approval(
    conn: Conn, user: CurrentUser, bill_id: int, body: Decision | None = None
) -> Bill:
    return await _act(conn, user, bill_id, "cancel_approval", body)


@router.get("/bills/{bill_id}/progress", summary="审核情况")
async def progress(conn: Conn, user: CurrentUser, bill_id: int) -> Progress:
    bill = await bills.get_bill(conn, user, bill_id)
    return Progress.model_validate(await reviews.progress(conn, bill))


@router.get("/bills/{bill_id}/audit", summary="单据及其上架资产的审计记录")
async def audit(conn: Conn, user: CurrentUser, bill_id: int) -> list[AuditEntry]:
    await bills.get_bill(conn, user, bill_id)
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(
        "select at, actor_id, entity, entity_id, action, detail from audit_log"
        " where (entity = 'bill' and entity_id = %s) or (entity = 'listing' and entity_id in"
        " (select id::text from listings where bill_id = %s)) order by at, id",
        (str(bill_id), bill_id),
    )
    return [AuditEntry.model_validate(r) for r in await cur.fetchall()]


@router.get("/reviews", summary="审核队列：待审核 / 已审核")
async def review_queue(
    conn: Conn,
    user: CurrentUser,
    tab: Literal["pending", "reviewed"] = "pending",
    kind: Literal["adjust", "share", "demand"] | None = None,
    page: Page = 1,
    page_size: Size = 20,
) -> BillPage:
    return BillPage.model_validate(
        await queries.review_queue(conn, user, tab, kind, page, page_size)
    )
