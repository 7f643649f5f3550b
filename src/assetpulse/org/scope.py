"""Authorisation scoping (数据权限): which cards and tasks a principal may see or act on.

Pure rules over the principal and a few facts about the thing (its unit, the unit's parent
and region, department, user); adapters load those facts and turn a ``ReadScope`` into SQL.

- 预算单位 (unit) users: operators (经办岗) propose and run card business, reviewers (审核岗)
  approve; both see every card of their own unit.
- 资产使用人 (asset_user): sees the cards of their own department, or only their own cards
  when they have no department; never writes cards directly.
- 主管部门 (competent) users: read the cards of the units below them.
- 财政用户 (user type 002): read the cards of their fiscal region (a province code covers
  its cities and counties); they never write a unit's cards.
"""

from __future__ import annotations

from dataclasses import dataclass

from assetpulse.org.principal import Principal, Role


@dataclass(frozen=True, slots=True)
class CardFacts:
    """What the rules need to know about a card (or any thing owned by a unit)."""

    unit_id: int
    unit_parent_id: int | None
    unit_region_code: str
    department_id: int | None = None
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class ReadScope:
    """A filter the adapter turns into SQL; the fields that are set all restrict.

    ``unit_id`` with ``department_id``/``user_id``: an asset user's part of a unit.
    ``parent_unit_id``: units directly below a competent department (and that unit itself).
    ``region_prefix``: finance users' region. ``nothing``: no rows at all.
    """

    unit_id: int | None = None
    department_id: int | None = None
    user_id: int | None = None
    parent_unit_id: int | None = None
    region_prefix: str | None = None
    nothing: bool = False


def region_prefix(region_code: str) -> str:
    """The code prefix a region covers: 460000 → "46", 460100 → "4601", 469001 → itself."""
    code = region_code
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def _is_unit_staff(p: Principal) -> bool:
    return p.unit_kind == "unit" and (p.has_role(Role.OPERATOR) or p.has_role(Role.REVIEWER))


def card_read_scope(p: Principal) -> ReadScope:
    """The cards a principal may list."""
    if p.is_finance:
        return ReadScope(region_prefix=region_prefix(p.region_code))
    if p.unit_kind == "competent":
        return ReadScope(parent_unit_id=p.unit_id)
    if p.unit_kind == "unit":
        if _is_unit_staff(p) or p.has_role(Role.ADMIN):
            return ReadScope(unit_id=p.unit_id)
        if p.has_role(Role.ASSET_USER):
            if p.department_id is not None:
                return ReadScope(unit_id=p.unit_id, department_id=p.department_id)
            return ReadScope(unit_id=p.unit_id, user_id=p.user_id)
    return ReadScope(nothing=True)


def can_read_card(p: Principal, card: CardFacts) -> bool:
    s = card_read_scope(p)
    if s.nothing:
        return False
    if s.region_prefix is not None:
        return card.unit_region_code.startswith(s.region_prefix)
    if s.parent_unit_id is not None:
        return s.parent_unit_id in (card.unit_id, card.unit_parent_id)
    if s.unit_id != card.unit_id:
        return False
    if s.department_id is not None:
        return card.department_id == s.department_id or card.user_id == p.user_id
    if s.user_id is not None:
        return card.user_id == s.user_id
    return True


def can_operate_card(p: Principal, card: CardFacts) -> bool:
    """经办岗 of the card's own unit: propose changes, recall, split, return, dispose."""
    return (
        not p.is_finance
        and p.unit_kind == "unit"
        and p.unit_id == card.unit_id
        and p.has_role(Role.OPERATOR)
    )


def can_create_cards(p: Principal) -> bool:
    return not p.is_finance and p.unit_kind == "unit" and p.has_role(Role.OPERATOR)


def can_administer(p: Principal) -> bool:
    """单位管理员 of a budget unit: imports of registers, sensors."""
    return not p.is_finance and p.unit_kind == "unit" and p.has_role(Role.ADMIN)


def can_review_change(p: Principal, card: CardFacts, proposer_id: int) -> bool:
    """审核岗 of the card's own unit, and never the one who proposed (four eyes)."""
    return (
        not p.is_finance
        and p.unit_kind == "unit"
        and p.unit_id == card.unit_id
        and p.has_role(Role.REVIEWER)
        and p.user_id != proposer_id
    )


def can_manage_stocktake(p: Principal, unit_id: int) -> bool:
    """Create tasks, hand them down, apply results: the unit's operators."""
    return p.unit_kind == "unit" and p.unit_id == unit_id and p.has_role(Role.OPERATOR)


def can_see_whole_stocktake(p: Principal, unit_id: int) -> bool:
    return p.unit_kind == "unit" and p.unit_id == unit_id and _is_unit_staff(p)
