"""卡片变动 over HTTP: propose, review, conflicts, photos, audit, and who may do what."""

from __future__ import annotations

import hashlib

import psycopg
from fastapi.testclient import TestClient

from tests.e2e.disposal_steps import dispose
from tests.e2e.inventory.helpers import API, jpeg_bytes, png_bytes
from tests.fix_api import AuthHeaders


def _propose(api: TestClient, auth: AuthHeaders, card_id: int, changes: dict, **extra) -> dict:
    r = api.post(
        f"{API}/card-changes",
        json={"card_id": card_id, "changes": changes, **extra},
        headers=auth("hd_jb"),
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_change_applies_only_after_reviewer_approves_and_is_audited(
    api: TestClient, auth: AuthHeaders, demo_cards, db: psycopg.Connection
) -> None:
    card = demo_cards["HD-0001"]
    change = _propose(api, auth, card, {"status": "idle", "shareable": True}, reason="长期闲置")
    assert change["state"] == "pending"
    before = api.get(f"{API}/cards/{card}", headers=auth("hd_jb")).json()
    assert (before["status"], before["shareable"], before["version"]) == ("in_use", False, 1)

    r = api.post(f"{API}/card-changes/{change['id']}/approve", headers=auth("hd_sh"))
    assert r.status_code == 200, r.text
    after = api.get(f"{API}/cards/{card}", headers=auth("hd_jb")).json()
    assert (after["status"], after["status_label"], after["shareable"], after["version"]) == (
        "idle",
        "闲置",
        True,
        2,
    )
    assert [h["action"] for h in r.json()["history"]] == ["proposed", "approved"]
    events = db.execute(
        "select kind, detail->'changes' from card_events where card_id = %s", (card,)
    ).fetchall()
    assert events == [("changed", {"status": "idle", "shareable": True})]


def test_rejected_change_leaves_card_untouched(
    api: TestClient, auth: AuthHeaders, demo_cards
) -> None:
    card = demo_cards["HD-0001"]
    change = _propose(api, auth, card, {"location": "仓库"})
    r = api.post(
        f"{API}/card-changes/{change['id']}/reject",
        json={"note": "地点不对"},
        headers=auth("hd_sh"),
    )
    assert r.json()["state"] == "rejected"
    assert api.get(f"{API}/cards/{card}", headers=auth("hd_jb")).json()["location"] == "主楼101"
    again = api.post(f"{API}/card-changes/{change['id']}/approve", headers=auth("hd_sh"))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "CHANGE_NOT_PENDING"


def test_second_change_on_same_version_conflicts_after_first_is_approved(
    api: TestClient, auth: AuthHeaders, demo_cards
) -> None:
    card = demo_cards["HD-0003"]
    first = _propose(api, auth, card, {"status": "idle"})
    second = _propose(api, auth, card, {"status": "pending_disposal"})
    assert api.post(f"{API}/card-changes/{first['id']}/approve", headers=auth("hd_sh")).is_success
    r = api.post(f"{API}/card-changes/{second['id']}/approve", headers=auth("hd_sh"))
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "CHANGE_CONFLICT"
    assert "资产状态" in r.json()["error"]["message"]
    assert "退回" in r.json()["error"]["message"]
    assert api.get(f"{API}/cards/{card}", headers=auth("hd_jb")).json()["status"] == "idle"
    listed = api.get(f"{API}/card-changes", params={"state": "pending"}, headers=auth("hd_sh"))
    assert [(c["id"], c["conflict"]["fields"]) for c in listed.json()] == [
        (second["id"], ["status"])
    ]
    returned = api.post(f"{API}/card-changes/{second['id']}/reject", headers=auth("hd_sh"))
    assert returned.json()["state"] == "rejected"
    mine = api.get(f"{API}/card-changes/{second['id']}", headers=auth("hd_jb")).json()
    assert "资产状态" in mine["decision_note"]
    assert mine["conflict"] is None
    stale = api.post(
        f"{API}/card-changes",
        json={"card_id": card, "changes": {"status": "in_use"}, "card_version": 1},
        headers=auth("hd_jb"),
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "CARD_VERSION_CONFLICT"


def test_photo_change_after_accepted_share_suggestion_when_first_approved_then_approvable(
    api: TestClient, auth: AuthHeaders, demo_cards, demo_units, db: psycopg.Connection
) -> None:
    card = demo_cards["HD-0002"]  # idle, not shareable, no photo
    sid = db.execute(
        "insert into suggestions (card_id, unit_id, verdict, action, rule, score, metric,"
        " metric_value, evidence, evidence_zh, evidence_en, window_from, window_to)"
        " values (%s, %s, 'under_used', 'share', 'lab', 0.8, 'usage_hours', 1, '{}',"
        " '低效', 'under used', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z') returning id",
        (card, demo_units["U460001"]),
    ).fetchone()[0]
    db.commit()
    accepted = api.post(f"{API}/suggestions/{sid}/accept", headers=auth("hd_jb"), json={})
    assert accepted.status_code == 200, accepted.text
    up = api.post(
        f"{API}/cards/{card}/photos",
        files={"file": ("a.png", png_bytes(11), "image/png")},
        headers=auth("hd_jb"),
    ).json()

    share = accepted.json()["card_change_id"]
    assert api.post(f"{API}/card-changes/{share}/approve", headers=auth("hd_sh")).is_success
    pending = api.get(f"{API}/card-changes", params={"state": "pending"}, headers=auth("hd_sh"))
    assert [(c["id"], c["conflict"]) for c in pending.json()] == [(up["change_id"], None)]
    photo = api.post(f"{API}/card-changes/{up['change_id']}/approve", headers=auth("hd_sh"))
    assert photo.status_code == 200, photo.text
    after = api.get(f"{API}/cards/{card}", headers=auth("hd_jb")).json()
    assert (after["shareable"], after["version"]) == (True, 3)
    assert [p["state"] for p in after["photos"]] == ["attached"]
    shareable = api.get(f"{API}/cards", params={"publishable": "share"}, headers=auth("hd_jb"))
    assert [c["id"] for c in shareable.json()] == [card]


def test_pending_change_when_card_disposed_then_shown_as_conflict_and_returned_with_reason(
    api: TestClient, auth: AuthHeaders, demo_cards
) -> None:
    card = demo_cards["HD-0002"]
    change = _propose(api, auth, card, {"location": "仓库"})
    dispose(api, auth, card)  # proposed and approved with its 文号: the card is off the books
    listed = api.get(f"{API}/card-changes", params={"state": "pending"}, headers=auth("hd_sh"))
    assert "已处置" in listed.json()[0]["conflict"]["message"]
    r = api.post(f"{API}/card-changes/{change['id']}/reject", headers=auth("hd_sh"))
    assert "已处置" in r.json()["decision_note"]


def test_proposer_cannot_approve_own_change_and_other_unit_cannot_see_it(
    api: TestClient, auth: AuthHeaders, demo_cards, db: psycopg.Connection
) -> None:
    card = demo_cards["HD-0001"]
    change = _propose(api, auth, card, {"status": "idle"})
    own = api.post(f"{API}/card-changes/{change['id']}/approve", headers=auth("hd_jb"))
    assert own.status_code == 403
    other = api.post(f"{API}/card-changes/{change['id']}/approve", headers=auth("hs_sh"))
    assert other.status_code == 404
    assert api.get(f"{API}/cards/{card}", headers=auth("hs_jb")).status_code == 404
    assert db.execute("select state from card_changes").fetchall() == [("pending",)]


def test_wrong_roles_cannot_propose_or_write(
    api: TestClient, auth: AuthHeaders, demo_cards
) -> None:
    card = demo_cards["HD-0001"]
    for user in ("hd_sh", "hd_wl", "cz_sh"):
        r = api.post(
            f"{API}/card-changes",
            json={"card_id": card, "changes": {"status": "idle"}},
            headers=auth(user),
        )
        assert r.status_code in (403, 404), (user, r.text)
    r = api.post(
        f"{API}/card-changes",
        json={"card_id": demo_cards["HS-0001"], "changes": {"status": "in_use"}},
        headers=auth("hd_jb"),
    )
    assert r.status_code == 404


def test_photo_upload_creates_pending_change_and_counts_only_after_approval(
    api: TestClient, auth: AuthHeaders, demo_cards
) -> None:
    card = demo_cards["HD-0002"]  # idle: adjustable once it has a photo
    data = png_bytes(7)
    adjustable = {"publishable": "adjust"}
    assert api.get(f"{API}/cards", params=adjustable, headers=auth("hd_jb")).json() == []
    r = api.post(
        f"{API}/cards/{card}/photos",
        files={"file": ("x.jpg", data, "image/jpeg")},  # the client's type is ignored
        headers=auth("hd_jb"),
    )
    assert r.status_code == 201, r.text
    up = r.json()
    detail = api.get(f"{API}/cards/{card}", headers=auth("hd_jb")).json()
    assert detail["photos"][0]["content_type"] == "image/png"
    assert detail["photos"][0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert detail["photos"][0]["state"] == "pending"
    assert api.get(f"{API}/cards", params=adjustable, headers=auth("hd_jb")).json() == []

    ok = api.post(f"{API}/card-changes/{up['change_id']}/approve", headers=auth("hd_sh"))
    assert ok.status_code == 200, ok.text
    listed = api.get(f"{API}/cards", params=adjustable, headers=auth("hd_jb")).json()
    assert [c["id"] for c in listed] == [card]
    got = api.get(f"{API}/cards/{card}/photos/{up['photo_id']}", headers=auth("hd_wl"))
    assert got.content == data
    assert got.headers["content-type"] == "image/png"


def test_photo_upload_refuses_non_images_duplicates_and_oversize(
    api: TestClient, auth: AuthHeaders, demo_cards, db: psycopg.Connection
) -> None:
    card = demo_cards["HD-0001"]
    url = f"{API}/cards/{card}/photos"
    h = auth("hd_jb")
    bad = api.post(url, files={"file": ("a.png", b"GIF89a....", "image/png")}, headers=h)
    assert bad.json()["error"]["code"] == "PHOTO_TYPE_UNSUPPORTED"
    big = b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024)
    assert (
        api.post(url, files={"file": ("b.jpg", big, "image/jpeg")}, headers=h).json()["error"][
            "code"
        ]
        == "PHOTO_TOO_LARGE"
    )
    data = jpeg_bytes(3)
    assert (
        api.post(url, files={"file": ("c.jpg", data, "image/jpeg")}, headers=h).status_code == 201
    )
    dup = api.post(url, files={"file": ("d.jpg", data, "image/jpeg")}, headers=h)
    assert dup.status_code == 409
    assert dup.json()["error"]["code"] == "PHOTO_DUPLICATE"
    assert db.execute("select count(*) from card_photos").fetchone() == (1,)
    assert db.execute("select count(*) from card_changes").fetchone() == (1,)
    viewer = api.post(
        url, files={"file": ("e.png", png_bytes(9), "image/png")}, headers=auth("hd_wl")
    )
    assert viewer.status_code == 403


def test_scoping_of_card_lists_by_role_department_and_region(
    api: TestClient, auth: AuthHeaders, demo_cards
) -> None:
    def codes(user: str, **params) -> set[str]:
        r = api.get(f"{API}/cards", params=params, headers=auth(user))
        assert r.status_code == 200, r.text
        return {c["asset_code"] for c in r.json()}

    hd = {c for c in demo_cards if c.startswith("HD")}
    assert codes("hd_jb") == hd
    assert codes("hd_wl") == {"HD-0001", "HD-0002"}  # 物理学院 only
    assert codes("hs_jb") == {"HS-0001"}
    assert codes("jyt_sh") == set(demo_cards)  # 教育厅: both universities below it
    assert codes("cz_sh") == set(demo_cards)  # 财政 460000 covers 460100
    assert codes("syj_sh") == set()
    assert codes("hd_jb", publishable="share") == set()  # shareable ones have no photo yet
    assert codes("hd_jb", status="leased") == {"HD-0005"}
    assert codes("hd_jb", category="A0201") == {"HD-0001", "HD-0002", "HD-0003"}


def test_operator_creates_card_others_cannot_and_codes_stay_unique(
    api: TestClient, auth: AuthHeaders, demo_cards, demo_units, db: psycopg.Connection
) -> None:
    body = {
        "asset_code": "HD-2026-0100",
        "name": "服务器",
        "category_code": "A020101",
        "department_id": demo_units["D460001-01"],
        "quantity": "2",
        "original_value": "88000.00",
    }
    r = api.post(f"{API}/cards", json=body, headers=auth("hd_jb"))
    assert r.status_code == 201, r.text
    assert (r.json()["status"], r.json()["unit_id"]) == ("in_use", demo_units["U460001"])
    assert api.post(f"{API}/cards", json=body, headers=auth("hd_jb")).status_code == 409
    for user in ("hd_sh", "hd_wl", "cz_jb", "jyt_sh"):
        other = {**body, "asset_code": f"X-{user.upper().replace('_', '')}"}
        assert api.post(f"{API}/cards", json=other, headers=auth(user)).status_code == 403, user
    foreign_dept = {**body, "asset_code": "HD-2026-0101", "department_id": demo_units["D460002-01"]}
    r = api.post(f"{API}/cards", json=foreign_dept, headers=auth("hd_jb"))
    assert r.json()["error"]["code"] == "DEPARTMENT_NOT_IN_UNIT"
    assert db.execute("select count(*) from asset_cards").fetchone() == (7,)
    audit = db.execute("select action from audit_log where entity = 'card'").fetchall()
    assert audit == [("created",)]


def test_proposer_withdraws_pending_change_and_reviewer_can_no_longer_approve(
    api: TestClient, auth: AuthHeaders, demo_cards
) -> None:
    change = _propose(api, auth, demo_cards["HD-0001"], {"status": "idle"})
    url = f"{API}/card-changes/{change['id']}"
    assert api.post(f"{url}/withdraw", headers=auth("hd_sh")).status_code == 403
    r = api.post(f"{url}/withdraw", headers=auth("hd_jb"))
    assert r.json()["state"] == "withdrawn"
    assert api.post(f"{url}/approve", headers=auth("hd_sh")).status_code == 409
    pending = api.get(f"{API}/card-changes", params={"state": "pending"}, headers=auth("hd_sh"))
    assert pending.json() == []
