"""Demand bills, the publish-demand rule, MOF exchange, matching and suggestions → drafts."""

from __future__ import annotations

import hashlib
import json

import psycopg
import pytest

from assetpulse.platform import mofformat
from tests.e2e.platform.mofhub import PROVINCE_KEYS, post_feedback
from tests.fix_platform import CardMaker, Flow

DEMAND = {
    "kind": "demand",
    "title": "需要台式计算机",
    "demand_type": "adjust",
    "description": "实验室扩建",
    "scope": "province",
    "category_code": "A02010105",
    "expected_arrival": "2027-03-01",
    "accounting_subject": "固定资产",
    "region_code": "460100",
    "quantity": "2",
    "measure_unit": "台",
    "contact_name": "王五",
    "contact_phone": "0898-1111",
    "address": "海口市龙昆南路99号",
    "urgency": "urgent",
    "creator_name": "王五",
    "end_date": "2099-12-31",
    "handler_name": "赵六",
    "attachments": [{"name": "需求说明.docx", "url": "https://example.org/a.docx"}],
}


def test_demand_bill_keeps_every_manual_field(flow: Flow) -> None:
    bill = flow.create("hs_jb", **DEMAND)
    for key, value in DEMAND.items():
        if key in ("quantity",):
            assert float(bill[key]) == float(value)
        else:
            assert bill[key] == value, key
    assert bill["urgency_text"] == "紧急"
    assert bill["kind_text"] == "资产需求"


def test_publish_demand_rule_local_for_002_and_003_national_for_003_only(flow: Flow) -> None:
    national = {**DEMAND, "scope": "national"}
    r = flow.api.post("/api/v1/bills", json=national, headers=flow.auth("cz_jb"))
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "DEMAND_PUBLISH_NOT_ALLOWED"
    assert (
        flow.api.post("/api/v1/bills", json=DEMAND, headers=flow.auth("cz_jb")).status_code == 201
    )
    assert (
        flow.api.post("/api/v1/bills", json=national, headers=flow.auth("hs_jb")).status_code == 201
    )
    caps = flow.api.get("/api/v1/listings/capabilities", params={"plaza": "demand"},
                        headers=flow.auth("cz_jb")).json()  # fmt: skip
    assert caps["publish_demand_local"] is True
    assert caps["publish_demand_national"] is False
    caps = flow.plaza("hs_jb", plaza="demand")["capabilities"]
    assert caps["publish_demand_national"] is True


def test_demand_without_title_is_refused(flow: Flow) -> None:
    r = flow.api.post("/api/v1/bills", json={"kind": "demand", "demand_type": "share"},
                      headers=flow.auth("hs_jb"))  # fmt: skip
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "DEMAND_FIELDS_REQUIRED"


def test_demand_listing_result_registers_provider_and_matches_listed_assets(
    flow: Flow, make_card: CardMaker
) -> None:
    demand = flow.final(flow.create("hs_jb", **DEMAND), "U460002")
    supply_card = make_card("U460001", category="A02010105", quantity=3)
    flow.final(flow.create("hd_jb", kind="adjust", card_ids=[supply_card]))
    other = make_card("U460001", category="A0501", name="办公桌")
    flow.final(flow.create("hd_jb", kind="adjust", card_ids=[other]))
    rows = flow.plaza("hd_jb", plaza="demand")["items"]
    assert [r["bill_id"] for r in rows] == [demand["id"]]
    demand_listing = rows[0]["id"]
    m = flow.api.get(f"/api/v1/listings/{demand_listing}/matches", headers=flow.auth("hs_jb"))
    assert m.status_code == 200
    found = m.json()["matches"]
    assert [x["listing"]["card_id"] for x in found] == [supply_card]
    assert found[0]["score"] > 0.9
    # the other side sees the demand its asset could serve
    supply_listing = found[0]["listing"]["id"]
    back = flow.api.get(f"/api/v1/listings/{supply_listing}/matches", headers=flow.auth("hd_jb"))
    assert [x["listing"]["id"] for x in back.json()["matches"]] == [demand_listing]
    r = flow.api.post(
        f"/api/v1/listings/{demand_listing}/result",
        json={"counterpart_unit_name": "海南大学"},
        headers=flow.auth("hs_jb"),
    )
    assert r.status_code == 200
    d = flow.api.get(f"/api/v1/listings/{demand_listing}", headers=flow.auth("hd_jb")).json()
    assert d["counterpart"]["role_text"] == "资产提供方"
    assert d["counterpart"]["unit_name"] == "海南大学"


