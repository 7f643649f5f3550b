"""Validated telemetry values (遥测数据) that the decoder returns and the store writes.

Plain immutable values, no I/O. ``Reading`` is a ``NamedTuple`` rather than a frozen
dataclass on purpose: the hot path builds one per reading (tens of thousands a second)
and a tuple is about three times cheaper to create; its field order is the column order
of the store's COPY, so a reading is written without another copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import NamedTuple


class Kind(IntEnum):
    """Sensor kinds of MQTT.md, with the codes of ``readings.kind``."""

    PHOTO = 1  # 光敏：设备/房间亮灯或通电
    TEMP = 2  # 温度
    LOC = 3  # 定位


DAY_MS = 86_400_000
FLAG_CLOCK_SKEW = 1  # readings.flags bit 0: sample time ahead of the receive time


class Reading(NamedTuple):
    """One valid reading; ``t_ms`` is Unix milliseconds (UTC)."""

    sensor_id: str
    t_ms: int
    kind: int
    gateway_id: str
    on_state: bool | None
    lux: float | None
    on_ms: int | None
    cyc: int | None
    temp_c: float | None
    lat: float | None
    lon: float | None
    acc: float | None
    zone: str | None
    flags: int


class Reason(StrEnum):
    """Why a message or a reading went to the dead-letter table (死信原因). Stable codes."""

    # whole message (envelope)
    BAD_TOPIC = "bad_topic"
    TOO_LARGE = "too_large"
    NOT_JSON = "not_json"
    NOT_OBJECT = "not_object"
    BAD_VERSION = "bad_version"
    BAD_GATEWAY = "bad_gateway"
    GATEWAY_MISMATCH = "gateway_mismatch"
    BAD_SEQ = "bad_seq"
    NO_READINGS = "no_readings"
    TOO_MANY_READINGS = "too_many_readings"
    BAD_STATE = "bad_state"
    # one reading
    READING_NOT_OBJECT = "reading_not_object"
    BAD_SENSOR = "bad_sensor"
    BAD_KIND = "bad_kind"
    BAD_TIME = "bad_time"
    TIME_TOO_OLD = "time_too_old"
    TIME_TOO_FAR_AHEAD = "time_too_far_ahead"
    MISSING_VALUE = "missing_value"
    BAD_VALUE = "bad_value"
    OUT_OF_RANGE = "out_of_range"
    # one reading, refused by the store (it knows the registered sensors)
    SENSOR_GATEWAY_MISMATCH = "sensor_gateway_mismatch"  # registered to another gateway
    NEW_SENSOR_LIMIT = "new_sensor_limit"  # too many new unbound sensor ids from a gateway
    # another value for a (sensor, t) already stored: two sources under one id, a reset
    # clock; the first stays, this one is kept here instead of vanishing as a duplicate
    CONFLICTING_READING = "conflicting_reading"
    # the store could not write it (a bug or a schema drift; kept, never dropped)
    STORE_FAILED = "store_failed"


@dataclass(frozen=True, slots=True)
class Limits:
    """What the decoder accepts. Times are relative to the receive time ``now_ms``.

    ``max_age_ms`` is the setting ``ASSETPULSE_INGEST_MAX_READING_AGE_DAYS`` (default 390
    days; the store makes a month's partition when its first reading comes, so any age
    can be stored); ``max_ahead_ms`` is where a skewed clock stops being "skewed" and
    becomes nonsense that would need partitions years ahead.
    """

    max_message_bytes: int = 1_048_576
    max_readings: int = 10_000
    clock_skew_ms: int = 300_000
    max_age_ms: int = 390 * DAY_MS
    max_ahead_ms: int = 45 * DAY_MS


@dataclass(frozen=True, slots=True)
class BadReading:
    """One invalid reading: dead-lettered alone; ``raw`` is the reading as JSON."""

    index: int
    reason: Reason
    detail: str
    raw: bytes


class Batch(NamedTuple):
    """A message with a valid envelope: its good readings and its bad ones. ``seq`` is
    None for readings that came in no MQTT message (a backfill import): nothing to count
    in the gateway's message sequence. A NamedTuple, as ``Received``: made once per
    message, and a frozen dataclass's ``__init__`` costs three times as much."""

    gateway_id: str
    seq: int | None
    readings: tuple[Reading, ...]
    bad: tuple[BadReading, ...]


@dataclass(frozen=True, slots=True)
class StateChange:
    """A gateway's ``online``/``offline`` announcement (网关在线状态)."""

    gateway_id: str
    online: bool


@dataclass(frozen=True, slots=True)
class DeadMessage:
    """A message whose envelope is invalid: dead-lettered whole, then acknowledged."""

    reason: Reason
    detail: str


Decoded = Batch | StateChange | DeadMessage


class Received(NamedTuple):
    """One message as received: what the store needs to account for all of it."""

    topic: str
    payload: bytes
    received_ms: int
    decoded: Decoded


@dataclass(frozen=True, slots=True)
class WriteResult:
    """What one committed batch did; ``stored + duplicates + dead_readings`` covers every
    reading of its valid envelopes, ``dead_messages`` the rest."""

    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    dead_readings: int = 0
    dead_messages: int = 0
    states: int = 0
    sensor_mismatch: int = 0  # of dead_readings: sensor registered to another gateway
    new_sensor_refused: int = 0  # of dead_readings: over the new unbound sensors limit
    conflicting: int = 0  # of dead_readings: another value for a (sensor, t) stored before
