"""Location detector on real vessel tracks (AIS), with the vessels' own speed over ground as
the truth (SOG ≤ 0.5 kn parked): wild fixes add no distance, moored jitter stays under
300 m, a slow mover counts as moving.

Data: ``../shared/data/ais_dev`` (read in place, never copied into the repository): US Coast
Guard AIS records distributed by MarineCadastre.gov (2022-01-03), as packaged in the R
package github.com/mincisun5296/VesselSummaryAIS (declared GPL ≥ 3); see its README. Only
the development half of the vessels is here; nothing is fitted to it.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from assetpulse.monitor.core.detectors.location import haversine_m, locate

AIS = Path(__file__).resolve().parents[3] / ".." / "shared" / "data" / "ais_dev" / "AISdata_dev.csv"
KNOT_MPS = 1852.0 / 3600.0
pytestmark = pytest.mark.skipif(not AIS.is_file(), reason="AIS dev data not present")


@pytest.fixture(scope="module")
def fixes() -> pl.DataFrame:
    """One fix per (vessel, time), the first in the file (as ingest keeps it)."""
    raw = pl.read_csv(AIS, columns=["MMSI", "BaseDateTime", "LAT", "LON", "SOG"])
    return (
        raw.unique(["MMSI", "BaseDateTime"], keep="first", maintain_order=True)
        .select(
            pl.col("MMSI").cast(pl.String).alias("sensor_id"),
            pl.col("BaseDateTime").str.to_datetime(time_zone="UTC", time_unit="us").alias("t"),
            pl.col("LAT").alias("lat"),
            pl.col("LON").alias("lon"),
            pl.when(pl.col("SOG") < 102.3).then(pl.col("SOG")).alias("sog"),  # 102.3: n/a
        )
        .sort("sensor_id", "t")
    )


def _vessel(fixes: pl.DataFrame, mmsi: str) -> pl.DataFrame:
    return fixes.filter(pl.col("sensor_id") == mmsi)


def _distance(track: pl.DataFrame) -> float:
    return float(locate(track.drop("sog")).collect()["step_m"].sum())


def _with_wild_latitude(track: pl.DataFrame, index: int) -> pl.DataFrame:
    """The issue's wild fix: latitude 7.6… instead of 47.6…"""
    return track.with_columns(
        pl.when(pl.int_range(pl.len()) == index % track.height)
        .then(pl.col("lat") - 40.0)
        .otherwise(pl.col("lat"))
    )


@pytest.mark.parametrize("index", [0, 10, -1])
def test_moored_vessel_when_one_latitude_made_wild_then_no_distance_added(fixes, index):
    # a vessel moored in Seattle (47.63 N), SOG 0 at all of its 20 fixes
    track = _vessel(fixes, "338526000")
    assert track.height == 20
    assert track["lat"].min() > 47.6
    wild = _with_wild_latitude(track, index)
    got = locate(wild.drop("sog")).collect()
    assert not got["valid"][index % track.height]
    assert got["valid"].sum() == track.height - 1
    assert got["step_m"].sum() == pytest.approx(_distance(track), abs=5.0)
    assert got["step_m"].sum() < 300.0


@pytest.mark.parametrize(
    ("mmsi", "what"),
    [
        ("338301504", "one fix 124 km away and back, 3 minutes each way"),
        ("367661930", "a fix 8.9 km away one second after the first"),
        ("211002010", "an MMSI shared by a boat in Alabama and one in California"),
        ("367654040", "1,394 km in 203 s, then stays there: no side is the odd one"),
    ],
)
def test_real_wild_fixes_when_in_the_file_then_parked_vessel_gets_no_distance(fixes, mmsi, what):
    track = _vessel(fixes, mmsi)
    assert (track["sog"] <= 0.5).all()  # parked all along, by its own speed over ground
    assert _distance(track) < 300.0, what


