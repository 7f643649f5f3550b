"""Lamps or the sun (灯光与日光): when a light meter says a room, desk or machine is in use.

A light meter sees ``lux = daylight + lamps``. Lamps switch: their contribution changes by a
step that completes within a sample or two, and a given lamp always adds about the same
amount at a given meter. Daylight ramps with the sun's elevation and the weather, and is nil
at night. So, per sensor and from its own unlabeled history (``calibrate``):

- ``floor``: what the meter reads in the dark with the lamps off (nights are free
  calibration: the sun is down, so every reading there is ``floor + lamps``);
- ``noise``: the spread of its sample-to-sample changes at night;
- ``levels``: the lamp steps it sees in the dark (switching at night cannot be the sun), and,
  for lamps only ever switched by day, step sizes that form a peak (ups and downs on
  several days) above daylight's own swing;
- ``sway``: how far daylight alone moves the meter between samples at each brightness,
  learned from days off (a step no larger may be a cloud; a brightness seen too seldom
  there borrows its neighbours' swing, for it is not known to be calm);
- ``period_s``: how often it reports (a sample speaks for ~2.5 periods).

Then each reading's lamp light ``lamp_lux`` follows (``lamp_light``): at night it is
simply ``lux - floor``; by day it moves only by accepted steps — an abrupt change of a
lamp's size that leaves the meter at least one lamp above its floor — and can never exceed
``lux - floor`` (lamps alone cannot out-shine the reading). A room is lit by lamps, i.e. in
use, while ``lamp_lux`` is at least half the smallest lamp step. Sunny empty mornings stay
dark: daylight ramps, and its jumps (clouds, a sun patch) are neither lamp-sized nor abrupt
in the same way. A meter that has not learned its lamp yet (a room lit once or twice so
far) accepts by day only a step that still holds a span later and is far beyond daylight's
swing (three swings, or two made within one sample: a lamp switches, daylight ramps), or a
change made within one sample that stands six times the typical change of the six samples
before it and of those after it (``_calm_change``: daylight's swing over all days off is
the worst weather the meter has seen at that brightness; its neighbours say how the sky
moves it this hour, so a faint lamp switched in a calm hour is seen), and lets it go only
with a step that takes about all of it away again, unless the reading rose as much just
before (the sun flashing on the meter and leaving). Two readings closer
than a fifth of the sample period are both set aside: one of them carries a gateway clock
that is off, and interleaved they would fake a lamp switched at every sample; so is every
reading within two step spans of such a clash (where the true reading of a slot was lost,
the wrong clock's reading clashes with nothing, and alone it is a lamp switched on).

Temperature plays no part: as the gate of the detector before this one it delayed each
start (a room warms slowly) and kept sunlit weekends (the sun warms rooms too); on the UCI
office that detector agreed with the occupied minutes 93.8 % of the time, this one 98.9 %
(``bench/detect.py``).

Pure polars/numpy; the sun's position comes from ``sun.dark_mask``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from assetpulse.monitor.core.detectors.sun import dark_mask
from assetpulse.monitor.core.sorted_frames import group_starts, shift_within

CALIBRATION_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "sensor_id": pl.String,
    "floor": pl.Float64,
    "noise": pl.Float64,
    "levels": pl.List(pl.Float64),
    "sway": pl.List(pl.Float64),
    "period_s": pl.Float64,
    "dark_steps": pl.Int32,
    "samples": pl.Int64,
}


@dataclass(frozen=True, slots=True)
class LightParams:
    """Physics and sensor-independent choices; everything per room is learned."""

    step_span_s: float = 150.0  # a lamp's step completes within this (or two samples)
    min_step_lux: float = 10.0  # smaller changes are never a lamp (meter resolution)
    noise_k: float = 6.0  # a lamp step stands this many noise spreads above the noise
    level_tol: float = 0.35  # a daytime step within ±35 % of a learned lamp step is a lamp
    step_share: float = 0.15  # a change of this share of the smallest lamp joins a step
    lit_share: float = 0.5  # lamp light ≥ this × the smallest lamp step: lamps are on
    cluster_ratio: float = 1.3  # steps within this ratio of each other: the same lamp
    default_period_s: float = 60.0
    dark_floor_max_lux: float = 20.0  # a darker-than-this room at night has its lamps off
    # daytime changes at a brightness needed to know its sway: with 40, the four switches of
    # two lamp sessions on days off stay above the 90th percentile the sway is taken from
    sway_min_samples: int = 40
    unlearned_lit_lux: float = 50.0  # no lamp learned yet: this much lamp light is lamps on
    unlearned_sway_k: float = 3.0  # … and a daytime step this many times daylight's swing
    unlearned_jump_k: float = 2.0  # … or this many, made mostly within one sample
    clash_share: float = 0.2  # two readings closer than this share of the period: one is skewed
    calm_k: float = 6.0  # … or a one-sample jump this many times the changes around it
    calm_n: int = 6  # … the changes looked at on each side of a step


def empty_calibration() -> pl.DataFrame:
    return pl.DataFrame(schema=CALIBRATION_SCHEMA)


def _prepared(readings: pl.DataFrame, sites: pl.DataFrame) -> pl.DataFrame:
    """Photo readings sorted per sensor with dt, diff and the dark flag (the first of
    readings with the same sensor and time)."""
    r = _first_of_repeats(
        _by_sensor_and_time(readings.select("sensor_id", "t", "lux").drop_nulls("lux"))
    )
    r = r.with_columns(dark_mask(r.select("sensor_id", "t"), sites).alias("dark"))
    return r.with_columns(
        ((pl.col("t") - _before(pl.col("t"))).dt.total_microseconds() / 1e6)
        .fill_null(math.inf)
        .alias("dt"),
        (pl.col("lux") - _before(pl.col("lux"))).fill_null(0.0).alias("d"),
    )


def _before(expr: pl.Expr, n: int = 1) -> pl.Expr:
    """``expr`` of the reading ``n`` places before of the same sensor (after, for a
    negative ``n``), on readings sorted by sensor and time."""
    return shift_within(expr, n, "sensor_id")


def _without_clock_clashes(
    readings: pl.DataFrame, share: float, span_s: float, periods: pl.DataFrame | None = None
) -> pl.DataFrame:
    """Readings of a sensor that lie closer to a neighbour than ``share`` of its sample
    period are dropped, both of them: a meter does not sample twice in an instant, so one of
    the two carries a gateway clock that is off (MQTT.md: a skewed clock stamps hours-old
    light as now). Interleaved, such readings fake a lamp switched on and off at every
    sample, and at the episode's end one last step that nothing undoes. Readings within
    two step spans of a clash are dropped too: where the true reading of a slot was lost
    (a gateway reboot, a dropped message), the wrong clock's reading of it clashes with
    nothing.

    The period is the meter's calibrated one where ``periods`` (``sensor_id, period_s``)
    has it, else the median gap of the readings given: a calibrated meter then drops the
    same readings whatever stretch of its history is looked at (``lamp_light`` resumed from
    a ``state`` agrees with one run over the whole history)."""
    cols = ["sensor_id", "t", "lux", *(c for c in ("forced",) if c in readings.columns)]
    r = _by_sensor_and_time(readings.select(cols).drop_nulls("lux"))
    # sorted: the gaps to the readings before and after of the same sensor by shifts
    r = r.with_columns(
        (pl.col("t") - _before(pl.col("t"))).dt.total_microseconds().alias("_before"),
        (_before(pl.col("t"), -1) - pl.col("t")).dt.total_microseconds().alias("_after"),
    )
    gap_before, gap_after = pl.col("_before"), pl.col("_after")
    period = gap_before.median().over("sensor_id")
    if periods is not None and periods.height:
        r = r.join(periods.select("sensor_id", "period_s"), on="sensor_id", how="left")
        period = pl.coalesce(pl.col("period_s") * 1e6, period)
    close = (pl.min_horizontal(gap_before, gap_after) < share * period).fill_null(False)
    if "forced" in r.columns:  # a resumed state's readings were kept once already
        close = close & ~pl.col("forced")
    if not r.select(close.any()).item():  # no clash: every reading kept
        return r.select(cols)
    # the episode around the clashes: where true readings were lost (the gateway
    # rebooting, a message dropped), the wrong clock's readings of those slots clash with
    # nothing, and alone they are a lamp switched on. So every reading within two step
    # spans of a clash is set aside too: that far the walk reads a step (its size a span
    # after it, whether it holds a span later), and its states are final only where the
    # readings given reach that far past them, so a clash still to come is always seen.
    r = r.with_columns(close.alias("_clash"), period.alias("_period"))
    t_us = pl.col("t").dt.epoch("us")
    clash_t = pl.when("_clash").then(t_us)
    reach = 2 * pl.max_horizontal(span_s * 1e6, 2.2 * pl.col("_period"))
    episode = (
        ((t_us - clash_t.forward_fill().over("sensor_id")) <= reach)
        | ((clash_t.backward_fill().over("sensor_id") - t_us) <= reach)
    ).fill_null(False)
    if "forced" in r.columns:
        episode = episode & ~pl.col("forced")
    return r.filter(~episode).select(cols)


def prepare(
    readings: pl.DataFrame,
    sites: pl.DataFrame,
    p: LightParams,
    periods: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Photo readings as the detector reads them: clock clashes dropped (``periods``: the
    meters' calibrated sample periods, where known), then ``_prepared``. What calibration,
    the lamp walk and the day summaries all start from."""
    return _prepared(_without_clock_clashes(readings, p.clash_share, p.step_span_s, periods), sites)


