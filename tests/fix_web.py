"""Browser fixtures: the real app served by uvicorn on a free port, Debian's Chromium driven
by Playwright's sync API, a logged-in page, and a screenshot helper for docs/screenshots/.

Playwright's own browser downloads are never used (`playwright install` is not needed):
the system package `chromium` (Makefile APT_PACKAGES) is launched by path.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import psycopg
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from assetpulse.localservices import free_port
from assetpulse.org.seed import DEMO_PASSWORD
from assetpulse.platform.api import create_app
from assetpulse.settings import Settings
from tests.e2e.platform.mofhub import province_settings

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
# The README's screenshots are refreshed on request (ASSETPULSE_SCREENSHOTS=1), so that an
# ordinary test run leaves the work tree clean; otherwise they go to a scratch directory.
SCREENSHOTS = (
    Path(__file__).resolve().parents[1] / "docs" / "screenshots"
    if os.environ.get("ASSETPULSE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "assetpulse-screenshots"
)
DESKTOP = {"width": 1366, "height": 860}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    # Module scope, not session: Playwright's sync API keeps an event loop running in the
    # main thread while it is open, and later tests that call asyncio.run() would fail.
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is missing: run `make apt` (APT_PACKAGES has chromium)")
    # the machine is shared: allow slow moments before an expectation counts as failed
    expect.set_options(timeout=10_000)
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
    settings = Settings(
        database_url=db_url,
        jwt_secret="web-test-secret-" + "x" * 20,
        api_docs=True,
        **province_settings("46"),  # signs MOF batches, trusts the test hub
    )
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, pool_size=4),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="on",
        timeout_graceful_shutdown=1,  # the browser's keep-alive connections need not linger
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
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Script errors the pages catch are logged with console.error; failed HTTP requests
    # (which the pages show as messages) are logged by the browser itself and are fine.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
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
    page.evaluate("document.getElementById('toasts').replaceChildren()")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.locator("nav.menu").wait_for(state="attached")
    if route:
        page.evaluate("r => { location.hash = r; }", route)
        page.locator("#page .loading").wait_for(state="detached")


def open_tab(page: Page, name: str) -> None:
    """Click the tab ``name`` and wait until the page drawn for it is on screen (its tab
    selected), so that what follows is checked against that tab, not the one before."""
    page.get_by_role("tab", name=name).click()
    expect(page.get_by_role("tab", name=name)).to_have_attribute("aria-selected", "true")


def submit_query(page: Page) -> None:
    """Click 查询 and wait until the page shows that query's result.

    查询 changes the route, and the route renders a new view; until it lands, the old form is
    still on screen, so a check that was already true before the click passes at once and
    the next thing typed goes into a form about to be replaced. Marking the old view makes
    the wait about this query."""
    page.evaluate("document.querySelector('#page > .view').dataset.superseded = '1'")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#page > .view[data-superseded]")).to_have_count(0)
    page.locator("#page .loading").wait_for(state="detached")


def expect_toast(page: Page, text: str, kind: str = "ok") -> None:
    """A toast of that kind (ok / error / info) containing ``text`` is showing."""
    expect(page.locator(f".toast.{kind}").filter(has_text=text).first).to_be_visible()


def shot(page: Page, name: str, *, toasts: bool = False, **kwargs: Any) -> None:
    """Save a screenshot for the README under docs/screenshots/<name>.png; passing
    messages are cleared first unless ``toasts`` (the picture is of the page)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if not toasts:
        page.evaluate("document.getElementById('toasts').replaceChildren()")
    page.wait_for_timeout(150)  # let fonts and images settle
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), **kwargs)


_card_numbers = itertools.count(1)


def asset_photo(hue: int) -> bytes:
    """A small PNG drawing of a desk computer, so that screenshots show real pictures."""
    img = np.full((240, 320, 3), (238, 242, 246), np.uint8)
    colour = tuple(
        int(c) for c in cv2.cvtColor(np.uint8([[[hue % 180, 150, 200]]]), cv2.COLOR_HSV2BGR)[0, 0]
    )
    cv2.rectangle(img, (70, 40), (250, 160), (60, 60, 60), -1)
    cv2.rectangle(img, (80, 50), (240, 150), colour, -1)
    cv2.rectangle(img, (150, 160), (170, 190), (90, 90, 90), -1)
    cv2.rectangle(img, (110, 190), (210, 202), (90, 90, 90), -1)
    ok, buf = cv2.imencode(".png", img)
    assert ok
    return bytes(buf)


CardSeeder = Callable[..., int]


@pytest.fixture
def seed_card(db_url: str, demo_units: dict[str, int]) -> CardSeeder:
    """``seed_card("投影仪", unit="U460001", status="idle", photo=True)`` → card id (SQL)."""

    def make(
        name: str,
        *,
        unit: str = "U460001",
        department: str | None = None,
        status: str = "idle",
        shareable: bool = False,
        photo: bool = True,
        category: str = "A02010105",
        quantity: float | None = 1,
        area: float | None = None,
        measure_unit: str = "台",
        asset_code: str | None = None,
    ) -> int:
        n = next(_card_numbers)
        code = asset_code or f"WEB-{n:05d}"
        with psycopg.connect(db_url, autocommit=True) as conn:
            row = conn.execute(
                "insert into asset_cards (asset_code, name, category_code, unit_id,"
                " department_id, status, shareable, quantity, area, measure_unit, location,"
                " brand, original_value, net_value, acquired_on) values (%s, %s, %s, %s, %s,"
                " %s, %s, %s, %s, %s, '主楼 305 室', '联想', 5200, 2600, '2019-09-01')"
                " returning id",
                (
                    code,
                    name,
                    category,
                    demo_units[unit],
                    demo_units[department] if department else None,
                    status,
                    shareable,
                    quantity,
                    area,
                    measure_unit,
                ),
            ).fetchone()
            assert row is not None
            card_id = int(row[0])
            if photo:
                data = asset_photo(n * 37)
                conn.execute(
                    "insert into card_photos (card_id, sha256, content_type, byte_size, data)"
                    " values (%s, %s, 'image/png', %s, %s)",
                    (card_id, hashlib.sha256(data).hexdigest(), len(data), data),
                )
        return card_id

    return make
