"""Every module list pages on the server with its total, past 100 rows (issue 13, point 6).

The pages used to fetch the newest 100 rows and filter them in the browser, so the 101st
bill, review or listing of a unit could not be reached at all.
"""

from __future__ import annotations

from typing import Any

import psycopg

from tests.fix_platform import CardMaker, Flow, make_card_sql

MANY = 105


def _bills_sql(db_url: str, unit: int, n: int, *, stage: str = "draft") -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        user = conn.execute("select id from users where username = 'hd_jb'").fetchone()
        jyt = conn.execute("select id from units where code = 'C460001'").fetchone()
        assert user is not None
        assert jyt is not None
        conn.execute(
            "insert into bills (bill_no, kind, unit_id, scope, region_code, created_by, stage,"
            " chain, chain_units, status_text)"
            " select 'PBT' || lpad(g::text, 8, '0'), 'adjust', %s, 'province', '460100', %s,"
            " %s, case when %s = 'in_review' then '{unit,competent}'::text[] else '{}' end,"
            " case when %s = 'in_review' then array[%s, %s]::bigint[] else '{}' end, '待单位审核'"
            " from generate_series(1, %s) g",
            (unit, user[0], stage, stage, stage, unit, jyt[0], n),
        )


def _get(flow: Flow, user: str, path: str, **params: Any) -> dict[str, Any]:
    r = flow.api.get(f"/api/v1{path}", params=params, headers=flow.auth(user))
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_bill_list_when_unit_has_more_than_100_bills_pages_with_total(
    flow: Flow, db_url: str, demo_units: dict[str, int]
) -> None:
    _bills_sql(db_url, demo_units["U460001"], MANY)
    first = _get(flow, "hd_jb", "/bills", kind="adjust", page_size=20)
    assert first["total"] == MANY
    assert first["has_more"] is True
    last = _get(flow, "hd_jb", "/bills", kind="adjust", page=6, page_size=20)
    assert len(last["items"]) == MANY - 100
    assert last["has_more"] is False
    assert last["items"][-1]["bill_no"] == "PBT00000001"  # the oldest is reachable
    past = _get(flow, "hd_jb", "/bills", kind="adjust", page=9, page_size=20)
    assert (past["items"], past["total"]) == ([], MANY)


def test_review_queue_when_more_than_100_wait_pages_with_total(
    flow: Flow, db_url: str, demo_units: dict[str, int]
) -> None:
    _bills_sql(db_url, demo_units["U460001"], MANY, stage="in_review")
    page = _get(flow, "hd_sh", "/reviews", tab="pending", page=2, page_size=100)
    assert page["total"] == MANY
    assert len(page["items"]) == MANY - 100
    assert _get(flow, "jyt_sh", "/reviews", tab="pending")["total"] == 0


def test_my_listings_pages_own_unit_listings_whatever_other_units_publish(
    flow: Flow, make_card: CardMaker, db_url: str, demo_units: dict[str, int]
) -> None:
    mine = flow.final(flow.create(kind="adjust", scope="unit", card_ids=[make_card()]))
    # 105 newer listings of another unit would have pushed it out of "the newest 100"
    _bills_sql(db_url, demo_units["U460002"], MANY, stage="final")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "insert into listings (bill_id, kind, unit_id, scope, region_code, name,"
            " listed_at) select id, 'adjust', unit_id, 'province', '460100', '他单位资产',"
            " now() + id * interval '1 second' from bills where unit_id = %s",
            (demo_units["U460002"],),
        )
    page = _get(flow, "hd_jb", "/my-listings", plaza="adjust")
    assert page["total"] == 1
    assert [r["bill_id"] for r in page["items"]] == [mine["id"]]
    assert page["items"][0]["bill_no"] == mine["bill_no"]
    theirs = _get(flow, "hs_jb", "/my-listings", plaza="adjust", page=6, page_size=20)
    assert theirs["total"] == MANY
    assert len(theirs["items"]) == MANY - 100


def test_card_picker_pages_eligible_unclaimed_cards_with_total(
    flow: Flow, make_card: CardMaker, db_url: str, demo_units: dict[str, int]
) -> None:
    cards = [make_card_sql(db_url, demo_units["U460001"]) for _ in range(MANY)]
    make_card(status="in_use")  # not adjustable
    make_card(status="disposed")  # ended
    bill = flow.create(kind="adjust", card_ids=[cards[0]])
    page = _get(flow, "hd_jb", "/eligible-cards", kind="adjust", page=6, page_size=20)
    assert page["total"] == MANY - 1  # the claimed card is not offered again
    assert len(page["items"]) == MANY - 1 - 100
    # the bill being edited still sees its own card
    editing = _get(flow, "hd_jb", "/eligible-cards", kind="adjust", bill_id=bill["id"])
    assert editing["total"] == MANY
    assert _get(flow, "hs_jb", "/eligible-cards", kind="adjust")["total"] == 0
