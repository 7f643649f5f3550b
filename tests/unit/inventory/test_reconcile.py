"""盘点 reconciliation (pure): found, not yet scanned or missing, surplus, wrong place,
status differs, cards that left the book."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from assetpulse.inventory.labels.payload import encode_label
from assetpulse.inventory.stocktake.codes import asset_code_of, split_paste
from assetpulse.inventory.stocktake.reconcile import (
    BookEntry,
    KnownCard,
    LeftBook,
    Sighting,
    SurplusReason,
    reconcile,
)

T0 = datetime(2026, 5, 1, 9, tzinfo=UTC)
UNIT, OTHER = 1, 2
D1, D2 = 11, 12

BOOK = [
    BookEntry(1, "HD-0001", "电脑", D1, "主楼101", "in_use"),
    BookEntry(2, "HD-0002", "打印机", D1, "主楼101", "in_use"),
    BookEntry(3, "HD-0003", "投影仪", D2, "后勤楼", "idle"),
    BookEntry(4, "HD-0004", "椅子", D2, None, "in_use"),
]


def seen(
    i: int, code: str | None, *, raw=None, minutes=0, dept=None, loc=None, status=None
) -> Sighting:
    return Sighting(i, raw or code or "?", code, T0 + timedelta(minutes=minutes), dept, loc, status)


def test_reconcile_classifies_every_kind_of_finding() -> None:
    sightings = [
        seen(1, "HD-0001", dept=D1, loc="主楼 101"),  # same place, spacing differs
        seen(2, "HD-0003", dept=D1, loc="物理楼"),  # another department: moved
        seen(3, "HD-0004", dept=D2, status="idle"),  # status differs
        seen(4, "HS-0001"),  # another unit's card
        seen(5, "ZZ-9999"),  # on nobody's book
        seen(6, "HD-0100"),  # this unit's, outside the task
        seen(7, None, raw="hello world"),
    ]
    known = {"HS-0001": KnownCard(50, OTHER), "HD-0100": KnownCard(60, UNIT)}
    r = reconcile(BOOK, sightings, unit_id=UNIT, known_elsewhere=known)
    assert [f.entry.asset_code for f in r.found] == ["HD-0001", "HD-0003", "HD-0004"]
    assert [f.entry.asset_code for f in r.not_scanned] == ["HD-0002"]  # 未盘: task open
    assert r.missing == ()
    assert [f.entry.asset_code for f in r.moved] == ["HD-0003"]
    assert [f.entry.asset_code for f in r.status_differs] == ["HD-0004"]
    reasons = {(s.raw_code, s.reason) for s in r.surplus}
    assert reasons == {
        ("HS-0001", SurplusReason.OTHER_UNIT),
        ("ZZ-9999", SurplusReason.UNKNOWN_CODE),
        ("HD-0100", SurplusReason.OUTSIDE_TASK),
        ("hello world", SurplusReason.UNREADABLE),
    }
    assert r.summary() == {
        "booked": 4,
        "left_book": 0,
        "expected": 4,
        "found": 3,
        "not_scanned": 1,
        "missing": 0,
        "surplus": 4,
        "moved": 1,
        "status_differs": 1,
        "percent_done": 75,
    }
    assert r.by_department[D1] == {
        "expected": 2,
        "found": 1,
        "not_scanned": 1,
        "missing": 0,
        "moved": 0,
        "status_differs": 0,
    }
    moved = r.moved[0].proposed_changes()
    assert moved == {"department_id": D1, "location": "物理楼"}
    assert r.status_differs[0].proposed_changes() == {"status": "idle"}


def test_latest_sighting_wins_regardless_of_arrival_order() -> None:
    sightings = [
        seen(2, "HD-0001", minutes=30, loc="主楼101"),  # synced first, scanned later
        seen(1, "HD-0001", minutes=0, loc="仓库"),
    ]
    r = reconcile(BOOK[:1], sightings, unit_id=UNIT, known_elsewhere={})
    assert not r.found[0].moved
    assert r.found[0].scans == 2


def test_reconcile_when_task_closed_then_unscanned_is_missing_and_left_cards_say_why() -> None:
    gone = LeftBook(BookEntry(5, "HD-0005", "旧电脑", D1, None, "disposed"), T0)
    sightings = [seen(1, "HD-0001"), seen(2, "HD-0005")]
    r = reconcile(BOOK, sightings, unit_id=UNIT, known_elsewhere={}, closed=True, left=[gone])
    assert [f.entry.asset_code for f in r.missing] == ["HD-0002", "HD-0003", "HD-0004"]
    assert r.not_scanned == ()
    assert r.surplus == ()  # a scan of a card that left the book is no 盘盈
    s = r.summary()
    assert (s["booked"], s["left_book"], s["expected"], s["missing"]) == (5, 1, 4, 3)
    assert r.left_book[0].reason == "盘点期间已处置"
    assert r.by_department[D2]["missing"] == 2


def test_repeated_surplus_code_is_kept_once_with_its_count() -> None:
    r = reconcile(
        [], [seen(1, "ZZ-0001"), seen(2, "ZZ-0001", minutes=5)], unit_id=UNIT, known_elsewhere={}
    )
    assert len(r.surplus) == 1
    assert r.surplus[0].scans == 2
    assert r.surplus[0].last_seen - r.surplus[0].first_seen == timedelta(minutes=5)


@given(
    st.lists(st.sampled_from(["HD-0001", "HD-0002", "HD-0003", "HD-0004", "XX-0001"]), max_size=30)
)
def test_every_book_entry_is_found_or_missing_and_nothing_read_is_lost(codes: list[str]) -> None:
    sightings = [seen(i, c, minutes=i) for i, c in enumerate(codes)]
    r = reconcile(BOOK, sightings, unit_id=UNIT, known_elsewhere={})
    assert len(r.found) + len(r.not_scanned) == len(BOOK)
    surplus_scans = sum(s.scans for s in r.surplus)
    found_scans = sum(f.scans for f in r.found)
    assert surplus_scans + found_scans == len(codes)


def test_codes_accept_payloads_urls_and_plain_codes_but_never_bad_checks() -> None:
    payload = encode_label("HD-0001")
    assert asset_code_of(payload) == "HD-0001"
    assert asset_code_of(f"https://assets.example.gov.cn/a/{payload}") == "HD-0001"
    assert asset_code_of(" hd-0001 ") == "HD-0001"
    broken = payload[:-1] + ("0" if payload[-1] != "0" else "1")
    assert asset_code_of(broken) is None
    assert asset_code_of("6901234567892") == "6901234567892"  # a plain code is a code
    assert asset_code_of("not a code!") is None
    assert split_paste("HD-0001\nHD-0002, HD-0003；HD-0004\t\n") == [
        "HD-0001",
        "HD-0002",
        "HD-0003",
        "HD-0004",
    ]
