"""The PostgreSQL side of ingest (入库): one transaction per batch of received messages.

Per batch, in one transaction, readings go in by one of two paths:
- fast: binary COPY straight into ``readings`` inside a savepoint. Most batches hold no
  reading stored before, and then this is all (1.5-1.9× the staged path's rows/s, measured
  on 500,000 rows on one connection).
- exact: when the fast COPY hits the primary key (a redelivery, a gateway sending twice),
  the savepoint is rolled back and the batch goes through a session-local staging table and
  ``insert … select … order by sensor_id, t on conflict do nothing``. Duplicates are the
  staged rows not inserted. Sorting fixes the order in which rows are locked, so two
  workers holding the same redelivered readings wait for each other instead of
  deadlocking. After a conflict the next ``EXACT_AFTER_CONFLICT`` batches take this path
  directly, because duplicates come in runs (a reconnect redelivers a whole window).
``executemany`` INSERTs measured several times slower than either. Dead letters go in by
COPY as well, unbound sensors and seq blocks by one ``unnest`` upsert each, in sorted key
order for the same reason.

The quarantine list (``unbound_sensors``) gets a sensor's row in the batch that first
brings it, so the list and the per-gateway limit on new ids are exact; after that its
counts (readings, first/last sample time) are summed in memory and written with a batch at
most every ``unbound_flush_s`` and at ``flush``. Upserting every unbound sensor of every
batch doubled PostgreSQL's CPU per reading (8.2 against 4.6 µs, 1,000 unbound sensors in
batches of 5,000): a misconfigured fleet halved ingest. What a worker killed -9 loses is
its last interval of those counts, never a reading.

The caller acknowledges the batch's messages only after ``write`` returns.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
import psycopg.errors

from assetpulse.ingest.deadletter import bounded
from assetpulse.ingest.decode import parse_topic
from assetpulse.ingest.guards import BindingCache, PartitionGuard, SensorRegistry
from assetpulse.ingest.model import (
    Batch,
    DeadMessage,
    Kind,
    Reading,
    Reason,
    Received,
    StateChange,
    WriteResult,
)
from assetpulse.ingest.seqbits import seq_blocks

STAGE_DDL = """
create temp table if not exists ingest_stage (
    sensor_id text, t_ms bigint, kind smallint, gateway_id text, on_state boolean,
    lux real, on_ms bigint, cyc bigint, temp_c real, lat double precision,
    lon double precision, acc real, zone text, flags smallint
) on commit delete rows
"""
STAGE_TYPES = [
    "text", "int8", "int2", "text", "bool", "float4", "int8", "int8",
    "float4", "float8", "float8", "float4", "text", "int2",
]  # fmt: skip
COPY_STAGE = "copy ingest_stage from stdin (format binary)"
MOVE_STAGED = """
insert into readings (sensor_id, t, kind, gateway_id, on_state, lux, on_ms, cyc, temp_c,
                      lat, lon, acc, zone, flags)
select sensor_id, timestamptz 'epoch' + t_ms * interval '1 millisecond', kind, gateway_id,
       on_state, lux, on_ms, cyc, temp_c, lat, lon, acc, zone, flags
from ingest_stage
order by sensor_id, t_ms
on conflict (sensor_id, t) do nothing
"""
# staged readings that lost to a stored row of the same (sensor, t) with other values (the
# gateway and the clock-skew flag may differ between copies of one reading: not compared)
CONFLICTS = """
select s.sensor_id, s.t_ms, s.gateway_id,
       s.kind, s.on_state, s.lux, s.on_ms, s.cyc, s.temp_c, s.lat, s.lon, s.acc, s.zone,
       r.kind, r.on_state, r.lux, r.on_ms, r.cyc, r.temp_c, r.lat, r.lon, r.acc, r.zone
from ingest_stage s
join readings r on r.sensor_id = s.sensor_id
               and r.t = timestamptz 'epoch' + s.t_ms * interval '1 millisecond'
where (s.kind, s.on_state, s.lux, s.on_ms, s.cyc, s.temp_c, s.lat, s.lon, s.acc, s.zone)
      is distinct from
      (r.kind, r.on_state, r.lux, r.on_ms, r.cyc, r.temp_c, r.lat, r.lon, r.acc, r.zone)
order by s.sensor_id, s.t_ms
"""
COPY_DEAD = """
copy ingest_dead_letters (received_at, topic, gateway_id, reason, reading_index, detail,
                          payload, payload_size, payload_sha256, sensor_id)
