"""盘盈盘亏处理 in Chromium: after a stocktake closes, the operator gives the shortage and
the surplus their cause and 文号 (the surplus with its new card's values) and records a
difference the scans could not show (another 使用人), and the reviewer approves them on the
same page — the shortage is written off, the surplus gets its card, the difference is a
card change — and the page counts what is resolved."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.fix_web import CardSeeder, WebApi, expect_toast, log_in, shot


def test_operator_resolves_shortage_and_surplus_then_reviewer_approves_into_ledger(
    web_page: Page, seed_card: CardSeeder, web_api: WebApi, demo_units: dict[str, int]
) -> None:
    found = seed_card("示波器", department="D460001-01", status="in_use", asset_code="WEB-DS-0001")
    lost = seed_card("打印机", department="D460001-02", status="in_use", asset_code="WEB-DS-0002")
    jb = web_api("hd_jb")
    task = jb.post("/stocktakes", json={"title": "年终盘点", "deadline": "2026-12-31"})
    assert task.status_code == 201, task.text
    task_id = task.json()["stocktake"]["id"]
    r = jb.post(f"/stocktakes/{task_id}/scans", json={"text": "WEB-DS-0001\nWEB-NEW-0001"})
    assert r.status_code == 201, r.text
    assert jb.post(f"/stocktakes/{task_id}/apply").status_code == 200

    page = web_page
    log_in(page, "hd_jb", "#/stocktakes")
    listed = page.locator("#page tbody tr").filter(has_text="年终盘点")
    expect(listed).to_contain_text("盘盈盘亏待处理 2")  # the closed task still has work
    listed.get_by_role("link", name="盘点进度").click()
    section = page.get_by_role("region", name="盘盈盘亏处理")
    expect(section).to_contain_text("共 2 项：已处理 0，待审核 0，未处理 2")
    rows = section.locator("tbody tr")

    shortage = rows.filter(has_text="WEB-DS-0002")
    expect(shortage).to_contain_text("损失核销")
    shortage.get_by_role("button", name="登记处理").click()
    dlg = page.locator("dialog[open]")
    dlg.get_by_label("原因").fill("实验室搬迁时遗失")
    dlg.get_by_label("审批文号").fill("琼大资〔2026〕31号")
    dlg.get_by_role("button", name="提交审核").click()
    expect_toast(page, "已提交审核")
    expect(shortage).to_contain_text("待审核")

    surplus = rows.filter(has_text="WEB-NEW-0001")
    expect(surplus).to_contain_text("新增资产卡片")
    surplus.get_by_role("button", name="登记处理").click()
    dlg = page.locator("dialog[open]")
    dlg.get_by_label("原因").fill("捐赠设备未入账")
    dlg.get_by_label("审批文号").fill("琼大资〔2026〕32号")
    dlg.get_by_label("资产名称").fill("便携式投影仪")
    dlg.get_by_label("资产分类").select_option("A020104")
    dlg.get_by_role("button", name="提交审核").click()
    expect_toast(page, "已提交审核")
    # what the scans cannot show: the oscilloscope is used by someone else than booked
    section.get_by_role("button", name="登记账实不符").click()
    dlg = page.locator("dialog[open]")
    dlg.get_by_label("现场使用人").select_option(label="物理学院资产员")
    dlg.get_by_label("原因").fill("现场使用人为物理学院资产员")
    dlg.get_by_role("button", name="提交审核").click()
    expect_toast(page, "已生成卡片变动")
    expect(rows.filter(has_text="WEB-DS-0001")).to_contain_text("卡片变动")
    expect(section).to_contain_text("共 3 项：已处理 0，待审核 3，未处理 0")
    expect(section.get_by_role("button", name="审核通过")).to_have_count(0)  # the operator's page

    log_in(page, "hd_sh", f"#/stocktakes/{task_id}")
    for code in ("WEB-DS-0002", "WEB-NEW-0001", "WEB-DS-0001"):
        rows.filter(has_text=code).get_by_role("button", name="审核通过").click()
        page.locator("dialog[open]").get_by_role("button", name="通过").click()
        expect_toast(page, "已审核通过")
        expect(rows.filter(has_text=code)).to_contain_text("已处理")
    expect(section).to_contain_text("共 3 项：已处理 3，待审核 0，未处理 0")
    page.evaluate("window.scrollTo(0, 0)")  # the sticky header stays on top of the picture
    shot(page, "stocktake-discrepancies", full_page=True)
    page.evaluate("location.hash = '#/stocktakes'")
    expect(page.locator("#page tbody tr").filter(has_text="年终盘点")).not_to_contain_text("待处理")

    sh = web_api("hd_sh")
    assert sh.get(f"/cards/{lost}").json()["status"] == "disposed"
    wl = next(u for u in sh.get("/users").json() if u["display_name"] == "物理学院资产员")
    assert sh.get(f"/cards/{found}").json()["user_id"] == wl["id"]
    made = sh.get("/cards", params={"asset_code": "WEB-NEW-0001"}).json()
    items = made["items"] if isinstance(made, dict) else made
    assert [(c["asset_code"], c["name"]) for c in items] == [("WEB-NEW-0001", "便携式投影仪")]
