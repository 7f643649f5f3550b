"""Editing a bill in the browser keeps what it had (issue 13, point 11)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.fix_web import WebApi, expect_toast, log_in

DEMAND = {
    "kind": "demand",
    "title": "需要实验台",
    "demand_type": "adjust",
    "scope": "province",
    "attachments": [{"name": "需求说明.docx", "url": "https://example.org/a.docx"}],
}


def test_editing_a_demand_keeps_its_attachments_and_their_links(
    web_page: Page, web_api: WebApi
) -> None:
    page = web_page
    created = web_api("hs_jb").post("/bills", json=DEMAND)
    assert created.status_code == 201, created.text
    bill = created.json()
    log_in(page, "hs_jb", "#/bills/demand/publish")
    row = page.locator("tbody tr").filter(has_text=bill["bill_no"])
    row.get_by_role("button", name="修改").click()
    dlg = page.locator("dialog[open]")
    dlg.locator("input[name=contact_name]").fill("王五")
    dlg.get_by_role("button", name="保存").click()
    expect_toast(page, "已保存发布单")
    got = web_api("hs_jb").get(f"/bills/{bill['id']}").json()
    assert got["contact_name"] == "王五"
    assert got["attachments"] == DEMAND["attachments"]


def test_returned_bill_offers_delete_on_the_publish_page(web_page: Page, web_api: WebApi) -> None:
    page = web_page
    bill = web_api("hs_jb").post("/bills", json=DEMAND).json()
    assert web_api("hs_jb").post(f"/bills/{bill['id']}/submit").status_code == 200
    r = web_api("hs_sh").post(f"/bills/{bill['id']}/reject", json={"reason": "不需要了"})
    assert r.status_code == 200, r.text
    log_in(page, "hs_jb", "#/bills/demand/publish")
    row = page.locator("tbody tr").filter(has_text=bill["bill_no"])
    expect(row).to_contain_text("退回")
    row.get_by_role("button", name="删除").click()
    confirm = page.locator("dialog[open]").last
    confirm.get_by_role("button", name="删除").click()
    expect_toast(page, "删除成功")
    expect(page.locator("tbody tr").filter(has_text=bill["bill_no"])).to_have_count(0)
