"""Quality on the simulator's *honest* profile (issue 11 point 9), with its faults on: sun
and weather in lux, lux-only rooms, each sensor on its own period (30 s … 5 min), sensors
failing one at a time, GPS jitter, multipath and wild fixes, and a truth of real use rather
than of the ``on`` flag (the legacy profile's quality test, whose truth was the flag the
detector read, is gone).

Asserted: an asset that lost the sensors carrying its use is never idle (always 数据不足);
plug- and ignition-carried kinds (PCs, instruments, vehicles, printers) meet the 0.98 P/R
target, vehicles and PCs their hours (a PC left on overnight is not in use); every idle
room is found. Printed for the record (run with ``-s``): on 2026-12-01 two window rooms
whose meters report every 5 minutes were misjudged (idle P/R 0.889/1.0, under_used
1.0/0.938), where daylight moves the meter by 80-330 lux from one sample to the next in
office hours: one lit 13 times (59 h of use) by a 161-lux lamp, one lit once for 2 h by a
241-lux lamp, both under the swing daylight reached there on the meter's days off. A
switch made within one sample that stands six times the changes around it
(``light._calm_change``) finds both in the hours they were lit in calm weather: idle and
under_used P/R 1.0/1.0 on 2026-12-02 — but the 161-lux room still reads about a third of its
hours (its switches in broken-cloud hours stay unseen), room hours error -0.096.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from assetpulse.firmware_sim import FaultSpec, Fleet, FleetSpec, Realism
from assetpulse.monitor.core.rules import load_rules
from assetpulse.monitor.db.analyse import analyse
from assetpulse.monitor.db.refresh import refresh_baselines, refresh_rollups
from tests.fix_monitor import register_fleet, sim_readings

SPEC = FleetSpec(
    gateways=8,
    assets_per_gateway=10,
    sample_s=30,  # the base tick: each sensor samples every 30 s, 1, 2 or 5 min on it
    days=21,
    faults=FaultSpec.typical(),
    realism=Realism.HONEST,
)
LABELS = ("idle", "under_used")


def _precision_recall(truth: pl.Series, said: pl.Series, label: str) -> tuple[float, float]:
    tp = ((truth == label) & (said == label)).sum()
    return tp / max(1, (said == label).sum()), tp / max(1, (truth == label).sum())


def _truth(fleet: Fleet) -> pl.DataFrame:
    rows = []
    for a in fleet.assets:
        t = a.truth()
        verdict = t["verdict"]
        if verdict == "under_used" and t["in_use_s"] == 0:
            verdict = "idle"  # the simulator's definition: idle = no use in the window
        rows.append(
            {
                "asset_code": a.asset_code,
                "kind": t["kind"],
                "drawn": t["verdict"],
                "truth": verdict,
                "truth_h": t["in_use_s"] / 3600,
                "powered_h": t["powered_s"] / 3600,
            }
        )
    return pl.DataFrame(rows)


def _pairs(frame: pl.DataFrame) -> list[tuple[str, str, int]]:
    counted = frame.group_by("truth", "verdict").len().sort("truth", "verdict")
    return [(str(t), str(v), int(n)) for t, v, n in counted.rows()]


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return Fleet.build(SPEC)


@pytest.mark.timeout(1800)  # ~3.5 M readings (legacy: 1.4 M): minutes, not seconds
def test_sim_honest_fleet_verdicts_and_hours_meet_targets(db, monitor_world, fleet):
    start = datetime.fromtimestamp(SPEC.start_ms / 1000, UTC)
    end = datetime.fromtimestamp(SPEC.end_ms / 1000, UTC)
    ids = register_fleet(monitor_world, fleet, start - timedelta(days=1))
    monitor_world.write(sim_readings(fleet, track_keys=False), fresh=True)
    refresh_baselines(db, until=end, days=SPEC.days)
    refresh_rollups(db, lag=timedelta(0))
    result = analyse(db, rules=load_rules(), window_end=end, days=SPEC.days)
    assert result.frame is not None
    said = result.frame.select("card_id", "verdict", "usage_hours")
    codes = pl.DataFrame({"asset_code": list(ids), "card_id": list(ids.values())})
    x = _truth(fleet).join(codes, on="asset_code").join(said, on="card_id")
    assert x.height == len(fleet.assets)

    offline = x.filter(pl.col("drawn") == "offline")
    live = x.filter(pl.col("drawn") != "offline")
    figures = {label: _precision_recall(live["truth"], live["verdict"], label) for label in LABELS}
    per_kind: dict[str, dict[str, tuple[float, float]]] = {}
    kind_hours_error: dict[str, float] = {}
    for (kind,), group in live.group_by("kind"):
        per_kind[str(kind)] = {
            label: _precision_recall(group["truth"], group["verdict"], label) for label in LABELS
        }
        used = group.filter(pl.col("truth_h") > 0)
        kind_hours_error[str(kind)] = used["usage_hours"].sum() / used["truth_h"].sum() - 1
    used = live.filter(pl.col("truth_h") > 0)
    hours_error = used["usage_hours"].sum() / used["truth_h"].sum() - 1
    print(
        f"\nhonest sim quality: idle P/R {tuple(round(v, 3) for v in figures['idle'])},"
        f" under_used P/R {tuple(round(v, 3) for v in figures['under_used'])},"
        f" hours error {hours_error:+.4f}; offline verdicts"
        f" {dict(offline.group_by('verdict').len().iter_rows())};"
    )
    for kind in sorted(per_kind):
        of_kind = x.filter(pl.col("kind") == kind)
        pr = {
            f"{label} (n={(of_kind['truth'] == label).sum()})": tuple(
                round(v, 3) for v in per_kind[kind][label]
            )
            for label in LABELS
        }
        print(
            f"  {kind}: P/R {pr}, hours error {kind_hours_error[kind]:+.3f},"
            f" truth→verdict {[f'{t}→{v}: {n}' for t, v, n in _pairs(of_kind)]}"
        )
    mistakes = live.filter(pl.col("truth") != pl.col("verdict"))
    with pl.Config(tbl_rows=100):
        print(mistakes)
    assert (offline["verdict"] == "idle").sum() == 0, "an asset without its sensors was idle"
    assert (offline["verdict"] == "insufficient_data").all()
    # printers too: their self-cleaning wake-ups (by night as by day) are their rule's
    # off-hours background, taken out before judging (core.background)
    for kind in ("desktop", "lab_instrument", "vehicle", "printer"):
        for label in LABELS:
            assert min(per_kind[kind][label]) >= 0.98, (kind, label, per_kind[kind], mistakes)
    assert abs(kind_hours_error["vehicle"]) <= 0.03, kind_hours_error
    assert abs(kind_hours_error["desktop"]) <= 0.05, kind_hours_error  # screen lit, not powered
    assert per_kind["room"]["idle"][1] >= 0.98, (per_kind["room"], mistakes)
