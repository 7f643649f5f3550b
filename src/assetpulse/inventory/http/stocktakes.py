"""Routes: ``/stocktakes`` (盘点) — tasks, handing down, scans (image, device batch, manual
entry and bulk paste), progress, report (JSON / XLSX), applying results as card changes,
and resolving the closed task's 盘盈 / 盘亏 / differences through review (盘盈盘亏处理)."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import AwareDatetime, BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from assetpulse.export_cells import content_disposition
from assetpulse.inventory import errors
from assetpulse.inventory.stocktake import report, resolution, results, scans, tasks
from assetpulse.inventory.stocktake.codes import split_paste
from assetpulse.inventory.stocktake.discrepancies import Proposal
from assetpulse.org.scope import can_see_whole_stocktake
from assetpulse.platform.api.deps import Conn, CurrentUser

router = APIRouter(tags=["inventory: stocktaking"])

DEPARTMENT_NAMES = "select id, name from units where parent_id = %s or id = %s"
MAX_IMAGE_BYTES = 20 * 1024 * 1024

StatusCode = Literal["in_use", "idle", "pending_disposal", "leased", "under_repair"]


class TaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    deadline: date
    department_id: int | None = Field(default=None, description="空 = 全单位")


class AssignmentIn(BaseModel):
    department_id: int | None = Field(default=None, description="下发到部门 (第一级)")
    parent_id: int | None = Field(default=None, description="部门任务编号 (第二级)")
    assignee_id: int | None = Field(default=None, description="资产使用人")
    card_ids: list[int] | None = Field(
        default=None, description="第二级可指定卡片；默认为该使用人名下的卡片"
    )


class ScanItem(BaseModel):
    code: str = Field(min_length=1, max_length=500, description="标签内容、网址或资产编号")
    scanned_at: AwareDatetime | None = Field(default=None, description="设备记录的扫描时间")
    client_scan_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="设备生成的唯一编号 (重复同步只记一次)",
    )
    department_id: int | None = None
    location: str | None = Field(default=None, max_length=200)
    status: StatusCode | None = Field(default=None, description="现场确认的资产状态")
    symbology: str | None = None


class ProposalIn(BaseModel):
    cause: str = Field(min_length=1, max_length=500, description="盘盈盘亏原因")
    document_no: str | None = Field(
        default=None, max_length=100, description="审批文件文号 (盘盈、盘亏必填)"
    )
    card: dict[str, Any] | None = Field(
        default=None, description="账外盘盈：新卡片的内容 (name, category_code, department_id …)"
    )
    changes: dict[str, Any] | None = Field(
        default=None, description="账实不符：卡片变动的内容 (默认为盘点发现的差异)"
    )

    def proposal(self) -> Proposal:
        return Proposal(self.cause, self.document_no, self.card, self.changes)


class DifferenceIn(ProposalIn):
    card_id: int = Field(description="本次盘点账面上的卡片")
    changes: dict[str, Any] | None = Field(
        default=None, description="现场与账面不符的内容 (如 user_id、location)"
    )


class DecisionIn(BaseModel):
    note: str | None = Field(default=None, max_length=1000, description="审核意见")


class ScanBatch(BaseModel):
    method: Literal["device", "manual"] = "manual"
    scans: list[ScanItem] = Field(default_factory=list, max_length=10000)
    text: str | None = Field(
        default=None, max_length=500_000, description="批量粘贴：每行 (或逗号分隔) 一个编码"
    )
    department_id: int | None = None
    location: str | None = Field(default=None, max_length=200)


async def _departments(conn: Conn, unit_id: int) -> dict[int, str]:
    cur = await conn.execute(DEPARTMENT_NAMES, (unit_id, unit_id))
    return {int(r[0]): str(r[1]) for r in await cur.fetchall()}


async def _progress(conn: Conn, user: CurrentUser, access: tasks.TaskAccess) -> dict[str, Any]:
    result = await results.reconcile_task(conn, access, user)
    per_assignment: dict[int | None, dict[str, int]] = {}
    for f in result.findings:
        c = per_assignment.setdefault(f.entry.assignment_id, {"expected": 0, "found": 0})
        c["expected"] += 1
        c["found"] += int(f.found)
    rows = await tasks.list_assignments(conn, access.task["id"])
    # A department's progress includes the parts it handed on to its people.
    totals = {a["id"]: dict(per_assignment.get(a["id"], {"expected": 0, "found": 0})) for a in rows}
    for a in rows:
        if a["parent_id"] is not None and a["parent_id"] in totals:
            for key in ("expected", "found"):
                totals[a["parent_id"]][key] += totals[a["id"]][key]
    assignments = [{**a, **totals[a["id"]]} for a in rows if access.covers(a["id"])]
    depts = await _departments(conn, access.task["unit_id"])
    body = report.as_json(access.task, result, depts)
    overdue = access.task["state"] == "open" and date.today() > access.task["deadline"]
    return {
        "stocktake": {**access.task, "overdue": overdue},
        "summary": body["summary"],
        "by_department": body["by_department"],
        "assignments": assignments,
        "unassigned": per_assignment.get(None, {"expected": 0, "found": 0}),
        "whole_task": access.whole,
    }


@router.post("/stocktakes", status_code=201, summary="创建盘点任务 (经办岗)")
async def create(body: TaskIn, conn: Conn, user: CurrentUser) -> dict[str, Any]:
    task_id = await tasks.create_task(
        conn, user, title=body.title, deadline=body.deadline, department_id=body.department_id
    )
    return await _progress(conn, user, await tasks.task_access(conn, user, task_id))


@router.get("/stocktakes", summary="我的盘点任务")
async def list_tasks(conn: Conn, user: CurrentUser) -> list[dict[str, Any]]:
    rows = await tasks.visible_tasks(conn, user)
    # 盘盈盘亏 still to resolve, for those who see the whole task (and may resolve them)
    whole = [r["id"] for r in rows if can_see_whole_stocktake(user, r["unit_id"])]
    still_open = await resolution.open_counts(conn, whole)
    return [
        {**r, "discrepancies_open": still_open.get(r["id"], 0) if r["id"] in whole else None}
        for r in rows
    ]


@router.get("/stocktakes/{task_id}", summary="盘点进度 (按部门 / 人员)")
async def progress(task_id: int, conn: Conn, user: CurrentUser) -> dict[str, Any]:
    return await _progress(conn, user, await tasks.task_access(conn, user, task_id))


@router.get("/stocktakes/{task_id}/assignments", summary="下发情况")
async def assignments(task_id: int, conn: Conn, user: CurrentUser) -> list[dict[str, Any]]:
    access = await tasks.task_access(conn, user, task_id)
    return [a for a in await tasks.list_assignments(conn, task_id) if access.covers(a["id"])]


@router.post("/stocktakes/{task_id}/assignments", status_code=201, summary="逐级下发")
async def hand_down(
    task_id: int, body: AssignmentIn, conn: Conn, user: CurrentUser
) -> dict[str, Any]:
    access = await tasks.task_access(conn, user, task_id)
    new_id = await tasks.hand_down(
        conn,
        user,
        access,
        department_id=body.department_id,
        assignee_id=body.assignee_id,
        parent_id=body.parent_id,
        card_ids=body.card_ids,
    )
    rows = await tasks.list_assignments(conn, task_id)
    return next(r for r in rows if r["id"] == new_id)


def _outcome(out: scans.ScanOutcome, **extra: Any) -> dict[str, Any]:
    return {
        "recorded": out.recorded,
        "duplicates": out.duplicates,
        "rejected": out.rejected,
        **extra,
    }


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """The schema with local ``$defs`` references replaced by their definitions."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_inline(v, defs) for v in schema]
    return schema


