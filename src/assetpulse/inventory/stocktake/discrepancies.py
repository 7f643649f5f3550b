"""盘盈盘亏处理 (pure): what each discrepancy of a closed stocktake needs to be resolved and
what resolving it does to the ledger (条例 第三十四、三十七条).

- 盘盈 (surplus) of an asset without a card (账外资产, or a label nobody could read): a new
  card, registered with the values the operator gives; one that belongs to another unit or
  lies outside this task's scope keeps its card, only the cause is recorded and approved;
- 盘亏 (shortage): a loss write-off (损失核销) of the card, a disposal in review;
- a difference (location, department, user or status found otherwise): a card change,
  reviewed with the card-change machinery like any other.

Surplus and shortage need a cause and the approval document's number (文号); a difference
needs a cause (the card change's reason). Reviewing is the unit's 审核岗, never the proposer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from assetpulse.inventory.rules import ASSET_CODE, FieldProblem, check_changes


class Kind(StrEnum):
    SURPLUS = "surplus"  # 盘盈
    SHORTAGE = "shortage"  # 盘亏
    DIFFERENCE = "difference"  # 账实不符 (位置、部门、使用人、状态)


class State(StrEnum):
    OPEN = "open"  # 待处理: no cause given yet
    PENDING = "pending"  # 待审核
    APPROVED = "approved"  # 已处理: the ledger has followed
    REJECTED = "rejected"  # 已退回: the operator proposes again


class Ledger(StrEnum):
    NEW_CARD = "new_card"
    WRITE_OFF = "write_off"
    CARD_CHANGE = "card_change"
    NOTE_ONLY = "note_only"


KIND_LABELS = {"surplus": "盘盈", "shortage": "盘亏", "difference": "账实不符"}
STATE_LABELS = {"open": "待处理", "pending": "待审核", "approved": "已处理", "rejected": "已退回"}
LEDGER_LABELS = {
    "new_card": "新增资产卡片",
    "write_off": "损失核销（资产处置）",
    "card_change": "卡片变动",
    "note_only": "登记原因（资产不在本单位账内或不在本次范围，不改账）",
}

# surplus reasons whose asset has no card here: resolving it registers one
_WITHOUT_CARD = frozenset({"unknown_code", "unreadable"})
# a new card's values the operator may give (the code comes from the scan)
NEW_CARD_FIELDS = frozenset(
    {
        "name",
        "category_code",
        "department_id",
        "user_id",
        "location",
        "status",
        "quantity",
        "measure_unit",
        "brand",
        "model",
        "spec",
        "serial_no",
        "original_value",
        "net_value",
        "acquired_on",
        "funding_source",
    }
)


def ledger_action(
    kind: str, surplus_reason: str | None = None, *, code_has_card: bool = False
) -> Ledger:
    """``code_has_card``: a card carries the surplus's code by now (registered by other
    means since the close): there is nothing to register, only the cause to record."""
    if kind == Kind.SHORTAGE:
        return Ledger.WRITE_OFF
    if kind == Kind.DIFFERENCE:
        return Ledger.CARD_CHANGE
    if surplus_reason in _WITHOUT_CARD and not code_has_card:
        return Ledger.NEW_CARD
    return Ledger.NOTE_ONLY


def can_propose(state: str) -> bool:
    """A cause is given to an open discrepancy, or again to one the reviewer returned."""
    return state in (State.OPEN, State.REJECTED)


@dataclass(frozen=True, slots=True)
class Proposal:
    cause: str
    document_no: str | None = None
    card: Mapping[str, Any] | None = None  # surplus → new card: its values
    changes: Mapping[str, Any] | None = None  # difference: what the card change sets


def check_proposal(
    kind: str,
    surplus_reason: str | None,
    code: str | None,
    p: Proposal,
    *,
    code_has_card: bool = False,
) -> list[FieldProblem]:
    """Problems with a proposal (empty: it may go to review)."""
    problems: list[FieldProblem] = []
    if not 1 <= len(p.cause.strip()) <= 500:
        problems.append(FieldProblem("cause", "请填写盘盈盘亏原因（1–500 个字符）。"))
    doc = (p.document_no or "").strip()
    if kind != Kind.DIFFERENCE and not 1 <= len(doc) <= 100:
        problems.append(FieldProblem("document_no", "请填写审批文件文号（1–100 个字符）。"))
    action = ledger_action(kind, surplus_reason, code_has_card=code_has_card)
    if action == Ledger.NEW_CARD:
        problems += _check_new_card(code, p.card or {})
    elif p.card:
        problems.append(
            FieldProblem("card", "只有账外盘盈资产需要登记新卡片（该编号已有卡片的不必再登记）。")
        )
    if action == Ledger.CARD_CHANGE:
        problems += check_changes(p.changes or {})
    elif p.changes:
        problems.append(FieldProblem("changes", "只有账实不符的资产通过卡片变动处理。"))
    return problems


def _check_new_card(code: str | None, card: Mapping[str, Any]) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    values = dict(card)
    given_code = values.pop("asset_code", None)
    if code is None and not (isinstance(given_code, str) and ASSET_CODE.match(given_code)):
        problems.append(
            FieldProblem("asset_code", "扫描内容无法识别为资产编号，请填写新卡片的资产编号。")
        )
    elif code is not None and given_code not in (None, code):
        problems.append(FieldProblem("asset_code", f"新卡片的资产编号须为扫描到的 {code}。"))
    extra = sorted(set(values) - NEW_CARD_FIELDS)
    if extra:
        problems.append(FieldProblem(extra[0], f"新卡片不能在此填写字段“{extra[0]}”。"))
        return problems
    if not isinstance(values.get("name"), str) or not values["name"].strip():
        problems.append(FieldProblem("name", "请填写新卡片的资产名称。"))
    if not isinstance(values.get("category_code"), str) or not values["category_code"]:
        problems.append(FieldProblem("category_code", "请选择新卡片的资产分类（GB/T 14885）。"))
    acquired = values.pop("acquired_on", None)
    if acquired is not None and _date(acquired) is None:
        problems.append(FieldProblem("acquired_on", "取得日期须为 YYYY-MM-DD。"))
    return problems + ([] if not values else check_changes(values))


def new_card_values(code: str | None, card: Mapping[str, Any]) -> dict[str, Any]:
    """The values the new card is inserted with (after ``check_proposal``)."""
    values = {k: v for k, v in card.items() if k in NEW_CARD_FIELDS}
    values["asset_code"] = code or card["asset_code"]
    values["name"] = str(values["name"]).strip()
    if values.get("acquired_on") is not None:
        values["acquired_on"] = _date(values["acquired_on"])
    return values


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def summarize(items: Iterable[tuple[str, str]]) -> dict[str, dict[str, int]]:
    """Per kind and in all: how many, how many resolved (approved) and still open."""
    out = {k: {"total": 0, "resolved": 0, "pending": 0, "open": 0} for k in (*Kind, "all")}
    for kind, state in items:
        for key in (kind, "all"):
            c = out[key]
            c["total"] += 1
            if state == State.APPROVED:
                c["resolved"] += 1
            else:
                c["open"] += 1
                c["pending"] += int(state == State.PENDING)
    return out


def change_state(review_state: str) -> State:
    """A shortage's or difference's state from its disposal's or card change's (withdrawn
    counts as returned: the operator proposes again)."""
    if review_state == "approved":
        return State.APPROVED
    if review_state == "pending":
        return State.PENDING
    return State.REJECTED
