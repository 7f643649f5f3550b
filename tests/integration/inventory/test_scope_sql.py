"""The SQL that lists cards agrees with the pure scoping rules, for every demo user."""

from __future__ import annotations

import psycopg

from assetpulse.inventory.cards import CardFilters, facts, list_cards, load_card
from assetpulse.org.queries import load_principal
from assetpulse.org.scope import can_read_card
from assetpulse.org.seed import USERS


def test_card_list_matches_can_read_card_for_every_demo_user(
    run_async, demo_cards, user_ids, db: psycopg.Connection
) -> None:
    # one card held personally by 物理学院's asset user but booked to 后勤处
    db.execute(
        "update asset_cards set user_id = %s where id = %s",
        (user_ids["hd_wl"], demo_cards["HD-0003"]),
    )

    async def check(conn):
        cards = [await load_card(conn, i) for i in demo_cards.values()]
        seen = {}
        for user in USERS:
            p = await load_principal(conn, user_ids[user.username])
            listed = {c["id"] for c in await list_cards(conn, p, CardFilters())}
            allowed = {c["id"] for c in cards if c and can_read_card(p, facts(c))}
            assert listed == allowed, user.username
            seen[user.username] = len(listed)
        return seen

    seen = run_async(check)
    assert seen["hd_wl"] == 3  # own department's two and the one they hold
    assert seen["syj_sh"] == 0
    assert seen["cz_sh"] == len(demo_cards)
