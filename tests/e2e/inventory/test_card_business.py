"""Recall, split, return to stock, disposal and sensor bindings over HTTP: each writes its
card event (the platform delists on those) and refuses clearly what it cannot do."""

from __future__ import annotations

import psycopg
from fastapi.testclient import TestClient

from tests.e2e.disposal_steps import dispose
from tests.e2e.inventory.helpers import API
from tests.fix_api import AuthHeaders


def _events(db: psycopg.Connection, card_id: int) -> list[str]:
    rows = db.execute("select kind from card_events where card_id = %s order by id", (card_id,))
    return [r[0] for r in rows.fetchall()]


def test_recall_sets_chosen_status_and_emits_recalled(
    api: TestClient, auth: AuthHeaders, demo_cards, db: psycopg.Connection
) -> None:
    card = demo_cards["HD-0005"]
    r = api.post(f"{API}/cards/{card}/recall", json={"status": "idle"}, headers=auth("hd_jb"))
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["version"]) == ("idle", 2)
    assert _events(db, card) == ["recalled"]
    detail = api.get(f"{API}/cards/{card}", headers=auth("hd_sh")).json()
    assert [(e["kind"], e["detail"]["to"]) for e in detail["events"]] == [("recalled", "idle")]
    again = api.post(f"{API}/cards/{card}/recall", json={"status": "idle"}, headers=auth("hd_jb"))
    assert again.json()["error"]["code"] == "CARD_NOT_LEASED"


def test_split_quantities_must_add_up_and_parts_keep_own_status(
    api: TestClient, auth: AuthHeaders, demo_cards, db: psycopg.Connection
) -> None:
    card = demo_cards["HD-0004"]  # 20 chairs, value 20000
    wrong = api.post(
        f"{API}/cards/{card}/split",
        json={
            "parts": [
                {"asset_code": "HD-0004-A", "status": "in_use", "quantity": 15},
                {"asset_code": "HD-0004-B", "status": "idle", "quantity": 4},
            ]
        },
        headers=auth("hd_jb"),
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "SPLIT_INVALID"
    assert db.execute("select count(*) from asset_cards").fetchone() == (6,)

    r = api.post(
        f"{API}/cards/{card}/split",
        json={
            "parts": [
                {"asset_code": "HD-0004-A", "status": "in_use", "quantity": 13},
                {"asset_code": "HD-0004-B", "status": "idle", "shareable": True, "quantity": 7},
            ]
        },
        headers=auth("hd_jb"),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["original"]["status"] == "split"
    parts = {c["asset_code"]: c for c in body["cards"]}
    assert parts["HD-0004-B"]["status"] == "idle"
    assert parts["HD-0004-B"]["shareable"] is True
    assert parts["HD-0004-A"]["shareable"] is False
    assert sum(float(c["original_value"]) for c in body["cards"]) == 20000.0
    assert all(c["parent_card_id"] == card for c in body["cards"])
    assert _events(db, card) == ["split"]
    ended = api.post(f"{API}/cards/{card}/recall", json={"status": "idle"}, headers=auth("hd_jb"))
    assert ended.json()["error"]["code"] == "CARD_NOT_ACTIVE"


def test_return_to_stock_clears_holder_and_emits_event(
    api: TestClient, auth: AuthHeaders, demo_cards, db: psycopg.Connection
) -> None:
    card = demo_cards["HD-0003"]
    r = api.post(f"{API}/cards/{card}/return", json={"location": "资产库房"}, headers=auth("hd_jb"))
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["status"], got["department_id"], got["location"]) == ("idle", None, "资产库房")
    assert _events(db, card) == ["returned_to_stock"]
    leased = api.post(f"{API}/cards/{demo_cards['HD-0005']}/return", json={}, headers=auth("hd_jb"))
    assert leased.json()["error"]["code"] == "CARD_LEASED"


def test_disposal_by_operator_only_and_once(
    api: TestClient, auth: AuthHeaders, demo_cards, db: psycopg.Connection
) -> None:
    card = demo_cards["HD-0002"]
    body = {"card_id": card, "method": "donation", "receiver": "三亚市第一中学"}
    assert api.post(f"{API}/disposals", json=body, headers=auth("hd_sh")).status_code == 403
    assert api.post(f"{API}/disposals", json=body, headers=auth("hs_jb")).status_code == 404
    r = dispose(api, auth, card, "donation", receiver="三亚市第一中学")
    assert r["card_status"] == "disposed"  # once the 审核岗 approved it
    row = db.execute(
        "select detail->>'method_label', detail->>'receiver' from card_events where card_id = %s",
        (card,),
    ).fetchone()
    assert row == ("对外捐赠", "三亚市第一中学")
    again = api.post(f"{API}/disposals", json=body, headers=auth("hd_jb"))
    assert again.status_code == 409


def test_sensor_rebinding_closes_open_binding_and_refuses_overlap(
    api: TestClient, auth: AuthHeaders, demo_cards
) -> None:
    h = auth("hd_jb")
    r = api.post(f"{API}/sensors", json={"sensor_id": "PH-0001", "kind": "photo"}, headers=h)
    assert r.status_code == 201, r.text
    url = f"{API}/sensors/PH-0001/bindings"
    first = {"card_id": demo_cards["HD-0001"], "valid_from": "2026-01-01T00:00:00Z"}
    assert api.post(url, json=first, headers=h).status_code == 201
    second = {"card_id": demo_cards["HD-0003"], "valid_from": "2026-03-01T00:00:00Z"}
    bindings = api.post(url, json=second, headers=h).json()
    assert [(b["card_id"], b["valid_to"]) for b in bindings] == [
        (demo_cards["HD-0001"], "2026-03-01T00:00:00Z"),
        (demo_cards["HD-0003"], None),
    ]
    overlap = {"card_id": demo_cards["HD-0002"], "valid_from": "2026-02-01T00:00:00Z"}
    r = api.post(url, json=overlap, headers=h)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "BINDING_OVERLAP"
    assert len(api.get(url, headers=h).json()) == 2
    other_unit = api.post(url, json={"card_id": demo_cards["HS-0001"]}, headers=auth("hs_jb"))
    assert other_unit.status_code == 404
    foreign_card = api.post(url, json={"card_id": demo_cards["HS-0001"]}, headers=h)
    assert foreign_card.status_code == 404
    listed = api.get(f"{API}/sensors", headers=h).json()
    assert [(s["sensor_id"], s["bound_card_id"]) for s in listed] == [
        ("PH-0001", demo_cards["HD-0003"])
    ]
