"""The daily path of issue 18 in Chromium, as each role walks it: what a reviewer sees
before approving, the draft bill a suggestion leads to, role-aware menus and landing pages,
finance's province-wide reading, label printing, and the smaller mends.

One app, one database and one logged-in page per role serve the whole module (the tests
run in file order and build on each other's data), so that the walk costs seconds."""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from assetpulse.localservices import PostgresProcess, free_port
from assetpulse.org.seed import DEMO_PASSWORD, seed_demo_org
from assetpulse.platform.api import create_app
from assetpulse.settings import Settings
from tests.fix_db import _clone
from tests.fix_web import DESKTOP, _new_page, _Server, asset_photo, expect_toast, shot

_codes = itertools.count(1)


@dataclass
class Walk:
    url: str
    db_url: str
    units: dict[str, int]
    browser: Browser
    pages: dict[str, Page] = field(default_factory=dict)
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def api(self, user: str) -> httpx.Client:
        if user not in self.clients:
            c = httpx.Client(base_url=self.url + "/api/v1", timeout=30)
            r = c.post("/auth/token", data={"username": user, "password": DEMO_PASSWORD})
            assert r.status_code == 200, r.text
            c.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
            self.clients[user] = c
        return self.clients[user]

    def page(self, user: str, route: str | None = None) -> Page:
        """The user's page, logged in once through the form; ``route`` is then opened."""
        if user not in self.pages:
            # one tab per role: the token lives in the tab's sessionStorage, so the roles'
            # tabs share a browser context (opening and closing one costs a second)
            if not self.pages:
                page = _new_page(self.browser, self.url, DESKTOP)
            else:
                page = next(iter(self.pages.values())).context.new_page()
                _watch(page)
            page.goto("/#/login")
            page.get_by_label("用户名").fill(user)
            page.get_by_label("密码").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.locator("nav.menu").wait_for(state="attached")
            page.locator("#page .loading").wait_for(state="detached")
            self.pages[user] = page
        page = self.pages[user]
        page.bring_to_front()  # a background tab's timers are throttled
        if route is not None:
            go(page, route)
        return page

    def card(
        self, name: str, *, unit: str = "U460001", status: str = "idle", photo: bool = True
    ) -> int:
        n = next(_codes)
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            row = conn.execute(
                "insert into asset_cards (asset_code, name, category_code, unit_id, status,"
                " quantity, measure_unit, location) values (%s, %s, 'A02010105', %s, %s, 1,"
                " '台', '主楼 305 室') returning id",
                (f"DP-{n:05d}", name, self.units[unit], status),
            ).fetchone()
            assert row is not None
            card_id = int(row[0])
            if photo:
                data = asset_photo(n * 53)
                conn.execute(
                    "insert into card_photos (card_id, sha256, content_type, byte_size, data)"
                    " values (%s, %s, 'image/png', %s, %s)",
                    (card_id, hashlib.sha256(data).hexdigest(), len(data), data),
                )
        return card_id

    def suggestion(self, card_id: int, *, unit: str = "U460001", action: str = "adjust") -> int:
        evidence = {
            "usage_hours": 0.0,
            "sessions": 0,
            "coverage": 0.97,
            "days_since_last_use": 64,
            "trace": {"signal": "photo", "sensors": ["L-101"], "rule": "computer",
                      "metric": "usage_hours_per_workday", "metric_value": 0.0,
                      "threshold": None},
        }  # fmt: skip
        with psycopg.connect(self.db_url, autocommit=True) as conn:
            row = conn.execute(
                "insert into suggestions (card_id, unit_id, verdict, action, rule, score,"
                " metric, metric_value, evidence, evidence_zh, evidence_en, window_from,"
                " window_to) values (%s, %s, 'idle', %s, 'computer', 0.93,"
                " 'usage_hours_per_workday', 0, %s, '近 90 天未开机（数据覆盖率 97%%）',"
                " 'not switched on in 90 days', now() - interval '90 days', now())"
                " returning id",
                (card_id, self.units[unit], action, json.dumps(evidence)),
            ).fetchone()
            assert row is not None
            return int(row[0])

    def listed(self, card_id: int) -> int:
        """An adjust bill of 海南大学 with the card, approved to the plaza; the listing id."""
        jb = self.api("hd_jb")
        r = jb.post("/bills", json={"kind": "adjust", "scope": "province", "card_ids": [card_id]})
        assert r.status_code == 201, r.text
        bill = r.json()
        out = jb.post(f"/bills/{bill['id']}/submit", json={"version": bill["version"]}).json()
        for reviewer in ("hd_sh", "jyt_sh", "cz_sh"):
            if out["stage"] != "in_review":
                break
            r = self.api(reviewer).post(f"/bills/{bill['id']}/approve", json={})
            assert r.status_code == 200, r.text
            out = r.json()
        assert out["stage"] == "final", out
        rows = jb.get("/my-listings", params={"plaza": "adjust", "page_size": 100}).json()
        return int(next(x["id"] for x in rows["items"] if x["card_id"] == card_id))


