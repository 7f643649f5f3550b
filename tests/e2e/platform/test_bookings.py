"""共享预约 over HTTP: overlaps refused under a race, both sides confirm, only the two sides
see a booking, and the monitor's usage during the loan is shown."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg

from tests.fix_platform import CardMaker, Flow, _jpeg_photo

BJ = dt.timezone(dt.timedelta(hours=8))


def _shared(flow: Flow, make_card: CardMaker) -> tuple[int, int]:
    """A 海南大学 card listed on the 共享广场 (scope 本省): (listing id, card id)."""
    cid = make_card("U460001", status="in_use", shareable=True)
    bill = flow.final(flow.create("hd_jb", kind="share", scope="province", card_ids=[cid]))
    rows = flow.plaza("hd_jb", plaza="share", tab="local")["items"]
    return next(r["id"] for r in rows if r["bill_id"] == bill["id"]), cid


def _period(days: int, length: int = 2) -> dict[str, str]:
    start = dt.datetime.now(BJ).replace(hour=9, minute=0, second=0, microsecond=0)
    start += dt.timedelta(days=days)
    end = start + dt.timedelta(days=length)
    return {"start": start.isoformat(), "end": end.isoformat()}


def _book(flow: Flow, user: str, listing: int, days: int, length: int = 2) -> Any:
    body = {**_period(days, length), "purpose": "教学实验借用"}
    return flow.api.post(f"/api/v1/listings/{listing}/bookings", json=body, headers=flow.auth(user))


def test_booking_overlap_when_two_units_race_then_exactly_one_holds_and_only_sides_see_it(
    flow: Flow, make_card: CardMaker
) -> None:
    listing, _ = _shared(flow, make_card)
    for user in ("hs_jb", "sy_jb"):
        flow.auth(user)  # tokens first: the race is the requests'
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda u: _book(flow, u, listing, 3), ["hs_jb", "sy_jb"]))
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409).json()["error"]
    assert refused["code"] == "BOOKING_OVERLAP"
    assert "重叠" in refused["message"]
    # touching periods do not overlap; a decline frees the slot
    assert _book(flow, "hs_jb", listing, 5).status_code == 201
    held = next(a for a in answers if a.status_code == 201).json()
    decline = flow.api.post(
        f"/api/v1/bookings/{held['id']}/decline", json={"reason": "设备检修"},
        headers=flow.auth("hd_jb"),
    )  # fmt: skip
    assert decline.status_code == 200, decline.text
    assert decline.json()["state_text"] == "已拒绝"
    assert _book(flow, "sy_jb", listing, 3).status_code == 201
    calendar = flow.api.get(f"/api/v1/listings/{listing}/bookings", headers=flow.auth("hs_jb"))
    assert [c["state"] for c in calendar.json()] == ["requested", "requested"]
    # the calendar names the borrower only to the two sides
    names = {c["borrower_unit_name"] for c in calendar.json()}
    assert names == {"海南师范大学", None}
    # a booking is the two sides' business: a third unit, its department and finance do not
    # see it; the owner does not book its own asset
    mine = next(c["id"] for c in calendar.json() if c["id"] is not None)
    for user in ("sy_jb", "jyt_sh", "cz_jb"):
        r = flow.api.get(f"/api/v1/bookings/{mine}", headers=flow.auth(user))
        assert r.json()["error"]["code"] == "BOOKING_NOT_FOUND", user
    assert _book(flow, "hd_jb", listing, 9).json()["error"]["code"] == "BOOKING_OWN_ASSET"
    lent = flow.api.get("/api/v1/bookings", params={"side": "owner"}, headers=flow.auth("hd_jb"))
    assert len(lent.json()) == 3


def test_booking_handover_and_return_when_both_sides_confirm_then_usage_shown(
    flow: Flow, make_card: CardMaker, db_url: str
) -> None:
    listing, card = _shared(flow, make_card)
    booking = _book(flow, "hs_jb", listing, 1).json()
    bid = booking["id"]

    def post(user: str, action: str, body: Any = None) -> Any:
        return flow.api.post(f"/api/v1/bookings/{bid}/{action}", json=body,
                             headers=flow.auth(user))  # fmt: skip

    assert post("hs_jb", "approve").json()["error"]["code"] == "BOOKING_NOT_YOUR_SIDE"
    early = post("hd_jb", "confirm", {"step": "handover", "condition_note": "完好"})
    assert early.json()["error"]["code"] == "BOOKING_STEP_NOT_ALLOWED"
    assert post("hd_jb", "approve").json()["state"] == "approved"
    photo = flow.api.post(
        f"/api/v1/bookings/{bid}/photos", data={"step": "handover"},
        files={"file": ("a.jpg", _jpeg_photo(901), "image/jpeg")}, headers=flow.auth("hd_jb"),
    )  # fmt: skip
    assert photo.status_code == 201, photo.text
    big = flow.api.post(
        f"/api/v1/bookings/{bid}/photos",
        files={"file": ("b.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024), "image/jpeg")},
        headers=flow.auth("hd_jb"),
    )
    assert big.json()["error"]["code"] == "PHOTO_TOO_LARGE"
    one = post("hd_jb", "confirm", {"step": "handover", "condition_note": "外观完好，配件齐全"})
    assert one.json()["state"] == "approved"  # the borrower has not confirmed yet
    again = post("hd_jb", "confirm", {"step": "handover", "condition_note": "完好"})
    assert again.json()["error"]["code"] == "BOOKING_ALREADY_CONFIRMED"
    both = post("hs_jb", "confirm", {"step": "handover", "condition_note": "已收到，完好"})
    assert both.json()["state"] == "handed_over"
    # the other side sees the owner's photo (without metadata)
    shown = flow.api.get(f"/api/v1/bookings/{bid}/photos/{photo.json()['id']}",
                         headers=flow.auth("hs_jb"))  # fmt: skip
    assert shown.status_code == 200
    assert shown.content.startswith(b"\xff\xd8")
    # no sensor on the card: the booking says so rather than showing zero use
    assert post("hs_jb", "confirm", {"step": "return", "condition_note": "归还"}).status_code == 200
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("insert into sensors (sensor_id, kind) values ('S-BOOK-1', 'photo')")
        conn.execute(
            "insert into sensor_bindings (sensor_id, card_id, valid)"
            " values ('S-BOOK-1', %s, tstzrange(now() - interval '2 days', null))",
            (card,),
        )
        conn.execute(
            "insert into usage_hourly (card_id, hour, in_use_s, sessions, samples, coverage)"
            " values (%s, date_trunc('hour', now()), 1800, 2, 60, 1)",
            (card,),
        )
    done = post("hd_jb", "confirm", {"step": "return", "condition_note": "已收回，完好"}).json()
    assert done["state_text"] == "已归还"
    assert [(c["step"], c["side"]) for c in done["confirmations"]] == [
        ("handover", "owner"), ("handover", "borrower"), ("return", "borrower"),
        ("return", "owner"),
    ]  # fmt: skip
    usage = done["usage"]
    assert usage["has_sensors"] is True
    assert usage["in_use_hours"] == 0.5
    assert usage["sessions"] == 2
