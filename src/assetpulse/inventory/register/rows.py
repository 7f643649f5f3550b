"""Row-by-row validation of an imported asset register (pure).

Columns are recognised by their Chinese headings as units export them (or the English
field names); every rejected row gets every reason, in Chinese, so that the user can fix
the file in one pass. Older registers carry GB/T 14885-2010 seven-digit category codes;
they are mapped to 2022 codes where the correspondence is known, and refused otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from assetpulse.inventory.rules import ASSET_CODE, OPTIONAL_TEXT_FIELDS, STATUS_LABELS

HEADINGS: dict[str, str] = {
    "资产编号": "asset_code",
    "资产编码": "asset_code",
    "卡片编号": "asset_code",
    "资产名称": "name",
    "资产分类代码": "category_code",
    "资产分类": "category_code",
    "分类代码": "category_code",
    "使用部门": "department",
    "部门": "department",
    "使用人": "user",
    "存放地点": "location",
    "资产状态": "status",
    "是否共享共用": "shareable",
    "数量": "quantity",
    "面积": "area",
    "计量单位": "measure_unit",
    "品牌": "brand",
    "规格型号": "model",
    "型号": "model",
    "规格": "spec",
    "序列号": "serial_no",
    "原值": "original_value",
    "价值": "original_value",
    "净值": "net_value",
    "取得日期": "acquired_on",
    "经费来源": "funding_source",
    "会计科目": "accounting_subject",
    "使用方向": "usage_direction",
}
FIELDS = frozenset(HEADINGS.values())
REQUIRED = ("asset_code", "name", "category_code")
_STATUS_BY_LABEL = {v: k for k, v in STATUS_LABELS.items()} | {k: k for k in STATUS_LABELS}
_IMPORTABLE_STATUSES = frozenset({"in_use", "idle", "pending_disposal", "leased", "under_repair"})
_YES = frozenset({"是", "y", "yes", "true", "1", "共享"})
_NO = frozenset({"否", "n", "no", "false", "0", ""})
_CODE_2010 = re.compile(r"^[0-9]{7}$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d")


@dataclass(frozen=True, slots=True)
class Reference:
    """What the rows are checked against: the unit's departments and users, categories."""

    categories: frozenset[str]
    map_2010: Mapping[str, str]
    departments: Mapping[str, int]  # code or name → id
    users: Mapping[str, int]  # username or display name → id
    # only the shipped demo codes (docs/categories.md): an unknown code says so
    demo_categories_only: bool = False


@dataclass(frozen=True, slots=True)
class Rejected:
    row: int  # as the user sees it in the sheet (heading row = 1)
    asset_code: str | None
    reasons: tuple[str, ...]


@dataclass(slots=True)
class RegisterCheck:
    accepted: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def map_headings(headings: Iterable[Any]) -> tuple[dict[int, str], list[str]]:
    """Column index → field; and the headings not recognised (reported, not fatal)."""
    columns: dict[int, str] = {}
    unknown: list[str] = []
    for i, h in enumerate(headings):
        text = str(h).strip() if h is not None else ""
        if not text:
            continue
        key = HEADINGS.get(text) or (text if text in FIELDS else None)
        if key is None:
            unknown.append(text)
        else:
            columns.setdefault(i, key)
    return columns, unknown


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# What the columns hold: numeric(14, 2) for quantity and area, numeric(16, 2) for values.
_LIMITS = {"数量": Decimal(10) ** 12, "面积": Decimal(10) ** 12}
_VALUE_LIMIT = Decimal(10) ** 14


def _decimal(value: Any, label: str, problems: list[str]) -> Decimal | None:
    text = _text(value).replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        problems.append(f"{label}“{text}”不是数字")
        return None
    if not number.is_finite() or number < 0:
        problems.append(f"{label}须为非负数")
        return None
    if number >= _LIMITS.get(label, _VALUE_LIMIT):
        problems.append(f"{label}“{text}”超出允许范围")
        return None
    return number


