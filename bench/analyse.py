"""Benchmark: the full idle analysis over 100,000 assets × 30 days of hourly rollups.

Side by side in one run:
- **polars** (the analyser): ``usage_features`` + ``judge`` over all 72 M card-hours, in a
  child process that reads the rollup from Parquet, so its peak RSS is the analysis's own;
- **pandas per-asset loop** (the straightforward baseline): the same features computed one
  asset at a time on a 1 % sample, scaled ×100;
- **SQL**: the same aggregation (card-days with the working calendar, then card features)
  in a private PostgreSQL, on a subset loaded by COPY, scaled to the full size.

Targets (2 cores): ≤ 5 s, ≥ 20× faster than the loop, peak memory ≤ 6 GB.
Usage: ``.venv/bin/python bench/analyse.py [--quick]``; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from assetpulse.monitor.core.calendar import calendar_frame
from assetpulse.monitor.core.features import usage_features, window_days
from assetpulse.monitor.core.rules import load_rules
from assetpulse.monitor.core.verdicts import judge

END = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)  # local midnight
CATEGORIES = ["A023201", "A020305", "A010101", "A020102", "A02010105", "A0501"]


def generate(assets: int, days: int, seed: int = 1) -> pl.DataFrame:
    """Synthetic hourly rollups: idle, under-used and busy assets with office-hour use."""
    rng = np.random.default_rng(seed)
    hours = days * 24
    start_us = int((END - timedelta(days=days)).timestamp() * 1_000_000)
    parts = []
    chunk = 5000
    for lo in range(0, assets, chunk):
        n = min(chunk, assets - lo)
        level = rng.choice(np.array([0.0, 0.05, 0.6], dtype=np.float32), n, p=[0.2, 0.2, 0.6])
        local_h = (np.arange(hours) + 8) % 24
        office = ((local_h >= 8) & (local_h < 18)).astype(np.float32)
        p = np.outer(level, office).ravel()
        used = rng.random(n * hours, dtype=np.float32) < p
        in_use = np.where(used, rng.uniform(600, 3600, n * hours).astype(np.float32), 0)
        coverage = np.where(rng.random(n * hours, dtype=np.float32) < 0.02, 0.0, 1.0).astype(
            np.float32
        )
        parts.append(
            pl.DataFrame(
                {
                    "card_id": np.repeat(np.arange(lo, lo + n, dtype=np.int64), hours),
                    "hour": np.tile(start_us + np.arange(hours, dtype=np.int64) * 3_600_000_000, n),
                    "in_use_s": in_use,
                    "sessions": (used & (rng.random(n * hours, dtype=np.float32) < 0.3)).astype(
                        np.int32
                    ),
                    "distance_m": np.where(used, 800.0, 0.0).astype(np.float32),
                    "coverage": coverage,
                }
            ).with_columns(pl.from_epoch("hour", time_unit="us").dt.replace_time_zone("UTC"))
        )
    return pl.concat(parts, rechunk=True)


def cards_frame(assets: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "card_id": np.arange(assets, dtype=np.int64),
            "category_code": np.array(CATEGORIES)[np.arange(assets) % len(CATEGORIES)],
        }
    )


def analyse_polars(rollup: pl.DataFrame, cards: pl.DataFrame, days: int) -> pl.DataFrame:
    first, last = window_days(END, days)
    features = usage_features(
        rollup, calendar_frame(first, last), window_end=END, sorted_by_card_hour=True
    )
    return judge(cards, features.collect(), load_rules()).collect()


def child(path: str, assets: int, days: int) -> None:
    """Runs in its own process: read, analyse, report seconds and peak RSS."""
    rollup = pl.read_parquet(path)
    cards = cards_frame(assets)
    analyse_polars(rollup.head(1000), cards.head(10), days)  # warm-up: imports, calendar
    t, cpu = time.perf_counter(), time.process_time()
    verdicts = analyse_polars(rollup, cards, days)
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = dict(verdicts.group_by("verdict").len().iter_rows())
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": rss_mb,
                      "verdicts": counts}))  # fmt: skip


def pandas_loop(rollup: pl.DataFrame, days: int) -> float:
    """The straightforward baseline: per asset, filter its rows and compute its features."""
    import pandas as pd

    first, last = window_days(END, days)
    c = calendar_frame(first, last)
    cal = pd.Series(c["workday"].to_numpy(), index=c["day"].to_numpy())
    df = pd.DataFrame({c: rollup[c].to_numpy() for c in rollup.columns if c != "hour"})
    df["hour"] = pd.to_datetime(rollup["hour"].dt.epoch("us").to_numpy(), unit="us", utc=True)
    t = time.perf_counter()
    out = []
    for card in df["card_id"].unique():
        a = df[df["card_id"] == card].copy()
        local = a["hour"].dt.tz_convert("Asia/Shanghai")
        a["day"] = (local.dt.tz_localize(None) - pd.Timestamp("1970-01-01")).dt.days
        a["office"] = (local.dt.hour >= 8) & (local.dt.hour < 18)
        d = a.groupby("day").agg(
            use_h=("in_use_s", lambda s: s.sum() / 3600),
            sessions=("sessions", "sum"),
            distance_m=("distance_m", "sum"),
            coverage=("coverage", lambda s: s.sum() / 24),
        )
        d["office_h"] = a[a["office"]].groupby("day")["in_use_s"].sum() / 3600
        d["workday"] = cal.reindex(d.index).fillna(False).astype(bool)
        covered = d["coverage"] >= 0.5
        work = d[covered & d["workday"]]
        nwork = max(1, len(work))
        slope = np.polyfit(d.index[covered], d["use_h"][covered], 1)[0] if covered.sum() > 1 else 0
        out.append(
            {
                "card_id": card,
                "usage_hours": d["use_h"].sum(),
                "usage_hours_per_workday": work["use_h"].sum() / nwork,
                "working_hours_share": work["office_h"].fillna(0).sum() / (nwork * 10),
                "sessions_per_workday": work["sessions"].sum() / nwork,
                "days_moved": int((d["distance_m"] >= 300).sum()),
                "coverage": d["coverage"].sum() / days,
                "trend": slope * 30,
            }
        )
    pd.DataFrame(out)
    return time.perf_counter() - t


SQL_AGG = """
with d as (
    select u.card_id, (u.hour at time zone 'Asia/Shanghai')::date as day,
           sum(u.in_use_s) / 3600 as use_h,
           sum(u.in_use_s) filter (where extract(hour from u.hour at time zone 'Asia/Shanghai')
                                   between 8 and 17) / 3600 as office_h,
           sum(u.sessions) as sessions, sum(u.distance_m) as distance_m,
           sum(u.coverage) / 24 as coverage
    from bench_rollup u group by 1, 2
)
select d.card_id,
       sum(use_h) as usage_hours,
       sum(use_h) filter (where c.workday and d.coverage >= 0.5)
           / greatest(count(*) filter (where c.workday and d.coverage >= 0.5), 1) as per_workday,
       sum(office_h) filter (where c.workday and d.coverage >= 0.5)
           / greatest(count(*) filter (where c.workday and d.coverage >= 0.5), 1) / 10 as share,
       sum(sessions) filter (where c.workday and d.coverage >= 0.5)
           / greatest(count(*) filter (where c.workday and d.coverage >= 0.5), 1) as sessions_pw,
       count(*) filter (where distance_m >= 300) as days_moved,
       sum(d.coverage) / %(days)s as coverage,
       regr_slope(use_h, extract(epoch from d.day) / 86400)
           filter (where d.coverage >= 0.5) * 30 as trend
