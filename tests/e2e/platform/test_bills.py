"""Publish bills (发布单) over HTTP against a real PostgreSQL: drafts, eligibility, submit."""

from __future__ import annotations

import pytest

from tests.fix_platform import CardMaker, Flow


def test_adjust_draft_with_idle_card_is_created_editable_and_deletable(
    flow: Flow, make_card: CardMaker
) -> None:
    card = make_card(status="idle")
    bill = flow.create(kind="adjust", scope="province", card_ids=[card], contact_name="张三")
    assert bill["stage"] == "draft"
    assert bill["stage_text"] == "草稿"
    assert bill["review_code"] is None
    assert [line["card_id"] for line in bill["lines"]] == [card]
    assert bill["lines"][0]["card_status_text"] == "闲置"
    r = flow.api.patch(
        f"/api/v1/bills/{bill['id']}",
        json={"contact_phone": "0898-1234", "version": bill["version"]},
        headers=flow.auth("hd_jb"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["contact_phone"] == "0898-1234"
    assert r.json()["contact_name"] == "张三"
    stale = flow.api.patch(
        f"/api/v1/bills/{bill['id']}",
        json={"title": "x", "version": bill["version"]},
        headers=flow.auth("hd_jb"),
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "BILL_VERSION_CONFLICT"
    assert (
        flow.api.delete(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).status_code
        == 204
    )
    assert (
        flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).status_code == 404
    )
    # the card is free again once the draft is gone
    flow.create(kind="adjust", card_ids=[card])


@pytest.mark.parametrize(
    ("kind", "status", "shareable", "code"),
    [
        ("adjust", "in_use", False, "CARD_NOT_ADJUSTABLE"),
        ("adjust", "leased", True, "CARD_NOT_ADJUSTABLE"),
        ("share", "idle", False, "CARD_NOT_SHAREABLE"),
    ],
)
def test_ineligible_card_is_refused_with_stable_code(
    flow: Flow,
    make_card: CardMaker,
    kind: str,
    status: str,
    shareable: bool,
    code: str,
) -> None:
    card = make_card(status=status, shareable=shareable)
    r = flow.api.post(
        "/api/v1/bills", json={"kind": kind, "card_ids": [card]}, headers=flow.auth("hd_jb")
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == code
    assert flow.api.get("/api/v1/bills", headers=flow.auth("hd_jb")).json()["items"] == []


@pytest.mark.parametrize(
    ("kind", "status", "shareable"),
    [("adjust", "pending_disposal", False), ("share", "in_use", True)],
)
def test_eligible_cards_are_accepted(
    flow: Flow, make_card: CardMaker, kind: str, status: str, shareable: bool
) -> None:
    card = make_card(status=status, shareable=shareable)
    assert flow.create(kind=kind, card_ids=[card])["lines"][0]["card_id"] == card


def test_card_without_photo_is_refused_with_card_change_guidance(
    flow: Flow, make_card: CardMaker
) -> None:
    card = make_card(photo=False)
    r = flow.api.post(
        "/api/v1/bills", json={"kind": "adjust", "card_ids": [card]}, headers=flow.auth("hd_jb")
    )
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "CARD_PHOTO_REQUIRED"
    assert "卡片变动" in err["message"]
    assert "照片" in err["message"]


def test_card_of_another_unit_is_refused(flow: Flow, make_card: CardMaker) -> None:
    card = make_card("U460002")
    r = flow.api.post(
        "/api/v1/bills", json={"kind": "adjust", "card_ids": [card]}, headers=flow.auth("hd_jb")
    )
    assert r.json()["error"]["code"] == "CARD_NOT_OWN"


def test_card_on_open_bill_cannot_be_picked_again(flow: Flow, make_card: CardMaker) -> None:
    card = make_card(shareable=True)
    flow.create(kind="adjust", card_ids=[card])
    for kind in ("adjust", "share"):
        r = flow.api.post(
            "/api/v1/bills", json={"kind": kind, "card_ids": [card]}, headers=flow.auth("hd_jb")
        )
        assert r.status_code == 409
        assert r.json()["error"]["code"] == "CARD_ALREADY_PUBLISHED"
    # nothing half-written: the refused bills do not exist
    assert len(flow.api.get("/api/v1/bills", headers=flow.auth("hd_jb")).json()["items"]) == 1


def test_submit_then_cancel_submit_before_first_node_acts(flow: Flow, make_card: CardMaker) -> None:
    bill = flow.create(card_ids=[make_card()])
    sent = flow.ok("hd_jb", bill["id"], "submit")
    assert sent["stage"] == "in_review"
    assert sent["review_code"] == "03"
    assert sent["review_code_text"] == "03-省内审核中"
    assert sent["current_node"] == "unit"
    back = flow.ok("hd_jb", bill["id"], "cancel-submit")
    assert back["stage"] == "draft"


def test_cancel_submit_refused_once_first_node_approved(flow: Flow, make_card: CardMaker) -> None:
    bill = flow.create(card_ids=[make_card()])
    flow.ok("hd_jb", bill["id"], "submit")
    flow.ok("hd_sh", bill["id"], "approve")
    r = flow.act("hd_jb", bill["id"], "cancel-submit")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "NEXT_NODE_ACTED"


def test_submitted_bill_cannot_be_edited_or_deleted(flow: Flow, make_card: CardMaker) -> None:
    bill = flow.create(card_ids=[make_card()])
    flow.ok("hd_jb", bill["id"], "submit")
    r = flow.api.patch(
        f"/api/v1/bills/{bill['id']}", json={"title": "x"}, headers=flow.auth("hd_jb")
    )
    assert r.json()["error"]["code"] == "BILL_NOT_DRAFT"
    assert (
        flow.api.delete(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).status_code
        == 409
    )


def test_submit_without_cards_is_refused(flow: Flow) -> None:
    bill = flow.create(kind="share")
    r = flow.act("hd_jb", bill["id"], "submit")
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "BILL_HAS_NO_CARDS"


def test_nul_characters_are_refused_with_422_not_500(flow: Flow) -> None:
    r = flow.api.get("/api/v1/bills", params={"keyword": "a\x00b"}, headers=flow.auth("hd_jb"))
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "TEXT_HAS_NUL"
    r = flow.api.post(
        "/api/v1/bills", json={"kind": "demand", "title": "x\u0000", "demand_type": "share"},
        headers=flow.auth("hd_jb"),
    )  # fmt: skip
    assert r.status_code == 422


def test_explicit_null_does_not_clear_required_fields(flow: Flow, make_card: CardMaker) -> None:
    bill = flow.create(card_ids=[make_card()], region_code=None)
    assert bill["region_code"] == "460100"
    assert bill["scope"] == "province"