from stdin (format binary)
"""
DEAD_TYPES = [
    "timestamptz", "text", "text", "text", "int4", "text", "bytea", "int4", "bytea", "text",
]  # fmt: skip
# new unbound sensor ids per gateway in the last hour (rate limit, see ``_refuse_new``)
RECENT_NEW_SENSORS = """
select gateway_id, count(*) from unbound_sensors
where gateway_id = any(%s) and first_seen > now() - interval '1 hour'
group by gateway_id
"""
PURGE_DEAD_LETTERS = """
delete from ingest_dead_letters where id in (
    select id from ingest_dead_letters
    where received_at < now() - %s * interval '1 day' limit 10000)
"""
UPSERT_UNBOUND = """
insert into unbound_sensors (sensor_id, gateway_id, first_t, last_t, readings)
select s, g, timestamptz 'epoch' + f * interval '1 millisecond',
       timestamptz 'epoch' + l * interval '1 millisecond', n
from unnest(%s::text[], %s::text[], %s::int8[], %s::int8[], %s::int8[]) as u(s, g, f, l, n)
order by s
on conflict (sensor_id) do update set
    gateway_id = excluded.gateway_id,
    first_t = least(unbound_sensors.first_t, excluded.first_t),
    last_t = greatest(unbound_sensors.last_t, excluded.last_t),
    readings = unbound_sensors.readings + excluded.readings,
    last_seen = now()
"""
UPSERT_SEQ = """
insert into ingest_seq_blocks (gateway_id, block, bits, lo, hi)
select g, b, bits::bit(1024), lo, hi
from unnest(%s::text[], %s::int8[], %s::text[], %s::int2[], %s::int2[])
     as u(g, b, bits, lo, hi)
order by g, b
on conflict (gateway_id, block) do update set
    bits = ingest_seq_blocks.bits | excluded.bits,
    lo = least(ingest_seq_blocks.lo, excluded.lo),
    hi = greatest(ingest_seq_blocks.hi, excluded.hi),
    updated_at = now()
"""
UPSERT_STATE = """
insert into gateway_state (gateway_id, online, changed_at)
select g, o, timestamptz 'epoch' + r * interval '1 millisecond'
from unnest(%s::text[], %s::bool[], %s::int8[]) as u(g, o, r)
order by g
on conflict (gateway_id) do update set online = excluded.online,
    changed_at = excluded.changed_at
where gateway_state.changed_at <= excluded.changed_at
"""
COPY_READINGS = """
copy readings (sensor_id, t, kind, gateway_id, on_state, lux, on_ms, cyc, temp_c, lat, lon,
               acc, zone, flags) from stdin (format binary)
