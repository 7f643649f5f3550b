"""Publishing rules of the platform — pure.

- Which cards a bill may carry (内置规则公式): adjust bills take cards whose 资产状态 is
  闲置 or 待处置; share bills take cards whose 是否共享共用 = 是. Every card needs a photo;
  no bill takes a disposed (已处置) or split (已拆分) card. The server checks at save, at
  submit and at every approval, since a card can change while its bill is in review.
- Who may publish a demand (发布需求按钮): the local tab for user types 002 财政用户 and
  003 预算单位用户, the national tab for 003 only. The API enforces it on demand bills
  with the matching scope; pages read it from the capability flags.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ADJUSTABLE_STATUSES = frozenset({"idle", "pending_disposal"})
# Final card states (inventory's ENDED): the asset left the books or became new cards, so
# no bill of either kind may carry it, whatever its shareable flag still says.
ENDED_STATUSES = {"disposed": "已处置", "split": "已拆分"}
LOCAL_DEMAND_PUBLISHERS = frozenset({"002", "003"})
NATIONAL_DEMAND_PUBLISHERS = frozenset({"003"})

PHOTO_GUIDANCE = (
    "所选资产卡片没有上传照片，不能保存。请到【卡片变动】功能做属性变动上传照片，"
    "变动终审后再新增发布单据。"
)


@dataclass(frozen=True, slots=True)
class CardFacts:
    card_id: int
    unit_id: int
    status: str
    shareable: bool
    photos: int


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str
    card_id: int


def card_refusal(kind: str, unit_id: int, card: CardFacts) -> Refusal | None:
    """Why ``card`` may not go on a ``kind`` bill of ``unit_id``, or None when it may."""
    if card.unit_id != unit_id:
        return Refusal("CARD_NOT_OWN", "只能发布本单位的资产卡片。", card.card_id)
    if card.status in ENDED_STATUSES:
        return Refusal(
            "CARD_ENDED",
            f"该资产卡片{ENDED_STATUSES[card.status]}，不能发布调剂或共享。",
            card.card_id,
        )
    if kind == "adjust" and card.status not in ADJUSTABLE_STATUSES:
        return Refusal(
            "CARD_NOT_ADJUSTABLE",
            "调剂资产只能选择资产状态为“闲置”或“待处置”的卡片，请先通过卡片变动修改资产状态。",
            card.card_id,
        )
    if kind == "share" and not card.shareable:
        return Refusal(
            "CARD_NOT_SHAREABLE",
            "共享资产只能选择“是否共享共用”为“是”的卡片，请先通过卡片变动修改。",
            card.card_id,
        )
    if card.photos == 0:
        return Refusal("CARD_PHOTO_REQUIRED", PHOTO_GUIDANCE, card.card_id)
    return None


def demand_dates_problem(expected_arrival: dt.date | None, end_date: dt.date | None) -> str | None:
    """A demand that ends before the asset is expected to arrive can never be met."""
    if expected_arrival is not None and end_date is not None and end_date < expected_arrival:
        return (
            f"需求结束日期（{end_date.isoformat()}）不能早于期望到货日期"
            f"（{expected_arrival.isoformat()}），请修改后重新保存。"
        )
    return None


def may_publish_demand(user_type: str, scope: str) -> bool:
    """The 发布需求 rule: national scope for 003 only; local scopes for 002 and 003."""
    if scope == "national":
        return user_type in NATIONAL_DEMAND_PUBLISHERS
    return user_type in LOCAL_DEMAND_PUBLISHERS


def demand_tab_flags(user_type: str) -> dict[str, bool]:
    """Whether the demand plaza shows 发布需求 on each tab for this user type."""
    return {
        "local": user_type in LOCAL_DEMAND_PUBLISHERS,
        "national": user_type in NATIONAL_DEMAND_PUBLISHERS,
    }
