"""Plazas, detail, export, preselection and manage (delist, results) over HTTP."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote
from zoneinfo import ZoneInfo

import psycopg
from openpyxl import load_workbook

from tests.fix_platform import CardMaker, Flow


def _listed(flow: Flow, make_card: CardMaker, unit: str = "U460001", **card: object) -> int:
    kind = "share" if card.pop("share", False) else "adjust"
    scope = str(card.pop("scope", "province"))
    op = {"U460001": "hd_jb", "U460002": "hs_jb", "U460201": "sy_jb"}[unit]
    cid = make_card(unit, **card)
    bill = flow.final(flow.create(op, kind=kind, scope=scope, card_ids=[cid]), unit)
    rows = flow.plaza(op, plaza=kind, tab="local", keyword=None)["items"]
    return next(r["id"] for r in rows if r["bill_id"] == bill["id"])


def test_plaza_filters_by_region_category_keyword_and_pages(
    flow: Flow, make_card: CardMaker
) -> None:
    _listed(flow, make_card, "U460001", name="笔记本电脑", category="A02010104")
    _listed(flow, make_card, "U460001", name="台式计算机", category="A02010105")
    _listed(flow, make_card, "U460201", name="办公桌", category="A0501")
    everyone = flow.plaza("hs_jb", plaza="adjust", tab="local")
    assert everyone["total"] == 3
    assert everyone["capabilities"]["preselect"] is True
    by_region = flow.plaza("hs_jb", plaza="adjust", region="4602")["items"]
    assert [r["unit_name"] for r in by_region] == ["三亚市第一中学"]
    by_cat = flow.plaza("hs_jb", plaza="adjust", category="A0201")["items"]
    assert len(by_cat) == 2
    by_kw = flow.plaza("hs_jb", plaza="adjust", keyword="笔记本")["items"]
    assert len(by_kw) == 1
    assert by_kw[0]["category_code"] == "A02010104"
    page1 = flow.plaza("hs_jb", plaza="adjust", page=1, page_size=2)
    page2 = flow.plaza("hs_jb", plaza="adjust", page=2, page_size=2)
    assert page1["has_more"] is True
    assert page2["has_more"] is False
    ids = [r["id"] for r in page1["items"] + page2["items"]]
    assert len(set(ids)) == 3
    assert flow.plaza("hs_jb", plaza="share")["items"] == []


def _demand_listings(db_url: str, names: list[str], unit: str = "U460001") -> None:
    """Listed province-scope demand bills straight in SQL (thousands in a second)."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "with u as (select id, region_code, parent_id from units where code = %(unit)s),"
            " b as (insert into bills (bill_no, kind, unit_id, scope, stage, region_code,"
            "   title, demand_type, created_by)"
            "  select 'DQ-' || gen_random_uuid(), 'demand', u.id, 'province', 'final',"
            "   u.region_code, %(names)s[n], 'adjust',"
            "   (select id from users where username = 'hd_jb')"
            "  from u, generate_series(1, cardinality(%(names)s::text[])) n"
            "  returning id, unit_id, region_code, title)"
            " insert into listings (bill_id, kind, unit_id, competent_id, scope, region_code,"
            "  name, state, review_code)"
            " select b.id, 'demand', b.unit_id, u.parent_id, 'province', b.region_code,"
            "  b.title, 'listed', '03' from b, u",
            {"unit": unit, "names": names},
        )


def test_plaza_total_beyond_the_cap_says_2000_plus_while_small_totals_stay_exact(
    flow: Flow, db_url: str
) -> None:
    _demand_listings(db_url, [f"会议桌{n}" for n in range(2001)])
    for _ in range(2):  # counted, then remembered: the same answer
        page = flow.plaza("hs_jb", plaza="demand", tab="local")
        assert (page["total"], page["total_capped"]) == (2000, True)
        assert len(page["items"]) == 20
    one = flow.plaza("hs_jb", plaza="demand", tab="local", keyword="会议桌1999")
    assert (one["total"], one["total_capped"]) == (1, False)
    _demand_listings(db_url, ["会议桌1999（第二张）"])
    two = flow.plaza("hs_jb", plaza="demand", tab="local", keyword="会议桌1999")
    assert (two["total"], two["total_capped"]) == (2, False)  # small totals never remembered


