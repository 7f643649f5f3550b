"""Label payloads: round trip, check characters, URL form, never guessing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assetpulse.inventory.labels import (
    InvalidAssetCodeError,
    encode_label,
    label_url,
    parse_label,
)
from assetpulse.inventory.labels.payload import ALPHABET

asset_codes = st.text(alphabet=ALPHABET, min_size=4, max_size=40)


@given(asset_codes)
def test_encode_label_when_parsed_then_gives_asset_code_back(code: str) -> None:
    payload = encode_label(code)
    assert payload.isascii()
    assert parse_label(payload) == code
    assert parse_label(f"https://assets.example.gov.cn/a/{payload}") == code


@given(asset_codes, st.data())
def test_parse_label_when_one_character_changed_then_rejected(
    code: str, data: st.DataObject
) -> None:
    payload = encode_label(code)
    i = data.draw(st.integers(0, len(payload) - 1))
    replacement = data.draw(st.sampled_from(ALPHABET + ".").filter(lambda c: c != payload[i]))
    assert parse_label(payload[:i] + replacement + payload[i + 1 :]) is None


@given(asset_codes, st.data())
def test_parse_label_when_two_characters_swapped_then_rejected(
    code: str, data: st.DataObject
) -> None:
    payload = encode_label(code)
    i = data.draw(st.integers(0, len(payload) - 2))
    j = data.draw(st.integers(i + 1, len(payload) - 1).filter(lambda j: payload[j] != payload[i]))
    chars = list(payload)
    chars[i], chars[j] = chars[j], chars[i]
    assert parse_label("".join(chars)) is None


def test_parse_label_when_every_adjacent_swap_of_long_code_then_all_rejected() -> None:
    payload = encode_label("Z-" * 19 + "9A")
    for i in range(len(payload) - 1):
        if payload[i] != payload[i + 1]:
            swapped = payload[:i] + payload[i + 1] + payload[i] + payload[i + 2 :]
            assert parse_label(swapped) is None, swapped


def test_encode_label_when_same_code_then_same_payload_forever() -> None:
    # pinned: printed labels must stay valid across releases
    assert encode_label("HD-2024-0001") == "AP1.HD-2024-0001-D"
    assert encode_label("0000") == "AP1.000000"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "HD-2024-0001",  # a bare asset code carries no check: not a label
        "ap1.hd-2024-0001-d",  # wrong case is not silently fixed
        "AP1.HD-2024-0001-E",
        "AP2.HD-2024-0001-D",
        "AP1.HD-2024-0001-D?x=1",
        "https://x.example/b/AP1.HD-2024-0001-D",
        "https://x.example/a/AP1.HD-2024-0001-D#frag",
        "ftp://x.example/a/AP1.HD-2024-0001-D",
        "AP1.ABC",
        "AP1.HD-2024-０001-D",
    ],
)
def test_parse_label_when_not_a_valid_payload_then_none(text: str) -> None:
    assert parse_label(text) is None


def test_parse_label_when_surrounded_by_scanner_whitespace_then_accepted() -> None:
    assert parse_label(" AP1.HD-2024-0001-D\r\n") == "HD-2024-0001"


@pytest.mark.parametrize("code", ["abc1", "AB1", "A" * 41, "HD_2024", "资产0001", "HD 2024"])
def test_encode_label_when_not_an_asset_code_then_raises(code: str) -> None:
    with pytest.raises(InvalidAssetCodeError):
        encode_label(code)


def test_label_url_when_base_has_path_then_parses_back() -> None:
    url = label_url("HD-2024-0001", "https://assets.example.gov.cn/hainan/")
    assert url == "https://assets.example.gov.cn/hainan/a/AP1.HD-2024-0001-D"
    assert parse_label(url) == "HD-2024-0001"


@pytest.mark.parametrize("code", ["0000", "HD-2024-0001", "Z9-" * 13 + "X", "A" + "-" * 39])
def test_parse_label_when_every_substitution_and_swap_tried_then_only_original_valid(
    code: str,
) -> None:
    payload = encode_label(code)
    for i, original in enumerate(payload):
        for ch in ALPHABET + ".":
            if ch != original:
                assert parse_label(payload[:i] + ch + payload[i + 1 :]) is None
    for i in range(len(payload)):
        for j in range(i + 1, len(payload)):
            if payload[i] != payload[j]:
                chars = list(payload)
                chars[i], chars[j] = chars[j], chars[i]
                assert parse_label("".join(chars)) is None, (i, j)
