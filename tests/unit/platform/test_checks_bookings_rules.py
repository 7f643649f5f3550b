"""Pure rules of 共享预约 and 调剂优先核查: periods, both-side confirmation, outcomes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assetpulse.errors import DomainError
from assetpulse.platform import bookings, purchase_check

NOW = dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (NOW.replace(tzinfo=None), NOW + HOUR, "BOOKING_PERIOD_NO_ZONE"),
        (NOW + HOUR, NOW + HOUR, "BOOKING_PERIOD_EMPTY"),
        (NOW - 2 * HOUR, NOW - HOUR, "BOOKING_PERIOD_PAST"),
        (NOW, NOW + dt.timedelta(days=367), "BOOKING_PERIOD_TOO_LONG"),
    ],
)
def test_booking_period_when_unusable_then_refused_with_its_code(
    start: dt.datetime, end: dt.datetime, code: str
) -> None:
    with pytest.raises(DomainError) as err:
        bookings.check_period(start, end, NOW)
    assert err.value.code == code


def test_booking_moves_on_when_both_sides_confirmed_only() -> None:
    assert bookings.after_confirmations("approved", "handover", {"owner"}) == "approved"
    both = {"owner", "borrower"}
    assert bookings.after_confirmations("approved", "handover", both) == "handed_over"
    assert bookings.after_confirmations("handed_over", "return", both) == "returned"
    with pytest.raises(DomainError, match="双方确认交接后"):
        bookings.confirm_step("approved", "return")


def test_booking_decision_when_already_decided_then_conflict() -> None:
    assert bookings.decide("requested", "approve") == "approved"
    assert bookings.decide("approved", "cancel") == "cancelled"
    with pytest.raises(DomainError) as err:
        bookings.decide("handed_over", "cancel")
    assert err.value.code == "BOOKING_STATE_CONFLICT"


def _candidate(kind: str, category: str, name: str) -> dict[str, object]:
    return {"kind": kind, "category_code": category, "region_code": "460100", "name": name,
            "quantity": Decimal(1), "area": None, "source": "listing"}  # fmt: skip


def test_check_offers_when_class_differs_then_left_out_and_best_first() -> None:
    need = purchase_check.Need(
        "台式电脑", "A02010105", "460100", Decimal(2), None, dt.date(2027, 3, 1)
    )
    found = purchase_check.offers(need, [
        _candidate("adjust", "A0201", "计算机设备"),
        _candidate("share", "A02010105", "台式计算机"),
        _candidate("adjust", "A0501", "办公桌"),
    ], NOW.date())  # fmt: skip
    assert [o["name"] for o in found] == ["台式计算机", "计算机设备"]
    assert found[0]["score"] > found[1]["score"]


def test_check_outcome_follows_the_offers() -> None:
    assert purchase_check.outcome([]) == "purchase"
    assert purchase_check.outcome(["declined", "pending"]) == "open"
    assert purchase_check.outcome(["declined", "taken"]) == "reused"
    with pytest.raises(DomainError) as err:
        purchase_check.check_decision("declined", "  ")
    assert err.value.code == "CHECK_DECLINE_REASON_REQUIRED"
