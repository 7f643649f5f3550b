"""The review state machine of publish bills (审核流程) — pure, no I/O.

A bill walks a chain of review nodes fixed when it is submitted (default: 单位审核 →
主管部门审核, national scope adds 财政审核). Local final approval (本地终审) lists it; the
summary-system report sets ``01-待财政部审核`` and MOF's feedback sets
``02-财政部已审核`` or sends the bill back. Every transition is a function from one
:class:`BillState` to the next, or a :class:`TransitionRefusedError` with a stable code; the
adapter locks the bill's row, applies the function and writes the result.

Rules the manual fixes:
- 取消送审 only while the first node has not acted;
- 取消审核 at node *i* only while node *i+1* has not acted; the bill returns to node *i*
  with the status text "<node>审核取消审核";
- local final approval may be cancelled until it is reported, never after.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from assetpulse.errors import ErrorKind
from assetpulse.platform.errors import PlatformError


class Stage(StrEnum):
    DRAFT = "draft"  # 草稿
    IN_REVIEW = "in_review"  # 审核中 (03-省内审核中)
    RETURNED = "returned"  # 已退回: editable again, like a draft
    FINAL = "final"  # 本地终审通过 (still 03 until reported)
    REPORTED = "reported"  # 01-待财政部审核
    MOF_APPROVED = "mof_approved"  # 02-财政部已审核


class ReviewCode(StrEnum):
    LOCAL_REVIEW = "03"  # 03-省内审核中
    AWAITING_MOF = "01"  # 01-待财政部审核
    MOF_APPROVED = "02"  # 02-财政部已审核


REVIEW_CODE_TEXT = {
    ReviewCode.LOCAL_REVIEW: "省内审核中",
    ReviewCode.AWAITING_MOF: "待财政部审核",
    ReviewCode.MOF_APPROVED: "财政部已审核",
}


class Node(StrEnum):
    UNIT = "unit"  # 单位审核
    COMPETENT = "competent"  # 主管部门审核
    FINANCE = "finance"  # 财政审核


NODE_LABELS = {Node.UNIT: "单位", Node.COMPETENT: "主管部门", Node.FINANCE: "财政"}

STAGE_LABELS = {
    Stage.DRAFT: "草稿",
    Stage.IN_REVIEW: "审核中",
    Stage.RETURNED: "已退回",
    Stage.FINAL: "本地终审通过",
    Stage.REPORTED: "待财政部审核",
    Stage.MOF_APPROVED: "财政部已审核",
}

EDITABLE = frozenset({Stage.DRAFT, Stage.RETURNED})
LISTED = frozenset({Stage.FINAL, Stage.REPORTED, Stage.MOF_APPROVED})


# what the 调剂共享审核状态 column shows where no code applies: 03 means "not yet final"
# (manual), so a locally final bill not (or never) reported to MOF carries no code
FINAL_TEXT = "本地终审通过"


def review_code(stage: Stage) -> ReviewCode | None:
    if stage in (Stage.DRAFT, Stage.FINAL):
        return None
    if stage is Stage.REPORTED:
        return ReviewCode.AWAITING_MOF
    if stage is Stage.MOF_APPROVED:
        return ReviewCode.MOF_APPROVED
    return ReviewCode.LOCAL_REVIEW


@dataclass(frozen=True, slots=True)
class BillState:
    """Where a bill stands. ``node_index`` is the node whose decision is awaited."""

    stage: Stage
    chain: tuple[Node, ...]
    national: bool
    node_index: int = 0
    status_text: str = "草稿"
    reason: str | None = None

    @property
    def code(self) -> ReviewCode | None:
        return review_code(self.stage)


def refused(code: str, message: str, **context: object) -> TransitionRefusedError:
    return TransitionRefusedError(code, message, kind=ErrorKind.CONFLICT, **context)


class TransitionRefusedError(PlatformError):
    """The action does not apply to the bill as it stands now (HTTP 409)."""


def _pending_text(chain: tuple[Node, ...], i: int) -> str:
    return f"待{NODE_LABELS[chain[i]]}审核"


def submit(s: BillState) -> BillState:
    """送审: a draft or a returned bill enters its chain at the first node."""
    if s.stage not in EDITABLE:
        raise refused("BILL_NOT_EDITABLE", "只有草稿或已退回的单据可以送审。", stage=s.stage)
    if not s.chain:
        raise refused("CHAIN_EMPTY", "该单据没有配置审核流程，请联系管理员。")
    return replace(
        s, stage=Stage.IN_REVIEW, node_index=0, status_text=_pending_text(s.chain, 0), reason=None
    )


def cancel_submit(s: BillState) -> BillState:
    """取消送审: only while the first node has not acted."""
    if s.stage is not Stage.IN_REVIEW or s.node_index != 0:
        raise refused(
            "NEXT_NODE_ACTED",
            "下一审核节点已处理，不能取消送审。",
            stage=s.stage,
            node=s.node_index,
        )
    return replace(s, stage=Stage.DRAFT, node_index=0, status_text="草稿")


def _at_node(s: BillState, node_index: int) -> None:
    if s.stage is not Stage.IN_REVIEW or s.node_index != node_index:
        raise refused(
            "BILL_NOT_AT_YOUR_NODE",
            "该单据已被他人处理或不在您的审核节点，请刷新后查看最新状态。",
            stage=s.stage,
            node=s.node_index,
        )


def approve(s: BillState, node_index: int) -> BillState:
    """审核通过 at ``node_index``: to the next node, or local final approval at the last."""
    _at_node(s, node_index)
    last = len(s.chain) - 1
    if node_index == last:
        return replace(s, stage=Stage.FINAL, status_text="本地终审通过", reason=None)
    nxt = node_index + 1
    return replace(s, node_index=nxt, status_text=_pending_text(s.chain, nxt), reason=None)


def reject(s: BillState, node_index: int, reason: str) -> BillState:
    """退回 at ``node_index`` with a reason: the unit may edit and submit again."""
    _at_node(s, node_index)
    if not reason.strip():
        raise TransitionRefusedError("REASON_REQUIRED", "退回时请填写退回原因。")
    label = NODE_LABELS[s.chain[node_index]]
    return replace(
        s, stage=Stage.RETURNED, node_index=0, status_text=f"{label}审核退回", reason=reason
    )


def cancel_approval(s: BillState, node_index: int) -> BillState:
    """取消审核 by the node that approved: only while the next node has not acted."""
    last = len(s.chain) - 1
    if s.stage in (Stage.REPORTED, Stage.MOF_APPROVED) and node_index == last:
        raise refused(
            "FINAL_ALREADY_REPORTED",
            "本地终审已上报汇总系统，不能取消终审；如不再发布，请到管理页面做下架处理。",
        )
    if not 0 <= node_index <= last:
        raise refused("BILL_NOT_AT_YOUR_NODE", "您不在该单据的审核流程中。", node=node_index)
    is_final = s.stage is Stage.FINAL and node_index == last
    is_next_waiting = s.stage is Stage.IN_REVIEW and s.node_index == node_index + 1
    if not (is_final or is_next_waiting):
        raise refused(
            "NEXT_NODE_ACTED",
            "下一审核节点已处理或本节点尚未审核，不能取消审核。",
            stage=s.stage,
            node=s.node_index,
        )
    label = NODE_LABELS[s.chain[node_index]]
    return replace(
        s, stage=Stage.IN_REVIEW, node_index=node_index, status_text=f"{label}审核取消审核"
    )


def report(s: BillState) -> BillState:
    """汇总系统上报: a locally final bill becomes 01-待财政部审核.

    Every scope is reported (manual: "本地终审审核通过的，通过汇总系统进行数据上报"): MOF
    keeps the country's books of what is published; only national scope reaches the other
    provinces' 全国 tabs.
    """
    if s.stage is not Stage.FINAL:
        raise refused("BILL_NOT_REPORTABLE", "只有本地终审通过的单据可以上报财政部。")
    return replace(s, stage=Stage.REPORTED, status_text="待财政部审核")


def mof_approve(s: BillState) -> BillState:
    """MOF feedback: approved (02-财政部已审核); repeating it changes nothing."""
    if s.stage is Stage.MOF_APPROVED:
        return s
    if s.stage is not Stage.REPORTED:
        raise refused("BILL_NOT_REPORTED", "该单据尚未上报财政部，不能登记财政部审核结果。")
    return replace(s, stage=Stage.MOF_APPROVED, status_text="财政部已审核")


def mof_reject(s: BillState, reason: str) -> BillState:
    """MOF feedback: rejected — back to the unit with MOF's reason."""
    if s.stage is not Stage.REPORTED:
        raise refused("BILL_NOT_REPORTED", "该单据尚未上报财政部，不能登记财政部审核结果。")
    return replace(
        s, stage=Stage.RETURNED, node_index=0, status_text="财政部审核退回", reason=reason or "-"
    )


def check_invariants(s: BillState) -> None:
    """Raise AssertionError-free ValueError when ``s`` is a state no action may produce."""
    if s.stage is Stage.IN_REVIEW and not 0 <= s.node_index < len(s.chain):
        raise ValueError(f"node {s.node_index} outside chain of {len(s.chain)}")
    if s.stage in EDITABLE and s.node_index != 0:
        raise ValueError("an editable bill points into its chain")
    if s.stage is Stage.RETURNED and not s.reason:
        raise ValueError("returned without a reason")
