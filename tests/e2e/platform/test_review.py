"""Review over HTTP: chains, approve, send back, cancel approval, queues, progress, conflicts."""

from __future__ import annotations

import threading

from tests.fix_platform import CardMaker, Flow


def test_local_bill_walks_unit_then_competent_and_is_listed(
    flow: Flow, make_card: CardMaker
) -> None:
    bill = flow.create(card_ids=[make_card()], scope="province")
    flow.ok("hd_jb", bill["id"], "submit")
    after_unit = flow.ok("hd_sh", bill["id"], "approve")
    assert after_unit["current_node"] == "competent"
    assert after_unit["status_text"] == "待主管部门审核"
    final = flow.ok("jyt_sh", bill["id"], "approve")
    assert final["stage"] == "final"
    assert final["review_code"] is None  # 03 means "not yet final"
    rows = flow.plaza("hs_jb", plaza="adjust", tab="local")["items"]
    assert [r["bill_id"] for r in rows] == [bill["id"]]
    assert rows[0]["state_text"] == "上架"


def test_national_bill_needs_finance_review(flow: Flow, make_card: CardMaker) -> None:
    bill = flow.create(card_ids=[make_card()], scope="national")
    flow.ok("hd_jb", bill["id"], "submit")
    flow.ok("hd_sh", bill["id"], "approve")
    at_finance = flow.ok("jyt_sh", bill["id"], "approve")
    assert at_finance["stage"] == "in_review"
    assert at_finance["current_node"] == "finance"
    assert flow.ok("cz_sh", bill["id"], "approve")["stage"] == "final"


def test_reviewer_of_other_unit_cannot_approve(flow: Flow, make_card: CardMaker) -> None:
    bill = flow.create(card_ids=[make_card()])
    flow.ok("hd_jb", bill["id"], "submit")
    assert flow.act("hs_sh", bill["id"], "approve").status_code == 404
    r = flow.act("hd_jb", bill["id"], "approve")  # own unit, but an operator
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "REVIEW_NOT_YOUR_NODE"
    # the competent department cannot jump the queue either
    r = flow.act("jyt_sh", bill["id"], "approve")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "BILL_NOT_AT_YOUR_NODE"


def test_send_back_requires_reason_and_returns_bill_for_editing(
    flow: Flow, make_card: CardMaker
) -> None:
    bill = flow.create(card_ids=[make_card()])
    flow.ok("hd_jb", bill["id"], "submit")
    assert flow.act("hd_sh", bill["id"], "reject", reason="  ").status_code == 422
    back = flow.ok("hd_sh", bill["id"], "reject", reason="照片不清晰")
    assert back["stage"] == "returned"
    assert back["return_reason"] == "照片不清晰"
    assert back["status_text"] == "单位审核退回"
    r = flow.api.patch(
        f"/api/v1/bills/{bill['id']}", json={"title": "重拍"}, headers=flow.auth("hd_jb")
    )
    assert r.status_code == 200
    assert flow.ok("hd_jb", bill["id"], "submit")["stage"] == "in_review"


def test_cancel_approval_while_next_node_waits_sets_status_text(
    flow: Flow, make_card: CardMaker
) -> None:
    bill = flow.create(card_ids=[make_card()])
    flow.ok("hd_jb", bill["id"], "submit")
    flow.ok("hd_sh", bill["id"], "approve")
    undone = flow.ok("hd_sh", bill["id"], "cancel-approval")
    assert undone["status_text"] == "单位审核取消审核"
    assert undone["current_node"] == "unit"
    pending = flow.api.get("/api/v1/reviews", params={"tab": "pending"}, headers=flow.auth("hd_sh"))
    assert [b["id"] for b in pending.json()["items"]] == [bill["id"]]


def test_cancel_approval_refused_after_next_node_acted(flow: Flow, make_card: CardMaker) -> None:
    bill = flow.create(card_ids=[make_card()], scope="national")
    flow.ok("hd_jb", bill["id"], "submit")
    flow.ok("hd_sh", bill["id"], "approve")
    flow.ok("jyt_sh", bill["id"], "approve")
    r = flow.act("hd_sh", bill["id"], "cancel-approval")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "NEXT_NODE_ACTED"


