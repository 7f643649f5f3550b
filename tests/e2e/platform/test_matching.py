"""Demand matching (issue 16): every candidate in scope, ranked by name as well as class,
region and quantity, with the reasons, seen from both sides."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg

from assetpulse.platform import mofformat
from tests.e2e.platform.mofhub import HUB_KEY
from tests.fix_platform import CardMaker, Flow

DEMAND = {"kind": "demand", "title": "需要台式电脑", "demand_type": "adjust",
          "category_code": "A02010105", "quantity": "1", "scope": "province",
          "region_code": "460100", "end_date": "2099-12-31"}  # fmt: skip
# newer than every real candidate, in the same top class (设备) and visible to the viewer:
# the newest 500 the matching used to read held nothing else
DECOYS = """
with card as (
    insert into asset_cards (asset_code, name, category_code, unit_id, status, quantity,
                             measure_unit)
    select 'DECOY' || g, '格力柜式空调' || g, 'A020305', l.unit_id, 'idle', 1, '台'
    from listings l, generate_series(1, %(n)s) g where l.id = %(like)s
    returning id, name, asset_code
), line as (
    insert into bill_lines (bill_id, card_id)
    select l.bill_id, card.id from listings l, card where l.id = %(like)s
    returning id, card_id
)
insert into listings (bill_id, line_id, kind, card_id, unit_id, competent_id, scope,
                      region_code, category_code, name, asset_code, quantity, measure_unit,
                      state, review_code, listed_at)
select l.bill_id, line.id, l.kind, card.id, l.unit_id, l.competent_id, l.scope, l.region_code,
       'A020305', card.name, card.asset_code, 1, '台', 'listed', l.review_code,
       now() + interval '1 day'
