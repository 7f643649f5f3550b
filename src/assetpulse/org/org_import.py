"""Importing an organisation from a workbook (组织机构导入), with a report row by row.

The XLSX has two sheets, either may be absent:

- ``单位``: 单位编码*, 单位名称*, 单位类型* (财政部门/主管部门/预算单位/内设部门), 财政区划
  (six digits; a department takes its unit's), 上级单位编码 (a department's unit; a budget
  unit's competent department), 地址, 电话;
- ``人员``: 用户名*, 姓名*, 单位编码*, 部门编码, 用户类型* (002/003, or 002-财政用户 …),
  角色 (经办岗、审核岗、资产使用人、管理员, separated by 、 or commas), 电话.

Units are read first, so users may name units of the same file, and a unit may name a
parent above it in the sheet. A code or username that exists already updates that unit or
user (name, address, phone; name, department, type, roles, phone), so a file can be fixed
and imported again. Each row is checked by the same rules as the pages and applied on its
own (a savepoint): a wrong row is reported with its reason and the others still apply.
With ``dry_run`` nothing is saved. New users get a temporary password, shown once in the
report, that must be changed at first login.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import psycopg
from openpyxl import Workbook, load_workbook
from psycopg import AsyncConnection

from assetpulse.errors import DomainError, ErrorKind
from assetpulse.org import admin_rules as rules
from assetpulse.org import admin_store as store
from assetpulse.org.admin_rules import AdminScope, OrgAdminError
from assetpulse.org.passwords import dummy_hash
from assetpulse.org.principal import Principal

FORMAT_DOC = __doc__ or ""
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000  # a province's units and staff in one file; more goes in batches
MAX_COLUMNS = 50

UNIT_COLUMNS = {
    "单位编码": "code", "单位名称": "name", "单位类型": "kind", "财政区划": "region_code",
    "上级单位编码": "parent_code", "地址": "address", "电话": "phone",
}  # fmt: skip
USER_COLUMNS = {
    "用户名": "username", "姓名": "display_name", "单位编码": "unit_code",
    "部门编码": "department_code", "用户类型": "user_type", "角色": "roles", "电话": "phone",
}  # fmt: skip
NOTES = (
    "带 * 的列必填；两张表可只填其一，先导入“单位”再导入“人员”。",
    "单位类型：财政部门、主管部门、预算单位、内设部门；内设部门的上级单位编码填其所属单位，财政区划可不填。",
    "财政区划：6 位区划代码，如 460100 海口市。",
    "用户类型：002-财政用户（财政部门）、003-预算单位用户（其他单位）。",
    "角色：经办岗、审核岗、资产使用人、管理员，多个用“、”或逗号分隔；管理员只能由系统管理员设置。",
    "已存在的单位编码或用户名按文件更新；出错的行单独报告，不影响其他行；新用户的临时密码在导入报告中只显示一次。",
)
LABELS = {"created": "新增", "updated": "已更新", "unchanged": "无变化"}
DRY_LABELS = {"created": "将新增", "updated": "将更新", "unchanged": "无变化"}
REQUIRED = {
    "单位": ("code", "name", "kind"),
    "人员": ("username", "display_name", "unit_code", "user_type"),
}


def _unreadable(message: str) -> OrgAdminError:
    return OrgAdminError("ORG_IMPORT_UNREADABLE", message, kind=ErrorKind.INVALID)


def check_size(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise _unreadable(f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，请分批导入。")
    if not data:
        raise _unreadable("文件为空，请选择组织机构 XLSX 文件。")


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)  # a region code typed as a number
    return str(v).strip()


def _sheet_rows(ws: Any, columns: dict[str, str], sheet: str) -> list[tuple[int, dict[str, str]]]:
    if (ws.max_row or 0) > MAX_ROWS + 1:
        raise _unreadable(f"“{sheet}”表超过 {MAX_ROWS} 行，请分批导入。")
    rows = ws.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True)
    head = next(rows, None)
    if head is None:
        return []
    index: dict[int, str] = {}
    for i, title in enumerate(head):
        name = _cell(title).rstrip("*＊").strip()
        if name in columns:
            index[i] = columns[name]
    missing = [t for t, f in columns.items() if f in REQUIRED[sheet] and f not in index.values()]
    if missing:
        raise _unreadable(f"“{sheet}”表缺少列：{'、'.join(missing)}。")
    out = []
    for n, row in enumerate(rows, start=2):
        values = {f: _cell(row[i]) if i < len(row) else "" for i, f in index.items()}
        if any(values.values()):
            out.append((n, values))
    return out


def read_workbook(data: bytes) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """Rows of the sheets 单位 and 人员 (sheet row number, field → text). CPU-bound."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _unreadable("文件不是 Excel 2007+ 的 XLSX 格式或已损坏。") from exc
    try:
        names = {ws.title.strip(): ws for ws in wb.worksheets}
        if "单位" not in names and "人员" not in names:
            raise _unreadable("工作簿中没有名为“单位”或“人员”的工作表，请使用导入模板。")
        out: dict[str, list[tuple[int, dict[str, str]]]] = {"单位": [], "人员": []}
        if "单位" in names:
            out["单位"] = _sheet_rows(names["单位"], UNIT_COLUMNS, "单位")
        if "人员" in names:
            out["人员"] = _sheet_rows(names["人员"], USER_COLUMNS, "人员")
        return out
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _unreadable("文件不是 Excel 2007+ 的 XLSX 格式或已损坏。") from exc
    finally:
        wb.close()


