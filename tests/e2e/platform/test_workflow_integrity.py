"""Workflow integrity (issue 13): what finance staff rely on for the books to stay true.

Each test reproduces one defect over the API against the real PostgreSQL: a rejection that
blocked a province's MOF reporting, ended cards on bills, adjusted cards published again,
listings that stopped qualifying, separation of duties, a missing finance node, review codes.
"""

from __future__ import annotations

import json
from typing import Any

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
    body = {"batch_no": batch_no, "items": list(items)}
    return flow.api.post("/api/v1/mof/feedback", json=body, headers=flow.auth("cz_jb"))


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
    r = flow.api.post(
        "/api/v1/disposals",
        json={"card_id": card, "method": "scrap"},
        headers=flow.auth("hd_jb"),
    )
    assert r.status_code == 201, r.text
    r = flow.act("jyt_sh", bill["id"], "approve")
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "CARD_ENDED"
    assert flow.plaza("hs_jb", plaza="share")["items"] == []
