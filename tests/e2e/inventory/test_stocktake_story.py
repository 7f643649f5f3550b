"""THE stocktaking story (盘点) over HTTP against a real PostgreSQL: a task for 海南大学,
handed down to two departments and on to an asset user, labels printed, photographed at
an angle and decoded on the server, device batches synced twice, a bulk paste; then the
reconciliation, the report as JSON and XLSX, and the results applied through card changes
that the reviewer approves."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import psycopg
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from assetpulse.inventory.labels import encode_label, label_url
from assetpulse.org.passwords import hash_password
from assetpulse.org.seed import DEMO_PASSWORD
from tests.e2e.inventory.helpers import API, code128_label, photograph, qr_label
from tests.fix_api import AuthHeaders


def _second_asset_user(db: psycopg.Connection, demo_units: dict[str, int], card_id: int) -> int:
    row = db.execute(
        "insert into users (username, password_hash, display_name, unit_id, department_id,"
        " user_type, roles) values ('hd_wl2', %s, '物理学院教师', %s, %s, '003', '{asset_user}')"
        " returning id",
        (hash_password(DEMO_PASSWORD), demo_units["U460001"], demo_units["D460001-01"]),
    ).fetchone()
    assert row is not None
    db.execute("update asset_cards set user_id = %s where id = %s", (row[0], card_id))
    return int(row[0])


def _photo_scan(api: TestClient, auth: AuthHeaders, user: str, task: int, image: bytes, **form):
    return api.post(
        f"{API}/stocktakes/{task}/scans",
        files={"image": ("frame.jpg", image, "image/jpeg")},
        data=form,
        headers=auth(user),
    )


def test_stocktaking_story_from_task_to_reviewed_card_changes(
    api: TestClient, auth: AuthHeaders, demo_cards, demo_units, db: psycopg.Connection
) -> None:
    d1, d2 = demo_units["D460001-01"], demo_units["D460001-02"]
    wl2 = _second_asset_user(db, demo_units, demo_cards["HD-0002"])

    # 1. the operator creates the task for the whole unit
    r = api.post(
        f"{API}/stocktakes",
        json={"title": "2026 年度资产盘点", "deadline": str(date.today() + timedelta(days=14))},
        headers=auth("hd_jb"),
    )
    assert r.status_code == 201, r.text
    task = r.json()["stocktake"]["id"]
    assert r.json()["summary"]["expected"] == 5  # HD-0001…0005; HS-0001 is another unit's

    # 2. handed down: unit → two departments → one asset user of 物理学院
    a1 = api.post(
        f"{API}/stocktakes/{task}/assignments", json={"department_id": d1}, headers=auth("hd_jb")
    ).json()
    api.post(
        f"{API}/stocktakes/{task}/assignments", json={"department_id": d2}, headers=auth("hd_jb")
    )
    r = api.post(
        f"{API}/stocktakes/{task}/assignments",
        json={"parent_id": a1["id"], "assignee_id": wl2},
        headers=auth("hd_wl"),  # 物理学院's own asset manager hands it on
    )
    assert r.status_code == 201, r.text
    cross = api.post(
        f"{API}/stocktakes/{task}/assignments",
        json={"parent_id": a1["id"], "assignee_id": wl2},
        headers=auth("hd_hq"),  # 后勤处 may not hand down 物理学院's part
    )
    assert cross.status_code == 403

    def expected(user: str) -> int:
        return api.get(f"{API}/stocktakes/{task}", headers=auth(user)).json()["summary"]["expected"]

    assert expected("hd_jb") == 5
    assert expected("hd_wl") == 2  # 物理学院: HD-0001 and HD-0002 (handed on to hd_wl2)
    assert expected("hd_hq") == 2  # 后勤处: HD-0003, HD-0004
    wl2_headers = {
        "Authorization": "Bearer "
        + api.post(
            f"{API}/auth/token", data={"username": "hd_wl2", "password": DEMO_PASSWORD}
        ).json()["access_token"]
    }
    mine = api.get(f"{API}/stocktakes/{task}/report", headers=wl2_headers).json()
    assert [f["asset_code"] for f in mine["not_scanned"]] == ["HD-0002"]  # 未盘 while open
    assert mine["missing"] == []
    assert api.get(f"{API}/stocktakes/{task}", headers=auth("hs_jb")).status_code == 404

    # 3. labels printed for the unit's cards
    pdf = api.get(
        f"{API}/labels",
        params={"card_id": [demo_cards[c] for c in ("HD-0001", "HD-0002", "HD-0003")]},
        headers=auth("hd_jb"),
    )
    assert pdf.status_code == 200, pdf.text
    assert pdf.content.startswith(b"%PDF")
    assert (
        api.get(
            f"{API}/labels", params={"card_id": demo_cards["HS-0001"]}, headers=auth("hd_jb")
        ).status_code
        == 404
    )

    # 4a. hd_wl2 photographs HD-0002's label at an angle, in another room
    shot = photograph([qr_label(encode_label("HD-0002"))], angle=23, blur=1.2, tilt=0.12, seed=1)
    r = api.post(
        f"{API}/stocktakes/{task}/scans",
        files={"image": ("frame.jpg", shot, "image/jpeg")},
        data={"location": "物理楼203"},
        headers=wl2_headers,
    )
    assert r.status_code == 201, r.text
    assert [x["asset_code"] for x in r.json()["recorded"]] == ["HD-0002"]

    # 4b. hd_wl photographs two labels in one frame: their own and another unit's
    shot = photograph(
        [qr_label(encode_label("HD-0001")), qr_label(encode_label("HS-0001"))],
        angle=-12,
        blur=0.8,
        tilt=0.08,
        seed=2,
        size=(1200, 700),
    )
    r = _photo_scan(api, auth, "hd_wl", task, shot, location="主楼101")
    assert r.status_code == 201, r.text
    assert sorted(x["asset_code"] for x in r.json()["recorded"]) == ["HD-0001", "HS-0001"]
    blank = photograph(
        [qr_label(encode_label("HD-0001"))[:40, :40]], angle=0, blur=3, tilt=0, seed=3
    )
    r = _photo_scan(api, auth, "hd_wl", task, blank)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "SCAN_NOTHING_READ"

    # 4c. hd_hq's handheld scanner recorded offline yesterday and syncs twice
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    batch = {
        "method": "device",
        "scans": [
            {
                "client_scan_id": "PDA7-000001",
                "code": encode_label("HD-0003"),
                "scanned_at": yesterday,
                "status": "idle",
            }
        ],
    }
    first = api.post(f"{API}/stocktakes/{task}/scans", json=batch, headers=auth("hd_hq")).json()
    again = api.post(f"{API}/stocktakes/{task}/scans", json=batch, headers=auth("hd_hq")).json()
    assert len(first["recorded"]) == 1
    assert (again["recorded"], again["duplicates"]) == ([], ["PDA7-000001"])

    # 4c'. and photographs the Code 128 bar of HD-0003's label, slightly turned
    shot = photograph(
        [code128_label(encode_label("HD-0003"))], angle=6, blur=0.7, tilt=0.05, seed=4
    )
    r = _photo_scan(api, auth, "hd_hq", task, shot)
    assert r.status_code == 201, r.text
    assert r.json()["decoded"][0]["symbology"] == "code128"
    assert [x["asset_code"] for x in r.json()["recorded"]] == ["HD-0003"]

    # 4d. the operator pastes what the phone app exported: a URL form and an unknown code
    paste = f"{label_url('HD-0005', 'https://assets.example.gov.cn')}\nZZ-9999\n"
    r = api.post(f"{API}/stocktakes/{task}/scans", json={"text": paste}, headers=auth("hd_jb"))
    assert len(r.json()["recorded"]) == 2, r.text

    # 5. progress and reconciliation
    progress = api.get(f"{API}/stocktakes/{task}", headers=auth("hd_jb")).json()
    assert progress["summary"]["found"] == 4
    parts = {(a["department_id"], a["assignee_id"]): a for a in progress["assignments"]}
    assert (parts[(d1, None)]["expected"], parts[(d1, None)]["found"]) == (2, 2)
    assert (parts[(d1, wl2)]["expected"], parts[(d1, wl2)]["found"]) == (1, 1)
    by_dept = {d["department_id"]: d for d in progress["by_department"]}
    assert (by_dept[d2]["found"], by_dept[d2]["not_scanned"], by_dept[d2]["missing"]) == (1, 1, 0)
    report = api.get(f"{API}/stocktakes/{task}/report", headers=auth("hd_sh")).json()
    codes = {
        k: sorted(f["asset_code"] or f.get("raw_code") for f in report[k])
        for k in ("found", "not_scanned", "moved", "status_differs")
    }
    assert codes == {
        "found": ["HD-0001", "HD-0002", "HD-0003", "HD-0005"],
        "not_scanned": ["HD-0004"],
        "moved": ["HD-0002"],
        "status_differs": ["HD-0003"],
    }
    surplus = {s["raw_code"]: s["reason"] for s in report["surplus"]}
    assert surplus[encode_label("HS-0001")] == "other_unit"
    assert surplus["ZZ-9999"] == "unknown_code"

    xlsx = api.get(
        f"{API}/stocktakes/{task}/report", params={"format": "xlsx"}, headers=auth("hd_jb")
    )
    # a Chinese file name; times in Beijing time as the pages show them
    assert (
        f"filename*=UTF-8''{quote(f'盘点报告-{task}.xlsx')}" in xlsx.headers["content-disposition"]
    )
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert [c.value for c in wb["未盘"]["A"]] == ["资产编号", "HD-0004"]
    seen = {r[0]: r[5] for r in wb["已盘到"].iter_rows(min_row=2, values_only=True)}
    last = next(f["last_seen"] for f in report["found"] if f["asset_code"] == "HD-0003")
    beijing = datetime.fromisoformat(last).astimezone(ZoneInfo("Asia/Shanghai"))
    assert f"{seen['HD-0003']:%Y-%m-%d %H:%M:%S}" == f"{beijing:%Y-%m-%d %H:%M:%S}"
    assert {r[2] for r in wb["盘盈"].iter_rows(min_row=2, values_only=True)} == {
        "其他单位资产",
        "账外资产（无此编号）",
    }

    # 6. applying: only the operator; differences become card changes for review
    assert api.post(f"{API}/stocktakes/{task}/apply", headers=auth("hd_wl")).status_code == 403
    applied = api.post(f"{API}/stocktakes/{task}/apply", headers=auth("hd_jb"))
    assert applied.status_code == 200, applied.text
    changes = api.get(
        f"{API}/card-changes", params={"stocktake_id": task}, headers=auth("hd_sh")
    ).json()
    assert {(c["asset_code"], c["origin"], c["state"]) for c in changes} == {
        ("HD-0002", "stocktake", "pending"),
        ("HD-0003", "stocktake", "pending"),
    }
    assert (
        api.get(f"{API}/cards/{demo_cards['HD-0003']}", headers=auth("hd_jb")).json()["status"]
        == "in_use"
    )  # nothing changes before review
    for c in changes:
        ok = api.post(f"{API}/card-changes/{c['id']}/approve", headers=auth("hd_sh"))
        assert ok.status_code == 200, ok.text
    card2 = api.get(f"{API}/cards/{demo_cards['HD-0002']}", headers=auth("hd_jb")).json()
    card3 = api.get(f"{API}/cards/{demo_cards['HD-0003']}", headers=auth("hd_jb")).json()
    assert card2["location"] == "物理楼203"
    assert card3["status"] == "idle"
    late = api.post(
        f"{API}/stocktakes/{task}/scans", json={"text": "HD-0004"}, headers=auth("hd_hq")
    )
    assert late.status_code == 409
    actions = db.execute(
        "select action from audit_log where entity = 'stocktake' order by id"
    ).fetchall()
    assert [a[0] for a in actions] == [
        "created",
        "handed_down",
        "handed_down",
        "handed_down",
        "applied",
    ]
