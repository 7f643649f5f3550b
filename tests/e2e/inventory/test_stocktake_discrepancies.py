"""盘盈盘亏处理 over HTTP against a real PostgreSQL (条例 第三十四、三十七条): a closed
stocktake's shortage, surplus and difference each get a cause and the approval document's
文号, a reviewer other than the proposer approves, and the ledger follows — a loss write-off,
a new card, a card change; the report says what is resolved and what is still open."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import psycopg
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from assetpulse.org.passwords import hash_password
from assetpulse.org.seed import DEMO_PASSWORD
from tests.e2e.inventory.helpers import API
from tests.fix_api import AuthHeaders


def _operator_reviewer(api: TestClient, db: psycopg.Connection, unit_id: int) -> dict[str, str]:
    """A user of 海南大学 holding both posts: only four eyes stop them approving their own."""
    db.execute(
        "insert into users (username, password_hash, display_name, unit_id, user_type, roles)"
        " values ('hd_zh', %s, '海大综合岗', %s, '003', '{operator,reviewer}')",
        (hash_password(DEMO_PASSWORD), unit_id),
    )
    token = api.post(
        f"{API}/auth/token", data={"username": "hd_zh", "password": DEMO_PASSWORD}
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_discrepancies_after_close_resolve_through_review_into_the_ledger(
    api: TestClient, auth: AuthHeaders, demo_cards, demo_units, db: psycopg.Connection
) -> None:
    zh = _operator_reviewer(api, db, demo_units["U460001"])
    sh = auth("hd_sh")
    deadline = str(date.today() + timedelta(days=7))
    task = api.post(
        f"{API}/stocktakes", json={"title": "年终盘点", "deadline": deadline}, headers=zh
    ).json()["stocktake"]["id"]
    scans = [
        {"code": "HD-0001"},
        {"code": "HD-0002", "location": "物理楼305"},  # found elsewhere
        {"code": "HD-0003"},
        {"code": "HD-0005"},
        {"code": "ZZ-8888", "location": "实验楼B102"},  # 账外: no card has this code
        {"code": "HS-0001"},  # another unit's
    ]  # HD-0004 is never found
    r = api.post(f"{API}/stocktakes/{task}/scans", json={"scans": scans}, headers=zh)
    assert r.status_code == 201, r.text

    def report() -> dict[str, Any]:
        got = api.get(f"{API}/stocktakes/{task}/report", headers=sh)
        assert got.status_code == 200, got.text
        return got.json()

    assert report()["discrepancies"]["items"] == []  # nothing to resolve while open
    assert api.post(f"{API}/stocktakes/{task}/apply", headers=zh).status_code == 200

    items = {(d["kind"], d["code"]): d for d in report()["discrepancies"]["items"]}
    assert {k: (d["ledger"], d["state"]) for k, d in items.items()} == {
        ("shortage", "HD-0004"): ("write_off", "open"),
        ("surplus", "ZZ-8888"): ("new_card", "open"),
        ("surplus", "HS-0001"): ("note_only", "open"),
        ("difference", "HD-0002"): ("card_change", "pending"),  # its card change, from apply
    }
    shortage = items[("shortage", "HD-0004")]
    surplus = items[("surplus", "ZZ-8888")]
    difference = items[("difference", "HD-0002")]

    def act(item: dict[str, Any], step: str, headers: dict[str, str], **body: Any) -> Any:
        return api.post(
            f"{API}/stocktakes/{task}/discrepancies/{item['id']}/{step}", json=body, headers=headers
        )

    # 盘亏: a cause alone is not enough, the approval document's 文号 is required
    r = act(shortage, "propose", zh, cause="搬迁时遗失")
    assert r.status_code == 422, r.text
    assert "文号" in r.json()["error"]["message"]
    r = act(shortage, "propose", zh, cause="搬迁时遗失", document_no="琼大资〔2026〕12号")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "pending"
    # four eyes: the proposer holds the reviewer's post too, and still may not approve
    r = act(shortage, "approve", zh)
    assert r.status_code == 403, r.text
    assert "自己" in r.json()["error"]["message"]
    assert act(shortage, "approve", auth("hd_jb")).status_code == 403  # no reviewer's post
    r = act(shortage, "approve", sh, note="同意核销")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "approved"
    card4 = api.get(f"{API}/cards/{demo_cards['HD-0004']}", headers=sh).json()
    assert card4["status"] == "disposed"
    event = db.execute(
        "select detail from card_events where card_id = %s and kind = 'disposed'",
        (demo_cards["HD-0004"],),
    ).fetchone()
    assert event is not None
    assert (event[0]["method"], event[0]["document_no"]) == ("write_off", "琼大资〔2026〕12号")
    assert act(shortage, "approve", sh).status_code == 409  # decided once

    # 盘盈 账外资产: after approval, a new card with the scanned code
    new_card = {
        "name": "便携式投影仪",
        "category_code": "A020104",
        "department_id": demo_units["D460001-02"],
        "location": "实验楼B102",
        "original_value": 3200,
    }
    r = act(surplus, "propose", zh, cause="捐赠未入账", document_no="琼大资〔2026〕13号",
            card={**new_card, "category_code": "Z99"})  # fmt: skip
    assert r.status_code == 422, r.text  # refused when proposed, not when approved
    assert r.json()["error"]["code"] == "CATEGORY_UNKNOWN"
    r = act(surplus, "propose", zh, cause="捐赠未入账", document_no="琼大资〔2026〕13号",
            card=new_card)  # fmt: skip
    assert r.status_code == 200, r.text
    assert db.execute("select 1 from asset_cards where asset_code = 'ZZ-8888'").fetchone() is None
    r = act(surplus, "approve", sh)
    assert r.status_code == 200, r.text
    created = api.get(f"{API}/cards/{r.json()['new_card_id']}", headers=sh).json()
    assert (created["asset_code"], created["name"], created["unit_id"]) == (
        "ZZ-8888",
        "便携式投影仪",
        demo_units["U460001"],
    )

    # a difference: approved here, it is the card change's approval
    r = act(difference, "approve", sh)
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "approved"
    card2 = api.get(f"{API}/cards/{demo_cards['HD-0002']}", headers=sh).json()
    assert card2["location"] == "物理楼305"
    change = api.get(f"{API}/card-changes/{difference['change_id']}", headers=sh).json()
    assert change["state"] == "approved"

    # a difference the scans could not show: another 使用人 found on the spot
    hd_wl = db.execute("select id from users where username = 'hd_wl'").fetchone()
    assert hd_wl is not None
    r = api.post(
        f"{API}/stocktakes/{task}/discrepancies",
        json={"card_id": demo_cards["HD-0001"], "cause": "现场使用人为物理学院资产员",
              "changes": {"user_id": hd_wl[0]}},
        headers=zh,
    )  # fmt: skip
    assert r.status_code == 201, r.text
    assert r.json()["state"] == "pending"
    user_diff = r.json()
    r = act(user_diff, "reject", sh, note="请先核实借用手续")
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "rejected"
    assert api.get(f"{API}/cards/{demo_cards['HD-0001']}", headers=sh).json()["user_id"] is None

    # the report: what is resolved, what is still open, and the close as it stood
    body = report()
    assert body["discrepancies"]["summary"]["all"] == {
        "total": 5,
        "resolved": 3,
        "pending": 0,
        "open": 2,
    }
    still_open = {
        d["code"]: d["state"] for d in body["discrepancies"]["items"] if not d["resolved"]
    }
    assert still_open == {"HS-0001": "open", "HD-0001": "rejected"}
    assert [f["asset_code"] for f in body["missing"]] == ["HD-0004"]  # written off, still 盘亏
    assert {s["asset_code"]: s["reason"] for s in body["surplus"]}["ZZ-8888"] == "unknown_code"
    xlsx = api.get(f"{API}/stocktakes/{task}/report", params={"format": "xlsx"}, headers=sh)
    rows = list(load_workbook(io.BytesIO(xlsx.content))["盘盈盘亏处理"].iter_rows(values_only=True))
    assert rows[0][:6] == ("合计", 5, "已处理", 3, "未处理", 2)
    written_off = next(r for r in rows[2:] if r[1] == "HD-0004")
    assert written_off[4:8] == (
        "损失核销（资产处置）",
        "已处理",
        "搬迁时遗失",
        "琼大资〔2026〕12号",
    )


def test_task_closed_before_discrepancies_were_kept_gets_them_on_its_report(
    api: TestClient, auth: AuthHeaders, demo_cards, db: psycopg.Connection
) -> None:
    jb = auth("hd_jb")
    deadline = str(date.today() + timedelta(days=7))
    task = api.post(
        f"{API}/stocktakes", json={"title": "旧盘点", "deadline": deadline}, headers=jb
    ).json()["stocktake"]["id"]
    api.post(
        f"{API}/stocktakes/{task}/scans",
        json={"scans": [{"code": "HD-0002", "location": "物理楼305"}, {"code": "ZZ-7777"}]},
        headers=jb,
    )
    change_ids = api.post(f"{API}/stocktakes/{task}/apply", headers=jb).json()["change_ids"]
    # since the close, someone registered the surplus's card by other means
    db.execute(
        "insert into asset_cards (asset_code, name, category_code, unit_id)"
        " select 'ZZ-7777', '补录的投影仪', 'A020104', unit_id from asset_cards"
        " where id = %s",
        (demo_cards["HD-0001"],),
    )
    # a task closed before migration 3006 has no rows of its own
    db.execute("delete from stocktake_discrepancies where stocktake_id = %s", (task,))

    items = api.get(f"{API}/stocktakes/{task}/report", headers=auth("hd_sh")).json()[
        "discrepancies"
    ]["items"]
    assert sorted((d["kind"], d["code"]) for d in items) == [
        ("difference", "HD-0002"),
        *(("shortage", c) for c in ("HD-0001", "HD-0003", "HD-0004", "HD-0005")),
        ("surplus", "ZZ-7777"),
    ]
    surplus = next(d for d in items if d["kind"] == "surplus")
    assert surplus["ledger"] == "note_only"  # a card has the code now: nothing to register
    difference = next(d for d in items if d["kind"] == "difference")
    # linked to the card change applying proposed, not a second one
    assert (difference["change_id"], difference["state"]) == (change_ids[0], "pending")
