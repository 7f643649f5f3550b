"""Errors of the monitor part (资产动态监管): rules, suggestions, usage queries.

Tree::

    MonitorError
    ├── RULES_INVALID              the idle-rules file cannot be used
    ├── SUGGESTION_NOT_FOUND       no such suggestion in the user's unit
    ├── SUGGESTION_NOT_OPEN        already accepted, dismissed or superseded
    ├── SUGGESTION_CARD_CHANGED    the card moved on since the suggestion (version, status)
    ├── USAGE_RANGE_INVALID        from/to/bucket of a usage query
    ├── CARD_NOT_FOUND             no such card in the user's unit
    └── ANALYSIS_BUSY              another analysis run is being coordinated
"""

from __future__ import annotations

from typing import Any

from assetpulse.errors import DomainError, ErrorKind


class MonitorError(DomainError):
    """Root of the monitor's errors."""


def suggestion_not_found(suggestion_id: int) -> MonitorError:
    return MonitorError(
        "SUGGESTION_NOT_FOUND",
        "未找到该闲置资产建议，或它不属于本单位，请刷新列表后重试。",
        kind=ErrorKind.NOT_FOUND,
        suggestion_id=suggestion_id,
    )


def suggestion_not_open(suggestion_id: int, state: str) -> MonitorError:
    return MonitorError(
        "SUGGESTION_NOT_OPEN",
        "该建议已被处理（已采纳、已忽略或已失效），请刷新列表。",
        kind=ErrorKind.CONFLICT,
        suggestion_id=suggestion_id,
        state=state,
    )


def suggestion_card_changed(suggestion_id: int, **context: Any) -> MonitorError:
    return MonitorError(
        "SUGGESTION_CARD_CHANGED",
        "资产卡片已有待审核的变动或状态已变化，请先处理该卡片的变动后再采纳建议。",
        kind=ErrorKind.CONFLICT,
        suggestion_id=suggestion_id,
        **context,
    )


def usage_range_invalid(problem: str) -> MonitorError:
    return MonitorError("USAGE_RANGE_INVALID", f"查询时间范围有误：{problem}，请调整后重试。")


def card_not_found(card_id: int) -> MonitorError:
    return MonitorError(
        "CARD_NOT_FOUND",
        "未找到该资产卡片，或它不属于本单位。",
        kind=ErrorKind.NOT_FOUND,
        card_id=card_id,
    )


def analysis_busy() -> MonitorError:
    return MonitorError(
        "ANALYSIS_BUSY",
        "另一个闲置分析正在进行，本次不再启动；它结束后下一次分析会接着处理新数据。",
        kind=ErrorKind.CONFLICT,
    )