def _scan_body_schema() -> dict[str, Any]:
    batch = ScanBatch.model_json_schema()
    defs = batch.pop("$defs", {})
    image = {
        "type": "object",
        "required": ["image"],
        "properties": {
            "image": {"type": "string", "format": "binary", "description": "照片或画面帧"},
            "location": {"type": "string", "description": "拍摄地点"},
            "department_id": {"type": "integer", "description": "所在部门"},
            "status": {"type": "string", "enum": sorted(scans.VALID_STATUSES)},
        },
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _inline(batch, defs)},
                "multipart/form-data": {"schema": image},
            },
        }
    }


@router.post(
    "/stocktakes/{task_id}/scans",
    status_code=201,
    summary="提交扫描：照片 (multipart: image) 或设备批量 / 手工录入 (JSON)",
    openapi_extra=_scan_body_schema(),
)
async def post_scans(
    task_id: int, request: Request, conn: Conn, user: CurrentUser
) -> dict[str, Any]:
    access = await tasks.task_access(conn, user, task_id)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return await _image_scan(request, conn, user, access)
    try:
        batch = ScanBatch.model_validate(json.loads(await request.body()))
    except (ValueError, ValidationError) as exc:
        raise errors.invalid(
            "SCAN_BATCH_INVALID", "扫描数据格式不对：请提交 JSON（scans 或 text）或上传照片。"
        ) from exc
    items = [
        scans.ScanInput(
            code=s.code,
            scanned_at=s.scanned_at,
            client_scan_id=s.client_scan_id,
            department_id=s.department_id if s.department_id is not None else batch.department_id,
            location=s.location if s.location is not None else batch.location,
            status=s.status,
            symbology=s.symbology,
        )
        for s in batch.scans
    ]
    if batch.text:
        items += [
            scans.ScanInput(code=c, department_id=batch.department_id, location=batch.location)
            for c in split_paste(batch.text)
        ]
    if not items:
        raise errors.invalid("SCAN_BATCH_EMPTY", "没有要提交的编码。")
    out = await scans.record_scans(
        conn,
        access=access,
        actor_id=user.user_id,
        actor_department_id=user.department_id,
        method=batch.method,
        scans=items,
    )
    return _outcome(out)