def _runs(
    r: pl.DataFrame, small: pl.Expr, span_s: pl.Expr, *, day_ramps_hold: bool = False
) -> pl.DataFrame:
    """Group consecutive same-signed changes of at least ``small`` into steps (a lamp that
    warms up, or a meter that averages over its period, spreads one step over two or three
    samples); a smaller change ends a step, so slow daylight drift never joins one.
    Adds ``step`` (the run's total, on its first sample, else 0) and ``step_end_lux``.

    A step ``step_holds`` if the level still holds a span later; by day, where lamps are
    learned from (``calibrate``, the day summaries), also only if it was made mostly within
    one sample (its largest change at least half of it): a lamp switches, daylight ramps —
    a cloud's shade drifting in over several samples sums to a step of a size the sky's
    own pace may favour, and must not form a lamp's peak. The walk (``day_ramps_hold``)
    keeps ramps: a lamp it knows may warm up over a minute or two."""
    sign = pl.when(pl.col("d").abs() >= small).then(pl.col("d").sign()).otherwise(0)
    r = _by_sensor_and_time(r).with_columns(sign.alias("sign"))
    # the frame is sorted by sensor and time (a sensor's times are unique): a run is a
    # stretch of rows, numbered across the frame, each sensor's first row starting one
    same_sensor = pl.col("sensor_id").shift(1) == pl.col("sensor_id")
    new_run = (
        ~same_sensor
        | (pl.col("sign") != pl.col("sign").shift(1))
        | (pl.col("sign") == 0)
        | (pl.col("dt") > span_s)
    ).fill_null(True)
    r = r.with_columns(new_run.alias("_first"))
    r = r.with_columns(pl.col("_first").cum_sum().alias("run"))
    key = "run"
    is_first = pl.col("_first") & (pl.col("sign") != 0)

    # the step's size: where the meter has settled ``span`` after the switch (a lamp that
    # warms up takes a minute or two) against where it was just before
    r = r.with_columns(
        _lux_within(r, span_s, 1).alias("settled_lux"),
        _lux_within(r, span_s, 2).alias("later_lux"),
    )
    before = pl.col("lux") - pl.col("d")
    total = pl.col("settled_lux") - before
    same_way = total.sign() == pl.col("sign")
    return r.with_columns(
        pl.when(is_first & same_way).then(total).otherwise(0.0).alias("step"),
        pl.col("settled_lux").alias("step_end_lux"),
        # a lamp switched stays switched: the level still holds a span later (readings of a
        # gateway whose clock is off, interleaved with true ones, flip back at once)
        (
            ((pl.col("later_lux") - pl.col("settled_lux")).abs() <= 0.3 * total.abs())
            & (
                pl.lit(day_ramps_hold)
                | pl.col("dark").first().over(key)
                | (pl.col("d").abs().max().over(key) >= 0.5 * total.abs())
            )
        ).alias("step_holds"),
        pl.col("dark").first().over(key).alias("step_dark"),
        # the largest change from one sample to the next within the step: a lamp switches
        # within a sample, daylight ramps over several
        pl.col("d").abs().max().over(key).alias("step_jump"),
    ).drop("settled_lux", "later_lux", "_first")


def _first_of_repeats(r: pl.DataFrame) -> pl.DataFrame:
    """``r`` (sorted by sensor and time) with the first of rows of the same sensor and time
    only: sorted, a repeat lies right after its first."""
    same = (pl.col("sensor_id").shift(1) == pl.col("sensor_id")) & (
        pl.col("t").shift(1) == pl.col("t")
    )
    return r.filter(~same.fill_null(False))


def _by_sensor_and_time(r: pl.DataFrame) -> pl.DataFrame:
    """``r`` sorted by sensor and time; as it is where it comes sorted already (a check of
    neighbouring rows instead of a sort)."""
    s, t = pl.col("sensor_id"), pl.col("t")
    ordered = ((s.shift(1) < s) | ((s.shift(1) == s) & (t.shift(1) < t))).fill_null(True).all()
    if r.height and r.select(ordered).item():
        return r
    return r.sort("sensor_id", "t")


def _lux_within(r: pl.DataFrame, span_s: pl.Expr, k: int) -> pl.Series:
    """Per reading of ``r`` (sorted by sensor and time), the lux of the sensor's last
    reading at most ``k`` spans later: a search in each sensor's sorted times, where an
    as-of join would sort the whole frame by time and back (most of the lamp walk's time)."""
    if r.height == 0:  # every reading set aside (a gateway whose clock clashes always)
        return pl.Series(r["lux"].to_numpy())
    t = r["t"].dt.epoch("us").to_numpy()
    reach = (
        r.select((pl.col("t") + pl.duration(seconds=k * span_s)).dt.epoch("us"))
        .to_series()
        .to_numpy()
    )
    sensor = r["sensor_id"]
    firsts = np.flatnonzero((sensor != sensor.shift(1)).fill_null(True).to_numpy())
    ends = np.r_[firsts[1:], r.height]
    at = np.empty(r.height, dtype=np.int64)
    for a, b in zip(firsts, ends, strict=True):
        at[a:b] = a + np.searchsorted(t[a:b], reach[a:b], side="right") - 1
    return pl.Series(r["lux"].to_numpy()[at])