def test_moored_vessels_when_gps_jitter_then_each_under_300m(fixes):
    """Every vessel parked at every fix gets < 300 m, unless its own fixes end up ≥ 300 m
    from where they began (the positions, not the detector, say it moved)."""
    parked = fixes.group_by("sensor_id").agg(
        (pl.col("sog").drop_nulls() <= 0.5).all().alias("parked"), pl.len().alias("n")
    )
    ids = parked.filter(pl.col("parked") & (pl.col("n") >= 3))["sensor_id"]
    track = fixes.filter(pl.col("sensor_id").is_in(ids.implode()))
    got = locate(track.drop("sog")).collect()
    per_vessel = got.group_by("sensor_id").agg(
        pl.col("step_m").sum().alias("distance"),
        haversine_m(
            pl.col("lat").filter("valid").head(3).median(),
            pl.col("lon").filter("valid").head(3).median(),
            pl.col("lat").filter("valid").tail(3).median(),
            pl.col("lon").filter("valid").tail(3).median(),
        ).alias("displaced"),
    )
    assert per_vessel.height > 3900
    given = per_vessel.filter(pl.col("distance") >= 300.0)
    assert given.filter(pl.col("displaced") < 300.0).height == 0, given
    assert given.height <= 3  # e.g. a barge towed at 3.8 m/s whose AIS reports SOG 0


@pytest.mark.parametrize("mmsi", ["255805803", "636016093"])
def test_slow_mover_when_under_way_below_a_knot_then_moving_and_distance_as_sog(fixes, mmsi):
    # 0.6–0.7 kn all along: ~500 m in 20 minutes
    track = _vessel(fixes, mmsi)
    assert track["sog"].is_between(0.5, 0.8, closed="right").all()
    got = locate(track.drop("sog")).collect()
    assert got["moving"].tail(-1).mean() >= 0.8
    dt = track["t"].diff().dt.total_seconds().drop_nulls().to_numpy()
    sog = track["sog"].to_numpy()
    sog_m = float(((sog[1:] + sog[:-1]) / 2 * KNOT_MPS * dt).sum())
    assert float(got["step_m"].sum()) == pytest.approx(sog_m, rel=0.15)


def test_locate_when_many_vessels_in_one_shuffled_frame_then_each_as_if_located_alone(fixes):
    # the detector numbers the tracks once and groups its windows by that number: tracks
    # of a two-column key (a vessel on two cards, cards holding several vessels), rows in
    # any order, get what each track gets on its own
    some = fixes["sensor_id"].unique().sort().gather_every(25).to_list()
    assert len(some) >= 20
    tracks = (
        fixes.filter(pl.col("sensor_id").is_in(some))
        .drop("sog")
        .with_columns((pl.col("sensor_id").str.slice(-1).cast(pl.Int64) % 3).alias("card_id"))
    )
    twice = pl.concat([tracks, tracks.with_columns(pl.col("card_id") + 10)])
    key = ["card_id", "sensor_id"]
    together = locate(twice.sample(fraction=1.0, shuffle=True, seed=7), key).collect()
    alone = pl.concat(
        [locate(g, key).collect() for _, g in twice.group_by(key, maintain_order=True)]
    ).sort(*key, "t")
    assert together["step_m"].sum() > 0
    assert together["moving"].any()
    assert_frame_equal(together.sort(*key, "t"), alone, check_exact=True)


def test_shared_source_when_a_step_joins_the_places_of_an_impossible_jump_then_no_distance(
    fixes,
):
    # 371218000 (SOG 0.2-0.8 kn): its first fix, then 1 s later one 4.6 km away (a second
    # source, or a wild first fix), then 70 s later a fix 32 m from that one: 4.6 km in
    # 70 s is possible (65 m/s), but it joins the two places the track just jumped between
    # faster than any vessel. Before: 4,631 m credited.
    track = _vessel(fixes, "371218000")
    assert (track["sog"] <= 0.8).all()
    assert _distance(track) < 300.0
