"""Benchmark of the simulator: readings per second, honest profile beside legacy (baseline),
and the monitor's quality on the honest fleet.

Speed: the fleet of ``tests/integration/monitor/test_quality_sim_honest.py`` (8 gateways ×
10 assets, typical faults), over ``--days`` days: legacy on its 300 s grid, honest on its
30 s base tick with each sensor on its own period. Counts every valid reading published
and times building the fleet plus iterating its messages (one core, no broker).

Quality (unless ``--no-quality``): that test's honest fleet over 21 days (``--seed``: another
draw of the same fleet), judged by the real monitor in a private PostgreSQL (cards and
bindings, readings, refresh, analysis; ``tests/fix_sim_quality.py``): precision and recall
per verdict (idle, under_used) over the assets not drawn offline, how many of those were
not judged (数据不足), the offline assets' verdicts, hours error, per kind, and the assets
misjudged. A few minutes.

Usage: ``python bench/sim.py [--days N] [--seed S] [--no-quality]``. The last line printed is
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from tests.fix_monitor import MonitorWorld  # noqa: E402
from tests.fix_sim_quality import SPEC, judge_fleet  # noqa: E402

from assetpulse.db.migrate import apply_migrations  # noqa: E402
from assetpulse.firmware_sim import FaultSpec, Fleet, FleetSpec, Realism  # noqa: E402
from assetpulse.localservices import postgres_from  # noqa: E402
from assetpulse.org.seed import seed_demo_org  # noqa: E402


def _run(spec: FleetSpec) -> dict[str, int | float]:
    t0 = time.perf_counter()
    fleet = Fleet.build(spec)
    readings = sum(len(m.keys) for m in fleet.messages(track_keys=False))
    seconds = time.perf_counter() - t0
    return {
        "readings": readings,
        "seconds": round(seconds, 2),
        "readings_per_s": round(readings / seconds),
    }


def _quality(seed: int) -> dict[str, Any]:
    spec = replace(SPEC, seed=seed)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-sim-") as tmp:
        pg = postgres_from(Path(tmp) / "pg")
        pg.init()
        pg.start()
        try:
            url = pg.url("postgres")
            apply_migrations(url)
            world = MonitorWorld(url, seed_demo_org(url))
            with psycopg.connect(url, autocommit=True) as conn:
                q = judge_fleet(conn, world, Fleet.build(spec), spec)
        finally:
            pg.stop()
    print(q.report())
    seconds = round(time.perf_counter() - t0)
    return {"seed": seed, "days": spec.days, **q.summary(), "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--seed", type=int, default=SPEC.seed)
    parser.add_argument("--no-quality", action="store_true")
    args = parser.parse_args()
    days = args.days
    base = FleetSpec(gateways=8, assets_per_gateway=10, days=days, faults=FaultSpec.typical())
    legacy = _run(replace(base, sample_s=300, realism=Realism.LEGACY))
    honest = _run(replace(base, sample_s=30, realism=Realism.HONEST))
    for name, r in (("legacy (baseline)", legacy), ("honest", honest)):
        print(f"{name:<18} {r['readings']:>9} readings in {r['seconds']:>7} s:"
              f" {r['readings_per_s']:>7} readings/s")  # fmt: skip
    out: dict[str, Any] = {"days": days, "assets": 80, "legacy": legacy, "honest": honest}
    if not args.no_quality:
        out["quality"] = _quality(args.seed)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
