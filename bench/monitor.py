"""Monitor benchmark: the real pipeline from raw readings in PostgreSQL, at fleet sizes.

For each fleet (rooms with a light meter, computers with a thermometer, vehicles with a
position sensor, one third each; one sample a minute; ``--days`` of history) a private
PostgreSQL gets the demo organisation, the cards, sensors and bindings, and the readings
by COPY (``received_at`` a second after the sample time, as live ingest would give). Then
``assetpulse analyse`` runs as a child process, as in production, timing:

- **full**: a fresh monitor (no rollups, baselines or calibration) over the whole history;
- **cycle_5m**: five more minutes of readings, then one run (what a 5-minute timer does);
- **daily**: the same with the baselines a day old (the day's first run recomputes them);

each with 1 and 2 workers (``--workers``), the peak RSS of every process of the run
(polled), and readings per second of the full run. On the smallest fleet the previous
code path (``--legacy``: the whole fleet in one process) runs the same three steps beside
it. Figures are wall-clock on this machine, shared with whatever else runs on it.
``--quick`` runs a small smoke version. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import psutil
import psycopg

# Run as a script (bench/ on sys.path) or imported as bench.monitor by the tests.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from assetpulse.db.migrate import apply_migrations
from assetpulse.localservices import PostgresProcess, postgres_from
from assetpulse.org.seed import seed_demo_org
from benchkit.proc import tree_cpu_s

CHINA = 8 * 60  # minutes east of UTC
SITE = (20.04, 110.34)
COPY_READINGS = """
copy readings (sensor_id, t, kind, gateway_id, lux, temp_c, lat, lon, acc, flags, received_at)
from stdin (format csv)
"""
# everything the monitor learns and stores: a full run starts from none of it (the day
# summaries and lamp walks of the previous path's run would spare it the first learn)
MONITOR_STATE = (
    "usage_hourly",
    "sensor_baselines",
    "sensor_light_calibration",
    "sensor_day_stats",
    "sensor_day_steps",
    "sensor_light_state",
    "monitor_bindings_seen",
    "suggestions",
    "monitor_runs",
)


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


# --- the fleet ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fleet:
    """Sensors by kind and what each one's asset does: per-sensor constants and, per day,
    whether it is used (rooms 60 %, computers 70 %, vehicles 60 % of assets ever used)."""

    size: int
    start_min: int  # epoch minute of the first sample
    days: int

    @property
    def kinds(self) -> list[tuple[str, str, int]]:
        third = self.size // 3
        return [("R", "photo", third), ("C", "temp", third), ("V", "loc", self.size - 2 * third)]

    def ids(self, prefix: str, n: int) -> list[str]:
        return [f"{prefix}{i:06d}" for i in range(n)]


def _rng(*seed: int) -> np.random.Generator:
    return np.random.default_rng(list(seed))


def readings_frame(fleet: Fleet, m0: int, m1: int, received_lag_s: float | None) -> pl.DataFrame:
    """Every sensor's samples for epoch minutes [m0, m1), time-major like live ingest.
    ``received_lag_s``: received that long after the sample; None: now (the database's)."""
    parts = []
    minutes = np.arange(m0, m1, dtype=np.int64)
    local = minutes + CHINA
    hour = (local % 1440) / 60.0
    day = local // 1440
    weekday = ((day + 3) % 7) < 5  # 1970-01-01 was a Thursday
    day_off = day - (fleet.start_min + CHINA) // 1440
    for prefix, kind, n in fleet.kinds:
        if n == 0:
            continue
        code = ord(prefix)
        r = _rng(code, fleet.size)
        used_ever = r.random(n) < {"R": 0.6, "C": 0.7, "V": 0.6}[prefix]
        ndays = fleet.days + 30
        used_day = _rng(code, fleet.size, 1).random((ndays, n)) < 0.8
        di = np.clip(day_off, 0, ndays - 1)
        used = used_ever[None, :] & used_day[di, :] & weekday[:, None]  # (minutes, n)
        noise = _rng(code, m0, m1).standard_normal((len(minutes), n))
        if kind == "photo":
            amp = r.uniform(60, 400, n)
            lamp = r.uniform(200, 500, n)
            sun = np.clip(np.sin(np.pi * (hour - 6.5) / 12.0), 0, None)[:, None]
            cloud = _rng(code, 7).uniform(0.5, 1.0, ndays)[di][:, None]
            on = used & (((hour >= 8) & (hour < 12)) | ((hour >= 14) & (hour < 18)))[:, None]
            lux = np.clip(2.0 + sun * cloud * amp + on * lamp + 1.5 * noise, 0, None)
            values = {"kind": 1, "lux": np.round(lux, 1)}
        elif kind == "temp":
            base = r.uniform(22, 27, n)
            ambient = base + 2.0 * np.sin(np.pi * (hour - 8) / 12.0)[:, None]
            on = used & ((hour >= 9) & (hour < 17))[:, None]
            values = {"kind": 2, "temp_c": np.round(ambient + 6.0 * on + 0.15 * noise, 2)}
        else:
            lat0 = SITE[0] + r.uniform(-0.05, 0.05, n)
            lon0 = SITE[1] + r.uniform(-0.05, 0.05, n)
            heading = r.uniform(0, 2 * np.pi, n)
            trip_min = np.where((hour >= 9) & (hour < 10), (hour - 9) * 60, -1)
            trip_min = np.where((hour >= 15) & (hour < 16), (hour - 15) * 60, trip_min)
            k = trip_min[:, None] * used
            out_m = np.where(k >= 0, 480.0 * np.minimum(k, 60 - k), 0.0)  # 8 m/s out and back
            dy = out_m * np.cos(heading) + 3.0 * noise
            dx = out_m * np.sin(heading) + 3.0 * _rng(code, m0, m1, 2).standard_normal(out_m.shape)
            lat = lat0 + dy / 111_320.0
            lon = lon0 + dx / (111_320.0 * np.cos(np.radians(lat0)))
            values = {"kind": 3, "lat": np.round(lat, 6), "lon": np.round(lon, 6), "acc": 5.0}
        ids = np.array(fleet.ids(prefix, n))
        frame: dict[str, Any] = {
            "sensor_id": np.tile(ids, len(minutes)),
            "t_min": np.repeat(minutes, n),
        }
        for col in ("lux", "temp_c", "lat", "lon"):
            v = values.get(col)
            if isinstance(v, np.ndarray):
                frame[col] = v.reshape(-1)
        df = pl.DataFrame(frame).with_columns(
            pl.lit(values["kind"], pl.Int16).alias("kind"),
            pl.lit(values.get("acc"), pl.Float32).alias("acc"),
            (pl.col("sensor_id").str.slice(1).cast(pl.Int32) // 100)
            .cast(pl.String)
            .alias("gateway_id"),
        )
        parts.append(df)
    df = pl.concat(parts, how="diagonal_relaxed").with_columns(
        *[pl.lit(None, pl.Float64).alias(c) for c in ("lux", "temp_c", "lat", "lon")
          if c not in {n for p in parts for n in p.columns}]
    )  # fmt: skip
    t = pl.from_epoch(pl.col("t_min") * 60, time_unit="s")
    fmt = "%Y-%m-%d %H:%M:%S+00"
    received = (
        (t + timedelta(seconds=received_lag_s)).dt.strftime(fmt)
        if received_lag_s is not None
        else pl.lit(None, pl.String)
    )
    return df.select(
        "sensor_id",
        t.dt.strftime(fmt).alias("t"),
        "kind",
        ("GW-" + pl.col("gateway_id")).alias("gateway_id"),
        "lux",
        "temp_c",
        "lat",
        "lon",
        "acc",
        pl.lit(0, pl.Int16).alias("flags"),
        received.alias("received_at"),
    )


def copy_readings(url: str, df: pl.DataFrame) -> None:
    if df["received_at"].null_count() == df.height:  # now(): leave the column to its default
        cols = COPY_READINGS.replace(", received_at)", ")")
        data = df.drop("received_at").write_csv(include_header=False)
    else:
        cols, data = COPY_READINGS, df.write_csv(include_header=False)
    with psycopg.connect(url) as conn, conn.cursor() as cur, cur.copy(cols) as copy:
        buf = io.BytesIO(data.encode())
        while chunk := buf.read(1 << 20):
            copy.write(chunk)


def register(url: str, fleet: Fleet) -> None:
    """Cards of 海南大学 (rooms, computers, vehicles), one sensor each, bound long ago."""
    units = seed_demo_org(url)
    unit = units["U460001"]
    category = {"photo": "A0101", "temp": "A020101", "loc": "A0203"}
    since = datetime(2000, 1, 1, tzinfo=UTC)
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for prefix, kind, n in fleet.kinds:
            ids = fleet.ids(prefix, n)
            cur.execute(
                "insert into sensors (sensor_id, kind, gateway_id)"
                " select s, %s, 'GW-' || (substr(s, 2)::int / 100) from unnest(%s::text[]) s",
                (kind, ids),
            )
            cur.execute(
                "with c as (insert into asset_cards (asset_code, name, category_code, unit_id,"
                " status) select 'B-' || s, s, %s, %s, 'in_use' from unnest(%s::text[]) s"
                " returning id, name)"
                " insert into sensor_bindings (sensor_id, card_id, valid)"
                " select name, id, tstzrange(%s, null) from c",
                (category[kind], unit, ids, since),
            )


# --- running the analyser ----------------------------------------------------------------


def run_analyse(url: str, args: list[str], pg_pid: int | None = None) -> dict[str, Any]:
    """``assetpulse analyse`` in a child process: wall time, peak RSS and CPU seconds of
    each of its processes (polled every 50 ms), the server's CPU seconds meanwhile, its
    output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETPULSE_")}
    env.update(ASSETPULSE_DATABASE_URL=url, ASSETPULSE_LOG_LEVEL="warning")
    cmd = [sys.executable, "-c", "from assetpulse.cli import main; main()", "analyse", *args]
    peaks: dict[int, int] = {}
    cpu: dict[int, float] = {}
    server0 = tree_cpu_s(pg_pid)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    root = psutil.Process(proc.pid)
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            for p in procs:
                with contextlib.suppress(psutil.NoSuchProcess):
                    peaks[p.pid] = max(peaks.get(p.pid, 0), p.memory_info().rss)
                    c = p.cpu_times()
                    cpu[p.pid] = c.user + c.system
            stop.wait(0.05)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    poller.join()
    server_s = tree_cpu_s(pg_pid) - server0
    if proc.returncode != 0:
        raise RuntimeError(f"analyse {args} failed: {err.decode(errors='replace')[-3000:]}")
    return {
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(max(peaks.values(), default=0) / 2**20, 1),
        "processes": len(peaks),
        # the analysers' CPU (the launcher's Python, then its workers) and the server's
        "cpu_s": [round(v, 1) for v in cpu.values()],
        "server_cpu_s": round(server_s, 1),
        "output": out.decode().strip().splitlines(),
    }


def reset_monitor(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(f"truncate {', '.join(MONITOR_STATE)} cascade")
        conn.execute("update monitor_watermarks set watermark = '1970-01-01T00:00:00Z'")


def age_baselines(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("update sensor_baselines set updated_at = updated_at - interval '2 days'")


def vacuum_analyse(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("vacuum analyze")


@dataclass
class Clock:
    """The end of the stored history, in epoch minutes; each step adds five minutes."""

    m: int

    def advance(self, url: str, fleet: Fleet) -> int:
        df = readings_frame(fleet, self.m, self.m + 5, None)
        copy_readings(url, df)
        self.m += 5
        return df.height


def bench_fleet(
    pg: PostgresProcess,
    size: int,
    days: int,
    legacy: bool,
    workers: list[int],
    slice_cards: int | None = None,
) -> dict[str, Any]:
    name = f"fleet_{size}"
    pg.create_database(name)
    url = pg.url(name)
    apply_migrations(url)
    now_min = int(time.time() // 60) - 10
    start = now_min - days * 1440
    fleet = Fleet(size, start, days)
    register(url, fleet)
    t = time.perf_counter()
    n = 0
    step = max(60, min(1440, 2_000_000 // size))  # minutes per COPY: ~2 M readings
    for m in range(start, now_min, step):
        df = readings_frame(fleet, m, min(m + step, now_min), 1.0)
        copy_readings(url, df)
        n += df.height
    load_s = time.perf_counter() - t
    vacuum_analyse(url)
    log(f"[{size}] loaded {n:,} readings in {load_s:.0f} s ({n / load_s:,.0f}/s), analysed")
    clock = Clock(now_min)
    # a few slices per worker, never more than the production default per slice
    slice_cards = slice_cards or min(1000, max(25, size // 8))
    out: dict[str, Any] = {"sensors": size, "days": days, "readings": n, "load_s": round(load_s, 1)}
    out["slice_cards"] = slice_cards
    paths = [("new", w) for w in workers] + ([("legacy", 1)] if legacy else [])
    for path, w in paths:
        key = f"{path}_w{w}" if path == "new" else "legacy"
        extra = ["--window-days", str(days)]
        extra += (
            ["--legacy"]
            if path == "legacy"
            else ["--workers", str(w), "--slice-cards", str(slice_cards)]
        )
        reset_monitor(url)
        full = run_analyse(url, extra, pg.pid())
        total = n + (clock.m - now_min) * size
        full["readings_per_s"] = round(total / full["wall_s"])
        log(
            f"[{size}] {key} full: {full['wall_s']} s, {full['peak_rss_mb']} MB, CPU "
            f"{full['cpu_s']} + server {full['server_cpu_s']} s, {full['output']}"
        )
        clock.advance(url, fleet)
        cycle = run_analyse(url, extra, pg.pid())
        log(
            f"[{size}] {key} 5-min cycle: {cycle['wall_s']} s, {cycle['peak_rss_mb']} MB, CPU "
            f"{cycle['cpu_s']} + server {cycle['server_cpu_s']} s"
        )
        clock.advance(url, fleet)
        age_baselines(url)
        daily = run_analyse(url, extra, pg.pid())
        log(
            f"[{size}] {key} daily cycle: {daily['wall_s']} s, {daily['peak_rss_mb']} MB, CPU "
            f"{daily['cpu_s']} + server {daily['server_cpu_s']} s"
        )
        out[key] = {"full": full, "cycle_5m": cycle, "daily": daily}
        print(json.dumps({"sensors": size, "path": key, **{
            k: {kk: vv for kk, vv in v.items() if kk != "output"}
            for k, v in out[key].items()
        }}), flush=True)  # fmt: skip
    with psycopg.connect(pg.conninfo, autocommit=True) as conn:
        conn.execute(f'drop database "{name}"')
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small fleets, 3 days: a smoke run")
    ap.add_argument("--sizes", default="1000,5000,20000", help="fleet sizes (sensors)")
    ap.add_argument("--days", type=int, default=14, help="days of history")
    ap.add_argument(
        "--days-at",
        default="",
        help="fewer days for the largest fleets where disk or time is short, e.g. 20000:3",
    )
    ap.add_argument("--workers", default="1,2")
    ap.add_argument(
        "--workers-at", default="", help="other worker counts for some fleets, e.g. 20000:2"
    )
    ap.add_argument("--tmp", default=None, help="where the PostgreSQL data directory goes")
    ap.add_argument("--no-legacy", action="store_true", help="skip the previous code path")
    ap.add_argument("--slice-cards", type=int, default=None, help="cards per slice")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    days_at: dict[int, int] = {}
    for kv in filter(None, a.days_at.split(",")):
        k, v = kv.split(":")
        days_at[int(k)] = int(v)
    workers_at: dict[int, list[int]] = {}
    for kv in filter(None, a.workers_at.split(",")):
        k, v = kv.split(":")
        workers_at[int(k)] = [int(w) for w in v.split("+")]
    if a.quick:
        sizes, a.days, days_at = [60, 150], 3, {}
    workers = [int(w) for w in a.workers.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="bench-monitor-", dir=a.tmp))
    pg = postgres_from(tmp / "pg")
    pg.settings.update(max_wal_size="8GB", checkpoint_timeout="30min")
    pg.init()
    pg.start()
    results = []
    try:
        for i, size in enumerate(sorted(sizes)):
            days = days_at.get(size, a.days)
            ws = workers_at.get(size, workers)
            legacy = i == 0 and not a.no_legacy
            results.append(bench_fleet(pg, size, days, legacy, ws, a.slice_cards))
    finally:
        pg.destroy()
    big = results[-1]
    w2 = big.get("new_w2") or big[f"new_w{max(workers_at.get(big['sensors'], workers))}"]
    both = [r for r in results if "new_w1" in r and "new_w2" in r]
    speedup = (
        round(both[-1]["new_w1"]["full"]["wall_s"] / both[-1]["new_w2"]["full"]["wall_s"], 2)
        if both
        else None
    )
    rss = [
        step["peak_rss_mb"]
        for r in results
        for k, v in r.items()
        if k.startswith("new_")
        for step in v.values()
    ]
    smallest = results[0]
    summary: dict[str, Any] = {
        "sensors_max": big["sensors"],
        "days_at_max": big["days"],
        "cycle_5m_s": w2["cycle_5m"]["wall_s"],
        "daily_cycle_s": w2["daily"]["wall_s"],
        "full_readings_per_s": w2["full"]["readings_per_s"],
        "peak_rss_mb": max(rss),
        "workers_speedup": speedup,
        "speedup_at": both[-1]["sensors"] if both else None,
        "by_size": {
            r["sensors"]: {
                k: {s: v[s]["wall_s"] for s in ("full", "cycle_5m", "daily")}
                for k, v in r.items()
                if isinstance(v, dict) and "full" in v
            }
            for r in results
        },
    }
    if "legacy" in smallest:
        summary["legacy_at"] = smallest["sensors"]
        summary["legacy"] = {
            s: smallest["legacy"][s]["wall_s"] for s in ("full", "cycle_5m", "daily")
        }
        summary["legacy_peak_rss_mb"] = max(v["peak_rss_mb"] for v in smallest["legacy"].values())
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
