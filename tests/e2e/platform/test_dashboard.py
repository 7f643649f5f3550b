"""首页/数据看板, 共享补偿 (条例第十八条) and the notification of matching demands, over HTTP."""

from __future__ import annotations

import asyncio
import io
import json
from decimal import Decimal
from typing import Any

import httpx
import psycopg
from openpyxl import load_workbook

from assetpulse.platform.store import dashboard as dashboard_store
from tests.e2e.platform.test_demand_mof import DEMAND
from tests.fix_platform import OPERATORS, CardMaker, Flow

COMPENSATION = {
    "mode": "rate",
    "rate_yuan": "100.00",
    "rate_per": "month",
    "basis": "按折旧及维护成本分摊",
    "period_start": "2026-01-01",
    "period_end": "2026-06-30",
}


def _listed(flow: Flow, make_card: CardMaker, db_url: str, unit: str, kind: str, value: int) -> int:
    cid = make_card(unit, shareable=kind == "share")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("update asset_cards set original_value = %s where id = %s", (value, cid))
    bill = flow.final(
        flow.create(OPERATORS[unit], kind=kind, scope="province", card_ids=[cid]), unit
    )
    rows = flow.plaza(OPERATORS[unit], plaza=kind, tab="local")["items"]
    return next(r["id"] for r in rows if r["bill_id"] == bill["id"])


def _result(flow: Flow, unit: str, listing: int, **body: object) -> httpx.Response:
    body.setdefault("counterpart_unit_name", "某接收单位")
    return flow.api.post(
        f"/api/v1/listings/{listing}/result", json=body, headers=flow.auth(OPERATORS[unit])
    )


async def _fold(db_url: str) -> bool:
    async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as conn:
        return await dashboard_store.compact(conn, at_least=1)


