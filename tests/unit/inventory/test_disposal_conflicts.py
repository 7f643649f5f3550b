"""Why a pending 资产处置 can no longer be approved (pure): what the reviewer reads."""

from __future__ import annotations

from typing import Any

from assetpulse.inventory.disposals import base_of, conflict_of

CARD = {"id": 1, "unit_id": 7, "status": "idle", "quantity": "20.00", "area": None,
        "original_value": "20000.00", "net_value": "8000.00", "location": "仓库"}  # fmt: skip


def _pending(**card: Any) -> dict[str, Any]:
    return {"state": "pending", "base": base_of({**CARD, **card})}


def test_conflict_when_other_fields_or_status_move_then_none() -> None:
    moved = {**CARD, "location": "库房", "status": "pending_disposal"}
    assert conflict_of(_pending(), moved) is None


def test_conflict_when_book_values_move_then_names_them() -> None:
    message = conflict_of(_pending(), {**CARD, "quantity": "13.00", "net_value": "5200.00"})
    assert message is not None
    assert "“数量”、“净值”" in message
    assert "退回" in message


def test_conflict_when_card_ended_leased_or_moved_unit_then_says_so() -> None:
    assert "已处置或已拆分" in (conflict_of(_pending(), {**CARD, "status": "split"}) or "")
    assert "出租出借收回" in (conflict_of(_pending(), {**CARD, "status": "leased"}) or "")
    assert "其他单位" in (conflict_of(_pending(), {**CARD, "unit_id": 8}) or "")


def test_conflict_when_decided_then_none() -> None:
    decided = {**_pending(), "state": "approved"}
    assert conflict_of(decided, {**CARD, "status": "disposed"}) is None
