"""Real light meters that nobody here wrote, as photo readings with their truth.

- UCI Occupancy Detection, training file (office in Mons, Belgium, 1-minute samples; light,
  temperature, occupancy from photographs). L. M. Candanedo, V. Feldheim, Energy and
  Buildings 112 (2016) 28–39; github.com/LuisM78/Occupancy-detection-data.
- UCI Room Occupancy Estimation (four desk nodes, 30 s, occupant count). A. P. Singh et al.,
  IEEE Globecom Workshops 2018; UCI dataset 864 (CC BY 4.0 as listed by UCI).
Read in place from ``../shared/data`` (never copied into the repository); see each README.
The truth column is only ever used to score, never to calibrate.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
UCI_TRAIN = DATA / "uci_occupancy_train" / "datatraining.txt"
ROOM_ESTIMATION = DATA / "room_occupancy_estimation" / "Occupancy_Estimation.csv"
# Where the rooms are (for the sun): Mons, Belgium (UMONS), and IIIT Hyderabad, India,
# the authors' institutions; the timestamps are local time there (UTC+1, UTC+5:30).
MONS = (50.45, 3.95)
HYDERABAD = (17.445, 78.349)


def uci_office() -> tuple[pl.DataFrame, pl.DataFrame]:
    """(readings ``sensor_id, t, lux, temp_c, truth``, sites) of the UCI office."""
    df = pl.read_csv(
        UCI_TRAIN,
        has_header=False,
        skip_rows=1,
        new_columns=["row", "date", "temp_c", "humidity", "lux", "co2", "ratio", "occupancy"],
    )
    readings = df.select(
        pl.lit("UCI-LX").alias("sensor_id"),
        (pl.col("date").str.to_datetime() - pl.duration(hours=1))
        .dt.replace_time_zone("UTC")
        .alias("t"),
        pl.col("lux").cast(pl.Float64),
        pl.col("temp_c").cast(pl.Float64),
        (pl.col("occupancy") == 1).alias("truth"),
    )
    return readings, pl.DataFrame({"sensor_id": ["UCI-LX"], "lat": [MONS[0]], "lon": [MONS[1]]})


def desk_room() -> tuple[pl.DataFrame, pl.DataFrame]:
    """(readings of the four desk light meters ``S1..S4`` with the room's truth, sites)."""
    df = pl.read_csv(ROOM_ESTIMATION).with_columns(
        (
            (pl.col("Date") + " " + pl.col("Time")).str.to_datetime("%d-%m-%Y %H:%M:%S")
            - pl.duration(hours=5, minutes=30)
        )
        .dt.replace_time_zone("UTC")
        .alias("t")
    )
    parts = [
        df.select(
            pl.lit(f"ROE-S{k}").alias("sensor_id"),
            "t",
            pl.col(f"S{k}_Light").cast(pl.Float64).alias("lux"),
            pl.col(f"S{k}_Temp").cast(pl.Float64).alias("temp_c"),
            (pl.col("Room_Occupancy_Count") >= 1).alias("truth"),
        )
        for k in range(1, 5)
    ]
    ids = [f"ROE-S{k}" for k in range(1, 5)]
    sites = pl.DataFrame({"sensor_id": ids, "lat": [HYDERABAD[0]] * 4, "lon": [HYDERABAD[1]] * 4})
    return pl.concat(parts), sites


def every_nth(readings: pl.DataFrame, n: int) -> pl.DataFrame:
    """A slower meter: every ``n``-th sample of each sensor."""
    if n <= 1:
        return readings
    return (
        readings.sort("sensor_id", "t")
        .with_columns(pl.int_range(pl.len()).over("sensor_id").alias("_i"))
        .filter(pl.col("_i") % n == 0)
        .drop("_i")
    )
