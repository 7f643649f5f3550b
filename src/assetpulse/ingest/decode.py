"""Telemetry payload decoding and validation (报文解码与校验): bytes + topic in, values out.

Pure: no I/O, no clock (the caller passes the receive time), never raises on any input.
The MQTT loop only receives bytes and hands them here; tests need no broker.

The rules are MQTT.md v1. A broken envelope (not JSON, too large, wrong ``v``, ``gw``
unlike the topic's, no readings, …) makes a ``DeadMessage``; inside a good envelope each
reading is checked on its own and a bad one becomes a ``BadReading`` while its neighbours
are kept. Unknown fields are ignored so that the contract can grow without breaking.

orjson parses (measured: about twice as fast as the standard ``json`` on 100-reading
messages); msgspec typed decoding measured no faster once readings are turned into rows,
and hand-written checks give one precise reason per bad reading.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from assetpulse.ingest.model import (
    FLAG_CLOCK_SKEW,
    BadReading,
    Batch,
    DeadMessage,
    Decoded,
    Kind,
    Limits,
    Reading,
    Reason,
    StateChange,
)

ID_RE = re.compile(r"[A-Za-z0-9_.-]{1,64}")
_id_ok = ID_RE.fullmatch
# sensor ids that passed ``ID_RE``: a set lookup is ~5x cheaper than the match, and a fleet
# sends the same ids all day; bounded, so a gateway inventing ids cannot grow it for ever
_good_ids: set[str] = set()
_good_topics: dict[str, tuple[str, str]] = {}  # the same, for topics
_GOOD_IDS_MAX = 200_000
_KINDS = {"photo": Kind.PHOTO, "temp": Kind.TEMP, "loc": Kind.LOC}
_SEQ_MAX = 2**32 - 1
_COUNTER_MAX = 2**63 - 1
_FLOAT4_SANE = 1e7  # lux and accuracy are stored as real; far beyond any real sensor
_TOPIC_PREFIX = "assetpulse/v1/gw/"
DEFAULT_LIMITS = Limits()
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
# ``_new(Reading, (...))`` builds the very same Reading as ``Reading(...)`` without the
# Python-level ``__new__`` a NamedTuple has: 0.97 -> 0.28 us per reading, once per reading.
_new = tuple.__new__


class _BadReadingError(Exception):
    """Internal: one reading failed a check (caught in this module, never escapes)."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def parse_topic(topic: str) -> tuple[str, str] | None:
    """``assetpulse/v1/gw/{gw}/up|state`` -> (gateway_id, "up"|"state"), else None."""
    known = _good_topics.get(topic)
    if known is not None:
        return known
    where = _parse_topic(topic)
    if where is not None and len(_good_topics) < _GOOD_IDS_MAX:
        _good_topics[topic] = where
    return where


def _parse_topic(topic: str) -> tuple[str, str] | None:
    if not topic.startswith(_TOPIC_PREFIX):
        return None
    parts = topic[len(_TOPIC_PREFIX) :].split("/")
    if len(parts) != 2 or parts[1] not in ("up", "state") or not _id_ok(parts[0]):
        return None
    return parts[0], parts[1]


def decode(payload: bytes, topic: str, *, now_ms: int, limits: Limits = DEFAULT_LIMITS) -> Decoded:
    """Decode one MQTT message received at ``now_ms``. Never raises."""
    where = parse_topic(topic)
    if where is None:
        return DeadMessage(Reason.BAD_TOPIC, f"topic {topic[:200]!r} is not a v1 gateway topic")
    gateway_id, channel = where
    if len(payload) > limits.max_message_bytes:
        return DeadMessage(Reason.TOO_LARGE, f"{len(payload)} bytes > {limits.max_message_bytes}")
    if channel == "state":
        return _decode_state(payload, gateway_id)
    try:
        doc = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        return DeadMessage(Reason.NOT_JSON, str(exc)[:200])
    return _decode_envelope(doc, gateway_id, now_ms, limits)