def _watch(page: Page) -> None:
    """Collect the tab's uncaught errors as ``_new_page`` does for a page of its own."""
    errors: list[str] = []

    def console(msg: ConsoleMessage) -> None:
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            errors.append(msg.text)

    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", console)
    page.js_errors = errors  # type: ignore[attr-defined]


def go(page: Page, route: str) -> None:
    """Open ``route`` and wait until its view replaced the one before."""
    page.evaluate(
        "r => { const v = document.querySelector('#page > .view');"
        " if (v) v.dataset.superseded = '1';"
        " if (location.hash === r) window.dispatchEvent(new HashChangeEvent('hashchange'));"
        " else location.hash = r; }",
        route,
    )
    expect(page.locator("#page > .view[data-superseded]")).to_have_count(0)
    page.locator("#page .loading").wait_for(state="detached")
    page.evaluate("document.getElementById('toasts').replaceChildren()")


@pytest.fixture(scope="module")
def walk(pg_server: PostgresProcess, pg_template: str, chromium: Browser) -> Iterator[Walk]:
    db_url = _clone(pg_server, pg_template)
    units = seed_demo_org(db_url)
    settings = Settings(database_url=db_url, jwt_secret="daily-path-secret-" + "x" * 20)
    port = free_port()
    server = _Server(
        uvicorn.Config(
            create_app(settings, pool_size=6),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            access_log=False,
            ws="none",
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
    )
    thread = threading.Thread(target=server.run, name="daily-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.02)
    w = Walk(f"http://127.0.0.1:{port}", db_url, units, chromium)
    yield w
    errors = {u: p.js_errors for u, p in w.pages.items() if p.js_errors}  # type: ignore[attr-defined]
    if w.pages:
        next(iter(w.pages.values())).context.close()
    for c in w.clients.values():
        c.close()
    server.should_exit = True
    thread.join(timeout=10)
    assert not errors, f"uncaught errors in the pages: {errors}"


def row(page: Page, text: str) -> Any:
    return page.locator("#page tbody tr").filter(has_text=text)


def test_reviewer_approving_a_suggestion_sees_evidence_then_the_draft_bill_is_linked(
    walk: Walk,
) -> None:
    """Items 2 and 3: old → new with the usage evidence, the photo beside the card's, and
    the draft bill named where the operator looks (toast, suggestion, card picker)."""
    idle_pc = walk.card("闲置台式机（物理楼）", status="in_use")
    walk.suggestion(idle_pc)
    photo_card = walk.card("换照片的投影仪", status="in_use")
    r = walk.api("hd_jb").post(
        f"/cards/{photo_card}/photos",
        files={"file": ("p.png", asset_photo(120), "image/png")},
    )
    assert r.status_code == 201, r.text

    jb = walk.page("hd_jb", "#/monitor")
    suggested = row(jb, "闲置台式机（物理楼）")
    suggested.get_by_role("button", name="详情").click()
    detail = jb.locator("dialog[open]")
    expect(detail).to_contain_text("规则 计算机")  # item 10: the rule in Chinese
    expect(detail).not_to_contain_text("computer")
    detail.get_by_role("button", name="关闭").last.click()
    suggested.get_by_role("button", name="采纳").click()
    expect_toast(jb, "审核通过后系统生成草稿发布单")

    sh = walk.page("hd_sh")  # a unit's reviewer lands on the dashboard (issue 17.1)
    expect(sh.locator("#page h2")).to_have_text("数据看板")
    go(sh, "#/card-changes")
    row(sh, "闲置台式机（物理楼）").get_by_role("button", name="审核通过").click()
    dlg = sh.locator("dialog[open]")
    evidence = dlg.locator(".change-evidence")
    expect(evidence.locator("tbody tr").filter(has_text="资产状态")).to_contain_text("在用")
    expect(evidence.locator("td.new-value")).to_have_text("闲置")
    expect(evidence).to_contain_text("近 90 天未开机")
    expect(evidence.locator(".chart svg")).to_be_visible()
    # item 10: a dialog with a form starts at its first field, not at ✕
    assert sh.evaluate("document.activeElement.name") == "note"
    shot(sh, "card-change-review")
    dlg.get_by_role("button", name="审核通过").click()
    expect_toast(sh, "已生成草稿发布单 PB")

    row(sh, "换照片的投影仪").get_by_role("button", name="审核通过").click()
    photos = sh.locator("dialog[open] .photo-change")
    expect(photos).to_contain_text("当前照片")
    expect(photos).to_contain_text("上传的照片（待审核）")
    expect(photos.locator("img")).to_have_count(2)
    expect(photos.locator("img").last).to_have_js_property("complete", True)
    sh.locator("dialog[open]").get_by_role("button", name="取消").click()

    jb = walk.page("hd_jb", "#/monitor?tab=done")  # back to the operator's tab
    link = row(jb, "闲置台式机（物理楼）").locator("a.draft-link")
    expect(link).to_contain_text("已生成调剂资产发布单 PB")
    expect(link).to_contain_text("待送审")
    link.click()
    draft = jb.locator("#page tbody tr.highlight")
    expect(draft).to_contain_text("闲置台式机（物理楼）")
    expect(jb.get_by_role("tab", name="待送审")).to_have_attribute("aria-selected", "true")

    jb.get_by_role("button", name="新增").click()
    jb.locator("dialog[open]").get_by_role("button", name="选择资产卡片").click()
    hint = jb.locator("dialog[open]").last.locator(".draft-hint")
    expect(hint).to_contain_text("由闲置资产建议生成的草稿发布单 1 张")
    shot(jb, "adjust-publish-draft-hint")
    hint.get_by_role("link").click()  # the route closes the dialogs and marks the bill
    expect(jb.locator("dialog[open]")).to_have_count(0)
    expect(jb.locator("#page tbody tr.highlight")).to_contain_text("闲置台式机（物理楼）")

    # 查看详情 of that bill: the asset's photo and the usage evidence behind it
    jb.locator("#page tbody tr.highlight").get_by_role("button", name="查看详情").click()
    line = jb.locator("dialog[open] .line-evidence")
    expect(line).to_contain_text("近 90 天未开机")
    expect(line.locator("img.compare-photo")).to_have_count(1)
    jb.locator("dialog[open]").get_by_role("button", name="关闭").last.click()

    # item 10: 送审 asks first; 取消 leaves the draft, 送审 moves it to 已送审
    draft = row(jb, "闲置台式机（物理楼）")
    draft.get_by_role("button", name="送审").click()
    confirm = jb.locator("dialog[open]")
    expect(confirm).to_contain_text("确定将发布单")
    confirm.get_by_role("button", name="取消").click()
    expect(draft).to_contain_text("草稿")
    draft.get_by_role("button", name="送审").click()
    jb.locator("dialog[open]").get_by_role("button", name="送审").click()
    expect_toast(jb, "送审成功")
    go(jb, "#/bills/adjust/publish?tab=submitted")
    expect(row(jb, "闲置台式机（物理楼）")).to_contain_text("审核中")


def test_menus_buttons_and_landing_follow_the_role(walk: Walk) -> None:
    """Item 4: a stocktaker lands on 资产盘点 and sees neither 新建盘点任务 nor pages and
    buttons of operators; a page opened by link says the role may not use it."""
    walk.card("物理学院示波器", status="in_use")
    wl = walk.page("hd_wl")
    expect(wl.locator("#page h2")).to_have_text("资产盘点")
    expect(wl.get_by_role("button", name="新建盘点任务")).to_have_count(0)
    menu = wl.locator("nav.menu")
    for hidden in (
        "调剂资产发布",
        "调剂资产审核",
        "卡片变动",
        "未发布资产（不漏）",
        "资产动态监管",
    ):
        expect(menu.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    for shown in ("调剂广场", "资产卡片", "资产盘点"):
        expect(menu.get_by_role("link", name=shown, exact=True)).to_be_visible()
    shot(wl, "stocktaker-landing")
    go(wl, "#/plaza/demand")
    expect(wl.locator("#page h2")).to_have_text("需求广场")
    expect(wl.get_by_role("button", name="发布需求")).to_have_count(0)
    go(wl, "#/bills/adjust/publish")
    expect(wl.locator("#page")).to_contain_text("您的角色不能使用该页面")

    # the reviewer: no operator buttons on the cards, no 新增 pages in the menu
    sh = walk.page("hd_sh", "#/cards")
    expect(sh.locator("#page tbody tr").first).to_be_visible()
    expect(sh.get_by_role("button", name="上传照片")).to_have_count(0)
    expect(sh.get_by_role("button", name="卡片变动")).to_have_count(0)
    expect(sh.locator("nav.menu").get_by_role("link", name="调剂资产发布")).to_have_count(0)
    expect(sh.locator("nav.menu").get_by_role("link", name="调剂资产审核")).to_be_visible()

    # the operator: every page and the operator's buttons
    jb = walk.page("hd_jb", "#/stocktakes")
    expect(jb.get_by_role("button", name="新建盘点任务")).to_be_visible()
    assert jb.locator("nav.menu a").count() >= 20


def test_finance_reads_the_province_without_unit_buttons(walk: Walk) -> None:
    """Item 5: cz_sh lands on the province's dashboard (issue 17), reads its idle assets (with
    the unit, read-only), reads the idle rules, and gets cards with a 所属单位 column and no
    上传照片."""
    other = walk.card("海师闲置显微镜", unit="U460002", status="in_use")
    walk.suggestion(other, unit="U460002")
    cz = walk.page("cz_sh")
    expect(cz.locator("#page h2")).to_have_text("数据看板")  # the landing page (issue 17)
    expect(cz.locator(".dash-scope")).to_contain_text("财政区划")
    go(cz, "#/monitor")
    expect(cz.locator("#page h2")).to_contain_text("辖区闲置资产")
    expect(row(cz, "海师闲置显微镜")).to_contain_text("海南师范大学")
    expect(cz.locator("#page tbody tr")).to_have_count(1)  # 海大's was accepted already
    expect(cz.get_by_role("button", name="采纳")).to_have_count(0)
    expect(cz.get_by_role("tab", name="传感器状态")).to_have_count(0)
    shot(cz, "finance-idle-assets")
    go(cz, "#/monitor?tab=rules")
    rules = row(cz, "大型科研仪器")
    expect(rules).to_contain_text("年化使用机时")
    expect(rules).to_contain_text("1200")
    shot(cz, "finance-idle-rules")

    go(cz, "#/cards")
    expect(cz.locator("#page thead")).to_contain_text("所属单位")
    expect(row(cz, "海师闲置显微镜")).to_contain_text("海南师范大学")
    expect(cz.get_by_role("button", name="上传照片")).to_have_count(0)
    expect(cz.get_by_role("button", name="卡片变动")).to_have_count(0)
    expect(cz.get_by_role("button", name="打印标签")).to_have_count(0)
    expect(cz.locator("nav.menu").get_by_role("link", name="资产盘点")).to_have_count(0)


def test_labels_print_from_the_cards_and_stocktake_pages(walk: Walk) -> None:
    """Item 7: 打印标签 on the chosen cards and on a stocktake task's book, as a PDF."""
    jb = walk.page("hd_jb", "#/cards")
    # item 10: 资产分类 with its name
    expect(row(jb, "物理学院示波器")).to_contain_text("A02010105 台式计算机")
    row(jb, "物理学院示波器").get_by_label("选择").check()
    with jb.expect_download() as dl:
        jb.get_by_role("button", name="打印标签").click()
    assert dl.value.suggested_filename.endswith(".pdf")
    path = dl.value.path()
    assert path.read_bytes()[:5] == b"%PDF-"

    task = walk.api("hd_jb").post(
        "/stocktakes", json={"title": "年度盘点", "deadline": "2026-12-31"}
    )
    assert task.status_code == 201, task.text
    go(jb, f"#/stocktakes/{task.json()['stocktake']['id']}")
    with jb.expect_download() as dl:
        jb.get_by_role("button", name="打印标签").click()
    assert dl.value.path().read_bytes()[:5] == b"%PDF-"


def test_result_receiver_offered_from_preselecting_unit_and_corrected(walk: Walk) -> None:
    """Item 10: after 登记调剂结果 the receiver comes from the units, the one that
    preselected the asset offered first, and a wrong one can be corrected."""
    projector = walk.card("待调剂的投影仪", status="idle")
    listing = walk.listed(projector)
    r = walk.api("hs_jb").post("/preselections", json={"listing_ids": [listing]})
    assert r.status_code == 201, r.text

    hs = walk.page("hs_jb", "#/plaza/adjust")
    tile = hs.locator(f".tile[data-id='{listing}']")
    expect(tile).to_contain_text("已预选")
    tile.locator(".photo img").click()
    zoom = hs.locator("dialog.zoom[open]")
    expect(zoom).to_be_visible()
    zoom.get_by_role("button", name="关闭").click()
    expect(zoom).to_have_count(0)

    jb = walk.page("hd_jb", "#/bills/adjust/manage")
    row(jb, "待调剂的投影仪").get_by_role("button", name="登记调剂结果").click()
    dlg = jb.locator("dialog[open]")
    picker = dlg.locator("select[name=counterpart_unit_id]")
    expect(picker.locator("option:checked")).to_have_text("海南师范大学（已预选）")
    dlg.locator("input[name=dispose]").uncheck()
    dlg.get_by_role("button", name="保存").click()
    expect_toast(jb, "结果已登记")
    target = row(jb, "待调剂的投影仪")
    expect(target).to_contain_text("海南师范大学")

    target.get_by_role("button", name="更正接收方").click()
    dlg = jb.locator("dialog[open]")
    expect(dlg).to_contain_text("当前登记：海南师范大学")
    dlg.locator("select[name=counterpart_unit_id]").select_option(label="三亚市第一中学")
    dlg.get_by_role("button", name="保存更正").click()
    expect_toast(jb, "已更正为 三亚市第一中学")
    expect(row(jb, "待调剂的投影仪")).to_contain_text("三亚市第一中学")

    # once the disposal (approved by the 审核岗) has handed the card to the receiver, the
    # receiver stays
    api = walk.api("hd_jb")
    r = api.post(
        "/disposals",
        json={"card_id": projector, "method": "free_transfer", "receiver": "三亚市第一中学"},
    )
    assert r.status_code == 201, r.text
    ok = walk.api("hd_sh").post(
        f"/disposals/{r.json()['id']}/approve", json={"document_no": "琼财资〔2026〕5号"}
    )
    assert ok.status_code == 200, ok.text
    r = api.post(f"/listings/{listing}/result/correct", json={"counterpart_unit_name": "某单位"})
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "RESULT_ALREADY_TRANSFERRED"


def test_demand_ending_before_arrival_is_refused_on_the_page_and_by_the_server(
    walk: Walk,
) -> None:
    """Item 10: 需求结束日期 before 期望到货日期 is refused in Chinese, by the API too."""
    body = {"kind": "demand", "scope": "province", "title": "需要投影仪", "demand_type": "adjust",
            "expected_arrival": "2026-12-20", "end_date": "2026-12-10"}  # fmt: skip
    r = walk.api("hd_jb").post("/bills", json=body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "DEMAND_END_BEFORE_ARRIVAL"
    assert "不能早于期望到货日期" in r.json()["error"]["message"]

    # 附件 uploads take documents and pictures, nothing that could run
    r = walk.api("hd_jb").post(
        "/attachments", files={"file": ("setup.exe", b"MZ\x00\x01", "application/octet-stream")}
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "ATTACHMENT_TYPE_REFUSED"

    jb = walk.page("hd_jb", "#/bills/demand/publish")
    jb.get_by_role("button", name="新增").click()
    dlg = jb.locator("dialog[open]")
    assert jb.evaluate("document.activeElement.name") == "title"
    dlg.locator("input[name=title]").fill("需要投影仪")
    dlg.locator("input[name=expected_arrival]").fill("2026-12-20")
    dlg.locator("input[name=end_date]").fill("2026-12-10")
    dlg.get_by_role("button", name="保存").click()
    expect_toast(jb, "不能早于期望到货日期", "error")
    expect(dlg).to_be_visible()
    dlg.get_by_role("button", name="取消").click()


def test_login_error_shows_once_under_the_form(walk: Walk) -> None:
    # a fresh tab of the shared context: its sessionStorage holds no token
    page = next(iter(walk.pages.values())).context.new_page()
    _watch(page)
    try:
        page.goto("/#/login")
        page.get_by_label("用户名").fill("hd_jb")
        page.get_by_label("密码").fill("wrong-password")
        page.get_by_role("button", name="登录").click()
        line = page.locator(".login .error-line")
        expect(line).to_contain_text("用户名或密码错误，请重新输入。")
        expect(line).to_contain_text("AUTH_BAD_CREDENTIALS")
        expect(page.get_by_text("用户名或密码错误，请重新输入。")).to_have_count(1)
        expect(page.locator(".toast")).to_have_count(0)
        shot(page, "login-error", toasts=True)
    finally:
        page.close()
