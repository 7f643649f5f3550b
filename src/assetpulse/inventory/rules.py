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
            if value not in {s.value for s in CHANGEABLE_STATUSES}:
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
