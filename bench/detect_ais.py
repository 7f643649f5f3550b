"""Location detector on real AIS tracks: moved/parked per hour and distance against SOG.

``evaluate(csv_path)`` runs a MarineCadastre AIS export (``../shared/data/ais_dev``) through
the pure rollup (``hourly_usage``, one vessel = one card with one location sensor) and
compares it with the vessels' own speed over ground (SOG ≤ 0.5 kn parked, > 0.5 kn moving,
measured by the vessel's GNSS independently of the positions). Side by side, the rule
before issue 11: a step counts when it exceeds max(15 m, 2 × accuracy).

Figures:
- ``hour_agreement``: share of vessel-hours with at least two fixes (one fix has no interval
  to judge) whose moved/parked (moving seconds or distance > 0) matches the truth: moved =
  an interval ending in the hour whose two end fixes both report SOG > 0.5 kn (under way,
  not one noisy SOG reading of a boat swinging at anchor). ``hour_agreement_any_fix``:
  every vessel-hour, moved = any fix with SOG > 0.5 kn (stricter; single-fix hours count);
- ``parked_vessels_300m``: vessels parked at every point that are given ≥ 300 m;
- ``moving_distance_error``: (Σ distance − Σ SOG×dt) / Σ SOG×dt over the moved hours,
  SOG×dt by the trapezoid rule between consecutive fixes at most an hour apart;
- ``disagreements``: the judged vessel-hours where detector and truth differ, by what the
  positions themselves show (``disagreements()``): moved by SOG while the fixes never move at
  half of 0.5 kn on an interval SOG calls under way (``moved_positions_still``), or no
  interval a vessel could have made (``moved_no_possible_interval``); parked by SOG with
  SOG above 0.5 kn at one end of an interval only (``parked_sog_above_at_one_end``); the
  rest (``moved_other``, ``parked_other``). No position-only detector gets the first two
  right, whatever its rules.

No constant here or in the detector is fitted to this file (the issue keeps the other half
of the vessels apart to check that). Last line printed: one JSON object.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from assetpulse.monitor.core.detectors.location import LocationParams, haversine_m, locate
from assetpulse.monitor.core.rollup import LOC, hourly_usage

DEV_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "ais_dev" / "AISdata_dev.csv"
KNOT_MPS = 1852.0 / 3600.0
PARKED_KN = 0.5
SOG_NA = 102.3  # AIS "not available"
OLD_FLOOR_M = 15.0
MAX_GAP_S = 3600.0


def load_ais(csv_path: str | Path) -> pl.DataFrame:
    """Fixes in file order, one per (MMSI, time) — the first, as ingest keeps it — with
    the rollup's reading columns and the truth ``sog`` (null where not available)."""
    raw = pl.read_csv(csv_path, columns=["MMSI", "BaseDateTime", "LAT", "LON", "SOG"])
    return (
        raw.unique(["MMSI", "BaseDateTime"], keep="first", maintain_order=True)
        .select(
            pl.col("MMSI").cast(pl.Int64).alias("card_id"),
            pl.col("MMSI").cast(pl.String).alias("sensor_id"),
            pl.col("BaseDateTime")
            .str.to_datetime("%Y-%m-%dT%H:%M:%S", time_unit="us")
            .dt.replace_time_zone("UTC")
            .alias("t"),
            pl.lit(LOC, pl.Int16).alias("kind"),
            pl.col("LAT").cast(pl.Float64).alias("lat"),
            pl.col("LON").cast(pl.Float64).alias("lon"),
            pl.when(pl.col("SOG") < SOG_NA).then(pl.col("SOG").cast(pl.Float64)).alias("sog"),
        )
        .sort("card_id", "t")
    )


def truth_per_hour(fixes: pl.DataFrame) -> pl.DataFrame:
    """Per vessel-hour: ``moved_true`` (an interval ending in the hour with SOG > 0.5 kn at
    both ends), ``moved_any`` (a fix with SOG > 0.5 kn), the number of fixes and the
    SOG×dt distance of the intervals that end in the hour (as the rollup credits distance)."""
    k = "card_id"
    dt = (pl.col("t") - pl.col("t").shift(1).over(k)).dt.total_microseconds() / 1e6
    prev_sog = pl.col("sog").shift(1).over(k)
    sog_dist = (pl.col("sog") + prev_sog) / 2 * KNOT_MPS * dt
    under_way = (pl.col("sog") > PARKED_KN) & (prev_sog > PARKED_KN) & (dt <= MAX_GAP_S)
    return (
        fixes.with_columns(
            pl.col("t").dt.truncate("1h").alias("hour"),
            pl.when(dt <= MAX_GAP_S).then(sog_dist).fill_null(0.0).alias("sog_m"),
            under_way.fill_null(False).alias("under_way"),
        )
        .group_by(k, "hour")
        .agg(
            pl.col("under_way").any().alias("moved_true"),
            (pl.col("sog") > PARKED_KN).any().alias("moved_any"),
            pl.len().alias("fixes"),
            pl.col("sog_m").sum(),
        )
    )