def _calm_change(p: LightParams) -> pl.Expr:
    """A change that stands ``calm_k`` times the typical change of the ``calm_n`` samples
    before it and of those after it (the one right after left out: a meter averaging over
    its period spreads a switch over two): how far daylight moves this meter right now, in
    today's weather, rather than its swing over all days off at that brightness (a lamp
    switched in a calm hour of a week of broken cloud)."""
    k = p.calm_n
    # a sensor's first reading (or a resumed walk's first) has no change before it
    absd = pl.when(pl.col("dt").is_finite()).then(pl.col("d").abs())
    # on readings sorted by sensor: the medians over the whole column, kept where the
    # window lies within the reading's own sensor (the reading k + 1 before, or after, is
    # of the same one) — what ``.over("sensor_id")`` gives, without regrouping every row
    s = pl.col("sensor_id")
    before = pl.when(s.shift(k) == s).then(
        absd.shift(1).rolling_median(window_size=k, min_samples=k)
    )
    after = pl.when(s.shift(-(k + 1)) == s).then(
        absd.reverse().rolling_median(window_size=k, min_samples=k).reverse().shift(-2)
    )
    floor = pl.max_horizontal(pl.col("noise"), pl.lit(1.0))
    return (
        before.is_not_null()  # too few changes seen on either side: not known to be calm
        & after.is_not_null()
        & (absd >= p.calm_k * pl.max_horizontal(before, floor))
        & (absd >= p.calm_k * pl.max_horizontal(after, floor))
    ).fill_null(False)


def _calm_where_unlearned(r: pl.DataFrame, p: LightParams) -> tuple[pl.Series, pl.Series]:
    """``_calm_change`` on the readings of the meters with no lamp learned (null
    ``levels`` minimum) or whose smallest lamp daylight's swing can hide at some
    brightness (every meter that has seen daylight: a learned lamp below the sway is told
    by the changes around its step), False on the others: their rolling medians only,
    each meter's readings whole. Also which readings were looked at so."""
    smallest = pl.col("levels").list.min()
    unlearned = r.select(
        smallest.is_null()
        # by its calibration alone (a walk resumed on a later stretch looks at the same
        # meters): daylight's swing, filled above its brightest class, exceeds the lamp
        | (smallest <= pl.col("sway").list.max())
    ).to_series()
    calm = pl.Series("calm", [False] * r.height, dtype=pl.Boolean)
    if unlearned.any():
        rows = pl.Series(np.flatnonzero(unlearned.to_numpy()))
        calm = calm.scatter(rows, r.filter(unlearned).select(_calm_change(p)).to_series())
    return calm, unlearned.fill_null(True)


def _clusters(mags: np.ndarray, ratio: float) -> list[np.ndarray]:
    """Indices of sorted ``mags`` split where the next is more than ``ratio`` × the previous."""
    order = np.argsort(mags)
    m = mags[order]
    cuts = np.flatnonzero(m[1:] > m[:-1] * ratio) + 1
    return [order[idx] for idx in np.split(np.arange(m.size), cuts)]


def _modes(
    mags: np.ndarray, ups: np.ndarray, days: np.ndarray, ratio: float, around: np.ndarray
) -> list[float]:
    """Lamp steps among daytime steps: the most crowded magnitude (steps within √ratio of
    it either way) while it holds three ups and three downs on three days and stands out
    as a peak — twice as crowded as the bands either side of it among ``around``, every
    daytime step however small against daylight's swing (a lamp always adds about the same;
    clouds' jumps thin out smoothly with size, and a band cut off by the swing filter
    would fake a peak at its edge) — then the next among the rest.
    Mode-seeking, because chaining sizes would join a lamp to a cloud's jumps."""
    half = math.sqrt(ratio)
    left = np.ones(mags.size, dtype=bool)
    out: list[float] = []
    while left.any():
        m = mags[left]
        near = (m[None, :] >= m[:, None] / half) & (m[None, :] <= m[:, None] * half)
        best = int(near.sum(axis=1).argmax())
        centre = m[best]
        members = np.flatnonzero(left)[near[best]]
        n_up = int(ups[members].sum())
        below = ((around >= centre / half**3) & (around < centre / half)).sum()
        above = ((around > centre * half) & (around <= centre * half**3)).sum()
        if (
            n_up < 3
            or members.size - n_up < 3
            or np.unique(days[members]).size < 3
            or members.size < 2 * max(below, above)
        ):
            break
        out.append(float(np.median(mags[members])))
        left[members] = False
    return out


def _levels(g: pl.DataFrame, ratio: float, calm_min: float = math.inf) -> list[float]:
    """Lamp steps of one sensor from its candidate steps, most trustworthy evidence first:
    1. in the dark, from or to the floor (a lamp switched on or off; nothing else lights a
       room at night), seen at least twice;
    2. in the dark, any step seen at least once up and once down;
    3. by day, larger than daylight's own swing at that brightness, at least twice up and
       twice down on two days, and tight (cloud jumps spread over every size; one lamp's
       steps do not) — kept beside the dark ones unless one of those is the same lamp;
    4. by day, at least ``calm_min`` and in a calm moment (``calm_step``), as tight and
       as much a peak among the daytime steps: a lamp smaller than bright days' sway."""
    mags = g["step"].abs().to_numpy()
    ups = (g["step"] > 0).to_numpy()
    dark = g["step_dark"].to_numpy() & g["step_holds"].fill_null(False).to_numpy()
    touch = g["touches_floor"].to_numpy()
    days = g["day"].to_numpy()

    def pick(mask: np.ndarray, ok: Any) -> list[float]:
        sel = np.flatnonzero(mask)
        out = []
        for idx in _clusters(mags[sel], ratio):
            members = sel[idx]
            if ok(members):
                out.append(float(np.median(mags[members])))
        return out

    def n_up(i: np.ndarray) -> int:
        return int(ups[i].sum())

    found = pick(dark & touch, lambda i: i.size >= 2)
    if not found:
        found = pick(dark, lambda i: n_up(i) >= 1 and i.size - n_up(i) >= 1)
    # lamps only ever switched by day (a room used in office hours in summer)
    holds = g["step_holds"].fill_null(False).to_numpy()
    by_day = ~g["step_dark"].to_numpy() & holds
    sel = np.flatnonzero(by_day & g["above_sway"].to_numpy())
    smallest_dark = min(found) if found else 0.0
    # … and lamps smaller than daylight's swing on bright days off, switched in calm
    # moments, as large as the walk takes a calm step of a meter with no lamp learned for
    # a lamp (daylight's own calm creeping makes small steps too), and a peak among every
    # daytime step as above (a sun patch's calm jumps are as large as the sky's others)
    calm = by_day & g["calm_step"].to_numpy()
    sel_calm = np.flatnonzero(calm & (mags >= calm_min))
    day_levels = _modes(mags[sel], ups[sel], days[sel], ratio, mags[by_day])
    calm_levels = _modes(mags[sel_calm], ups[sel_calm], days[sel_calm], ratio, mags[by_day])
    for level in day_levels + calm_levels:
        same_lamp = any(max(level, f) <= min(level, f) * ratio for f in found)
        # a day-only lamp much dimmer than the lamps seen in the dark is daylight's jitter
        if not same_lamp and level >= smallest_dark / 2:
            found.append(level)
    return sorted(found)


SWAY_BINS = 16