"""
# binary COPY sends timestamptz as microseconds since 2000-01-01 UTC (PostgreSQL's wire
# format): writing that int64 spares a datetime object per reading
PG_EPOCH_MS = 946_684_800_000
EXACT_AFTER_CONFLICT = 20
SEQ_MISSING = "select coalesce(sum(missing), 0)::bigint from ingest_seq_gaps"


def _ts(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


class ReadingStore:
    """Writes batches on one connection; ``write`` raises psycopg errors for the caller
    to retry (connection lost, deadlock) or to split the batch (a bad row)."""

    def __init__(
        self,
        conninfo: str,
        *,
        bindings_refresh_s: float = 30.0,
        new_sensors_per_hour: int = 1000,
        unbound_flush_s: float = 10.0,
    ) -> None:
        self.conninfo = conninfo
        self.bindings = BindingCache(refresh_s=bindings_refresh_s)
        self.sensors = SensorRegistry(refresh_s=bindings_refresh_s)
        self.new_sensors_per_hour = new_sensors_per_hour
        self.partitions = PartitionGuard()
        self._conn: psycopg.Connection[Any] | None = None
        self._exact_left = 0  # batches still to take the exact path after a conflict
        self.unbound_flush_s = unbound_flush_s
        # counts of listed unbound sensors not written yet: sensor -> [gw, first, last, n]
        self._unbound_held: dict[str, list[Any]] = {}
        self._unbound_listed: set[str] = set()  # rows this store has written
        self._unbound_flushed_at = time.monotonic()

    def connect(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self.close()
            conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5)
            conn.execute(STAGE_DDL)
            self._conn = conn
            self.partitions.forget()
            self.bindings.refresh(conn)
            self.sensors.refresh(conn)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def seq_missing(self) -> int:
        row = self.connect().execute(SEQ_MISSING).fetchone()
        return int(row[0]) if row else 0

    def purge_dead_letters(self, days: int) -> int:
        """Delete dead letters older than ``days`` (a bounded slice per call)."""
        with self.connect().cursor() as cur:
            cur.execute(PURGE_DEAD_LETTERS, (days,))
            return cur.rowcount

    def write(self, items: Sequence[Received]) -> WriteResult:
        conn = self.connect()
        self.bindings.maybe_refresh(conn)
        self.sensors.maybe_refresh(conn)
        owner_of = self.sensors.owner_of
        readings: list[Reading] = []
        dead: list[tuple[Any, ...]] = []
        seqs: list[tuple[str, int]] = []
        states: dict[str, tuple[bool, int]] = {}
        topic_of: dict[str, str] = {}  # a gateway's topic, to name it in a conflict's dead letter
        mismatched = 0
        for item in items:
            d = item.decoded
            if type(d) is Batch:
                topic_of.setdefault(d.gateway_id, item.topic)
                if not owner_of:
                    readings.extend(d.readings)
                else:
                    foreign = _foreign(d, owner_of)
                    if not foreign:
                        readings.extend(d.readings)
                    else:
                        at = _ts(item.received_ms)
                        for k, index, r in _good_indexed(d):
                            if k in foreign:
                                owner = foreign[k]
                                dead.append(_mismatch_row(at, item.topic, index, r, owner))
                            else:
                                readings.append(r)
                        mismatched += len(foreign)
                if d.seq is not None:  # None: a backfill import, no MQTT message
                    seqs.append((d.gateway_id, d.seq))
                if d.bad:
                    at = _ts(item.received_ms)
                    for b in d.bad:
                        dead.append(
                            (at, item.topic, d.gateway_id, b.reason.value, b.index, b.detail,
                             *bounded(b.raw), _sensor_of(b.raw))
                        )  # fmt: skip
            elif type(d) is StateChange:
                states[d.gateway_id] = (d.online, item.received_ms)
            else:
                assert isinstance(d, DeadMessage)
                gw = _topic_gateway(item.topic)
                at = _ts(item.received_ms)
                dead.append(
                    (at, item.topic, gw, d.reason.value, None, d.detail, *bounded(item.payload),
                     None)
                )  # fmt: skip
        if readings:
            times = [r[1] for r in readings]
            self.partitions.ensure(conn, min(times), max(times))
        unbound = self._unbound(readings)
        new_ids = [u for u in unbound if self.sensors.is_new(u[0])]
        inserted = refused_count = 0
        conflicts: list[tuple[Any, ...]] = []
        with conn.transaction():
            if new_ids:
                refused = self._refuse_new(conn, new_ids)
                if refused:
                    kept: list[Reading] = []
                    now = datetime.now(UTC)
                    for r in readings:
                        if r.sensor_id in refused:
                            dead.append(_refused_row(now, r, self.new_sensors_per_hour))
                        else:
                            kept.append(r)
                    refused_count = len(readings) - len(kept)
                    readings = kept
                    unbound = [u for u in unbound if u[0] not in refused]
            if readings:
                inserted, conflicts = self._store_readings(conn, readings)
                if conflicts:
                    now = datetime.now(UTC)
                    dead.extend(_conflict_row(now, c, topic_of) for c in conflicts)
            if dead:
                with conn.cursor() as cur, cur.copy(COPY_DEAD) as copy:
                    copy.set_types(DEAD_TYPES)
                    for row in dead:
                        copy.write_row(row)
            flush_all = time.monotonic() - self._unbound_flushed_at >= self.unbound_flush_s
            to_write = self._unbound_to_write(unbound, flush_all)
            if to_write:
                conn.execute(UPSERT_UNBOUND, _columns(to_write, 5))
            if seqs:
                blocks = seq_blocks(seqs)
                conn.execute(
                    UPSERT_SEQ,
                    (
                        [b.gateway_id for b in blocks],
                        [b.block for b in blocks],
                        [b.bits for b in blocks],
                        [b.lo for b in blocks],
                        [b.hi for b in blocks],
                    ),
                )
            if states:
                rows = sorted((g, o, r) for g, (o, r) in states.items())
                conn.execute(UPSERT_STATE, _columns(rows, 3))
        self._unbound_written(unbound, to_write, flush_all)
        self.sensors.seen(u[0] for u in unbound)
        dead_messages = sum(1 for row in dead if row[4] is None and row[9] is None)
        return WriteResult(
            stored=inserted,
            duplicates=len(readings) - inserted - len(conflicts),
            quarantined=sum(u[4] for u in unbound),
            dead_readings=len(dead) - dead_messages,
            dead_messages=dead_messages,
            states=len(states),
            sensor_mismatch=mismatched,
            new_sensor_refused=refused_count,
            conflicting=len(conflicts),
        )

    def flush(self) -> None:
        """Write the unbound sensors' counts held in memory (at shutdown)."""
        if not self._unbound_held:
            return
        rows = self._unbound_to_write([], flush_all=True)
        conn = self.connect()
        with conn.transaction():
            conn.execute(UPSERT_UNBOUND, _columns(rows, 5))
        self._unbound_held.clear()
        self._unbound_flushed_at = time.monotonic()

    def _unbound_to_write(
        self, batch: list[tuple[str, str, int, int, int]], flush_all: bool
    ) -> list[tuple[str, str, int, int, int]]:
        """The rows to upsert with this batch: sensors this store has not listed yet, and
        every held count when the interval is up (merged with this batch's)."""
        if not flush_all:
            listed = self._unbound_listed
            return [u for u in batch if u[0] not in listed]
        merged = {s: list(a) for s, a in self._unbound_held.items()}
        _add_counts(merged, batch)
        return sorted((s, a[0], a[1], a[2], a[3]) for s, a in merged.items())

    def _unbound_written(
        self,
        batch: list[tuple[str, str, int, int, int]],
        written: list[tuple[str, str, int, int, int]],
        flush_all: bool,
    ) -> None:
        """After the commit: hold the counts of this batch that were not written."""
        self._unbound_listed.update(u[0] for u in written)
        if flush_all:
            self._unbound_held.clear()
            self._unbound_flushed_at = time.monotonic()
            return
        done = {u[0] for u in written}
        _add_counts(self._unbound_held, [u for u in batch if u[0] not in done])

    def _refuse_new(
        self, conn: psycopg.Connection[Any], new: list[tuple[str, str, int, int, int]]
    ) -> set[str]:
        """New unbound sensor ids beyond ``new_sensors_per_hour`` per gateway (counted in
        ``unbound_sensors`` by all workers, so the limit holds for the whole service,
        give or take what two workers admit at the same moment)."""
        gateways = sorted({u[1] for u in new})
        recent = dict(conn.execute(RECENT_NEW_SENSORS, (gateways,)).fetchall())
        room = {g: self.new_sensors_per_hour - int(recent.get(g, 0)) for g in gateways}
        refused: set[str] = set()
        for sensor_id, gw, *_ in new:
            if room[gw] > 0:
                room[gw] -= 1
            else:
                refused.add(sensor_id)
        return refused

    def _store_readings(
        self, conn: psycopg.Connection[Any], readings: list[Reading]
    ) -> tuple[int, list[tuple[Any, ...]]]:
        """Rows inserted, and the ``CONFLICTS`` rows: readings that met a stored one of the
        same (sensor, t) with other values. The rest were stored before (duplicates)."""
        if self._exact_left > 0:
            self._exact_left -= 1
        else:
            try:
                with conn.transaction(), conn.cursor() as cur, cur.copy(COPY_READINGS) as copy:
                    copy.set_types(STAGE_TYPES)
                    for r in readings:
                        copy.write_row((r[0], (r[1] - PG_EPOCH_MS) * 1000, *r[2:]))
                return len(readings), []
            except psycopg.errors.UniqueViolation:
                self._exact_left = EXACT_AFTER_CONFLICT
        with conn.cursor() as cur:
            with cur.copy(COPY_STAGE) as copy:
                copy.set_types(STAGE_TYPES)
                for r in readings:
                    copy.write_row(r)
            cur.execute(MOVE_STAGED)
            inserted = cur.rowcount
            if inserted == len(readings):
                return inserted, []
            return inserted, cur.execute(CONFLICTS).fetchall()

    def dead_letter(self, items: Sequence[Received], reason: Reason, detail: str) -> None:
        """Keep messages the store could not write (after splitting a failing batch)."""
        conn = self.connect()
        with conn.transaction(), conn.cursor() as cur, cur.copy(COPY_DEAD) as copy:
            copy.set_types(DEAD_TYPES)
            for item in items:
                gw = _topic_gateway(item.topic)
                at = _ts(item.received_ms)
                copy.write_row(
                    (at, item.topic, gw, reason.value, None, detail, *bounded(item.payload), None)
                )

    def _unbound(self, readings: Sequence[Reading]) -> list[tuple[str, str, int, int, int]]:
        agg: dict[str, list[Any]] = {}
        for r in self.bindings.unbound_of(readings):
            s, t = r[0], r[1]
            a = agg.get(s)
            if a is None:
                agg[s] = [r[3], t, t, 1]
            else:
                a[0] = r[3]
                if t < a[1]:
                    a[1] = t
                elif t > a[2]:
                    a[2] = t
                a[3] += 1
        return sorted((s, a[0], a[1], a[2], a[3]) for s, a in agg.items())