def template() -> bytes:
    """The workbook to fill in: both sheets with their headings (* = required) and a sheet
    saying what each column takes."""
    wb = Workbook()
    units = wb.active
    assert units is not None
    units.title = "单位"

    def heading(columns: dict[str, str], sheet: str) -> list[str]:
        return [f"{t}*" if f in REQUIRED[sheet] else t for t, f in columns.items()]

    units.append(heading(UNIT_COLUMNS, "单位"))
    wb.create_sheet("人员").append(heading(USER_COLUMNS, "人员"))
    notes = wb.create_sheet("说明")
    for line in NOTES:
        notes.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _required(values: dict[str, str], sheet: str) -> None:
    labels = {**{v: k for k, v in UNIT_COLUMNS.items()}, **{v: k for k, v in USER_COLUMNS.items()}}
    empty = [labels[f] for f in REQUIRED[sheet] if not values.get(f)]
    if empty:
        raise OrgAdminError("ORG_IMPORT_REQUIRED", f"必填项为空：{'、'.join(empty)}。")


async def _unit_row(
    conn: AsyncConnection[Any], p: Principal, scope: AdminScope, v: dict[str, str]
) -> str:
    _required(v, "单位")
    kind = rules.parse_kind(v["kind"])
    parent = await store.unit_by_code(conn, v["parent_code"]) if v.get("parent_code") else None
    if v.get("parent_code") and parent is None:
        raise OrgAdminError(
            "ORG_IMPORT_PARENT_UNKNOWN", f"上级单位编码 {v['parent_code']} 不存在。"
        )
    existing = await store.unit_by_code(conn, v["code"])
    if existing is not None:
        if not rules.manages_unit(scope, existing):
            raise OrgAdminError("ORG_OUT_OF_SCOPE", "该单位已存在且不在您的管理范围内。")
        if existing.kind != kind or existing.parent_id != (parent.id if parent else None):
            raise OrgAdminError(
                "ORG_IMPORT_STRUCTURE",
                "已有单位的类型或上级单位不能通过导入修改，请联系系统管理员。",
            )
        changes = {"name": v["name"], "address": v.get("address") or None,
                   "phone": v.get("phone") or None}  # fmt: skip
        cur = await conn.execute(
            "select name, address, phone from units where id = %s", (existing.id,)
        )
        if tuple(changes.values()) == await cur.fetchone():
            return "unchanged"
        await store.update_unit(conn, p, scope, existing.id, changes)
        return "updated"
    data = store.UnitInput(
        code=v["code"], name=v["name"], kind=kind, region_code=v.get("region_code") or None,
        parent_id=parent.id if parent else None, address=v.get("address") or None,
        phone=v.get("phone") or None,
    )  # fmt: skip
    await store.create_unit(conn, p, scope, data)
    return "created"


