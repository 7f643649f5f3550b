"""不漏: cards that qualify for a plaza but are not published, per unit, with age (issue 13)."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.fix_platform import CardMaker, Flow


def _report(flow: Flow, user: str, **params: Any) -> dict[str, Any]:
    r = flow.api.get("/api/v1/omissions", params=params, headers=flow.auth(user))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_omissions_list_unpublished_qualifying_cards_oldest_first_with_age(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    old_idle = make_card(status="idle", name="旧闲置")
    new_idle = make_card(status="pending_disposal", name="待处置")
    shared = make_card(status="in_use", shareable=True, name="共享仪器", photo=False)
    published = make_card(status="idle")
    make_card(status="in_use")  # qualifies for nothing
    make_card(status="disposed")  # ended
    flow.create(kind="adjust", card_ids=[published])
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "update asset_cards set created_at = now() - interval '40 days' where id = %s",
            (old_idle,),
        )
    report = _report(flow, "hd_sh")
    assert [i["card_id"] for i in report["items"]] == [old_idle, new_idle, shared]
    assert report["total"] == 3
    first = report["items"][0]
    assert (first["kind"], first["age_days"], first["has_photo"]) == ("adjust", 40, True)
    assert report["items"][2]["kind"] == "share"
    assert report["items"][2]["has_photo"] is False
    assert report["units"] == [
        {"unit_id": first["unit_id"], "unit_name": "海南大学", "adjust": 2, "share": 1}
    ]
    assert _report(flow, "hd_jb", kind="share")["total"] == 1


def test_omissions_are_seen_by_the_unit_its_competent_department_and_finance_only(
    flow: Flow, make_card: CardMaker
) -> None:
    make_card("U460001", status="idle")
    make_card("U460002", status="idle")
    make_card("U460201", status="idle")
    assert _report(flow, "hs_jb")["total"] == 1
    assert {u["unit_name"] for u in _report(flow, "jyt_sh")["units"]} == {
        "海南大学",
        "海南师范大学",
    }
    assert _report(flow, "cz_sh")["total"] == 3
    assert {u["unit_name"] for u in _report(flow, "syj_sh")["units"]} == {"三亚市第一中学"}
    # naming a unit outside one's sight shows nothing of it
    hd = _report(flow, "hd_jb")["units"][0]["unit_id"]
    assert _report(flow, "sy_jb", unit_id=hd)["total"] == 0


def test_omissions_when_listing_is_delisted_count_age_from_the_delisting(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    card = make_card(status="idle")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "update asset_cards set created_at = now() - interval '100 days' where id = %s",
            (card,),
        )
    flow.final(flow.create(kind="adjust", card_ids=[card]))
    assert _report(flow, "hd_jb")["total"] == 0
    listing = flow.plaza("hd_jb", plaza="adjust")["items"][0]["id"]
    flow.api.post(f"/api/v1/listings/{listing}/delist", headers=flow.auth("hd_jb"))
    item = _report(flow, "hd_jb")["items"][0]
    assert (item["card_id"], item["age_days"]) == (card, 0)
