"""The plaza's memory of totals that reached the cap."""

from __future__ import annotations

from assetpulse.platform.capped_totals import CappedTotals


def test_capped_total_when_remembered_is_known_until_its_time_runs_out() -> None:
    totals = CappedTotals(ttl=100.0)
    key = ("adjust", "national", None, None, None, "投影仪", None)
    assert not totals.known_capped(key, now=0.0)
    totals.remember_capped(key, now=0.0)
    assert totals.known_capped(key, now=79.9)  # every entry lives at least 80 % of ttl
    assert not totals.known_capped(key, now=120.1)  # and at most 120 %
    assert not totals.known_capped(key, now=0.0)  # an expired entry is gone, not revived


def test_capped_totals_when_filled_in_one_burst_expire_spread_out() -> None:
    totals = CappedTotals(ttl=100.0)
    for k in range(200):
        totals.remember_capped(k, now=0.0)
    still_known = [k for k in range(200) if totals.known_capped(k, now=100.0)]
    assert 20 < len(still_known) < 180  # not all recounted in the same second


def test_capped_totals_when_full_forget_everything_rather_than_grow() -> None:
    totals = CappedTotals(ttl=100.0, max_entries=3)
    for k in range(3):
        totals.remember_capped(k, now=0.0)
    totals.remember_capped("fourth", now=0.0)
    assert [k for k in (0, 1, 2, "fourth") if totals.known_capped(k, now=1.0)] == ["fourth"]