async def _user_row(
    conn: AsyncConnection[Any], p: Principal, scope: AdminScope, v: dict[str, str],
    dry_run: bool,
) -> tuple[str, str | None]:  # fmt: skip
    _required(v, "人员")
    unit = await store.unit_by_code(conn, v["unit_code"])
    if unit is None:
        raise OrgAdminError("ORG_IMPORT_UNIT_UNKNOWN", f"单位编码 {v['unit_code']} 不存在。")
    dept = None
    if v.get("department_code"):
        dept = await store.unit_by_code(conn, v["department_code"])
        if dept is None:
            raise OrgAdminError(
                "ORG_IMPORT_UNIT_UNKNOWN", f"部门编码 {v['department_code']} 不存在。"
            )
    user_type = rules.parse_user_type(v["user_type"])
    roles = rules.parse_roles(v.get("roles", ""))
    cur = await conn.execute("select id from users where username = %s", (v["username"],))
    found = await cur.fetchone()
    if found is not None:
        changes = {
            "display_name": v["display_name"], "unit_id": unit.id,
            "department_id": dept.id if dept else None, "user_type": user_type,
            "roles": sorted(roles), "phone": v.get("phone") or None,
        }  # fmt: skip
        changed = await store.update_user(conn, p, scope, int(found[0]), changes)
        return ("updated" if changed else "unchanged"), None
    data = store.UserInput(
        username=v["username"], display_name=v["display_name"], unit_id=unit.id,
        user_type=user_type, roles=roles, department_id=dept.id if dept else None,
        phone=v.get("phone") or None,
    )  # fmt: skip
    # a dry run checks everything but spends no argon2 work on passwords it throws away
    _, temp = await store.create_user(
        conn, p, scope, data, prehashed=dummy_hash() if dry_run else None
    )
    return "created", None if dry_run else temp


def _rows(
    sheets: dict[str, list[tuple[int, dict[str, str]]]],
) -> Iterator[tuple[str, int, dict[str, str]]]:
    for sheet in ("单位", "人员"):
        for n, values in sheets.get(sheet, []):
            yield sheet, n, values


async def apply(
    conn: AsyncConnection[Any], p: Principal, scope: AdminScope,
    sheets: dict[str, list[tuple[int, dict[str, str]]]], *, dry_run: bool,
) -> dict[str, Any]:  # fmt: skip
    report: list[dict[str, Any]] = []
    async with conn.transaction(force_rollback=dry_run):
        for sheet, n, values in _rows(sheets):
            key = values.get("code") or values.get("username") or ""
            temp: str | None = None
            try:
                async with conn.transaction():
                    if sheet == "单位":
                        status = await _unit_row(conn, p, scope, values)
                    else:
                        status, temp = await _user_row(conn, p, scope, values, dry_run)
                labels = DRY_LABELS if dry_run else LABELS
                message = labels[status]
            except DomainError as exc:
                status, message = "error", exc.message
            except psycopg.errors.DataError:
                status, message = "error", "数据格式或长度有误，请检查该行。"
            report.append({"sheet": sheet, "row": n, "key": key, "status": status,
                           "message": message, "temporary_password": temp})  # fmt: skip
    counts = {s: sum(1 for r in report if r["status"] == s)
              for s in ("created", "updated", "unchanged", "error")}  # fmt: skip
    return {
        "dry_run": dry_run,
        "created": counts["created"],
        "updated": counts["updated"],
        "unchanged": counts["unchanged"],
        "errors": counts["error"],
        "rows": report,
    }
