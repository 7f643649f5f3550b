"""Backfill benchmark: ``assetpulse import-readings`` rows per second and peak memory, beside
the ingest store writing the same readings with no file at all.

Data: the UCI Occupancy Detection training file (``../shared/data/uci_occupancy_train``;
Candanedo & Feldheim, Energy and Buildings 112 (2016) 28-39; UCI ML Repository set 357),
one photo (Light) and one temperature (Temperature) reading per minute, tiled over as many
sensor pairs as it takes to reach the row count (each copy its own sensor ids, so every
row is a new reading).

One private PostgreSQL (``localservices``), everything on this machine:
- ``store_only``: the baseline: ``ReadingStore.write`` of the same readings, already
  decoded, in the importer's chunks (what the import costs beyond the store);
- ``csv``: the import of a CSV file of N rows, in a child process (its peak RSS measured),
  and again at N/10 rows: bounded memory shows as the same peak at both sizes;
- ``csv_again``: the same file again: every row a duplicate, nothing stored;
- ``xlsx``: an XLSX file of N/20 rows (openpyxl read-only; XLSX parsing is the slow part).
``--quick`` runs a small smoke version. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from assetpulse.db.migrate import apply_migrations
from assetpulse.ingest.backfill.importer import CHUNK_ROWS
from assetpulse.ingest.decode import decode_reading
from assetpulse.ingest.model import DAY_MS, Batch, Limits, Reading, Received
from assetpulse.ingest.store import ReadingStore
from assetpulse.localservices import postgres_from

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "uci_occupancy_train"
HEADING = ["gateway_id", "sensor_id", "time", "kind", "lux", "c"]
HISTORY_DAYS = 20_000
CHILD = """
import json, sys, time
from assetpulse.ingest.backfill.importer import import_readings
started = time.perf_counter()
report = import_readings(sys.argv[1], sys.argv[2], max_age_days=int(sys.argv[3]))
seconds = time.perf_counter() - started
# VmHWM: this process image's peak RSS (ru_maxrss would keep the parent's from before exec)
status = open("/proc/self/status").read().split("VmHWM:")[1]
peak_kib = int(status.split()[0])
print(json.dumps({"seconds": seconds, "peak_rss_kib": peak_kib, **report.as_dict()}))
"""


def log(*args: Any) -> None:
    print(*args, file=sys.stderr, flush=True)


def uci_minutes() -> list[tuple[str, float, float]]:
    """(time with offset, lux, °C) per minute of the file (local time, UTC+1)."""
    with (DATA / "datatraining.txt").open(newline="") as f:
        reader = csv.reader(f)
        next(reader)
        return [
            (row[1].replace(" ", "T") + "+01:00", float(row[4]), float(row[2])) for row in reader
        ]


def export_rows(n: int, tag: str) -> list[list[Any]]:
    minutes = uci_minutes()
    rows: list[list[Any]] = []
    copy = 0
    while len(rows) < n:
        for when, lux, c in minutes:
            rows.append([f"GW-{tag}", f"{tag}-PH-{copy}", when, "photo", lux, None])
            rows.append([f"GW-{tag}", f"{tag}-TM-{copy}", when, "temp", None, c])
            if len(rows) >= n:
                break
        copy += 1
    return rows[:n]


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(HEADING)
        w.writerows([["" if v is None else v for v in r] for r in rows])
    return path


def write_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("readings")
    ws.append(HEADING)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def import_child(path: Path, url: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), url, str(HISTORY_DAYS)],
        capture_output=True,
        text=True,
        check=True,
    )
    out: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "rows": out["rows"],
        "stored": out["stored"],
        "duplicates": out["duplicates"],
        "dead_lettered": out["dead_lettered"],
        "seconds": round(out["seconds"], 2),
        "rows_per_s": round(out["rows"] / out["seconds"]),
        "peak_rss_mb": round(out["peak_rss_kib"] / 1024, 1),
        "file_mb": round(path.stat().st_size / 1e6, 1),
    }


def store_only(url: str, rows: list[list[Any]]) -> dict[str, Any]:
    """The same readings, decoded beforehand, through the store alone."""
    now = time.time_ns() // 1_000_000
    limits = Limits(max_age_ms=HISTORY_DAYS * DAY_MS)
    readings: list[Reading] = []
    for gw, s, t, k, lux, c in rows:
        item = {"s": s, "k": k, "t": t, **({"lux": lux} if k == "photo" else {"c": c})}
        out = decode_reading(item, gw, index=0, now_ms=now, limits=limits)
        assert isinstance(out, Reading)
        readings.append(out)
    store = ReadingStore(url)
    stored = 0
    started = time.perf_counter()
    try:
        for i in range(0, len(readings), CHUNK_ROWS):
            part = tuple(readings[i : i + CHUNK_ROWS])
            batch = Batch(part[0].gateway_id, None, part, ())
            stored += store.write([Received("bench", b"", now, batch)]).stored
    finally:
        store.close()
    seconds = time.perf_counter() - started
    return {"rows": len(readings), "stored": stored, "seconds": round(seconds, 2),
            "rows_per_s": round(len(readings) / seconds)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small smoke run")
    ap.add_argument("--rows", type=int, default=200_000, help="rows of the CSV file")
    ap.add_argument("--pg-bindir", type=Path, default=None, help="PostgreSQL binaries to use")
    args = ap.parse_args()
    n = 20_000 if args.quick else args.rows
    load_start = os.getloadavg()[0]  # the machine is shared: say how busy it was
    tmp = Path(tempfile.mkdtemp(prefix="bench-backfill-"))
    pg = postgres_from(tmp / "pg", args.pg_bindir)
    try:
        pg.start()
        url = pg.create_database("bench")
        apply_migrations(url)
        log(f"baseline: store only, {n} rows …")
        baseline = store_only(url, export_rows(n, "B"))
        log("csv import …")
        big = write_csv(tmp / "big.csv", export_rows(n, "C"))
        csv_run = import_child(big, url)
        log("csv import again …")
        again = import_child(big, url)
        log("csv import, a tenth …")
        small = import_child(write_csv(tmp / "small.csv", export_rows(n // 10, "T")), url)
        log("xlsx import …")
        xlsx = import_child(write_xlsx(tmp / "part.xlsx", export_rows(n // 20, "X")), url)
        result = {
            "benchmark": "backfill",
            "data": "uci_occupancy_train (tiled)",
            "store_only_baseline": baseline,
            "csv": csv_run,
            "csv_again": again,
            "csv_tenth": small,
            "xlsx": xlsx,
            "csv_vs_store_only": round(csv_run["rows_per_s"] / baseline["rows_per_s"], 2),
            "peak_rss_mb_n_vs_tenth": [csv_run["peak_rss_mb"], small["peak_rss_mb"]],
            "loadavg_1m_at_start": round(load_start, 2),
            "cores": os.cpu_count(),
        }
    finally:
        pg.destroy()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
