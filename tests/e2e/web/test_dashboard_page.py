"""数据看板 as the landing page, and the bell of 站内通知, in Chromium (issue 17.1, 17.6)."""

from __future__ import annotations

import io
import json
from typing import Any

import psycopg
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.e2e.platform.test_demand_mof import DEMAND
from tests.fix_platform import OPERATORS, REVIEWERS
from tests.fix_web import CardSeeder, WebApi, log_in, shot


def _final(web_api: WebApi, unit: str, body: dict[str, Any] | None = None, bill_id: int = 0) -> int:
    """Create (unless given) and approve a bill through every node until locally final."""
    op = web_api(OPERATORS[unit])
    if not bill_id:
        r = op.post("/bills", json=body)
        assert r.status_code == 201, r.text
        bill_id = r.json()["id"]
    out = op.post(f"/bills/{bill_id}/submit").json()
    for reviewer in REVIEWERS[unit]:
        if out["stage"] != "in_review":
            break
        out = web_api(reviewer).post(f"/bills/{bill_id}/approve").json()
    assert out["stage"] == "final", out
    return bill_id


def _listing(web_api: WebApi, user: str, kind: str, bill_id: int) -> int:
    rows = web_api(user).get("/listings", params={"plaza": kind}).json()["items"]
    return next(r["id"] for r in rows if r["bill_id"] == bill_id)


def test_dashboard_is_the_landing_page_and_drills_down_to_the_list(
    web_page: Page, seed_card: CardSeeder, web_api: WebApi, db_url: str
) -> None:
    card = seed_card("闲置显微镜（看板）", status="idle")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("update asset_cards set original_value = 12000 where id = %s", (card,))
    bill = _final(web_api, "U460001", {"kind": "adjust", "scope": "province", "card_ids": [card]})
    listing = _listing(web_api, "hd_jb", "adjust", bill)
    r = web_api("hd_jb").post(f"/listings/{listing}/result", json={
        "method": "free_transfer", "counterpart_unit_name": "海南师范大学"})  # fmt: skip
    assert r.status_code == 200, r.text

    page = web_page
    log_in(page, "hd_jb", route="")  # lands on the dashboard
    expect(page.locator("#page h2")).to_have_text("数据看板")
    expect(page.locator(".dash-scope")).to_contain_text("海南大学")
    expect(page.locator(".kpi").filter(has_text="已调剂")).to_contain_text("1 项")
    expect(page.locator(".kpi").filter(has_text="节约资金")).to_contain_text("12,000")
    expect(page.get_by_role("img", name="调剂完成率 100%")).to_be_visible()
    shot(page, "dashboard")
    page.get_by_role("button", name="调剂 已登记结果 1").click()
    drill = page.locator(".dash-drill")
    expect(drill).to_contain_text("明细：调剂 · 已登记结果")
    expect(drill.locator("tbody tr")).to_contain_text("闲置显微镜（看板）")
    with page.expect_download() as got:
        page.get_by_role("button", name="导出").click()
    path = got.value.path()
    assert path is not None
    wb = load_workbook(io.BytesIO(path.read_bytes()), read_only=True)
    assert "已完成调剂共享" in wb.sheetnames


def test_matching_demand_unit_sees_the_bell_and_the_publisher_sees_whom_it_told(
    web_page: Page, seed_card: CardSeeder, web_api: WebApi, db_url: str
) -> None:
    _final(web_api, "U460002", DEMAND)
    card = seed_card("闲置台式机（监测建议）", status="in_use")
    with psycopg.connect(db_url, autocommit=True) as conn:
        user = conn.execute("select id from users where username = 'hd_jb'").fetchone()
        assert user is not None
        change = conn.execute(
            "insert into card_changes (card_id, changes, origin, proposed_by, card_version)"
            " values (%s, %s, 'suggestion', %s, 1) returning id",
            (card, json.dumps({"status": "idle"}), user[0]),
        ).fetchone()
        assert change is not None
        conn.execute("update asset_cards set status = 'idle' where id = %s", (card,))
        conn.execute("update card_changes set state = 'approved' where id = %s", (change[0],))
    drafts = web_api("hd_jb").get("/bills", params={"origin": "suggestion"}).json()["items"]
    _final(web_api, "U460001", bill_id=drafts[0]["id"])

    page = web_page
    log_in(page, "hs_jb", route="")
    bell = page.get_by_role("link", name="站内通知（1 条未读）")
    expect(bell).to_be_visible()
    expect(bell.locator(".bell-count")).to_have_text("1")
    bell.click()
    expect(page.locator("#page h2")).to_have_text("站内通知")
    item = page.locator(".notices li").first
    expect(item).to_contain_text("闲置台式机（监测建议）")
    expect(item).to_contain_text(DEMAND["title"])
    expect(page.locator("#bell .bell-count")).to_be_hidden()  # read once opened
    shot(page, "notifications")
    item.get_by_role("button", name="查看资产").click()
    expect(page.locator("dialog[open]")).to_contain_text("闲置台式机（监测建议）")

    log_in(page, "hd_jb", "#/plaza/adjust?view=list")
    row = page.locator("tbody tr").filter(has_text="闲置台式机（监测建议）")
    row.get_by_role("button", name="查看详情").click()
    told = page.locator("dialog[open] ul.told")
    expect(told).to_contain_text("海南师范大学")
    expect(told).to_contain_text("（已读）")
