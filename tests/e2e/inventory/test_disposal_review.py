"""资产处置 through review (issue 16): four eyes, the 批复文号, conflicts with the card, and
the receiving unit's card (调入) after a 无偿划转 to a unit of this system."""

from __future__ import annotations

from typing import Any

import psycopg
from fastapi.testclient import TestClient

from tests.e2e.inventory.helpers import API
from tests.fix_api import AuthHeaders


def _propose(api: TestClient, auth: AuthHeaders, **body: Any) -> Any:
    return api.post(f"{API}/disposals", json=body, headers=auth("hd_jb"))


def _card(api: TestClient, auth: AuthHeaders, card_id: int, user: str = "hd_jb") -> Any:
    return api.get(f"{API}/cards/{card_id}", headers=auth(user)).json()


def test_disposal_when_proposed_waits_for_another_reviewer_and_a_document_number(
    api: TestClient, auth: AuthHeaders, demo_cards: dict[str, int], db: psycopg.Connection
) -> None:
    card = demo_cards["HD-0002"]
    assert _propose(api, auth, card_id=card, method="donation").json()["error"]["code"] == (
        "DISPOSAL_RECEIVER_REQUIRED"
    )
    assert (
        api.post(
            f"{API}/disposals", json={"card_id": card, "method": "scrap"}, headers=auth("hd_sh")
        ).status_code
        == 403
    )
    r = _propose(api, auth, card_id=card, method="scrap", reason="已无法修复")
    assert r.status_code == 201, r.text
    disposal = r.json()
    assert (disposal["state"], disposal["method_label"]) == ("pending", "报废")
    assert _card(api, auth, card)["status"] == "idle"  # still on the books
    again = _propose(api, auth, card_id=card, method="scrap")
    assert again.json()["error"]["code"] == "DISPOSAL_PENDING"

    url = f"{API}/disposals/{disposal['id']}"
    own = api.post(f"{url}/approve", json={"document_no": "X1"}, headers=auth("hd_jb"))
    assert own.status_code == 403, own.text  # the proposer never approves their own
    other_unit = api.post(f"{url}/approve", json={"document_no": "X1"}, headers=auth("hs_sh"))
    assert other_unit.status_code == 404
    bare = api.post(f"{url}/approve", json={}, headers=auth("hd_sh"))
    assert bare.json()["error"]["code"] == "DISPOSAL_DOCUMENT_REQUIRED"
    assert _card(api, auth, card)["status"] == "idle"

    ok = api.post(
        f"{url}/approve", json={"document_no": "琼财资〔2026〕12号"}, headers=auth("hd_sh")
    )
    assert ok.status_code == 200, ok.text
    assert (ok.json()["state"], ok.json()["document_no"]) == ("approved", "琼财资〔2026〕12号")
    assert _card(api, auth, card)["status"] == "disposed"
    event = db.execute(
        "select detail->>'method_label', detail->>'document_no', actor_id from card_events"
        " where card_id = %s and kind = 'disposed'",
        (card,),
    ).fetchone()
    reviewer = db.execute("select id from users where username = 'hd_sh'").fetchone()
    assert event == ("报废", "琼财资〔2026〕12号", reviewer[0] if reviewer else None)
    actions = [h["action"] for h in api.get(url, headers=auth("hd_jb")).json()["history"]]
    assert actions == ["proposed", "approved"]


def test_disposal_when_rejected_or_card_changed_leaves_card_on_the_books(
    api: TestClient, auth: AuthHeaders, demo_cards: dict[str, int]
) -> None:
    card = demo_cards["HD-0004"]  # 20 chairs
    first = _propose(api, auth, card_id=card, method="sale", receiver="某拍卖公司").json()
    r = api.post(
        f"{API}/disposals/{first['id']}/reject", json={"note": "估值未完成"}, headers=auth("hd_sh")
    )
    assert (r.json()["state"], r.json()["decision_note"]) == ("rejected", "估值未完成")
    assert _card(api, auth, card)["status"] == "in_use"

    # proposed, then the card is split: the disposal no longer describes the asset
    second = _propose(api, auth, card_id=card, method="scrap").json()
    split = api.post(
        f"{API}/cards/{card}/split",
        json={"parts": [{"asset_code": "HD-0004-X", "status": "in_use", "quantity": 10},
                        {"asset_code": "HD-0004-Y", "status": "idle", "quantity": 10}]},
        headers=auth("hd_jb"),
    )  # fmt: skip
    assert split.status_code == 201, split.text
    listed = api.get(f"{API}/disposals", params={"state": "pending"}, headers=auth("hd_sh"))
    row = next(d for d in listed.json() if d["id"] == second["id"])
    assert "已处置或已拆分" in row["conflict"]
    r = api.post(
        f"{API}/disposals/{second['id']}/approve", json={"document_no": "X2"}, headers=auth("hd_sh")
    )
    assert r.json()["error"]["code"] == "DISPOSAL_CONFLICT"
    assert _card(api, auth, card)["status"] == "split"
    r = api.post(f"{API}/disposals/{second['id']}/reject", headers=auth("hd_sh"))
    assert "已处置或已拆分" in r.json()["decision_note"]


def test_free_transfer_to_unit_of_this_system_when_approved_gives_receiver_its_card(
    api: TestClient, auth: AuthHeaders, demo_cards: dict[str, int], demo_units: dict[str, int]
) -> None:
    card = demo_cards["HD-0003"]  # 投影仪 of 海南大学
    r = _propose(
        api, auth, card_id=card, method="free_transfer", receiver="海南师范大学",
        receiving_unit_id=demo_units["U460002"],
    )  # fmt: skip
    assert r.status_code == 201, r.text
    incoming = api.get(f"{API}/disposals", params={"incoming": True}, headers=auth("hs_jb"))
    assert [(d["id"], d["state"]) for d in incoming.json()] == [(r.json()["id"], "pending")]
    assert not [
        c for c in api.get(f"{API}/cards", headers=auth("hs_jb")).json() if c["name"] == "投影仪"
    ]
    ok = api.post(
        f"{API}/disposals/{r.json()['id']}/approve",
        json={"document_no": "琼财资〔2026〕30号"},
        headers=auth("hd_sh"),
    )
    assert ok.status_code == 200, ok.text
    got = ok.json()["receiver_card_id"]
    assert got is not None
    received = _card(api, auth, got, user="hs_jb")
    assert (received["unit_id"], received["status"], received["name"]) == (
        demo_units["U460002"], "in_use", "投影仪",
    )  # fmt: skip
    assert received["attributes"]["transferred_from"]["card_id"] == card
    events = [(e["kind"], e["detail"]["document_no"]) for e in received["events"]]
    assert events == [("transferred_in", "琼财资〔2026〕30号")]
    shown = api.get(f"{API}/disposals", params={"incoming": True}, headers=auth("hs_jb")).json()
    assert (shown[0]["state"], shown[0]["receiver_asset_code"]) == (
        "approved",
        received["asset_code"],
    )
    assert _card(api, auth, card)["status"] == "disposed"
