"""共享预约 (bookings of shared assets) — pure rules.

A unit asks for a shared listing for a period; the owner approves or declines; the asset
changes hands when BOTH sides have confirmed the handover (each with the condition it
found), and comes back when both have confirmed the return. Overlaps are the database's
to refuse (an exclusion constraint); what is checked here is what a request may ask for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assetpulse.platform.errors import PlatformError, conflict, invalid

MAX_DAYS = 366  # a loan longer than a year is an adjustment (调剂), not a booking
STATE_TEXT = {
    "requested": "待审批",
    "approved": "已同意",
    "declined": "已拒绝",
    "cancelled": "已取消",
    "handed_over": "借用中",
    "returned": "已归还",
}
STEP_TEXT = {"handover": "交接", "return": "归还"}
SIDE_TEXT = {"owner": "出借方", "borrower": "借用方"}
HOLDING = ("requested", "approved", "handed_over")


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.datetime
    end: dt.datetime


def check_period(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> Period:
    """The period a request may ask for: zoned, ending after it starts, not over, ≤ a year."""
    if start.tzinfo is None or end.tzinfo is None:
        raise invalid(
            "BOOKING_PERIOD_NO_ZONE", "预约起止时间须带时区（如 2026-12-01T09:00:00+08:00）。"
        )
    if end <= start:
        raise invalid("BOOKING_PERIOD_EMPTY", "预约结束时间须晚于开始时间。")
    if end <= now:
        raise invalid("BOOKING_PERIOD_PAST", "预约时段已经过去，请选择今后的时段。")
    if end - start > dt.timedelta(days=MAX_DAYS):
        raise invalid(
            "BOOKING_PERIOD_TOO_LONG", f"单次预约最长 {MAX_DAYS} 天；长期使用请办理资产调剂。"
        )
    return Period(start, end)


def side_of(unit_id: int, owner_unit_id: int, borrower_unit_id: int) -> str | None:
    if unit_id == owner_unit_id:
        return "owner"
    if unit_id == borrower_unit_id:
        return "borrower"
    return None


def confirm_step(state: str, step: str) -> None:
    """Whether ``step`` may be confirmed in ``state``."""
    wanted = "approved" if step == "handover" else "handed_over"
    if state != wanted:
        need = "审批同意后" if step == "handover" else "双方确认交接后"
        raise conflict(
            "BOOKING_STEP_NOT_ALLOWED",
            f"当前状态为「{STATE_TEXT[state]}」，{need}才能确认{STEP_TEXT[step]}。",
            state=state,
            step=step,
        )


def after_confirmations(state: str, step: str, sides: set[str]) -> str:
    """The booking's state once ``sides`` have confirmed ``step``: it moves on only when
    both have."""
    if sides >= {"owner", "borrower"}:
        return "handed_over" if step == "handover" else "returned"
    return state


def decide(state: str, action: str) -> str:
    """approve / decline by the owner, cancel by the borrower: only while undecided (a
    cancel also while approved and not yet handed over)."""
    allowed = {"approve": ("requested",), "decline": ("requested",),
               "cancel": ("requested", "approved")}[action]  # fmt: skip
    if state not in allowed:
        raise _state_conflict(state, action)
    return {"approve": "approved", "decline": "declined", "cancel": "cancelled"}[action]


def _state_conflict(state: str, action: str) -> PlatformError:
    verb = {"approve": "同意", "decline": "拒绝", "cancel": "取消"}[action]
    return conflict(
        "BOOKING_STATE_CONFLICT",
        f"该预约当前为「{STATE_TEXT[state]}」，不能{verb}。请刷新后查看。",
        state=state,
    )
