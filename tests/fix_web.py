"""Browser fixtures: the real app served by uvicorn on a free port, Debian's Chromium driven
by Playwright's sync API, a logged-in page, and a screenshot helper for docs/screenshots/.

Playwright's own browser downloads are never used (`playwright install` is not needed):
the system package `chromium` (Makefile APT_PACKAGES) is launched by path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from assetpulse.localservices import free_port
from assetpulse.org.seed import DEMO_PASSWORD
from assetpulse.platform.api import create_app
from assetpulse.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
DESKTOP = {"width": 1366, "height": 860}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make apt` (APT_PACKAGES has chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the test thread owns no signals
        return None


@pytest.fixture
def web_url(db_url: str, demo_units: dict[str, int]) -> Iterator[str]:
    """Base URL of the real app (API and pages) on this test's database."""
    settings = Settings(database_url=db_url, jwt_secret="web-test-secret-" + "x" * 20)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, pool_size=4),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="on",
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, name="web-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


WebApi = Callable[[str], httpx.Client]


@pytest.fixture
def web_api(web_url: str) -> Iterator[WebApi]:
    """``web_api("hd_jb")`` → an HTTP client logged in as that demo user, for seeding."""
    clients: dict[str, httpx.Client] = {}

    def client(username: str) -> httpx.Client:
        if username not in clients:
            c = httpx.Client(base_url=web_url + "/api/v1", timeout=20)
            r = c.post("/auth/token", data={"username": username, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
            clients[username] = c
        return clients[username]

    yield client
    for c in clients.values():
        c.close()


def _new_page(browser: Browser, base_url: str, viewport: dict[str, int]) -> Page:
    context = browser.new_context(
        base_url=base_url, viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]
    return page


@pytest.fixture
def web_page(chromium: Browser, web_url: str) -> Iterator[Page]:
    """A fresh desktop-size page; uncaught script errors fail the test."""
    page = _new_page(chromium, web_url, DESKTOP)
    yield page
    errors: list[str] = page.js_errors  # type: ignore[attr-defined]
    page.context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def phone_page(chromium: Browser, web_url: str) -> Iterator[Page]:
    page = _new_page(chromium, web_url, PHONE)
    yield page
    errors: list[str] = page.js_errors  # type: ignore[attr-defined]
    page.context.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def log_in(page: Page, username: str, route: str = "#/plaza/adjust") -> None:
    """Log in through the login form, then open ``route``."""
    page.goto("/#/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.locator("nav.menu").wait_for(state="attached")
    if route:
        page.evaluate("r => { location.hash = r; }", route)
        page.locator("#page .loading").wait_for(state="detached")


def shot(page: Page, name: str, **kwargs: Any) -> None:
    """Save a screenshot for the README under docs/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(150)  # let fonts and images settle
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), **kwargs)
