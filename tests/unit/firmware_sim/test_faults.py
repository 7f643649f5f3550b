"""Faults on request, each accounted for so that tests know what a correct ingest stores."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict

import pytest

from assetpulse.firmware_sim import FaultSpec
from tests.fix_sim import envelope_violation, reading_violation, t_ms


@pytest.fixture(scope="module")
def published(faulty_fleet):
    stream = faulty_fleet.messages(readings_per_message=30)
    return list(stream), stream.accounting


def test_faults_off_by_default():
    assert not FaultSpec().any
    assert FaultSpec.typical().any


def test_faults_malformed_envelopes_and_invalid_readings_are_the_ones_flagged(published):
    messages, acc = published
    assert acc.malformed
    assert acc.invalid_readings > 0
    for m in messages:
        problem = envelope_violation(m.topic, m.payload)
        if m.malformed is not None:
            assert problem is not None, m.malformed
            assert m.keys == ()
            continue
        assert problem is None
        readings = json.loads(m.payload)["readings"]
        bad = tuple(i for i, r in enumerate(readings) if reading_violation(r) is not None)
        assert bad == m.invalid
        good = [r for i, r in enumerate(readings) if i not in m.invalid]
        assert tuple((r["s"], t_ms(r["t"])) for r in good) == m.keys


def test_faults_duplicates_repeat_keys_already_published(published):
    messages, acc = published
    assert acc.duplicates > 0
    seen: set[tuple[str, int]] = set()
    for m in messages:
        if m.duplicate:
            assert set(m.keys) <= seen
        seen.update(m.keys)
    assert seen == acc.valid_keys
    assert acc.readings > len(acc.valid_keys)


def test_faults_dropouts_leave_seq_gaps_and_reorders_show(published):
    messages, acc = published
    assert acc.dropped_messages > 0
    gaps = backwards = 0
    last: dict[str, int] = {}
    for m in messages:
        if m.malformed or m.duplicate:
            continue
        prev = last.get(m.gateway_id)
        if prev is not None and not m.after_reboot:
            gaps += m.seq > prev + 1
            backwards += m.seq < prev
        last[m.gateway_id] = m.seq
    assert gaps > 0
    assert backwards > 0


def test_faults_late_batches_arrive_long_after_their_readings(published):
    messages, _ = published
    lags = [m.publish_at_ms - max(k[1] for k in m.keys) for m in messages if m.keys]
    assert max(lags) >= 600_000


def test_faults_reboots_restart_seq_and_counters(published):
    messages, acc = published
    assert acc.reboots > 0
    restarts = [m.seq for m in messages if m.after_reboot]
    assert restarts
    assert min(restarts) == 0
    counters: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for m in messages:
        if m.malformed:
            continue
        for i, r in enumerate(json.loads(m.payload)["readings"]):
            if "on_ms" in r and i not in m.invalid:
                counters[r["s"]].append((t_ms(r["t"]), r["on_ms"]))
    drops = 0
    for series in counters.values():
        series.sort()
        drops += sum(b[1] < a[1] for a, b in itertools.pairwise(series))
    assert drops > 0


def test_faults_skewed_readings_are_off_the_sample_grid_and_accounted(published):
    _, acc = published
    assert acc.skewed_keys
    assert acc.skewed_keys <= acc.valid_keys
    assert all(t % 1000 == 137 for _, t in acc.skewed_keys)


def test_faults_add_no_reading_the_faultless_fleet_lacks(published, small_published):
    _, acc = published
    assert (acc.valid_keys - acc.skewed_keys) <= small_published[1].valid_keys
