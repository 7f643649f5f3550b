"""Module pages page on the server with their totals (issue 13, point 6), in Chromium.

The publish, review, query and manage pages and the card picker used to fetch 100–200 rows
and stop (or filter them in the browser): the 101st item could not be reached.
"""

from __future__ import annotations

import psycopg
from playwright.sync_api import Page, expect

from tests.fix_web import CardSeeder, WebApi, log_in

MANY = 105


def _seed_bills(db_url: str, demo_units: dict[str, int]) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "insert into bills (bill_no, kind, unit_id, scope, region_code, created_by, title)"
            " select 'PBW' || lpad(g::text, 8, '0'), 'adjust', %s, 'province', '460100',"
            " (select id from users where username = 'hd_jb'), '批量单据' || g"
            " from generate_series(1, %s) g",
            (demo_units["U460001"], MANY),
        )


def test_publish_page_when_unit_has_105_bills_pages_to_the_oldest(
    web_page: Page, db_url: str, demo_units: dict[str, int]
) -> None:
    page = web_page
    _seed_bills(db_url, demo_units)
    log_in(page, "hd_jb", "#/bills/adjust/publish")
    expect(page.locator(".pager")).to_contain_text(f"共 {MANY} 条 · 第 1/6 页")
    expect(page.locator("tbody tr").filter(has_text="PBW00000001")).to_have_count(0)
    log_in(page, "hd_jb", "#/bills/adjust/publish?page=5")
    page.locator(".pager").get_by_role("button", name="下一页").click()
    expect(page.locator(".pager")).to_contain_text("第 6/6 页")
    expect(page.locator("tbody tr").filter(has_text="PBW00000001")).to_have_count(1)
    expect(page.locator(".pager").get_by_role("button", name="下一页")).to_have_count(0)


def test_card_picker_pages_through_eligible_cards_and_keeps_picks(
    web_page: Page, seed_card: CardSeeder
) -> None:
    page = web_page
    for i in range(25):
        seed_card(f"待调剂设备{i:02d}", status="idle", asset_code=f"PICK-{i:03d}")
    log_in(page, "hd_jb", "#/bills/adjust/publish")
    page.get_by_role("button", name="新增").click()
    dlg = page.locator("dialog[open]")
    dlg.locator("select[name=scope]").select_option("province")
    dlg.get_by_role("button", name="选择资产卡片").click()
    picker = page.locator("dialog[open]").last
    expect(picker.locator(".pager")).to_contain_text("共 25 条 · 第 1/2 页")
    picker.locator("tbody tr").filter(has_text="PICK-000").get_by_label("选择").check()
    picker.locator(".pager").get_by_role("button", name="下一页").click()
    expect(picker.locator(".pager")).to_contain_text("第 2/2 页")
    picker.locator("tbody tr").filter(has_text="PICK-024").get_by_label("选择").check()
    picker.get_by_role("button", name="确定").click()
    expect(dlg).to_contain_text("PICK-000")
    expect(dlg).to_contain_text("PICK-024")


def test_manage_page_shows_own_listing_behind_100_newer_listings_of_others(
    web_page: Page, seed_card: CardSeeder, web_api: WebApi, db_url: str, demo_units: dict[str, int]
) -> None:
    page = web_page
    card = seed_card("本单位的投影仪", status="idle")
    api = web_api("hd_jb")
    bill = api.post("/bills", json={"kind": "adjust", "scope": "province", "card_ids": [card]})
    assert bill.status_code == 201, bill.text
    bill_id = bill.json()["id"]
    assert api.post(f"/bills/{bill_id}/submit").status_code == 200
    for reviewer in ("hd_sh", "jyt_sh"):
        assert web_api(reviewer).post(f"/bills/{bill_id}/approve").status_code == 200
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "insert into bills (bill_no, kind, unit_id, scope, region_code, created_by, stage)"
            " select 'PBO' || lpad(g::text, 8, '0'), 'adjust', %s, 'province', '460100',"
            " (select id from users where username = 'hs_jb'), 'final'"
            " from generate_series(1, %s) g",
            (demo_units["U460002"], MANY),
        )
        conn.execute(
            "insert into listings (bill_id, kind, unit_id, scope, region_code, name, listed_at)"
            " select id, 'adjust', unit_id, 'province', '460100', '他单位资产',"
            " now() + id * interval '1 second' from bills where bill_no like 'PBO%%'"
        )
    log_in(page, "hd_jb", "#/bills/adjust/manage")
    expect(page.locator("tbody tr").filter(has_text="本单位的投影仪")).to_have_count(1)
    expect(page.locator(".pager")).to_contain_text("共 1 条")
    expect(page.locator("tbody")).not_to_contain_text("他单位资产")
