"""Workflow integrity (issue 13): what finance staff rely on for the books to stay true.

Each test reproduces one defect over the API against the real PostgreSQL: a rejection that
blocked a province's MOF reporting, ended cards on bills, adjusted cards published again,
listings that stopped qualifying, separation of duties, a missing finance node, review codes.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg

from tests.e2e.disposal_steps import dispose
from tests.e2e.platform.mofhub import post_feedback
from tests.fix_platform import CardMaker, Flow


def _national_final(flow: Flow, make_card: CardMaker, **card: Any) -> dict[str, Any]:
    return flow.final(flow.create(kind="adjust", scope="national", card_ids=[make_card(**card)]))


def _report(flow: Flow) -> dict[str, Any]:
    r = flow.api.post("/api/v1/mof/reports", headers=flow.auth("cz_jb"))
    assert r.status_code == 201, r.text
    return dict(r.json())


def _items(flow: Flow, report: dict[str, Any]) -> list[dict[str, Any]]:
    f = flow.api.get(f"/api/v1/mof/reports/{report['id']}/file", headers=flow.auth("cz_jb"))
    return [json.loads(x) for x in f.content.decode().splitlines()[1:]]


def _feedback(flow: Flow, batch_no: str, *items: dict[str, Any]) -> Any:
    return post_feedback(flow.api, flow.auth("cz_jb"), batch_no, *items)


# 1. one MOF rejection must not block the province's reporting


def test_mof_report_when_rejected_bill_is_fixed_and_final_again_then_it_is_resubmitted(
    flow: Flow, make_card: CardMaker
) -> None:
    bill = _national_final(flow, make_card)
    first = _report(flow)
    r = _feedback(
        flow,
        first["batch_no"],
        {"bill_no": bill["bill_no"], "decision": "rejected", "reason": "照片不清晰"},
    )
    assert r.status_code == 200, r.text
    flow.api.patch(
        f"/api/v1/bills/{bill['id']}", json={"title": "重拍照片"}, headers=flow.auth("hd_jb")
    )
    flow.final(bill)
    other = _national_final(flow, make_card)
    second = _report(flow)
    items = {i["bill_no"]: i for i in _items(flow, second)}
    assert items[bill["bill_no"]]["action"] == "resubmit"
    assert items[other["bill_no"]]["action"] == "publish"
    for b in (bill, other):
        got = flow.api.get(f"/api/v1/bills/{b['id']}", headers=flow.auth("hd_jb")).json()
        assert got["review_code_text"] == "01-待财政部审核"
    # nothing stays due: the next press has nothing to send
    again = flow.api.post("/api/v1/mof/reports", headers=flow.auth("cz_jb"))
    assert again.json()["error"]["code"] == "MOF_NOTHING_TO_REPORT"


# 2. share (and adjust) bills refuse disposed or split cards, at save and at approval


def test_share_bill_with_disposed_or_split_card_is_refused(
    flow: Flow, make_card: CardMaker
) -> None:
    for status in ("disposed", "split"):
        card = make_card(status=status, shareable=True)
        r = flow.api.post(
            "/api/v1/bills", json={"kind": "share", "card_ids": [card]}, headers=flow.auth("hd_jb")
        )
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "CARD_ENDED"
        assert "已处置" in r.json()["error"]["message"] or "已拆分" in r.json()["error"]["message"]


def test_share_bill_when_card_is_disposed_during_review_cannot_reach_the_plaza(
    flow: Flow, make_card: CardMaker
) -> None:
    card = make_card(status="in_use", shareable=True)
    bill = flow.create(kind="share", card_ids=[card])
    flow.ok("hd_jb", bill["id"], "submit")
    flow.ok("hd_sh", bill["id"], "approve")
    dispose(flow.api, flow.auth, card, "scrap")
    r = flow.act("jyt_sh", bill["id"], "approve")
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "CARD_ENDED"
    assert flow.plaza("hs_jb", plaza="share")["items"] == []


# 3. an adjusted asset belongs to the receiver: never published again by the giver


def _adjust_listing(flow: Flow, make_card: CardMaker) -> tuple[int, int]:
    card = make_card(status="idle")
    bill = flow.final(flow.create(kind="adjust", scope="province", card_ids=[card]))
    rows = flow.plaza("hs_jb", plaza="adjust")["items"]
    listing = next(r["id"] for r in rows if r["bill_id"] == bill["id"])
    return card, listing


def _register(flow: Flow, listing: int, receiver_id: int | None, dispose: bool) -> Any:
    body = {"method": "free_transfer", "counterpart_unit_name": "海南师范大学",
            "counterpart_unit_id": receiver_id, "dispose": dispose}  # fmt: skip
    return flow.api.post(
        f"/api/v1/listings/{listing}/result", json=body, headers=flow.auth("hd_jb")
    )


def _cards_of(flow: Flow, user: str) -> list[dict[str, Any]]:
    r = flow.api.get("/api/v1/cards", headers=flow.auth(user))
    assert r.status_code == 200, r.text
    return list(r.json())


def test_adjust_result_without_disposal_keeps_card_claimed_until_disposed_then_receiver_gets_it(
    flow: Flow, make_card: CardMaker, demo_units: dict[str, int]
) -> None:
    card, listing = _adjust_listing(flow, make_card)
    r = _register(flow, listing, demo_units["U460002"], dispose=False)
    assert r.status_code == 200, r.text
    again = flow.api.post(
        "/api/v1/bills", json={"kind": "adjust", "card_ids": [card]}, headers=flow.auth("hd_jb")
    )
    assert again.status_code == 409, again.text
    assert again.json()["error"]["code"] == "CARD_ALREADY_PUBLISHED"
    assert not [c for c in _cards_of(flow, "hs_jb") if c["name"].startswith("台式计算机")]
    # the disposal, once approved, is registered through 资产处置: the giver's card ends
    # and the receiver's 调入 card appears in the same transaction
    r = dispose(flow.api, flow.auth, card, "free_transfer", receiver="海南师范大学")
    assert r["card_status"] == "disposed"
    received = [c for c in _cards_of(flow, "hs_jb") if c["name"].startswith("台式计算机")]
    assert len(received) == 1
    assert received[0]["status"] == "in_use"
    detail = flow.api.get(f"/api/v1/listings/{listing}", headers=flow.auth("hd_jb")).json()
    assert detail["listing"]["result"]["receiver_card_id"] == received[0]["id"]


def test_adjust_result_with_disposal_moves_card_to_receiver_once_approved(
    flow: Flow, make_card: CardMaker, demo_units: dict[str, int]
) -> None:
    card, listing = _adjust_listing(flow, make_card)
    r = _register(flow, listing, demo_units["U460002"], dispose=True)
    assert r.status_code == 200, r.text
    # the disposal 登记结果 proposed waits for the 审核岗 and its 批复文号 (issue 16)
    ok = flow.api.post(
        f"/api/v1/disposals/{r.json()['result']['disposal_id']}/approve",
        json={"document_no": "琼财资〔2026〕9号"},
        headers=flow.auth("hd_sh"),
    )
    assert ok.status_code == 200, ok.text
    giver = flow.api.get(f"/api/v1/cards/{card}", headers=flow.auth("hd_jb")).json()
    assert giver["status"] == "disposed"
    received = [c for c in _cards_of(flow, "hs_jb") if c["name"] == giver["name"]]
    assert len(received) == 1
    assert received[0]["unit_id"] == demo_units["U460002"]
    photos = flow.api.get(f"/api/v1/cards/{received[0]['id']}", headers=flow.auth("hs_jb"))
    assert len(photos.json()["photos"]) == 1  # the photo travels with the asset
    r = flow.api.post(
        "/api/v1/bills", json={"kind": "adjust", "card_ids": [card]}, headers=flow.auth("hd_jb")
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "CARD_ENDED"


def test_adjust_result_naming_an_unknown_receiving_unit_is_refused(
    flow: Flow, make_card: CardMaker
) -> None:
    _, listing = _adjust_listing(flow, make_card)
    r = _register(flow, listing, 987654, dispose=True)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "COUNTERPART_UNIT_UNKNOWN"
    detail = flow.api.get(f"/api/v1/listings/{listing}", headers=flow.auth("hd_jb")).json()
    assert detail["listing"]["state"] == "listed"


# 4. a card that stops qualifying leaves the plaza at once, and MOF hears of it


def _change_card(flow: Flow, card: int, changes: dict[str, Any]) -> None:
    r = flow.api.post(
        "/api/v1/card-changes",
        json={"card_id": card, "changes": changes, "reason": "恢复使用"},
        headers=flow.auth("hd_jb"),
    )
    assert r.status_code == 201, r.text
    r = flow.api.post(f"/api/v1/card-changes/{r.json()['id']}/approve", headers=flow.auth("hd_sh"))
    assert r.status_code == 200, r.text


def test_adjust_listing_when_card_goes_back_in_use_is_delisted_and_next_batch_says_so(
    flow: Flow, make_card: CardMaker
) -> None:
    bill = _national_final(flow, make_card)
    _report(flow)
    card = bill["lines"][0]["card_id"]
    _change_card(flow, card, {"status": "in_use"})
    assert flow.plaza("hs_jb", plaza="adjust")["items"] == []
    item = _items(flow, _report(flow))[0]
    assert item["action"] == "update"
    assert item["listings"][0]["state"] == "delisted"
    assert item["listings"][0]["delist_reason"] == "card_not_adjustable"
    # the card is free for its owner again (e.g. a later adjust bill once idle again)
    _change_card(flow, card, {"status": "idle"})
    flow.create(kind="adjust", card_ids=[card])


def test_share_listing_when_card_is_no_longer_shareable_is_delisted_with_reason(
    flow: Flow, make_card: CardMaker
) -> None:
    card = make_card(status="in_use", shareable=True)
    bill = flow.final(flow.create(kind="share", card_ids=[card]))
    rows = flow.plaza("hs_jb", plaza="share")["items"]
    assert [r["bill_id"] for r in rows] == [bill["id"]]
    _change_card(flow, card, {"shareable": False})
    assert flow.plaza("hs_jb", plaza="share")["items"] == []
    detail = flow.api.get(f"/api/v1/listings/{rows[0]['id']}", headers=flow.auth("hd_jb"))
    assert detail.json()["listing"]["state"] == "delisted"
    assert detail.json()["delist_reason"] == "card_not_shareable"


# 7. separation of duties: nobody decides on a bill they made or sent


def test_bill_when_operator_also_holds_reviewer_role_cannot_be_approved_by_them(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("update users set roles = '{operator,reviewer}' where username = 'hd_jb'")
    bill = flow.create(kind="adjust", card_ids=[make_card()])
    flow.ok("hd_jb", bill["id"], "submit")
    for action, body in (("approve", {}), ("reject", {"reason": "自己退回"})):
        r = flow.act("hd_jb", bill["id"], action, **body)
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "REVIEW_OWN_BILL"
    assert flow.ok("hd_sh", bill["id"], "approve")["current_node"] == "competent"


def test_bill_submitted_by_a_reviewer_operator_cannot_be_approved_by_them(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    # 海大 has a second user with both roles; hd_jb made the bill, she sent it
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "insert into users (username, password_hash, display_name, unit_id, user_type,"
            " roles) select 'hd_both', password_hash, '海大经办审核员', unit_id, user_type,"
            " '{operator,reviewer}' from users where username = 'hd_jb'"
        )
    bill = flow.create(kind="adjust", card_ids=[make_card()])
    flow.ok("hd_both", bill["id"], "submit")
    r = flow.act("hd_both", bill["id"], "approve")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "REVIEW_OWN_BILL"


# 8. a national bill never skips 财政 review


def test_national_bill_in_province_without_finance_unit_is_refused_at_submit(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "insert into regions (code, name, parent_code) values ('440000', '广东省', null),"
            " ('440100', '广州市', '440000') on conflict do nothing"
        )
        unit = conn.execute(
            "insert into units (code, name, kind, region_code) values"
            " ('U440001', '广州某大学', 'unit', '440100') returning id"
        ).fetchone()
        assert unit is not None
        for name, roles in (("gz_jb", "{operator}"), ("gz_sh", "{reviewer}")):
            conn.execute(
                "insert into users (username, password_hash, display_name, unit_id, user_type,"
                " roles) select %s, password_hash, %s, %s, '003', %s from users"
                " where username = 'hd_jb'",
                (name, name, unit[0], roles),
            )
    from tests.fix_platform import make_card_sql

    card = make_card_sql(db_url, unit[0])
    bill = flow.create("gz_jb", kind="adjust", scope="national", card_ids=[card])
    r = flow.act("gz_jb", bill["id"], "submit")
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "FINANCE_NODE_MISSING"
    assert "财政" in r.json()["error"]["message"]
    got = flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("gz_jb")).json()
    assert got["stage"] == "draft"
    # a local scope needs no finance review and goes ahead
    flow.api.patch(
        f"/api/v1/bills/{bill['id']}", json={"scope": "province"}, headers=flow.auth("gz_jb")
    )
    assert flow.ok("gz_jb", bill["id"], "submit")["stage"] == "in_review"


# 10. 03 means "not yet final": a local final shows 本地终审通过, not 03-省内审核中


def test_local_scope_final_bill_and_listing_show_no_03_code(
    flow: Flow, make_card: CardMaker
) -> None:
    bill = flow.create(kind="adjust", scope="province", card_ids=[make_card()])
    flow.ok("hd_jb", bill["id"], "submit")
    assert flow.ok("hd_sh", bill["id"], "approve")["review_code_text"] == "03-省内审核中"
    final = flow.ok("jyt_sh", bill["id"], "approve")
    assert final["stage"] == "final"
    assert final["review_code"] is None
    assert final["review_code_text"] == "本地终审通过"
    row = flow.plaza("hs_jb", plaza="adjust")["items"][0]
    assert row["review_code"] is None
    assert row["review_code_text"] == "本地终审通过"
    r = flow.api.get("/api/v1/bills", params={"review_code": "03"}, headers=flow.auth("hd_jb"))
    assert r.json()["items"] == []
    # cancelling the final approval brings it back into review: 03 again
    back = flow.ok("jyt_sh", bill["id"], "cancel-approval")
    assert back["review_code_text"] == "03-省内审核中"


def test_national_final_before_report_is_not_03_and_01_after(
    flow: Flow, make_card: CardMaker
) -> None:
    bill = _national_final(flow, make_card)
    assert bill["review_code"] is None
    _report(flow)
    got = flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).json()
    assert got["review_code"] == "01"
    row = flow.plaza("hs_jb", plaza="adjust")["items"][0]
    assert row["review_code_text"] == "01-待财政部审核"


# 9. MOF feedback names a batch this province sent, matches its items, is idempotent


def test_mof_feedback_without_batch_no_is_refused(flow: Flow, make_card: CardMaker) -> None:
    bill = _national_final(flow, make_card)
    _report(flow)
    r = _feedback(flow, "", {"bill_no": bill["bill_no"], "decision": "approved"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "MOF_FILE_INVALID"
    got = flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).json()
    assert got["review_code"] == "01"


def test_mof_feedback_naming_unknown_or_other_province_batch_is_refused(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    bill = _national_final(flow, make_card)
    _report(flow)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "insert into mof_reports (batch_no, province, created_by, file_name, sha256,"
            " item_count, content) select 'MOF44202612010000001', '44', id, 'x.jsonl',"
            " repeat('0', 64), 1, '' from users where username = 'cz_jb'"
        )
    item = {"bill_no": bill["bill_no"], "decision": "approved"}
    for batch_no in ("MOF46209912310000099", "MOF44202612010000001"):
        r = _feedback(flow, batch_no, item)
        assert r.status_code == 409, r.text
        assert r.json()["error"]["code"] == "MOF_BATCH_UNKNOWN"
    got = flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).json()
    assert got["review_code"] == "01"


def test_mof_feedback_for_bill_of_another_batch_is_refused_and_changes_nothing(
    flow: Flow, make_card: CardMaker
) -> None:
    a = _national_final(flow, make_card)
    first = _report(flow)
    b = _national_final(flow, make_card)
    _report(flow)
    r = _feedback(
        flow,
        first["batch_no"],
        {"bill_no": a["bill_no"], "decision": "approved"},
        {"bill_no": b["bill_no"], "decision": "approved"},
    )
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "MOF_FEEDBACK_REFUSED"
    assert b["bill_no"] in r.json()["error"]["message"]
    for bill in (a, b):
        got = flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).json()
        assert got["review_code"] == "01"


def test_mof_feedback_same_file_twice_changes_nothing_even_after_resubmission(
    flow: Flow, make_card: CardMaker
) -> None:
    bill = _national_final(flow, make_card)
    first = _report(flow)
    item = {"bill_no": bill["bill_no"], "decision": "rejected", "reason": "信息不全"}
    r = _feedback(flow, first["batch_no"], item)
    assert r.json() == {"item_count": 1, "applied": 1, "unchanged": 0}
    again = _feedback(flow, first["batch_no"], item)
    assert again.status_code == 200, again.text
    assert again.json() == {"item_count": 1, "applied": 0, "unchanged": 1}
    # fixed, approved and resubmitted: replaying the old file must not send it back again
    flow.final(bill)
    second = _report(flow)
    replay = _feedback(flow, first["batch_no"], item)
    assert replay.status_code == 200, replay.text
    assert replay.json()["applied"] == 0
    got = flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).json()
    assert got["review_code"] == "01"
    # a feedback on the old batch with a new decision is stale: it names the wrong batch
    stale = _feedback(flow, first["batch_no"], {"bill_no": bill["bill_no"], "decision": "approved"})
    assert stale.status_code == 409
    ok = _feedback(flow, second["batch_no"], {"bill_no": bill["bill_no"], "decision": "approved"})
    assert ok.json()["applied"] == 1


# 5. matching shows only what the viewer may see


DEMAND = {"kind": "demand", "title": "需要台式计算机", "demand_type": "adjust",
          "category_code": "A02010105", "quantity": "1", "scope": "province",
          "end_date": "2099-12-31"}  # fmt: skip


def _demand_listing(flow: Flow, unit: str) -> int:
    bill = flow.final(flow.create({"U460002": "hs_jb", "U460201": "sy_jb"}[unit], **DEMAND), unit)
    rows = flow.plaza("hd_jb", plaza="demand")["items"]
    return int(next(r["id"] for r in rows if r["bill_id"] == bill["id"]))


def _match_names(flow: Flow, user: str, listing: int) -> list[str]:
    r = flow.api.get(f"/api/v1/listings/{listing}/matches", headers=flow.auth(user))
    assert r.status_code == 200, r.text
    return [
        (m.get("listing") or m.get("suggested") or {}).get("unit_name", "")
        for m in r.json()["matches"]
    ]


def test_matches_when_listing_scope_excludes_viewer_do_not_show_it(
    flow: Flow, make_card: CardMaker
) -> None:
    own_unit = flow.final(flow.create(kind="adjust", scope="unit", card_ids=[make_card()]))
    city = flow.final(flow.create(kind="adjust", scope="city", card_ids=[make_card()]))
    hs_demand = _demand_listing(flow, "U460002")  # 海口, same city, another unit
    sy_demand = _demand_listing(flow, "U460201")  # 三亚, another city
    lines = {b["id"]: b["lines"][0]["card_id"] for b in (own_unit, city)}

    def cards(user: str, listing: int) -> list[int]:
        r = flow.api.get(f"/api/v1/listings/{listing}/matches", headers=flow.auth(user))
        return [m["listing"]["card_id"] for m in r.json()["matches"] if m.get("listing")]

    assert cards("hs_jb", hs_demand) == [lines[city["id"]]]
    assert cards("sy_jb", sy_demand) == []


def test_matches_show_unpublished_suggestions_only_inside_their_unit(
    flow: Flow, make_card: CardMaker, db_url: str, demo_units: dict[str, int]
) -> None:
    card = make_card(status="in_use")
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "insert into suggestions (card_id, unit_id, verdict, action, rule, score, metric,"
            " metric_value, evidence, evidence_zh, evidence_en, window_from, window_to)"
            " values (%s, %s, 'idle', 'adjust', 'idle_days', 0.9, 'idle_days', 90, '{}',"
            " '闲置90天', 'idle 90 days', now() - interval '90 days', now())",
            (card, demo_units["U460001"]),
        )
    hs_demand = _demand_listing(flow, "U460002")
    assert "海南大学" not in _match_names(flow, "hs_jb", hs_demand)
    # the suggestion's own unit sees it against a demand it can see
    assert "海南大学" in _match_names(flow, "hd_jb", hs_demand)


# races between DIFFERENT reviewers at different nodes: exactly one wins, the state agrees


def _race(flow: Flow, *calls: tuple[str, str] | tuple[str, str, dict[str, Any]]) -> list[Any]:
    """Fire (user, path[, body]) POSTs at once; the responses in call order."""
    import threading

    barrier = threading.Barrier(len(calls))
    out: list[Any] = [None] * len(calls)

    def go(i: int, user: str, path: str, body: dict[str, Any] | None = None) -> None:
        barrier.wait()
        out[i] = flow.api.post(f"/api/v1{path}", json=body, headers=flow.auth(user))

    threads = [threading.Thread(target=go, args=(i, *c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_cancel_approval_racing_next_node_approve_exactly_one_wins(
    flow: Flow, make_card: CardMaker
) -> None:
    for _ in range(3):
        bill = flow.create(kind="adjust", scope="province", card_ids=[make_card()])
        flow.ok("hd_jb", bill["id"], "submit")
        flow.ok("hd_sh", bill["id"], "approve")
        cancel, approve = _race(
            flow,
            ("hd_sh", f"/bills/{bill['id']}/cancel-approval"),
            ("jyt_sh", f"/bills/{bill['id']}/approve"),
        )
        assert sorted([cancel.status_code, approve.status_code]) == [200, 409]
        got = flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).json()
        listed = [r for r in flow.plaza("hs_jb")["items"] if r["bill_id"] == bill["id"]]
        if cancel.status_code == 200:
            assert approve.json()["error"]["code"] == "BILL_NOT_AT_YOUR_NODE"
            assert (got["stage"], got["current_node"]) == ("in_review", "unit")
            assert listed == []
        else:
            assert cancel.json()["error"]["code"] == "NEXT_NODE_ACTED"
            assert got["stage"] == "final"
            assert len(listed) == 1


def test_cancel_approval_racing_next_node_reject_or_finance_approve_exactly_one_wins(
    flow: Flow, make_card: CardMaker
) -> None:
    # 单位 cancels while 主管部门 sends the bill back
    bill = flow.create(kind="adjust", scope="province", card_ids=[make_card()])
    flow.ok("hd_jb", bill["id"], "submit")
    flow.ok("hd_sh", bill["id"], "approve")
    cancel, reject = _race(
        flow,
        ("hd_sh", f"/bills/{bill['id']}/cancel-approval"),
        ("jyt_sh", f"/bills/{bill['id']}/reject", {"reason": "材料不全"}),
    )
    assert sorted([cancel.status_code, reject.status_code]) == [200, 409]
    got = flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).json()
    if cancel.status_code == 200:
        assert (got["stage"], got["current_node"]) == ("in_review", "unit")
    else:
        assert cancel.json()["error"]["code"] == "NEXT_NODE_ACTED"
        assert (got["stage"], got["return_reason"]) == ("returned", "材料不全")
    # 主管部门 cancels while 财政 approves a national bill to final
    bill = flow.create(kind="adjust", scope="national", card_ids=[make_card()])
    flow.ok("hd_jb", bill["id"], "submit")
    flow.ok("hd_sh", bill["id"], "approve")
    flow.ok("jyt_sh", bill["id"], "approve")
    cancel, approve = _race(
        flow,
        ("jyt_sh", f"/bills/{bill['id']}/cancel-approval"),
        ("cz_sh", f"/bills/{bill['id']}/approve"),
    )
    assert sorted([cancel.status_code, approve.status_code]) == [200, 409]
    got = flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).json()
    listed = [r for r in flow.plaza("hs_jb")["items"] if r["bill_id"] == bill["id"]]
    if cancel.status_code == 200:
        assert approve.json()["error"]["code"] == "BILL_NOT_AT_YOUR_NODE"
        assert (got["stage"], got["current_node"], listed) == ("in_review", "competent", [])
    else:
        assert cancel.json()["error"]["code"] == "NEXT_NODE_ACTED"
        assert got["stage"] == "final"
        assert len(listed) == 1


def test_final_cancel_racing_mof_report_exactly_one_wins(flow: Flow, make_card: CardMaker) -> None:
    for _ in range(3):
        bill = _national_final(flow, make_card)
        cancel, report = _race(
            flow,
            ("cz_sh", f"/bills/{bill['id']}/cancel-approval"),
            ("cz_jb", "/mof/reports"),
        )
        got = flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).json()
        if cancel.status_code == 200:
            assert report.status_code == 409
            assert report.json()["error"]["code"] == "MOF_NOTHING_TO_REPORT"
            assert got["stage"] == "in_review"
            flow.ok("cz_sh", bill["id"], "approve")
            _report(flow)
        else:
            assert report.status_code == 201
            assert cancel.json()["error"]["code"] == "FINAL_ALREADY_REPORTED"
            assert got["review_code"] == "01"


# 11. smaller items


def test_plaza_keyword_finds_listings_by_unit_name_as_the_box_promises(
    flow: Flow, make_card: CardMaker
) -> None:
    bill = flow.final(flow.create(kind="adjust", card_ids=[make_card(name="投影仪")]))
    for word in ("投影仪", bill["lines"][0]["asset_code"], "海南大学"):
        rows = flow.plaza("hs_jb", plaza="adjust", keyword=word)["items"]
        assert [r["bill_id"] for r in rows] == [bill["id"]], word
    assert flow.plaza("hs_jb", plaza="adjust", keyword="三亚")["items"] == []


def test_returned_bill_can_be_deleted_unless_mof_has_seen_it(
    flow: Flow, make_card: CardMaker
) -> None:
    card = make_card()
    bill = flow.create(kind="adjust", card_ids=[card])
    flow.ok("hd_jb", bill["id"], "submit")
    flow.ok("hd_sh", bill["id"], "reject", reason="不再调剂")
    r = flow.api.delete(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb"))
    assert r.status_code == 204, r.text
    assert flow.create(kind="adjust", card_ids=[card])["lines"][0]["card_id"] == card
    # a bill MOF sent back stays: the summary system knows it
    national = _national_final(flow, make_card)
    batch = _report(flow)
    _feedback(
        flow,
        batch["batch_no"],
        {"bill_no": national["bill_no"], "decision": "rejected", "reason": "重复"},
    )
    r = flow.api.delete(f"/api/v1/bills/{national['id']}", headers=flow.auth("hd_jb"))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "BILL_REPORTED_TO_MOF"


def test_draft_from_idle_suggestion_when_saved_without_photo_is_refused(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    card = make_card(status="idle", photo=False)  # as the approved change left it
    with psycopg.connect(db_url, autocommit=True) as conn:
        user = conn.execute("select id from users where username = 'hd_jb'").fetchone()
        assert user is not None
        cid = conn.execute(
            "insert into card_changes (card_id, changes, origin, proposed_by, card_version)"
            " values (%s, '{\"status\": \"idle\"}', 'suggestion', %s, 1) returning id",
            (card, user[0]),
        ).fetchone()
        assert cid is not None
        conn.execute("update card_changes set state = 'approved' where id = %s", (cid[0],))
    drafts = flow.api.get(
        "/api/v1/bills", params={"origin": "suggestion"}, headers=flow.auth("hd_jb")
    ).json()["items"]
    assert [d["lines"][0]["card_id"] for d in drafts] == [card]
    r = flow.api.patch(
        f"/api/v1/bills/{drafts[0]['id']}", json={"title": "闲置调剂"}, headers=flow.auth("hd_jb")
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "CARD_PHOTO_REQUIRED"


# the exchange format: versioned, with a JSON Schema in the repository; values and photos


def test_mof_batch_validates_against_the_schema_and_carries_values_contacts_photos(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    from importlib import resources

    import jsonschema_rs  # schemathesis's validator, already in the dev environment

    card = make_card()
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "update asset_cards set original_value = 5200.50, net_value = 2600 where id = %s",
            (card,),
        )
        photo = conn.execute("select data from card_photos where card_id = %s", (card,))
        photo_bytes = bytes(photo.fetchone()[0])  # type: ignore[index]
    bill = flow.create(
        kind="adjust", scope="national", card_ids=[card], contact_name="王老师",
        contact_phone="0898-66000000", address="海口市人民大道58号",
    )  # fmt: skip
    flow.final(bill)
    demand = {"kind": "demand", "scope": "national", "title": "需要显微镜",
              "demand_type": "share", "end_date": "2099-12-31", "quantity": "2"}  # fmt: skip
    flow.final(flow.create("hs_jb", **demand), "U460002")
    report = _report(flow)
    f = flow.api.get(f"/api/v1/mof/reports/{report['id']}/file", headers=flow.auth("cz_jb"))
    schema_text = (resources.files("assetpulse.platform") / "mof_exchange.schema.json").read_text()
    validator = jsonschema_rs.validator_for(json.loads(schema_text))
    lines = [json.loads(x) for x in f.content.decode().splitlines()]
    for line in lines:
        errors = [e.message for e in validator.iter_errors(line)]
        assert not errors, (line.get("seq"), errors)
    assert lines[0]["version"] == 3
    by_bill = {i["bill_no"]: i for i in lines[1:]}
    item = by_bill[bill["bill_no"]]
    assert item["contact"] == {"name": "王老师", "phone": "0898-66000000",
                               "address": "海口市人民大道58号"}  # fmt: skip
    listing = item["listings"][0]
    assert (listing["original_value"], listing["net_value"]) == ("5200.50", "2600.00")
    import base64
    import hashlib

    shot = listing["photos"][0]
    assert base64.b64decode(shot["data_base64"]) == photo_bytes
    assert shot["sha256"] == hashlib.sha256(photo_bytes).hexdigest()
    assert [i["demand"]["demand_type"] for i in lines[1:] if i["kind"] == "demand"] == ["share"]
    # a schema that accepted anything would prove nothing: an older version is refused
    assert not validator.is_valid({**lines[0], "version": 2})
    assert not validator.is_valid({k: v for k, v in lines[0].items() if k != "signature"})
