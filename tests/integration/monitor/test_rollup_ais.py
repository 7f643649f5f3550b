"""The hourly rollup on the whole AIS dev file against the vessels' own speed over ground:
moved/parked per hour, moving distance and parked vessels, beside the rule before issue 11
(a per-step 15 m floor). Figures from ``bench/detect_ais.py`` (the bench prints the same).

Data: ``../shared/data/ais_dev`` (US Coast Guard AIS via MarineCadastre.gov, packaged in
github.com/mincisun5296/VesselSummaryAIS; see its README), read in place. Nothing is fitted
to it: the floors are below what was measured, and the issue keeps the other half of the
vessels apart to check that.
"""

from __future__ import annotations

from typing import Any

import pytest
from bench.detect_ais import DEV_CSV, evaluate

pytestmark = pytest.mark.skipif(not DEV_CSV.is_file(), reason="AIS dev data not present")


@pytest.fixture(scope="module")
def figures() -> dict[str, Any]:
    return evaluate(DEV_CSV)


def test_ais_dev_when_rolled_up_then_moved_parked_agrees_per_hour(figures):
    # measured 98.1 % (the target is 98.5 %); the old floor rule 93.7 %
    new, old = figures["detector"], figures["old_15m_floor"]
    assert new["hours"] > 5000
    assert new["hour_agreement"] >= 0.975
    assert new["hour_agreement"] > old["hour_agreement"] + 0.03


def test_ais_dev_when_rolled_up_then_moving_distance_within_5_percent_of_sog(figures):
    # measured −2.1 %; the old rule +44 % (jitter and wild fixes counted as distance)
    assert abs(figures["detector"]["moving_distance_error"]) <= 0.05
    assert abs(figures["old_15m_floor"]["moving_distance_error"]) > 0.2


def test_ais_dev_when_rolled_up_then_parked_vessels_get_under_300m(figures):
    # The two left: a barge whose fixes move 690 m every 3 minutes while its AIS reports
    # SOG 0, and a vessel whose first two fixes lie 361 m from the rest. The old rule: 10.
    assert figures["detector"]["parked_vessels_300m"] <= 2
    assert figures["old_15m_floor"]["parked_vessels_300m"] >= 8