def _decode_state(payload: bytes, gateway_id: str) -> Decoded:
    text = payload.decode("utf-8", "replace").strip().strip('"').lower()
    if text in ("online", "offline"):
        return StateChange(gateway_id, text == "online")
    return DeadMessage(Reason.BAD_STATE, f"state {text[:40]!r} is not online/offline")


def _decode_envelope(doc: Any, topic_gw: str, now_ms: int, limits: Limits) -> Decoded:
    if type(doc) is not dict:
        return DeadMessage(Reason.NOT_OBJECT, f"payload is a JSON {type(doc).__name__}")
    v = doc.get("v")
    if type(v) is not int or v != 1:
        return DeadMessage(Reason.BAD_VERSION, f"v={v!r:.40}, expected 1")
    gw = doc.get("gw")
    # equal to the topic's (already a valid id) is the common case: no second match
    if type(gw) is not str or (gw != topic_gw and not _id_ok(gw)):
        return DeadMessage(Reason.BAD_GATEWAY, f"gw={gw!r:.80} is not a gateway id")
    if gw != topic_gw:
        return DeadMessage(Reason.GATEWAY_MISMATCH, f"gw={gw!r} but topic says {topic_gw!r}")
    seq = doc.get("seq")
    if type(seq) is not int or not 0 <= seq <= _SEQ_MAX:
        return DeadMessage(Reason.BAD_SEQ, f"seq={seq!r:.40} is not 0..2^32-1")
    items = doc.get("readings")
    if type(items) is not list or not items:
        return DeadMessage(Reason.NO_READINGS, "readings must be a non-empty list")
    if len(items) > limits.max_readings:
        return DeadMessage(
            Reason.TOO_MANY_READINGS, f"{len(items)} readings > {limits.max_readings}"
        )
    good: list[Reading] = []
    bad: list[BadReading] = []
    oldest = now_ms - limits.max_age_ms
    skewed = now_ms + limits.clock_skew_ms
    newest = now_ms + limits.max_ahead_ms
    for index, item in enumerate(items):
        try:
            good.append(_reading(item, gw, oldest, skewed, newest))
        except _BadReadingError as exc:
            bad.append(BadReading(index, exc.reason, exc.detail, _raw(item)))
    return Batch(gw, seq, tuple(good), tuple(bad))


def decode_reading(
    item: Any, gateway_id: str, *, index: int, now_ms: int, limits: Limits = DEFAULT_LIMITS
) -> Reading | BadReading:
    """One reading outside an MQTT envelope (a row of a logger export, ``backfill``), by
    the very rules a reading inside ``readings[]`` meets; ``index`` names it in a dead
    letter. A gateway id that is not one is ``bad_gateway`` here. Never raises."""
    if type(gateway_id) is not str or not _id_ok(gateway_id):
        detail = f"gw={gateway_id!r:.80} is not a gateway id"
        return BadReading(index, Reason.BAD_GATEWAY, detail, _raw(item))
    try:
        return _reading(
            item,
            gateway_id,
            now_ms - limits.max_age_ms,
            now_ms + limits.clock_skew_ms,
            now_ms + limits.max_ahead_ms,
        )
    except _BadReadingError as exc:
        return BadReading(index, exc.reason, exc.detail, _raw(item))


def _raw(item: Any) -> bytes:
    # orjson writes at most 254 levels deep but reads 1024: keep something either way
    try:
        return orjson.dumps(item)
    except orjson.JSONEncodeError:
        return repr(item)[:10_000].encode()


