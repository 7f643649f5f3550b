"""Location detector (位置检测): wild fixes out, stay points in. Pure polars, no I/O.

A position sensor (GPS/GNSS, AIS) jitters while the vehicle stands still, now and then
jumps tens of metres and back (multipath), and rarely reports a fix thousands of
kilometres away (a wild fix). Summing steps above a per-step floor therefore both invents
distance (jumps, wild fixes) and loses it (slow movement whose every step is small). Here:

1. **Wild fixes** are fixes no vehicle could have made: reaching them and leaving them
   both need more than ``max_speed_mps``, while their neighbours agree without them (a
   spike out and back), or they leave the straight line between their neighbours further
   than ``max_accel_mps2`` allows in the time. The first and last fix of a track are
   checked against the next (previous) two fixes. A step that is still impossible after
   that (two disagreeing tracks, e.g. an MMSI shared by two vessels) adds no distance and
   breaks the track; a genuine jump after a long gap is slow enough to pass. Such a jump
   (wild fixes included) also marks its two ends as two sources under one id (a shared
   MMSI, a receiver locked on a reflector): within ``max_gap_s`` of it, a step or a gap
   crossing between the same two places (each within 2 R) is no movement and no
   distance, however slowly it went. A ferry crossing and returning leaves no such jump.
2. **Stay points**: an interval between two fixes is *moving* when the robust centre
   (per-coordinate median) of the ``window`` fixes before it and of the ``window`` fixes
   after it lie more than the radius ``R`` apart, and each end fix lies outside ``R`` of the
   other side's centre: the vehicle left the stay and kept going. A lone multipath jump
   moves neither median; slow movement moves both, whatever the single steps.
3. ``R`` is learned per track from its own jitter while parked (each fix's distance from
   the line between its two neighbours where those stand still: what goes out and comes
   back), ``spread_factor`` × its 90 % quantile ≈ 4 σ for Gaussian noise, within
   [``radius_floor_m``, ``radius_ceiling_m``]; with too few parked fixes, from the
   reported accuracy ``acc``; without that, ``radius_default_m``. A stored calibration
   can be passed instead (``learn_radii`` computes it), so that R stays put between runs.
4. Slower than ``min_speed_mps`` (≈ 1 km/h) is drift or creep, not movement.

Distance counts only moving intervals, along the path (the step between the two fixes),
plus the displacement across a data gap of at most ``max_gap_s`` when the vehicle is found
elsewhere afterwards. With R given, each decision depends only on the ``window`` fixes
either side within the track's gap of each other, so a rollup hour depends only on nearby
readings (tested); R learned from the fixes at hand can move a little with them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import polars as pl

from assetpulse.monitor.core.engine import ENGINE
from assetpulse.monitor.core.sorted_frames import group_starts, shift_within

EARTH_RADIUS_M = 6_371_000.0
DEG = math.pi / 180.0

LOCATED_COLUMNS = (
    "t",
    "lat",
    "lon",
    "valid",
    "moving",
    "stay_id",
    "step_m",
    "radius_m",
    "centre_lat",
    "centre_lon",
)


@dataclass(frozen=True, slots=True)
class LocationParams:
    """Knobs of the detector: physical limits and noise bounds, not fitted to any file."""

    max_speed_mps: float = 100.0  # 360 km/h: above any vehicle asset (high-speed rail ~97)
    max_accel_mps2: float = 10.0  # ~1 g sideways and back: no car, boat or truck does more
    accel_noise_m: float = 15.0  # deviation from the neighbours' line the accel test forgives
    # Slower than ~1 km/h (0.5 kn, what AIS calls not under way) is drift, creep or an
    # anchored boat swinging, not a vehicle in use.
    min_speed_mps: float = 0.25
    window: int = 3  # fixes either side whose median is a robust centre (1 outlier of 3)
    # Longer without a fix: a data gap, the window restarts. A sparse sensor's own rhythm
    # counts too: 2.5 of its median sample periods when that is longer, at most max_gap_s
    # (the rollup holds a sample just as long).
    gap_s: float = 900.0
    gap_periods: float = 2.5
    max_gap_s: float = 3600.0  # displacement across a longer gap is not credited to an hour
    radius_floor_m: float = 10.0  # below this, metre-level rounding and manoeuvring in place
    radius_ceiling_m: float = 100.0  # above this a stay could hide a short drive
    radius_default_m: float = 20.0  # no accuracy, too little parked history to learn from
    acc_factor: float = 3.0  # R from the reported accuracy (≈ 1 σ) when nothing is learned
    spread_factor: float = 1.5  # R = this × q90 of the out-and-back jitter ≈ 4 σ
    min_learn_fixes: int = 8  # parked fixes needed to learn R from the track's own jitter
    wild_passes: int = 3  # passes of the wild-fix test (a wild fix can hide its neighbour)

    def __post_init__(self) -> None:
        if self.window < 2:
            raise ValueError("window must be at least 2 fixes")
        if not 0 < self.radius_floor_m <= self.radius_ceiling_m:
            raise ValueError("radius_floor_m must lie in (0, radius_ceiling_m]")


# Each track (one value of the key columns) as one integer, numbered in the key's sort
# order: windows, sorts and joins on it hash and compare one integer per row instead of
# the key's columns (a card id and a sensor id string), with the same groups and order.
TRACK = "_track"


def _track_id(keys: list[str]) -> pl.Expr:
    """On fixes sorted by ``keys``: the number of the track each belongs to."""
    return group_starts(keys).fill_null(False).cast(pl.Int64).cum_sum()


def _shift(expr: pl.Expr, n: int, group: list[str]) -> pl.Expr:
    """``expr.shift(n).over(group)`` on a frame sorted by ``group`` (``shift_within`` for
    one group column)."""
    if len(group) != 1:
        return expr.shift(n).over(group)
    return shift_within(expr, n, group[0])


def haversine_m(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    """Great-circle distance in metres between two positions given in degrees."""
    p1, p2 = lat1.radians(), lat2.radians()
    dp, dl = (lat2 - lat1).radians(), (lon2 - lon1).radians()
    a = (dp / 2).sin().pow(2) + p1.cos() * p2.cos() * (dl / 2).sin().pow(2)
    return 2 * EARTH_RADIUS_M * a.sqrt().clip(0.0, 1.0).arcsin()


def _near_m(lat1: pl.Expr, lon1: pl.Expr, lat2: pl.Expr, lon2: pl.Expr) -> pl.Expr:
    """Distance in metres on the plane tangent at the fix (``_c``: cosine of its latitude):
    within 1 % of the great circle up to ~100 km, and one square root instead of six
    trigonometric functions per pair — the detector measures millions of pairs. Farther
    pairs only ever meet thresholds far below their length."""
    dlon = (lon2 - lon1 + 180.0) % 360.0 - 180.0  # across the antimeridian the short way
    return EARTH_RADIUS_M * DEG * ((lat2 - lat1).pow(2) + (dlon * pl.col("_c")).pow(2)).sqrt()


def _seconds(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (b - a).dt.total_microseconds() / 1e6


def _wild_pass(lf: pl.LazyFrame, key: list[str], p: LocationParams) -> pl.LazyFrame:
    """One pass of the wild-fix test over the fixes still valid (column ``valid``)."""
    near = (1, 2, -1, -2)  # the valid fixes 1 and 2 places before (> 0) and after (< 0)

    def name(col: str, n: int) -> str:
        return f"_{col}{n}"

    def at(col: str, n: int) -> pl.Expr:
        return pl.col(name(col, n)) if n else pl.col(col)

    def dist(a: int, b: int) -> pl.Expr:
        return _near_m(at("lat", a), at("lon", a), at("lat", b), at("lon", b))

    def speed(a: int, b: int) -> pl.Expr:  # m/s; a 1-s floor for fixes in the same second
        return dist(a, b) / _seconds(at("t", a), at("t", b)).clip(lower_bound=1.0)

    v_max = p.max_speed_mps
    bridge_ok = speed(1, -1) <= v_max
    spike = (speed(1, 0) > v_max) & (speed(0, -1) > v_max) & bridge_ok
    # How far the fix leaves the straight line between its neighbours, beyond the noise:
    # going out d and back within τ each way needs a sideways acceleration of 4 d / τ².
    share = _seconds(at("t", 1), pl.col("t")) / _seconds(at("t", 1), at("t", -1))
    on_line_lat = at("lat", 1) + share * (at("lat", -1) - at("lat", 1))
    on_line_lon = at("lon", 1) + share * (at("lon", -1) - at("lon", 1))
    off_line = (
        _near_m(pl.col("lat"), pl.col("lon"), on_line_lat, on_line_lon) - p.accel_noise_m
    ).clip(lower_bound=0.0)
    tau = pl.min_horizontal(_seconds(at("t", 1), pl.col("t")), _seconds(pl.col("t"), at("t", -1)))
    swerve = (4 * off_line / tau.clip(lower_bound=1.0).pow(2) > p.max_accel_mps2) & bridge_ok
    # the track's first (last) fix, or the first after a gap: the next (previous) two agree
    starts = at("t", 1).is_null() | (_seconds(at("t", 1), pl.col("t")) > pl.col("_gap_s"))
    ends = at("t", -1).is_null() | (_seconds(pl.col("t"), at("t", -1)) > pl.col("_gap_s"))
    first = starts & (speed(0, -1) > v_max) & (speed(0, -2) > v_max) & (speed(-1, -2) <= v_max)
    last = ends & (speed(1, 0) > v_max) & (speed(2, 0) > v_max) & (speed(2, 1) <= v_max)
    wild = (spike | (swerve & ~starts & ~ends) | first | last).fill_null(False)
    lf = lf.sort([*key, "t"])  # joins keep no order; shifts and windows need it
    shifted = [
        _shift(pl.col(c), n, key).alias(name(c, n)) for c in ("t", "lat", "lon") for n in near
    ]
    flagged = (
        lf.filter(pl.col("valid"))
        .with_columns(shifted)
        .with_columns(wild.alias("_wild"))
        .filter(pl.col("_wild"))
        .select(*key, "t", "_wild")
    )
    return (
        lf.join(flagged, on=[*key, "t"], how="left")
        .with_columns((pl.col("valid") & pl.col("_wild").is_null()).alias("valid"))
        .drop("_wild")
    )


PAIR = ("_p_lat", "_p_lon", "_q_lat", "_q_lon", "_jt")


def _jumps(base: pl.DataFrame, p: LocationParams) -> pl.DataFrame:
    """Per track, the steps between consecutive fixes (wild ones included, within the
    track's gap) faster than ``max_speed_mps``: from (``_p_*``) and to (``_q_*``) at time
    ``_jt``, with the track's jump before (suffix ``_b``) and after (``_a``) it."""
    fixes = base.lazy().filter(pl.col("lat").is_not_null() & pl.col("lon").is_not_null())
    prev = {c: _shift(pl.col(c), 1, [TRACK]) for c in ("t", "lat", "lon")}
    dt = _seconds(prev["t"], pl.col("t"))
    speed = _near_m(prev["lat"], prev["lon"], pl.col("lat"), pl.col("lon")) / dt.clip(
        lower_bound=1.0
    )
    jumps = (
        fixes.select(
            TRACK,
            prev["lat"].alias("_p_lat"),
            prev["lon"].alias("_p_lon"),
            pl.col("lat").alias("_q_lat"),
            pl.col("lon").alias("_q_lon"),
            pl.col("t").alias("_jt"),
            ((speed > p.max_speed_mps) & (dt <= pl.col("_gap_s"))).fill_null(False).alias("_j"),
        )
        .filter("_j")
        .drop("_j")
        .collect(engine=ENGINE)  # the jumps' own neighbours below: shifted among the jumps only
        .lazy()
    )
    return jumps.with_columns(
        *[_shift(pl.col(c), 1, [TRACK]).alias(f"{c}_b") for c in PAIR],
        *[_shift(pl.col(c), -1, [TRACK]).alias(f"{c}_a") for c in PAIR],
    ).collect(engine=ENGINE)


def _between_ghosts(
    lf: pl.LazyFrame,
    jumps: pl.DataFrame,
    p: LocationParams,
    checks: Sequence[tuple[tuple[str, str], str]],
) -> pl.LazyFrame:
    """Per check (``ends``, ``out``), column ``out``: the displacement from ``ends[0]``
    to ``ends[1]`` (each the stem of a ``_lat``/``_lon`` pair, "" the fix itself) joins
    two places its track was seen jumping between faster than any vehicle, within
    ``max_gap_s`` of the fix (up to two such jumps either side): two sources under one id
    (a shared MMSI, a receiver locked on a reflector), each standing still. That is no
    movement, whatever its own speed; a vehicle shuttling between two places goes at a
    possible speed and leaves no such jump."""
    lf = lf.cache()  # read twice: the candidates, and the frame they are joined back to

    def col(end: str, axis: str) -> str:  # "" is the fix itself
        return f"{end}_{axis}" if end else axis

    used = {col(e, a) for ends, _ in checks for e in ends for a in ("lat", "lon")}
    cand = (
        lf.join(jumps.lazy().select(TRACK).unique(), on=TRACK, how="semi")
        .select(TRACK, "t", *sorted(used), "radius_m", "_c")
        .sort("t")
    )
    j = jumps.lazy().sort("_jt")
    h = timedelta(seconds=p.max_gap_s)

    def nearest(
        frame: pl.LazyFrame, sfx: str, also: str, way: Literal["backward", "forward"]
    ) -> pl.LazyFrame:
        # the track's nearest jump that way (its PAIR as ``{c}{sfx}``), with the jump next
        # to it that way (``{c}{also}``): up to two jumps either side of each fix
        side = j.select(TRACK, *PAIR, *[f"{c}{also}" for c in PAIR])
        return frame.join_asof(
            side.rename({c: f"{c}{sfx}" for c in PAIR}),
            left_on="t",
            right_on=f"_jt{sfx}",
            by=TRACK,
            strategy=way,
            tolerance=h,
            check_sortedness=False,  # both sorted by time above, hence within each track
        )

    cand = nearest(nearest(cand, "", "_b", "backward"), "_n", "_a", "forward")
    r = pl.col("radius_m")

    def near(end: str, lat: str, lon: str) -> pl.Expr:
        # both are single noisy fixes: 2 R is the stay radius either way
        here = pl.col(col(end, "lat")), pl.col(col(end, "lon"))
        return _near_m(*here, pl.col(lat), pl.col(lon)) <= 2 * r

    def matches(x: str, y: str, sfx: str) -> pl.Expr:
        pa, pb = (f"_p_lat{sfx}", f"_p_lon{sfx}"), (f"_q_lat{sfx}", f"_q_lon{sfx}")
        within = (pl.col("t") - pl.col(f"_jt{sfx}")).abs() <= h
        one_way = near(x, *pa) & near(y, *pb)
        other_way = near(x, *pb) & near(y, *pa)
        return (within & (one_way | other_way)).fill_null(False)

    outs = [out for _, out in checks]
    flags = [
        pl.any_horizontal(matches(*ends, s) for s in ("", "_b", "_n", "_a")).alias(out)
        for ends, out in checks
    ]
    hits = cand.select(TRACK, "t", *flags).filter(pl.any_horizontal(outs))
    return lf.join(hits, on=[TRACK, "t"], how="left", maintain_order="left").with_columns(
        pl.col(outs).fill_null(False)
    )


def _moving(
    lf: pl.LazyFrame, key: list[str], p: LocationParams, jumps: pl.DataFrame | None = None
) -> pl.LazyFrame:
    """Valid fixes only, with ``moving`` (the interval ending at the fix),
    ``step_m`` (distance credited to it) and ``stay_id``; uses the column ``radius_m``."""
    k = p.window
    lf = lf.sort([*key, "t"])  # joins keep no order; shifts and windows need it
    prev = {c: _shift(pl.col(c), 1, key) for c in ("t", "lat", "lon")}
    step = _near_m(prev["lat"], prev["lon"], pl.col("lat"), pl.col("lon"))
    dt = _seconds(prev["t"], pl.col("t"))
    impossible = step / dt.clip(lower_bound=1.0) > p.max_speed_mps
    gap = dt > pl.col("_gap_s")
    lf = lf.with_columns(
        step.alias("_step"),
        dt.alias("_dt"),
        impossible.fill_null(False).alias("_impossible"),
        (prev["t"].is_null() | gap | impossible).fill_null(True).alias("_brk"),
        (pl.col("t").dt.epoch("us") / 1e6).alias("_ts"),
    ).with_columns(
        # the tracks' segments numbered across the frame (a track's first fix breaks): the
        # segments' windows group by one integer
        pl.col("_brk").cast(pl.Int64).cum_sum().alias("_seg")
    )
    g = ["_seg"]

    def before(c: str) -> pl.Expr:  # median of the ≤ k fixes before this one
        return pl.col(c).rolling_median(k, min_samples=1).shift(1).over(g)

    def after(c: str) -> pl.Expr:  # median of this fix and the ≤ k - 1 after it
        return pl.col(c).reverse().rolling_median(k, min_samples=1).reverse().over(g)

    pos = pl.int_range(pl.len()).over(g)
    n_after = pl.len().over(g) - pos
    r = pl.col("radius_m")
    lf = lf.with_columns(
        before("lat").alias("_b_lat"),
        before("lon").alias("_b_lon"),
        after("lat").alias("_a_lat"),
        after("lon").alias("_a_lon"),
        before("_ts").alias("_b_ts"),
        after("_ts").alias("_a_ts"),
        pos.alias("_pos"),
        n_after.alias("_n_after"),
        # the robust end of each segment so far (what a data gap is crossed from)
        pl.col("lat").rolling_median(k, min_samples=1).over(g).alias("_t_lat"),
        pl.col("lon").rolling_median(k, min_samples=1).over(g).alias("_t_lon"),
    )
    if jumps is not None and jumps.height:
        lf = lf.with_columns(
            *[_shift(pl.col(c), 1, key).alias(f"_x_{c}") for c in ("lat", "lon")],
            *[_shift(pl.col(f"_t_{c}"), 1, key).alias(f"_tp_{c}") for c in ("lat", "lon")],
        )
        checks = [(("_x", ""), "_ghost"), (("_tp", "_a"), "_ghost_gap")]
        lf = _between_ghosts(lf, jumps, p, checks)  # in the order of lf
    else:
        lf = lf.with_columns(pl.lit(False).alias("_ghost"), pl.lit(False).alias("_ghost_gap"))
    apart = _near_m(pl.col("_b_lat"), pl.col("_b_lon"), pl.col("_a_lat"), pl.col("_a_lon"))
    left_before = _near_m(pl.col("lat"), pl.col("lon"), pl.col("_b_lat"), pl.col("_b_lon"))
    prev_lat, prev_lon = _shift(pl.col("lat"), 1, g), _shift(pl.col("lon"), 1, g)
    reached_after = _near_m(prev_lat, prev_lon, pl.col("_a_lat"), pl.col("_a_lon"))
    # the centres' speed: the window medians' times lie about k fixes apart
    fast = apart / (pl.col("_a_ts") - pl.col("_b_ts")).clip(lower_bound=1.0) > p.min_speed_mps
    # Kept going: the next window on (and the one before the last) is away from the other
    # side too. A burst of multipath (two or three fixes off the same way, then back)
    # moves one median but not the one beyond it. Near the segment's ends: not asked.
    far_after = _near_m(
        pl.col("_b_lat"), pl.col("_b_lon"), pl.col("_a_lat_far"), pl.col("_a_lon_far")
    )
    far_before = _near_m(
        pl.col("_b_lat_far"), pl.col("_b_lon_far"), pl.col("_a_lat"), pl.col("_a_lon")
    )
    kept_going = (far_after > r).fill_null(True) & (far_before > r).fill_null(True)
    evidence = (pl.col("_pos") >= 2) & (pl.col("_n_after") >= 2)
    core = pl.when(evidence).then(
        (apart > r) & (left_before > r) & (reached_after > r) & fast & kept_going
    )
    lf = lf.with_columns(
        *[_shift(pl.col(f"_a_{c}"), -k, g).alias(f"_a_{c}_far") for c in ("lat", "lon")],
        *[_shift(pl.col(f"_b_{c}"), k, g).alias(f"_b_{c}_far") for c in ("lat", "lon")],
    )
    lf = lf.with_columns(core.alias("_core"))
    # a step between two sources says nothing of the neighbours' movement: no evidence
    lf = lf.with_columns(pl.when(~pl.col("_ghost")).then(pl.col("_core")).alias("_core"))
    # At a segment's edge one side has a single fix: take the neighbouring interval's
    # decision (a drive goes on to the end of the data; a lone first fix is not a trip).
    moving = (
        pl.when(pl.col("_pos") == 0)
        .then(False)
        .otherwise(
            pl.coalesce(
                pl.col("_core"),
                pl.when(pl.col("_pos") < 2).then(_shift(pl.col("_core"), -1, g)),
                pl.when(pl.col("_n_after") < 2).then(_shift(pl.col("_core"), 1, g)),
                # a segment too short for any evidence: a clear, fast step
                (pl.col("_step") > 2 * r) & (pl.col("_step") / pl.col("_dt") > p.min_speed_mps),
            )
        )
    )
    lf = lf.with_columns((moving.fill_null(False) & ~pl.col("_ghost")).alias("moving"))
    # Across a data gap: credit the displacement between the robust ends if it left R.
    moved_across = _near_m(
        _shift(pl.col("_t_lat"), 1, key),
        _shift(pl.col("_t_lon"), 1, key),
        pl.col("_a_lat"),
        pl.col("_a_lon"),
    )
    across_gap = (
        (pl.col("_pos") == 0)
        & ~pl.col("_impossible")
        & ~pl.col("_ghost")
        & ~pl.col("_ghost_gap")
        & (pl.col("_dt") <= p.max_gap_s)
        & (moved_across > r)
    ).fill_null(False)
    step_m = (
        pl.when(pl.col("moving"))
        .then(pl.col("_step"))
        .when(across_gap)
        .then(moved_across)
        .otherwise(0.0)
    )
    moving_out = _shift(pl.col("moving"), -1, g).fill_null(False)
    lf = lf.with_columns(
        step_m.fill_null(0.0).alias("step_m"),
        across_gap.alias("_across_gap"),
        (~(pl.col("moving") & moving_out)).alias("_in_stay"),
    )
    # a stay begins after a movement, a break in the track, or a gap it was moved across
    new_stay = pl.col("_in_stay") & (
        ((pl.col("_pos") == 0) & (pl.col("_impossible") | pl.col("_across_gap")))
        | pl.col("moving")
        | ~_shift(pl.col("_in_stay"), 1, key).fill_null(False)
    )
    lf = lf.with_columns(new_stay.alias("_new_stay"))
    stay_id = pl.when(pl.col("_in_stay")).then(
        pl.col("_new_stay").cast(pl.Int32).cum_sum().over(key)
    )
    return lf.with_columns(stay_id.alias("stay_id")).drop(
        pl.selectors.starts_with("_") - pl.selectors.by_name(key)
    )


def _learned_radius(valid: pl.LazyFrame, key: list[str], p: LocationParams) -> pl.LazyFrame:
    """Per track: R from its own jitter while parked. Jitter is what goes out and comes
    back: each fix's distance from the line between its neighbours, where those two say
    the vehicle stands (they lie closer than ``min_speed_mps`` allows in the time). A
    steady drive, fast or slow, leaves that distance near zero; a vehicle parked with
    Gaussian noise σ gives a 90 % quantile of about 2.6 σ, so R = ``spread_factor`` × q90
    ≈ 4 σ. Multipath jumps (a few % of fixes) stay above the quantile; a receiver that
    flips between two reflections (tens of metres, half the time) widens R, as it should."""
    v = valid.sort([*key, "t"])
    prev = {c: _shift(pl.col(c), 1, key) for c in ("t", "lat", "lon")}
    nxt = {c: _shift(pl.col(c), -1, key) for c in ("t", "lat", "lon")}
    span = _seconds(prev["t"], nxt["t"]).clip(lower_bound=1.0)
    share = _seconds(prev["t"], pl.col("t")) / span
    on_line_lat = prev["lat"] + share * (nxt["lat"] - prev["lat"])
    on_line_lon = prev["lon"] + share * (nxt["lon"] - prev["lon"])
    off_line = _near_m(pl.col("lat"), pl.col("lon"), on_line_lat, on_line_lon)
    standing = _near_m(prev["lat"], prev["lon"], nxt["lat"], nxt["lon"]) / span
    near = (_seconds(prev["t"], pl.col("t")) <= pl.col("_gap_s")) & (
        _seconds(pl.col("t"), nxt["t"]) <= pl.col("_gap_s")
    )
    jitter = (
        v.with_columns(off_line.alias("_off"), (near & (standing <= p.min_speed_mps)).alias("_ok"))
        .filter(pl.col("_ok").fill_null(False))
        .group_by(key)
        .agg(pl.col("_off").quantile(0.9).alias("_q90"), pl.len().alias("_parked"))
    )
    return jitter.filter(pl.col("_parked") >= p.min_learn_fixes).select(
        *key,
        (p.spread_factor * pl.col("_q90"))
        .clip(p.radius_floor_m, p.radius_ceiling_m)
        .alias("_learned"),
    )


def _prepared(
    fixes: pl.LazyFrame | pl.DataFrame, keys: list[str], p: LocationParams
) -> pl.LazyFrame:
    """One row per track and time, ``valid`` after the wild-fix passes, ``radius_m`` from
    the reported accuracy (or the default) as the starting radius."""
    lf = fixes.lazy()
    have = set(lf.collect_schema().names())
    acc = pl.col("acc").cast(pl.Float64) if "acc" in have else pl.lit(None, pl.Float64)
    base = (
        lf.select(*keys, "t", "lat", "lon", acc.alias("acc"))
        .sort([*keys, "t", "lat", "lon"], nulls_last=True)
        .unique([*keys, "t"], keep="first", maintain_order=True)
        .with_columns(
            (pl.col("lat").is_not_null() & pl.col("lon").is_not_null()).alias("valid"),
            _track_id(keys).alias(TRACK),
        )
    )
    period = pl.col("t").diff().dt.total_microseconds().median().over(TRACK) / 1e6
    gap = pl.min_horizontal(pl.max_horizontal(pl.lit(p.gap_s), p.gap_periods * period), p.max_gap_s)
    base = base.with_columns(
        gap.fill_null(p.gap_s).alias("_gap_s"), pl.col("lat").radians().cos().alias("_c")
    )
    first = base.collect(engine=ENGINE)
    base, valid_before = first.lazy(), int(first["valid"].sum())
    for _ in range(p.wild_passes):  # each pass reads its input twice: materialise it once
        done = _wild_pass(base, [TRACK], p).collect(engine=ENGINE)
        base, valid_now = done.lazy(), int(done["valid"].sum())
        if valid_now == valid_before:  # nothing new flagged: another pass would not either
            break
        valid_before = valid_now
    from_acc = (p.acc_factor * pl.col("acc").median().over(TRACK)).clip(
        p.radius_floor_m, p.radius_ceiling_m
    )
    return base.with_columns(from_acc.fill_null(p.radius_default_m).alias("radius_m"))


def learn_radii(
    fixes: pl.LazyFrame | pl.DataFrame,
    key: Sequence[str] = ("sensor_id",),
    params: LocationParams | None = None,
) -> pl.LazyFrame:
    """Per track (``key`` + ``radius_m``) the stay radius learned from its own parked
    jitter; tracks with fewer than ``min_learn_fixes`` parked fixes are left out. A
    deployment can store this as the sensor's calibration and pass it to ``locate``."""
    p = params or LocationParams()
    keys = list(key)
    valid = _prepared(fixes, keys, p).filter(pl.col("valid"))
    learned = _learned_radius(valid, [TRACK], p).rename({"_learned": "radius_m"})
    return learned.join(valid.select(TRACK, *keys).unique(TRACK), on=TRACK).select(
        *keys, "radius_m"
    )


def locate(
    fixes: pl.LazyFrame | pl.DataFrame,
    key: Sequence[str] = ("sensor_id",),
    params: LocationParams | None = None,
    radii: pl.LazyFrame | pl.DataFrame | None = None,
) -> pl.LazyFrame:
    """Per fix (one row per ``key`` + ``t``; duplicates keep the first by position):
    ``valid`` (not a wild fix or missing), ``moving`` (the interval that ends at this fix),
    ``stay_id`` (per track; null while moving or invalid), ``step_m`` (distance credited
    to that interval), ``radius_m`` (the stay radius used) and ``centre_lat``/``centre_lon``
    (the stay's centre so far: median of its last 2 × window + 1 fixes; else the fix).

    ``fixes`` has the ``key`` columns, ``t`` (datetime), ``lat``, ``lon`` and optionally
    ``acc`` (reported accuracy in metres). ``radii`` (``key`` + ``radius_m``, e.g. a stored
    calibration) fixes R per track; without it R is learned from ``fixes`` themselves.
    A wild or missing fix gets the ``moving`` of the valid interval that spans it and no
    distance."""
    p = params or LocationParams()
    keys = list(key)
    prepared = _prepared(fixes, keys, p).collect(engine=ENGINE)
    base = prepared.lazy()  # read three times below
    valid = base.filter(pl.col("valid"))
    if radii is None:
        learned, on = _learned_radius(valid, [TRACK], p), [TRACK]
    else:
        learned = radii.lazy().select(*keys, pl.col("radius_m").cast(pl.Float64).alias("_learned"))
        on = keys
    located = _moving(
        valid.join(learned, on=on, how="left")
        .with_columns(pl.coalesce("_learned", "radius_m").alias("radius_m"))
        .drop("_learned"),
        [TRACK],
        p,
        _jumps(prepared, p),
    )
    stays_of = [TRACK, "stay_id"]
    # the stay's centre so far: median of its last 2k+1 fixes (robust to multipath, and
    # local, so that an hour's position does not depend on readings days away)
    centre = {
        c: pl.when(pl.col("stay_id").is_not_null())
        .then(pl.col(c).rolling_median(2 * p.window + 1, min_samples=1).over(stays_of))
        .otherwise(pl.col(c))
        for c in ("lat", "lon")
    }
    second = located.select(
        TRACK,
        "t",
        "moving",
        "stay_id",
        "step_m",
        "radius_m",
        centre["lat"].alias("centre_lat"),
        centre["lon"].alias("centre_lon"),
    )
    out = (
        base.drop("radius_m", "_gap_s", "_c")
        .join(second, on=[TRACK, "t"], how="left")
        .sort([TRACK, "t"])
    )
    return out.with_columns(
        # a wild fix lies inside the valid interval that spans it: that interval's state
        pl.col("moving").backward_fill().over(TRACK).fill_null(False),
        pl.col("step_m").fill_null(0.0),
        pl.col("radius_m").forward_fill().backward_fill().over(TRACK),
    ).select(*keys, *LOCATED_COLUMNS)


def stays(
    located: pl.LazyFrame | pl.DataFrame, key: Sequence[str] = ("sensor_id",)
) -> pl.LazyFrame:
    """Dwell zones (停放点) from ``locate``'s output: per stay its robust centre, first and
    last fix (the dwell is ``end - start``) and how many fixes it holds."""
    keys = list(key)
    return (
        located.lazy()
        .filter(pl.col("stay_id").is_not_null())
        .group_by(*keys, "stay_id")
        .agg(
            pl.col("lat").median().alias("lat"),
            pl.col("lon").median().alias("lon"),
            pl.col("t").min().alias("start"),
            pl.col("t").max().alias("end"),
            pl.len().alias("fixes"),
        )
        .sort(*keys, "start")
    )