def _national_final(flow: Flow, make_card: CardMaker) -> dict:
    return flow.final(flow.create(kind="adjust", scope="national", card_ids=[make_card()]))


def test_mof_report_is_signed_idempotent_covers_local_scope_and_marks_01(
    flow: Flow, make_card: CardMaker
) -> None:
    bill = _national_final(flow, make_card)
    local = flow.final(flow.create(kind="adjust", scope="province", card_ids=[make_card()]))
    assert flow.api.post("/api/v1/mof/reports", headers=flow.auth("hd_jb")).status_code == 403
    r = flow.api.post("/api/v1/mof/reports", headers=flow.auth("cz_jb"))
    assert r.status_code == 201, r.text
    manifest = r.json()
    assert manifest["item_count"] == 2  # every locally final bill, not only national ones
    f = flow.api.get(f"/api/v1/mof/reports/{manifest['id']}/file", headers=flow.auth("cz_jb"))
    assert hashlib.sha256(f.content).hexdigest() == manifest["sha256"]
    # MOF verifies it with the province's public key, and with no other
    doc = mofformat.read_document(f.content, [PROVINCE_KEYS["46"].public_key()], "report")
    assert doc.key_id == manifest["key_id"] == f.headers["X-Signature-Key-Id"]
    with pytest.raises(mofformat.ExchangeFileError) as err:
        mofformat.read_document(f.content, [PROVINCE_KEYS["44"].public_key()])
    assert err.value.code == "MOF_SIGNATURE_INVALID"
    lines = [json.loads(x) for x in f.content.decode().splitlines()]
    assert lines[0]["format"] == "assetpulse-mof-exchange"
    by_bill = {i["bill_no"]: i for i in lines[1:]}
    assert by_bill[bill["bill_no"]]["action"] == "publish"
    assert by_bill[local["bill_no"]]["scope"] == "province"
    for b in (bill, local):
        got = flow.api.get(f"/api/v1/bills/{b['id']}", headers=flow.auth("hd_jb")).json()
        assert got["review_code_text"] == "01-待财政部审核"
    again = flow.api.post("/api/v1/mof/reports", headers=flow.auth("cz_jb"))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "MOF_NOTHING_TO_REPORT"
    # once reported, the final approval can no longer be cancelled
    r = flow.act("cz_sh", bill["id"], "cancel-approval")
    assert r.json()["error"]["code"] == "FINAL_ALREADY_REPORTED"
    hist = flow.api.get("/api/v1/mof/reports", headers=flow.auth("cz_jb")).json()
    assert len(hist) == 1


def test_mof_feedback_approve_sets_02_and_national_tab(flow: Flow, make_card: CardMaker) -> None:
    bill = _national_final(flow, make_card)
    assert flow.plaza("sy_jb", plaza="adjust", tab="national")["items"] == []
    batch_no = flow.api.post("/api/v1/mof/reports", headers=flow.auth("cz_jb")).json()["batch_no"]
    item = {"bill_no": bill["bill_no"], "decision": "approved"}
    r = post_feedback(flow.api, flow.auth("cz_jb"), batch_no, item)
    assert r.json() == {"item_count": 1, "applied": 1, "unchanged": 0}
    again = post_feedback(flow.api, flow.auth("cz_jb"), batch_no, item)
    assert again.json()["applied"] == 0
    got = flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).json()
    assert got["review_code_text"] == "02-财政部已审核"
    rows = flow.plaza("sy_jb", plaza="adjust", tab="national")["items"]
    assert [r["bill_id"] for r in rows] == [bill["id"]]
    assert rows[0]["review_code"] == "02"


