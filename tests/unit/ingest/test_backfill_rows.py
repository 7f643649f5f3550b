"""The pure core of backfill imports: the heading, cells → the reading a gateway would
send, and the decoder's verdict on it (the MQTT rules, not a second copy)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import pytest

from assetpulse.ingest.backfill.rows import (
    Columns,
    ImportReport,
    check_row,
    parse_header,
    row_reading,
)
from assetpulse.ingest.model import DAY_MS, BadReading, Limits, Reading, Reason, WriteResult
from tests.fix_ingest import NOW_MS

HEADING = ["gateway_id", "sensor_id", "time", "kind", "on", "lux", "on_ms", "c", "lat", "lon"]


def _cols(heading: list[Any] = HEADING) -> Columns:
    cols = parse_header(heading)
    assert isinstance(cols, Columns), cols
    return cols


@pytest.mark.parametrize(
    ("heading", "problem"),
    [
        (["gateway_id", "sensor_id", "time", "lux"], "缺少列 kind"),
        (["gateway_id", "sensor_id", "time", "kind", "temperature"], "未知的列 'temperature'"),
        (["gateway_id", "sensor_id", "time", "kind", "c", "C"], "列 'C' 出现了两次"),
        (["gateway_id", None, "sensor_id", "time", "kind", "c"], "第 2 列没有列名"),
        (["gateway_id", "sensor_id", "time", "kind"], "没有任何取值列"),
    ],
)
def test_parse_header_when_columns_wrong_says_which(heading: list[Any], problem: str) -> None:
    out = parse_header(heading)
    assert isinstance(out, str)
    assert problem in out


def test_parse_header_when_spreadsheet_adds_blank_cells_and_case_accepts_it() -> None:
    cols = _cols([" Gateway_ID ", "sensor_id", "TIME", "kind", "c", None, None])
    assert (cols.gateway_id, cols.time, cols.values, cols.width) == (0, 2, (("c", 4),), 5)


def test_row_reading_when_csv_text_turns_cells_into_payload_types() -> None:
    cells = ["GW-1", " PH-1 ", "2015-02-04T17:51:00+01:00", "photo", "TRUE", "426.5", "8123", ""]
    gw, item = row_reading(cells, _cols())
    assert gw == "GW-1"
    assert item == {
        "s": "PH-1",
        "k": "photo",
        "t": "2015-02-04T17:51:00+01:00",
        "on": True,
        "lux": 426.5,
        "on_ms": 8123,
    }


def test_row_reading_when_time_is_digits_reads_unix_ms_as_in_mqtt() -> None:
    _, item = row_reading(["GW-1", "TM-1", "1763884800000", "temp", "", "", "", "21"], _cols())
    assert item["t"] == 1763884800000
    assert item["c"] == 21.0


def test_row_reading_when_spreadsheet_numbers_keeps_ids_as_text_and_counters_whole() -> None:
    _, item = row_reading([460100.0, 1001, 1763884800000.0, "photo", 1, None, 42.0], _cols())
    assert item == {"s": "1001", "k": "photo", "t": 1763884800000, "on": True, "on_ms": 42}


def _verdict(cells: list[Any], days: int = 390) -> Reading | BadReading:
    limits = Limits(max_age_ms=days * DAY_MS)
    return check_row(cells, _cols(), row=7, now_ms=NOW_MS, limits=limits)[1]


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        (["GW-1", "TM-1", "2025-11-23T08:00:00Z", "temp", "", "", "", "21,5"], Reason.BAD_VALUE),
        (["GW-1", "TM-1", "2025-11-23T08:00:00Z", "temp", "", "", "", "250"], Reason.OUT_OF_RANGE),
        (["GW-1", "TM-1", "2025-11-23T08:00:00Z", "temp", "", "", "", "nan"], Reason.OUT_OF_RANGE),
        (["GW-1", "TM-1", "2025-11-23T08:00:00Z", "temp"], Reason.MISSING_VALUE),
        (["GW-1", "PH-1", "2025-11-23T08:00:00Z", "photo", "maybe"], Reason.BAD_VALUE),
        (["GW-1", "TM-1", "2025-11-23 08:00:00", "temp", "", "", "", "21"], Reason.BAD_TIME),
        (["GW-1", "TM-1", datetime(2025, 11, 23, 8), "temp", "", "", "", "21"], Reason.BAD_TIME),
        (["GW-1", "TM-1", "2025-11-23T08:00:00Z", "Temp", "", "", "", "21"], Reason.BAD_KIND),
        (["GW 1", "TM-1", "2025-11-23T08:00:00Z", "temp", "", "", "", "21"], Reason.BAD_GATEWAY),
        (["GW-1", "", "2025-11-23T08:00:00Z", "temp", "", "", "", "21"], Reason.BAD_SENSOR),
        (
            ["GW-1", "TM-1", "2015-02-04T17:51:00+01:00", "temp", "", "", "", "21"],
            Reason.TIME_TOO_OLD,
        ),
    ],
)
def test_check_row_when_row_is_bad_gives_the_decoders_reason_and_row_number(
    cells: list[Any], reason: Reason
) -> None:
    out = _verdict(cells)
    assert isinstance(out, BadReading)
    assert (out.reason, out.index) == (reason, 7)


def test_check_row_when_history_allowed_stores_an_old_row() -> None:
    cells = ["GW-1", "TM-1", "2015-02-04T17:51:00+01:00", "temp", "", "", "", "23.18"]
    out = _verdict(cells, days=5000)
    assert isinstance(out, Reading)
    assert (out.sensor_id, out.gateway_id, out.t_ms, out.kind) == ("TM-1", "GW-1", 1423068660000, 2)
    assert math.isclose(out.temp_c or 0, 23.18)


def test_import_report_lists_first_rows_per_reason_and_counts_all() -> None:
    report = ImportReport(file="x.csv", rows=30)
    for row in range(2, 27):
        report.add_dead(Reason.OUT_OF_RANGE, row)
    d = report.as_dict()["dead"]["out_of_range"]
    assert (d["count"], d["rows"]) == (25, list(range(2, 12)))
    assert "out_of_range：25 条，第 2、3、4、5、6、7、8、9、10、11 行 等 25 行" in report.as_text()


def test_import_report_counts_rows_the_store_refused_itself() -> None:
    report = ImportReport(file="x.csv", rows=3)
    report.add_written(WriteResult(stored=2, sensor_mismatch=1, dead_readings=1))
    assert (report.stored, report.dead_lettered) == (2, 1)
    assert "sensor_gateway_mismatch：1 条\n" in report.as_text() + "\n"