async def _image_scan(
    request: Request, conn: Conn, user: CurrentUser, access: tasks.TaskAccess
) -> dict[str, Any]:
    from assetpulse.inventory.stocktake.imaging import decode_codes

    # the form owns spooled temporary files: close them as soon as the fields are read
    async with request.form() as form:
        image = form.get("image")
        if image is None or isinstance(image, str):
            raise errors.invalid("SCAN_IMAGE_REQUIRED", "请在 image 字段上传照片。")
        data = await image.read(MAX_IMAGE_BYTES + 1)
        location = form.get("location")
        dept = form.get("department_id")
        status = form.get("status")
    if len(data) > MAX_IMAGE_BYTES:
        raise errors.invalid("SCAN_IMAGE_TOO_LARGE", "照片过大（超过 20 MB），请压缩后重新上传。")
    # decoding costs up to ~2 s of CPU: off the event loop, so other requests go on
    codes = await run_in_threadpool(decode_codes, data)
    items = [
        scans.ScanInput(
            code=text,
            symbology=symbology,
            location=location if isinstance(location, str) and location else None,
            department_id=int(dept) if isinstance(dept, str) and dept.isdigit() else None,
            status=status if isinstance(status, str) and status else None,
        )
        for text, symbology in codes
    ]
    out = await scans.record_scans(
        conn,
        access=access,
        actor_id=user.user_id,
        actor_department_id=user.department_id,
        method="image",
        scans=items,
        image_sha256=hashlib.sha256(data).hexdigest(),
    )
    return _outcome(out, decoded=[{"text": t, "symbology": s} for t, s in codes])


@router.get(
    "/stocktakes/{task_id}/report",
    summary="盘点报告 (JSON 或 XLSX)",
    response_model=None,
    responses={
        200: {
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {},
            }
        }
    },
)
async def get_report(
    task_id: int,
    conn: Conn,
    user: CurrentUser,
    format: Literal["json", "xlsx"] = "json",
    department_id: int | None = None,
) -> dict[str, Any] | Response:
    access = await tasks.task_access(conn, user, task_id)
    result = await results.reconcile_task(conn, access, user, department_id=department_id)
    if department_id is None:
        await results.ensure_discrepancies(conn, access, result)
    depts = await _departments(conn, access.task["unit_id"])
    # how the closed task's discrepancies were resolved: for those who see the whole task
    resolved = (
        await resolution.list_discrepancies(conn, task_id, department_id=department_id)
        if access.whole and access.task["state"] == "closed"
        else []
    )
    body = report.as_json(access.task, result, depts, resolved)
    if format == "json":
        return body
    return Response(
        report.as_xlsx(body, depts),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": content_disposition(
                f"盘点报告-{task_id}.xlsx", f"stocktake-{task_id}.xlsx"
            )
        },
    )


@router.post("/stocktakes/{task_id}/apply", summary="应用盘点结果 (生成待审核的卡片变动)")
async def apply(task_id: int, conn: Conn, user: CurrentUser) -> dict[str, Any]:
    access = await tasks.task_access(conn, user, task_id)
    change_ids = await results.apply_results(conn, access, user)
    return {"change_ids": change_ids, "stocktake_id": task_id, "state": "closed"}


@router.post(
    "/stocktakes/{task_id}/discrepancies",
    status_code=201,
    summary="登记账实不符 (经办岗；如现场使用人与账面不同，生成待审核的卡片变动)",
)
async def add_difference(
    task_id: int, body: DifferenceIn, conn: Conn, user: CurrentUser
) -> dict[str, Any]:
    access = await tasks.task_access(conn, user, task_id)
    return await resolution.add_difference(conn, access, user, body.card_id, body.proposal())


@router.post(
    "/stocktakes/{task_id}/discrepancies/{discrepancy_id}/propose",
    summary="盘盈盘亏处理：填写原因和审批文号，提交审核 (经办岗)",
)
async def propose_resolution(
    task_id: int, discrepancy_id: int, body: ProposalIn, conn: Conn, user: CurrentUser
) -> dict[str, Any]:
    access = await tasks.task_access(conn, user, task_id)
    return await resolution.propose(conn, access, user, discrepancy_id, body.proposal())


@router.post(
    "/stocktakes/{task_id}/discrepancies/{discrepancy_id}/approve",
    summary="盘盈盘亏处理审核通过 (审核岗，非登记人)：新增卡片、损失核销或卡片变动入账",
)
async def approve_resolution(
    task_id: int,
    discrepancy_id: int,
    conn: Conn,
    user: CurrentUser,
    body: DecisionIn | None = None,
) -> dict[str, Any]:
    access = await tasks.task_access(conn, user, task_id)
    note = body.note if body else None
    return await resolution.approve(conn, access, user, discrepancy_id, note)


@router.post(
    "/stocktakes/{task_id}/discrepancies/{discrepancy_id}/reject",
    summary="盘盈盘亏处理退回 (审核岗，非登记人)",
)
async def reject_resolution(
    task_id: int,
    discrepancy_id: int,
    conn: Conn,
    user: CurrentUser,
    body: DecisionIn | None = None,
) -> dict[str, Any]:
    access = await tasks.task_access(conn, user, task_id)
    note = body.note if body else None
    return await resolution.reject(conn, access, user, discrepancy_id, note)
