"""A real logger export for the backfill tests: rows of the UCI Occupancy Detection
training file (an office in Mons, Belgium, one sample a minute, February 2015) written as
one photo sensor (Light, lux) and one temperature sensor (Temperature, °C) per row.

Data: ``../shared/data/uci_occupancy_train/datatraining.txt`` (read in place, never copied
into the repo). Luis M. Candanedo, Véronique Feldheim. Accurate occupancy detection of an
office room from light, temperature, humidity and CO2 measurements using statistical
learning models. Energy and Buildings 112 (2016) 28-39; the author's repository
github.com/LuisM78/Occupancy-detection-data (commit ba2b1d7b), UCI ML Repository set 357.
Times are local (UTC+1 in February, the README's likely reading): written with +01:00.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

DATA = (
    Path(__file__).parents[3]
    / ".."
    / "shared"
    / "data"
    / "uci_occupancy_train"
    / "datatraining.txt"
)
HEADING = ["gateway_id", "sensor_id", "time", "kind", "lux", "c"]
GATEWAY = "UCI-GW"
PHOTO = "UCI-PH"
TEMP = "UCI-TM"
HISTORY_DAYS = 20_000  # 2015 is far beyond the default 390 days: backfills must say so


@dataclass(frozen=True)
class Sample:
    time: str  # ISO-8601 with offset
    t_ms: int
    lux: float
    temp_c: float


def uci_samples(n: int = 200) -> list[Sample]:
    """The first ``n`` minutes of the file, in file order."""
    if not DATA.exists():
        pytest.fail(f"shared test data missing: {DATA}")
    out: list[Sample] = []
    with DATA.open(newline="") as f:
        reader = csv.reader(f)
        next(reader)  # 7 names; every row has 8 fields, the first a quoted row id
        for row in reader:
            when = datetime.fromisoformat(row[1] + "+01:00")
            out.append(
                Sample(when.isoformat(), int(when.timestamp() * 1000), float(row[4]), float(row[2]))
            )
            if len(out) == n:
                break
    return out


def export_rows(samples: list[Sample], *, photo: str = PHOTO, temp: str = TEMP) -> list[list[Any]]:
    """Two rows per sample (photo, then temp), as a logger export would list them."""
    rows: list[list[Any]] = []
    for s in samples:
        rows.append([GATEWAY, photo, s.time, "photo", s.lux, None])
        rows.append([GATEWAY, temp, s.time, "temp", None, s.temp_c])
    return rows


def write_csv(path: Path, rows: list[list[Any]], heading: list[str] = HEADING) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(heading)
        w.writerows([["" if v is None else v for v in r] for r in rows])
    return path


def write_xlsx(path: Path, rows: list[list[Any]], heading: list[str] = HEADING) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("readings")
    ws.append(heading)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path
