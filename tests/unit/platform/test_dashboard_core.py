"""The dashboard's pure figures and the share compensation (条例第十八条)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assetpulse.platform import dashboard as d

MONTHS = d.months_back(dt.date(2026, 3, 15), 4)


def _g(kind: str, state: str, listed: dt.date, n: int, **kw: object) -> dict[str, object]:
    return {"kind": kind, "state": state, "listed_month": listed, "done_month": None, "n": n,
            "value": None, "compensation": None, "compensated": 0, **kw}  # fmt: skip


def test_months_back_crosses_the_year_oldest_first() -> None:
    first, *_, last = MONTHS
    assert (first, last, len(MONTHS)) == (dt.date(2025, 12, 1), dt.date(2026, 3, 1), 4)


def test_fold_counts_rates_saved_yuan_and_trend_when_groups_mix_kinds() -> None:
    out = d.fold([
        _g("adjust", "listed", dt.date(2026, 3, 1), 3),
        _g("adjust", "done", dt.date(2026, 1, 1), 1, done_month=dt.date(2026, 2, 1),
           value=Decimal("5000")),
        _g("adjust", "withdrawn", dt.date(2026, 1, 1), 4),
        _g("share", "done", dt.date(2024, 1, 1), 2, done_month=dt.date(2024, 2, 1),
           value=Decimal("300"), compensation=Decimal("600.00"), compensated=1),
        _g("demand", "delisted", dt.date(2026, 2, 1), 1),
    ], MONTHS)  # fmt: skip
    o = out["outcomes"]
    assert o["yuan_saved"] == Decimal("5300")  # the old share counts, outside the trend
    assert o["compensation_yuan"] == Decimal("600.00")
    assert o["reuse_rate"] == 0.25  # withdrawn never stood on the plaza: 1 of 3 + 1
    assert o["share_rate"] == 1.0
    assert o["demand_fulfilment"] == 0.0
    assert out["listings"]["age"]["adjust"] == [3, 0, 0, 0, 0]
    feb = out["trend"][2]
    assert (feb["month"], feb["done"]["adjust"], feb["yuan_saved"]) == ("2026-02", 1, 5000)
    assert out["trend"][1]["published"]["adjust"] == 1  # the withdrawn ones are not published


def test_rate_is_none_without_listings() -> None:
    assert d.fold([], MONTHS)["outcomes"]["reuse_rate"] is None


@pytest.mark.parametrize(
    ("listed", "bucket"),
    [(dt.date(2026, 3, 1), 0), (dt.date(2026, 1, 1), 1), (dt.date(2025, 12, 1), 2),
     (dt.date(2025, 4, 1), 3), (dt.date(2025, 3, 1), 4)],
)  # fmt: skip
def test_age_bucket_by_calendar_months_and_its_listing_months(listed: dt.date, bucket: int) -> None:
    this = dt.date(2026, 3, 1)
    assert d.age_bucket(listed, this) == bucket
    first, end = d.age_months(bucket, this)
    assert first <= listed < end


def _c(**kw: object) -> d.Compensation:
    base: dict[str, object] = {"mode": "rate", "basis": "按折旧及维护成本分摊",
                               "period_start": dt.date(2026, 1, 1),
                               "period_end": dt.date(2026, 6, 30),
                               "rate_yuan": Decimal("100"), "rate_per": "month"}  # fmt: skip
    return d.Compensation(**{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "total"),
    [({}, "600.00"), ({"rate_per": "day"}, "18100.00"),
     ({"rate_per": "year", "rate_yuan": Decimal("3650")}, "1810.00"),
     ({"period_end": dt.date(2026, 1, 15)}, "50.00"),
     ({"mode": "amount", "amount_yuan": Decimal("1234.565")}, "1234.57")],
)  # fmt: skip
def test_compensation_total_counts_whole_months_and_the_rest_in_days(
    kw: dict[str, object], total: str
) -> None:
    assert d.as_result(_c(**kw))["total_yuan"] == total


def test_month_end_start_counts_whole_months() -> None:
    c = _c(period_start=dt.date(2026, 1, 31), period_end=dt.date(2026, 2, 27))
    assert d.periods(c.period_start, c.period_end, "month") == 1


@pytest.mark.parametrize(
    ("kw", "code"),
    [({"basis": " "}, "COMPENSATION_BASIS_REQUIRED"),
     ({"period_end": dt.date(2025, 12, 31)}, "COMPENSATION_PERIOD"),
     ({"period_end": dt.date(2060, 1, 1)}, "COMPENSATION_PERIOD_TOO_LONG"),
     ({"period_start": dt.date(9999, 12, 31), "period_end": dt.date.max},
      "COMPENSATION_PERIOD_YEARS"),
     ({"rate_per": None}, "COMPENSATION_RATE_REQUIRED"),
     ({"mode": "amount"}, "COMPENSATION_AMOUNT_REQUIRED")],
)  # fmt: skip
def test_incomplete_compensation_is_refused_with_its_code(kw: dict[str, object], code: str) -> None:
    with pytest.raises(d.CompensationError) as err:
        d.check(_c(**kw))
    assert err.value.code == code
