"""Reading logger exports: the encodings and separators office software writes, and
files that are no table at all (refused with a stable code before anything is stored)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from assetpulse.ingest.backfill.errors import BackfillError
from assetpulse.ingest.backfill.files import TableFile

ROWS = [["gateway_id", "sensor_id", "time", "kind", "c", "zone"]]
ROWS.append(["GW-1", "TM-1", "2025-11-23T08:00:00+08:00", "temp", "21.5", "三楼会议室"])


def _csv(path: Path, encoding: str, sep: str = ",") -> Path:
    path.write_bytes("\r\n".join(sep.join(r) for r in ROWS).encode(encoding))
    return path


@pytest.mark.parametrize(
    ("encoding", "sep"), [("utf-8", ","), ("utf-8-sig", ","), ("gb18030", ","), ("utf-8", ";")]
)
def test_table_file_when_csv_from_office_software_reads_the_same_rows(
    tmp_path: Path, encoding: str, sep: str
) -> None:
    table = TableFile(_csv(tmp_path / "export.CSV", encoding, sep))
    assert list(table.rows()) == ROWS
    assert list(table.rows()) == ROWS  # a second pass reads the same (no BOM in a name)


def test_table_file_hash_is_of_the_content_not_the_name(tmp_path: Path) -> None:
    a = TableFile(_csv(tmp_path / "a.csv", "utf-8"))
    b = TableFile(_csv(tmp_path / "b.csv", "utf-8"))
    c = TableFile(_csv(tmp_path / "c.csv", "utf-8", ";"))
    assert a.sha256 == b.sha256 != c.sha256


def test_table_file_when_xlsx_reads_first_sheet_cells_with_their_types(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["gateway_id", "sensor_id", "time", "kind", "c"])
    ws.append(["GW-1", 1001, datetime(2025, 11, 23, 8), "temp", 21.5])
    wb.create_sheet("notes").append(["ignored"])
    wb.save(tmp_path / "export.xlsx")
    with TableFile(tmp_path / "export.xlsx") as table:
        rows = list(table.rows())
    assert rows[1] == ["GW-1", 1001, datetime(2025, 11, 23, 8), "temp", 21.5]


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("export.txt", b"gateway_id,sensor_id\n", "IMPORT_UNSUPPORTED_FORMAT"),
        ("export.xlsx", b"gateway_id,sensor_id\n", "IMPORT_FILE_UNREADABLE"),
        ("export.csv", b"\xff\xfe\x00\x00\x81\x30\xff", "IMPORT_BAD_ENCODING"),
    ],
)
def test_table_file_when_not_a_readable_table_refuses_with_code(
    tmp_path: Path, name: str, content: bytes, code: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BackfillError) as info:
        list(TableFile(path).rows())
    assert info.value.code == code
    assert name in info.value.message


def test_table_file_when_missing_refuses_as_unreadable(tmp_path: Path) -> None:
    with pytest.raises(BackfillError) as info:
        TableFile(tmp_path / "nowhere.csv")
    assert info.value.code == "IMPORT_FILE_UNREADABLE"


def test_table_file_when_xlsx_read_again_reads_its_spooled_copy(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for r in ROWS:
        ws.append(r)
    wb.save(tmp_path / "export.xlsx")
    with TableFile(tmp_path / "export.xlsx") as table:
        heading_only = table.rows()
        assert next(heading_only) == ROWS[0]
        heading_only.close()  # an abandoned read spools nothing
        first = list(table.rows())
        (tmp_path / "export.xlsx").unlink()  # the second pass must not parse the XLSX again
        assert list(table.rows()) == first == ROWS
