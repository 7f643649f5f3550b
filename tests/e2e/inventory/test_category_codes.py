"""The official GB/T 14885 tables, loaded by the province's 系统管理员 (issue 16): until
then the installation says it only has the demo subset; a loaded table lets registers with
its codes (and its 2010 codes) import; a file with a bad row loads nothing and says which
rows; nobody else may load."""

from __future__ import annotations

import io

import psycopg
from click.testing import CliRunner
from fastapi.testclient import TestClient
from openpyxl import Workbook

from assetpulse.inventory.categories.cli import categories
from tests.e2e.inventory.helpers import API
from tests.fix_api import AuthHeaders

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CODES_CSV = (
    "分类代码,分类名称,上级代码\n"
    "A02,设备,\n"
    "A0202,办公设备,A02\n"
    "A020201,复印机,A0202\n"
    "A020202,投影仪（办公）,A0202\n"
).encode()


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _post(api: TestClient, headers: dict[str, str], path: str, name: str, data: bytes,
          kind: str = "text/csv", **form: str):  # type: ignore[no-untyped-def]  # fmt: skip
    return api.post(f"{API}{path}", files={"file": (name, data, kind)}, data=form, headers=headers)


def test_categories_load_by_admin_lets_registers_with_new_and_2010_codes_import(
    api: TestClient, fast_auth: AuthHeaders, db: psycopg.Connection
) -> None:
    auth = fast_auth
    before = api.get(f"{API}/categories/status", headers=auth("hd_jb")).json()
    assert before["official_codes_loaded"] is False
    assert (before["codes"], before["demo_codes"], before["map_2010"]) == (16, 16, 3)
    assert "演示子集" in before["message"]
    assert "不是国家标准全表" in before["message"]
    admin = auth("cz_gly")
    dry = _post(api, admin, "/categories/import", "代码表.csv", CODES_CSV, dry_run="true").json()
    assert (dry["loaded"], dry["added"], dry["updated"], dry["unchanged"]) == (False, 3, 0, 1)
    assert db.execute("select count(*) from categories").fetchone() == (16,)

    r = _post(api, admin, "/categories/import", "代码表.csv", CODES_CSV)
    assert r.status_code == 200, r.text
    assert (r.json()["loaded"], r.json()["added"]) == (True, 3)
    mapping = _xlsx([["2010版代码", "2010版名称", "2022版代码"], [2010301, "复印机", "A020201"]])
    m = _post(api, admin, "/categories/map-2010/import", "对应表.xlsx", mapping, XLSX).json()
    assert (m["loaded"], m["added"], m["rejected"]) == (True, 1, [])

    s = api.get(f"{API}/categories/status", headers=auth("hd_jb")).json()
    assert s["official_codes_loaded"] is True
    assert s["last_codes_load"]["file_name"] == "代码表.csv"
    assert db.execute("select source from categories where code = 'A020201'").fetchone() == (
        "loaded",
    )
    assert db.execute(
        "select count(*) from audit_log where entity = 'category_table'"
    ).fetchone() == (2,)

    register = _xlsx(
        [
            ["资产编号", "资产名称", "资产分类代码"],
            ["CAT-1", "复印机甲", "A020201"],
            ["CAT-2", "复印机乙", "2010301"],
            ["CAT-3", "不在表中", "A0999"],
        ]
    )
    imported = api.post(f"{API}/cards/import", files={"file": ("台账.xlsx", register, XLSX)},
                        headers=auth("hd_jb")).json()  # fmt: skip
    assert (imported["accepted"], imported["rejected"]) == (2, 1), imported
    [why] = imported["rejections"][0]["reasons"]
    assert "A0999 不存在" in why
    assert "演示" not in why  # the official table is loaded: the code is simply wrong
    assert db.execute(
        "select array_agg(category_code order by asset_code) from asset_cards"
        " where asset_code like 'CAT-%'"
    ).fetchone() == (["A020201", "A020201"],)


def test_categories_load_when_a_row_is_wrong_or_not_admin_loads_nothing(
    api: TestClient, fast_auth: AuthHeaders, db: psycopg.Connection
) -> None:
    r = _post(api, fast_auth("hd_jb"), "/categories/import", "代码表.csv", CODES_CSV)
    assert r.status_code == 403  # a unit's administrator: the tables serve the province
    assert r.json()["error"]["code"] == "INVENTORY_FORBIDDEN"
    bad = CODES_CSV + "A0299X,坏代码,\nA0301,文物,\n".encode()
    report = _post(api, fast_auth("cz_gly"), "/categories/import", "坏.csv", bad).json()
    assert report["loaded"] is False
    assert [(p["row"], p["code"]) for p in report["rejected"]] == [(6, "A0299X"), (7, "A0301")]
    assert "未导入" in report["message"]
    assert db.execute("select count(*) from categories").fetchone() == (16,)
    assert db.execute("select count(*) from category_loads").fetchone() == (0,)
    register = _xlsx([["资产编号", "资产名称", "资产分类代码"], ["CAT-9", "文物", "A0301"]])
    imported = api.post(f"{API}/cards/import", files={"file": ("台账.xlsx", register, XLSX)},
                        headers=fast_auth("hd_jb")).json()  # fmt: skip
    [why] = imported["rejections"][0]["reasons"]
    assert "请系统管理员先导入官方代码表" in why  # the demo subset says it is one


def test_categories_cli_load_when_refused_exits_1_with_each_row(
    db_url: str, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("ASSETPULSE_DATABASE_URL", db_url)
    good = tmp_path / "codes.csv"
    good.write_bytes(CODES_CSV)
    ok = CliRunner().invoke(categories, ["load-codes", str(good)])
    assert ok.exit_code == 0, ok.output
    assert "已导入" in ok.output
    bad = tmp_path / "map.csv"
    bad.write_text("旧代码,新代码\n2010301,A020201\n20103,A020201\n", encoding="utf-8")
    refused = CliRunner().invoke(categories, ["load-map-2010", str(bad)])
    assert refused.exit_code == 1
    assert "第 3 行 20103" in refused.output
    status = CliRunner().invoke(categories, ["status"])
    assert "管理员导入" in status.output
