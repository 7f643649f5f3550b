"""Every page at phone width (390 × 844, issue 18 item 6): nothing wider than the screen,
the title on its own line, tables drawn as cards whose 操作 buttons are on screen.

One browser page, each route visited once by the first demo user whose menu offers it (the
users cover every role and user type), so pages added to a role's menu are checked too."""

from __future__ import annotations

from typing import Any

import psycopg
from playwright.sync_api import Page
from psycopg.types.json import Jsonb

from tests.fix_web import CardSeeder, WebApi, log_in, shot

# operator + admin, reviewer, asset user, finance (a competent department's menu is a
# subset of these)
USERS = ("hd_jb", "hd_sh", "hd_wl", "cz_sh")

# What overflows the viewport, whether the page scrolls sideways, and the title's width
# against its line; elements inside the (closed) menu have no box and are skipped.
MEASURE = """() => {
  const w = window.innerWidth;
  const name = (el) => el.tagName.toLowerCase()
    + (typeof el.className === 'string' && el.className ? '.' + el.className.trim() : '')
    + ' "' + (el.textContent || '').trim().slice(0, 30) + '"';
  const over = [];
  for (const el of document.querySelectorAll('#app *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > w + 0.5 || r.left < -0.5) {
      over.push(name(el) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
  }
  const h2 = document.querySelector('#page .page-head h2');
  const head = h2 && h2.parentElement.getBoundingClientRect();
  const ops = [...document.querySelectorAll('#page td[data-label="操作"]')];
  const hiddenOps = ops.flatMap((td) => [td, ...td.querySelectorAll('button, a')]).filter((el) => {
    const r = el.getBoundingClientRect();
    return r.width === 0 || r.left < 0 || r.right > w + 0.5;
  }).map(name);
  return {
    scrollWidth: document.scrollingElement.scrollWidth, width: w, over: over.slice(0, 5),
    title: h2 ? [h2.textContent, h2.getBoundingClientRect().width, head.width] : null,
    ops: ops.length, hiddenOps,
  };
}"""


def _seed(db_url: str, units: dict[str, int], seed_card: CardSeeder, web_api: WebApi) -> int:
    """Rows with 操作 on the pages: cards, a draft bill, a pending card change, a
    suggestion, a stocktake handed to a department; returns the stocktake's id."""
    idle = seed_card("闲置的投影仪（多媒体教室用，含幕布和遥控器）", status="idle")
    seed_card("在用的台式计算机", department="D460001-01", status="in_use")
    jb = web_api("hd_jb")
    r = jb.post("/bills", json={"kind": "adjust", "scope": "province", "card_ids": [idle]})
    assert r.status_code == 201, r.text
    change = {"card_id": idle, "changes": {"shareable": True}, "card_version": 1}
    assert jb.post("/card-changes", json=change).status_code in (200, 201)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "insert into suggestions (card_id, unit_id, verdict, action, rule, score, metric,"
            " metric_value, evidence, evidence_zh, evidence_en, window_from, window_to)"
            " values (%s, %s, 'idle', 'adjust', 'desktop', 0.9, 'usage_hours', 0, %s,"
            " '窗口内累计使用0.0小时', 'idle', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z')",
            (idle, units["U460001"], Jsonb({"usage_hours": 0.0})),
        )
    task = jb.post("/stocktakes", json={"title": "2026 年度资产盘点", "deadline": "2026-12-31"})
    assert task.status_code == 201, task.text
    task_id = int(task.json()["stocktake"]["id"])
    dept = {"department_id": units["D460001-01"]}
    assert jb.post(f"/stocktakes/{task_id}/assignments", json=dept).status_code == 201
    return task_id


def _check(page: Page, route: str) -> dict[str, Any]:
    page.evaluate("r => { location.hash = r; }", route)
    page.locator("#page .view").first.wait_for()
    page.locator("#page .loading").wait_for(state="detached")
    page.wait_for_timeout(50)  # late parts (charts, photos) of the page
    m: dict[str, Any] = page.evaluate(MEASURE)
    assert m["scrollWidth"] <= m["width"], (route, m)
    assert not m["over"], (route, m["over"])
    assert not m["hiddenOps"], (route, m["hiddenOps"])
    if m["title"] is not None:
        text, width, line = m["title"]
        assert width >= 0.95 * line, (route, text, width, line)  # its own line, not squeezed
    return m


def test_every_page_at_phone_width_fits_the_screen_with_titles_and_actions_visible(
    phone_page: Page,
    seed_card: CardSeeder,
    web_api: WebApi,
    db_url: str,
    demo_units: dict[str, int],
) -> None:
    page = phone_page
    task_id = _seed(db_url, demo_units, seed_card, web_api)
    page.goto("/#/login")
    page.get_by_label("用户名").wait_for()
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    extra = {
        "hd_jb": ["#/monitor?tab=sensors", f"#/stocktakes/{task_id}", "#/plaza/adjust?view=list"],
        "hd_wl": [f"#/stocktakes/{task_id}/scan"],
        "cz_sh": ["#/monitor?tab=new"],  # the province-wide table, with its unit column
    }
    seen: dict[str, dict[str, Any]] = {}
    for user in USERS:
        log_in(page, user, route="")
        hrefs = page.locator("nav.menu a").evaluate_all("ls => ls.map(a => a.dataset.href)")
        for route in [*hrefs, *extra.get(user, [])]:
            if route not in seen:
                seen[route] = _check(page, route)
        if user == "hd_jb":
            page.evaluate("r => { location.hash = r; }", "#/cards")
            page.locator("#page tbody tr").first.wait_for()
            shot(page, "phone-cards", full_page=True)
    assert len(seen) >= 22, sorted(seen)
    # the tables were there, drawn as cards, with their 操作 cells on screen
    with_actions = {r for r, m in seen.items() if m["ops"]}
    assert {"#/cards", "#/card-changes", "#/stocktakes", "#/bills/adjust/publish"} <= with_actions