def test_plaza_local_total_counts_city_scope_for_that_city_only(
    flow: Flow, make_card: CardMaker
) -> None:
    _listed(flow, make_card, "U460001", name="投影仪", scope="province")
    _listed(flow, make_card, "U460001", name="投影仪", scope="city")  # 海口 only
    haikou = flow.plaza("hs_jb", plaza="adjust", tab="local")
    sanya = flow.plaza("sy_jb", plaza="adjust", tab="local")
    assert (haikou["total"], len(haikou["items"])) == (2, 2)
    assert (sanya["total"], len(sanya["items"])) == (1, 1)


def test_unit_scope_listing_is_hidden_from_other_units(flow: Flow, make_card: CardMaker) -> None:
    lid = _listed(flow, make_card, scope="unit")
    assert flow.plaza("hs_jb", plaza="adjust")["items"] == []
    assert [r["id"] for r in flow.plaza("hd_wl", plaza="adjust")["items"]] == [lid]
    assert flow.api.get(f"/api/v1/listings/{lid}", headers=flow.auth("hs_jb")).status_code == 404


def test_detail_shows_publisher_card_photos_and_attachments(
    flow: Flow, make_card: CardMaker
) -> None:
    cid = make_card(name="投影仪")
    bill = flow.create(
        card_ids=[cid],
        contact_name="李四",
        contact_phone="0898-66",
        address="海口市人民大道58号",
        attachments=[{"name": "说明.pdf"}],
    )
    flow.final(bill)
    lid = flow.plaza("hs_jb", plaza="adjust")["items"][0]["id"]
    d = flow.api.get(f"/api/v1/listings/{lid}", headers=flow.auth("hs_jb")).json()
    assert d["publisher"]["unit_name"] == "海南大学"
    assert d["publisher"]["contact_name"] == "李四"
    assert d["card"]["id"] == cid
    assert d["card"]["status_text"] == "闲置"
    assert len(d["photo_ids"]) == 1
    assert d["attachments"] == [{"name": "说明.pdf", "url": None}]
    assert d["counterpart"]["unit_name"] is None


def test_plaza_photo_visible_to_other_units_through_the_listing_only(
    flow: Flow, make_card: CardMaker
) -> None:
    lid = _listed(flow, make_card, name="显微镜")
    d = flow.api.get(f"/api/v1/listings/{lid}", headers=flow.auth("hs_jb")).json()
    photo = d["photo_ids"][0]
    card = d["listing"]["card_id"]
    # another unit may not read the card itself, but sees its photo on the plaza
    by_card = flow.api.get(f"/api/v1/cards/{card}/photos/{photo}", headers=flow.auth("hs_jb"))
    assert by_card.status_code == 404
    shown = flow.api.get(f"/api/v1/listings/{lid}/photos/{photo}", headers=flow.auth("hs_jb"))
    assert shown.status_code == 200
    assert shown.headers["content-type"].startswith("image/")
    assert shown.content
    # a photo of some other card cannot be fetched through this listing
    other = _listed(flow, make_card, name="离心机")
    other_photo = flow.api.get(f"/api/v1/listings/{other}", headers=flow.auth("hs_jb")).json()
    stolen = flow.api.get(
        f"/api/v1/listings/{lid}/photos/{other_photo['photo_ids'][0]}",
        headers=flow.auth("hs_jb"),
    )
    assert stolen.status_code == 404
    assert stolen.json()["error"]["code"] == "PHOTO_NOT_FOUND"
    # a unit-scope listing is not on other units' plaza, nor are its photos
    hidden = _listed(flow, make_card, name="示波器", scope="unit")
    hidden_photo = flow.api.get(f"/api/v1/listings/{hidden}", headers=flow.auth("hd_wl")).json()
    denied = flow.api.get(
        f"/api/v1/listings/{hidden}/photos/{hidden_photo['photo_ids'][0]}",
        headers=flow.auth("hs_jb"),
    )
    assert denied.status_code == 404
    # reported as no such listing: a viewer outside its scope learns nothing of it
    assert denied.json()["error"]["code"] == "LISTING_NOT_FOUND"