def sway_bin(low_lux: pl.Expr) -> pl.Expr:
    """Brightness class of a change by the lower of its two readings: 0 below 8 lux, then one
    class per doubling (8–16, 16–32, …, ≥ 131,072 lux)."""
    return (
        ((low_lux.clip(0.0, None) + 8.0).log(2).floor() - 3).clip(0, SWAY_BINS - 1).cast(pl.Int32)
    )


def _sway_at(low_lux: pl.Expr) -> pl.Expr:
    return pl.col("sway").list.get(sway_bin(low_lux), null_on_oob=True).fill_null(0.0)


def _filled(values: list[float]) -> list[float]:
    """Daylight's swing at the brightness classes a meter has seen too seldom on days off:
    between two known classes, geometric interpolation; above the brightest known, its swing
    doubled per class (clouds take a share of the light, so the swing grows with it).
    Below the darkest known class it stays 0 (the meter's noise bounds a step there)."""
    v = np.asarray(values, dtype=float)
    known = np.flatnonzero(v > 0)
    out = v.copy()
    for b in np.flatnonzero(v <= 0):
        below, above = known[known < b], known[known > b]
        if below.size and above.size:
            lo, hi = int(below[-1]), int(above[0])
            w = (b - lo) / (hi - lo)
            out[b] = math.exp((1 - w) * math.log(v[lo]) + w * math.log(v[hi]))
        elif below.size:
            out[b] = v[int(below[-1])] * 2.0 ** (b - int(below[-1]))
    return [float(x) for x in out]


def fill_sway(sway: pl.DataFrame) -> pl.DataFrame:
    """``sway`` (``sensor_id, sway``) with each meter's unknown classes filled (``_filled``):
    a class with fewer than ``sway_min_samples`` changes is not known to be calm (a new
    meter's few bright readings may be its own lamp switching), so it is never 0 between or
    above classes it knows."""
    return sway.with_columns(
        pl.Series("sway", [_filled(v) for v in sway["sway"].to_list()], dtype=pl.List(pl.Float64))
    )


def _sway(r: pl.DataFrame, p: LightParams) -> pl.DataFrame:
    """Per sensor, how far daylight alone moves the meter from one sample to the next at each
    brightness (``SWAY_BINS`` values), from daytime changes on days off
    (weekends: lamps rarely switch, clouds pass as on any day), or on all days if the
    history has fewer than two days off. A daytime step no larger than this may be a cloud."""
    day = r.filter(~pl.col("dark") & (pl.col("dt") <= 2.5 * pl.col("period_s"))).with_columns(
        sway_bin(pl.min_horizontal("lux", pl.col("lux") - pl.col("d"))).alias("bin"),
        (pl.col("t").dt.weekday() >= 6).alias("off"),
        pl.col("t").dt.date().alias("date"),
    )
    off_days = day.filter("off").group_by("sensor_id").agg(pl.col("date").n_unique().alias("n"))
    day = day.join(off_days, on="sensor_id", how="left").filter(
        ~(pl.col("n").fill_null(0) >= 2) | pl.col("off")
    )
    table = (
        day.group_by("sensor_id", "bin")
        # 3 × the 90th percentile: ~5 standard deviations of a calm sky, and robust to the
        # few lamps that are switched on days off
        .agg((pl.col("d").abs().quantile(0.9) * 3).alias("q"), pl.len().alias("n"))
        .filter(pl.col("n") >= p.sway_min_samples)
    )
    grid = (
        r.select("sensor_id")
        .unique()
        .join(pl.DataFrame({"bin": list(range(SWAY_BINS))}, schema={"bin": pl.Int32}), how="cross")
    )
    return fill_sway(
        grid.join(table, on=["sensor_id", "bin"], how="left")
        .sort("sensor_id", "bin")
        .group_by("sensor_id", maintain_order=True)
        .agg(pl.col("q").fill_null(0.0).alias("sway"))
    )


def calibrate(
    readings: pl.DataFrame, sites: pl.DataFrame, params: LightParams | None = None
) -> pl.DataFrame:
    """Per photo sensor: floor, noise, lamp step levels and sample period (``CALIBRATION_SCHEMA``)
    from its readings (``sensor_id, t, lux``); ``sites`` gives ``sensor_id, lat, lon``."""
    p = params or LightParams()
    if readings.height == 0:
        return empty_calibration()
    return calibrate_parts(prepare(readings, sites, p), p)[0]


