"""Sessions end in the browser as on the server (issue 14, point 8): 退出 revokes the
token, and a really expired token (not a made-up string) leads back to the login page."""

from __future__ import annotations

import time

import httpx
import psycopg
from playwright.sync_api import Page, expect

from assetpulse.org.tokens import TokenCodec
from tests.fix_web import log_in

WEB_SECRET = "web-test-secret-" + "x" * 20  # the key tests/fix_web.py gives the app


def test_logout_button_revokes_the_token_on_the_server(web_page: Page, web_url: str) -> None:
    log_in(web_page, "hd_sh", route="")
    token = web_page.evaluate("sessionStorage.getItem('assetpulse.token')")
    assert token
    web_page.get_by_role("button", name="退出").click()
    expect(web_page.get_by_role("button", name="登录")).to_be_visible()
    assert web_page.evaluate("sessionStorage.getItem('assetpulse.token')") is None
    r = httpx.get(f"{web_url}/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AUTH_REQUIRED"


def test_really_expired_token_returns_to_login(web_page: Page, web_url: str, db_url: str) -> None:
    with psycopg.connect(db_url) as conn:
        row = conn.execute("select id from users where username = 'hd_jb'").fetchone()
    assert row is not None
    expired = TokenCodec(WEB_SECRET).issue(row[0], now=time.time() - 9 * 3600)
    log_in(web_page, "hd_jb", route="")
    web_page.evaluate("t => sessionStorage.setItem('assetpulse.token', t)", expired)
    web_page.evaluate("location.hash = '#/plaza/share?again=1'")
    expect(web_page.get_by_role("button", name="登录")).to_be_visible()
    expect(web_page.locator(".toast.error").first).to_contain_text("请重新登录")
