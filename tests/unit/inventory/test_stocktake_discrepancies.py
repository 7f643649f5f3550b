"""盘盈盘亏处理 rules (pure): what each discrepancy needs before review, what it does to the
ledger, and how the report counts resolved and open ones."""

from __future__ import annotations

from datetime import date

from assetpulse.inventory.stocktake.discrepancies import (
    Ledger,
    Proposal,
    check_proposal,
    ledger_action,
    new_card_values,
    summarize,
)

CARD = {"name": "投影仪", "category_code": "A020104"}


def _fields(kind: str, reason: str | None, code: str | None, p: Proposal) -> list[str]:
    return [x.field for x in check_proposal(kind, reason, code, p)]


def test_ledger_action_when_kind_and_reason_then_new_card_only_for_assets_without_card() -> None:
    assert ledger_action("shortage") == Ledger.WRITE_OFF
    assert ledger_action("difference") == Ledger.CARD_CHANGE
    assert ledger_action("surplus", "unknown_code") == Ledger.NEW_CARD
    assert ledger_action("surplus", "unreadable") == Ledger.NEW_CARD
    # another unit's asset, or ours outside the task: its card exists, only the cause
    assert ledger_action("surplus", "other_unit") == Ledger.NOTE_ONLY
    assert ledger_action("surplus", "outside_task") == Ledger.NOTE_ONLY
    # registered by other means since the close: only the cause is left to record
    assert ledger_action("surplus", "unknown_code", code_has_card=True) == Ledger.NOTE_ONLY
    taken = Proposal("已补录", "文号", CARD)
    assert [p.field for p in check_proposal("surplus", "unknown_code", "ZZ-1", taken,
            code_has_card=True)] == ["card"]  # fmt: skip


def test_check_proposal_when_surplus_or_shortage_without_document_then_refused() -> None:
    assert _fields("shortage", None, "HD-1", Proposal("遗失")) == ["document_no"]
    assert _fields("shortage", None, "HD-1", Proposal("遗失", "  ")) == ["document_no"]
    assert _fields("shortage", None, "HD-1", Proposal(" ", "文号1")) == ["cause"]
    assert _fields("shortage", None, "HD-1", Proposal("遗失", "文号1")) == []
    # a difference is a card change: its reason is the cause, no document needed
    assert _fields("difference", None, "HD-1", Proposal("换人", changes={"user_id": 3})) == []


def test_check_proposal_when_new_card_incomplete_then_names_the_fields() -> None:
    assert _fields("surplus", "unknown_code", "ZZ-1", Proposal("捐赠", "文号", {})) == [
        "name",
        "category_code",
    ]
    bad = {**CARD, "acquired_on": "2026-13-01", "original_value": -5}
    assert _fields("surplus", "unknown_code", "ZZ-1", Proposal("捐赠", "文号", bad)) == [
        "acquired_on",
        "original_value",
    ]
    other_code = {**CARD, "asset_code": "ZZ-2"}
    assert _fields("surplus", "unknown_code", "ZZ-1", Proposal("捐赠", "文号", other_code)) == [
        "asset_code"
    ]
    assert _fields("surplus", "unknown_code", "ZZ-1", Proposal("捐赠", "文号", {**CARD,
                   "unit_id": 9})) == ["unit_id"]  # fmt: skip
    # an unreadable label: the operator must give the new card's code
    assert _fields("surplus", "unreadable", None, Proposal("旧标签", "文号", CARD)) == [
        "asset_code"
    ]
    assert _fields("surplus", "other_unit", "HS-1", Proposal("借用", "文号", CARD)) == ["card"]


def test_new_card_values_when_given_then_scanned_code_and_typed_date() -> None:
    values = new_card_values("ZZ-1", {**CARD, "name": " 投影仪 ", "acquired_on": "2025-06-01"})
    assert values == {
        "asset_code": "ZZ-1",
        "name": "投影仪",
        "category_code": "A020104",
        "acquired_on": date(2025, 6, 1),
    }
    assert new_card_values(None, {**CARD, "asset_code": "NEW-0001"})["asset_code"] == "NEW-0001"


def test_summarize_when_mixed_states_then_only_approved_is_resolved() -> None:
    got = summarize(
        [("shortage", "approved"), ("shortage", "pending"), ("surplus", "rejected"),
         ("difference", "open")]
    )  # fmt: skip
    assert got["all"] == {"total": 4, "resolved": 1, "pending": 1, "open": 3}
    assert got["shortage"] == {"total": 2, "resolved": 1, "pending": 1, "open": 1}
    assert got["surplus"]["open"] == 1


def test_check_proposal_when_values_are_not_scalars_then_refused_not_raised() -> None:
    # a JSON list or object where a status is expected: a field problem (422), not a 500
    for status in ([], {}, ["idle"]):
        got = _fields("difference", None, "HD-1", Proposal("换人", changes={"status": status}))
        assert got == ["status"]
        card = {**CARD, "status": status}
        assert _fields("surplus", "unknown_code", "ZZ-1", Proposal("捐赠", "文号", card)) == [
            "status"
        ]
