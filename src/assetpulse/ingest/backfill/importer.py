"""``import_readings``: a logger export into ``readings`` by the ingest worker's own path.

Two passes over the file, each streaming:
1. check: the heading and every row's time and kind. A file that is not in the format is
   refused whole (``BackfillError``) before anything is written.
2. write: each row through ``decode.decode_reading`` (the MQTT rules), in chunks of
   ``chunk_rows`` rows committed by ``ReadingStore.write`` (binary COPY, dedup on
   (sensor, time), dead letters, unbound sensors), one transaction per chunk.

Every committed chunk is whole, so a lost database leaves a prefix of the file stored and
nothing half-written; importing the file again completes it, because stored readings
count as duplicates and bad rows already dead-lettered by an earlier import of the same
content (dead letters' topic ``import:sha256:<hash>``, ``reading_index`` = row number) are
not recorded twice.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
import psycopg
from psycopg.conninfo import make_conninfo

from assetpulse.ingest.backfill import errors
from assetpulse.ingest.backfill.files import TableFile
from assetpulse.ingest.backfill.rows import (
    FILE_LEVEL,
    REQUIRED,
    SHOWN_ROWS,
    Columns,
    ImportReport,
    ReasonRows,
    check_row,
    is_blank,
    parse_header,
)
from assetpulse.ingest.model import DAY_MS, BadReading, Batch, Limits, Reading, Reason, Received
from assetpulse.ingest.store import ReadingStore

CHUNK_ROWS = 5000
NO_NEW_SENSOR_LIMIT = 2**62
MAX_AGE_DAYS_LIMIT = 36_500  # a hundred years: history, not a clock at the epoch
EARLIER_DEAD_ROWS = """
select reading_index from ingest_dead_letters
where topic = %s and reading_index is not null
"""


def import_readings(
    path: str | Path,
    database: str | psycopg.Connection[Any],
    *,
    max_age_days: int | None = None,
    limits: Limits | None = None,
    now_ms: int | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportReport:
    """Import one CSV or XLSX file; the report counts every row. ``database`` is a libpq
    conninfo/URL, or a connection whose database to use: the import opens a connection of
    its own to it (it commits chunk by chunk, outside the caller's transaction).
    ``max_age_days`` lets older history in (default: ``limits``' maximum age, i.e. the
    ingest setting's). Raises ``BackfillError`` for a file that cannot be imported
    (nothing stored) or a database lost midway (whole chunks stored; import again)."""
    lim = limits or Limits()
    if max_age_days is not None:
        if not 1 <= max_age_days <= MAX_AGE_DAYS_LIMIT:
            raise errors.bad_max_age(max_age_days, 1, MAX_AGE_DAYS_LIMIT)
        lim = replace(lim, max_age_ms=max_age_days * DAY_MS)
    now = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    with TableFile(Path(path)) as table:
        cols = _check(table, now, lim)
        return _write(table, cols, _conninfo(database), now, lim, chunk_rows)


def _write(
    table: TableFile, cols: Columns, conninfo: str, now: int, lim: Limits, chunk_rows: int
) -> ImportReport:
    """The second pass: every row through the decoder, chunk by chunk into the store."""
    report = ImportReport(
        file=table.name,
        max_age_days=lim.max_age_ms // DAY_MS,
        topic=f"import:sha256:{table.sha256}",
    )
    # The per-gateway limit on new sensor ids guards against a gateway inventing ids by
    # the thousand; an import is an operator's deliberate act on a finite file whose
    # sensors the report counts, so it is not limited.
    # counts written with every chunk: the report and the quarantine list agree at once
    store = ReadingStore(conninfo, new_sensors_per_hour=NO_NEW_SENSOR_LIMIT, unbound_flush_s=0)
    committed_to_row = 0
    try:
        earlier = {int(r[0]) for r in store.connect().execute(EARLIER_DEAD_ROWS, (report.topic,))}
        chunk: list[tuple[str, Reading | BadReading]] = []
        last_row = 0
        rows = table.rows()
        next(rows, None)  # the heading, checked in the first pass
        for row, cells in _data_rows(rows):
            gateway_id, out = check_row(cells, cols, row=row, now_ms=now, limits=lim)
            if type(out) is Reading:
                out = _owned(out, row, store.sensors.owner_of)
            report.rows += 1
            last_row = row
            if type(out) is BadReading:
                if row in earlier:
                    report.already_dead_lettered += 1
                    continue
                report.add_dead(out.reason, row)
                out = replace(out, detail=f"{table.name} row {row}: {out.detail}")
            chunk.append((gateway_id, out))
            if len(chunk) >= chunk_rows:
                report.add_written(store.write(_messages(chunk, report.topic, now)))
                committed_to_row, chunk = last_row, []
        if chunk:
            report.add_written(store.write(_messages(chunk, report.topic, now)))
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        raise errors.store_unavailable(
            table.name, str(exc).strip()[:200], committed_to_row
        ) from exc
    finally:
        store.close()
    return report


def _conninfo(database: str | psycopg.Connection[Any]) -> str:
    if isinstance(database, str):
        return database
    # info.dsn leaves the password out; the same login must work for our connection
    info = database.info
    return make_conninfo(info.dsn, password=info.password) if info.password else info.dsn


def _owned(r: Reading, row: int, owner_of: dict[str, str]) -> Reading | BadReading:
    """The store's ownership rule (a sensor registered to a gateway takes readings from
    that gateway only), applied here first so that the dead letter carries the row number:
    the store knows a reading's position in a message, not its row in a file."""
    owner = owner_of.get(r.sensor_id)
    if owner is None or owner == r.gateway_id:
        return r
    detail = f"sensor {r.sensor_id} is registered to gateway {owner}, not {r.gateway_id}"
    raw = orjson.dumps({"s": r.sensor_id, "t": r.t_ms, "k": r.kind})
    return BadReading(row, Reason.SENSOR_GATEWAY_MISMATCH, detail, raw)


def _data_rows(rows: Iterator[list[Any]]) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) of each non-blank row after the heading (row 1, read already)."""
    for number, cells in enumerate(rows, start=2):
        if not is_blank(cells):
            yield number, cells


def _check(table: TableFile, now_ms: int, limits: Limits) -> Columns:
    """The first pass: the file is in the format, or a ``BackfillError`` says why."""
    rows = table.rows()
    heading = next(rows, None)
    if heading is None:
        raise errors.empty_file(table.name)
    cols = parse_header(heading)
    if isinstance(cols, str):
        raise errors.bad_columns(table.name, cols, required=REQUIRED)
    wide = ReasonRows()
    refused: dict[Reason, ReasonRows] = {}
    examples: dict[Reason, str] = {}
    data = 0
    for row, cells in _data_rows(rows):
        data += 1
        if len(cells) > cols.width and not is_blank(cells[cols.width :]):
            wide.add(row)
            continue
        _, out = check_row(cells, cols, row=row, now_ms=now_ms, limits=limits)
        if type(out) is BadReading and out.reason in FILE_LEVEL:
            refused.setdefault(out.reason, ReasonRows()).add(row)
            examples.setdefault(out.reason, _example(cells, cols, out.reason))
    if wide.count:
        raise errors.too_many_cells(table.name, wide.rows, wide.count)
    if Reason.BAD_TIME in refused:
        rr = refused[Reason.BAD_TIME]
        raise errors.bad_time(table.name, rr.rows, rr.count, examples[Reason.BAD_TIME])
    if Reason.BAD_KIND in refused:
        rr = refused[Reason.BAD_KIND]
        raise errors.bad_kind(table.name, rr.rows, rr.count, examples[Reason.BAD_KIND])
    if data == 0:
        raise errors.empty_file(table.name)
    return cols


def _example(cells: list[Any], cols: Columns, reason: Reason) -> str:
    i = cols.time if reason is Reason.BAD_TIME else cols.kind
    value = cells[i] if i < len(cells) else None
    return "" if value is None else str(value)[:40]


def _messages(
    chunk: list[tuple[str, Reading | BadReading]], topic: str, now_ms: int
) -> list[Received]:
    """A chunk as the store takes it: one message per gateway, with no MQTT seq."""
    by_gateway: dict[str, tuple[list[Reading], list[BadReading]]] = {}
    for gateway_id, out in chunk:
        good, bad = by_gateway.setdefault(gateway_id, ([], []))
        if type(out) is BadReading:
            bad.append(out)
        else:
            assert type(out) is Reading
            good.append(out)
    return [
        Received(topic, b"", now_ms, Batch(gw, None, tuple(good), tuple(bad)))
        for gw, (good, bad) in by_gateway.items()
    ]


__all__ = ["CHUNK_ROWS", "MAX_AGE_DAYS_LIMIT", "SHOWN_ROWS", "import_readings"]
