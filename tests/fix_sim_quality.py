"""The honest simulator's fleet judged through the real monitor (PostgreSQL: cards, bindings,
readings, refresh, analysis), against the simulator's truth: what
``tests/integration/monitor/test_quality_sim_honest.py`` asserts on and ``bench/sim.py``
reports (precision and recall per verdict, hours error, per kind, the assets misjudged).

Accounting: assets drawn ``offline`` (their carrying sensors dead or sparse) are kept apart
(their verdict must be 数据不足). Among the others, a verdict of ``insufficient_data`` is
counted as *not judged* (reported, and a miss for recall: the asset was not found).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl
import psycopg

from assetpulse.firmware_sim import FaultSpec, Fleet, FleetSpec, Realism
from assetpulse.monitor.core.rules import load_rules
from assetpulse.monitor.db.analyse import analyse
from assetpulse.monitor.db.refresh import refresh_baselines, refresh_rollups
from tests.fix_monitor import MonitorWorld, register_fleet, sim_readings

SPEC = FleetSpec(
    gateways=8,
    assets_per_gateway=10,
    sample_s=30,  # the base tick: each sensor samples every 30 s, 1, 2 or 5 min on it
    days=21,
    faults=FaultSpec.typical(),
    realism=Realism.HONEST,
)
LABELS = ("idle", "under_used")


def precision_recall(truth: pl.Series, said: pl.Series, label: str) -> tuple[float, float]:
    tp = ((truth == label) & (said == label)).sum()
    return tp / max(1, (said == label).sum()), tp / max(1, (truth == label).sum())


def fleet_truth(fleet: Fleet) -> pl.DataFrame:
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


def _pairs(frame: pl.DataFrame) -> list[str]:
    counted = frame.group_by("truth", "verdict").len().sort("truth", "verdict")
    return [f"{t}→{v}: {n}" for t, v, n in counted.rows()]


@dataclass(frozen=True)
class Quality:
    """The fleet's verdicts against its truth."""

    judged: pl.DataFrame  # every asset: truth, verdict, usage hours
    live: pl.DataFrame  # assets not drawn offline
    offline: pl.DataFrame
    figures: dict[str, tuple[float, float]]  # label → (precision, recall) over ``live``
    per_kind: dict[str, dict[str, tuple[float, float]]]
    kind_hours_error: dict[str, float]
    hours_error: float

    @property
    def mistakes(self) -> pl.DataFrame:
        return self.live.filter(pl.col("truth") != pl.col("verdict"))

    def summary(self) -> dict[str, Any]:
        """What ``bench/sim.py`` prints in its JSON line."""
        not_judged = self.live.filter(pl.col("verdict") == "insufficient_data")
        return {
            "assets": self.judged.height,
            "precision_recall": {
                label: {
                    "precision": round(p, 4),
                    "recall": round(r, 4),
                    "n": int((self.live["truth"] == label).sum()),
                }
                for label, (p, r) in self.figures.items()
            },
            "not_judged": not_judged.height,
            "offline_verdicts": dict(self.offline.group_by("verdict").len().iter_rows()),
            "hours_error": round(self.hours_error, 4),
            "per_kind": {
                kind: {
                    "precision_recall": {
                        label: [round(v, 3) for v in pr] for label, pr in labels.items()
                    },
                    "hours_error": round(self.kind_hours_error[kind], 4),
                }
                for kind, labels in sorted(self.per_kind.items())
            },
            "misjudged": [
                {
                    "asset": row["asset_code"],
                    "truth": row["truth"],
                    "verdict": row["verdict"],
                    "truth_h": round(row["truth_h"], 2),
                    "usage_h": round(row["usage_hours"], 2),
                }
                for row in self.mistakes.sort("asset_code").iter_rows(named=True)
            ],
        }

    def report(self) -> str:
        """Lines for a reader (the test prints them with ``-s``)."""
        f = self.figures
        lines = [
            f"honest sim quality: idle P/R {tuple(round(v, 3) for v in f['idle'])},"
            f" under_used P/R {tuple(round(v, 3) for v in f['under_used'])},"
            f" hours error {self.hours_error:+.4f}; not judged (数据不足, not offline)"
            f" {self.live.filter(pl.col('verdict') == 'insufficient_data').height};"
            f" offline verdicts {dict(self.offline.group_by('verdict').len().iter_rows())}"
        ]
        for kind in sorted(self.per_kind):
            of_kind = self.judged.filter(pl.col("kind") == kind)
            pr = {
                f"{label} (n={(of_kind['truth'] == label).sum()})": tuple(
                    round(v, 3) for v in self.per_kind[kind][label]
                )
                for label in LABELS
            }
            lines.append(
                f"  {kind}: P/R {pr}, hours error {self.kind_hours_error[kind]:+.3f},"
                f" truth→verdict {_pairs(of_kind)}"
            )
        with pl.Config(tbl_rows=100, tbl_cols=12, tbl_width_chars=160):
            lines.append(str(self.mistakes))
        return "\n".join(lines)


def judge_fleet(
    conn: psycopg.Connection[Any], world: MonitorWorld, fleet: Fleet, spec: FleetSpec
) -> Quality:
    """Register ``fleet`` (built from ``spec``), store its readings, refresh, analyse."""
    start = datetime.fromtimestamp(spec.start_ms / 1000, UTC)
    end = datetime.fromtimestamp(spec.end_ms / 1000, UTC)
    ids = register_fleet(world, fleet, start - timedelta(days=1))
    world.write(sim_readings(fleet, track_keys=False), fresh=True)
    refresh_baselines(conn, until=end, days=spec.days)
    refresh_rollups(conn, lag=timedelta(0))
    result = analyse(conn, rules=load_rules(), window_end=end, days=spec.days)
    assert result.frame is not None
    said = result.frame.select("card_id", "verdict", "usage_hours")
    codes = pl.DataFrame({"asset_code": list(ids), "card_id": list(ids.values())})
    x = fleet_truth(fleet).join(codes, on="asset_code").join(said, on="card_id")
    assert x.height == len(fleet.assets)
    offline = x.filter(pl.col("drawn") == "offline")
    live = x.filter(pl.col("drawn") != "offline")
    figures = {label: precision_recall(live["truth"], live["verdict"], label) for label in LABELS}
    per_kind: dict[str, dict[str, tuple[float, float]]] = {}
    kind_hours_error: dict[str, float] = {}
    for (kind,), group in live.group_by("kind"):
        per_kind[str(kind)] = {
            label: precision_recall(group["truth"], group["verdict"], label) for label in LABELS
        }
        used = group.filter(pl.col("truth_h") > 0)
        kind_hours_error[str(kind)] = used["usage_hours"].sum() / used["truth_h"].sum() - 1
    used = live.filter(pl.col("truth_h") > 0)
    hours_error = used["usage_hours"].sum() / used["truth_h"].sum() - 1
    return Quality(x, live, offline, figures, per_kind, kind_hours_error, hours_error)