def _add_counts(into: dict[str, list[Any]], rows: Sequence[tuple[str, str, int, int, int]]) -> None:
    """Sum unbound-sensor rows (sensor, gateway, first, last, readings) into ``into``."""
    for s, gw, first, last, n in rows:
        a = into.get(s)
        if a is None:
            into[s] = [gw, first, last, n]
        else:
            a[0], a[1], a[2], a[3] = gw, min(a[1], first), max(a[2], last), a[3] + n


def _foreign(batch: Batch, owner_of: dict[str, str]) -> dict[int, str]:
    """Position among the batch's good readings -> the gateway its sensor belongs to, for
    readings whose sensor is registered to a gateway other than the sender."""
    gw = batch.gateway_id
    out: dict[int, str] = {}
    for k, r in enumerate(batch.readings):
        owner = owner_of.get(r.sensor_id)
        if owner is not None and owner != gw:
            out[k] = owner
    return out


def _good_indexed(batch: Batch) -> list[tuple[int, int, Reading]]:
    """(position among good readings, index in the message, reading): the decoder keeps
    the good readings in message order, leaving out the bad ones' indexes."""
    bad = {b.index for b in batch.bad}
    out = []
    index = 0
    for k, r in enumerate(batch.readings):
        while index in bad:
            index += 1
        out.append((k, index, r))
        index += 1
    return out


