"""Benchmark of the simulator: readings per second, honest profile beside legacy (baseline).

The fleet of ``tests/integration/monitor/test_quality_sim*.py`` (8 gateways × 10 assets,
typical faults), over ``--days`` days: legacy on its 300 s grid, honest on its 30 s base
tick with each sensor on its own period. Counts every valid reading published and times
building the fleet plus iterating its messages (one core, no broker).

Usage: ``python bench/sim.py [--days N]``. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace

from assetpulse.firmware_sim import FaultSpec, Fleet, FleetSpec, Realism


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=3)
    days = parser.parse_args().days
    base = FleetSpec(gateways=8, assets_per_gateway=10, days=days, faults=FaultSpec.typical())
    legacy = _run(replace(base, sample_s=300, realism=Realism.LEGACY))
    honest = _run(replace(base, sample_s=30, realism=Realism.HONEST))
    for name, r in (("legacy (baseline)", legacy), ("honest", honest)):
        print(f"{name:<18} {r['readings']:>9} readings in {r['seconds']:>7} s:"
              f" {r['readings_per_s']:>7} readings/s")  # fmt: skip
    print(json.dumps({"days": days, "assets": 80, "legacy": legacy, "honest": honest}))


if __name__ == "__main__":
    main()
