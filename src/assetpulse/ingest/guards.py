"""Caches that keep the store's hot path free of per-reading queries.

- ``BindingCache``: which sensors are bound to an asset card at a time (传感器绑定), loaded
  whole from ``sensor_bindings`` once, then every ``refresh_s`` only the sensors whose
  bindings changed since (``sensor_binding_changes``, written by a trigger), with a whole
  reload every ``full_s`` as a backstop. A binding made a moment ago may count as unbound
  until the next look: the reading is stored either way, only the operator's "unbound
  sensors" list is late by that much.
- ``SensorRegistry``: which gateway each registered sensor belongs to, and which sensor
  ids are known at all (for the ownership check and the new-sensor rate limit).
- ``PartitionGuard``: plain PostgreSQL has monthly partitions and no default partition, so
  a reading in a month without a partition would fail the whole batch. The guard remembers
  the span it has ensured and calls ``ensure_reading_partitions`` for the rest, in its own
  short transaction under an advisory lock (two workers creating the same partition at
  once would otherwise collide on the catalog). On TimescaleDB it does nothing.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import psycopg

from assetpulse.ingest.model import Reading

LOAD_BINDINGS = """
select sensor_id,
       (extract(epoch from lower(valid)) * 1000)::bigint,
       (extract(epoch from upper(valid)) * 1000)::bigint
from sensor_bindings order by sensor_id, lower(valid)
"""
LOAD_BINDINGS_OF = """
select sensor_id,
       (extract(epoch from lower(valid)) * 1000)::bigint,
       (extract(epoch from upper(valid)) * 1000)::bigint
