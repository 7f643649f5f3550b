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

# A real 1×1 JPEG (the plazas serve photos only when they parse); each card's copy gets
# its number in a comment segment, so that no two photos share a checksum.
_JPEG = bytes.fromhex(
    "ffd8ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c"
    "20242e2720222c231c1c2837292c30313434341f27393d38323c2e333432ffc0000b080001000101011100"
    "ffc4001f0000010501010101010100000000000000000102030405060708090a0bffc400b5100002010303"
    "020403050504040000017d01020300041105122131410613516107227114328191a1082342b1c11552d1f0"
    "2433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a6364"
    "65666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4"
    "b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9"
    "faffda0008010100003f00fb d3ffd9".replace(" ", "")
)


def _jpeg_photo(n: int) -> bytes:
    note = str(n).encode()
    return _JPEG[:2] + b"\xff\xfe" + (len(note) + 2).to_bytes(2, "big") + note + _JPEG[2:]


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
            data = _jpeg_photo(n)
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
