"""The telemetry decoder against MQTT.md v1: envelopes, readings, limits, time forms."""

from __future__ import annotations

import orjson
import pytest

from assetpulse.ingest.decode import decode, parse_topic
from assetpulse.ingest.model import (
    FLAG_CLOCK_SKEW,
    Batch,
    DeadMessage,
    Limits,
    Reason,
    StateChange,
)
from tests.fix_ingest import NOW_MS, envelope, loc, photo, temp, up_topic

TOPIC = up_topic("GW-1")


def _decode(doc: object, topic: str = TOPIC, **kw: object) -> object:
    return decode(orjson.dumps(doc), topic, now_ms=NOW_MS, **kw)  # type: ignore[arg-type]


def test_decode_contract_example_gives_three_readings() -> None:
    doc = envelope(
        "GW-1",
        18231,
        [
            photo("PH-0001", NOW_MS, on=True, lux=312.5, on_ms=8123400, cyc=412),
            temp("TM-0001", NOW_MS, 41.5),
            loc("LC-0001", "2025-11-23T08:00:00Z", 20.0442, 110.1983, acc=6.0, zone="B2-301"),
        ],
    )
    out = _decode(doc)
    assert isinstance(out, Batch)
    assert (out.gateway_id, out.seq, out.bad) == ("GW-1", 18231, ())
    ph, tm, lc = out.readings
    assert (ph.kind, ph.on_state, ph.lux, ph.on_ms, ph.cyc) == (1, True, 312.5, 8123400, 412)
    assert (tm.kind, tm.temp_c) == (2, 41.5)
    assert (lc.kind, lc.t_ms, lc.lat, lc.zone) == (3, 1763884800000, 20.0442, "B2-301")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"not json", Reason.NOT_JSON),
        (b"\xff\xfe", Reason.NOT_JSON),
        (b"[1, 2]", Reason.NOT_OBJECT),
        (b'{"v": 2, "gw": "GW-1", "seq": 1, "readings": [{}]}', Reason.BAD_VERSION),
        (b'{"v": true, "gw": "GW-1", "seq": 1, "readings": [{}]}', Reason.BAD_VERSION),
        (b'{"v": 1, "gw": "GW 1", "seq": 1, "readings": [{}]}', Reason.BAD_GATEWAY),
        (b'{"v": 1, "gw": "GW-2", "seq": 1, "readings": [{}]}', Reason.GATEWAY_MISMATCH),
        (b'{"v": 1, "gw": "GW-1", "seq": -1, "readings": [{}]}', Reason.BAD_SEQ),
        (b'{"v": 1, "gw": "GW-1", "seq": 4294967296, "readings": [{}]}', Reason.BAD_SEQ),
        (b'{"v": 1, "gw": "GW-1", "seq": 1, "readings": []}', Reason.NO_READINGS),
        (b'{"v": 1, "gw": "GW-1", "seq": 1}', Reason.NO_READINGS),
    ],
)
def test_decode_broken_envelope_dead_letters_whole_message(payload: bytes, reason: Reason) -> None:
    out = decode(payload, TOPIC, now_ms=NOW_MS)
    assert isinstance(out, DeadMessage)
    assert out.reason is reason


def test_decode_too_many_readings_or_bytes_dead_letters_message() -> None:
    doc = envelope("GW-1", 1, [temp(f"T{i}", NOW_MS, 20.0) for i in range(11)])
    assert _decode(doc, limits=Limits(max_readings=10)) == DeadMessage(
        Reason.TOO_MANY_READINGS, "11 readings > 10"
    )
    out = _decode(doc, limits=Limits(max_message_bytes=100))
    assert isinstance(out, DeadMessage)
    assert out.reason is Reason.TOO_LARGE


