"""Platform fixtures: asset cards with photos (SQL, 0002 schema) and a workflow driver."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from tests.fix_api import AuthHeaders

_codes = itertools.count(1)
CardMaker = Callable[..., int]

# The reviewer at each node of the default chains, by the publishing unit.
REVIEWERS = {
    "U460001": ("hd_sh", "jyt_sh", "cz_sh"),
    "U460002": ("hs_sh", "jyt_sh", "cz_sh"),
    "U460201": ("sy_sh", "syj_sh", "cz_sh"),
}
OPERATORS = {"U460001": "hd_jb", "U460002": "hs_jb", "U460201": "sy_jb"}


def make_card_sql(
    db_url: str,
    unit_id: int,
    *,
    status: str = "idle",
    shareable: bool = False,
    photo: bool = True,
    category: str = "A02010105",
    name: str = "台式计算机",
    quantity: float = 1,
    area: float | None = None,
) -> int:
    """Insert one asset card (and a photo) straight into the 0002 schema."""
    n = next(_codes)
    with psycopg.connect(db_url, autocommit=True) as conn:
        row = conn.execute(
            "insert into asset_cards (asset_code, name, category_code, unit_id, status,"
            " shareable, quantity, area, measure_unit) values (%s, %s, %s, %s, %s, %s, %s,"
            " %s, '台') returning id",
            (f"ZC-{n:06d}", f"{name}{n}", category, unit_id, status, shareable, quantity, area),
        ).fetchone()
        assert row is not None
        card_id = int(row[0])
        if photo:
            data = b"\xff\xd8\xff" + str(n).encode()
            conn.execute(
                "insert into card_photos (card_id, sha256, content_type, byte_size, data)"
                " values (%s, %s, 'image/jpeg', %s, %s)",
                (card_id, hashlib.sha256(data).hexdigest(), len(data), data),
            )
    return card_id


@pytest.fixture
def make_card(db_url: str, demo_units: dict[str, int]) -> CardMaker:
    """``make_card("U460001", status="idle", shareable=False, photo=True)`` → card id."""

    def make(
        unit: str = "U460001",
        *,
        status: str = "idle",
        shareable: bool = False,
        photo: bool = True,
        category: str = "A02010105",
        name: str = "台式计算机",
        quantity: float = 1,
        area: float | None = None,
    ) -> int:
        return make_card_sql(
            db_url,
            demo_units[unit],
            status=status,
            shareable=shareable,
            photo=photo,
            category=category,
            name=name,
            quantity=quantity,
            area=area,
        )

    return make


@dataclass
class Flow:
    """Drives bills through the API the way the pages do."""

    api: TestClient
    auth: AuthHeaders

    def create(self, user: str = "hd_jb", **body: Any) -> dict[str, Any]:
        body.setdefault("kind", "adjust")
        r = self.api.post("/api/v1/bills", json=body, headers=self.auth(user))
        assert r.status_code == 201, r.text
        return dict(r.json())

    def act(self, user: str, bill_id: int, action: str, **body: Any) -> Any:
        return self.api.post(
            f"/api/v1/bills/{bill_id}/{action}", json=body or None, headers=self.auth(user)
        )

    def ok(self, user: str, bill_id: int, action: str, **body: Any) -> dict[str, Any]:
        r = self.act(user, bill_id, action, **body)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def final(self, bill: dict[str, Any], unit: str = "U460001") -> dict[str, Any]:
        """Submit and approve through every node until locally final."""
        op = OPERATORS[unit]
        out = self.ok(op, bill["id"], "submit")
        for reviewer in REVIEWERS[unit]:
            if out["stage"] != "in_review":
                break
            out = self.ok(reviewer, bill["id"], "approve")
        assert out["stage"] == "final", out
        return out

    def plaza(self, user: str = "hs_jb", **params: Any) -> dict[str, Any]:
        r = self.api.get("/api/v1/listings", params=params, headers=self.auth(user))
        assert r.status_code == 200, r.text
        return dict(r.json())


@pytest.fixture
def fast_auth(api: TestClient, db_url: str) -> AuthHeaders:
    """Like ``auth`` but issues the bearer token directly (no argon2 login per user), so
    that workflow tests spend their time on the workflow; the login itself is tested by org.
    """
    tokens = api.app.state.tokens  # type: ignore[attr-defined]

    cache: dict[str, dict[str, str]] = {}

    def headers(user: str) -> dict[str, str]:
        if user not in cache:
            with psycopg.connect(db_url) as conn:
                row = conn.execute("select id from users where username = %s", (user,)).fetchone()
            assert row is not None, user
            cache[user] = {"Authorization": f"Bearer {tokens.issue(row[0])}"}
        return cache[user]

    return headers


@pytest.fixture
def flow(api: TestClient, fast_auth: AuthHeaders) -> Flow:
    return Flow(api, fast_auth)