def test_mof_feedback_reject_returns_bill_with_reason_and_bad_batch_changes_nothing(
    flow: Flow, make_card: CardMaker
) -> None:
    bill = _national_final(flow, make_card)
    batch_no = flow.api.post("/api/v1/mof/reports", headers=flow.auth("cz_jb")).json()["batch_no"]
    rejected = {"bill_no": bill["bill_no"], "decision": "rejected", "reason": "信息不全"}
    unknown = {"bill_no": "PB-NOPE", "decision": "approved"}
    r = post_feedback(flow.api, flow.auth("cz_jb"), batch_no, rejected, unknown)
    assert r.status_code == 409
    assert flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).json()[
        "review_code"] == "01"  # fmt: skip
    assert post_feedback(flow.api, flow.auth("cz_jb"), batch_no, rejected).status_code == 200
    got = flow.api.get(f"/api/v1/bills/{bill['id']}", headers=flow.auth("hd_jb")).json()
    assert got["stage"] == "returned"
    assert got["return_reason"] == "信息不全"
    assert flow.plaza("hs_jb", plaza="adjust")["items"] == []


def test_changes_to_reported_items_go_out_in_next_batch(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    bill = _national_final(flow, make_card)
    flow.api.post("/api/v1/mof/reports", headers=flow.auth("cz_jb"))
    with psycopg.connect(db_url, autocommit=True) as conn:
        card = bill["lines"][0]["card_id"]
        conn.execute("update asset_cards set name = '新名称' where id = %s", (card,))
        conn.execute("insert into card_events (card_id, kind) values (%s, 'changed')", (card,))
    r = flow.api.post("/api/v1/mof/reports", headers=flow.auth("cz_jb"))
    assert r.status_code == 201
    f = flow.api.get(f"/api/v1/mof/reports/{r.json()['id']}/file", headers=flow.auth("cz_jb"))
    item = json.loads(f.content.decode().splitlines()[1])
    assert item["action"] == "update"
    assert item["listings"][0]["name"] == "新名称"
    lid = item["listings"][0]["listing_id"]
    flow.api.post(f"/api/v1/listings/{lid}/delist", headers=flow.auth("hd_jb"))
    r = flow.api.post("/api/v1/mof/reports", headers=flow.auth("cz_jb"))
    f = flow.api.get(f"/api/v1/mof/reports/{r.json()['id']}/file", headers=flow.auth("cz_jb"))
    assert json.loads(f.content.decode().splitlines()[1])["listings"][0]["state"] == "delisted"


def test_approved_suggested_change_opens_prefilled_draft(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    idle = make_card(status="in_use")
    shared = make_card(status="in_use")
    with psycopg.connect(db_url, autocommit=True) as conn:
        user = conn.execute("select id from users where username = 'hd_jb'").fetchone()[0]
        for card, change in ((idle, {"status": "idle"}), (shared, {"shareable": True})):
            cid = conn.execute(
                "insert into card_changes (card_id, changes, origin, proposed_by, card_version)"
                " values (%s, %s, 'suggestion', %s, 1) returning id",
                (card, json.dumps(change), user),
            ).fetchone()[0]
            conn.execute("update card_changes set state = 'approved' where id = %s", (cid,))
    drafts = flow.api.get("/api/v1/bills", params={"origin": "suggestion"},
                          headers=flow.auth("hd_jb")).json()["items"]  # fmt: skip
    by_card = {d["lines"][0]["card_id"]: d for d in drafts}
    assert by_card[idle]["kind"] == "adjust"
    assert by_card[shared]["kind"] == "share"
    assert all(d["stage"] == "draft" for d in drafts)


def test_query_finds_bills_by_fields(flow: Flow, make_card: CardMaker) -> None:
    a = flow.create(kind="adjust", card_ids=[make_card(name="显微镜")], title="显微镜调剂")
    flow.create(kind="share", card_ids=[make_card(shareable=True)])
    flow.ok("hd_jb", a["id"], "submit")

    def q(**params: object) -> list[int]:
        r = flow.api.get("/api/v1/bills", params=params, headers=flow.auth("hd_jb"))
        return [b["id"] for b in r.json()["items"]]

    assert q(kind="adjust") == [a["id"]]
    assert q(stage="in_review") == [a["id"]]
    assert q(review_code="03") == [a["id"]]
    assert q(keyword="显微镜") == [a["id"]]
    assert q(bill_no=a["bill_no"]) == [a["id"]]
    assert q(asset_code=a["lines"][0]["asset_code"]) == [a["id"]]
    assert len(q()) == 2
    assert flow.api.get("/api/v1/bills", headers=flow.auth("hs_jb")).json()["items"] == []
