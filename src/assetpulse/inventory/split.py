"""拆分: the arithmetic of splitting one card into several (pure).

The parts' quantities (and areas, when the card has an area) must add up exactly to the
original's; values are split in proportion to quantity (or area), with the rounding cent
going to the last part so that the totals stay equal to the original's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from assetpulse.inventory.rules import CHANGEABLE_STATUSES

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class SplitPart:
    status: str
    shareable: bool
    quantity: Decimal | None = None
    area: Decimal | None = None
    name: str | None = None
    location: str | None = None
    department_id: int | None = None


@dataclass(frozen=True, slots=True)
class Original:
    quantity: Decimal | None
    area: Decimal | None
    original_value: Decimal | None
    net_value: Decimal | None


@dataclass(frozen=True, slots=True)
class SplitPlan:
    parts: tuple[SplitPart, ...]
    original_values: tuple[Decimal | None, ...]
    net_values: tuple[Decimal | None, ...]


class SplitRejectedError(ValueError):
    """Why the split cannot be made, in Chinese for the user."""


def _sum(values: Sequence[Decimal | None]) -> Decimal:
    return sum((v or Decimal(0) for v in values), Decimal(0))


def _share(total: Decimal | None, weights: Sequence[Decimal]) -> tuple[Decimal | None, ...]:
    if total is None:
        return tuple(None for _ in weights)
    whole = sum(weights, Decimal(0))
    out: list[Decimal] = []
    for w in weights[:-1]:
        out.append((total * w / whole).quantize(CENT, rounding=ROUND_HALF_UP))
    out.append(total - sum(out, Decimal(0)))
    return tuple(out)


def plan_split(original: Original, parts: Sequence[SplitPart]) -> SplitPlan:
    if len(parts) < 2:
        raise SplitRejectedError("拆分至少需要两张新卡片。")
    for i, part in enumerate(parts, start=1):
        if part.status not in {s.value for s in CHANGEABLE_STATUSES}:
            raise SplitRejectedError(
                f"第 {i} 张新卡片的资产状态无效：拆分后只能是在用、闲置、待处置等。"
            )
    weights: list[Decimal]
    if original.area is not None and original.area > 0:
        areas = [p.area for p in parts]
        if any(a is None or a <= 0 for a in areas):
            raise SplitRejectedError("原卡片按面积登记，每张新卡片都须填写大于 0 的面积。")
        if _sum(areas) != original.area:
            raise SplitRejectedError(
                f"新卡片面积合计 {_sum(areas)} 与原卡片面积 {original.area} 不一致，请调整。"
            )
        weights = [a for a in areas if a is not None]
    else:
        quantities = [p.quantity for p in parts]
        if original.quantity is None or original.quantity <= 0:
            raise SplitRejectedError("原卡片没有数量或面积，不能拆分。")
        if any(q is None or q <= 0 for q in quantities):
            raise SplitRejectedError("每张新卡片都须填写大于 0 的数量。")
        if _sum(quantities) != original.quantity:
            raise SplitRejectedError(
                f"新卡片数量合计 {_sum(quantities)} 与原卡片数量 {original.quantity}"
                " 不一致，请调整。"
            )
        weights = [q for q in quantities if q is not None]
    return SplitPlan(
        parts=tuple(parts),
        original_values=_share(original.original_value, weights),
        net_values=_share(original.net_value, weights),
    )
