"""调剂资产 end to end in Chromium: publish → review → listed → plaza → preselect → result."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.fix_web import CardSeeder, WebApi, expect_toast, log_in, open_tab, shot, submit_query


def _row(page: Page, text: str):  # type: ignore[no-untyped-def]
    return page.locator("tbody tr").filter(has_text=text)


def _publish_adjust_bill(page: Page, card_name: str) -> str:
    """Through the publish page: 新增, 选择资产卡片, 保存; returns the bill number."""
    page.get_by_role("button", name="新增").click()
    dlg = page.locator("dialog[open]")
    dlg.locator("select[name=scope]").select_option("province")
    dlg.locator("input[name=contact_name]").fill("王老师")
    dlg.locator("input[name=contact_phone]").fill("0898-66000000")
    dlg.get_by_role("button", name="选择资产卡片").click()
    picker = page.locator("dialog[open]").last
    expect(picker).to_contain_text(card_name)
    picker.locator("tbody tr").filter(has_text=card_name).get_by_label("选择").check()
    picker.get_by_role("button", name="确定").click()
    expect(dlg).to_contain_text(card_name)
    dlg.get_by_role("button", name="保存").click()
    toast = page.locator(".toast.ok").filter(has_text="已保存发布单")
    expect(toast).to_be_visible()
    return toast.inner_text().split("已保存发布单 ")[1].rstrip("。").strip()


def test_adjust_bill_from_publish_to_result_in_the_browser(
    web_page: Page, seed_card: CardSeeder, web_api: WebApi
) -> None:
    page = web_page
    card_id = seed_card("台式计算机（物理学院）", status="idle")
    seed_card("在用的笔记本", status="in_use")
    seed_card("无照片的打印机", status="idle", photo=False)

    # 发布: the picker offers idle cards only; a card without a photo is refused on save
    log_in(page, "hd_jb", "#/bills/adjust/publish")
    page.get_by_role("button", name="新增").click()
    dlg = page.locator("dialog[open]")
    dlg.get_by_role("button", name="选择资产卡片").click()
    picker = page.locator("dialog[open]").last
    expect(picker).to_contain_text("台式计算机（物理学院）")
    expect(picker).to_contain_text("无照片")
    expect(picker).not_to_contain_text("在用的笔记本")
    picker.locator("tbody tr").filter(has_text="无照片的打印机").get_by_label("选择").check()
    picker.get_by_role("button", name="确定").click()
    shot(page, "adjust-publish-new")
    dlg.get_by_role("button", name="保存").click()
    expect_toast(page, "卡片变动", "error")
    expect(dlg).to_be_visible()  # the form stays open so nothing typed is lost
    dlg.get_by_role("button", name="取消").click()

    bill_no = _publish_adjust_bill(page, "台式计算机（物理学院）")
    _row(page, bill_no).get_by_role("button", name="送审").click()
    page.locator("dialog[open]").get_by_role("button", name="送审").click()  # it asks first
    expect(_row(page, bill_no)).to_contain_text("审核中")
    shot(page, "adjust-publish")

    # 审核: the unit's reviewer, then the competent department's
    for reviewer in ("hd_sh", "jyt_sh"):
        log_in(page, reviewer, "#/bills/adjust/review")
        _row(page, bill_no).get_by_role("button", name="审核", exact=True).click()
        if reviewer == "hd_sh":
            shot(page, "adjust-review-dialog")
        page.locator("dialog[open]").get_by_role("button", name="审核", exact=True).click()
        expect_toast(page, "审核成功", "ok")
        expect(_row(page, bill_no)).to_have_count(0)
    open_tab(page, "已审核")
    expect(_row(page, bill_no)).to_be_visible()
    shot(page, "adjust-review-reviewed")

    # 审核情况: every node approved, as a timeline
    log_in(page, "hd_jb", "#/bills/adjust/publish")
    _row(page, bill_no).get_by_role("button", name="审核情况").click()
    nodes = page.locator("dialog[open] ol.nodes li")
    expect(nodes).to_have_count(2)
    expect(page.locator("dialog[open] ol.nodes li.done")).to_have_count(2)
    expect(page.locator("dialog[open] ol.history")).to_contain_text("教育厅审核员")
    shot(page, "adjust-progress")
    page.locator("dialog[open]").get_by_role("button", name="关闭").last.click()

    # 调剂广场, picture view by default; the photo enlarges on click
    page.locator("nav.menu").get_by_role("link", name="调剂广场").click()
    tile = page.locator(".tile").filter(has_text="台式计算机（物理学院）")
    expect(tile.locator(".photo img")).to_have_attribute("src", re.compile("^blob:"))
    shot(page, "plaza-adjust-picture")
    tile.locator(".photo img").click()
    expect(page.locator("dialog.zoom[open] img")).to_be_visible()
    shot(page, "plaza-photo-zoom")
    page.locator("dialog.zoom[open]").click()

    # seen by another unit: detail, preselect twice, my preselections, list view, export
    log_in(page, "hs_jb", "#/plaza/adjust")
    expect(tile).to_contain_text("海南大学")
    expect(tile).to_contain_text("可调剂")
    # filters: the province covers its cities; another category finds nothing
    page.locator("select[name=region]").select_option("460000")
    submit_query(page)
    expect(tile).to_be_visible()
    page.locator("select[name=category]").select_option("A05")
    submit_query(page)
    expect(page.locator("#page")).to_contain_text("暂无可展示的数据")
    page.locator("nav.menu").get_by_role("link", name="调剂广场").click()
    tile.get_by_label("选择 台式计算机（物理学院）").check()
    page.get_by_role("button", name="加入预选资产").click()
    expect_toast(page, "已加入预选资产", "ok")
    page.get_by_role("button", name="加入预选资产").click()
    expect_toast(page, "已加入预选资产，请重新选择", "error")
    page.get_by_role("button", name="我的预选资产").click()
    expect(page.locator("dialog[open]")).to_contain_text("台式计算机（物理学院）")
    shot(page, "plaza-preselections")
    page.locator("dialog[open]").get_by_role("button", name="关闭").last.click()
    tile.get_by_role("button", name="查看详情").click()
    detail = page.locator("dialog[open]")
    for section in ("调剂送审方信息", "调剂接收方信息", "卡片详情", "附件列表", "王老师"):
        expect(detail).to_contain_text(section)
    shot(page, "plaza-detail")
    detail.get_by_role("button", name="关闭").last.click()

    page.get_by_role("button", name="切换成列表").click()
    row = _row(page, "台式计算机（物理学院）")
    row.get_by_label("选择").check()
    shot(page, "plaza-adjust-list")
    with page.expect_download() as dl:
        page.get_by_role("button", name="导出").click()
    assert dl.value.suggested_filename == "导出资产.xlsx"  # the UTF-8 name, not "listings.xlsx"
    sheet = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0][0] == "资产名称"
    assert [v[0] for v in values[1:]] == ["台式计算机（物理学院）"]
    # times as the pages show them: Beijing time, not UTC (issue 18.9)
    listed = values[1][values[0].index("发布时间（北京时间）")]
    beijing_now = datetime.now(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert abs((beijing_now - listed).total_seconds()) < 900

    # 管理: 登记调剂结果 with disposal; the plaza detail then names the receiver
    log_in(page, "hd_jb", "#/bills/adjust/manage")
    _row(page, "台式计算机（物理学院）").get_by_role("button", name="登记调剂结果").click()
    dlg = page.locator("dialog[open]")
    # the unit that preselected it is offered first (issue 18)
    picked = dlg.locator("select[name=counterpart_unit_id] option:checked")
    expect(picked).to_have_text("海南师范大学（已预选）")
    dlg.locator("select[name=method]").select_option("free_transfer")
    dlg.get_by_role("button", name="保存").click()
    expect_toast(page, "结果已登记", "ok")
    expect(_row(page, "台式计算机（物理学院）")).to_contain_text("海南师范大学")
    shot(page, "adjust-manage")
    # the disposal it proposed waits for the 审核岗 and the 批复文号 (issue 16)
    pending = web_api("hd_sh").get("/disposals", params={"card_id": card_id}).json()
    assert [d["state"] for d in pending] == ["pending"]
    ok = web_api("hd_sh").post(
        f"/disposals/{pending[0]['id']}/approve", json={"document_no": "琼财资〔2026〕7号"}
    )
    assert ok.status_code == 200, ok.text
    card = web_api("hd_jb").get(f"/cards/{card_id}").json()
    assert card["status"] == "disposed"