def test_export_selected_rows_as_xlsx_and_csv_with_bom(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    a = _listed(flow, make_card, name="打印机")
    _listed(flow, make_card, name="扫描仪")
    with psycopg.connect(db_url) as conn:
        listed = conn.execute("select listed_at from listings where id = %s", (a,)).fetchone()[0]
    beijing = f"{listed.astimezone(ZoneInfo('Asia/Shanghai')):%Y-%m-%d %H:%M:%S}"
    r = flow.api.get("/api/v1/listings/export", params={"ids": [a], "format": "xlsx"},
                     headers=flow.auth("hs_jb"))  # fmt: skip
    assert r.status_code == 200
    assert f"filename*=UTF-8''{quote('导出资产.xlsx')}" in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "资产名称"
    assert len(rows) == 2
    assert str(rows[1][0]).startswith("打印机")
    assert f"{rows[1][-1]:%Y-%m-%d %H:%M:%S}" == beijing  # the time the pages show
    c = flow.api.get("/api/v1/listings/export", params={"ids": [a], "format": "csv"},
                     headers=flow.auth("hs_jb"))  # fmt: skip
    assert c.content.startswith(b"\xef\xbb\xbf")
    assert f"filename*=UTF-8''{quote('导出资产.csv')}" in c.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))
    assert table[0][0] == "资产名称"
    assert len(table) == 2
    assert table[1][-1] == beijing


def test_preselection_add_many_repeat_list_remove(flow: Flow, make_card: CardMaker) -> None:
    a = _listed(flow, make_card)
    b = _listed(flow, make_card)
    add = flow.api.post("/api/v1/preselections", json={"listing_ids": [a, b]},
                        headers=flow.auth("hs_jb"))  # fmt: skip
    assert add.status_code == 201
    assert add.json() == {"added": 2}
    again = flow.api.post("/api/v1/preselections", json={"listing_ids": [b]},
                          headers=flow.auth("hs_jb"))  # fmt: skip
    assert again.status_code == 409
    assert again.json()["error"]["message"] == "已加入预选资产，请重新选择"
    mine = flow.api.get("/api/v1/preselections", headers=flow.auth("hs_jb")).json()
    assert sorted(r["id"] for r in mine) == sorted([a, b])
    assert flow.api.get("/api/v1/preselections", headers=flow.auth("sy_jb")).json() == []
    assert (
        flow.api.delete(f"/api/v1/preselections/{a}", headers=flow.auth("hs_jb")).status_code == 204
    )
    mine = flow.api.get("/api/v1/preselections", headers=flow.auth("hs_jb")).json()
    assert [r["id"] for r in mine] == [b]


def test_delist_removes_from_plaza_and_frees_card(flow: Flow, make_card: CardMaker) -> None:
    lid = _listed(flow, make_card)
    assert (
        flow.api.post(f"/api/v1/listings/{lid}/delist", headers=flow.auth("hs_jb")).status_code
        == 403
    )
    r = flow.api.post(f"/api/v1/listings/{lid}/delist", json={"reason": "自用"},
                      headers=flow.auth("hd_jb"))  # fmt: skip
    assert r.status_code == 200
    assert flow.plaza("hs_jb", plaza="adjust")["items"] == []
    card = flow.api.get(f"/api/v1/listings/{lid}", headers=flow.auth("hd_jb")).json()["card"]["id"]
    assert flow.create(card_ids=[card])["lines"][0]["card_id"] == card
    again = flow.api.post(f"/api/v1/listings/{lid}/delist", headers=flow.auth("hd_jb"))
    assert again.json()["error"]["code"] == "LISTING_NOT_LISTED"


