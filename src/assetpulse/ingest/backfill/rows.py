"""The pure core of a backfill import: columns, cells → readings, the import's report.

No I/O: ``files`` hands rows of cells in, the importer writes what comes out. A row becomes
the same JSON-like reading a gateway would send (``{"s", "k", "t", value fields}``) and
goes through ``decode.decode_reading``: the decoder is the one place the rules live.

Cells are turned into the JSON types the contract expects only where a file cannot carry
them (every CSV cell is text): ``"21.5"`` → 21.5, ``"true"`` → True, digits in ``time`` →
Unix ms. What does not convert is handed on unchanged, so the decoder refuses it with its
own reason (``bad_value``, ``out_of_range``, …) instead of a second set of rules here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from assetpulse.ingest.decode import decode_reading
from assetpulse.ingest.model import BadReading, Limits, Reading, Reason, WriteResult

REQUIRED = ("gateway_id", "sensor_id", "time", "kind")
# the value fields of the payload, by the type a cell must turn into
FLOATS = ("lux", "c", "lat", "lon", "acc")
COUNTERS = ("on_ms", "cyc")
BOOLS = ("on",)
TEXTS = ("zone",)
VALUES = ("on", "lux", "on_ms", "cyc", "c", "lat", "lon", "acc", "zone")
# a row whose time or kind is unreadable means the file is not in this format (a wrong
# export, times without a zone): the whole file is refused, not thousands of dead letters
FILE_LEVEL = frozenset({Reason.BAD_TIME, Reason.BAD_KIND})
SHOWN_ROWS = 10  # row numbers listed per problem, in errors and in the report
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})


@dataclass(frozen=True, slots=True)
class Columns:
    """Where each field's cell is in a row (0-based)."""

    gateway_id: int
    sensor_id: int
    time: int
    kind: int
    values: tuple[tuple[str, int], ...]
    width: int


def parse_header(cells: Sequence[Any]) -> Columns | str:
    """The heading row → ``Columns``, or what is wrong with it (for IMPORT_BAD_COLUMNS)."""
    names = [_text(c) for c in cells]
    while names and names[-1] is None:  # spreadsheets keep empty trailing cells
        names.pop()
    where: dict[str, int] = {}
    for i, name in enumerate(names):
        if name is None:
            return f"第 {i + 1} 列没有列名"
        key = name.lower()
        if key in where:
            return f"列 {name!r} 出现了两次"
        if key not in REQUIRED and key not in VALUES:
            return f"未知的列 {name!r}"
        where[key] = i
    missing = [c for c in REQUIRED if c not in where]
    if missing:
        return f"缺少列 {', '.join(missing)}"
    if not any(v in where for v in VALUES):
        return "没有任何取值列（如 lux、c、lat、lon）"
    return Columns(
        gateway_id=where["gateway_id"],
        sensor_id=where["sensor_id"],
        time=where["time"],
        kind=where["kind"],
        values=tuple((v, where[v]) for v in VALUES if v in where),
        width=len(names),
    )


def is_blank(cells: Sequence[Any]) -> bool:
    return all(_text(c) is None for c in cells)


def row_reading(cells: Sequence[Any], cols: Columns) -> tuple[str, dict[str, Any]]:
    """(gateway id, the reading as a gateway would send it) from one data row."""

    def cell(i: int) -> Any:
        return cells[i] if i < len(cells) else None

    item: dict[str, Any] = {
        "s": _text(cell(cols.sensor_id)),
        "k": _text(cell(cols.kind)),
        "t": _time(cell(cols.time)),
    }
    for name, i in cols.values:
        value = _value(name, cell(i))
        if value is not None:
            item[name] = value
    return _text(cell(cols.gateway_id)) or "", item


def check_row(
    cells: Sequence[Any], cols: Columns, *, row: int, now_ms: int, limits: Limits
) -> tuple[str, Reading | BadReading]:
    """One data row through the decoder's rules; a bad one is indexed by its row number."""
    gateway_id, item = row_reading(cells, cols)
    return gateway_id, decode_reading(item, gateway_id, index=row, now_ms=now_ms, limits=limits)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is float and value.is_integer():
        value = int(value)  # a spreadsheet shows sensor id 1001 as the number 1001.0
    text = str(value).strip()
    return text or None


