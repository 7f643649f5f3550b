"""Authorisation scoping rules (pure): who sees and does what with a unit's cards."""

from __future__ import annotations

import pytest

from assetpulse.org.principal import Principal
from assetpulse.org.scope import (
    CardFacts,
    can_operate_card,
    can_read_card,
    can_review_change,
    card_read_scope,
    region_prefix,
)

HD, HS, EDU, SY_EDU = 10, 20, 5, 6
D1, D2 = 11, 12


def who(
    uid: int,
    unit: int,
    kind: str,
    roles: tuple[str, ...],
    *,
    dept=None,
    region="460100",
    utype="003",
) -> Principal:
    return Principal(uid, f"u{uid}", "x", unit, kind, dept, region, utype, frozenset(roles))


OPERATOR = who(1, HD, "unit", ("operator",))
REVIEWER = who(2, HD, "unit", ("reviewer",))
ASSET_USER = who(3, HD, "unit", ("asset_user",), dept=D1)
OTHER_OPERATOR = who(4, HS, "unit", ("operator",))
COMPETENT = who(5, EDU, "competent", ("reviewer",), region="460000")
OTHER_COMPETENT = who(6, SY_EDU, "competent", ("reviewer",), region="460200")
FINANCE = who(7, 1, "finance", ("reviewer",), region="460000", utype="002")
CITY_FINANCE = who(8, 2, "finance", ("reviewer",), region="460200", utype="002")

CARD_D1 = CardFacts(unit_id=HD, unit_parent_id=EDU, unit_region_code="460100", department_id=D1)
CARD_D2 = CardFacts(unit_id=HD, unit_parent_id=EDU, unit_region_code="460100", department_id=D2)
CARD_D2_HELD = CardFacts(HD, EDU, "460100", department_id=D2, user_id=3)


@pytest.mark.parametrize(
    ("code", "prefix"),
    [("460000", "46"), ("460100", "4601"), ("469001", "469001"), ("100000", "10")],
)
def test_region_prefix_strips_trailing_zero_pairs(code: str, prefix: str) -> None:
    assert region_prefix(code) == prefix


@pytest.mark.parametrize(
    ("principal", "card", "visible"),
    [
        (OPERATOR, CARD_D1, True),
        (REVIEWER, CARD_D2, True),
        (ASSET_USER, CARD_D1, True),
        (ASSET_USER, CARD_D2, False),
        (ASSET_USER, CARD_D2_HELD, True),  # held by them, though booked elsewhere
        (OTHER_OPERATOR, CARD_D1, False),
        (COMPETENT, CARD_D1, True),
        (OTHER_COMPETENT, CARD_D1, False),
        (FINANCE, CARD_D1, True),
        (CITY_FINANCE, CARD_D1, False),
    ],
)
def test_card_visibility_follows_unit_department_and_region(principal, card, visible) -> None:
    assert can_read_card(principal, card) is visible


def test_only_operator_of_own_unit_operates_cards() -> None:
    assert can_operate_card(OPERATOR, CARD_D1)
    for p in (REVIEWER, ASSET_USER, OTHER_OPERATOR, COMPETENT, FINANCE):
        assert not can_operate_card(p, CARD_D1)


def test_reviewer_of_own_unit_reviews_but_never_own_proposal() -> None:
    assert can_review_change(REVIEWER, CARD_D1, proposer_id=OPERATOR.user_id)
    assert not can_review_change(REVIEWER, CARD_D1, proposer_id=REVIEWER.user_id)
    assert not can_review_change(OPERATOR, CARD_D1, proposer_id=99)
    assert not can_review_change(COMPETENT, CARD_D1, proposer_id=OPERATOR.user_id)
    assert not can_review_change(FINANCE, CARD_D1, proposer_id=OPERATOR.user_id)


def test_user_of_unknown_kind_sees_nothing() -> None:
    stranger = who(9, HD, "unit", ())
    assert card_read_scope(stranger).nothing
    assert not can_read_card(stranger, CARD_D1)
