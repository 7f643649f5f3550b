"""The 盘点 report: a reconciliation as JSON and as an XLSX workbook with Chinese headers
(times in Beijing time, as the pages show them; 未盘 while the task is open, 盘亏 once it
is closed; the cards that left the book during the task, with why; once closed, how each
盘盈, 盘亏 and difference was resolved and what is still open)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from openpyxl import Workbook

from assetpulse.export_cells import append_row, beijing_time
from assetpulse.inventory.rules import STATUS_LABELS
from assetpulse.inventory.stocktake.discrepancies import summarize
from assetpulse.inventory.stocktake.reconcile import (
    SURPLUS_LABELS,
    Finding,
    LeftBook,
    Reconciliation,
)


def _finding(f: Finding, depts: Mapping[int, str]) -> dict[str, Any]:
    e = f.entry
    return {
        "card_id": e.card_id,
        "asset_code": e.asset_code,
        "name": e.name,
        "department_id": e.department_id,
        "department_name": depts.get(e.department_id) if e.department_id else None,
        "location": e.location,
        "status": e.status,
        "found": f.found,
        "scans": f.scans,
        "last_seen": f.last_seen.isoformat() if f.last_seen else None,
        "seen_department_id": f.seen_department_id,
        "seen_location": f.seen_location,
        "seen_status": f.seen_status,
        "moved": f.found and f.moved,
        "status_differs": f.found and f.status_differs,
        "assignment_id": e.assignment_id,
    }


def _left(x: LeftBook, depts: Mapping[int, str]) -> dict[str, Any]:
    e = x.entry
    return {
        "card_id": e.card_id,
        "asset_code": e.asset_code,
        "name": e.name,
        "department_name": depts.get(e.department_id) if e.department_id else None,
        "location": e.location,
        "status": e.status,
        "reason": x.reason,
        "at": x.at.isoformat() if x.at else None,
    }


def as_json(
    task: Mapping[str, Any],
    result: Reconciliation,
    depts: Mapping[int, str],
    discrepancies: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """``discrepancies``: the closed task's rows to resolve, as ``resolution.present``."""
    return {
        "stocktake": dict(task),
        "closed": result.closed,
        "summary": result.summary(),
        "by_department": [
            {"department_id": d, "department_name": depts.get(d) if d else "（未分配部门）", **c}
            for d, c in sorted(result.by_department.items(), key=lambda kv: kv[0] or 0)
        ],
        "found": [_finding(f, depts) for f in result.found],
        "not_scanned": [_finding(f, depts) for f in result.not_scanned],
        "missing": [_finding(f, depts) for f in result.missing],
        "left_book": [_left(x, depts) for x in result.left_book],
        "moved": [_finding(f, depts) for f in result.moved],
        "status_differs": [_finding(f, depts) for f in result.status_differs],
        "surplus": [
            {
                "raw_code": s.raw_code,
                "asset_code": s.asset_code,
                "reason": s.reason.value,
                "reason_label": SURPLUS_LABELS[s.reason.value],
                "card_id": s.card_id,
                "scans": s.scans,
                "first_seen": s.first_seen.isoformat(),
                "last_seen": s.last_seen.isoformat(),
                "department_id": s.department_id,
                "location": s.location,
            }
            for s in result.surplus
        ],
        "discrepancies": {
            "summary": summarize((d["kind"], d["state"]) for d in discrepancies),
            "items": [dict(d) for d in discrepancies],
        },
    }


_CARD_HEADERS = ("资产编号", "资产名称", "账面部门", "账面存放地点", "账面状态")


def _card_row(f: dict[str, Any]) -> list[Any]:
    return [
        f["asset_code"],
        f["name"],
        f["department_name"] or "",
        f["location"] or "",
        STATUS_LABELS.get(f["status"], f["status"]),
    ]


