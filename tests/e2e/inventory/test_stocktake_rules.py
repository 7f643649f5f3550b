"""盘点 rules over HTTP: who may create, department-scoped tasks, device clocks, per-department
reports, and a closed task."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.e2e.disposal_steps import dispose
from tests.e2e.inventory.helpers import API
from tests.fix_api import AuthHeaders


def _task(api: TestClient, auth: AuthHeaders, **extra) -> int:
    r = api.post(
        f"{API}/stocktakes",
        json={"title": "季度盘点", "deadline": "2030-06-30", **extra},
        headers=auth("hd_jb"),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["stocktake"]["id"])


def test_only_operators_create_tasks_and_other_units_never_see_them(
    api: TestClient, auth: AuthHeaders, demo_cards
) -> None:
    body = {"title": "x", "deadline": "2030-01-01"}
    for user in ("hd_sh", "hd_wl", "cz_sh", "jyt_sh"):
        assert api.post(f"{API}/stocktakes", json=body, headers=auth(user)).status_code == 403, user
    task = _task(api, auth)
    assert [t["id"] for t in api.get(f"{API}/stocktakes", headers=auth("hd_sh")).json()] == [task]
    assert api.get(f"{API}/stocktakes", headers=auth("hs_jb")).json() == []
    assert api.get(f"{API}/stocktakes", headers=auth("hd_wl")).json() == []  # not handed down yet
    for path in ("", "/report", "/assignments"):
        assert api.get(f"{API}/stocktakes/{task}{path}", headers=auth("hs_sh")).status_code == 404
    r = api.post(f"{API}/stocktakes/{task}/scans", json={"text": "HD-0001"}, headers=auth("hs_jb"))
    assert r.status_code == 404


def test_department_task_expects_only_that_departments_cards(
    api: TestClient, auth: AuthHeaders, demo_cards, demo_units
) -> None:
    task = _task(api, auth, department_id=demo_units["D460001-02"])
    progress = api.get(f"{API}/stocktakes/{task}", headers=auth("hd_jb")).json()
    assert progress["summary"]["expected"] == 2
    foreign = api.post(
        f"{API}/stocktakes",
        json={"title": "x", "deadline": "2030-01-01", "department_id": demo_units["D460002-01"]},
        headers=auth("hd_jb"),
    )
    assert foreign.json()["error"]["code"] == "DEPARTMENT_NOT_IN_UNIT"


def test_device_clock_in_future_or_without_zone_is_refused_per_item(
    api: TestClient, auth: AuthHeaders, demo_cards
) -> None:
    task = _task(api, auth)
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    r = api.post(
        f"{API}/stocktakes/{task}/scans",
        json={
            "method": "device",
            "scans": [
                {"client_scan_id": "a", "code": "HD-0001", "scanned_at": future},
                {"client_scan_id": "b", "code": "HD-0002"},
            ],
        },
        headers=auth("hd_jb"),
    )
    body = r.json()
    assert [x["asset_code"] for x in body["recorded"]] == ["HD-0002"]
    assert body["rejected"][0]["index"] == 0
    assert "未来" in body["rejected"][0]["reason"]
    naive = api.post(
        f"{API}/stocktakes/{task}/scans",
        json={"scans": [{"code": "HD-0001", "scanned_at": "2026-05-01T09:00:00"}]},
        headers=auth("hd_jb"),
    )
    assert naive.status_code == 422


def test_report_per_department_and_apply_only_once(
    api: TestClient, auth: AuthHeaders, demo_cards, demo_units
) -> None:
    task = _task(api, auth)
    d1 = demo_units["D460001-01"]
    api.post(
        f"{API}/stocktakes/{task}/scans",
        json={"text": "HD-0001 HD-0003", "department_id": d1},
        headers=auth("hd_jb"),
    )
    d1_report = api.get(
        f"{API}/stocktakes/{task}/report", params={"department_id": d1}, headers=auth("hd_jb")
    ).json()
    assert d1_report["summary"]["expected"] == 2
    assert [f["asset_code"] for f in d1_report["found"]] == ["HD-0001"]
    whole = api.get(f"{API}/stocktakes/{task}/report", headers=auth("hd_jb")).json()
    assert [f["asset_code"] for f in whole["moved"]] == ["HD-0003"]  # seen in 物理学院
    first = api.post(f"{API}/stocktakes/{task}/apply", headers=auth("hd_jb"))
    assert len(first.json()["change_ids"]) == 1
    again = api.post(f"{API}/stocktakes/{task}/apply", headers=auth("hd_jb"))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "STOCKTAKE_CLOSED"


def test_card_disposed_during_task_is_no_longer_expected(
    api: TestClient, auth: AuthHeaders, demo_cards, demo_units
) -> None:
    task = _task(api, auth)
    api.post(
        f"{API}/stocktakes/{task}/scans",
        json={"text": "HD-0002", "location": "仓库"},
        headers=auth("hd_jb"),
    )
    dispose(api, auth, demo_cards["HD-0002"], "scrap")
    report = api.get(f"{API}/stocktakes/{task}/report", headers=auth("hd_jb")).json()
    s = report["summary"]
    assert (s["booked"], s["left_book"], s["expected"]) == (5, 1, 4)  # 应盘 says why it shrank
    assert [(x["asset_code"], x["reason"]) for x in report["left_book"]] == [
        ("HD-0002", "盘点期间已处置")
    ]
    assert report["left_book"][0]["at"] is not None
    assert report["surplus"] == []  # its scan is no 盘盈
    # while the task is open, what nobody has scanned yet is 未盘, not 盘亏
    assert (s["not_scanned"], s["missing"], report["missing"]) == (4, 0, [])
    applied = api.post(f"{API}/stocktakes/{task}/apply", headers=auth("hd_jb"))
    assert applied.status_code == 200, applied.text
    assert applied.json()["change_ids"] == []
    closed = api.get(f"{API}/stocktakes/{task}/report", headers=auth("hd_jb")).json()
    assert (closed["summary"]["missing"], closed["summary"]["not_scanned"]) == (4, 0)
    assert [f["asset_code"] for f in closed["missing"]] == [
        "HD-0001",
        "HD-0003",
        "HD-0004",
        "HD-0005",
    ]
    other_dept = api.post(
        f"{API}/stocktakes",
        json={"title": "x", "deadline": "2030-01-01", "department_id": demo_units["D460001-01"]},
        headers=auth("hd_jb"),
    ).json()["stocktake"]["id"]
    r = api.post(
        f"{API}/stocktakes/{other_dept}/assignments",
        json={"department_id": demo_units["D460001-02"]},
        headers=auth("hd_jb"),
    )
    assert r.json()["error"]["code"] == "DEPARTMENT_OUTSIDE_TASK"
