"""Detector quality on real sensors, through the real pipeline (issue 11).

Each shared data set is published by MQTT (QoS 1, the v1 telemetry contract) to a private
Mosquitto, stored by ``assetpulse ingest``, rolled up by the refresh job (which learns each
light meter's calibration from its own readings) and read back through the usage API at
its finest bucket (``bucket=minute``). Then, per set:

- rooms (UCI office 1-min light; UCI four-desk room 30 s, occupied = count ≥ 1):
  per-minute agreement with the truth, usage-hours error, session-count error;
- vessels (AIS dev half): moved/parked agreement per vessel-hour, parked vessels given
  ≥ 300 m, moving-distance error (against SOG × dt), via ``detect_ais``'s truth.

Side by side in the same run, on the same readings: a fixed 100-lx threshold, the best
fixed threshold for that file (found on its truth: an oracle no deployment has), and the
detector as it was before issue 11 (its rollup code loaded from git at ``BEFORE``).

Timestamps are moved forward by whole 52-week periods so that the ingest's maximum reading
age (390 days by default) accepts them: weekday and time of day are kept, the sun is the
sun of the shifted date at each set's real place. Data: ``../shared/data`` (attribution in
each README and in tests/fix_real_sensors.py). Last line printed: one JSON object.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
import types
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import paho.mqtt.client as mqtt
import polars as pl
import psycopg
from fastapi.testclient import TestClient
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from tests.fix_real_sensors import HYDERABAD, MONS, desk_room, uci_office  # noqa: E402

import detect_ais  # noqa: E402
from assetpulse.db.migrate import apply_migrations  # noqa: E402
from assetpulse.localservices import MosquittoProcess, postgres_from  # noqa: E402
from assetpulse.monitor.core.baselines import sensor_baselines  # noqa: E402
from assetpulse.monitor.db.refresh import refresh_baselines, refresh_rollups  # noqa: E402
from assetpulse.org.seed import DEMO_PASSWORD, seed_demo_org  # noqa: E402
from assetpulse.platform.api import create_app  # noqa: E402
from assetpulse.settings import Settings  # noqa: E402

BEFORE = "ec14ea9"  # main before issue 11's detector
WEEK52 = timedelta(days=364)
JWT = "bench-detect-" + "k" * 32
BINDINGS_REFRESH_S = 30  # ingest.guards.BindingCache's default


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


def shift_for(t0: datetime, t1: datetime, now: datetime) -> timedelta:
    """Whole 52-week periods that bring [t0, t1] within the last 380 days."""
    k = 0
    while t0 + k * WEEK52 < now - timedelta(days=380):
        k += 1
    assert t1 + k * WEEK52 <= now, "data set longer than the ingest's age window"
    return k * WEEK52


# --- the pipeline ------------------------------------------------------------------------


class Pipeline:
    """A private PostgreSQL and Mosquitto, the demo organisation, one ingest worker."""

    def __init__(self, tmp: Path) -> None:
        self.pg = postgres_from(tmp / "pg")
        self.pg.init()
        self.pg.start()
        self.url = self.pg.url("postgres")
        apply_migrations(self.url)
        self.units = seed_demo_org(self.url)
        self.broker = MosquittoProcess(tmp / "mq")
        self.broker.start()
        env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETPULSE_")}
        env.update(
            ASSETPULSE_DATABASE_URL=self.url,
            ASSETPULSE_MQTT_URL=self.broker.url,
            ASSETPULSE_INGEST_CLIENT_ID="bench-detect",
            ASSETPULSE_INGEST_METRICS_PORT="0",
            ASSETPULSE_JWT_SECRET=JWT,
        )
        self.log = tmp / "ingest.log"
        with self.log.open("wb") as out:
            self.worker = subprocess.Popen(
                [sys.executable, "-c", "from assetpulse.cli import main; main()", "ingest"],
                env=env, stdout=out, stderr=out,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while "subscribed" not in self.log.read_text(errors="replace"):
            if time.monotonic() > deadline or self.worker.poll() is not None:
                raise RuntimeError(self.log.read_text(errors="replace")[-2000:])
            time.sleep(0.1)

    def close(self) -> None:
        self.worker.terminate()
        self.worker.wait(60)
        self.broker.stop()
        self.pg.stop()

    def register(
        self, gateway: str, cards: dict[str, list[tuple[str, str]]], site: tuple[float, float]
    ) -> dict[str, int]:
        """Cards (name → [(sensor_id, kind)]) of 海南大学 with their sensors on ``gateway``."""
        ids = {}
        since = datetime(2000, 1, 1, tzinfo=UTC)
        with psycopg.connect(self.url) as conn:
            for i, (name, sensors) in enumerate(cards.items()):
                category = "A0101" if gateway != "GW-AIS" else "A0203"
                row = conn.execute(
                    "insert into asset_cards (asset_code, name, category_code, unit_id, status)"
                    " values (%s, %s, %s, %s, 'in_use') returning id",
                    (f"{gateway}-{i:05d}", name, category, self.units["U460001"]),
                ).fetchone()
                assert row is not None
                ids[name] = int(row[0])
                for sensor_id, kind in sensors:
                    conn.execute(
                        "insert into sensors (sensor_id, kind, gateway_id, lat, lon)"
                        " values (%s, %s, %s, %s, %s)",
                        (sensor_id, kind, gateway, *site),
                    )
                    conn.execute(
                        "insert into sensor_bindings (sensor_id, card_id, valid)"
                        " values (%s, %s, tstzrange(%s, null))",
                        (sensor_id, row[0], since),
                    )
        # the worker re-reads bindings every 30 s; until then new sensors count as unbound
        # (and a gateway's new unbound ids are rate-limited)
        time.sleep(BINDINGS_REFRESH_S + 5)
        return ids

    def publish(self, gateway: str, readings: list[dict[str, Any]]) -> int:
        """Publish at QoS 1 in messages of up to 100 readings; returns distinct keys sent."""
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"pub-{gateway}")
        client.connect("127.0.0.1", self.broker.port)
        client.loop_start()
        topic = f"assetpulse/v1/gw/{gateway}/up"
        pending = []
        for seq, i in enumerate(range(0, len(readings), 100)):
            body = {"v": 1, "gw": gateway, "seq": seq, "readings": readings[i : i + 100]}
            pending.append(client.publish(topic, orjson.dumps(body), qos=1))
            if len(pending) >= 500:
                for p in pending:
                    p.wait_for_publish(60)
                pending.clear()
        for p in pending:
            p.wait_for_publish(60)
        client.loop_stop()
        client.disconnect()
        return len({(r["s"], r["t"]) for r in readings})

    def wait_stored(self, gateway: str, expected: int, timeout: float = 900) -> None:
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.url, autocommit=True) as conn:
            while time.monotonic() < deadline:
                row = conn.execute(
                    "select count(*) from readings where gateway_id = %s", (gateway,)
                ).fetchone()
                if row and row[0] >= expected:
                    return
                time.sleep(0.5)
        raise RuntimeError(f"{gateway}: stored fewer than {expected} readings in {timeout} s")

    def roll_up(self, until: datetime, days: int) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            refresh_baselines(conn, until=until, days=days)
            refresh_rollups(conn, lag=timedelta(0))


def usage_minutes(api: TestClient, headers: dict[str, str], card: int, t0: datetime,
                  t1: datetime) -> pl.DataFrame:  # fmt: skip
    """The usage API's minute buckets of one card over [t0, t1), two days per request."""
    rows: list[dict[str, Any]] = []
    start = t0.replace(second=0, microsecond=0)
    while start < t1:
        end = min(start + timedelta(days=2), t1)
        r = api.get(
            f"/api/v1/assets/{card}/usage",
            params={"from": start.isoformat(), "to": end.isoformat(), "bucket": "minute"},
            headers=headers,
        )
        r.raise_for_status()
        rows += r.json()["items"]
        start = end
    return pl.DataFrame(
        [
            {
                "minute": datetime.fromisoformat(b["start"]).astimezone(UTC),
                "in_use_s": b["in_use_s"],
                "sessions": b["sessions"],
                "moving_s": b["moving_s"],
                "distance_m": b["distance_m"],
            }
            for b in rows
        ],
        schema={
            "minute": pl.Datetime("us", "UTC"),
            "in_use_s": pl.Float64,
            "sessions": pl.Int64,
            "moving_s": pl.Float64,
            "distance_m": pl.Float64,
        },
        orient="row",
    )


