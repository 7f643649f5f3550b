"""The card-change services other parts call, against a real PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

from assetpulse.inventory import InventoryError, dispose_card, propose_card_change


def test_propose_from_suggestion_records_origin_and_card_version(
    run_async, demo_cards, user_ids, db: psycopg.Connection
) -> None:
    change_id = run_async(
        lambda conn: propose_card_change(
            conn,
            card_id=demo_cards["HD-0001"],
            changes={"status": "idle"},
            proposed_by=user_ids["hd_jb"],
            origin="suggestion",
            suggestion_id=42,
            reason="监测建议闲置",
        )
    )
    row = db.execute(
        "select state, origin, suggestion_id, card_version, changes"
        " from card_changes where id = %s",
        (change_id,),
    ).fetchone()
    assert row == ("pending", "suggestion", 42, 1, {"status": "idle"})
    status = db.execute(
        "select status from asset_cards where id = %s", (demo_cards["HD-0001"],)
    ).fetchone()
    assert status == ("in_use",)


def test_propose_with_unknown_field_is_refused_and_writes_nothing(
    run_async, demo_cards, user_ids, db: psycopg.Connection
) -> None:
    with pytest.raises(InventoryError) as err:
        run_async(
            lambda conn: propose_card_change(
                conn,
                card_id=demo_cards["HD-0001"],
                changes={"unit_id": 99},
                proposed_by=user_ids["hd_jb"],
            )
        )
    assert err.value.code == "CHANGE_INVALID"
    assert db.execute("select count(*) from card_changes").fetchone() == (0,)


def test_dispose_card_marks_disposed_and_emits_event_in_same_transaction(
    run_async, demo_cards, user_ids, db: psycopg.Connection
) -> None:
    card = demo_cards["HD-0002"]
    run_async(
        lambda conn: dispose_card(
            conn, card_id=card, method="free_transfer", actor_id=user_ids["hd_jb"], receiver="海师"
        )
    )
    assert db.execute(
        "select status, version from asset_cards where id = %s", (card,)
    ).fetchone() == (
        "disposed",
        2,
    )
    ev = db.execute("select kind, detail->>'method' from card_events where card_id = %s", (card,))
    assert ev.fetchall() == [("disposed", "free_transfer")]
    with pytest.raises(InventoryError) as err:
        run_async(
            lambda conn: dispose_card(
                conn, card_id=card, method="scrap", actor_id=user_ids["hd_jb"]
            )
        )
    assert err.value.code == "CARD_NOT_ACTIVE"
