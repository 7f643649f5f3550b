"""卡片变动 in Chromium when two changes of one card meet: a photo after a status change
is approved as usual; a second change of the same field is shown as a conflict the
reviewer can only 退回, and the operator reads why."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.fix_web import CardSeeder, WebApi, asset_photo, expect_toast, log_in


def test_card_changes_when_second_change_same_field_then_reviewer_returns_it_with_reason(
    web_page: Page, seed_card: CardSeeder, web_api: WebApi
) -> None:
    page = web_page
    card = seed_card("会议室投影仪", status="in_use", photo=False)
    jb = web_api("hd_jb")
    first = jb.post("/card-changes", json={"card_id": card, "changes": {"status": "idle"}})
    second = jb.post("/card-changes", json={"card_id": card, "changes": {"status": "under_repair"}})
    photo = jb.post(
        f"/cards/{card}/photos", files={"file": ("p.png", asset_photo(31), "image/png")}
    )
    assert first.is_success
    assert second.is_success
    assert photo.is_success, photo.text
    assert web_api("hd_sh").post(f"/card-changes/{first.json()['id']}/approve").is_success

    log_in(page, "hd_sh", "#/card-changes")
    stale = page.locator("tbody tr").filter(has_text="维修中")
    expect(stale).to_contain_text("已被其他变动修改")
    expect(stale.get_by_role("button", name="审核通过")).to_have_count(0)
    shown_photo = page.locator("tbody tr").filter(has_text="上传照片")
    shown_photo.get_by_role("button", name="审核通过").click()
    page.locator("dialog[open]").get_by_role("button", name="审核通过").click()
    expect_toast(page, "审核通过成功")
    stale.get_by_role("button", name="退回").click()
    page.locator("dialog[open]").get_by_role("button", name="退回").click()
    expect_toast(page, "退回成功")

    log_in(page, "hd_jb", "#/card-changes?tab=all")
    returned = page.locator("tbody tr").filter(has_text="维修中")
    expect(returned).to_contain_text("已退回")
    expect(returned).to_contain_text("“资产状态”已被其他变动修改")
    assert jb.get(f"/cards/{card}").json()["has_photo"] is True
