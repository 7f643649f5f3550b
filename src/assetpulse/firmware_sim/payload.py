"""Encoding of gateway batches per MQTT.md v1, and the broken ones a faulty gateway sends.

Valid payloads are compact UTF-8 JSON objects ``{"v": 1, "gw", "seq", "readings": [...]}``.
The malformed variants each break exactly one envelope rule of MQTT.md (not JSON, wrong
``v``, ``gw`` unlike the topic's, no readings); invalid readings each break one reading
rule, so the ingest must dead-letter them alone and keep their neighbours.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

TOPIC_UP = "assetpulse/v1/gw/{gw}/up"
TOPIC_STATE = "assetpulse/v1/gw/{gw}/state"
SEQ_MOD = 2**32

MALFORMED_REASONS = ("not_json", "truncated", "wrong_version", "gw_mismatch", "no_readings")
INVALID_READING_REASONS = (
    "unknown_kind",
    "temp_out_of_range",
    "lat_out_of_range",
    "negative_lux",
    "bad_sensor_id",
    "missing_time",
    "bad_time",
)


def up_topic(gateway_id: str) -> str:
    return TOPIC_UP.format(gw=gateway_id)


def state_topic(gateway_id: str) -> str:
    return TOPIC_STATE.format(gw=gateway_id)


def rfc3339(t_ms: int) -> str:
    """``2025-11-23T08:00:00Z``, with milliseconds only when they are not zero."""
    dt = datetime.fromtimestamp(t_ms / 1000, tz=UTC)
    if t_ms % 1000:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t_ms % 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def encode(gateway_id: str, seq: int, readings: list[dict[str, Any]]) -> bytes:
    body = {"v": 1, "gw": gateway_id, "seq": seq % SEQ_MOD, "readings": readings}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def malformed(gateway_id: str, seq: int, reading: dict[str, Any], reason: str) -> bytes:
    """An envelope that MQTT.md says must be dead-lettered whole, for ``reason``."""
    if reason == "not_json":
        return b"\xff\xfeGW-REBOOT\x00" + gateway_id.encode()
    if reason == "truncated":
        return encode(gateway_id, seq, [reading])[:-7]
    body: dict[str, Any] = {"v": 1, "gw": gateway_id, "seq": seq % SEQ_MOD, "readings": [reading]}
    if reason == "wrong_version":
        body["v"] = 7
    elif reason == "gw_mismatch":
        body["gw"] = gateway_id + "-X"
    elif reason == "no_readings":
        body["readings"] = []
    else:
        raise ValueError(reason)
    return json.dumps(body, separators=(",", ":")).encode()


def invalid_reading(sensor_id: str, t_ms: int, reason: str) -> dict[str, Any]:
    """One reading that breaks one MQTT.md reading rule (its neighbours stay valid)."""
    if reason == "unknown_kind":
        return {"s": sensor_id, "k": "humidity", "t": t_ms, "rh": 71.0}
    if reason == "temp_out_of_range":
        return {"s": sensor_id, "k": "temp", "t": t_ms, "c": 999.0}
    if reason == "lat_out_of_range":
        return {"s": sensor_id, "k": "loc", "t": t_ms, "lat": 123.4, "lon": 110.3}
    if reason == "negative_lux":
        return {"s": sensor_id, "k": "photo", "t": t_ms, "lux": -5.0}
    if reason == "bad_sensor_id":
        return {"s": "bad id/!", "k": "temp", "t": t_ms, "c": 25.0}
    if reason == "missing_time":
        return {"s": sensor_id, "k": "temp", "c": 25.0}
    if reason == "bad_time":
        return {"s": sensor_id, "k": "temp", "t": "yesterday at noon", "c": 25.0}
    raise ValueError(reason)


def pick(rng: random.Random, options: tuple[str, ...]) -> str:
    return options[rng.randrange(len(options))]
