"""Demand matching (需求撮合, beyond the manual) — pure.

For a live demand, rank listed and suggested assets that fit it; for a listed asset, rank
the demands it could serve. A candidate fits when its kind is the demand's type (调剂 /
共享), its asset class shares at least the top class (A02 设备 …) with the demand's, and
the demand has not ended. The score weighs category closeness (0.35), the names' words
(0.30), whether the quantity / area covers the demand (0.20) and region (0.15: same fiscal
region, same province, elsewhere); each match carries its reasons in Chinese.

Names are compared as sets of words cut by jieba (``rjieba``, the Rust jieba-rs: its
dictionary ships in the wheel, ~20 µs a name) in search mode, so that 台式计算机 also yields
计算机 and a 台式电脑 demand meets a 联想台式计算机 listing. Trigrams (pg_trgm) were measured
and refused: Chinese asset names are built of two-character words, so 台式电脑 and
联想台式计算机 share no trigram at all (similarity 0; bench/matching.py prints the
hand-labelled set's scores side by side). Similarity is the Dice coefficient of the two
sets, symmetric, so the demand's side and the asset's side see the same score; a side
without words (a caller that passes no names) counts 0.5, as a missing class does.

``store.matches`` ranks every candidate in scope with the same formula in SQL, over the
words stored in ``listing_terms`` (migration 4005); this module is the reference that
scores and explains the best of them. Changing ``terms`` (the stop words, the synonyms)
means a migration that queues every listing again (``listing_terms_pending``), so that
the stored words are cut anew.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal

import rjieba

WEIGHTS = {"category": 0.35, "text": 0.30, "amount": 0.20, "region": 0.15}

# words of the request, not of the asset: a 需要台式计算机 demand is about 台式计算机
_STOP = frozenset(
    [
        "需要",
        "需求",
        "急需",
        "求购",
        "采购",
        "申请",
        "一批",
        "若干",
        "用于",
        "用",
        "的",
        "和",
        "及",
        "与",
        "等",
        "或",
        "一台",
        "台",
        "套",
        "个",
        "件",
        "张",
        "把",
        "座",
        "部",
        "辆",
        "寸",
        "英寸",
        "匹",
        "型",
    ]
)
# colloquial names → the names of GB/T 14885 and of the cards (电脑 is 计算机 on a card)
_SYNONYMS = {
    "电脑": "计算机",
    "台式机": "台式计算机",
    "笔记本": "便携式计算机",
    "笔记本电脑": "便携式计算机",
    "投影仪": "投影机",
    "相机": "照相机",
    "ups": "不间断电源",
    "轿车": "乘用车",
    "小汽车": "乘用车",
}
_NOISE = re.compile(r"[\W_]+|\d+(\.\d+)?")


@dataclass(frozen=True, slots=True)
class Demand:
    demand_type: str
    category_code: str | None
    region_code: str
    quantity: Decimal | None
    area: Decimal | None
    end_date: dt.date | None
    terms: frozenset[str] = field(default=frozenset())


@dataclass(frozen=True, slots=True)
class Supply:
    kind: str
    category_code: str | None
    region_code: str
    quantity: Decimal | None
    area: Decimal | None
    terms: frozenset[str] = field(default=frozenset())


@dataclass(frozen=True, slots=True)
class Match:
    score: float
    reasons: tuple[str, ...]


def terms(text: str) -> frozenset[str]:
    """The words of an asset name or demand title, as matching compares them."""
    out: set[str] = set()
    for word in rjieba.cut(unicodedata.normalize("NFKC", text).lower()):
        word = word.strip()
        if not word or word in _STOP or _NOISE.fullmatch(word):
            continue
        word = _SYNONYMS.get(word, word)
        out.add(word)
        out.update(w for w in rjieba.cut_for_search(word) if len(w) >= 2)
    return frozenset(out)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice coefficient of two word sets: 1 for the same words, 0 for none shared."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


def shared_words(a: frozenset[str], b: frozenset[str]) -> list[str]:
    """The shared words a person would name: 计算机, not also its pieces 计算 and 算机."""
    both = a & b
    kept = [w for w in both if not any(w != o and w in o for o in both)]
    return sorted(kept, key=lambda w: (-len(w), w))


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
    words = shared_words(demand.terms, supply.terms)
    if not demand.terms or not supply.terms:  # a caller without names: neither for nor against
        text, said = 0.5, "名称未比对"
    else:
        text = similarity(demand.terms, supply.terms)
        said = f"名称相近度 {text:.0%}（共同词：{'、'.join(words)}）" if words else "名称无共同词"
    reasons = [said, f"资产分类匹配度 {cat:.0%}"]
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
    total = (
        WEIGHTS["category"] * cat
        + WEIGHTS["text"] * text
        + WEIGHTS["amount"] * amount
        + WEIGHTS["region"] * region
    )
    return Match(round(total, 4), tuple(reasons))
