"""Split arithmetic, change-set rules and photo checks (pure)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assetpulse.inventory.photo_check import PhotoRejectedError, check_photo, sniff
from assetpulse.inventory.rules import adjustable, check_changes, shareable_now
from assetpulse.inventory.split import Original, SplitPart, SplitRejectedError, plan_split

D = Decimal


def test_split_quantities_must_add_up_exactly() -> None:
    original = Original(D(10), None, D(1000), D(500))
    with pytest.raises(SplitRejectedError, match="不一致"):
        plan_split(original, [SplitPart("idle", False, D(3)), SplitPart("in_use", True, D(6))])


def test_split_by_area_when_card_has_area() -> None:
    original = Original(D(1), D("120.50"), D(100000), None)
    plan = plan_split(
        original,
        [SplitPart("idle", True, area=D("80.25")), SplitPart("in_use", False, area=D("40.25"))],
    )
    assert plan.original_values == (D("66597.51"), D("33402.49"))
    assert plan.net_values == (None, None)


def test_split_needs_two_parts_and_valid_status() -> None:
    with pytest.raises(SplitRejectedError):
        plan_split(Original(D(2), None, None, None), [SplitPart("idle", False, D(2))])
    with pytest.raises(SplitRejectedError):
        plan_split(
            Original(D(2), None, None, None),
            [SplitPart("disposed", False, D(1)), SplitPart("idle", False, D(1))],
        )


@given(
    total=st.decimals(min_value=0, max_value=10**9, places=2),
    weights=st.lists(st.integers(min_value=1, max_value=1000), min_size=2, max_size=12),
)
def test_split_values_always_sum_to_original(total: Decimal, weights: list[int]) -> None:
    parts = [SplitPart("in_use", False, D(w)) for w in weights]
    plan = plan_split(Original(D(sum(weights)), None, total, total), parts)
    assert sum(plan.original_values, D(0)) == total  # type: ignore[arg-type]
    assert all(v is not None and v >= -D("0.01") * len(weights) for v in plan.original_values)


def test_change_rules_refuse_unknown_fields_and_ending_statuses() -> None:
    assert check_changes({"status": "idle", "shareable": True}) == []
    fields = {
        p.field for p in check_changes({"unit_id": 3, "status": "disposed", "shareable": "yes"})
    }
    assert fields == {"unit_id", "status", "shareable"}
    assert check_changes({})
    assert check_changes({"quantity": "-1"})
    assert check_changes({"photo_id": None})


def test_publish_eligibility_needs_photo_and_right_status() -> None:
    assert adjustable("idle", True)
    assert adjustable("pending_disposal", True)
    assert not adjustable("idle", False)
    assert not adjustable("in_use", True)
    assert shareable_now("in_use", True, True)
    assert not shareable_now("disposed", True, True)
    assert not shareable_now("in_use", True, False)


def test_photo_type_comes_from_bytes() -> None:
    assert sniff(b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert sniff(b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"GIF89a") is None
    checked = check_photo(b"\x89PNG\r\n\x1a\n" + b"x" * 10)
    assert checked.byte_size == 18
    assert len(checked.sha256) == 64
    with pytest.raises(PhotoRejectedError) as err:
        check_photo(b"\xff\xd8\xff" + b"0" * 100, max_bytes=50)
    assert err.value.code == "PHOTO_TOO_LARGE"
