"""撮合匹配 in Chromium (issue 16): 我的需求管理 → 匹配资产 lists the best assets with their
score and reasons; the plaza detail of an asset → 匹配需求 lists the demands it could serve."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from tests.fix_web import CardSeeder, WebApi, log_in, shot

DEMAND = {"kind": "demand", "title": "需要台式电脑", "demand_type": "adjust",
          "category_code": "A02010105", "quantity": "1", "measure_unit": "台",
          "scope": "province", "region_code": "460100", "end_date": "2099-12-31",
          "contact_name": "王老师"}  # fmt: skip


def _final(
    web_api: WebApi, operator: str, reviewers: tuple[str, ...], body: dict[str, Any]
) -> None:
    bill = web_api(operator).post("/bills", json=body)
    assert bill.status_code == 201, bill.text
    bill_id = bill.json()["id"]
    assert web_api(operator).post(f"/bills/{bill_id}/submit", json={}).status_code == 200
    for user in reviewers:
        r = web_api(user).post(f"/bills/{bill_id}/approve", json={})
        assert r.status_code == 200, r.text
    assert r.json()["stage"] == "final"


def test_matching_from_demand_manage_and_plaza_detail_shows_reasons(
    web_page: Page, web_api: WebApi, seed_card: CardSeeder
) -> None:
    for name in ("惠普激光打印机 M405d", "联想台式计算机 M720"):
        body = {"kind": "adjust", "scope": "province", "card_ids": [seed_card(name)]}
        _final(web_api, "hd_jb", ("hd_sh", "jyt_sh"), body)
    _final(web_api, "hs_jb", ("hs_sh", "jyt_sh"), DEMAND)

    page = web_page
    log_in(page, "hs_jb", "#/bills/demand/manage")
    page.locator("tbody tr").filter(has_text="需要台式电脑").get_by_role(
        "button", name="匹配资产"
    ).click()
    dlg = page.locator("dialog[open]")
    expect(dlg).to_contain_text("匹配资产 — 需要台式电脑")
    expect(dlg).to_contain_text("已比对可见范围内的 2 项资产")
    rows = dlg.locator("tbody tr")
    expect(rows).to_have_count(2)
    # same class, region and quantity: the name puts the desktop first, and says why
    expect(rows.nth(0)).to_contain_text("联想台式计算机 M720")
    expect(rows.nth(0)).to_contain_text("共同词：计算机、台式")
    expect(rows.nth(0)).to_contain_text("资产分类匹配度 100%")
    expect(rows.nth(1)).to_contain_text("惠普激光打印机 M405d")
    expect(rows.nth(1)).to_contain_text("名称无共同词")
    shot(page, "matching-demand")

    # the desktop's publisher, from the plaza detail: the demand it could serve
    log_in(page, "hd_jb", "#/plaza/adjust?view=list")
    page.locator("tbody tr").filter(has_text="联想台式计算机 M720").get_by_role(
        "button", name="查看详情"
    ).click()
    page.locator("dialog[open]").get_by_role("button", name="匹配需求").click()
    dlg = page.locator("dialog[open]")
    expect(dlg).to_contain_text("匹配需求 — 联想台式计算机 M720")
    expect(dlg.locator("tbody tr")).to_have_count(1)
    expect(dlg.locator("tbody tr")).to_contain_text("需要台式电脑")
    expect(dlg.locator("tbody tr")).to_contain_text("海南师范大学")  # the demand unit