def old_rule_per_hour(fixes: pl.DataFrame) -> pl.DataFrame:
    """The rule before issue 11: per-step distance above a 15 m floor, steps ≤ 1 h."""
    k = "card_id"
    prev_lat, prev_lon = pl.col("lat").shift(1).over(k), pl.col("lon").shift(1).over(k)
    step = haversine_m(prev_lat, prev_lon, pl.col("lat"), pl.col("lon"))
    dt = (pl.col("t") - pl.col("t").shift(1).over(k)).dt.total_microseconds() / 1e6
    return (
        fixes.with_columns(
            pl.col("t").dt.truncate("1h").alias("hour"),
            pl.when((step > OLD_FLOOR_M) & (dt <= MAX_GAP_S))
            .then(step)
            .otherwise(0.0)
            .alias("step"),
        )
        .group_by(k, "hour")
        .agg(pl.col("step").sum().alias("distance_m"))
        .with_columns((pl.col("distance_m") > 0).alias("moved"))
    )


DISAGREEMENT_CLASSES = (
    "moved_positions_still",
    "moved_no_possible_interval",
    "moved_other",
    "parked_sog_above_at_one_end",
    "parked_other",
)


def disagreements(said: pl.DataFrame, fixes: pl.DataFrame) -> pl.DataFrame:
    """The judged vessel-hours (≥ 2 fixes) where ``said`` (``card_id``, ``hour``, ``moved``)
    differs from ``truth_per_hour(fixes)``, each with a ``class`` (``DISAGREEMENT_CLASSES``)
    from its own fixes: per interval ending in the
    hour, whether a vessel could have made it (within an hour, below the detector's
    ``max_speed_mps``) and how fast the positions moved, beside what SOG says of it."""
    k = "card_id"
    limit = LocationParams().max_speed_mps
    dt = (pl.col("t") - pl.col("t").shift(1).over(k)).dt.total_microseconds() / 1e6
    step = haversine_m(
        pl.col("lat").shift(1).over(k), pl.col("lon").shift(1).over(k), pl.col("lat"), pl.col("lon")
    )
    speed = step / dt.clip(lower_bound=1.0)
    prev_sog = pl.col("sog").shift(1).over(k)
    possible = (dt <= MAX_GAP_S) & (speed <= limit)
    under_way = (pl.col("sog") > PARKED_KN) & (prev_sog > PARKED_KN) & (dt <= MAX_GAP_S)
    # the positions cover at least half of what 0.5 kn needs, their jitter included
    seen = under_way & possible & (speed >= PARKED_KN * KNOT_MPS / 2)
    per_interval = fixes.with_columns(
        pl.col("t").dt.truncate("1h").alias("hour"),
        possible.fill_null(False).alias("possible"),
        seen.fill_null(False).alias("seen"),
    )
    shown = per_interval.group_by(k, "hour").agg(pl.col("possible").any(), pl.col("seen").any())
    wrong = (
        said.select(k, "hour", "moved")
        .join(truth_per_hour(fixes), on=[k, "hour"], how="inner")
        .filter((pl.col("fixes") >= 2) & (pl.col("moved") != pl.col("moved_true")))
    )
    cls = (
        pl.when(pl.col("moved_true") & ~pl.col("possible"))
        .then(pl.lit("moved_no_possible_interval"))
        .when(pl.col("moved_true") & ~pl.col("seen"))
        .then(pl.lit("moved_positions_still"))
        .when(pl.col("moved_true"))
        .then(pl.lit("moved_other"))
        .when(pl.col("moved_any"))
        .then(pl.lit("parked_sog_above_at_one_end"))
        .otherwise(pl.lit("parked_other"))
    )
    return (
        wrong.join(shown, on=[k, "hour"], how="left")
        .with_columns(pl.col("possible", "seen").fill_null(False))
        .with_columns(cls.alias("class"))
        .select(k, "hour", "class")
        .sort(k, "hour")
    )


