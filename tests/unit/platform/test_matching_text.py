"""Matching's words on a hand-labelled set of real-world Chinese asset names.

Each demand title (as units write them: colloquial, 电脑 rather than 计算机) names the cards
(as registers write them: GB/T 14885 names, brand and model) that would serve it. The
tokeniser must put one of them first for nearly every demand; bench/matching.py prints
the same set scored by pg_trgm beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from assetpulse.platform import matching

CANDIDATES = [
    "联想台式计算机 ThinkCentre M720", "戴尔台式机 OptiPlex 7090", "惠普激光打印机 M405d",
    "佳能彩色喷墨打印机", "联想笔记本电脑 ThinkPad E14", "华为便携式计算机 MateBook 14",
    "爱普生投影机 CB-X06", "明基投影仪", "格力柜式空调 3匹", "美的挂式空调", "实木办公桌",
    "人体工学办公椅", "会议桌椅（12座）", "高速冷冻离心机", "台式低速离心机",
    "奥林巴斯生物显微镜", "海尔医用冷藏冰箱", "超净工作台", "理光复印机 MP2014",
    "多功能一体机（打印复印扫描）", "华为交换机 S5735", "浪潮机架式服务器 NF5280",
    "不间断电源 UPS 10kVA", "比亚迪电动汽车", "宇通中型客车", "钢制文件柜", "档案密集柜",
    "液晶显示器 27英寸", "86寸会议平板触控一体机", "佳能数码照相机 EOS R6", "索尼摄像机",
    "办公用房（三层）", "实验室用房",
]  # fmt: skip
# demand title → indexes of the candidates that would serve it
LABELLED = {
    "台式电脑": {0, 1}, "需要笔记本电脑": {4, 5}, "激光打印机": {2, 3, 19}, "投影仪": {6, 7},
    "空调": {8, 9}, "办公桌椅": {10, 11, 12}, "离心机": {13, 14}, "显微镜": {15},
    "医用冰箱": {16}, "复印机": {18, 19}, "网络交换机": {20}, "服务器": {21},
    "UPS电源": {22}, "新能源汽车": {23}, "文件柜": {25, 26}, "电脑显示器": {27},
    "会议平板": {28}, "照相机": {29}, "办公用房": {31}, "便携式计算机": {4, 5},
    "台式计算机": {0, 1},
}  # fmt: skip


def first_relevant_rank(
    similarity: Callable[[str, str], float], query: str, relevant: set[int]
) -> int:
    """1-based rank of the first relevant candidate; ties count against it."""
    scores = [(similarity(query, c), i in relevant) for i, c in enumerate(CANDIDATES)]
    scores.sort(key=lambda s: (-s[0], s[1]))
    return next(k for k, (_, rel) in enumerate(scores, 1) if rel)


def jieba_similarity(query: str, candidate: str) -> float:
    return matching.similarity(matching.terms(query), matching.terms(candidate))


def test_words_when_demands_are_colloquial_rank_a_serving_asset_first() -> None:
    ranks = [first_relevant_rank(jieba_similarity, q, rel) for q, rel in LABELLED.items()]
    precision_at_1 = sum(r == 1 for r in ranks) / len(ranks)
    mrr = sum(1 / r for r in ranks) / len(ranks)
    assert precision_at_1 >= 0.9, ranks
    assert mrr >= 0.93, ranks


def test_words_when_desktop_demand_then_desktop_above_printer_with_shared_words() -> None:
    demand = matching.terms("台式电脑")
    desktop, printer = matching.terms("联想台式计算机"), matching.terms("惠普激光打印机")
    assert matching.similarity(demand, desktop) > 0.5 > matching.similarity(demand, printer)
    assert matching.shared_words(demand, desktop) == ["计算机", "台式"]


def test_score_when_only_names_differ_then_reasons_name_the_shared_words() -> None:
    demand = matching.Demand("adjust", "A02010105", "460100", Decimal(1), None, None,
                             matching.terms("需要台式电脑"))  # fmt: skip

    def supply(name: str) -> matching.Supply:
        return matching.Supply("adjust", "A02010105", "460100", Decimal(1), None,
                               matching.terms(name))  # fmt: skip

    today = dt.date(2026, 12, 1)
    good = matching.score(demand, supply("联想台式计算机"), today)
    bad = matching.score(demand, supply("惠普激光打印机"), today)
    assert good is not None
    assert bad is not None
    assert good.score > bad.score
    assert good.reasons[0].startswith("名称相近度")
    assert "台式" in good.reasons[0]
    assert bad.reasons[0] == "名称无共同词"
    assert "资产分类匹配度 100%" in good.reasons