from d join bench_calendar c on c.day = d.day
group by d.card_id
"""


def sql_run(rollup: pl.DataFrame, days: int, workdir: Path) -> float:
    import psycopg

    from assetpulse.localservices import PostgresProcess

    server = PostgresProcess(workdir / "pg")
    server.start()
    try:
        with psycopg.connect(server.conninfo, autocommit=True) as conn:
            conn.execute("set timezone = 'UTC'")
            conn.execute(
                "create unlogged table bench_rollup (card_id bigint, hour timestamptz,"
                " in_use_s real, sessions int, distance_m real, coverage real)"
            )
            buf = io.BytesIO()
            rollup.write_csv(buf, include_header=False, datetime_format="%Y-%m-%dT%H:%M:%S%:z")
            with conn.cursor() as cur, cur.copy("copy bench_rollup from stdin (format csv)") as cp:
                cp.write(buf.getvalue())
            first, last = window_days(END, days)
            cal = calendar_frame(first, last)
            conn.execute("create table bench_calendar (day date primary key, workday boolean)")
            with conn.cursor() as cur, cur.copy("copy bench_calendar from stdin") as cp:
                for d, w in zip(cal["date"], cal["workday"], strict=True):
                    cp.write_row((d, w))
            conn.execute("vacuum analyze bench_rollup")
            t = time.perf_counter()
            conn.execute(SQL_AGG, {"days": days}).fetchall()
            return time.perf_counter() - t
    finally:
        server.destroy()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2,000 assets: a smoke run")
    ap.add_argument("--assets", type=int, default=None)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    assets = args.assets or (2_000 if args.quick else 100_000)
    if args.child:
        child(args.child, assets, args.days)
        return
    load = os.getloadavg()
    t = time.perf_counter()
    rollup = generate(assets, args.days)
    gen_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory(prefix="bench-analyse-") as tmp:
        path = Path(tmp) / "rollup.parquet"
        rollup.write_parquet(path, compression="lz4")
        sample_n = max(10, assets // 100)
        sample = rollup.filter(pl.col("card_id") < sample_n)
        sql_n = min(assets, 2_000)
        sql_subset = rollup.filter(pl.col("card_id") < sql_n)
        del rollup
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(path), "--assets", str(assets),
             "--days", str(args.days)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        polars_run = json.loads(done.stdout.strip().splitlines()[-1])
        loop_s = pandas_loop(sample, args.days)
        sql_s = sql_run(sql_subset, args.days, Path(tmp))
    scale_loop = assets / sample_n
    result = {
        "assets": assets,
        "rows": assets * args.days * 24,
        "seconds": round(polars_run["seconds"], 3),
        "cpu_seconds": round(polars_run["cpu_seconds"], 3),  # both cores' CPU time
        "pandas_loop_seconds_scaled": round(loop_s * scale_loop, 1),
        "pandas_loop_sample_assets": sample_n,
        "speedup_vs_loop": round(loop_s * scale_loop / polars_run["seconds"], 1),
        "sql_seconds": round(sql_s * assets / sql_n, 2),
        "sql_subset_assets": sql_n,
        "sql_seconds_subset": round(sql_s, 3),
        "sql_note": "PostgreSQL on a subset, scaled linearly to the full size",
        "peak_rss_mb": round(polars_run["peak_rss_mb"]),
        "verdicts": polars_run["verdicts"],
        "generate_seconds": round(gen_s, 1),
        "cpus": os.cpu_count(),
        "loadavg_at_start": [round(x, 2) for x in load],
        "targets": {"seconds": 5, "speedup_vs_loop": 20, "peak_rss_mb": 6144},
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
