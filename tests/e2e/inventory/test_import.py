"""Importing a register over HTTP: accepted rows created together, rejected rows explained."""

from __future__ import annotations

import io

import psycopg
from fastapi.testclient import TestClient
from openpyxl import Workbook

from tests.e2e.inventory.helpers import API
from tests.fix_api import AuthHeaders

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_import_creates_good_rows_and_reports_bad_ones(
    api: TestClient, auth: AuthHeaders, demo_cards, db: psycopg.Connection
) -> None:
    data = _xlsx(
        [
            [
                "资产编号",
                "资产名称",
                "资产分类代码",
                "使用部门",
                "资产状态",
                "是否共享共用",
                "原值",
            ],
            ["IMP-0001", "台式机", "2010104", "物理学院", "在用", "否", 5800],
            ["IMP-0002", "会议桌", "A0501", "后勤处", "闲置", "是", "1,200.50"],
            ["HD-0001", "重复", "A0501", None, None, None, None],
            ["IMP-0003", "未知分类", "2999999", None, "在用", None, None],
            ["IMP-0004", "别人的部门", "A0501", "化学学院", None, None, None],
        ]
    )
    dry = api.post(
        f"{API}/cards/import",
        files={"file": ("台账.xlsx", data, XLSX)},
        data={"dry_run": "true"},
        headers=auth("hd_jb"),
    ).json()
    assert (dry["accepted"], dry["rejected"], dry["created_card_ids"]) == (2, 3, [])
    assert db.execute("select count(*) from asset_cards").fetchone() == (6,)

    r = api.post(
        f"{API}/cards/import", files={"file": ("台账.xlsx", data, XLSX)}, headers=auth("hd_jb")
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert len(report["created_card_ids"]) == 2
    reasons = {x["row"]: " ".join(x["reasons"]) for x in report["rejections"]}
    assert set(reasons) == {4, 5, 6}
    assert "已有卡片" in reasons[4]
    assert "2010 版分类代码 2999999" in reasons[5]
    assert "化学学院" in reasons[6]
    cards = {
        c["asset_code"]: c
        for c in api.get(f"{API}/cards", params={"category": "A0"}, headers=auth("hd_jb")).json()
    }
    assert cards["IMP-0001"]["category_code"] == "A02010105"
    assert cards["IMP-0002"]["status"] == "idle"
    assert cards["IMP-0002"]["shareable"] is True


def test_gbk_csv_import_and_permission(api: TestClient, auth: AuthHeaders, demo_units) -> None:
    csv_bytes = "资产编号,资产名称,资产分类代码,数量\nCSV-0001,椅子,A0501,12\n".encode("gbk")
    files = {"file": ("old.csv", csv_bytes, "text/csv")}
    assert api.post(f"{API}/cards/import", files=files, headers=auth("hd_sh")).status_code == 403
    r = api.post(f"{API}/cards/import", files=files, headers=auth("hd_jb"))
    assert r.json()["accepted"] == 1, r.text
    no_heading = api.post(
        f"{API}/cards/import",
        files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")},
        headers=auth("hd_jb"),
    )
    assert no_heading.json()["error"]["code"] == "IMPORT_HEADINGS_MISSING"
