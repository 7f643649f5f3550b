"""The expected working calendar (工作日历): Chinese working days, public holidays and
make-up working weekends, from ``chinese_calendar``.

One call per day of the window (a few hundred at most), never per asset. Years the
package does not cover fall back to Monday–Friday, and say so in the log.
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import polars as pl
import structlog

log = structlog.get_logger(__name__)

LOCAL_OFFSET_S = 8 * 3600  # China Standard Time, no daylight saving
_EPOCH = date(1970, 1, 1)


def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # outside the years the package knows
        return day.weekday() < 5


def calendar_frame(first: date, last: date) -> pl.DataFrame:
    """``day`` (Int32 days since 1970-01-01, local), ``date`` and ``workday`` per day."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return pl.DataFrame(
        {
            "day": [(d - _EPOCH).days for d in days],
            "date": days,
            "workday": [is_workday(d) for d in days],
        },
        schema={"day": pl.Int32, "date": pl.Date, "workday": pl.Boolean},
    )
