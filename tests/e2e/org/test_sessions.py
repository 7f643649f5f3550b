"""Bearer tokens end when they should: on expiry, when the user is deactivated, when signed
with another key, and when the user logs out (issue 14, point 8)."""

from __future__ import annotations

import time

import psycopg
import pytest
from fastapi.testclient import TestClient

from assetpulse.org.seed import DEMO_PASSWORD
from assetpulse.org.tokens import TokenCodec
from assetpulse.platform.api import create_app
from assetpulse.settings import Settings
from tests.fix_api import AuthHeaders


def _user_id(db_url: str, username: str) -> int:
    with psycopg.connect(db_url) as conn:
        row = conn.execute("select id from users where username = %s", (username,)).fetchone()
    assert row is not None
    return int(row[0])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_token_past_its_expiry_is_refused(api: TestClient, db_url: str) -> None:
    tokens: TokenCodec = api.app.state.tokens  # type: ignore[attr-defined]
    nine_hours_ago = time.time() - 9 * 3600  # tokens last 8 hours
    token = tokens.issue(_user_id(db_url, "hd_jb"), now=nine_hours_ago)
    r = api.get("/api/v1/me", headers=_bearer(token))
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AUTH_REQUIRED"


def test_token_signed_with_another_key_is_refused(api: TestClient, db_url: str) -> None:
    other = TokenCodec("another-installation-" + "k" * 24)
    r = api.get("/api/v1/me", headers=_bearer(other.issue(_user_id(db_url, "hd_jb"))))
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AUTH_REQUIRED"


def test_token_of_deactivated_user_is_refused_at_once(
    api: TestClient, auth: AuthHeaders, db_url: str
) -> None:
    headers = auth("hd_jb")
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    with psycopg.connect(db_url) as conn:
        conn.execute("update users set active = false where username = 'hd_jb'")
    r = api.get("/api/v1/me", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AUTH_REQUIRED"


def test_logout_ends_the_users_tokens_and_a_new_login_works(api: TestClient) -> None:
    def login() -> dict[str, str]:
        r = api.post("/api/v1/auth/token", data={"username": "hd_sh", "password": DEMO_PASSWORD})
        assert r.status_code == 200, r.text
        return _bearer(r.json()["access_token"])

    phone, laptop = login(), login()
    assert api.get("/api/v1/me", headers=phone).status_code == 200
    assert api.post("/api/v1/auth/logout", headers=phone).status_code == 204
    for ended in (phone, laptop):
        r = api.get("/api/v1/me", headers=ended)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "AUTH_REQUIRED"
    assert api.get("/api/v1/me", headers=login()).json()["username"] == "hd_sh"


def test_logout_without_token_is_refused(api: TestClient) -> None:
    r = api.post("/api/v1/auth/logout")
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "AUTH_REQUIRED"


@pytest.mark.parametrize("secret", ["change-me-in-production", "short-key-of-31-bytes-xxxxxxxxx"])
def test_api_refuses_to_start_with_default_or_short_signing_key(secret: str) -> None:
    settings = Settings(database_url="postgresql://offline.invalid/none", jwt_secret=secret)
    with pytest.raises(ValueError, match="ASSETPULSE_JWT_SECRET"):
        create_app(settings)


# signing with the short default key is the attack; PyJWT rightly warns about it
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_token_signed_with_the_documented_default_key_gets_nowhere(
    db_url: str, demo_units: dict[str, int]
) -> None:
    """The attack itself: sign as the finance reviewer with the README's default key."""
    forged = TokenCodec("change-me-in-production").issue(_user_id(db_url, "cz_sh"))
    settings = Settings(database_url=db_url)  # no key set: the default
    try:
        app = create_app(settings)
    except ValueError:
        return  # refusing to start is the defence
    with TestClient(app) as client:
        assert client.get("/api/v1/me", headers=_bearer(forged)).status_code == 401