def _reading(item: Any, gw: str, oldest: int, skewed: int, newest: int) -> Reading:
    # the hot loop of ingest (once per reading): checks inline, cheapest first
    if type(item) is not dict:
        raise _BadReadingError(
            Reason.READING_NOT_OBJECT, f"reading is a JSON {type(item).__name__}"
        )
    get = item.get
    s = get("s")
    if type(s) is not str or s not in _good_ids:
        if type(s) is not str or not _id_ok(s):
            raise _BadReadingError(Reason.BAD_SENSOR, f"s={s!r:.80} is not a sensor id")
        if len(_good_ids) < _GOOD_IDS_MAX:
            _good_ids.add(s)
    k = get("k")
    kind = _KINDS.get(k) if type(k) is str else None
    if kind is None:
        raise _BadReadingError(Reason.BAD_KIND, f"k={k!r:.40} is not photo/temp/loc")
    t = get("t")
    if type(t) is not int:
        t = _time_ms(t)
    if t < oldest:
        raise _BadReadingError(Reason.TIME_TOO_OLD, f"t={t} is older than the kept window")
    if t > newest:
        raise _BadReadingError(Reason.TIME_TOO_FAR_AHEAD, f"t={t} is too far in the future")
    flags = FLAG_CLOCK_SKEW if t > skewed else 0
    if kind == 2:  # Kind.TEMP, the commonest
        c = get("c")
        if type(c) is not float or not -60.0 <= c <= 200.0:
            c = _number(item, "c", -60.0, 200.0)
            if c is None:
                raise _BadReadingError(Reason.MISSING_VALUE, "temp reading needs c")
        return _new(
            Reading, (s, t, 2, gw, None, None, None, None, c, None, None, None, None, flags)
        )
    if kind == 1:  # Kind.PHOTO
        on = get("on")
        if on is not None and type(on) is not bool:
            raise _BadReadingError(Reason.BAD_VALUE, f"on={on!r:.40} is not a boolean")
        lux = _number(item, "lux", 0.0, _FLOAT4_SANE)
        if on is None and lux is None:
            raise _BadReadingError(Reason.MISSING_VALUE, "photo reading needs on and/or lux")
        return _new(Reading, (
            s, t, 1, gw, on, lux, _counter(item, "on_ms"), _counter(item, "cyc"),
            None, None, None, None, None, flags,
        ))  # fmt: skip
    lat = _number(item, "lat", -90.0, 90.0)
    lon = _number(item, "lon", -180.0, 180.0)
    if lat is None or lon is None:
        raise _BadReadingError(Reason.MISSING_VALUE, "loc reading needs lat and lon")
    acc = _number(item, "acc", 0.0, _FLOAT4_SANE)
    zone = get("zone")
    if zone is not None and (type(zone) is not str or not 0 < len(zone) <= 64 or "\x00" in zone):
        raise _BadReadingError(Reason.BAD_VALUE, f"zone={zone!r:.80} is not a zone id")
    return _new(Reading, (s, t, 3, gw, None, None, None, None, None, lat, lon, acc, zone, flags))


def _time_ms(t: Any) -> int:
    if type(t) is int:
        return t
    if type(t) is str and 10 < len(t) <= 40:
        try:
            parsed = datetime.fromisoformat(t)
        except ValueError:
            raise _BadReadingError(Reason.BAD_TIME, f"t={t!r} is not RFC 3339") from None
        if parsed.tzinfo is None:
            raise _BadReadingError(Reason.BAD_TIME, f"t={t!r} has no time zone")
        # exact integer arithmetic: float seconds would lose a millisecond on some values
        return (parsed - _EPOCH) // _MS
    raise _BadReadingError(Reason.BAD_TIME, f"t={t!r:.40} is neither Unix ms nor RFC 3339")


def _number(item: dict[str, Any], key: str, low: float, high: float) -> float | None:
    value = item.get(key)
    if value is None:
        return None
    if type(value) is not float and type(value) is not int:
        raise _BadReadingError(Reason.BAD_VALUE, f"{key}={value!r:.40} is not a number")
    if not (low <= value <= high) or not math.isfinite(value):
        raise _BadReadingError(Reason.OUT_OF_RANGE, f"{key}={value!r:.40} is outside {low}..{high}")
    return float(value)


def _counter(item: dict[str, Any], key: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if type(value) is not int or not 0 <= value <= _COUNTER_MAX:
        raise _BadReadingError(Reason.BAD_VALUE, f"{key}={value!r:.40} is not a counter")
    return value
