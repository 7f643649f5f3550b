"""The lamp walk resumed from a stored state (issue 12): a 5-minute cycle gives each meter
only the readings since its last checkpoint, and must say what one run over the whole
history says, minute for minute.

Real rooms (tests/fix_real_sensors.py), each meter calibrated once on its own readings;
the series is cut at hours drawn by hypothesis, each piece is walked from the state the
piece before it left at the cut (the readings up to two hours past a cut are given, as a
cycle sees the readings since the checkpoint plus the minutes that make it final).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetpulse.monitor.core.detectors.light import (
    calibrate,
    lamp_checkpoints,
    lamp_light,
)
from tests.fix_real_sensors import desk_room, every_nth, uci_office

_UCI = uci_office()
_ROE = desk_room()


def _hour(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0)


def _walk_in_pieces(
    readings: pl.DataFrame,
    cal: pl.DataFrame,
    sites: pl.DataFrame,
    cuts: list[datetime],
    context: int = 0,
) -> tuple[pl.DataFrame, int]:
    """Per reading, lamps on as the pieces between ``cuts`` say; and how many pieces
    resumed from a state (a cut with no final state — in a gap, before the first night —
    leaves the next piece to start where the last state was). ``context``: each piece
    also holds that many readings before its start, as a cycle's window of appended
    readings does (16 there)."""
    state = None
    lo = readings["t"].min()
    answered = []
    resumed = 0

    def piece_from(t: datetime) -> pl.DataFrame:
        before = readings.filter(pl.col("t") < t).sort("t").tail(context) if context else None
        after = readings.filter(pl.col("t") >= t)
        return after if before is None else pl.concat([before, after])

    for cut in cuts:
        piece = piece_from(lo).filter(pl.col("t") < cut + timedelta(hours=2))
        at = piece.select("sensor_id").unique().with_columns(pl.lit(cut).alias("hour"))
        lamps, checkpoints = lamp_checkpoints(piece, cal, sites, at, state=state)
        if set(checkpoints["sensor_id"]) != set(piece["sensor_id"]):
            continue  # all meters of a room resume together, as a card's window does
        answered.append(lamps.filter((pl.col("t") >= lo) & (pl.col("t") < cut)))
        state, lo = checkpoints.drop("hour"), cut
        resumed += 1
    last = lamp_light(piece_from(lo), cal, sites, state=state)
    answered.append(last.filter(pl.col("t") >= lo))
    return pl.concat(answered).sort("sensor_id", "t"), resumed


def _assert_same_as_one_run(
    readings: pl.DataFrame, sites: pl.DataFrame, picks: list[int], context: int = 0
):
    r = readings.select("sensor_id", "t", "lux")
    cal = calibrate(r, sites)
    times = r["t"].sort()
    cuts = sorted({_hour(times[i % times.len()]) for i in picks})
    whole = lamp_light(r, cal, sites)
    pieces, _ = _walk_in_pieces(r, cal, sites, cuts, context)
    joined = whole.join(pieces, on=["sensor_id", "t"], how="full", suffix="_pieces")
    assert joined.height == whole.height == pieces.height
    differ = joined.filter(pl.col("lamps_on") != pl.col("lamps_on_pieces"))
    assert differ.height == 0, differ.head(5)
    assert (joined["lamp_lux"] - joined["lamp_lux_pieces"]).abs().max() < 1e-9


_CUTS = st.lists(st.integers(0, 10**6), min_size=1, max_size=6)
_SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@_SETTINGS
@given(picks=_CUTS)
def test_lamp_walk_when_office_cut_at_any_hours_then_same_as_one_run(picks):
    readings, sites = _UCI
    _assert_same_as_one_run(readings, sites, picks)


@_SETTINGS
@given(picks=_CUTS)
def test_lamp_walk_when_desk_room_cut_at_any_hours_then_same_as_one_run(picks):
    readings, sites = _ROE
    _assert_same_as_one_run(readings, sites, picks)


@_SETTINGS
@given(picks=_CUTS)
def test_lamp_walk_when_slow_meter_with_clock_clashes_cut_anywhere_then_same_as_one_run(picks):
    # a 5-minute meter whose gateway stamps every 37th reading again 3 s later (a skewed
    # clock, every three hours: the readings within two step spans of each are set aside)
    readings, sites = _UCI
    slow = every_nth(readings, 5)
    doubled = slow.filter(pl.int_range(pl.len()) % 37 == 0).with_columns(
        pl.col("t") + timedelta(seconds=3), pl.col("lux") + 300.0
    )
    _assert_same_as_one_run(pl.concat([slow, doubled]).sort("t"), sites, picks)


def _new_meter_lit_in_calm_hours() -> pl.DataFrame:
    """A meter that has learned no lamp (the empty office's weekend, every 5 minutes) with
    a faint lamp (150 lux) lit in calm hours: its steps are told by the changes around them
    (12:00-15:00 local on Saturday, 13:00-14:00 on Sunday)."""
    readings, _ = _UCI
    weekend = every_nth(
        readings.filter(
            pl.col("t").is_between(
                datetime(2015, 2, 6, 19, tzinfo=UTC), datetime(2015, 2, 9, 5, tzinfo=UTC)
            )
        ),
        5,
    )
    return weekend.with_columns(
        pl.when(
            pl.col("t").is_between(
                datetime(2015, 2, 7, 11, tzinfo=UTC), datetime(2015, 2, 7, 14, tzinfo=UTC)
            )
            | pl.col("t").is_between(
                datetime(2015, 2, 8, 12, tzinfo=UTC), datetime(2015, 2, 8, 13, tzinfo=UTC)
            )
        )
        .then(pl.col("lux") + 150.0)
        .otherwise(pl.col("lux"))
    )


@_SETTINGS
@given(picks=_CUTS)
def test_lamp_walk_when_new_meter_lit_in_calm_hours_cut_anywhere_then_same_as_one_run(picks):
    lit, sites = _new_meter_lit_in_calm_hours(), _UCI[1]
    assert calibrate(lit.select("sensor_id", "t", "lux"), sites)["levels"][0].len() == 0
    _assert_same_as_one_run(lit, sites, picks)


def test_lamp_walk_when_new_meter_cut_just_before_its_lamp_then_same_as_one_run():
    # cut at the hours the lamp goes on and off: a walk resumed there would not see the
    # changes before the switch, so those states are not final and the walk goes on
    lit, sites = _new_meter_lit_in_calm_hours(), _UCI[1]
    r = lit.select("sensor_id", "t", "lux")
    cal = calibrate(r, sites)
    cuts = [datetime(2015, 2, d, h, tzinfo=UTC) for d, h in ((7, 11), (7, 14), (8, 12), (8, 13))]
    whole = lamp_light(r, cal, sites)
    assert whole.filter(pl.col("t").is_between(cuts[0], cuts[1]))["lamps_on"].mean() > 0.9
    pieces, _ = _walk_in_pieces(r, cal, sites, cuts)
    joined = whole.join(pieces, on=["sensor_id", "t"], suffix="_pieces")
    assert joined.height == whole.height
    assert joined.filter(pl.col("lamps_on") != pl.col("lamps_on_pieces")).is_empty()


def test_lamp_walk_when_cut_every_hour_then_resumes_and_agrees():
    readings, sites = _ROE
    r = readings.select("sensor_id", "t", "lux")
    cal = calibrate(r, sites)
    hours = r.select(pl.col("t").dt.truncate("1h").unique().sort())["t"].to_list()[::3]
    pieces, resumed = _walk_in_pieces(r, cal, sites, hours)
    assert resumed >= len(hours) // 2  # most cuts lie where the meters report
    whole = lamp_light(r, cal, sites)
    assert (
        whole.join(pieces, on=["sensor_id", "t"])
        .filter(pl.col("lamps_on") != pl.col("lamps_on_right"))
        .is_empty()
    )


def test_checkpoints_when_meter_not_calibrated_or_not_yet_dark_then_none():
    readings, sites = _UCI
    r = readings.select("sensor_id", "t", "lux")
    cal = calibrate(r, sites)
    # a history that starts at 09:00 local: three hours in, no night seen yet
    start = datetime(2015, 2, 5, 8, tzinfo=UTC)
    by_day = r.filter(pl.col("t").is_between(start, start + timedelta(hours=3)))
    at = pl.DataFrame({"sensor_id": ["UCI-LX"], "hour": [start + timedelta(hours=2)]})
    assert lamp_checkpoints(by_day, cal, sites, at)[1].is_empty()
    # a meter calibrated on the spot walks by a calibration the next piece would not have
    day_and_night = r.filter(pl.col("t") < r["t"].min() + timedelta(hours=20))
    at = pl.DataFrame({"sensor_id": ["UCI-LX"], "hour": [_hour(day_and_night["t"].max())]})
    assert lamp_checkpoints(day_and_night, cal.head(0), sites, at)[1].is_empty()
    assert lamp_checkpoints(day_and_night, cal, sites, at)[1].height == 1