def test_local_final_approval_cancel_withdraws_listing(flow: Flow, make_card: CardMaker) -> None:
    bill = flow.final(flow.create(card_ids=[make_card()]))
    assert len(flow.plaza("hs_jb", plaza="adjust")["items"]) == 1
    again = flow.ok("jyt_sh", bill["id"], "cancel-approval")
    assert again["stage"] == "in_review"
    assert again["status_text"] == "主管部门审核取消审核"
    assert flow.plaza("hs_jb", plaza="adjust")["items"] == []
    assert flow.ok("jyt_sh", bill["id"], "approve")["stage"] == "final"
    assert len(flow.plaza("hs_jb", plaza="adjust")["items"]) == 1


def test_review_queues_pending_and_reviewed(flow: Flow, make_card: CardMaker) -> None:
    bill = flow.create(card_ids=[make_card()])
    flow.ok("hd_jb", bill["id"], "submit")

    def queue(user: str, tab: str) -> list[int]:
        r = flow.api.get("/api/v1/reviews", params={"tab": tab}, headers=flow.auth(user))
        return [b["id"] for b in r.json()["items"]]

    assert queue("hd_sh", "pending") == [bill["id"]]
    assert queue("jyt_sh", "pending") == []
    flow.ok("hd_sh", bill["id"], "approve")
    assert queue("hd_sh", "pending") == []
    assert queue("hd_sh", "reviewed") == [bill["id"]]
    assert queue("jyt_sh", "pending") == [bill["id"]]
    assert queue("syj_sh", "pending") == []


def test_progress_shows_every_node_who_and_when(flow: Flow, make_card: CardMaker) -> None:
    bill = flow.create(card_ids=[make_card()], scope="national")
    flow.ok("hd_jb", bill["id"], "submit")
    flow.ok("hd_sh", bill["id"], "approve")
    r = flow.api.get(f"/api/v1/bills/{bill['id']}/progress", headers=flow.auth("hd_jb"))
    assert r.status_code == 200
    p = r.json()
    assert [n["node_text"] for n in p["nodes"]] == ["单位审核", "主管部门审核", "财政审核"]
    assert [n["state"] for n in p["nodes"]] == ["approved", "current", "waiting"]
    assert p["nodes"][0]["actor"] == "海大审核员"
    assert p["nodes"][0]["acted_at"] is not None
    assert p["nodes"][1]["unit_name"] == "海南省教育厅"
    assert p["review_code_text"] == "03-省内审核中"
    assert [h["action"] for h in p["history"]] == ["submit", "approve"]


def test_audit_trail_records_every_state_change(flow: Flow, make_card: CardMaker) -> None:
    bill = flow.final(flow.create(card_ids=[make_card()]))
    r = flow.api.get(f"/api/v1/bills/{bill['id']}/audit", headers=flow.auth("hd_jb"))
    entries = r.json()
    bill_stages = [e["detail"].get("to") for e in entries if e["action"] == "stage"
                   and e["entity"] == "bill"]  # fmt: skip
    assert bill_stages[0] == "in_review"
    assert bill_stages[-1] == "final"
    assert any(e["entity"] == "listing" and e["detail"]["to"] == "listed" for e in entries)
    assert all(e["actor_id"] is not None for e in entries)


def test_two_reviewers_at_once_exactly_one_wins(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    import psycopg

    # a second reviewer in the same unit, so both may act at the unit node
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "insert into users (username, password_hash, display_name, unit_id, user_type, roles)"
            " select 'hd_sh2', password_hash, '海大审核员二', unit_id, user_type, roles"
            " from users where username = 'hd_sh'"
        )
    bill = flow.create(card_ids=[make_card()])
    flow.ok("hd_jb", bill["id"], "submit")
    headers = [flow.auth("hd_sh"), flow.auth("hd_sh2")]
    barrier = threading.Barrier(2)
    results: list[int] = []

    def decide(h: dict[str, str]) -> None:
        barrier.wait()
        r = flow.api.post(f"/api/v1/bills/{bill['id']}/approve", headers=h)
        results.append(r.status_code)
        if r.status_code == 409:
            assert r.json()["error"]["code"] == "BILL_NOT_AT_YOUR_NODE"

    threads = [threading.Thread(target=decide, args=(h,)) for h in headers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    progress = flow.api.get(
        f"/api/v1/bills/{bill['id']}/progress", headers=flow.auth("hd_jb")
    ).json()
    assert [h["action"] for h in progress["history"]] == ["submit", "approve"]
