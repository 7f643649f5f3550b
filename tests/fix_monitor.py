"""Monitor fixtures: cards with bound sensors in a test database, readings written by COPY.

The monitor does not need the ingest worker to test its rollups: readings go straight into
``readings`` (with the ``received_at`` a test chooses, to play late delivery).
"""

from __future__ import annotations

import io
import itertools
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl
import psycopg
import pytest

READING_COLUMNS = (
    "sensor_id",
    "t",
    "kind",
    "gateway_id",
    "on_state",
    "lux",
    "on_ms",
    "cyc",
    "temp_c",
    "lat",
    "lon",
    "acc",
    "zone",
    "flags",
)

_codes = itertools.count(1)


@dataclass
class MonitorWorld:
    """Makes cards and sensors in one test database; ``units`` maps demo unit codes to ids."""

    url: str
    units: dict[str, int]
    cards: dict[str, int] = field(default_factory=dict)

    def card(
        self,
        name: str,
        category: str,
        *,
        unit: str = "U460001",
        status: str = "in_use",
        shareable: bool = False,
    ) -> int:
        code = f"MON-{next(_codes):05d}"
        with psycopg.connect(self.url) as conn:
            row = conn.execute(
                "insert into asset_cards (asset_code, name, category_code, unit_id, status,"
                " shareable) values (%s, %s, %s, %s, %s, %s) returning id",
                (code, name, category, self.units[unit], status, shareable),
            ).fetchone()
        assert row is not None
        self.cards[name] = int(row[0])
        return int(row[0])

    def bind(self, sensor_id: str, kind: str, card_id: int, since: datetime) -> None:
        with psycopg.connect(self.url) as conn:
            conn.execute(
                "insert into sensors (sensor_id, kind) values (%s, %s) on conflict do nothing",
                (sensor_id, kind),
            )
            conn.execute(
                "insert into sensor_bindings (sensor_id, card_id, valid)"
                " values (%s, %s, tstzrange(%s, null))",
                (sensor_id, card_id, since),
            )

    def write(
        self, readings: pl.DataFrame, *, received_at: datetime | None = None, fresh: bool = False
    ) -> int:
        """COPY readings (columns as in ``readings``; missing ones null) with ON CONFLICT
        semantics of ingest: a reading already stored is kept as it was. ``fresh``: the
        caller vouches that none is stored yet (COPY straight in, much faster)."""
        return write_readings(self.url, readings, received_at=received_at, fresh=fresh)


def write_readings(
    url: str, readings: pl.DataFrame, *, received_at: datetime | None, fresh: bool = False
) -> int:
    df = readings
    for col in READING_COLUMNS:
        if col not in df.columns:
            df = df.with_columns(pl.lit(None).alias(col))
    df = df.with_columns(
        pl.col("gateway_id").fill_null("GW-TEST"), pl.col("flags").fill_null(0)
    ).select(READING_COLUMNS)
    cols = ", ".join(READING_COLUMNS)
    buf = io.BytesIO()
    df.write_csv(buf, include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%.f%:z")
    with psycopg.connect(url) as conn, conn.transaction():
        conn.execute("create temp table incoming (like readings including defaults) on commit drop")
        with (
            conn.cursor() as cur,
            cur.copy(f"copy incoming ({cols}) from stdin (format csv)") as copy,
        ):
            copy.write(buf.getvalue())
        stamp: Any = received_at
        cur = conn.execute(
            f"insert into readings ({cols}, received_at)"
            f" select {cols}, coalesce(%s, now()) from incoming on conflict do nothing",
            (stamp,),
        )
        return cur.rowcount


@pytest.fixture
def monitor_world(db_url: str, demo_units: dict[str, int]) -> MonitorWorld:
    return MonitorWorld(db_url, demo_units)


_KIND = {"photo": 1, "temp": 2, "loc": 3}


def _ms(t: Any) -> int:
    if isinstance(t, int):
        return t
    return int(datetime.fromisoformat(str(t).replace("Z", "+00:00")).timestamp() * 1000)


def sim_readings(fleet: Any, **stream_options: Any) -> pl.DataFrame:
    """The valid readings a correct ingest stores from the fleet's publishes (faults and
    all): malformed envelopes and invalid readings left out, duplicates stored once, and
    clock-skewed samples flagged (bit 0) as ingest flags times in the future."""
    stream = fleet.messages(**stream_options)
    cols: dict[str, list[Any]] = {c: [] for c in READING_COLUMNS if c != "flags"}
    cols["t_ms"] = cols.pop("t")
    for m in stream:
        if m.malformed is not None:
            continue
        bad = set(m.invalid)
        for i, r in enumerate(json.loads(m.payload)["readings"]):
            if i in bad:
                continue
            cols["sensor_id"].append(r["s"])
            cols["t_ms"].append(_ms(r["t"]))
            cols["kind"].append(_KIND[r["k"]])
            cols["gateway_id"].append(m.gateway_id)
            cols["on_state"].append(r.get("on"))
            cols["lux"].append(r.get("lux"))
            cols["on_ms"].append(r.get("on_ms"))
            cols["cyc"].append(r.get("cyc"))
            cols["temp_c"].append(r.get("c"))
            cols["lat"].append(r.get("lat"))
            cols["lon"].append(r.get("lon"))
            cols["acc"].append(r.get("acc"))
            cols["zone"].append(r.get("zone"))
    skewed = stream.accounting.skewed_keys
    df = pl.DataFrame(cols, strict=False)
    flags = [1 if k in skewed else 0 for k in zip(cols["sensor_id"], cols["t_ms"], strict=True)]
    return (
        df.with_columns(
            pl.from_epoch("t_ms", time_unit="ms").dt.replace_time_zone("UTC").alias("t"),
            pl.Series("flags", flags, dtype=pl.Int16),
        )
        .drop("t_ms")
        .unique(subset=["sensor_id", "t"], keep="first", maintain_order=True)
    )


def register_fleet(world: MonitorWorld, fleet: Any, since: datetime) -> dict[str, int]:
    """A card per simulated asset (unit 海南大学), its sensors bound from ``since``."""
    ids: dict[str, int] = {}
    with psycopg.connect(world.url) as conn, conn.transaction():
        for a in fleet.assets:
            row = conn.execute(
                "insert into asset_cards (asset_code, name, category_code, unit_id)"
                " values (%s, %s, %s, %s) returning id",
                (a.asset_code, a.name, a.category_code, world.units["U460001"]),
            ).fetchone()
            assert row is not None
            ids[a.asset_code] = int(row[0])
            for s in a.sensors:
                conn.execute(
                    "insert into sensors (sensor_id, kind) values (%s, %s)", (s.sensor_id, s.kind)
                )
                conn.execute(
                    "insert into sensor_bindings (sensor_id, card_id, valid)"
                    " values (%s, %s, tstzrange(%s, null))",
                    (s.sensor_id, row[0], since),
                )
    return ids
