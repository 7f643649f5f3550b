"""When it is dark at an asset's place (天黑时段): the sun 3° or more below the horizon.

Indoors, daylight is then well under a lux (outdoors ~30 lux at 3° below the horizon, a
room gets a few per cent of it), so whatever a light meter reads above its floor is lamps.
Dawn and dusk come from ``astral`` (NOAA's solar equations, maintained, pure Python, no
dependencies): one call per site and day, not per reading, so a year of a thousand sites
costs well under a second; readings are then compared with their day's dawn and dusk in
polars. At latitudes where the sun stays up or down all day astral raises: the day is then
all light or all dark by the sun's noon elevation.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import polars as pl
from astral import Observer
from astral.sun import dawn, dusk, elevation

DEPRESSION_DEG = 3.0
SITE_SCHEMA: dict[str, pl.DataType | type[pl.DataType]] = {
    "sensor_id": pl.String,
    "lat": pl.Float64,
    "lon": pl.Float64,
}


def _dark_hours(lat: float, lon: float, day: date) -> tuple[datetime, datetime]:
    """(dawn, dusk) in UTC of the local solar ``day``; dawn = dusk when it never gets light."""
    obs = Observer(latitude=lat, longitude=lon)
    # astral gives the events of ``day`` in the zone it is handed: the site's solar zone, so
    # that dawn and dusk belong to the same local day (in UTC, Hainan's dawn is the eve's)
    solar = timezone(timedelta(hours=round(lon / 15)))
    try:
        return (
            dawn(obs, day, depression=DEPRESSION_DEG, tzinfo=solar).astimezone(UTC),
            dusk(obs, day, depression=DEPRESSION_DEG, tzinfo=solar).astimezone(UTC),
        )
    except ValueError:
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC) - timedelta(hours=lon / 15)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=lon / 15)
        if elevation(obs, noon) > -DEPRESSION_DEG:  # polar day: light all day
            return start, start + timedelta(days=1)
        return noon, noon  # polar night


def dark_mask(readings: pl.DataFrame, sites: pl.DataFrame) -> pl.Series:
    """For each row of ``readings`` (``sensor_id, t``), whether it was dark at its sensor's
    site (``sites``: ``sensor_id, lat, lon``). Sensors without a site are never dark."""
    lon_h = pl.col("lon") / 15.0
    keyed = (
        readings.select("sensor_id", "t")
        .with_row_index("_row")
        .join(sites.select(SITE_SCHEMA.keys()), on="sensor_id", how="left")
        .with_columns(
            (pl.col("t") + pl.duration(seconds=(lon_h * 3600).fill_null(0).cast(pl.Int64)))
            .dt.date()
            .alias("solar_day")
        )
    )
    days = keyed.drop_nulls("lat").select("lat", "lon", "solar_day").unique()
    rows = [(lat, lon, d, *_dark_hours(lat, lon, d)) for lat, lon, d in days.iter_rows()]
    table = pl.DataFrame(
        rows,
        schema={
            "lat": pl.Float64,
            "lon": pl.Float64,
            "solar_day": pl.Date,
            "dawn": pl.Datetime("us", "UTC"),
            "dusk": pl.Datetime("us", "UTC"),
        },
        orient="row",
    )
    out = keyed.join(table, on=["lat", "lon", "solar_day"], how="left").sort("_row")
    dark = (pl.col("t") < pl.col("dawn")) | (pl.col("t") >= pl.col("dusk"))
    return out.select(dark.fill_null(False).alias("dark"))["dark"]
