"""调剂优先核查 over HTTP: offers in the viewer's sight, every decline with its reason, the
record tied to a purchase request and exported for audit."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.fix_platform import CardMaker, Flow

NEED = {"acquisition": "buy", "asset_name": "台式电脑", "category_code": "A02010105", "quantity": 2,
        "needed_on": "2027-03-01", "description": "实验室新增台式计算机"}  # fmt: skip


def _list(flow: Flow, make_card: CardMaker, unit: str, op: str, scope: str) -> None:
    cid = make_card(unit, category="A02010105")
    flow.final(flow.create(op, kind="adjust", scope=scope, card_ids=[cid]), unit)


def test_purchase_check_when_offers_declined_then_attached_exported_and_audited(
    flow: Flow, make_card: CardMaker
) -> None:
    _list(flow, make_card, "U460001", "hd_jb", "province")
    _list(flow, make_card, "U460001", "hd_jb", "unit")  # 本单位: not for 海南师范大学
    reviewer = flow.api.post("/api/v1/purchase-checks", json=NEED, headers=flow.auth("hs_sh"))
    assert reviewer.json()["error"]["code"] == "CHECK_OPERATOR_ONLY"
    h = flow.auth("hs_jb")
    r = flow.api.post("/api/v1/purchase-checks", json=NEED, headers=h)
    assert r.status_code == 201, r.text
    check = r.json()
    assert check["outcome"] == "open"
    assert check["acquisition_text"] == "购置"
    offered = [o for o in check["offers"] if o["source"] == "listing"]
    assert len(offered) == 1, check["offers"]
    assert offered[0]["unit_name"] == "海南大学"
    assert any(r.startswith("资产分类匹配度") for r in offered[0]["reasons"])
    assert any("计算机" in r for r in offered[0]["reasons"])  # 电脑 is 计算机 on a card
    cid = check["id"]
    early = flow.api.post(f"/api/v1/purchase-checks/{cid}/attach",
                          json={"purchase_ref": "CG-2027-001"}, headers=h)  # fmt: skip
    assert early.json()["error"]["code"] == "CHECK_NOT_DECIDED"
    positions = [o["position"] for o in check["offers"]]
    no_reason = flow.api.post(
        f"/api/v1/purchase-checks/{cid}/decisions",
        json={"decisions": [{"position": positions[0], "outcome": "declined"}]}, headers=h,
    )  # fmt: skip
    assert no_reason.json()["error"]["code"] == "CHECK_DECLINE_REASON_REQUIRED"
    decided = flow.api.post(
        f"/api/v1/purchase-checks/{cid}/decisions",
        json={"decisions": [{"position": p, "outcome": "declined", "reason": "配置低于实验要求"}
                            for p in positions]}, headers=h,
    ).json()  # fmt: skip
    assert decided["outcome"] == "purchase"
    assert {o["decided_by_name"] for o in decided["offers"]} == {"海师经办员"}
    attached = flow.api.post(
        f"/api/v1/purchase-checks/{cid}/attach",
        json={"purchase_ref": "CG-2027-001", "purchase_title": "=实验室计算机采购"}, headers=h,
    ).json()  # fmt: skip
    assert attached["purchase_ref"] == "CG-2027-001"
    frozen = flow.api.post(
        f"/api/v1/purchase-checks/{cid}/decisions",
        json={"decisions": [{"position": positions[0], "outcome": "taken"}]}, headers=h,
    )  # fmt: skip
    assert frozen.json()["error"]["code"] == "CHECK_ALREADY_ATTACHED"
    # the competent department audits it; another unit does not see it
    assert flow.api.get(f"/api/v1/purchase-checks/{cid}", headers=flow.auth("jyt_sh")).is_success
    other = flow.api.get(f"/api/v1/purchase-checks/{cid}", headers=flow.auth("sy_jb"))
    assert other.json()["error"]["code"] == "CHECK_NOT_FOUND"
    xlsx = flow.api.get(f"/api/v1/purchase-checks/{cid}/export", headers=flow.auth("jyt_sh"))
    assert xlsx.status_code == 200
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    cells = {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row and row[0]}
    assert cells["关联采购申请编号"] == "CG-2027-001"
    assert cells["核查人"] == "海师经办员"
    title = next(c for c in ws["B"] if c.value == "=实验室计算机采购")
    assert title.data_type == "s"  # the operator's text stays text, not a formula
    declined = [row for row in ws.iter_rows(values_only=True) if "不采用" in row]
    assert len(declined) == len(positions)
    assert declined[0][12] == "配置低于实验要求"
