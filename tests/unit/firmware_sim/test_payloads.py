"""Every payload the simulator publishes keeps the MQTT.md v1 contract."""

from __future__ import annotations

import json
from dataclasses import replace

from assetpulse.firmware_sim import Fleet
from tests.fix_sim import SMALL, envelope_violation, reading_violation, t_ms


def test_messages_without_faults_all_valid_and_keys_match_readings(small_published):
    messages, acc = small_published
    seen = 0
    for m in messages:
        assert envelope_violation(m.topic, m.payload) is None
        body = json.loads(m.payload)
        assert [reading_violation(r) for r in body["readings"]] == [None] * len(body["readings"])
        assert 1 <= len(body["readings"]) <= 40
        assert tuple((r["s"], t_ms(r["t"])) for r in body["readings"]) == m.keys
        assert m.publish_at_ms >= max(k[1] for k in m.keys)
        seen += len(m.keys)
    assert acc.readings == seen == len(acc.valid_keys)
    assert acc.malformed == []
    assert acc.invalid_readings == acc.duplicates == acc.dropped_messages == 0


def test_messages_come_in_publish_order_and_seq_counts_up_per_gateway(small_published):
    last_seq: dict[str, int] = {}
    last_at = 0
    for m in small_published[0]:
        assert m.publish_at_ms >= last_at
        last_at = m.publish_at_ms
        assert m.seq == last_seq.get(m.gateway_id, -1) + 1
        last_seq[m.gateway_id] = m.seq


def test_messages_some_gateways_send_rfc3339_times_unless_told_not_to():
    fleet = Fleet.build(replace(SMALL, days=1))
    kinds = {type(r["t"]) for m in fleet.messages() for r in json.loads(m.payload)["readings"]}
    assert kinds == {int, str}
    ints = {
        type(r["t"])
        for m in fleet.messages(rfc3339_gateways=False)
        for r in json.loads(m.payload)["readings"]
    }
    assert ints == {int}


def test_messages_one_reading_each_when_asked(small_fleet):
    for i, m in enumerate(small_fleet.messages(readings_per_message=1)):
        assert len(json.loads(m.payload)["readings"]) == 1
        if i > 500:
            break


def test_messages_window_slice_covers_only_that_span(small_fleet):
    spec = small_fleet.spec
    lo, hi = spec.start_ms + 86_400_000, spec.start_ms + 2 * 86_400_000
    stream = small_fleet.messages(from_ms=lo, to_ms=hi)
    list(stream)
    ts = {k[1] for k in stream.accounting.valid_keys}
    assert min(ts) == lo
    assert max(ts) < hi
