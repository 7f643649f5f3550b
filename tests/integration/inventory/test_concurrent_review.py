"""Two reviewers acting at the same moment on two real connections: the card row lock and
the version check let exactly one change through."""

from __future__ import annotations

import asyncio

import psycopg

from assetpulse.inventory import InventoryError, approve_change, propose_card_change
from assetpulse.org.principal import Principal


def _reviewer(user_id: int, unit_id: int) -> Principal:
    return Principal(
        user_id, "r", "r", unit_id, "unit", None, "460100", "003", frozenset({"reviewer"})
    )


async def _approve_both(db_url: str, changes: list[int], reviewer: Principal) -> list[object]:
    async def one(change_id: int) -> object:
        async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as conn:
            try:
                return await approve_change(conn, change_id=change_id, reviewer=reviewer)
            except InventoryError as exc:
                return exc.code

    return list(await asyncio.gather(*(one(c) for c in changes)))


def test_two_changes_on_one_version_approved_at_once_only_one_applies(
    run_async, db_url, demo_cards, demo_units, user_ids, db: psycopg.Connection
) -> None:
    card = demo_cards["HD-0001"]

    async def propose(conn):
        a = await propose_card_change(
            conn, card_id=card, changes={"status": "idle"}, proposed_by=user_ids["hd_jb"]
        )
        b = await propose_card_change(
            conn, card_id=card, changes={"status": "under_repair"}, proposed_by=user_ids["hd_jb"]
        )
        return [a, b]

    changes = run_async(propose)
    outcomes = asyncio.run(
        _approve_both(db_url, changes, _reviewer(user_ids["hd_sh"], demo_units["U460001"]))
    )
    assert sorted(map(str, outcomes)) == ["2", "CHANGE_CONFLICT"]
    states = dict(db.execute("select id, state from card_changes").fetchall())
    winner = changes[outcomes.index(2)]
    assert states[winner] == "approved"
    assert list(states.values()).count("pending") == 1
    assert db.execute("select version from asset_cards where id = %s", (card,)).fetchone() == (2,)
    assert db.execute("select count(*) from card_events").fetchone() == (1,)


def test_same_change_approved_twice_at_once_applies_once(
    run_async, db_url, demo_cards, demo_units, user_ids, db: psycopg.Connection
) -> None:
    card = demo_cards["HD-0002"]
    change = run_async(
        lambda conn: propose_card_change(
            conn, card_id=card, changes={"shareable": True}, proposed_by=user_ids["hd_jb"]
        )
    )
    outcomes = asyncio.run(
        _approve_both(db_url, [change, change], _reviewer(user_ids["hd_sh"], demo_units["U460001"]))
    )
    assert sorted(map(str, outcomes)) == ["2", "CHANGE_NOT_PENDING"]
    assert db.execute("select count(*) from audit_log where action = 'approved'").fetchone() == (1,)