def calibrate_parts(r: pl.DataFrame, p: LightParams) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``calibrate`` on readings already through ``prepare`` (``lamp_light`` has them at
    hand for the meters it calibrates on the spot), and the candidate steps it learned from
    (``STEP_COLUMNS``): a first learn keeps them in its day summaries without walking the
    history again."""
    if r.height == 0:
        return empty_calibration(), pl.DataFrame(schema=dict.fromkeys(STEP_COLUMNS, pl.Null))
    stats = r.group_by("sensor_id").agg(
        pl.col("dt").filter(pl.col("dt").is_finite()).median().alias("period_s"),
        pl.col("lux").filter(pl.col("dark")).quantile(0.05).alias("dark_floor"),
        pl.col("lux").quantile(0.02).alias("any_floor"),
        # spread of night changes: lamps switch in well under 5 % of night samples, so the
        # 95th percentile of |change| is noise; half of it ~ one standard deviation. Meters
        # that report whole lux often repeat a value: the smallest change seen is the floor.
        (pl.col("d").abs().filter(pl.col("dark") & (pl.col("dt") < 3600)).quantile(0.95) / 2).alias(
            "dark_noise"
        ),
        (pl.col("d").abs().quantile(0.5) / 2).alias("any_noise"),
        pl.col("d").abs().filter(pl.col("d").abs() > 0).min().alias("resolution"),
        pl.len().alias("samples"),
    )
    stats = stats.with_columns(
        # a dark room with its lamps off reads a few lux at most (a street lamp, a standby
        # LED): a "floor" above that is lamps that are never switched off, not darkness
        pl.coalesce("dark_floor", "any_floor").clip(0.0, p.dark_floor_max_lux).alias("floor"),
        pl.max_horizontal(pl.coalesce("dark_noise", "any_noise"), "resolution")
        .fill_null(0.0)
        .alias("noise"),
        pl.col("period_s").fill_null(p.default_period_s),
    )
    span = pl.max_horizontal(pl.lit(p.step_span_s), 2.2 * pl.col("period_s"))
    cand = pl.max_horizontal(pl.lit(p.min_step_lux), p.noise_k * pl.col("noise"))
    r = r.join(stats.select("sensor_id", "noise", "period_s", "floor"), on="sensor_id")
    steps = _runs(r, cand, span).filter(pl.col("step").abs() >= cand)
    return calibration_from(stats, steps, _sway(r, p), p), steps.select(STEP_COLUMNS)


STEP_COLUMNS = ("sensor_id", "t", "step", "step_end_lux", "step_holds", "step_dark")


def calibration_from(
    stats: pl.DataFrame, steps: pl.DataFrame, sway: pl.DataFrame, p: LightParams
) -> pl.DataFrame:
    """A calibration (``CALIBRATION_SCHEMA``) from each meter's ``stats`` (``sensor_id,
    floor, noise, period_s, samples``), its candidate ``steps`` (``STEP_COLUMNS``, those
    below its noise's candidate size are left out) and its daylight ``sway``: the part of
    ``calibrate`` after the readings, shared with the calibration kept up by day summaries
    (``day_stats``)."""
    span = pl.max_horizontal(pl.lit(p.step_span_s), 2.2 * pl.col("period_s"))
    cand = pl.max_horizontal(pl.lit(p.min_step_lux), p.noise_k * pl.col("noise"))
    steps = (
        steps.select(STEP_COLUMNS)
        .join(stats.select("sensor_id", "noise", "period_s", "floor"), on="sensor_id")
        .filter(pl.col("step").abs() >= cand)
        .sort("sensor_id", "t")
    )
    near = pl.max_horizontal(3 * pl.col("noise"), 0.1 * pl.col("step").abs(), pl.lit(2.0))
    low_end = pl.min_horizontal(pl.col("step_end_lux"), pl.col("step_end_lux") - pl.col("step"))

    # a lamp stays switched for a while: a step undone within two spans (a flickering
    # meter, or readings of a gateway whose clock is off interleaved with true ones) is no
    # lamp to learn from
    def undone(k: int) -> pl.Expr:
        near_in_time = (
            pl.col("t").shift(k).over("sensor_id") - pl.col("t")
        ).dt.total_seconds().abs() < 2 * span
        flipped = pl.col("step").sign() != pl.col("step").shift(k).over("sensor_id").sign()
        return (near_in_time & flipped).fill_null(False)

    # a step in a calm moment (``_calm_change`` from the steps alone): it stands ``calm_k``
    # times the typical step of the ``calm_n`` samples before it and of those after it, a
    # sample without a step counting as none (overcast or steady daylight, when a lamp
    # smaller than the sway of the brightest days off still stands out)
    def crowding(k: int) -> pl.Expr:
        near_in_time = (
            pl.col("t").shift(k).over("sensor_id") - pl.col("t")
        ).dt.total_seconds().abs() <= (p.calm_n + 0.5) * pl.col("period_s")
        return (
            pl.when(near_in_time)
            .then(pl.col("step").shift(k).over("sensor_id").abs())
            .otherwise(0.0)
            .fill_null(0.0)
        )

    def typical(sign: int) -> pl.Expr:
        return pl.concat_list([crowding(sign * j) for j in range(1, p.calm_n + 1)]).list.median()

    crowd = pl.max_horizontal(typical(1), typical(-1))
    steps = steps.join(sway, on="sensor_id", how="left").with_columns(
        ((pl.col("t").dt.epoch("s")) // 86_400).alias("day"),
        (low_end - pl.col("floor") <= near).alias("touches_floor"),
        (pl.col("step").abs() > _sway_at(low_end)).alias("above_sway"),
        (pl.col("step_holds") & ~undone(1) & ~undone(-1)).alias("step_holds"),
        (crowd.fill_null(0.0) * p.calm_k <= pl.col("step").abs()).alias("calm_step"),
    )
    rows = [
        {
            "sensor_id": sensor,
            "levels": _levels(g, p.cluster_ratio, 2 * p.unlearned_lit_lux),
            "dark_steps": int(g["step_dark"].sum()),
        }
        for (sensor,), g in steps.group_by("sensor_id", maintain_order=True)
    ]
    found = pl.DataFrame(
        rows, schema={"sensor_id": pl.String, "levels": pl.List(pl.Float64), "dark_steps": pl.Int32}
    )
    return (
        stats.join(found, on="sensor_id", how="left")
        .join(sway, on="sensor_id", how="left")
        .with_columns(
            pl.col("sway").fill_null(pl.lit([0.0] * SWAY_BINS, dtype=pl.List(pl.Float64))),
            pl.col("levels").fill_null(pl.lit([], dtype=pl.List(pl.Float64))),
            pl.col("dark_steps").fill_null(0),
        )
        .select([pl.col(c).cast(t) for c, t in CALIBRATION_SCHEMA.items()])
        .sort("sensor_id")
    )


def _clamped_walk(
    sensor: np.ndarray,
    step: np.ndarray,
    upper: np.ndarray,
    dark: np.ndarray,
    whole_off: np.ndarray,
    tol: float,
    room_after: np.ndarray | None = None,
    off_cand: np.ndarray | None = None,
) -> np.ndarray:
    """``_forward_walk``, except before a sensor's first dark reading, where nothing says
    what the lamps were: there the walk runs back from that reading, undoing the steps (a
    history that starts mid-morning with the lamps on is then counted as on)."""
    out = _forward_walk(sensor, step, upper, dark, whole_off, tol, room_after, off_cand)
    n = step.size
    firsts = np.flatnonzero(np.r_[True, sensor[1:] != sensor[:-1]]) if n else np.array([], int)
    ends = np.r_[firsts[1:], n] if n else np.array([], int)
    for a, b in zip(firsts, ends, strict=True):
        hits = np.flatnonzero(dark[a:b])
        if hits.size == 0 or hits[0] == 0:
            continue
        f = a + int(hits[0])
        rev_upper = upper[a : f + 1][::-1]
        rev_step = np.zeros(f + 1 - a)
        rev_step[1:] = -step[a + 1 : f + 1][::-1]
        rev_dark = np.zeros(f + 1 - a, dtype=bool)
        rev_dark[0] = True
        rev = _forward_walk(
            np.zeros(f + 1 - a, dtype=np.int64),
            rev_step,
            rev_upper,
            rev_dark,
            np.zeros(f + 1 - a, dtype=bool),
            tol,
        )
        out[a : f + 1] = rev[::-1]
    return out


def _forward_walk(
    sensor: np.ndarray,
    step: np.ndarray,
    upper: np.ndarray,
    dark: np.ndarray,
    whole_off: np.ndarray,
    tol: float,
    room_after: np.ndarray | None = None,
    off_cand: np.ndarray | None = None,
) -> np.ndarray:
    """``a[i] = clip(a[i-1] + step[i], 0, upper[i])``, and ``a[i] = upper[i]`` in the dark.

    Where ``whole_off`` (a meter whose lamp size is not learned yet, a step down) the step
    counts only if it takes away about all the lamp light the walk holds (within ``tol``),
    and then takes all of it: switching the lamp off removes the lamp, while a cloud takes
    away part of the daylight.
    Nor does a fall far larger than that lamp light (beyond ``1 + tol`` of it) that still
    leaves room for it under the reading (``room_after``: the settled reading above the
    floor): that is daylight leaving — the sun flashing on the meter and going again —
    not the lamp switched off. ``off_cand``: falls of such a meter that were not accepted
    as steps; one within ``tol`` of the lamp light held takes it all away.

    Dark readings are known outright; between daytime steps the walk is a running minimum
    of ``upper``. So the Python loop runs once per daytime step or dawn — a few a day per
    sensor — and numpy does the rest."""
    n = step.size
    out = np.where(dark, upper, 0.0)
    if n == 0:
        return out
    new_sensor = np.ones(n, dtype=bool)
    new_sensor[1:] = sensor[1:] != sensor[:-1]
    after_dark = np.zeros(n, dtype=bool)
    after_dark[1:] = dark[:-1] & ~new_sensor[1:]
    # a daytime segment starts at a sensor's first reading, at dawn, or at a step
    moved = step != 0 if off_cand is None else (step != 0) | (off_cand != 0)
    start = ~dark & (new_sensor | after_dark | moved)
    starts = np.flatnonzero(start)
    # each segment runs to the next start, the next dark reading or the sensor's end
    stop_at = np.flatnonzero(np.r_[dark[1:] | new_sensor[1:] | start[1:], True])
    for a in starts:
        b = int(stop_at[np.searchsorted(stop_at, a)]) + 1  # last reading of the segment + 1
        prev = 0.0 if new_sensor[a] else out[a - 1]
        change = step[a]
        if whole_off[a] and (
            -change < (1.0 - tol) * prev
            or (
                room_after is not None
                and -change > (1.0 + tol) * prev
                and room_after[a] >= (1.0 - tol) * prev
            )
        ):
            change = 0.0
        elif whole_off[a]:
            change = -prev  # the lamp switched off: all of its light goes
        if (
            off_cand is not None
            and change == 0.0
            and prev > 0.0
            and abs(-off_cand[a] - prev) <= tol * prev
        ):
            change = -prev
        v = min(max(prev + change, 0.0), upper[a])
        seg = np.minimum.accumulate(np.concatenate(([v], upper[a + 1 : b])))
        out[a:b] = seg
    return out


# Where a meter's lamp walk stands after one of its readings, enough to go on from there
# with only the readings that follow (``lamp_light(..., state=)``): that reading (t, lux),
# the one kept before it (its change and sign decide whether the next reading goes on with
# a step that began there) and the lamp light the walk had reached.
LIGHT_STATE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "sensor_id": pl.String,
    "t_prev": pl.Datetime("us", "UTC"),
    "lux_prev": pl.Float64,
    "t": pl.Datetime("us", "UTC"),
    "lux": pl.Float64,
    "lamp_lux": pl.Float64,
}
LAMP_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "sensor_id": pl.String,
    "t": pl.Datetime("us", "UTC"),
    "lamp_lux": pl.Float64,
    "lamps_on": pl.Boolean,
    "lamp_known": pl.Boolean,
    # the sun is down at the meter: lamps (or a screen) are told outright, learned or not
    "dark": pl.Boolean,
}
CHECKPOINT_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "hour": pl.Datetime("us", "UTC"),
    **LIGHT_STATE_SCHEMA,
}


def empty_light_state() -> pl.DataFrame:
    return pl.DataFrame(schema=LIGHT_STATE_SCHEMA)


def lamp_light(
    readings: pl.DataFrame,
    calibration: pl.DataFrame,
    sites: pl.DataFrame,
    params: LightParams | None = None,
    *,
    state: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Per photo reading (``sensor_id, t, lux``): ``lamp_lux``, ``lamps_on``,
    ``lamp_known`` (the meter has learned its lamp's size; until then it guesses by day)
    and ``dark`` (the sun is down at its site: the lamp light is the reading's own).

    Sensors without a calibration row are calibrated on the readings given. ``state``
    (``LIGHT_STATE_SCHEMA``, from ``lamp_checkpoints``): the walk of those meters goes on
    from there, over readings after the state's ``t``, with the same answers as one run
    over the whole history (for calibrated meters)."""
    return _lamp_walk(readings, calibration, sites, params or LightParams(), state)[0]


def lamp_checkpoints(
    readings: pl.DataFrame,
    calibration: pl.DataFrame,
    sites: pl.DataFrame,
    at: pl.DataFrame,
    params: LightParams | None = None,
    *,
    state: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``lamp_light``, and per ``at`` row (``sensor_id, hour``) the state after the
    meter's last kept reading before ``hour`` (``CHECKPOINT_SCHEMA``) — only where that
    state is final: the meter is calibrated, its walk has seen the dark (before that, the
    lamps are inferred backwards from the first dark reading) or started from a state, and
    the readings given reach two step spans past it (a step's size is read where the meter
    has settled a span later, and whether it holds a span after that)."""
    p = params or LightParams()
    lamps, walked = _lamp_walk(readings, calibration, sites, p, state)
    if walked.height == 0 or at.height == 0:
        return lamps, pl.DataFrame(schema=CHECKPOINT_SCHEMA)
    span_us = (pl.max_horizontal(pl.lit(p.step_span_s), 2.2 * pl.col("period_s")) * 1e6).cast(
        pl.Int64
    )
    # a meter with no lamp learned judges a step by the changes around it
    # (``_calm_change``): a walk resumed from a state lacks those before the state, so
    # none of the ``calm_n - 1`` readings after it may be a calm change (nor turn into
    # one with the readings still to come), or the state is not final
    k = p.calm_n
    # the walk is sorted by sensor and time: a neighbour of the same sensor by a shift, a
    # sensor's last reading (its latest time) where the next row is another sensor's
    s = pl.col("sensor_id")
    calm_after = pl.any_horizontal(
        [_before(pl.col("calm"), -j).fill_null(False) for j in range(1, k)]
    )
    row = pl.int_range(pl.len())
    last = pl.when((s.shift(-1) != s).fill_null(True)).then(row).backward_fill()
    w = (
        walked.with_columns(last.alias("_last"))
        .with_columns(
            _before(pl.col("t")).alias("t_prev"),
            _before(pl.col("lux")).alias("lux_prev"),
            pl.col("t").gather(pl.col("_last")).alias("t_last"),
            (~pl.col("calm_used") | (~calm_after & (pl.col("_last") - row > 2 * k))).alias(
                "calm_final"
            ),
        )
        .filter(
            pl.col("calibrated")
            & pl.col("settled")
            & pl.col("t_prev").is_not_null()
            & (pl.col("t") + pl.duration(microseconds=2 * span_us) < pl.col("t_last"))
            & pl.col("calm_final")
        )
    )
    cuts = (
        at.select(
            pl.col("sensor_id").cast(pl.String), pl.col("hour").cast(pl.Datetime("us", "UTC"))
        )
        .unique()
        .with_columns((pl.col("hour") - pl.duration(microseconds=1)).alias("t_key"))
        .sort("t_key")
    )
    found = cuts.join_asof(
        w.select(
            "sensor_id",
            pl.col("t").alias("t_key"),
            "t",
            "t_prev",
            "lux_prev",
            "lux",
            "lamp_lux",
            "t_last",
        ).sort("t_key"),
        on="t_key",
        by="sensor_id",
        strategy="backward",
        check_sortedness=False,
    )
    # … and the last reading of any kind before the hour: the next one given (kept or
    # set aside as a clash) comes at the hour or later, so the readings from the hour on
    # are all that follows it
    # (repeats of a time need not be dropped: the forward as-of join takes a time either way)
    raw = readings.select(
        pl.col("sensor_id").cast(pl.String), pl.col("t").cast(pl.Datetime("us", "UTC"))
    )
    nxt = raw.select("sensor_id", pl.col("t").alias("t_next")).sort("t_next")
    found = (
        found.drop_nulls("t")
        .with_columns((pl.col("t") + pl.duration(microseconds=1)).alias("t_after"))
        .sort("t_after")
        .join_asof(
            nxt,
            left_on="t_after",
            right_on="t_next",
            by="sensor_id",
            strategy="forward",
            check_sortedness=False,
        )
        .filter(pl.col("t_next") >= pl.col("hour"))
    )
    return lamps, found.select([pl.col(c).cast(t) for c, t in CHECKPOINT_SCHEMA.items()]).sort(
        "sensor_id", "hour"
    )


def _lamp_walk(
    readings: pl.DataFrame,
    calibration: pl.DataFrame,
    sites: pl.DataFrame,
    p: LightParams,
    state: pl.DataFrame | None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``lamp_light``'s answer, and its walk per kept reading (``sensor_id, t, lux,
    lamp_lux, period_s, calibrated, settled``; a resumed state's readings included)."""
    if readings.height == 0:
        return pl.DataFrame(schema=LAMP_SCHEMA), pl.DataFrame()
    given = readings.select(
        pl.col("sensor_id").cast(pl.String), pl.col("t").cast(pl.Datetime("us", "UTC")), "lux"
    ).with_columns(pl.lit(False).alias("forced"), pl.lit(None, pl.Float64).alias("forced_lamp"))
    have = set(calibration["sensor_id"].to_list()) if calibration.height else set()
    if state is not None and state.height:
        # resumed meters (calibrated ones only: another calibration would walk otherwise):
        # their state's two readings go first, the walk is pinned at the later one, and
        # the readings given up to it are answered by the state
        st = state.filter(pl.col("sensor_id").is_in(list(have)))
        given = given.join(
            st.select("sensor_id", pl.col("t").alias("t_st")), on="sensor_id", how="left"
        )
        given = given.filter(pl.col("t_st").is_null() | (pl.col("t") > pl.col("t_st"))).drop("t_st")
        pinned = pl.concat(
            [
                st.select(
                    "sensor_id",
                    pl.col("t_prev").alias("t"),
                    pl.col("lux_prev").alias("lux"),
                    pl.lit(True).alias("forced"),
                    pl.col("lamp_lux").alias("forced_lamp"),
                ),
                st.select(
                    "sensor_id",
                    "t",
                    "lux",
                    pl.lit(True).alias("forced"),
                    pl.col("lamp_lux").alias("forced_lamp"),
                ),
            ]
        )
        given = pl.concat([pinned.select(given.columns), given])
    # sorted once here: the clock clashes' pass and the answers' keys below read it sorted
    given = _by_sensor_and_time(given)
    cal = calibration.select(CALIBRATION_SCHEMA.keys())
    pins = given.filter("forced").select("sensor_id", "t", "forced", "forced_lamp")
    # prepared readings come sorted by sensor and time, one per (sensor, t): kept so
    r = prepare(given, sites, p, cal.select("sensor_id", "period_s"))
    if pins.height:
        r = r.join(pins, on=["sensor_id", "t"], how="left", maintain_order="left")
    else:
        r = r.with_columns(
            pl.lit(None, pl.Boolean).alias("forced"), pl.lit(None, pl.Float64).alias("forced_lamp")
        )
    missing = r.filter(~pl.col("sensor_id").is_in(list(have)))
    if missing.height:  # the prepared readings serve their calibration too: prepared once
        cal = pl.concat([cal, calibrate_parts(missing, p)[0]])
    r = r.join(cal, on="sensor_id", how="left", maintain_order="left").with_columns(
        pl.col("sensor_id").is_in(list(have)).alias("calibrated")
    )
    smallest = pl.col("levels").list.min()
    largest = pl.col("levels").list.max()
    cand = pl.max_horizontal(pl.lit(p.min_step_lux), p.noise_k * pl.col("noise"))
    # part of a lamp's step: a sizeable share of the smallest lamp (daylight's own wobble,
    # even with the sun on the meter, stays below it from one sample to the next)
    # A meter with no lamp learned yet: a change within daylight's own swing at that
    # brightness is daylight, and must not open a run that a lamp's jump then joins late.
    swing = _sway_at(pl.min_horizontal("lux", pl.col("lux") - pl.col("d")))
    small = pl.max_horizontal(cand, pl.coalesce(smallest * p.step_share, swing))
    calm_used = _calm_where_unlearned(r, p)
    r = r.with_columns(calm_used[0].alias("calm"), calm_used[1].alias("calm_used"))
    span = pl.max_horizontal(pl.lit(p.step_span_s), 2.2 * pl.col("period_s"))
    r = _runs(r, small, span, day_ramps_hold=True)
    mag = pl.col("step").abs()
    lamp_sized = (mag >= smallest * (1 - p.level_tol)) & (mag <= largest * (1 + p.level_tol))
    # an "on" step must leave at least one lamp's light above the floor
    room_for_lamp = pl.col("step_end_lux") - pl.col("floor") >= smallest * (1 - p.level_tol)
    # … and be larger than daylight's own swing at that brightness (a passing cloud)
    low = pl.min_horizontal("step_end_lux", pl.col("step_end_lux") - pl.col("step"))
    above_sway = mag > _sway_at(low)
    # a meter that has not yet seen a lamp often enough to learn it: by day only a step far
    # beyond daylight's swing, and at least ``unlearned_lit_lux`` twice over, is a lamp
    # (and still there a span later, either way: a cloud's jump comes back within minutes)
    # … or a step that makes most of its rise or fall within one sample and stands
    # ``unlearned_jump_k`` swings there: a lamp switches within a sample, while daylight,
    # even the sun coming out, ramps over several (the UCI office's Sunday dawn: +111 lux
    # in four samples, 2.9 swings in all but 1.3 in its largest)
    swings = _sway_at(low)
    # a calm change that makes most of its step (the step's first change)
    calm = pl.col("calm") & (pl.col("d").abs() >= 0.5 * mag)
    unlearned = (
        smallest.is_null()
        & (
            (mag >= p.unlearned_sway_k * swings)
            | (
                (pl.col("step_jump") >= pl.max_horizontal(p.unlearned_jump_k * swings, 0.5 * mag))
                & (mag >= p.unlearned_jump_k * swings)
            )
            | calm
        )
        & (mag >= 2 * p.unlearned_lit_lux)
        & pl.col("step_holds").fill_null(False)
    )
    # a learned lamp's step below daylight's swing at that brightness: a switch where it is
    # calm around it (the sway of all days off is not this hour's weather)
    seen = above_sway | (calm & pl.col("step_holds").fill_null(False))
    accepted = (mag >= cand) & (
        pl.col("dark")
        | (lamp_sized.fill_null(False) & seen & ((pl.col("step") < 0) | room_for_lamp))
        | unlearned
    )
    # a meter with no lamp learned, lit: a fall of about the lamp light it holds, beyond
    # daylight's swing, takes the lamp away even if it is not three swings (the walk
    # decides, for only it knows the lamp light held): the lamp is judged by its own size
    # on the way down, as a learned lamp is
    off_cand = (
        smallest.is_null()
        & ~pl.col("dark")
        & ~accepted
        & (pl.col("step") < 0)
        & (mag >= cand)
        & (above_sway | calm)
        & pl.col("step_holds").fill_null(False)
    )
    forced = pl.col("forced").fill_null(False)
    r = r.with_columns(
        pl.when(off_cand).then(pl.col("step")).otherwise(0.0).alias("off_cand"),
        pl.when(accepted).then(pl.col("step")).otherwise(0.0).alias("step"),
        # lamps alone cannot out-shine the reading; on a step's first sample the meter may
        # have averaged over the switch, so the step's settled level bounds it there
        pl.when(forced)
        .then(pl.col("forced_lamp"))
        .when(accepted & (pl.col("step") > 0))
        .then(pl.max_horizontal("lux", "step_end_lux") - pl.col("floor"))
        .otherwise(pl.col("lux") - pl.col("floor"))
        .clip(0.0, None)
        .alias("upper"),
        # the walk is known outright in the dark, and where a resumed state pins it
        (pl.col("dark") | forced).alias("known"),
    )
    whole_off = smallest.is_null() & ~pl.col("known") & (pl.col("step") < 0)
    # where the step leaves the meter above its floor (read a span later, like the step)
    room_after = (pl.col("step_end_lux") - pl.col("floor")).fill_null(0.0)
    walk = _clamped_walk(
        # each sensor's stretch as one number (the frame is sorted): compared, not strings
        r.select(group_starts(["sensor_id"]).cum_sum()).to_series().to_numpy(),
        r["step"].to_numpy(),
        r["upper"].to_numpy(),
        r["known"].to_numpy(),
        r.select(whole_off.fill_null(False)).to_series().to_numpy(),
        p.level_tol,
        r.select(room_after).to_series().to_numpy(),
        r["off_cand"].to_numpy(),
    )
    # lit: half the smallest lamp; a meter with no lamp learned yet: a clear step's worth
    bar = pl.coalesce(smallest * p.lit_share, pl.max_horizontal(cand * 2, p.unlearned_lit_lux))
    walked = r.with_columns(pl.Series("lamp_lux", walk)).select(
        "sensor_id",
        "t",
        "lux",
        "lamp_lux",
        (pl.col("lamp_lux") >= bar).alias("lamps_on"),
        smallest.is_not_null().alias("lamp_known"),
        "dark",
        "period_s",
        "calibrated",
        forced.alias("forced"),
        # from the first dark (or pinned) reading on, the walk no longer depends on what
        # comes later: before it, it runs back from there
        pl.col("known").cum_max().over("sensor_id").alias("settled"),
        "calm",
        pl.col("calm_used"),
    )
    # a clashing pair (one of them stamped by a wrong clock) keeps the state the meter was
    # last seen in: every reading given gets an answer
    keys = _first_of_repeats(_by_sensor_and_time(given.select("sensor_id", "t", "forced")))
    answered = ("lamp_lux", "lamps_on", "lamp_known", "dark")
    if (
        keys.height == walked.height
        and keys["t"].equals(walked["t"])
        and keys["sensor_id"].equals(walked["sensor_id"])
        and not any(walked[c].null_count() for c in answered)
    ):  # every reading given was walked (no clash set aside): its own answer
        lamps = walked.filter(~pl.col("forced")).select(LAMP_SCHEMA.keys())
    else:
        lamps = (
            keys.join(walked.drop("forced", "lux"), on=["sensor_id", "t"], how="left")
            .sort("sensor_id", "t")
            .with_columns(pl.col(answered).forward_fill().backward_fill().over("sensor_id"))
            .filter(~pl.col("forced"))
            .select(LAMP_SCHEMA.keys())
        )
    if state is not None and state.height:  # readings the state already answered
        lamps = pl.concat(
            [
                lamps,
                readings.select(pl.col("sensor_id").cast(pl.String), "t")
                .unique()
                .join(lamps, on=["sensor_id", "t"], how="anti")
                .join(
                    walked.filter("forced")
                    .sort("t")
                    .group_by("sensor_id")
                    .agg(pl.col("lamp_lux", "lamps_on", "lamp_known", "dark").last()),
                    on="sensor_id",
                    how="left",
                )
                .select([pl.col(c).cast(t) for c, t in LAMP_SCHEMA.items()]),
            ]
        ).sort("sensor_id", "t")
    return lamps, walked


OFFICE_HOURS = (9, 16)  # local hours whose dull-day daylight a meter must see lamps against


def day_sight(
    calibration: pl.DataFrame, day_lux: pl.DataFrame, params: LightParams | None = None
) -> pl.DataFrame:
    """Per light meter that has learned no lamp yet: ``day_sight_lux``, the smallest lamp it
    can tell from daylight by day — what ``lamp_light`` accepts from such a meter by
    daylight's swing: ``unlearned_sway_k`` swings at its dull-day brightness in office
    hours (``day_lux``: ``sensor_id, day_lux``, e.g. the highest hourly baseline of
    ``OFFICE_HOURS``), and at least ``2 × unlearned_lit_lux``. A meter that knows its lamp
    judges by the lamp's own size and is left out (as is one with no daylight known)."""
    p = params or LightParams()
    unlearned = calibration.filter(pl.col("levels").list.len().fill_null(0) == 0)
    return (
        unlearned.select("sensor_id", "sway")
        .join(day_lux.select("sensor_id", "day_lux"), on="sensor_id")
        .drop_nulls("day_lux")
        .select(
            "sensor_id",
            pl.max_horizontal(
                p.unlearned_sway_k * _sway_at(pl.col("day_lux")), pl.lit(2 * p.unlearned_lit_lux)
            )
            .cast(pl.Float64)
            .alias("day_sight_lux"),
        )
        .sort("sensor_id")
    )


def hour_sight(
    calibration: pl.DataFrame, hourly: pl.DataFrame, params: LightParams | None = None
) -> pl.DataFrame:
    """Per light meter that has learned no lamp yet and per hour of its readings
    (``hourly``: ``sensor_id, hour, lux_max, change_q``: the hour's brightest reading and
    the 90th percentile of its changes from one reading to the next): ``hour_sight_lux``,
    the smallest lamp ``lamp_light`` would accept from such a meter in that hour —
    ``unlearned_sway_k`` swings of daylight at the hour's brightest (``day_sight``'s rule at
    the hour's own brightness rather than at a dull day's office hours), or a calm change
    (``_calm_change``: ``calm_k`` times the changes around it, taken here as nearly the
    largest of the hour's: a lamp switched anywhere in it stands that far out), and at
    least ``2 × unlearned_lit_lux`` either way. In the dark the changes are the meter's
    noise, and the smallest lamp it accepts is seen. ``sees_any_lamp``: the sight is that
    smallest lamp, so the meter saw that hour as it sees at night — whatever lamp the room
    has, if it can be seen at all it was (a meter that never saw its lamp knows nothing of
    its size: room lighting gives ~500 lx on a desk, but a meter on a wall or ceiling gets
    a fraction of it). Also ``daylight_lux``, the hour's brightest reading above the
    floor: what daylight gave there at most (a lamp it held unseen included). A meter that
    knows its lamp is left out."""
    p = params or LightParams()
    unlearned = calibration.filter(pl.col("levels").list.len().fill_null(0) == 0)
    # one reading in the hour: no change known, nothing calm about it
    calm = pl.when(pl.col("change_q").is_not_null()).then(
        p.calm_k * pl.max_horizontal("change_q", "noise", pl.lit(1.0))
    )
    return (
        hourly.select("sensor_id", "hour", "lux_max", "change_q")
        .join(unlearned.select("sensor_id", "floor", "noise", "sway"), on="sensor_id")
        .drop_nulls("lux_max")
        .select(
            "sensor_id",
            "hour",
            pl.max_horizontal(
                pl.min_horizontal(
                    p.unlearned_sway_k * _sway_at(pl.col("lux_max")),
                    calm.fill_null(float("inf")),
                ),
                pl.lit(2 * p.unlearned_lit_lux),
            )
            .cast(pl.Float64)
            .alias("hour_sight_lux"),
            (pl.col("lux_max") - pl.col("floor")).clip(0.0, None).alias("daylight_lux"),
        )
        .with_columns((pl.col("hour_sight_lux") <= 2 * p.unlearned_lit_lux).alias("sees_any_lamp"))
        .sort("sensor_id", "hour")
    )