def _figures(per_hour: pl.DataFrame, fixes: pl.DataFrame) -> dict[str, Any]:
    """per_hour: card_id, hour, moved, distance_m, moved_true, moved_any, fixes, sog_m."""
    judged = per_hour.filter(pl.col("fixes") >= 2)
    agree = (judged["moved"] == judged["moved_true"]).mean()
    agree_any = (per_hour["moved"] == per_hour["moved_any"]).mean()
    moved = per_hour.filter(pl.col("moved_true"))
    sog_m = float(moved["sog_m"].sum())
    parked = (
        fixes.group_by("card_id")
        .agg((pl.col("sog").drop_nulls() <= PARKED_KN).all().alias("parked"))
        .filter(pl.col("parked"))
    )
    given = (
        per_hour.join(parked, on="card_id", how="semi")
        .group_by("card_id")
        .agg(pl.col("distance_m").sum())
        .filter(pl.col("distance_m") >= 300.0)
        .sort("distance_m", descending=True)
    )
    missed = judged.filter(pl.col("moved_true") & ~pl.col("moved")).height
    classes = disagreements(per_hour, fixes)["class"].value_counts()
    count = dict(zip(classes["class"].to_list(), classes["count"].to_list(), strict=True))
    false_moves = judged.filter(~pl.col("moved_true") & pl.col("moved")).height
    return {
        "hour_agreement": round(float(agree or 0.0), 4),
        "hours": judged.height,
        "hour_agreement_any_fix": round(float(agree_any or 0.0), 4),
        "hours_any_fix": per_hour.height,
        "hours_missed_moving": missed,
        "hours_false_moving": false_moves,
        "disagreements": {c: int(count.get(c, 0)) for c in DISAGREEMENT_CLASSES},
        "parked_vessels": parked.height,
        "parked_vessels_300m": given.height,
        "parked_300m_mmsi": given["card_id"].to_list()[:10],
        "moving_distance_m": round(float(moved["distance_m"].sum())),
        "sog_distance_m": round(sog_m),
        "moving_distance_error": round((float(moved["distance_m"].sum()) - sog_m) / sog_m, 4),
    }


def evaluate(csv_path: str | Path = DEV_CSV) -> dict[str, Any]:
    """Detector (through the rollup) and the old 15 m floor rule on one AIS file."""
    fixes = load_ais(csv_path)
    truth = truth_per_hour(fixes)
    started = time.perf_counter()
    rollup = hourly_usage(fixes.drop("sog"))
    seconds = time.perf_counter() - started
    new = rollup.select(
        "card_id",
        "hour",
        "distance_m",
        ((pl.col("moving_s") > 0) | (pl.col("distance_m") > 0)).alias("moved"),
    ).join(truth, on=["card_id", "hour"], how="inner")
    old = old_rule_per_hour(fixes).join(truth, on=["card_id", "hour"], how="inner")
    return {
        "file": Path(csv_path).name,
        "vessels": fixes["card_id"].n_unique(),
        "fixes": fixes.height,
        "rollup_s": round(seconds, 2),
        "detector": _figures(new, fixes),
        "old_15m_floor": _figures(old, fixes),
    }


def throughput(vehicles: int = 300, seed: int = 0) -> dict[str, Any]:
    """Speed of the detector on a day of one fix a minute per vehicle (parked with 4 m
    noise, now and then a drive), beside the old per-step rule on the same fixes."""
    rng = np.random.default_rng(seed)
    n = 1440
    drive = np.cumsum(rng.random((vehicles, n)) < 0.2, axis=1) * 3e-4  # ~33 m a moving minute
    lat = 20.0 + rng.normal(0, 4 / 111_000, (vehicles, n)) + drive
    lon = 110.3 + rng.normal(0, 4 / 104_000, (vehicles, n))
    start = pl.datetime(2026, 1, 5, time_zone="UTC")
    fixes = (
        pl.DataFrame(
            {
                "card_id": np.repeat(np.arange(vehicles), n),
                "minute": np.tile(np.arange(n), vehicles),
                "lat": lat.ravel(),
                "lon": lon.ravel(),
            }
        )
        .with_columns((start + pl.duration(minutes="minute")).alias("t"))
        .drop("minute")
    )
    started = time.perf_counter()
    locate(fixes, key=["card_id"]).collect()
    detector_s = time.perf_counter() - started
    started = time.perf_counter()
    old_rule_per_hour(fixes)
    old_s = time.perf_counter() - started
    return {
        "fixes": fixes.height,
        "detector_s": round(detector_s, 2),
        "detector_fixes_per_s": round(fixes.height / detector_s),
        "old_rule_s": round(old_s, 2),
    }


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEV_CSV
    if not path.exists():
        print(json.dumps({"skipped": f"no AIS file at {path}", "throughput": throughput()}))
        return
    print(json.dumps({**evaluate(path), "throughput": throughput()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
