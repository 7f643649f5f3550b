"""Quality on the simulator's ground truth, with its faults on: the issue's measured targets.

A fleet of 80 assets over four weeks (including the National Day week) is replayed into
PostgreSQL as ingest would store it, rolled up and analysed. Figures are printed (run with
``-s``) as well as asserted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from assetpulse.firmware_sim import FaultSpec, Fleet, FleetSpec
from assetpulse.monitor.core.rules import load_rules
from assetpulse.monitor.db.analyse import analyse
from assetpulse.monitor.db.refresh import refresh_baselines, refresh_rollups
from tests.fix_monitor import register_fleet, sim_readings

SPEC = FleetSpec(
    gateways=8, assets_per_gateway=10, sample_s=300, days=28, faults=FaultSpec.typical()
)


def _precision_recall(truth: pl.Series, said: pl.Series, label: str) -> tuple[float, float]:
    tp = ((truth == label) & (said == label)).sum()
    return tp / max(1, (said == label).sum()), tp / max(1, (truth == label).sum())


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return Fleet.build(SPEC)


def _truth(fleet: Fleet) -> pl.DataFrame:
    rows = []
    for a in fleet.assets:
        t = a.truth()
        verdict = t["verdict"]
        # The simulator's own definition: idle = no use in the window. An asset drawn as
        # under-used whose few active days all fell through is idle by that definition.
        if verdict == "under_used" and t["in_use_s"] == 0:
            verdict = "idle"
        rows.append(
            {
                "asset_code": a.asset_code,
                "kind": t["kind"],
                "drawn": t["verdict"],
                "truth": verdict,
                "truth_h": t["in_use_s"] / 3600,
            }
        )
    return pl.DataFrame(rows)


def test_sim_fleet_with_faults_verdicts_and_hours_meet_targets(db, monitor_world, fleet):
    start = datetime.fromtimestamp(SPEC.start_ms / 1000, UTC)
    end = datetime.fromtimestamp(SPEC.end_ms / 1000, UTC)
    ids = register_fleet(monitor_world, fleet, start - timedelta(days=1))
    readings = sim_readings(fleet)
    monitor_world.write(readings, fresh=True)
    refresh_baselines(db, until=end, days=SPEC.days)
    refresh_rollups(db, lag=timedelta(0))
    result = analyse(db, rules=load_rules(), window_end=end, days=SPEC.days)
    assert result.frame is not None
    said = result.frame.select("card_id", "verdict", "usage_hours")
    codes = pl.DataFrame({"asset_code": list(ids), "card_id": list(ids.values())})
    x = _truth(fleet).join(codes, on="asset_code").join(said, on="card_id")
    assert x.height == len(fleet.assets)

    offline = x.filter(pl.col("drawn") == "offline")
    assert (offline["verdict"] == "idle").sum() == 0, "an offline asset was called idle"
    assert (offline["verdict"] == "insufficient_data").all()

    live = x.filter(pl.col("drawn") != "offline")
    figures = {}
    for label in ("idle", "under_used"):
        p, r = _precision_recall(live["truth"], live["verdict"], label)
        figures[label] = (round(p, 3), round(r, 3))
    p_any, r_any = _precision_recall(
        live["truth"].is_in(["idle", "under_used"]).cast(pl.String),
        live["verdict"].is_in(["idle", "under_used"]).cast(pl.String),
        "true",
    )
    used = live.filter(pl.col("truth_h") > 0)
    hours_error = abs(used["usage_hours"].sum() / used["truth_h"].sum() - 1)
    per_kind = (
        used.group_by("kind")
        .agg((pl.col("usage_hours").sum() / pl.col("truth_h").sum() - 1).abs().alias("err"))
        .sort("kind")
    )
    drawn_p, drawn_r = _precision_recall(live["drawn"], live["verdict"], "under_used")
    print(
        f"\nsim quality: idle P/R {figures['idle']}, under_used P/R {figures['under_used']},"
        f" flagged P/R ({p_any:.3f}, {r_any:.3f}), hours error {hours_error:.4f},"
        f" per kind {dict(per_kind.iter_rows())},"
        f" under_used vs drawn labels P/R ({drawn_p:.3f}, {drawn_r:.3f})"
    )
    mistakes = live.filter(pl.col("truth") != pl.col("verdict"))
    for label in ("idle", "under_used"):
        assert min(figures[label]) >= 0.98, (label, figures[label], mistakes)
    assert hours_error <= 0.03
    assert per_kind["err"].max() <= 0.03, per_kind
