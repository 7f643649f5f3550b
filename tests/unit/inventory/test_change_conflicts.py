"""Which fields of a pending 卡片变动 conflict with the card as it is at approval."""

from __future__ import annotations

from assetpulse.inventory.rules import change_base, conflict_message, stale_fields


def test_stale_fields_when_other_field_changed_then_none() -> None:
    card = {"status": "idle", "shareable": False, "location": "主楼101"}
    base = change_base({"shareable": True, "photo_id": 4}, card)
    assert base == {"shareable": False}
    now = {**card, "status": "in_use", "location": "仓库"}
    assert stale_fields({"shareable": True, "photo_id": 4}, base, now) == []


def test_stale_fields_when_same_field_moved_then_named_unless_already_at_target() -> None:
    card = {"status": "in_use", "shareable": False}
    changes = {"status": "idle", "shareable": True}
    base = change_base(changes, card)
    assert stale_fields(changes, base, {"status": "under_repair", "shareable": True}) == ["status"]
    assert stale_fields(changes, base, {"status": "idle", "shareable": False}) == []
    assert "“资产状态”" in conflict_message(["status"])