def _dash(flow: Flow, user: str) -> dict[str, Any]:
    r = flow.api.get("/api/v1/dashboard", params={"months": 6}, headers=flow.auth(user))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_dashboard_figures_follow_the_viewers_scope(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    hd_done = _listed(flow, make_card, db_url, "U460001", "adjust", 5000)
    _listed(flow, make_card, db_url, "U460001", "adjust", 700)
    hs_share = _listed(flow, make_card, db_url, "U460002", "share", 3000)
    sy_done = _listed(flow, make_card, db_url, "U460201", "adjust", 900)
    assert _result(flow, "U460001", hd_done, method="free_transfer").status_code == 200
    r = _result(flow, "U460002", hs_share, compensation=COMPENSATION)
    assert r.status_code == 200, r.text
    assert _result(flow, "U460201", sy_done, method="donation").status_code == 200

    unit = _dash(flow, "hd_jb")
    assert unit["scope"]["kind"] == "unit"
    assert unit["listings"]["by_state"]["adjust"] == {
        "listed": 1, "done": 1, "delisted": 0, "withdrawn": 0}  # fmt: skip
    assert unit["listings"]["by_state"]["share"]["done"] == 0
    assert Decimal(unit["outcomes"]["yuan_saved"]) == 5000
    assert unit["outcomes"]["reuse_rate"] == 0.5
    assert unit["listings"]["age"]["adjust"][0] == 1
    assert sum(m["done"]["adjust"] for m in unit["trend"]) == 1
    assert unit["idle"]["idle_cards"] >= 2

    province = _dash(flow, "cz_sh")
    assert province["scope"]["kind"] == "region"
    assert province["listings"]["by_state"]["adjust"]["done"] == 2
    assert Decimal(province["outcomes"]["yuan_saved"]) == 5000 + 3000 + 900
    assert Decimal(province["outcomes"]["compensation_yuan"]) == 600
    assert province["outcomes"]["share_rate"] == 1.0

    # folding the change log into the tallies changes no figure
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert asyncio.run(_fold(db_url)) is True
        assert conn.execute("select count(*) from listing_tally_deltas").fetchone() == (0,)
    assert _dash(flow, "cz_sh")["listings"] == province["listings"]
    assert _dash(flow, "cz_sh")["outcomes"] == province["outcomes"]

    competent = _dash(flow, "jyt_sh")  # 教育厅: 海大 and 海师, not 三亚一中
    assert competent["scope"]["kind"] == "competent"
    assert Decimal(competent["outcomes"]["yuan_saved"]) == 5000 + 3000

    assert flow.api.get("/api/v1/dashboard", headers=flow.auth("hd_wl")).status_code == 403

    drill = flow.api.get(
        "/api/v1/dashboard/rows", params={"list": "listings", "kind": "adjust", "state": "done"},
        headers=flow.auth("hd_jb"),
    ).json()  # fmt: skip
    assert [i["listing_id"] for i in drill["items"]] == [hd_done]
    x = flow.api.get("/api/v1/dashboard/export", headers=flow.auth("cz_sh"))
    assert x.status_code == 200
    wb = load_workbook(io.BytesIO(x.content), read_only=True)
    assert wb.sheetnames == ["概览", "月度趋势", "闲置资产", "低效使用资产", "已完成调剂共享"]
    done_rows = list(wb["已完成调剂共享"].iter_rows(values_only=True))
    assert len(done_rows) == 1 + 3


def test_share_result_records_compensation_shown_on_the_listing(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    share = _listed(flow, make_card, db_url, "U460001", "share", 100)
    adjust = _listed(flow, make_card, db_url, "U460001", "adjust", 100)
    no_basis = _result(flow, "U460001", share, compensation={**COMPENSATION, "basis": " "})
    assert no_basis.json()["error"]["code"] == "COMPENSATION_BASIS_REQUIRED"
    on_adjust = _result(flow, "U460001", adjust, method="free_transfer", compensation=COMPENSATION)
    assert on_adjust.json()["error"]["code"] == "COMPENSATION_SHARE_ONLY"
    # refused as a whole: the adjust listing is still on the plaza
    detail = flow.api.get(f"/api/v1/listings/{adjust}", headers=flow.auth("hd_jb")).json()
    assert detail["listing"]["state"] == "listed"

    assert _result(flow, "U460001", share, compensation=COMPENSATION).status_code == 200
    seen = flow.api.get(f"/api/v1/listings/{share}", headers=flow.auth("hs_jb")).json()
    comp = seen["listing"]["result"]["compensation"]
    assert comp["total_yuan"] == "600.00"
    assert comp["basis"] == "按折旧及维护成本分摊"
    assert "100.00 元/月" in comp["text"]


def test_published_suggestion_tells_the_units_whose_demands_match(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    flow.final(flow.create("hs_jb", **DEMAND), "U460002")
    flow.final(flow.create("sy_jb", **{**DEMAND, "title": "需要办公桌", "category_code": "A0501"}),
               "U460201")  # fmt: skip
    manual = _listed(flow, make_card, db_url, "U460001", "adjust", 100)  # not from a suggestion
    card = make_card("U460001", status="in_use", name="闲置台式机")
    with psycopg.connect(db_url, autocommit=True) as conn:
        user = conn.execute("select id from users where username = 'hd_jb'").fetchone()
        assert user is not None
        change = conn.execute(
            "insert into card_changes (card_id, changes, origin, proposed_by, card_version)"
            " values (%s, %s, 'suggestion', %s, 1) returning id",
            (card, json.dumps({"status": "idle"}), user[0]),
        ).fetchone()
        assert change is not None
        # what the reviewer's approval does: the card changes, then the trigger opens a draft
        conn.execute("update asset_cards set status = 'idle' where id = %s", (card,))
        conn.execute("update card_changes set state = 'approved' where id = %s", (change[0],))
    drafts = flow.api.get("/api/v1/bills", params={"origin": "suggestion"},
                          headers=flow.auth("hd_jb")).json()["items"]  # fmt: skip
    bill = flow.final(drafts[0], "U460001")
    listing = next(
        r["id"] for r in flow.plaza("hd_jb", plaza="adjust")["items"] if r["bill_id"] == bill["id"]
    )

    told = flow.api.get("/api/v1/notifications", headers=flow.auth("hs_jb")).json()
    assert told["unread"] == 1
    (item,) = told["items"]
    assert item["listing_id"] == listing
    assert item["listing_id"] != manual
    assert item["demand_name"] == DEMAND["title"]
    assert flow.api.get("/api/v1/notifications", headers=flow.auth("sy_jb")).json()["unread"] == 0

    publisher = flow.api.get(f"/api/v1/listings/{listing}/notified", headers=flow.auth("hd_jb"))
    assert [(t["unit_name"], t["demand_listing_id"]) for t in publisher.json()] == [
        ("海南师范大学", item["demand_listing_id"])
    ]
    other = flow.api.get(f"/api/v1/listings/{listing}/notified", headers=flow.auth("hs_jb"))
    assert other.status_code == 403

    r = flow.api.post("/api/v1/notifications/read", json={}, headers=flow.auth("hs_jb"))
    assert r.json() == {"marked": 1}
    assert flow.api.get("/api/v1/notifications", headers=flow.auth("hs_jb")).json()["unread"] == 0