def test_adjust_result_registers_receiver_and_disposes_card_once_approved(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    lid = _listed(flow, make_card)
    r = flow.api.post(
        f"/api/v1/listings/{lid}/result",
        json={"method": "free_transfer", "counterpart_unit_name": "海南师范大学"},
        headers=flow.auth("hd_jb"),
    )
    assert r.status_code == 200, r.text
    # the disposal waits for the unit's 审核岗 and its 批复文号 (issue 16)
    disposal = r.json()["result"]["disposal_id"]
    pending = flow.api.get(f"/api/v1/listings/{lid}", headers=flow.auth("hs_jb")).json()
    assert pending["card"]["status"] != "disposed"
    ok = flow.api.post(
        f"/api/v1/disposals/{disposal}/approve",
        json={"document_no": "琼财资〔2026〕8号"},
        headers=flow.auth("hd_sh"),
    )
    assert ok.status_code == 200, ok.text
    d = flow.api.get(f"/api/v1/listings/{lid}", headers=flow.auth("hs_jb")).json()
    assert d["counterpart"]["unit_name"] == "海南师范大学"
    assert d["counterpart"]["method_text"] == "无偿划转"
    assert d["listing"]["kind_state_text"] == "已调剂"
    assert d["card"]["status"] == "disposed"
    with psycopg.connect(db_url) as conn:
        kinds = conn.execute(
            "select kind from card_events where card_id = %s", (d["card"]["id"],)
        ).fetchall()
    assert ("disposed",) in kinds


def test_adjust_result_without_method_is_refused_and_nothing_changes(
    flow: Flow, make_card: CardMaker
) -> None:
    lid = _listed(flow, make_card)
    r = flow.api.post(f"/api/v1/listings/{lid}/result", json={"counterpart_unit_name": "x"},
                      headers=flow.auth("hd_jb"))  # fmt: skip
    assert r.json()["error"]["code"] == "RESULT_METHOD_REQUIRED"
    assert flow.plaza("hs_jb", plaza="adjust")["items"][0]["state"] == "listed"


def test_share_result_registers_receiving_unit(flow: Flow, make_card: CardMaker) -> None:
    lid = _listed(flow, make_card, share=True, status="in_use", shareable=True)
    r = flow.api.post(f"/api/v1/listings/{lid}/result",
                      json={"counterpart_unit_name": "三亚市第一中学"},
                      headers=flow.auth("hd_jb"))  # fmt: skip
    assert r.status_code == 200
    row = flow.plaza("hs_jb", plaza="share")["items"][0]
    assert row["result"]["receiving_unit_name"] == "三亚市第一中学"
    assert row["kind_state_text"] == "已共享"


def test_card_disposal_split_and_return_delist_automatically(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    lids = [_listed(flow, make_card) for _ in range(3)]
    with psycopg.connect(db_url, autocommit=True) as conn:
        for lid, kind in zip(lids, ("disposed", "split", "returned_to_stock"), strict=True):
            card = conn.execute("select card_id from listings where id = %s", (lid,)).fetchone()
            conn.execute("insert into card_events (card_id, kind) values (%s, %s)", (card[0], kind))
        states = conn.execute(
            "select state, delist_reason from listings where id = any(%s) order by id", (lids,)
        ).fetchall()
        claims = conn.execute("select count(*) from bill_lines where active").fetchone()
    assert [s[0] for s in states] == ["delisted"] * 3
    assert [s[1] for s in states] == ["card_disposed", "card_split", "card_returned_to_stock"]
    assert claims == (0,)
    assert flow.plaza("hs_jb", plaza="adjust")["items"] == []


def test_plaza_fast_path_when_removed_the_documented_route_answers_the_same(
    flow: Flow, make_card: CardMaker
) -> None:
    _listed(flow, make_card, "U460001", name="投影仪", scope="province")
    queries = [
        ("hs_jb", "plaza=adjust&tab=local&keyword=投影&with_total=true"),
        ("sy_jb", "plaza=adjust&tab=local&page=2&page_size=1"),
        ("hs_jb", "plaza=demand&tab=national"),
        ("hs_jb", "page=0&plaza=other&region=abc&keyword=" + "长" * 101),
        ("hs_jb", "keyword=a%00b"),
        (None, "plaza=adjust"),
    ]

    def answers() -> list[tuple[int, object, str | None]]:
        out = []
        for user, query in queries:
            r = flow.api.get(f"/api/v1/listings?{query}", headers=flow.auth(user) if user else {})
            out.append((r.status_code, r.json(), r.headers.get("WWW-Authenticate")))
        return out

    fast = answers()
    routes = flow.api.app.router.routes  # type: ignore[attr-defined]
    first = routes.pop(0)
    assert getattr(first, "path", None) == "/api/v1/listings"  # the fast path was first
    assert answers() == fast
    assert [status for status, _, _ in fast] == [200, 200, 200, 422, 422, 401]
