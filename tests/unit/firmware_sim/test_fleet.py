"""The simulated fleet: deterministic, well-formed ids, real categories, exact class shares."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from assetpulse.firmware_sim import Fleet, FleetSpec, Kind, SimError, Verdict
from tests.fix_sim import SMALL

MIGRATIONS = Path(__file__).parents[3] / "src" / "assetpulse" / "db" / "migrations"


def _digest(fleet: Fleet, n: int = 400) -> str:
    h = hashlib.sha256()
    for i, m in enumerate(fleet.messages()):
        if i == n:
            break
        h.update(m.topic.encode() + m.payload)
    return h.hexdigest()


def test_fleet_same_spec_same_messages_and_truth():
    a, b = Fleet.build(SMALL), Fleet.build(SMALL)
    assert _digest(a) == _digest(b)
    assert a.truth() == b.truth()


def test_fleet_other_seed_other_messages():
    assert _digest(Fleet.build(SMALL)) != _digest(Fleet.build(replace(SMALL, seed=8)))


def test_fleet_ids_match_the_schema_and_mqtt_patterns(small_fleet):
    sensor_ids = [s.sensor_id for a in small_fleet.assets for s in a.sensors]
    assert len(set(sensor_ids)) == len(sensor_ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", s) for s in sensor_ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", g) for g in small_fleet.gateway_ids)
    codes = [a.asset_code for a in small_fleet.assets]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[A-Z0-9-]{4,40}", c) for c in codes)


def test_fleet_categories_exist_in_the_categories_table(small_fleet):
    sql = (MIGRATIONS / "0001_org.sql").read_text()
    known = set(re.findall(r"\('(A[0-9]+)'", sql))
    used = {a.category_code for a in small_fleet.assets}
    assert used <= known
    assert {a.kind for a in small_fleet.assets} == set(Kind)


def test_fleet_sensors_fit_the_kind(small_fleet):
    for a in small_fleet.assets:
        kinds = {s.kind for s in a.sensors}
        assert "photo" in kinds
        assert ("loc" in kinds) == (a.kind is Kind.VEHICLE)


def test_fleet_class_shares_are_exact_counts(small_fleet):
    counts = Counter(a.verdict for a in small_fleet.assets)
    assert counts == {
        Verdict.IDLE: 8,
        Verdict.UNDER_USED: 8,
        Verdict.OFFLINE: 4,
        Verdict.IN_USE: 12,
    }


def test_fleet_idle_assets_have_no_use_and_in_use_ones_do(small_fleet):
    for a in small_fleet.assets:
        used = sum(d.in_use_s for d in a.truth_days)
        if a.verdict is Verdict.IDLE:
            assert used == 0
        elif a.verdict is Verdict.IN_USE:
            assert used > 0


def test_fleet_under_used_far_below_in_use_of_same_kind():
    fleet = Fleet.build(replace(SMALL, gateways=10, days=28, idle_share=0, offline_share=0))
    by: dict[tuple[Kind, Verdict], list[int]] = {}
    for a in fleet.assets:
        by.setdefault((a.kind, a.verdict), []).append(sum(d.in_use_s for d in a.truth_days))
    for kind in Kind:
        under = by.get((kind, Verdict.UNDER_USED))
        busy = by.get((kind, Verdict.IN_USE))
        if under and busy:
            assert max(under) < 0.5 * min(busy), kind


@pytest.mark.parametrize(
    "change",
    [
        {"gateways": 0},
        {"idle_share": 0.7, "under_used_share": 0.5},
        {"sample_s": 7},
        {"prefix": "bad prefix"},
        {"days": 0},
    ],
)
def test_spec_out_of_range_refused_with_code(change):
    with pytest.raises(SimError) as err:
        replace(FleetSpec(), **change)
    assert err.value.code.startswith("SIM_")
