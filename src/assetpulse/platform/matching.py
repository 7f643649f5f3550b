"""Demand matching (需求撮合, beyond the manual) — pure.

For a live demand, rank listed and suggested assets that fit it; for a listed asset, rank
the demands it could serve. A candidate fits when its kind is the demand's type (调剂 /
共享), its asset class shares at least the top class (A02 设备 …) with the demand's, and
the demand has not ended. The score weighs category closeness (half), region (a quarter:
same fiscal region, same province, elsewhere) and whether the quantity / area covers the
demand (a quarter); each match carries its reasons in Chinese.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Demand:
    demand_type: str
    category_code: str | None
    region_code: str
    quantity: Decimal | None
    area: Decimal | None
    end_date: dt.date | None


@dataclass(frozen=True, slots=True)
class Supply:
    kind: str
    category_code: str | None
    region_code: str
    quantity: Decimal | None
    area: Decimal | None


@dataclass(frozen=True, slots=True)
class Match:
    score: float
    reasons: tuple[str, ...]


def _category(demand: str | None, supply: str | None) -> float | None:
    if not demand or not supply:
        return 0.5
    if demand[:3] != supply[:3]:
        return None
    shared = 0
    for a, b in zip(demand, supply, strict=False):
        if a != b:
            break
        shared += 1
    return min(1.0, shared / len(demand))


def _cover(need: Decimal | None, have: Decimal | None) -> float | None:
    if need is None or have is None or need == 0:
        return None
    return float(min(Decimal(1), have / need))


def score(demand: Demand, supply: Supply, today: dt.date) -> Match | None:
    """How well ``supply`` fits ``demand`` in [0, 1], or None when it does not fit at all."""
    if demand.demand_type != supply.kind:
        return None
    if demand.end_date is not None and demand.end_date < today:
        return None
    cat = _category(demand.category_code, supply.category_code)
    if cat is None:
        return None
    reasons = [f"资产分类匹配度 {cat:.0%}"]
    if demand.region_code == supply.region_code:
        region, why = 1.0, "同一财政区划"
    elif demand.region_code[:2] == supply.region_code[:2]:
        region, why = 0.6, "同省"
    else:
        region, why = 0.2, "跨省"
    reasons.append(why)
    covers = [c for c in (_cover(demand.quantity, supply.quantity),
                          _cover(demand.area, supply.area)) if c is not None]  # fmt: skip
    amount = max(covers) if covers else 0.5
    reasons.append(f"数量/面积满足 {amount:.0%}" if covers else "数量/面积未注明")
    total = 0.5 * cat + 0.25 * region + 0.25 * amount
    return Match(round(total, 4), tuple(reasons))
