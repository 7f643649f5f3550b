"""MOF summary-system exchange endpoints (汇总系统上报与反馈)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from assetpulse.platform.api.deps import Conn, CurrentUser
from assetpulse.platform.api.listing_schemas import FeedbackBody, FeedbackOut, ReportOut
from assetpulse.platform.store import mof

router = APIRouter(tags=["platform: MOF exchange"])


@router.post("/mof/reports", status_code=201, summary="生成上报批次（财政用户）")
async def build_report(conn: Conn, user: CurrentUser) -> ReportOut:
    return ReportOut.model_validate(await mof.build_report(conn, user))


@router.get("/mof/reports", summary="上报历史")
async def report_history(conn: Conn, user: CurrentUser) -> list[ReportOut]:
    return [ReportOut.model_validate(r) for r in await mof.reports(conn, user)]


@router.get("/mof/reports/{report_id}/file", summary="下载上报文件（JSON Lines，附 SHA-256）")
async def report_file(conn: Conn, user: CurrentUser, report_id: int) -> Response:
    row = await mof.report_file(conn, user, report_id)
    return Response(
        bytes(row["content"]),
        media_type="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="{row["file_name"]}"',
            "X-Checksum-SHA256": row["sha256"],
        },
    )


@router.post("/mof/feedback", summary="导入财政部反馈（通过 → 02；退回 → 单位）")
async def import_feedback(conn: Conn, user: CurrentUser, body: FeedbackBody) -> FeedbackOut:
    items = [i.model_dump() for i in body.items]
    mof.check_feedback_items(items)
    return FeedbackOut.model_validate(await mof.import_feedback(conn, user, body.batch_no, items))