@pytest.mark.parametrize(
    ("reading", "reason"),
    [
        ("text", Reason.READING_NOT_OBJECT),
        ({"s": "bad id!", "k": "temp", "t": NOW_MS, "c": 1}, Reason.BAD_SENSOR),
        ({"s": "x" * 65, "k": "temp", "t": NOW_MS, "c": 1}, Reason.BAD_SENSOR),
        ({"s": "S", "k": "humidity", "t": NOW_MS, "c": 1}, Reason.BAD_KIND),
        ({"s": "S", "k": ["temp"], "t": NOW_MS, "c": 1}, Reason.BAD_KIND),
        ({"s": "S", "k": "temp", "t": 1.5e12, "c": 1}, Reason.BAD_TIME),
        ({"s": "S", "k": "temp", "t": "2025-11-23T08:00:00", "c": 1}, Reason.BAD_TIME),
        ({"s": "S", "k": "temp", "t": "yesterday noon", "c": 1}, Reason.BAD_TIME),
        ({"s": "S", "k": "temp", "t": 0, "c": 1}, Reason.TIME_TOO_OLD),
        (
            {"s": "S", "k": "temp", "t": NOW_MS + 400 * 86_400_000, "c": 1},
            Reason.TIME_TOO_FAR_AHEAD,
        ),
        ({"s": "S", "k": "temp", "t": NOW_MS}, Reason.MISSING_VALUE),
        ({"s": "S", "k": "temp", "t": NOW_MS, "c": "hot"}, Reason.BAD_VALUE),
        ({"s": "S", "k": "temp", "t": NOW_MS, "c": True}, Reason.BAD_VALUE),
        ({"s": "S", "k": "temp", "t": NOW_MS, "c": 200.5}, Reason.OUT_OF_RANGE),
        ({"s": "S", "k": "temp", "t": NOW_MS, "c": -60.1}, Reason.OUT_OF_RANGE),
        ({"s": "S", "k": "photo", "t": NOW_MS}, Reason.MISSING_VALUE),
        ({"s": "S", "k": "photo", "t": NOW_MS, "on": 1}, Reason.BAD_VALUE),
        ({"s": "S", "k": "photo", "t": NOW_MS, "lux": -1}, Reason.OUT_OF_RANGE),
        ({"s": "S", "k": "photo", "t": NOW_MS, "on": True, "cyc": -3}, Reason.BAD_VALUE),
        ({"s": "S", "k": "loc", "t": NOW_MS, "lat": 91, "lon": 0}, Reason.OUT_OF_RANGE),
        ({"s": "S", "k": "loc", "t": NOW_MS, "lat": 0, "lon": -181}, Reason.OUT_OF_RANGE),
        ({"s": "S", "k": "loc", "t": NOW_MS, "lat": 0}, Reason.MISSING_VALUE),
        (
            {"s": "S", "k": "loc", "t": NOW_MS, "lat": 0, "lon": 0, "zone": "a\x00b"},
            Reason.BAD_VALUE,
        ),
    ],
)
def test_decode_bad_reading_dead_letters_alone(reading: object, reason: Reason) -> None:
    doc = envelope("GW-1", 7, [temp("GOOD-1", NOW_MS, 20.0), reading, temp("GOOD-2", NOW_MS, 21)])
    out = _decode(doc)
    assert isinstance(out, Batch)
    assert [r.sensor_id for r in out.readings] == ["GOOD-1", "GOOD-2"]
    assert [(b.index, b.reason) for b in out.bad] == [(1, reason)]
    assert orjson.loads(out.bad[0].raw) == reading


def test_decode_future_time_within_horizon_is_kept_and_flagged() -> None:
    ahead = NOW_MS + 3_600_000
    out = _decode(envelope("GW-1", 1, [temp("S", ahead, 20.0), temp("S", NOW_MS + 1000, 20.0)]))
    assert isinstance(out, Batch)
    assert [r.flags & FLAG_CLOCK_SKEW for r in out.readings] == [FLAG_CLOCK_SKEW, 0]


def test_decode_rfc3339_with_offset_and_millis_equals_unix_ms() -> None:
    out = _decode(envelope("GW-1", 1, [temp("S", "2025-11-23T16:00:00.250+08:00", 20.0)]))
    assert isinstance(out, Batch)
    assert out.readings[0].t_ms == 1763884800250


def test_decode_unknown_fields_are_ignored() -> None:
    doc = envelope("GW-1", 1, [dict(temp("S", NOW_MS, 20.0), battery=3.3)])
    doc["fw"] = "1.2.3"
    out = _decode(doc)
    assert isinstance(out, Batch)
    assert len(out.readings) == 1


def test_decode_state_topic_gives_online_offline() -> None:
    state = "assetpulse/v1/gw/GW-1/state"
    assert decode(b"online", state, now_ms=NOW_MS) == StateChange("GW-1", True)
    assert decode(b"offline\n", state, now_ms=NOW_MS) == StateChange("GW-1", False)
    out = decode(b"rebooting", state, now_ms=NOW_MS)
    assert isinstance(out, DeadMessage)
    assert out.reason is Reason.BAD_STATE


@pytest.mark.parametrize(
    "topic",
    ["assetpulse/v1/gw/GW-1/down", "assetpulse/v2/gw/GW-1/up", "assetpulse/v1/gw/a/b/up", "x"],
)
def test_decode_foreign_topic_dead_letters(topic: str) -> None:
    assert parse_topic(topic) is None
    out = _decode(envelope("GW-1", 1, [temp("S", NOW_MS, 1.0)]), topic)
    assert isinstance(out, DeadMessage)
    assert out.reason is Reason.BAD_TOPIC
