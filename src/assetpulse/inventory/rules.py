"""Pure rules about asset cards (资产信息卡): which fields exist, which a card change
(卡片变动) may touch, which statuses a card may move to, and publish eligibility.

No I/O here; the services load a card, ask these rules, then write.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class CardStatus(StrEnum):
    IN_USE = "in_use"  # 在用
    IDLE = "idle"  # 闲置
    PENDING_DISPOSAL = "pending_disposal"  # 待处置
    LEASED = "leased"  # 出租出借
    UNDER_REPAIR = "under_repair"  # 维修中
    DISPOSED = "disposed"  # 已处置
    SPLIT = "split"  # 已拆分


STATUS_LABELS: dict[str, str] = {
    "in_use": "在用",
    "idle": "闲置",
    "pending_disposal": "待处置",
    "leased": "出租出借",
    "under_repair": "维修中",
    "disposed": "已处置",
    "split": "已拆分",
}

# Final states: the card stays for history, no business may run on it any more.
ENDED = frozenset({CardStatus.DISPOSED, CardStatus.SPLIT})
# A card change may set these; disposal and split have their own business with events.
CHANGEABLE_STATUSES = frozenset(
    {
        CardStatus.IN_USE,
        CardStatus.IDLE,
        CardStatus.PENDING_DISPOSAL,
        CardStatus.LEASED,
        CardStatus.UNDER_REPAIR,
    }
)
# 出租出借收回: the operator decides what the returned asset is now.
RECALL_STATUSES = frozenset({CardStatus.IDLE, CardStatus.PENDING_DISPOSAL, CardStatus.IN_USE})


class DisposalMethod(StrEnum):
    """处置方式 (财资〔2021〕127号)."""

    FREE_TRANSFER = "free_transfer"  # 无偿划转
    DONATION = "donation"  # 对外捐赠
    SALE = "sale"  # 转让
    EXCHANGE = "exchange"  # 置换
    SCRAP = "scrap"  # 报废
    WRITE_OFF = "write_off"  # 损失核销


DISPOSAL_LABELS = {
    "free_transfer": "无偿划转",
    "donation": "对外捐赠",
    "sale": "转让",
    "exchange": "置换",
    "scrap": "报废",
    "write_off": "损失核销",
}

ASSET_CODE = re.compile(r"^[A-Z0-9-]{4,40}$")

# a card's free-text columns besides its name: optional everywhere a card is written
OPTIONAL_TEXT_FIELDS = (
    "location",
    "measure_unit",
    "brand",
    "model",
    "spec",
    "serial_no",
    "funding_source",
    "accounting_subject",
    "usage_direction",
)
_TEXT_FIELDS = frozenset({"name", *OPTIONAL_TEXT_FIELDS})
_DECIMAL_FIELDS = frozenset({"quantity", "area", "original_value", "net_value"})
_ID_FIELDS = frozenset({"department_id", "user_id", "photo_id"})
CHANGEABLE_FIELDS = (
    _TEXT_FIELDS | _DECIMAL_FIELDS | _ID_FIELDS | {"status", "shareable", "category_code"}
)


# 卡片变动 fields as users know them (the reviewer reads these in a conflict message)
FIELD_LABELS: dict[str, str] = {
    "name": "资产名称",
    "location": "存放地点",
    "measure_unit": "计量单位",
    "brand": "品牌",
    "model": "规格型号",
    "spec": "规格",
    "serial_no": "序列号",
    "funding_source": "经费来源",
    "accounting_subject": "会计科目",
    "usage_direction": "使用方向",
    "quantity": "数量",
    "area": "面积",
    "original_value": "原值",
    "net_value": "净值",
    "department_id": "使用部门",
    "user_id": "使用人",
    "photo_id": "照片",
    "status": "资产状态",
    "shareable": "是否共享共用",
    "category_code": "资产分类",
}


def change_base(changes: Mapping[str, Any], card: Mapping[str, Any]) -> dict[str, Any]:
    """What a change is based on: the card's values (JSON form) of the fields it sets.

    A photo is added beside the others, never replaces a card value, so it has no base.
    """
    return {k: card.get(k) for k in changes if k != "photo_id"}


def stale_fields(
    changes: Mapping[str, Any], base: Mapping[str, Any], card: Mapping[str, Any]
) -> list[str]:
    """Fields of a pending change that something else has moved since it was proposed.

    ``base`` and ``card`` are in the same JSON form. A field that has already reached the
    value the change sets is no conflict (applying it again changes nothing).
    """
    return [k for k, was in base.items() if card.get(k) != was and card.get(k) != changes.get(k)]


def _field_names(fields: list[str]) -> str:
    return "、".join(f"“{FIELD_LABELS.get(k, k)}”" for k in fields)


def conflict_message(fields: list[str]) -> str:
    """Why a pending change can no longer be approved, and what the reviewer does next."""
    return (
        f"提出本变动后，卡片的{_field_names(fields)}已被其他变动修改，本变动不能再审核通过。"
        "请“退回”并写明原因，经办人可按当前卡片重新发起。"
    )


ENDED_CONFLICT = "该资产卡片已处置或已拆分，本变动不能再审核通过，请“退回”。"
ENDED_RETURN_NOTE = "退回：该资产卡片已处置或已拆分，不能再变动。"


def conflict_return_note(fields: list[str]) -> str:
    """The reason an operator reads when such a change is returned without a note."""
    return (
        f"退回：提出本变动后，卡片的{_field_names(fields)}已被其他变动修改，"
        "请查看当前卡片后按需重新发起。"
    )


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    message: str


def check_changes(changes: Mapping[str, Any]) -> list[FieldProblem]:
    """Problems with a proposed change set (empty list: acceptable as far as shape goes)."""
    problems: list[FieldProblem] = []
    if not changes:
        return [FieldProblem("changes", "变动内容为空，请至少填写一项要变动的字段。")]
    for key, value in changes.items():
        if key not in CHANGEABLE_FIELDS:
            problems.append(FieldProblem(key, f"字段“{key}”不能通过卡片变动修改。"))
        elif key == "status":
            # a JSON list or object is no status either (and is unhashable)
            if not isinstance(value, str) or value not in {s.value for s in CHANGEABLE_STATUSES}:
                problems.append(
                    FieldProblem(
                        key,
                        "资产状态只能变动为在用、闲置、待处置、出租出借或维修中；处置和拆分请走对应业务。",
                    )
                )
        elif key == "shareable":
            if not isinstance(value, bool):
                problems.append(FieldProblem(key, "是否共享共用须为是或否。"))
        elif key in _ID_FIELDS:
            if not (value is None and key != "photo_id") and not (
                isinstance(value, int) and not isinstance(value, bool) and value > 0
            ):
                problems.append(FieldProblem(key, f"字段“{key}”须为有效编号。"))
        elif key in _DECIMAL_FIELDS:
            if value is not None and not _non_negative(value):
                problems.append(FieldProblem(key, f"字段“{key}”须为非负数。"))
        elif key == "name":
            if not isinstance(value, str) or not 1 <= len(value.strip()) <= 200:
                problems.append(FieldProblem(key, "资产名称须为 1–200 个字符。"))
        elif (key in _TEXT_FIELDS or key == "category_code") and not (
            value is None or isinstance(value, str)
        ):
            problems.append(FieldProblem(key, f"字段“{key}”须为文本。"))
    return problems


def _non_negative(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        return Decimal(str(value)) >= 0
    except InvalidOperation:
        return False


def adjustable(status: str, has_photo: bool) -> bool:
    """May be published for 调剂: status 闲置 or 待处置, with a photo."""
    return has_photo and status in (CardStatus.IDLE, CardStatus.PENDING_DISPOSAL)


def shareable_now(status: str, shareable: bool, has_photo: bool) -> bool:
    """May be published for 共享: 是否共享共用 = 是, with a photo, not ended."""
    return has_photo and shareable and status not in ENDED
