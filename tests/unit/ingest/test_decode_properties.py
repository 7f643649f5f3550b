"""Property-based: the decoder never raises, and accounts for every reading of a message."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from assetpulse.ingest.decode import decode
from assetpulse.ingest.model import Batch, DeadMessage, StateChange
from tests.fix_ingest import NOW_MS, up_topic

ids = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-",
    min_size=1,
    max_size=64,
)
json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.floats()
    | st.text(max_size=20)
)
json_any = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=12,
)
times = st.integers(NOW_MS - 10 * 86_400_000, NOW_MS + 86_400_000) | st.sampled_from(
    ["2025-11-23T08:00:00Z", "2025-11-23T16:00:00.5+08:00"]
)


@st.composite
def readings(draw: st.DrawFn) -> dict[str, Any]:
    s, t = draw(ids), draw(times)
    kind = draw(st.sampled_from(["photo", "temp", "loc"]))
    if kind == "photo":
        return {
            "s": s,
            "k": kind,
            "t": t,
            "on": draw(st.booleans()),
            "lux": draw(st.floats(0, 1e5)),
        }
    if kind == "temp":
        return {"s": s, "k": kind, "t": t, "c": draw(st.floats(-60, 200))}
    return {
        "s": s,
        "k": kind,
        "t": t,
        "lat": draw(st.floats(-90, 90)),
        "lon": draw(st.floats(-180, 180)),
    }


@st.composite
def valid_messages(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    gw = draw(ids)
    doc = {
        "v": 1,
        "gw": gw,
        "seq": draw(st.integers(0, 2**32 - 1)),
        "readings": draw(st.lists(readings(), min_size=1, max_size=8)),
    }
    return up_topic(gw), doc


@st.composite
def mutated_messages(draw: st.DrawFn) -> tuple[str, bytes]:
    topic, doc = draw(valid_messages())
    how = draw(st.sampled_from(["field", "reading", "drop", "bytes", "truncate"]))
    if how == "field":
        doc[draw(st.sampled_from(["v", "gw", "seq", "readings"]))] = draw(json_any)
    elif how == "reading":
        i = draw(st.integers(0, len(doc["readings"]) - 1))
        key = draw(st.sampled_from(["s", "k", "t", "on", "lux", "c", "lat", "lon", "zone", "cyc"]))
        if draw(st.booleans()):
            doc["readings"][i] = draw(json_any)
        else:
            doc["readings"][i][key] = draw(json_any)
    elif how == "drop":
        i = draw(st.integers(0, len(doc["readings"]) - 1))
        doc["readings"][i].pop(draw(st.sampled_from(["s", "k", "t", "c", "lat", "on"])), None)
    raw = orjson.dumps(doc)
    if how == "bytes":
        i = draw(st.integers(0, len(raw) - 1))
        raw = raw[:i] + bytes([draw(st.integers(0, 255))]) + raw[i + 1 :]
    elif how == "truncate":
        raw = raw[: draw(st.integers(0, len(raw)))]
    return topic, raw


def _readings_in(payload: bytes) -> int | None:
    try:
        doc = orjson.loads(payload)
        return len(doc["readings"])
    except Exception:
        return None


def _accounted(payload: bytes, topic: str) -> None:
    out = decode(payload, topic, now_ms=NOW_MS)
    assert isinstance(out, Batch | DeadMessage | StateChange)
    if isinstance(out, Batch):
        # every reading of the message is either good or dead-lettered alone
        assert len(out.readings) + len(out.bad) == _readings_in(payload)
        assert sorted(b.index for b in out.bad) == [b.index for b in out.bad]
        assert all(r.gateway_id == out.gateway_id for r in out.readings)


@settings(max_examples=150, deadline=None)
@given(
    payload=st.binary(max_size=300), topic=st.sampled_from([up_topic("G"), "x/y", ""]) | st.text()
)
def test_decode_arbitrary_bytes_never_raises(payload: bytes, topic: str) -> None:
    _accounted(payload, topic)


@settings(max_examples=150, deadline=None)
@given(doc=json_any)
def test_decode_arbitrary_json_never_raises(doc: Any) -> None:
    _accounted(orjson.dumps(doc), up_topic("G"))


@settings(max_examples=150, deadline=None)
@given(message=valid_messages())
def test_decode_valid_messages_keep_every_reading(message: tuple[str, dict[str, Any]]) -> None:
    topic, doc = message
    out = decode(orjson.dumps(doc), topic, now_ms=NOW_MS)
    assert isinstance(out, Batch)
    assert out.bad == ()
    assert [r.sensor_id for r in out.readings] == [r["s"] for r in doc["readings"]]


@settings(max_examples=300, deadline=None)
@given(message=mutated_messages())
def test_decode_mutated_messages_never_raise_and_account_for_all(
    message: tuple[str, bytes],
) -> None:
    topic, raw = message
    _accounted(raw, topic)