from sensor_bindings where sensor_id = any(%s) order by sensor_id, lower(valid)
"""
DB_NOW = "select clock_timestamp()"
# changed_at is the change's own time, its commit a little later: looking back a minute
# before the last look catches a transaction that committed after that look
CHANGED_SENSORS = """
select distinct sensor_id from sensor_binding_changes where changed_at > %s - interval '1 minute'
"""
PURGE_CHANGES = "delete from sensor_binding_changes where changed_at < now() - interval '1 day'"
IS_PARTITIONED = "select relkind = 'p' from pg_class where oid = 'readings'::regclass"
ENSURE = "select ensure_reading_partitions(%s, %s)"
_LOCK = "select pg_advisory_xact_lock(%s)"
_PARTITION_LOCK_KEY = 0x696E6731  # "ing1"
_NEG, _POS = -(2**62), 2**62


class BindingCache:
    """sensor_id -> sorted validity intervals [lo, hi) in Unix ms."""

    def __init__(self, *, refresh_s: float = 30.0, full_s: float = 900.0) -> None:
        self.refresh_s = refresh_s
        self.full_s = full_s
        self._starts: dict[str, list[int]] = {}
        self._ends: dict[str, list[int]] = {}
        self._loaded_at = -1e18
        self._looked_at = -1e18
        self._looked_db: datetime | None = None  # the database's clock at the last look

    def maybe_refresh(self, conn: psycopg.Connection[Any]) -> None:
        now = time.monotonic()
        if now - self._loaded_at >= self.full_s or self._looked_db is None:
            self.refresh(conn)
        elif now - self._looked_at >= self.refresh_s:
            self.follow(conn)

    def refresh(self, conn: psycopg.Connection[Any]) -> None:
        """Load every binding (on connecting, and every ``full_s``)."""
        looked = conn.execute(DB_NOW).fetchone()[0]  # type: ignore[index]
        starts: dict[str, list[int]] = {}
        ends: dict[str, list[int]] = {}
        for sensor_id, lo, hi in conn.execute(LOAD_BINDINGS):
            starts.setdefault(sensor_id, []).append(_NEG if lo is None else lo)
            ends.setdefault(sensor_id, []).append(_POS if hi is None else hi)
        self._starts, self._ends = starts, ends
        self._loaded_at = self._looked_at = time.monotonic()
        self._looked_db = looked
        conn.execute(PURGE_CHANGES)

    def follow(self, conn: psycopg.Connection[Any]) -> int:
        """Re-read the bindings of the sensors changed since the last look; returns how many."""
        assert self._looked_db is not None
        looked = conn.execute(DB_NOW).fetchone()[0]  # type: ignore[index]
        changed = [row[0] for row in conn.execute(CHANGED_SENSORS, (self._looked_db,))]
        if changed:
            starts: dict[str, list[int]] = {}
            ends: dict[str, list[int]] = {}
            for sensor_id, lo, hi in conn.execute(LOAD_BINDINGS_OF, (changed,)):
                starts.setdefault(sensor_id, []).append(_NEG if lo is None else lo)
                ends.setdefault(sensor_id, []).append(_POS if hi is None else hi)
            for sensor_id in changed:  # a sensor whose bindings were all deleted: unbound
                self._starts.pop(sensor_id, None)
                self._ends.pop(sensor_id, None)
            self._starts.update(starts)
            self._ends.update(ends)
        self._looked_at = time.monotonic()
        self._looked_db = looked
        return len(changed)

    def unbound_of(self, readings: Sequence[Reading]) -> list[Reading]:
        """The readings no binding covers (per reading: most sensors of a fleet are bound,
        most unbound ones never were)."""
        starts_of, ends_of = self._starts, self._ends
        return [
            r
            for r in readings
            if (starts := starts_of.get(r[0])) is None or not _covers(starts, ends_of[r[0]], r[1])
        ]

    def bound(self, sensor_id: str, t_ms: int) -> bool:
        starts = self._starts.get(sensor_id)
        return starts is not None and _covers(starts, self._ends[sensor_id], t_ms)


def _covers(starts: list[int], ends: list[int], t_ms: int) -> bool:
    """One of the sorted intervals [starts[i], ends[i]) holds ``t_ms``."""
    i = bisect_right(starts, t_ms) - 1
    return i >= 0 and t_ms < ends[i]


LOAD_SENSORS = "select sensor_id, gateway_id from sensors"
LOAD_UNBOUND = "select sensor_id from unbound_sensors"


class SensorRegistry:
    """Registered sensors with their gateway (传感器归属), and sensor ids already seen
    unbound, loaded whole and refreshed every ``refresh_s``.

    ``owner_of`` holds only sensors registered to a gateway: a reading from any other
    gateway is refused. ``is_new`` tells a sensor id that neither the registry nor the
    unbound list knows: the store rate-limits those per gateway.
    """

    def __init__(self, *, refresh_s: float = 30.0) -> None:
        self.refresh_s = refresh_s
        self.owner_of: dict[str, str] = {}
        self._known: set[str] = set()
        self._loaded_at = -1e18

    def maybe_refresh(self, conn: psycopg.Connection[Any]) -> None:
        if time.monotonic() - self._loaded_at >= self.refresh_s:
            self.refresh(conn)

    def refresh(self, conn: psycopg.Connection[Any]) -> None:
        owners: dict[str, str] = {}
        known: set[str] = set()
        for sensor_id, gateway_id in conn.execute(LOAD_SENSORS):
            known.add(sensor_id)
            if gateway_id:
                owners[sensor_id] = gateway_id
        known.update(row[0] for row in conn.execute(LOAD_UNBOUND))
        self.owner_of, self._known = owners, known
        self._loaded_at = time.monotonic()

    def is_new(self, sensor_id: str) -> bool:
        return sensor_id not in self._known

    def seen(self, sensor_ids: Iterable[str]) -> None:
        self._known.update(sensor_ids)


def _month_start(ms: int) -> datetime:
    d = datetime.fromtimestamp(ms / 1000, UTC)
    return d.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(d: datetime) -> datetime:
    return d.replace(year=d.year + 1, month=1) if d.month == 12 else d.replace(month=d.month + 1)


class PartitionGuard:
    """Makes sure partitions exist for a batch's time span before the batch is written."""

    def __init__(self) -> None:
        self._partitioned: bool | None = None
        self._lo_ms: int | None = None
        self._hi_ms: int | None = None

    def ensure(self, conn: psycopg.Connection[Any], min_ms: int, max_ms: int) -> None:
        if self._partitioned is None:
            row = conn.execute(IS_PARTITIONED).fetchone()
            self._partitioned = bool(row and row[0])
        if not self._partitioned:
            return
        if self._lo_ms is not None and self._hi_ms is not None:
            if self._lo_ms <= min_ms and max_ms < self._hi_ms:
                return
            min_ms, max_ms = min(min_ms, self._lo_ms), max(max_ms, self._hi_ms - 1)
        lo, hi = _month_start(min_ms), _month_start(max_ms)
        with conn.transaction():
            conn.execute(_LOCK, (_PARTITION_LOCK_KEY,))
            conn.execute(ENSURE, (lo, hi))
        self._lo_ms = int(lo.timestamp() * 1000)
        self._hi_ms = int(_next_month(hi).timestamp() * 1000)

    def forget(self) -> None:
        """After a reconnect the database may have changed (restored, re-created)."""
        self._partitioned = None
        self._lo_ms = self._hi_ms = None
