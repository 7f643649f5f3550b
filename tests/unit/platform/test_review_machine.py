"""The pure review state machine: examples and a stateful property test (no I/O)."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from assetpulse.platform import review
from assetpulse.platform.review import BillState, Node, Stage, TransitionRefusedError

LOCAL = (Node.UNIT, Node.COMPETENT)
NATIONAL = (Node.UNIT, Node.COMPETENT, Node.FINANCE)


def draft(national: bool = False) -> BillState:
    return BillState(Stage.DRAFT, NATIONAL if national else LOCAL, national)


def test_approving_every_node_reaches_local_final() -> None:
    s = review.submit(draft())
    s = review.approve(s, 0)
    assert s.status_text == "待主管部门审核"
    s = review.approve(s, 1)
    assert s.stage is Stage.FINAL
    assert s.code is None  # 03 means "not yet final"


def test_cancel_approval_refused_after_next_node_acted() -> None:
    s = review.approve(review.approve(review.submit(draft(national=True)), 0), 1)
    with pytest.raises(TransitionRefusedError) as err:
        review.cancel_approval(s, 0)
    assert err.value.code == "NEXT_NODE_ACTED"
    assert review.cancel_approval(s, 1).status_text == "主管部门审核取消审核"


def test_final_cancellable_until_reported_not_after() -> None:
    s = draft(national=True)
    s = review.submit(s)
    for i in range(3):
        s = review.approve(s, i)
    assert review.cancel_approval(s, 2).stage is Stage.IN_REVIEW
    reported = review.report(s)
    assert reported.code is review.ReviewCode.AWAITING_MOF
    with pytest.raises(TransitionRefusedError) as err:
        review.cancel_approval(reported, 2)
    assert err.value.code == "FINAL_ALREADY_REPORTED"
    assert review.mof_approve(reported).code is review.ReviewCode.MOF_APPROVED


def test_local_scope_final_is_reported_and_then_cannot_be_cancelled() -> None:
    s = review.approve(review.approve(review.submit(draft()), 0), 1)
    reported = review.report(s)
    assert reported.code is review.ReviewCode.AWAITING_MOF
    with pytest.raises(TransitionRefusedError) as err:
        review.cancel_approval(reported, 1)
    assert err.value.code == "FINAL_ALREADY_REPORTED"
    with pytest.raises(TransitionRefusedError):
        review.report(reported)


def test_reject_needs_a_reason() -> None:
    with pytest.raises(TransitionRefusedError) as err:
        review.reject(review.submit(draft()), 0, " ")
    assert err.value.code == "REASON_REQUIRED"


class ReviewMachine(RuleBasedStateMachine):
    """Any sequence of actions, legal or not, leaves the bill in a legal state.

    A refused action must leave the state unchanged (the function raises, nothing is
    returned); an accepted one must produce a state the invariants allow. The model
    counts approvals so that local final approval is only reached with every node approved.
    """

    def __init__(self) -> None:
        super().__init__()
        self.s = draft()
        self.approved: set[int] = set()
        self.reports = 0

    @rule(national=st.booleans())
    def restart(self, national: bool) -> None:
        self.s = draft(national)
        self.approved = set()
        self.reports = 0

    def _apply(self, fn: object, *args: object) -> BillState | None:
        before = self.s
        try:
            after = fn(self.s, *args)  # type: ignore[operator]
        except TransitionRefusedError:
            assert self.s == before
            return None
        self.s = after
        return after

    @rule()
    def submit(self) -> None:
        if self._apply(review.submit) is not None:
            self.approved = set()

    @rule()
    def cancel_submit(self) -> None:
        self._apply(review.cancel_submit)

    @rule(node=st.integers(min_value=-1, max_value=3))
    def approve(self, node: int) -> None:
        if self._apply(review.approve, node) is not None:
            self.approved.add(node)

    @rule(node=st.integers(min_value=-1, max_value=3), reason=st.sampled_from(["", "缺照片"]))
    def reject(self, node: int, reason: str) -> None:
        if self._apply(review.reject, node, reason) is not None:
            self.approved = set()

    @rule(node=st.integers(min_value=-1, max_value=3))
    def cancel_approval(self, node: int) -> None:
        if self._apply(review.cancel_approval, node) is not None:
            self.approved.discard(node)

    @rule()
    def report(self) -> None:
        if self._apply(review.report) is not None:
            self.reports += 1

    @rule()
    def mof_approve(self) -> None:
        self._apply(review.mof_approve)

    @rule(reason=st.sampled_from(["信息不全", ""]))
    def mof_reject(self, reason: str) -> None:
        if self._apply(review.mof_reject, reason) is not None:
            self.approved = set()
            self.reports = 0  # sent back: the next final approval is reported afresh

    @invariant()
    def state_is_legal(self) -> None:
        review.check_invariants(self.s)

    @invariant()
    def final_only_after_every_node(self) -> None:
        if self.s.stage in review.LISTED:
            assert self.approved == set(range(len(self.s.chain)))

    @invariant()
    def in_review_means_earlier_nodes_approved(self) -> None:
        if self.s.stage is Stage.IN_REVIEW:
            assert set(range(self.s.node_index)) <= self.approved

    @invariant()
    def reported_at_most_once_per_final(self) -> None:
        if self.s.stage in review.LISTED:
            assert self.reports <= 1

    @invariant()
    def codes_match_stage(self) -> None:
        code = self.s.code
        if self.s.stage in (Stage.DRAFT, Stage.FINAL):
            assert code is None
        elif self.s.stage is Stage.REPORTED:
            assert code is review.ReviewCode.AWAITING_MOF
        elif self.s.stage is Stage.MOF_APPROVED:
            assert code is review.ReviewCode.MOF_APPROVED
        else:
            assert code is review.ReviewCode.LOCAL_REVIEW

    @precondition(lambda self: self.s.stage is Stage.REPORTED)
    @rule()
    def reported_cannot_be_cancelled(self) -> None:
        with pytest.raises(TransitionRefusedError):
            review.cancel_approval(self.s, len(self.s.chain) - 1)


TestReviewMachine = ReviewMachine.TestCase
TestReviewMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
