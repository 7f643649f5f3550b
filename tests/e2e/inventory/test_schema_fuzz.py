"""Property-based calls of every inventory operation from the OpenAPI schema: whatever
the input, no server error, and the answer matches the documented status codes.

Runs as 海南大学's operator (who may do the most) on the demo cards; a few examples per
operation keep it within seconds.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from assetpulse.localservices import PostgresProcess
from assetpulse.org.seed import DEMO_PASSWORD, seed_demo_org
from assetpulse.platform.api import create_app
from assetpulse.settings import Settings
from tests.fix_db import _clone

PATHS = r"^/api/v1/(cards|card-changes|disposals|sensors|stocktakes|labels)"


def _operations(schema: Any) -> dict[str, Any]:
    return {op.label: op for op in (r.ok() for r in schema.get_all_operations())}


_OFFLINE = create_app(
    Settings(database_url="postgresql://offline.invalid/none", jwt_secret="o" * 32)
).openapi()
LABELS = sorted(_operations(schemathesis.openapi.from_dict(_OFFLINE).include(path_regex=PATHS)))


@pytest.fixture(scope="module")
def inventory_schema(pg_server: PostgresProcess, pg_template: str) -> dict[str, Any]:
    url = _clone(pg_server, pg_template)
    units = seed_demo_org(url)
    with psycopg.connect(url) as conn, conn.transaction():
        for i in range(1, 4):
            conn.execute(
                "insert into asset_cards (id, asset_code, name, category_code, unit_id, status,"
                " quantity) values (%s, %s, '台式机', 'A02010105', %s, 'leased', 4)",
                (i, f"FZ-000{i}", units["U460001"]),
            )
    app = create_app(
        Settings(database_url=url, jwt_secret="test-secret-" + "x" * 20, api_docs=True)
    )
    with TestClient(app) as client:
        r = client.post("/api/v1/auth/token", data={"username": "hd_jb", "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        client.post(
            "/api/v1/stocktakes", json={"title": "t", "deadline": "2030-01-01"}, headers=headers
        )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex=PATHS)
    return {"operations": _operations(schema), "headers": headers}


# schemathesis' own strategies use the random module, which Hypothesis deprecates
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
@pytest.mark.parametrize("label", LABELS)
def test_inventory_operation_never_fails_on_the_server(
    inventory_schema: dict[str, Any], label: str
) -> None:
    operation = inventory_schema["operations"][label]
    headers = inventory_schema["headers"]

    @given(case=operation.as_strategy())
    @settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    run()
