"""Quality on real office-equipment power traces (tracebase), replayed as photo sensors.

Data: ``../shared/data/tracebase_office`` (read in place, never copied into the repo).
Contains information from the tracebase data set, which is made available at
http://www.tracebase.org under the Open Database License (ODbL); individual contents under
the Database Contents License (DbCL). Reinhardt et al., "On the Accuracy of Appliance
Identification Based on Distributed Load Metering Data", SustainIT 2012.

Each appliance becomes a photo sensor whose ``on`` flag is the power above the level its
README gives (PC > 20 W, monitor > 10 W, printer > 50 W, projector > 20 W). The traces'
clock is taken as China local time, so their days are the analyser's days. The reference
per day is computed here straight from the trace with numpy — each sample held until the
next one unless the gap exceeds the rollup's hold — and compared with what comes out of
PostgreSQL → refresh job → hourly rollup → daily features.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from assetpulse.monitor.core.calendar import calendar_frame
from assetpulse.monitor.core.features import daily
from assetpulse.monitor.core.rollup import RollupParams
from assetpulse.monitor.db.analyse import fetch_rollup
from assetpulse.monitor.db.refresh import refresh_rollups

DATA = Path(__file__).parents[3] / ".." / "shared" / "data" / "tracebase_office" / "complete"
DEVICES = {  # folder: (sensor id, category, watts above which the device is in use)
    "PC-Desktop": ("TB-PC", "A02010105", 20),
    "Monitor-TFT": ("TB-MON", "A0201", 10),
    "Printer": ("TB-PRN", "A020102", 50),
    "Projector": ("TB-PRJ", "A020104", 20),
}
LOCAL = timedelta(hours=8)


def _trace(folder: str) -> pl.DataFrame:
    frames = [
        pl.read_csv(
            f,
            separator=";",
            has_header=False,
            new_columns=["ts", "p1", "p8"],
            schema_overrides={"ts": pl.String, "p1": pl.Int64, "p8": pl.Int64},
        )
        for f in sorted((DATA / folder).glob("*.csv"))
    ]
    return (
        pl.concat(frames)
        .with_columns(pl.col("ts").str.to_datetime("%d/%m/%Y %H:%M:%S").alias("local"))
        .unique("local", keep="first")
        .sort("local")
    )


def _reference(local: np.ndarray, on: np.ndarray, hold_s: float) -> pl.DataFrame:
    """Per local day: in-use hours and off→on sessions, straight from the samples."""
    secs = local.astype("datetime64[s]").astype(np.int64)
    dt = np.diff(secs).astype(float)
    held = dt <= hold_s
    use = np.where(held & on[:-1], dt, 0.0)
    start = np.concatenate([on[:1], on[1:] & ~(on[:-1] & held)])
    day = secs // 86_400
    return (
        pl.DataFrame({"day": day[:-1], "use_s": use})
        .group_by("day")
        .agg(pl.col("use_s").sum())
        .join(
            pl.DataFrame({"day": day, "start": start}).group_by("day").agg(pl.col("start").sum()),
            on="day",
            how="full",
            coalesce=True,
        )
        .select(
            pl.col("day").cast(pl.Int32),
            (pl.col("use_s").fill_null(0.0) / 3600).alias("ref_h"),
            pl.col("start").fill_null(0).alias("ref_sessions"),
        )
    )


@pytest.mark.skipif(not DATA.is_dir(), reason="tracebase data not present")
def test_tracebase_traces_when_replayed_then_daily_hours_and_sessions_within_5_percent(
    db, monitor_world
):
    db.execute("select ensure_reading_partitions('2011-11-01', '2012-01-31')")
    params = RollupParams()
    refs, cards = [], {}
    for folder, (sensor, category, watts) in DEVICES.items():
        trace = _trace(folder)
        card = monitor_world.card(folder, category)
        cards[card] = folder
        monitor_world.bind(sensor, "photo", card, datetime(2011, 1, 1, tzinfo=UTC))
        on = trace["p1"] > watts
        monitor_world.write(
            pl.DataFrame(
                {
                    "sensor_id": sensor,
                    "t": (trace["local"] - LOCAL).dt.replace_time_zone("UTC"),
                    "kind": 1,
                    "on_state": on,
                    "lux": None,
                }
            ),
            fresh=True,
        )
        ref = _reference(trace["local"].to_numpy(), on.to_numpy(), params.hold_s)
        refs.append(ref.with_columns(pl.lit(card).alias("card_id")))
    refresh_rollups(db, params=params, lag=timedelta(0))
    t0, t1 = datetime(2011, 11, 1, tzinfo=UTC), datetime(2012, 2, 1, tzinfo=UTC)
    rollup = fetch_rollup(db, t0, t1)
    cal = calendar_frame(t0.date(), t1.date())
    got = daily(rollup.lazy(), cal).collect()
    x = (
        pl.concat(refs)
        .join(got, on=["card_id", "day"], how="left")
        .with_columns(pl.col("card_id").replace_strict(cards).alias("device"))
    )
    assert x["use_h"].null_count() == 0
    busy = x.filter(pl.col("ref_h") >= 0.05)
    hours_err = ((busy["use_h"] - busy["ref_h"]).abs() / busy["ref_h"]).max()
    with_sessions = x.filter(pl.col("ref_sessions") > 0)
    session_err = (
        (with_sessions["sessions"] - with_sessions["ref_sessions"]).abs()
        / with_sessions["ref_sessions"]
    ).max()
    quiet = x.filter(pl.col("ref_h") < 0.05)
    print(
        f"\ntracebase: {x.height} device-days, max daily hours error {hours_err:.4f},"
        f" max daily sessions error {session_err:.4f},"
        f" total hours {x['use_h'].sum():.2f} vs {x['ref_h'].sum():.2f}"
    )
    assert hours_err <= 0.05
    assert session_err <= 0.05
    assert (quiet["use_h"] - quiet["ref_h"]).abs().max() <= 0.05 * 0.05 + 0.01
