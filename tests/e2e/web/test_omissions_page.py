"""不漏 in Chromium: a reviewer finds the qualifying cards nobody has published yet."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.fix_web import CardSeeder, log_in, shot


def test_omissions_page_lists_unpublished_qualifying_cards_by_unit(
    web_page: Page, seed_card: CardSeeder
) -> None:
    page = web_page
    seed_card("闲置的投影仪", status="idle")
    seed_card("可共享的显微镜", status="in_use", shareable=True, photo=False)
    seed_card("在用的电脑", status="in_use")
    seed_card("海师的闲置桌", unit="U460002", status="idle")
    log_in(page, "jyt_sh", "#/plaza/adjust")
    page.get_by_role("link", name="未发布资产（不漏）").click()
    page.locator("#page .loading").wait_for(state="detached")
    expect(page.locator(".pager")).to_contain_text("共 3 条")
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text="闲置的投影仪")).to_contain_text("可调剂")
    expect(rows.filter(has_text="可共享的显微镜")).to_contain_text("无照片")
    expect(page.locator("#page")).not_to_contain_text("在用的电脑")
    shot(page, "omissions")
    page.get_by_role("button", name="海南师范大学").click()
    expect(page.locator(".pager")).to_contain_text("共 1 条")
    expect(page.locator("#page")).to_contain_text("海师的闲置桌")
    log_in(page, "hs_jb", "#/omissions")
    expect(page.locator("#page")).not_to_contain_text("闲置的投影仪")
