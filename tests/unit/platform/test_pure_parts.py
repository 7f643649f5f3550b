"""Pure parts of the platform: chains, publishing rules, matching, the MOF file, purity."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from assetpulse.platform import chains, matching, rules
from assetpulse.platform.review import Node

PURE = ("review.py", "chains.py", "rules.py", "matching.py", "mofformat.py")
FORBIDDEN = {"psycopg", "fastapi", "starlette", "paho", "aiomqtt", "cv2", "pyzbar", "httpx"}


@pytest.mark.parametrize("name", PURE)
def test_pure_module_imports_no_io_library(name: str) -> None:
    src = Path(chains.__file__).with_name(name).read_text()
    imported = set()
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert not imported & FORBIDDEN


def test_chain_skips_missing_competent_and_duplicate_units() -> None:
    nodes = (Node.UNIT, Node.COMPETENT, Node.FINANCE)
    kept, units = chains.resolve(nodes, chains.Org(unit_id=5, competent_id=None, finance_id=1))
    assert kept == (Node.UNIT, Node.FINANCE)
    assert units == (5, 1)
    kept, _ = chains.resolve(nodes, chains.Org(unit_id=1, competent_id=None, finance_id=1))
    assert kept == (Node.UNIT,)


def test_publish_demand_rule() -> None:
    assert rules.may_publish_demand("002", "province")
    assert not rules.may_publish_demand("002", "national")
    assert rules.may_publish_demand("003", "national")
    assert not rules.may_publish_demand("001", "province")


@pytest.mark.parametrize(
    ("kind", "status", "shareable", "photos", "code"),
    [
        ("adjust", "idle", False, 1, None),
        ("adjust", "pending_disposal", False, 1, None),
        ("adjust", "in_use", True, 1, "CARD_NOT_ADJUSTABLE"),
        ("share", "in_use", True, 1, None),
        ("share", "idle", False, 1, "CARD_NOT_SHAREABLE"),
        ("adjust", "idle", False, 0, "CARD_PHOTO_REQUIRED"),
    ],
)
def test_card_rules(kind: str, status: str, shareable: bool, photos: int, code: str | None) -> None:
    refusal = rules.card_refusal(kind, 1, rules.CardFacts(9, 1, status, shareable, photos))
    assert (refusal.code if refusal else None) == code


def test_matching_prefers_closer_category_and_region_and_drops_wrong_kind() -> None:
    today = dt.date(2026, 1, 1)
    d = matching.Demand("adjust", "A02010105", "460100", Decimal(2), None, None)
    exact = matching.score(
        d, matching.Supply("adjust", "A02010105", "460100", Decimal(2), None), today
    )
    near = matching.score(
        d, matching.Supply("adjust", "A020101", "460200", Decimal(1), None), today
    )
    assert exact is not None
    assert near is not None
    assert exact.score > near.score
    assert (
        matching.score(d, matching.Supply("share", "A02010105", "460100", None, None), today)
        is None
    )
    assert matching.score(d, matching.Supply("adjust", "A05", "460100", None, None), today) is None
    ended = matching.Demand("adjust", "A02", "460100", None, None, dt.date(2025, 1, 1))
    assert (
        matching.score(ended, matching.Supply("adjust", "A02", "460100", None, None), today) is None
    )
