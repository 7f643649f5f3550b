"""Review chains (审核流程) per bill kind and scope — pure.

The chain's node names come from configuration (the ``review_chains`` table, defaults in
migration 4001: 单位 → 主管部门, national scope adds 财政); this module resolves them to the
units that act at each node for one bill. A node whose unit does not exist for the bill
(a unit without a competent department, a finance bill reviewed by itself) is skipped,
so that a chain never waits on nobody — except the finance node: national scope must pass
财政 review (WORKFLOW.md), so a province without a finance unit refuses the submit
rather than letting the bill become final unreviewed.
"""

from __future__ import annotations

from dataclasses import dataclass

from assetpulse.platform.review import Node, refused

LOCAL_SCOPES = ("province", "city", "department", "unit")
SCOPES = ("national", *LOCAL_SCOPES)

SCOPE_LABELS = {
    "national": "全国",
    "province": "本省",
    "city": "本市（县）",
    "department": "本部门",
    "unit": "本单位",
}

DEFAULT_CHAINS: dict[tuple[str, str], tuple[Node, ...]] = {
    (kind, "local"): (Node.UNIT, Node.COMPETENT) for kind in ("adjust", "share", "demand")
} | {
    (kind, "national"): (Node.UNIT, Node.COMPETENT, Node.FINANCE)
    for kind in ("adjust", "share", "demand")
}


def scope_class(scope: str) -> str:
    return "national" if scope == "national" else "local"


@dataclass(frozen=True, slots=True)
class Org:
    """The units that may act on one bill: its own, its competent department, finance."""

    unit_id: int
    competent_id: int | None
    finance_id: int | None


def resolve(nodes: tuple[Node, ...], org: Org) -> tuple[tuple[Node, ...], tuple[int, ...]]:
    """The chain's nodes and, for each, the acting unit; nodes with no unit are skipped."""
    kept: list[Node] = []
    units: list[int] = []
    for node in nodes:
        unit = {
            Node.UNIT: org.unit_id,
            Node.COMPETENT: org.competent_id,
            Node.FINANCE: org.finance_id,
        }[node]
        if unit is None and node is Node.FINANCE:
            raise refused(
                "FINANCE_NODE_MISSING",
                "本地区没有配置财政部门单位，全国范围的单据须经财政审核，暂不能送审；"
                "请联系管理员配置财政部门，或改为本地范围发布。",
            )
        if unit is None or unit in units:
            continue
        kept.append(node)
        units.append(unit)
    return tuple(kept), tuple(units)
