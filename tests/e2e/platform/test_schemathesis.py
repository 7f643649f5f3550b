"""Property-based API tests of every operation from the OpenAPI schema (schemathesis,
in-process ASGI): organisation, inventory, monitor and platform alike.

Each operation is called with generated inputs by several identities — 海南大学's operator
(also its administrator), its reviewer, a department's asset user, the provincial finance
reviewer and the competent department's reviewer — on a scenario with cards, photos, bills,
listings, a stocktake and a suggestion. Whatever the input and whoever asks: no 5xx, and
every response matches the documented schema (status code, content type, body). Path ids
are drawn half of the time from the small ids that exist, so that cases get past "not
found" into the handlers. Examples are bounded per operation to keep the whole run within
a couple of minutes. (schemathesis' pytest plugin and its lazy fixture loader do not work
with pytest 9 here, so the operations are driven through Hypothesis directly, one test per
operation.)
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg.types.json import Jsonb
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assetpulse.localservices import PostgresProcess
from assetpulse.org.seed import seed_demo_org
from assetpulse.org.tokens import TokenCodec
from assetpulse.platform.api import create_app
from assetpulse.settings import Settings
from tests.e2e.platform.mofhub import province_settings
from tests.fix_db import _clone
from tests.fix_platform import Flow, make_card_sql

API_PATHS = r"^/api/v1/"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
IDENTITIES = ("hd_jb", "hd_sh", "hd_wl", "cz_sh", "jyt_sh")
LOGOUT = "POST /api/v1/auth/logout"
LOGOUT_USER = "hs_sh"  # logging out ends a user's tokens: not one of the identities above
KNOWN_IDS = st.integers(min_value=1, max_value=6)
SECRET = "test-secret-" + "x" * 20


@schemathesis.serializer("application/x-ndjson")
def _ndjson(ctx: Any, value: Any) -> bytes:
    """MOF exchange files (JSON Lines): generated text as it is, anything else as one line."""
    return value.encode() if isinstance(value, str) else json.dumps(value).encode()


def _operations(schema: Any) -> dict[str, Any]:
    return {op.label: op for op in (r.ok() for r in schema.get_all_operations())}


# the operations are known without a database: the schema is built from the routes alone
_OFFLINE = create_app(
    Settings(database_url="postgresql://offline.invalid/none", jwt_secret="o" * 32)
).openapi()
LABELS = sorted(_operations(schemathesis.openapi.from_dict(_OFFLINE).include(path_regex=API_PATHS)))


def _user_ids(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return {name: i for i, name in conn.execute("select id, username from users").fetchall()}


def _inventory_scenario(url: str, units: dict[str, int], client: TestClient, jb: Any) -> None:
    """Leased cards of 海南大学 (one per department), a stocktake, a suggestion."""
    with psycopg.connect(url) as conn:
        cards = []
        for i, dept in enumerate(("D460001-01", "D460001-02", None), start=1):
            row = conn.execute(
                "insert into asset_cards (asset_code, name, category_code, unit_id,"
                " department_id, status, quantity) values (%s, '台式机', 'A02010105', %s, %s,"
                " 'leased', 4) returning id",
                (f"FZ-000{i}", units["U460001"], units[dept] if dept else None),
            ).fetchone()
            assert row is not None
            cards.append(row[0])
        conn.execute(
            "insert into suggestions (card_id, unit_id, verdict, action, rule, score, metric,"
            " metric_value, evidence, evidence_zh, evidence_en, window_from, window_to)"
            " values (%s, %s, 'idle', 'adjust', 'idle-desktop', 0.9, 'usage_hours', 0, %s,"
            " '闲置', 'idle', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z')",
            (cards[0], units["U460001"], Jsonb({})),
        )
    r = client.post("/api/v1/stocktakes", json={"title": "t", "deadline": "2030-01-01"}, headers=jb)
    assert r.status_code == 201, r.text


@pytest.fixture(scope="module")
def api_schema(pg_server: PostgresProcess, pg_template: str) -> dict[str, Any]:
    url = _clone(pg_server, pg_template)
    units = seed_demo_org(url)
    app = create_app(
        Settings(
            database_url=url,
            jwt_secret=SECRET,
            api_docs=True,
            # generated logins are wrong by the hundred; the throttle is tested elsewhere
            login_failures_per_account="100000/minute",
            login_failures_per_address="100000/minute",
            **province_settings("46"),  # MOF keys: reports are signed, files verified
        )
    )
    codec = TokenCodec(SECRET)
    ids = _user_ids(url)
    tokens = {u: {"Authorization": f"Bearer {codec.issue(ids[u])}"} for u in ids}
    with TestClient(app) as client:
        flow = Flow(client, lambda u: tokens[u])
        for scope in ("province", "unit"):
            card = make_card_sql(url, units["U460001"])
            flow.final(flow.create(card_ids=[card], scope=scope))
        flow.create(card_ids=[make_card_sql(url, units["U460001"])])
        _inventory_scenario(url, units, client, tokens["hd_jb"])
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex=API_PATHS)
    return {"operations": _operations(schema), "tokens": tokens, "url": url, "codec": codec}


def _fresh_logout_token(api_schema: dict[str, Any]) -> dict[str, str]:
    """A token of LOGOUT_USER's current session (each logout ends the one before)."""
    with psycopg.connect(api_schema["url"]) as conn:
        row = conn.execute(
            "select id, session_version from users where username = %s", (LOGOUT_USER,)
        ).fetchone()
    assert row is not None
    return {"Authorization": f"Bearer {api_schema['codec'].issue(row[0], row[1])}"}


def _with_known_ids(case: Any, operation: Any, draw: Any) -> None:
    """Half of the time, each integer path id becomes one that exists."""
    for param in operation.path_parameters:
        if param.definition.get("schema", {}).get("type") == "integer" and draw(st.booleans()):
            case.path_parameters[param.name] = draw(KNOWN_IDS)


# schemathesis' own strategies use the random module, which Hypothesis deprecates
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
@pytest.mark.parametrize("label", LABELS)
def test_api_operation_honours_its_schema_for_every_identity(
    api_schema: dict[str, Any], label: str
) -> None:
    operation = api_schema["operations"][label]
    tokens = api_schema["tokens"]

    @given(case=operation.as_strategy(), who=st.sampled_from(IDENTITIES), data=st.data())
    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: Any, who: str, data: Any) -> None:
        _with_known_ids(case, operation, data.draw)
        headers = _fresh_logout_token(api_schema) if label == LOGOUT else tokens[who]
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_every_operation_is_covered() -> None:
    """Org, inventory, monitor and platform: a new route cannot slip out of the fuzzing."""
    families = {label.split()[1].split("/")[3] for label in LABELS}
    assert {"auth", "me", "users", "cards", "stocktakes", "suggestions", "assets"} <= families
    assert {"sensor-health", "bills", "listings", "mof", "preselections"} <= families
    assert len(LABELS) == sum(len(ops) for p, ops in _OFFLINE["paths"].items() if p != "/health")