def _mismatch_row(at: datetime, topic: str, index: int, r: Reading, owner: str) -> tuple[Any, ...]:
    raw = orjson.dumps({"s": r.sensor_id, "t": r.t_ms, "k": r.kind})
    detail = f"sensor {r.sensor_id} is registered to gateway {owner}, not {r.gateway_id}"
    return (
        at, topic, r.gateway_id, Reason.SENSOR_GATEWAY_MISMATCH.value, index, detail,
        *bounded(raw), r.sensor_id,
    )  # fmt: skip


def _refused_row(at: datetime, r: Reading, limit: int) -> tuple[Any, ...]:
    raw = orjson.dumps({"s": r.sensor_id, "t": r.t_ms, "k": r.kind})
    detail = f"gateway {r.gateway_id} sent more than {limit} new unbound sensor ids in an hour"
    topic = f"assetpulse/v1/gw/{r.gateway_id}/up"
    return (
        at, topic, r.gateway_id, Reason.NEW_SENSOR_LIMIT.value, None, detail,
        *bounded(raw), r.sensor_id,
    )  # fmt: skip


# a stored reading's values as its JSON fields (MQTT.md), to show and keep a conflict
_FIELDS = ("on", "lux", "on_ms", "cyc", "c", "lat", "lon", "acc", "zone")
_KIND_NAMES = {int(k): k.name.lower() for k in Kind}


def _as_fields(values: Sequence[Any]) -> dict[str, Any]:
    """``kind, on_state, lux, on_ms, cyc, temp_c, lat, lon, acc, zone`` → {"k": …, …}."""
    return {"k": _KIND_NAMES.get(values[0], values[0])} | {
        f: v for f, v in zip(_FIELDS, values[1:], strict=True) if v is not None
    }


def _conflict_row(at: datetime, c: tuple[Any, ...], topic_of: dict[str, str]) -> tuple[Any, ...]:
    sensor, t_ms, gw = c[0], c[1], c[2]
    refused, stored = _as_fields(c[3:13]), _as_fields(c[13:23])
    detail = (
        f"s={sensor} t={t_ms}: stored {orjson.dumps(stored).decode()}, this one "
        f"{orjson.dumps(refused).decode()}; the first stays"
    )
    payload = orjson.dumps({"s": sensor, "t": t_ms} | refused)
    topic = topic_of.get(gw, "")
    return (at, topic, gw, Reason.CONFLICTING_READING.value, None, detail, *bounded(payload),
            sensor)  # fmt: skip


def _sensor_of(raw: bytes) -> str | None:
    """The ``s`` of a bad reading, when it has a usable one (for the sensor's page)."""
    if b'"s"' not in raw[:4096]:
        return None
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    s = doc.get("s") if type(doc) is dict else None
    return s if type(s) is str and 0 < len(s) <= 64 else None


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    return [[row[i] for row in rows] for i in range(width)]


def _topic_gateway(topic: str) -> str | None:
    where = parse_topic(topic)
    return where[0] if where else None
