"""资产卡片 and 卡片变动 in Chromium: the manual's photo rule loop — a card without a photo
cannot be published; its photo is uploaded through a card change, the reviewer approves,
and the card is then offered with its photo; a status change goes the same way."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.fix_web import CardSeeder, WebApi, asset_photo, expect_toast, log_in, shot


def test_photo_and_status_changes_reach_the_card_only_after_review(
    web_page: Page, seed_card: CardSeeder, web_api: WebApi
) -> None:
    page = web_page
    no_photo = seed_card("多功能一体机", status="idle", photo=False)
    in_use = seed_card("会议室投影仪", status="in_use", category="A020104")

    log_in(page, "hd_jb", "#/cards")
    row = page.locator("tbody tr").filter(has_text="多功能一体机")
    expect(row).to_contain_text("无照片")
    row.get_by_role("button", name="上传照片").click()
    dlg = page.locator("dialog[open]")
    dlg.locator("input[type=file]").set_input_files(
        files=[{"name": "photo.png", "mimeType": "image/png", "buffer": asset_photo(20)}]
    )
    dlg.get_by_role("button", name="上传").click()
    expect_toast(page, "照片已上传，等待审核")
    expect(row).to_contain_text("无照片")  # not before the reviewer approves

    page.locator("tbody tr").filter(has_text="会议室投影仪").get_by_role(
        "button", name="卡片变动"
    ).click()
    dlg = page.locator("dialog[open]")
    dlg.locator("select[name=status]").select_option("idle")
    dlg.locator("textarea[name=reason]").fill("会议室改造，投影仪停用")
    dlg.get_by_role("button", name="提交").click()
    expect_toast(page, "卡片变动已提交")
    shot(page, "cards")

    # an operator does not review; the reviewer does
    log_in(page, "hd_jb", "#/card-changes")
    expect(page.locator("tbody tr").filter(has_text="会议室投影仪")).to_be_visible()
    expect(page.get_by_role("button", name="审核通过")).to_have_count(0)
    log_in(page, "hd_sh", "#/card-changes")
    for name in ("多功能一体机", "会议室投影仪"):
        page.locator("tbody tr").filter(has_text=name).get_by_role(
            "button", name="审核通过"
        ).click()
        page.locator("dialog[open]").get_by_role("button", name="审核通过").click()
        expect_toast(page, "审核通过成功")
        expect(page.locator("tbody tr").filter(has_text=name)).to_have_count(0)

    hd = web_api("hd_jb")
    assert hd.get(f"/cards/{no_photo}").json()["has_photo"] is True
    assert hd.get(f"/cards/{in_use}").json()["status"] == "idle"

    # both are now offered for adjustment, with photos
    log_in(page, "hd_jb", "#/bills/adjust/publish")
    page.get_by_role("button", name="新增").click()
    page.locator("dialog[open]").get_by_role("button", name="选择资产卡片").click()
    picker = page.locator("dialog[open]").last
    for name in ("多功能一体机", "会议室投影仪"):
        expect(picker.locator("tbody tr").filter(has_text=name)).to_contain_text("有照片")