# --- rooms -------------------------------------------------------------------------------


def _load_before() -> types.ModuleType:
    """The rollup module as it was at ``BEFORE`` (pure polars: no other project import)."""
    src = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{BEFORE}:src/assetpulse/monitor/rollup.py"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    spec = importlib.util.spec_from_loader("rollup_before", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["rollup_before"] = module  # dataclasses look their module up there
    exec(compile(src, "rollup_before", "exec"), module.__dict__)
    return module


def _before_states(readings: pl.DataFrame) -> pl.DataFrame:
    """Per photo sample, the old detector's lamps-on (its baseline: a low quantile per hour
    of day; its temperature gate), from its own code."""
    old = _load_before()
    r = readings.with_columns(pl.lit(1, pl.Int64).alias("card_id"))
    base = sensor_baselines(r)  # unchanged since then: a low quantile per local hour of day
    typed = r.select(
        [
            (pl.col(c) if c in r.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in old.READING_SCHEMA.items()
        ]
    )
    bl = base.select([pl.col(c).cast(t) for c, t in old.BASELINE_SCHEMA.items()])
    iv = old.intervals(typed.lazy(), bl.lazy(), old.RollupParams()).collect()
    # on_s of the interval a sample closes is the state the previous sample had
    return (
        iv.filter(pl.col("kind") == 1)
        .sort("sensor_id", "t")
        .select(
            "sensor_id",
            pl.col("t_prev").alias("t"),
            (pl.col("on_s") > 0).alias("on"),
        )
        .drop_nulls("t")
    )


def _minute_truth(readings: pl.DataFrame) -> pl.DataFrame:
    return (
        readings.group_by(pl.col("t").dt.truncate("1m").alias("minute"))
        .agg(pl.col("truth").mean() >= 0.5)
        .sort("minute")
    )


def _sessions(on: pl.Series) -> int:
    s = on.cast(pl.Int8)
    return int(((s.diff() == 1).sum() or 0) + int(s[0] == 1 if s.len() else 0))


def _room_scores(truth: pl.DataFrame, said: pl.DataFrame) -> dict[str, float]:
    """truth: minute, truth; said: minute, on (minutes with data only)."""
    j = truth.join(said, on="minute", how="left").with_columns(pl.col("on").fill_null(False))
    hours_true = j["truth"].sum() / 60
    hours_said = j["on"].sum() / 60
    st, ss = _sessions(j["truth"]), _sessions(j["on"])
    return {
        "minute_agreement": round(float((j["truth"] == j["on"]).mean() or 0.0), 4),
        "hours_true": round(hours_true, 2),
        "hours_error": round((hours_said - hours_true) / hours_true, 4),
        "sessions_true": st,
        "session_error": round((ss - st) / max(st, 1), 4),
    }


def _threshold_states(readings: pl.DataFrame, lux: float) -> pl.DataFrame:
    return readings.select(
        pl.col("t").dt.truncate("1m").alias("minute"), "sensor_id", (pl.col("lux") > lux)
    )


def _any_sensor(states: pl.DataFrame, col: str) -> pl.DataFrame:
    return states.group_by("minute").agg(pl.col(col).any().alias("on"))


def room_set(
    pipe: Pipeline, api: TestClient, headers: dict[str, str], name: str,
    readings: pl.DataFrame, site: tuple[float, float], now: datetime,
) -> dict[str, Any]:  # fmt: skip
    shift = shift_for(readings["t"].min(), readings["t"].max(), now)
    r = readings.with_columns(pl.col("t") + shift)
    gateway = f"GW-{name.upper()}"
    light = r["sensor_id"].unique().sort().to_list()
    sensors = [(s, "photo") for s in light]
    if "temp_c" in r.columns:  # the room's thermometers (the old detector gated on them)
        sensors += [(f"{s}-T", "temp") for s in light]
    card = pipe.register(gateway, {name: sensors}, site)[name]
    msgs = [
        {"s": s, "k": "photo", "t": int(t.timestamp() * 1000), "lux": lux}
        for s, t, lux in r.select("sensor_id", "t", "lux").iter_rows()
    ]
    if "temp_c" in r.columns:
        msgs += [
            {"s": f"{s}-T", "k": "temp", "t": int(t.timestamp() * 1000), "c": c}
            for s, t, c in r.select("sensor_id", "t", "temp_c").iter_rows()
        ]
    t0 = time.monotonic()
    expected = pipe.publish(gateway, msgs)
    pipe.wait_stored(gateway, expected)
    stored_s = time.monotonic() - t0
    t_first, t_last = r["t"].min(), r["t"].max()
    pipe.roll_up(t_last + timedelta(hours=1), days=(t_last - t_first).days + 2)
    minutes = usage_minutes(api, headers, card, t_first, t_last + timedelta(minutes=1))
    truth = _minute_truth(r.filter(pl.col("sensor_id") == light[0]))
    detector = minutes.select("minute", (pl.col("in_use_s") >= 30).alias("on"))
    scores = {"detector": _room_scores(truth, detector)}
    det_sessions = int(minutes["sessions"].sum())
    scores["detector"]["session_error"] = round(
        (det_sessions - scores["detector"]["sessions_true"])
        / max(scores["detector"]["sessions_true"], 1),
        4,
    )
    scores["fixed_100_lx"] = _room_scores(truth, _any_sensor(_threshold_states(r, 100.0), "lux"))
    best: tuple[float, float] = (0.0, -1.0)
    for lux in range(10, 1000, 5):
        got = _room_scores(truth, _any_sensor(_threshold_states(r, float(lux)), "lux"))
        if got["minute_agreement"] > best[1]:
            best = (float(lux), got["minute_agreement"])
    scores["oracle_best_fixed"] = _room_scores(
        truth, _any_sensor(_threshold_states(r, best[0]), "lux")
    ) | {"lux": best[0]}
    before = _before_states(
        pl.concat(
            [
                r.select("sensor_id", "t", pl.lit(1).alias("kind"), "lux"),
                *(
                    [
                        r.select(
                            (pl.col("sensor_id") + "-T").alias("sensor_id"),
                            "t",
                            pl.lit(2).alias("kind"),
                            "temp_c",
                        )
                    ]
                    if "temp_c" in r.columns
                    else []
                ),
            ],
            how="diagonal",
        )
    ).with_columns(pl.col("t").dt.truncate("1m").alias("minute"))
    scores["before_issue_11"] = _room_scores(truth, _any_sensor(before, "on"))
    return {"readings": expected, "ingest_to_stored_s": round(stored_s, 1), **scores}


# --- vessels -----------------------------------------------------------------------------


def ais_set(
    pipe: Pipeline, api: TestClient, headers: dict[str, str], path: Path, now: datetime,
    limit: int | None,
) -> dict[str, Any]:  # fmt: skip
    fixes = detect_ais.load_ais(path)
    if limit:
        keep = fixes["card_id"].unique().sort()[:limit]
        fixes = fixes.filter(pl.col("card_id").is_in(keep.to_list()))
    shift = shift_for(fixes["t"].min(), fixes["t"].max(), now)
    fixes = fixes.with_columns(pl.col("t") + shift)
    mmsis = fixes["card_id"].unique().sort().to_list()
    ids = pipe.register("GW-AIS", {str(m): [(f"AIS-{m}", "loc")] for m in mmsis}, (0.0, 0.0))
    msgs = [
        {"s": f"AIS-{m}", "k": "loc", "t": int(t.timestamp() * 1000), "lat": lat, "lon": lon}
        for m, t, lat, lon in fixes.select("card_id", "t", "lat", "lon").iter_rows()
    ]
    expected = pipe.publish("GW-AIS", msgs)
    pipe.wait_stored("GW-AIS", expected)
    pipe.roll_up(fixes["t"].max() + timedelta(hours=1), days=2)
    per_hour = []
    for m in mmsis:
        own = fixes.filter(pl.col("card_id") == m)
        t0 = own["t"].min().replace(minute=0, second=0, microsecond=0)
        t1 = own["t"].max().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        u = usage_minutes(api, headers, ids[str(m)], t0, t1)
        per_hour.append(
            u.group_by(pl.col("minute").dt.truncate("1h").alias("hour"))
            .agg(
                ((pl.col("moving_s") > 0) | (pl.col("distance_m") > 0)).any().alias("moved"),
                pl.col("distance_m").sum(),
            )
            .with_columns(pl.lit(m, pl.Int64).alias("card_id"))
        )
    truth = detect_ais.truth_per_hour(fixes)
    said = pl.concat(per_hour).select("card_id", "hour", "moved", "distance_m")
    old = detect_ais.old_rule_per_hour(fixes).select("card_id", "hour", "moved", "distance_m")
    return {
        "vessels": len(mmsis),
        "fixes": expected,
        "detector": _vessel_figures(truth, said, fixes),
        "before_issue_11": _vessel_figures(truth, old, fixes),
    }


def _vessel_figures(truth: pl.DataFrame, said: pl.DataFrame, fixes: pl.DataFrame) -> Any:
    per_hour = truth.join(said, on=["card_id", "hour"], how="left").with_columns(
        pl.col("moved").fill_null(False), pl.col("distance_m").fill_null(0.0)
    )
    return detect_ais._figures(per_hour, fixes)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="AIS: the first 300 vessels only")
    args = ap.parse_args()
    now = datetime.now(UTC)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-detect-") as tmp:
        pipe = Pipeline(Path(tmp))
        try:
            settings = Settings(database_url=pipe.url, jwt_secret=JWT)
            with TestClient(create_app(settings)) as api:
                r = api.post(
                    "/api/v1/auth/token", data={"username": "hd_jb", "password": DEMO_PASSWORD}
                )
                r.raise_for_status()
                headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
                uci, _ = uci_office()
                log("UCI office …")
                out["uci_occupancy_train"] = room_set(pipe, api, headers, "uci", uci, MONS, now)
                desks, _ = desk_room()
                log("desk room …")
                out["room_occupancy_estimation"] = room_set(
                    pipe, api, headers, "roe", desks, HYDERABAD, now
                )
                log("AIS …")
                out["ais_dev"] = ais_set(
                    pipe, api, headers, detect_ais.DEV_CSV, now, 300 if args.quick else None
                )
        finally:
            pipe.close()
    u, ro, a = out["uci_occupancy_train"], out["room_occupancy_estimation"], out["ais_dev"]
    out["meets"] = {
        "uci_minute_ge_0.985": u["detector"]["minute_agreement"] >= 0.985,
        "uci_hours_within_3pct": abs(u["detector"]["hours_error"]) <= 0.03,
        "roe_minute_ge_0.97": ro["detector"]["minute_agreement"] >= 0.97,
        "ais_hour_ge_0.985": a["detector"]["hour_agreement"] >= 0.985,
        "ais_no_parked_300m": a["detector"]["parked_vessels_300m"] == 0,
        "ais_distance_within_5pct": abs(a["detector"]["moving_distance_error"]) <= 0.05,
    }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
