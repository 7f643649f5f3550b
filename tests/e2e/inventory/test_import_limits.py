"""The import endpoint against a workbook bomb (issue 14, point 3): refused at once with
a Chinese message, read off the event loop, nothing stored."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook

from assetpulse.inventory.register import service
from tests.e2e.inventory.helpers import API
from tests.fix_api import AuthHeaders

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _bomb() -> bytes:
    """The 5 KB workbook of the report: a register heading and one cell at XFD20000."""
    wb = Workbook()
    wb.active.append(["资产编号", "资产名称", "资产分类代码"])
    wb.active.append(["BOMB-0001", "台式机", "A02010105"])
    wb.active["XFD20000"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_import_when_workbook_declares_xfd20000_then_refused_and_nothing_stored(
    api: TestClient, auth: AuthHeaders, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_loop: list[bool] = []
    read_table = service.read_table

    def spy(data: bytes) -> Any:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return read_table(data)

    monkeypatch.setattr(service, "read_table", spy)
    bomb = _bomb()
    assert len(bomb) < 10_000
    r = api.post(
        f"{API}/cards/import",
        files={"file": ("bomb.xlsx", bomb, XLSX)},
        headers=auth("hd_jb"),
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "IMPORT_FILE_UNREADABLE"
    assert "列" in r.json()["error"]["message"]
    assert on_loop == [False]
    with psycopg.connect(db_url) as conn:
        row = conn.execute("select count(*) from asset_cards where asset_code = 'BOMB-0001'")
        assert row.fetchone() == (0,)


def test_import_when_file_over_limit_then_413_before_it_is_read(
    api: TestClient, auth: AuthHeaders
) -> None:
    def chunks() -> Any:
        # multipart by hand, streamed without Content-Length: 21 MB of "CSV"
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
        for _ in range(21 * 16):
            yield b"a" * 65536
        yield b"\r\n--b--\r\n"

    r = api.post(
        f"{API}/cards/import",
        content=chunks(),
        headers={**auth("hd_jb"), "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "IMPORT_FILE_TOO_LARGE"
