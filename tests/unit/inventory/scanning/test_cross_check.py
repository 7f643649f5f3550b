"""Cross-checking raw reads: what one decoder alone may report, and how contradictions end."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assetpulse.inventory.labels import encode_label
from assetpulse.inventory.scanning.checks import (
    RawRead,
    cross_check,
    gtin_check_ok,
    overlap,
    plausible,
    self_vouching,
)
from assetpulse.inventory.scanning.model import Symbology

BOX = ((10.0, 10.0), (110.0, 10.0), (110.0, 60.0), (10.0, 60.0))
FAR = ((400.0, 300.0), (500.0, 300.0), (500.0, 350.0), (400.0, 350.0))
EAN = "9780764544200"
EAN_OTHER = "5030159003930"


def read(text: str, sym: Symbology, engine: str, points=BOX) -> RawRead:
    return RawRead(text, sym, points, engine)


def test_cross_check_when_ean_from_one_engine_then_pending_not_reported() -> None:
    verdict = cross_check([read(EAN, Symbology.EAN13, "zxingcpp")])
    assert verdict.accepted == ()
    assert [r.text for r in verdict.pending] == [EAN]


def test_cross_check_when_two_engines_agree_on_ean_then_reported_once() -> None:
    verdict = cross_check(
        [read(EAN, Symbology.EAN13, "zxingcpp"), read(EAN, Symbology.EAN13, "pyzbar")]
    )
    assert [r.text for r in verdict.accepted] == [EAN]
    assert not verdict.conflicted


def test_cross_check_when_same_engine_repeats_ean_then_still_not_reported() -> None:
    # one decoder repeats its own misread on every image variant: not independent
    verdict = cross_check([read(EAN, Symbology.EAN13, "pyzbar")] * 4)
    assert verdict.accepted == ()


def test_cross_check_when_reads_of_one_place_disagree_two_to_one_then_nothing_reported() -> None:
    verdict = cross_check(
        [
            read(EAN, Symbology.EAN13, "zxingcpp"),
            read(EAN, Symbology.EAN13, "pyzbar"),
            read(EAN_OTHER, Symbology.EAN13, "opencv"),
        ]
    )
    assert verdict.accepted == ()
    assert verdict.conflicted


def test_cross_check_when_one_engine_contradicts_itself_then_the_other_engine_decides() -> None:
    # pyzbar read both texts at one place; zxing only the first: pyzbar's votes cancel out
    verdict = cross_check(
        [
            read(EAN, Symbology.EAN13, "zxingcpp"),
            read(EAN, Symbology.EAN13, "pyzbar"),
            read(EAN_OTHER, Symbology.EAN13, "pyzbar"),
        ]
    )
    assert [r.text for r in verdict.accepted] == [EAN]
    assert not verdict.conflicted


def test_cross_check_when_both_texts_have_two_engines_then_nothing_reported() -> None:
    verdict = cross_check(
        [
            read(EAN, Symbology.EAN13, "zxingcpp"),
            read(EAN, Symbology.EAN13, "pyzbar"),
            read(EAN_OTHER, Symbology.EAN13, "pyzbar"),
            read(EAN_OTHER, Symbology.EAN13, "opencv"),
        ]
    )
    assert verdict.accepted == ()
    assert verdict.conflicted


def test_cross_check_when_all_engines_outvote_one_misread_then_majority_reported() -> None:
    verdict = cross_check(
        [
            read(EAN_OTHER, Symbology.EAN13, "zxingcpp"),
            read(EAN, Symbology.EAN13, "zxingcpp"),
            read(EAN, Symbology.EAN13, "pyzbar"),
            read(EAN, Symbology.EAN13, "opencv"),
        ]
    )
    assert [r.text for r in verdict.accepted] == [EAN]
    assert not verdict.conflicted


def test_cross_check_when_same_texts_in_different_places_then_no_conflict() -> None:
    verdict = cross_check(
        [
            read(EAN, Symbology.EAN13, "zxingcpp"),
            read(EAN, Symbology.EAN13, "pyzbar"),
            read(EAN_OTHER, Symbology.EAN13, "zxingcpp", FAR),
            read(EAN_OTHER, Symbology.EAN13, "opencv", FAR),
        ]
    )
    assert sorted(r.text for r in verdict.accepted) == sorted([EAN, EAN_OTHER])


def test_cross_check_when_qr_beside_barcode_overlaps_then_both_reported() -> None:
    payload = encode_label("HD-2024-0001")
    verdict = cross_check(
        [read(payload, Symbology.QR, "zxingcpp"), read(payload + "X", Symbology.CODE128, "pyzbar")]
    )
    assert len(verdict.accepted) == 2


def test_cross_check_when_two_strong_reads_disagree_then_neither_reported() -> None:
    verdict = cross_check(
        [read("ABC-1", Symbology.CODE128, "zxingcpp"), read("ABC-7", Symbology.CODE128, "pyzbar")]
    )
    assert verdict.accepted == ()
    assert verdict.conflicted


def test_cross_check_when_label_payload_in_code39_from_one_engine_then_reported() -> None:
    payload = encode_label("HD-2024-0001")
    assert [r.text for r in cross_check([read(payload, Symbology.CODE39, "pyzbar")]).accepted] == [
        payload
    ]
    damaged = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    assert cross_check([read(damaged, Symbology.CODE39, "pyzbar")]).accepted == ()


def test_cross_check_when_zbar_drops_code128_fnc4_then_extended_text_reported() -> None:
    verdict = cross_check(
        [
            read("óó12ab", Symbology.CODE128, "zxingcpp"),
            read("ss12ab", Symbology.CODE128, "pyzbar"),
        ]
    )
    assert [r.text for r in verdict.accepted] == ["óó12ab"]


@pytest.mark.parametrize(
    ("text", "sym", "ok"),
    [
        (EAN, Symbology.EAN13, True),
        ("9780764544201", Symbology.EAN13, False),  # check digit wrong
        ("978076454420", Symbology.EAN13, False),
        ("96385074", Symbology.EAN8, True),
        ("96385075", Symbology.EAN8, False),
        ("30712345000010", Symbology.ITF, True),
        ("3071234", Symbology.ITF, False),  # ITF encodes digit pairs
        ("1234", Symbology.ITF, False),  # fragments of longer codes
        ("MOROVIA", Symbology.CODE39, True),
        ("morovia", Symbology.CODE39, False),
        ("", Symbology.QR, False),
        ("漢字", Symbology.CODE128, False),
    ],
)
def test_plausible_when_text_checked_against_symbology_then_expected(
    text: str, sym: Symbology, ok: bool
) -> None:
    assert plausible(read(text, sym, "zxingcpp")) is ok


def test_gtin_check_ok_when_known_numbers_then_verified() -> None:
    assert gtin_check_ok("4006381333931")
    assert not gtin_check_ok("4006381333932")
    assert not gtin_check_ok("４００６３８１３３３９３１")


PLACES = [BOX, FAR, ((90.0, 40.0), (200.0, 40.0), (200.0, 90.0), (90.0, 90.0))]
TEXTS = [
    (EAN, Symbology.EAN13),
    (EAN_OTHER, Symbology.EAN13),
    ("MOROVIA", Symbology.CODE39),
    ("30712345000010", Symbology.ITF),
    ("ABC-1", Symbology.CODE128),
    ("ABC-7", Symbology.CODE128),
    (encode_label("HD-2024-0001"), Symbology.CODE39),
    ("hello", Symbology.QR),
]
raw_reads = st.builds(
    lambda t, engine, place: read(t[0], t[1], engine, place),
    st.sampled_from(TEXTS),
    st.sampled_from(["zxingcpp", "pyzbar", "opencv"]),
    st.sampled_from(PLACES),
)


@given(st.lists(raw_reads, max_size=12))
def test_cross_check_when_any_reads_then_accepted_ones_are_vouched_and_consistent(reads) -> None:
    verdict = cross_check(reads)
    for accepted in verdict.accepted:
        same = [r for r in reads if (r.text, r.symbology) == (accepted.text, accepted.symbology)]
        engines = {r.engine for r in same}
        assert self_vouching(accepted) or len(engines) >= 2
    # never two different texts reported for one place of the same kind
    for a in verdict.accepted:
        for b in verdict.accepted:
            if a.text != b.text and (a.symbology is Symbology.QR) == (b.symbology is Symbology.QR):
                assert not overlap(a.points, b.points)