def _date(value: Any, problems: list[str]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    problems.append(f"取得日期“{text}”无法识别，请写成 2024-03-01")
    return None


_DEMO_ONLY = "（本系统目前只有随软件附带的演示分类代码，请系统管理员先导入官方代码表）"


def _category(text: str, ref: Reference, problems: list[str]) -> str | None:
    code = text.upper()
    if not code:
        return None
    if code in ref.categories:
        return code
    if _CODE_2010.match(code):
        mapped = ref.map_2010.get(code)
        if mapped is None:
            problems.append(
                f"2010 版分类代码 {code} 暂无对应的 2022 版代码，请改填 GB/T 14885-2022 代码"
                + (_DEMO_ONLY if ref.demo_categories_only else "")
            )
        return mapped
    problems.append(
        f"资产分类代码 {code} 不存在，请按 GB/T 14885-2022 填写"
        + (_DEMO_ONLY if ref.demo_categories_only else "")
    )
    return None


def check_row(values: Mapping[str, Any], ref: Reference) -> tuple[dict[str, Any], list[str]]:
    """One row's card values and the problems with it (empty: acceptable)."""
    problems: list[str] = []
    required_labels = {
        "asset_code": "资产编号",
        "name": "资产名称",
        "category_code": "资产分类代码",
    }
    for key in REQUIRED:
        if not _text(values.get(key)):
            problems.append(f"缺少{required_labels[key]}")
    code = _text(values.get("asset_code")).upper()
    if code and not ASSET_CODE.match(code):
        problems.append(f"资产编号“{code}”格式不对：只能用大写字母、数字和连字符，4–40 位")
    name = _text(values.get("name"))
    if len(name) > 200:
        problems.append("资产名称超过 200 个字符")
    card: dict[str, Any] = {
        "asset_code": code,
        "name": name,
        "category_code": _category(_text(values.get("category_code")), ref, problems),
    }
    status_text = _text(values.get("status")) or "在用"
    status = _STATUS_BY_LABEL.get(status_text)
    if status not in _IMPORTABLE_STATUSES:
        problems.append(f"资产状态“{status_text}”无效，应为在用、闲置、待处置、出租出借或维修中")
    card["status"] = status
    shareable = _text(values.get("shareable")).casefold()
    if shareable not in _YES | _NO:
        problems.append(f"是否共享共用“{shareable}”应填是或否")
    card["shareable"] = shareable in _YES
    dept = _text(values.get("department"))
    card["department_id"] = ref.departments.get(dept) if dept else None
    if dept and card["department_id"] is None:
        problems.append(f"使用部门“{dept}”不是本单位的内设部门")
    user = _text(values.get("user"))
    card["user_id"] = ref.users.get(user) if user else None
    if user and card["user_id"] is None:
        problems.append(f"使用人“{user}”不是本单位人员")
    for key, label in (
        ("quantity", "数量"),
        ("area", "面积"),
        ("original_value", "原值"),
        ("net_value", "净值"),
    ):
        card[key] = _decimal(values.get(key), label, problems)
    if card["quantity"] is None and card["area"] is None:
        card["quantity"] = Decimal(1)
    card["acquired_on"] = _date(values.get("acquired_on"), problems)
    for key in OPTIONAL_TEXT_FIELDS:
        card[key] = _text(values.get(key)) or None
    return card, problems


def check_register(
    rows: Iterable[tuple[int, Mapping[str, Any]]], ref: Reference, existing: frozenset[str]
) -> RegisterCheck:
    """Every row checked; codes already on the books or repeated in the file are refused."""
    out = RegisterCheck()
    first_row: dict[str, int] = {}
    for row_no, values in rows:
        card, problems = check_row(values, ref)
        code = card["asset_code"]
        if code and code in existing:
            problems.append(f"资产编号 {code} 已有卡片，不能重复导入")
        elif code and code in first_row:
            problems.append(f"资产编号 {code} 与第 {first_row[code]} 行重复")
        if code:
            first_row.setdefault(code, row_no)
        if problems:
            out.rejected.append(Rejected(row_no, code or None, tuple(problems)))
        else:
            out.accepted.append((row_no, card))
    return out