from listings l, line join card on card.id = line.card_id where l.id = %(like)s
"""


def _listing_of(flow: Flow, bill_id: int, plaza: str) -> int:
    rows = flow.plaza("hs_jb", plaza=plaza, page_size=50)["items"]
    return int(next(r["id"] for r in rows if r["bill_id"] == bill_id))


def test_matches_when_600_newer_listings_then_oldest_best_named_asset_ranks_first(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    desktop = flow.final(flow.create(kind="adjust", card_ids=[make_card(name="联想台式计算机")]))
    printer = flow.final(flow.create(kind="adjust", card_ids=[make_card(name="惠普激光打印机")]))
    demand = flow.final(flow.create("hs_jb", **DEMAND), "U460002")
    demand_listing = _listing_of(flow, demand["id"], "demand")
    printer_listing = _listing_of(flow, printer["id"], "adjust")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(DECOYS, {"n": 600, "like": printer_listing})

    r = flow.api.get(f"/api/v1/listings/{demand_listing}/matches", headers=flow.auth("hs_jb"))
    assert r.status_code == 200, r.text
    found = r.json()["matches"]
    names = [m["listing"]["name"] for m in found]
    # same class, region and quantity: only the names tell the desktop from the printer
    assert names[0].startswith("联想台式计算机")
    assert names[1].startswith("惠普激光打印机")
    assert found[0]["score"] > found[1]["score"] > found[2]["score"]
    assert found[0]["reasons"][0] == "名称相近度 89%（共同词：计算机、台式）"
    assert "资产分类匹配度 100%" in found[0]["reasons"]
    assert "同一财政区划" in found[0]["reasons"]
    assert found[1]["reasons"][0] == "名称无共同词"
    assert len(found) == 50
    assert r.json()["considered"] == 602

    # the publisher of the desktop sees the demand it could serve, with the same score
    mine = found[0]["listing"]["id"]
    assert found[0]["listing"]["bill_id"] == desktop["id"]
    back = flow.api.get(f"/api/v1/listings/{mine}/matches", headers=flow.auth("hd_jb")).json()
    assert [m["listing"]["id"] for m in back["matches"]] == [demand_listing]
    assert back["matches"][0]["score"] == found[0]["score"]
    assert back["matches"][0]["reasons"] == found[0]["reasons"]


def _downlink(flow: Flow, sequence: int, names: dict[int, str], kind: str = "adjust") -> None:
    """MOF's national file for Hainan: Guangdong's listings ``{origin id: name}``, all of
    one national bill of 中山大学, an adjustment or an adjustment demand (what the file
    does not hold has left)."""
    listings = [{"listing_id": i, "name": name, "state": "listed", "scope": "national",
                 "region_code": "440100", "region_name": "广州市", "category_code": "A02010105",
                 "quantity": "1", "measure_unit": "台", "photos": [],
                 "listed_at": "2026-11-02T08:00:00+00:00"}
                for i, name in names.items()]  # fmt: skip
    item = {"bill_no": "TZ44-0001", "kind": kind, "scope": "national", "unit_code": "U440001",
            "unit_name": "中山大学", "region_code": "440100", "review_code": "02",
            "origin_province": "44", "listings": listings,
            "contact": {"name": "王老师", "phone": "020-1", "address": "广州"}}  # fmt: skip
    if kind == "demand":
        item["demand"] = {"demand_type": "adjust", "end_date": "2099-12-31", "quantity": "1"}
    header = {"batch_no": f"NAT{sequence:06d}", "province": "46", "sequence": sequence,
              "created_at": dt.datetime.now(dt.UTC).isoformat()}  # fmt: skip
    content = mofformat.build_document("national", header, [item], HUB_KEY).content
    headers = {**flow.auth("cz_jb"), "Content-Type": "application/x-ndjson"}
    r = flow.api.post("/api/v1/mof/national", content=content, headers=headers)
    assert r.status_code == 200, r.text


def _matched(flow: Flow, listing: int, user: str = "hs_jb") -> dict[str, dict[str, Any]]:
    r = flow.api.get(f"/api/v1/listings/{listing}/matches", headers=flow.auth(user))
    assert r.status_code == 200, r.text
    return {m["listing"]["name"]: m for m in r.json()["matches"]}


def test_matches_of_national_demand_when_downlink_renames_and_delists_then_follow_each_file(
    flow: Flow, db_url: str
) -> None:
    national = flow.final(flow.create("hs_jb", **{**DEMAND, "scope": "national"}), "U460002")
    local = flow.final(flow.create("hs_jb", **DEMAND), "U460002")
    demand = _listing_of(flow, national["id"], "demand")
    _downlink(flow, 1, {7001: "惠普激光打印机", 7002: "联想台式计算机", 7003: "戴尔台式计算机"})

    found = _matched(flow, demand)
    assert set(list(found)[:2]) == {"戴尔台式计算机", "联想台式计算机"}  # the same score
    assert list(found)[2] == "惠普激光打印机"
    best = found["联想台式计算机"]
    assert (best["source"], best["origin_province"], best["read_only"]) == ("national", "44", True)
    assert (best["listing"]["origin_province"], best["listing"]["read_only"]) == ("44", True)
    assert best["listing"]["unit_name"] == "中山大学"
    assert best["reasons"] == ["名称相近度 89%（共同词：计算机、台式）", "资产分类匹配度 100%",
                               "跨省", "数量/面积满足 100%"]  # fmt: skip
    assert found["惠普激光打印机"]["reasons"][0] == "名称无共同词"
    # the 全国 tab's rows are in scope for national demands only
    assert _matched(flow, _listing_of(flow, local["id"], "demand")) == {}

    # the next file: the printer renamed to a desktop, the desktop to a printer, Dell gone
    _downlink(flow, 2, {7001: "联想台式计算机", 7002: "惠普激光打印机"})
    found = _matched(flow, demand)
    assert list(found) == ["联想台式计算机", "惠普激光打印机"]
    assert found["联想台式计算机"]["reasons"][0] == "名称相近度 89%（共同词：计算机、台式）"
    assert found["惠普激光打印机"]["reasons"][0] == "名称无共同词"
    assert found["联想台式计算机"]["score"] > found["惠普激光打印机"]["score"]
    with psycopg.connect(db_url) as conn:
        kept = conn.execute(
            "select n.origin_listing_id, t.name from national_listing_terms t"
            " join national_listings n on n.id = t.listing_id order by 1"
        ).fetchall()
        assert conn.execute("select count(*) from national_listing_terms").fetchone() == (2,)
    assert kept == [(7001, "联想台式计算机"), (7002, "惠普激光打印机")]


def test_matching_demands_of_national_asset_when_downlink_delists_then_only_listed_ones(
    flow: Flow, make_card: CardMaker
) -> None:
    national = flow.final(flow.create(kind="adjust", scope="national",
                                      card_ids=[make_card(name="联想台式计算机")]))  # fmt: skip
    local = flow.final(flow.create(kind="adjust", scope="province",
                                   card_ids=[make_card(name="戴尔台式计算机")]))  # fmt: skip
    asset = _listing_of(flow, national["id"], "adjust")
    _downlink(flow, 1, {8001: "需要台式计算机", 8002: "需要激光打印机"}, kind="demand")

    found = _matched(flow, asset, "hd_jb")
    assert list(found) == ["需要台式计算机", "需要激光打印机"]
    best = found["需要台式计算机"]
    assert (best["source"], best["origin_province"], best["read_only"]) == ("national", "44", True)
    assert (best["listing"]["origin_province"], best["listing"]["read_only"]) == ("44", True)
    assert best["listing"]["unit_name"] == "中山大学"
    assert best["reasons"] == ["名称相近度 89%（共同词：计算机、台式）", "资产分类匹配度 100%",
                               "跨省", "数量/面积满足 100%"]  # fmt: skip
    assert found["需要激光打印机"]["reasons"][0] == "名称无共同词"
    # the 全国 tab's demands are in scope for national assets only
    assert _matched(flow, _listing_of(flow, local["id"], "adjust"), "hd_jb") == {}

    # the next file no longer holds the desktop demand: delisted, it matches no more
    _downlink(flow, 2, {8002: "需要激光打印机"}, kind="demand")
    assert list(_matched(flow, asset, "hd_jb")) == ["需要激光打印机"]