def as_xlsx(report: Mapping[str, Any], depts: Mapping[int, str]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "汇总"
    s = report["summary"]
    closed = report["closed"]
    gap, gap_key = ("盘亏", "missing") if closed else ("未盘", "not_scanned")
    append_row(ws, ["盘点任务", report["stocktake"]["title"]])
    ws.append(["截止日期", str(report["stocktake"]["deadline"])])
    ws.append(["任务状态", "已结束" if closed else "进行中（未扫到的资产为未盘，结束后计为盘亏）"])
    for label, key in (
        ("创建时账面", "booked"),
        ("盘点期间离开账面", "left_book"),
        ("应盘", "expected"),
        ("已盘到", "found"),
        (gap, gap_key),
        ("盘盈", "surplus"),
        ("位置不符", "moved"),
        ("状态不符", "status_differs"),
        ("完成率%", "percent_done"),
    ):
        ws.append([label, s[key]])
    ws.append([])
    ws.append(["部门", "应盘", "已盘到", gap, "位置不符", "状态不符"])
    for d in report["by_department"]:
        append_row(
            ws,
            [
                d["department_name"],
                d["expected"],
                d["found"],
                d[gap_key],
                d["moved"],
                d["status_differs"],
            ],
        )

    found = wb.create_sheet("已盘到")
    found.append([*_CARD_HEADERS, "最后扫描时间（北京时间）", "扫描次数"])
    for f in report["found"]:
        append_row(found, [*_card_row(f), beijing_time(f["last_seen"]), f["scans"]])
    missing = wb.create_sheet(gap)
    missing.append(list(_CARD_HEADERS))
    for f in report[gap_key]:
        append_row(missing, _card_row(f))
    left = wb.create_sheet("离开账面")
    left.append(["资产编号", "资产名称", "账面部门", "账面存放地点", "原因", "时间（北京时间）"])
    for x in report["left_book"]:
        append_row(
            left,
            [
                x["asset_code"],
                x["name"],
                x["department_name"] or "",
                x["location"] or "",
                x["reason"],
                beijing_time(x["at"]),
            ],
        )
    moved = wb.create_sheet("位置不符")
    moved.append([*_CARD_HEADERS, "实际部门", "实际存放地点"])
    for f in report["moved"]:
        seen_dept = depts.get(f["seen_department_id"], "") if f["seen_department_id"] else ""
        append_row(moved, [*_card_row(f), seen_dept, f["seen_location"] or ""])
    status = wb.create_sheet("状态不符")
    status.append([*_CARD_HEADERS, "实际状态"])
    for f in report["status_differs"]:
        append_row(status, [*_card_row(f), STATUS_LABELS.get(f["seen_status"], f["seen_status"])])
    surplus = wb.create_sheet("盘盈")
    surplus.append(
        ["扫描内容", "资产编号", "原因", "扫描次数", "首次扫描（北京时间）", "最后扫描（北京时间）",
         "存放地点"]
    )  # fmt: skip
    for x in report["surplus"]:
        append_row(
            surplus,
            [
                x["raw_code"],
                x["asset_code"] or "",
                x["reason_label"],
                x["scans"],
                beijing_time(x["first_seen"]),
                beijing_time(x["last_seen"]),
                x["location"] or "",
            ],
        )
    if report["discrepancies"]["items"]:
        _discrepancy_sheet(wb.create_sheet("盘盈盘亏处理"), report["discrepancies"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _discrepancy_sheet(ws: Any, body: Mapping[str, Any]) -> None:
    total = body["summary"]["all"]
    ws.append(["合计", total["total"], "已处理", total["resolved"], "未处理", total["open"]])
    ws.append(
        ["类型", "资产编号 / 扫描内容", "资产名称", "账面部门", "处理方式", "状态", "原因",
         "审批文号", "登记人", "审核人", "审核时间（北京时间）", "审核意见"]
    )  # fmt: skip
    for d in body["items"]:
        append_row(
            ws,
            [
                d["kind_label"],
                d["asset_code"] or d["raw_code"] or d["code"],
                d["name"] or "",
                d["department_name"] or "",
                d["ledger_label"],
                d["state_label"],
                d["cause"] or "",
                d["document_no"] or "",
                d["proposed_by_name"] or "",
                d["decided_by_name"] or "",
                beijing_time(d["decided_at"]),
                d["decision_note"] or "",
            ],
        )
