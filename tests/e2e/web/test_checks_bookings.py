"""调剂优先核查 and 共享预约 in Chromium (issue 17.2, 17.4): a check finds another unit's
listed asset, the operator declines it with a reason, ties the record to a purchase request
and exports it; a unit books a shared asset from the plaza's detail, the owner approves it
and confirms the handover with a note and a photo."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.fix_web import CardSeeder, WebApi, asset_photo, expect_toast, log_in


def _listed(web_api: WebApi, card: int, kind: str) -> int:
    hd = web_api("hd_jb")
    bill = hd.post("/bills", json={"kind": kind, "scope": "province", "card_ids": [card]})
    assert bill.status_code == 201, bill.text
    bid = bill.json()["id"]
    assert hd.post(f"/bills/{bid}/submit", json={}).status_code == 200
    for reviewer in ("hd_sh", "jyt_sh"):
        r = web_api(reviewer).post(f"/bills/{bid}/approve", json={})
        assert r.status_code == 200, r.text
    return int(bid)


def test_purchase_check_page_declines_offer_attaches_request_and_exports(
    web_page: Page, web_api: WebApi, seed_card: CardSeeder
) -> None:
    page = web_page
    _listed(web_api, seed_card("台式计算机（实验室）"), "adjust")
    log_in(page, "hs_jb", "#/purchase-checks")
    form = page.locator("form.card")
    form.locator("select[name=acquisition]").select_option("buy")
    form.locator("input[name=asset_name]").fill("台式电脑")
    form.locator("input[name=category_code]").fill("A02010105")
    form.locator("input[name=quantity]").fill("2")
    form.locator("input[name=needed_on]").fill("2027-03-01")
    form.get_by_role("button", name="核查可调剂资产").click()
    expect_toast(page, "已完成核查")
    offer = page.locator("tbody tr").filter(has_text="台式计算机（实验室）")
    expect(offer).to_contain_text("海南大学")
    offer.get_by_placeholder("不采用原因").fill("配置低于实验要求")
    offer.get_by_role("button", name="不采用").click()
    expect(page.locator("dl.kv")).to_contain_text("无可用资产，可按规定配置")
    expect(page.locator("tbody tr").first).to_contain_text("不采用：配置低于实验要求")
    page.get_by_label("采购申请编号").fill("CG-2027-015")
    page.get_by_role("button", name="关联", exact=True).click()
    expect_toast(page, "已关联采购申请")
    expect(page.locator("dl.kv")).to_contain_text("CG-2027-015")
    with page.expect_download() as dl:
        page.get_by_role("button", name="导出核查记录").click()
    ws = load_workbook(io.BytesIO(dl.value.path().read_bytes())).active
    assert ("关联采购申请编号", "CG-2027-015") in [r[:2] for r in ws.iter_rows(values_only=True)]


def test_booking_from_share_plaza_then_owner_approves_and_confirms_handover(
    web_page: Page, web_api: WebApi, seed_card: CardSeeder
) -> None:
    page = web_page
    _listed(web_api, seed_card("投影仪", status="in_use", shareable=True), "share")
    log_in(page, "hs_jb", "#/plaza/share")
    page.locator(".tile").filter(has_text="投影仪").get_by_role("button", name="查看详情").click()
    detail = page.locator("dialog[open]")
    expect(detail).to_contain_text("共享预约日历")
    expect(detail).to_contain_text("暂无预约")
    day = dt.date.today() + dt.timedelta(days=3)
    detail.get_by_label("预约开始").fill(f"{day}T09:00")
    detail.get_by_label("预约结束").fill(f"{day}T17:00")
    detail.get_by_label("用途").fill("学术报告会")
    detail.get_by_role("button", name="申请预约").click()
    expect_toast(page, "已提交预约")
    expect(page.locator("dl.kv")).to_contain_text("待审批")
    expect(page.locator("dl.kv")).to_contain_text(f"{day} 09:00 至 {day} 17:00")

    # the owner sees it on the listing's calendar and opens it from there
    log_in(page, "hd_jb", "#/plaza/share")
    page.locator(".tile").filter(has_text="投影仪").get_by_role("button", name="查看详情").click()
    detail = page.locator("dialog[open]")
    expect(detail.locator(".month-grid .day.booked")).to_have_count(1)
    detail.get_by_role("link", name="海南师范大学").click()
    page.get_by_role("button", name="同意").click()
    expect(page.locator("dl.kv")).to_contain_text("已同意")
    page.get_by_label("资产状况").fill("外观完好，遥控器一个")
    page.get_by_label("照片").set_input_files(
        files=[{"name": "交接.png", "mimeType": "image/png", "buffer": asset_photo(30)}]
    )
    page.get_by_role("button", name="确认交接").click()
    expect_toast(page, "已确认交接")
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text="外观完好，遥控器一个")).to_contain_text("出借方")
    expect(page.locator("img.thumb")).to_have_count(1)
    expect(page.locator("dl.kv")).to_contain_text("已同意")  # the borrower has not confirmed
