"""The page shell in a real Chromium: login, the manual's menu, API errors, phone width."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.fix_web import log_in, shot


def test_pages_when_mounted_leave_api_docs_and_health_untouched(web_url: str) -> None:
    # the first /openapi.json builds the schema of the whole API: seconds on a loaded
    # machine, past httpx's 5 s default (what is checked here is what is mounted, not speed)
    with httpx.Client(base_url=web_url, timeout=60) as c:
        assert c.get("/").headers["content-type"].startswith("text/html")
        assert c.get("/health").json()["status"] == "ok"
        assert c.get("/openapi.json").json()["info"]["title"].startswith("AssetPulse")
        assert c.get("/docs").status_code == 200
        assert c.get("/api/v1/me").json()["error"]["code"] == "AUTH_REQUIRED"
        assert c.get("/static/js/main.js").status_code == 200


def test_login_with_wrong_password_shows_the_servers_chinese_message(web_page: Page) -> None:
    web_page.goto("/")
    web_page.get_by_label("用户名").fill("hd_jb")
    web_page.get_by_label("密码").fill("wrong-password")
    web_page.get_by_role("button", name="登录").click()
    # once, under the form (issue 18): not again as a toast
    expect(web_page.locator(".error-line")).to_contain_text("用户名或密码错误，请重新输入。")
    expect(web_page.locator(".error-line")).to_contain_text("AUTH_BAD_CREDENTIALS")
    expect(web_page.locator(".toast")).to_have_count(0)


def test_menu_after_login_follows_the_manual(web_page: Page) -> None:
    log_in(web_page, "hd_jb", route="")
    menu = web_page.locator("nav.menu")
    for label in (
        "资产调剂共享",
        "调剂广场",
        "共享广场",
        "需求广场",
        "调剂资产发布",
        "调剂资产管理",
        "调剂资产查询",
        "共享资产发布",
        "我的需求发布",
        "我的需求查询",
        "资产卡片",
        "卡片变动",
        "资产盘点",
        "资产动态监管",
    ):
        expect(menu).to_contain_text(label)
    expect(web_page.locator("header")).to_contain_text("海大经办员（海南大学）")
    # an operator does not review (issue 18): the 审核 pages are the reviewer's menu
    expect(menu.get_by_role("link", name="调剂资产审核")).to_have_count(0)


def test_expired_session_returns_to_login(web_page: Page) -> None:
    log_in(web_page, "hd_jb", route="")
    web_page.evaluate("sessionStorage.setItem('assetpulse.token', 'forged')")
    web_page.evaluate("location.hash = '#/plaza/share?again=1'")
    expect(web_page.get_by_role("button", name="登录")).to_be_visible()
    expect(web_page.locator(".toast.error").first).to_contain_text("请重新登录")


def test_menu_at_phone_width_folds_behind_a_button(phone_page: Page) -> None:
    log_in(phone_page, "hd_jb", route="")
    menu = phone_page.locator("nav.menu")
    expect(menu).to_be_hidden()
    phone_page.get_by_role("button", name="菜单").click()
    expect(menu).to_be_visible()
    shot(phone_page, "phone-menu")
    menu.get_by_role("link", name="共享广场").click()
    expect(menu).to_be_hidden()


def test_every_menu_page_loads_without_script_errors_on_an_empty_unit(web_page: Page) -> None:
    log_in(web_page, "hd_jb", route="")
    hrefs = web_page.locator("nav.menu a").evaluate_all("links => links.map(a => a.dataset.href)")
    # the manual's 19 pages and the 不漏 report, less the three 审核 pages of reviewers
    assert len([h for h in hrefs if h.startswith(("#/plaza", "#/bills", "#/omissions"))]) == 13
    for href in hrefs:
        web_page.evaluate("h => { location.hash = h; }", href)
        web_page.locator("#page .view").first.wait_for()
        web_page.locator("#page .loading").wait_for(state="detached")
        expect(web_page.locator("#page h2")).to_be_visible()
        expect(web_page.locator("#page")).not_to_contain_text("页面加载失败")
    # the fixture fails the test on any uncaught error or console.error in the page
