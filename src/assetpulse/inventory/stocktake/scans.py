"""Recording scans of a 盘点 task: decoded images, device/app batches, manual entry.

Device and app batches are recorded offline with their own timestamps and synced later;
each scan carries a client-chosen id, so syncing the same batch twice records it once.
Every text read is stored as read; ``codes.asset_code_of`` says which asset it names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import AsyncConnection

from assetpulse.inventory import errors
from assetpulse.inventory.stocktake.codes import MAX_CODE_CHARS, asset_code_of
from assetpulse.inventory.stocktake.tasks import TaskAccess

INSERT_SCAN = """
insert into stocktake_scans (stocktake_id, client_scan_id, raw_code, asset_code, method,
    scanned_at, scanned_by, department_id, location, status, image_sha256, symbology)
values (%(task)s, %(client_scan_id)s, %(raw_code)s, %(asset_code)s, %(method)s,
    %(scanned_at)s, %(by)s, %(department_id)s, %(location)s, %(status)s, %(image_sha256)s,
    %(symbology)s)
on conflict (stocktake_id, client_scan_id) where client_scan_id is not null do nothing
returning id
"""

DEPARTMENT_OF_UNIT = "select 1 from units where id = %s and parent_id = %s and kind = 'department'"

# Offline devices keep their own clocks: a scan may be late by days, but not from the future.
FUTURE_TOLERANCE = timedelta(minutes=5)
VALID_STATUSES = frozenset({"in_use", "idle", "pending_disposal", "leased", "under_repair"})


@dataclass(frozen=True, slots=True)
class ScanInput:
    code: str
    scanned_at: datetime | None = None
    client_scan_id: str | None = None
    department_id: int | None = None
    location: str | None = None
    status: str | None = None
    symbology: str | None = None


@dataclass(slots=True)
class ScanOutcome:
    recorded: list[dict[str, Any]]
    duplicates: list[str]
    rejected: list[dict[str, Any]]


def _problem(s: ScanInput, now: datetime) -> str | None:
    if not s.code.strip():
        return "编码为空。"
    if len(s.code) > MAX_CODE_CHARS:
        return f"编码超过 {MAX_CODE_CHARS} 个字符。"
    if s.scanned_at is not None:
        if s.scanned_at.tzinfo is None:
            return "扫描时间须带时区（如 2026-05-01T09:30:00+08:00）。"
        if s.scanned_at > now + FUTURE_TOLERANCE:
            return "扫描时间在未来，请校准设备时钟后重新同步。"
    if s.status is not None and s.status not in VALID_STATUSES:
        return "现场状态须为在用、闲置、待处置、出租出借或维修中。"
    return None


async def record_scans(
    conn: AsyncConnection[Any],
    *,
    access: TaskAccess,
    actor_id: int,
    actor_department_id: int | None,
    method: str,
    scans: Sequence[ScanInput],
    image_sha256: str | None = None,
) -> ScanOutcome:
    """Store the scans in one transaction; bad items are reported, not half-written."""
    task = access.task
    if task["state"] != "open":
        raise errors.conflict("STOCKTAKE_CLOSED", "盘点任务已结束，不能再提交扫描结果。")
    now = datetime.now(UTC)
    out = ScanOutcome([], [], [])
    good: list[tuple[int, ScanInput]] = []
    for i, s in enumerate(scans):
        problem = _problem(s, now)
        if problem is None:
            good.append((i, s))
        else:
            out.rejected.append({"index": i, "code": s.code[:100], "reason": problem})
    async with conn.transaction():
        checked_depts: set[int] = set()
        for i, s in good:
            dept = s.department_id if s.department_id is not None else actor_department_id
            if dept is not None and dept not in checked_depts:
                cur = await conn.execute(DEPARTMENT_OF_UNIT, (dept, task["unit_id"]))
                if await cur.fetchone() is None:
                    out.rejected.append(
                        {
                            "index": i,
                            "code": s.code[:100],
                            "reason": "所在部门不是本单位的内设部门。",
                        }
                    )
                    continue
                checked_depts.add(dept)
            asset_code = asset_code_of(s.code)
            cur = await conn.execute(
                INSERT_SCAN,
                {
                    "task": task["id"],
                    "client_scan_id": s.client_scan_id,
                    "raw_code": s.code.strip(),
                    "asset_code": asset_code,
                    "method": method,
                    "scanned_at": s.scanned_at or now,
                    "by": actor_id,
                    "department_id": dept,
                    "location": s.location,
                    "status": s.status,
                    "image_sha256": image_sha256,
                    "symbology": s.symbology,
                },
            )
            row = await cur.fetchone()
            if row is None:
                out.duplicates.append(s.client_scan_id or "")
            else:
                out.recorded.append(
                    {"scan_id": int(row[0]), "code": s.code.strip(), "asset_code": asset_code}
                )
    return out