def _time(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        # spreadsheet dates carry no time zone: handed on as text, the decoder refuses it
        return value.isoformat()
    if type(value) is float and value.is_integer():
        return int(value)
    if type(value) is str:
        text = value.strip()
        if text.isdigit() or (text[:1] == "-" and text[1:].isdigit()):
            return int(text)
        return text or None
    return value


def _value(name: str, value: Any) -> Any:
    if type(value) is str:
        value = value.strip()
        if not value:
            return None
        if name in FLOATS:
            try:
                return float(value)
            except ValueError:
                return value
        if name in COUNTERS:
            try:
                return int(value)
            except ValueError:
                return value
        if name in BOOLS:
            low = value.lower()
            return True if low in _TRUE else False if low in _FALSE else value
        return value
    if name in BOOLS and type(value) is int and value in (0, 1):
        return bool(value)
    if name in COUNTERS and type(value) is float and math.isfinite(value) and value.is_integer():
        return int(value)
    if name in TEXTS and value is not None and type(value) is not str:
        return _text(value)
    return value


@dataclass
class ReasonRows:
    """How many rows went to dead letters for one reason, and the first of them."""

    count: int = 0
    rows: list[int] = field(default_factory=list)

    def add(self, row: int) -> None:
        self.count += 1
        if len(self.rows) < SHOWN_ROWS:
            self.rows.append(row)


@dataclass
class ImportReport:
    """What an import did, row by row: ``stored + duplicates + dead_lettered +
    already_dead_lettered == rows``. ``quarantined`` counts stored readings of sensors
    bound to no asset card at their time (listed as unbound sensors)."""

    file: str
    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    already_dead_lettered: int = 0  # bad rows dead-lettered by an earlier import of the file
    dead: dict[str, ReasonRows] = field(default_factory=dict)
    max_age_days: int = 0
    topic: str = ""

    @property
    def dead_lettered(self) -> int:
        return sum(r.count for r in self.dead.values())

    def add_dead(self, reason: Reason, row: int) -> None:
        self.dead.setdefault(reason.value, ReasonRows()).add(row)

    def add_written(self, result: WriteResult) -> None:
        self.stored += result.stored
        self.duplicates += result.duplicates
        self.quarantined += result.quarantined
        # refused by the store itself (the importer applies these rules first, with row
        # numbers; a registration made between the two shows up here, without them)
        for reason, n in (
            (Reason.SENSOR_GATEWAY_MISMATCH, result.sensor_mismatch),
            (Reason.NEW_SENSOR_LIMIT, result.new_sensor_refused),
            (Reason.CONFLICTING_READING, result.conflicting),
        ):
            if n:
                self.dead.setdefault(reason.value, ReasonRows()).count += n

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "rows": self.rows,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "dead_lettered": self.dead_lettered,
            "already_dead_lettered": self.already_dead_lettered,
            "dead": {k: {"count": v.count, "rows": v.rows} for k, v in sorted(self.dead.items())},
            "max_age_days": self.max_age_days,
            "topic": self.topic,
        }

    def as_text(self) -> str:
        lines = [
            f"导入 {self.file}：共 {self.rows} 行",
            f"  新存入 {self.stored} 条（其中 {self.quarantined} 条来自未绑定资产的传感器）",
            f"  已存在（重复）{self.duplicates} 条",
            f"  进入死信 {self.dead_lettered} 条",
        ]
        for reason, rr in sorted(self.dead.items()):
            more = f" 等 {rr.count} 行" if rr.count > len(rr.rows) else ""
            where = f"，第 {'、'.join(map(str, rr.rows))} 行{more}" if rr.rows else ""
            lines.append(f"    {reason}：{rr.count} 条{where}")
        if self.already_dead_lettered:
            lines.append(f"  此前导入时已进入死信 {self.already_dead_lettered} 条（未重复记录）")
        lines.append(f"  最大读数时长 {self.max_age_days} 天；死信主题 {self.topic}")
        return "\n".join(lines)
