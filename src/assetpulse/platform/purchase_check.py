"""调剂优先核查 (条例 第十一条) — pure.

Before a unit buys, builds or rents, it checks what the plazas and the monitor could give
it instead. What it plans to acquire (its name's words, class, region, amount) is scored
against each candidate by the platform's demand matching (``matching.score``), as a demand
of both kinds (调剂 and 共享) would be;
then every offer is either taken or declined with a reason, and only then does the record
say 可以购置 (nothing fits) or 已调剂解决 (an offer was taken).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assetpulse.platform import matching
from assetpulse.platform.errors import conflict, invalid

ACQUISITION_TEXT = {"buy": "购置", "build": "建设", "rent": "租用"}
OUTCOME_TEXT = {
    "open": "待处理",
    "reused": "已通过调剂/共享解决",
    "purchase": "无可用资产，可按规定配置",
}
OFFER_OUTCOME_TEXT = {"pending": "待处理", "taken": "采用", "declined": "不采用"}
SOURCE_TEXT = {"listing": "已上架资产", "suggestion": "监测建议资产"}
MAX_OFFERS = 30


@dataclass(frozen=True, slots=True)
class Need:
    name: str | None
    category_code: str | None
    region_code: str
    quantity: Decimal | None
    area: Decimal | None
    needed_on: dt.date


def offers(need: Need, candidates: list[dict[str, Any]], today: dt.date) -> list[dict[str, Any]]:
    """Candidates that fit the need, best first, each with its score and reasons."""
    out = []
    words = matching.terms(need.name or "")
    for c in candidates:
        demand = matching.Demand(c["kind"], need.category_code, need.region_code,
                                 need.quantity, need.area, None, words)  # fmt: skip
        supply = matching.Supply(c["kind"], c["category_code"], c["region_code"],
                                 c["quantity"], c["area"], matching.terms(c["name"]))  # fmt: skip
        m = matching.score(demand, supply, today)
        if m is not None:
            out.append({**c, "score": m.score, "reasons": list(m.reasons)})
    out.sort(key=lambda o: (-o["score"], o["source"], o["name"]))
    return out[:MAX_OFFERS]


def outcome(decisions: list[str]) -> str:
    """open while any offer is undecided; reused when one was taken; else purchase."""
    if "pending" in decisions:
        return "open"
    return "reused" if "taken" in decisions else "purchase"


def check_decision(outcome_: str, reason: str | None) -> str | None:
    if outcome_ == "declined":
        text = (reason or "").strip()
        if not text:
            raise invalid("CHECK_DECLINE_REASON_REQUIRED", "不采用某项资产时须填写原因。")
        return text
    return None


def check_attachable(outcome_: str) -> None:
    if outcome_ == "open":
        raise conflict(
            "CHECK_NOT_DECIDED",
            "核查中还有未处理的资产（采用或不采用并说明原因），处理完毕后才能关联采购申请。",
        )
