"""Property-based API tests from the OpenAPI schema (schemathesis, in-process ASGI).

Every platform operation is called with generated inputs as an authenticated operator of
海南大学 on a scenario with bills and listings: no 5xx, and every response matches the
documented schema (status code, content type, body). Examples are bounded per operation
so that the run stays within seconds. (schemathesis' pytest plugin and its lazy fixture
loader do not work with pytest 9 here, so the operations are driven through Hypothesis
directly, one test per operation.)
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from assetpulse.localservices import PostgresProcess
from assetpulse.org.seed import DEMO_PASSWORD, seed_demo_org
from assetpulse.platform.api import create_app
from assetpulse.settings import Settings
from tests.fix_db import _clone
from tests.fix_platform import Flow, make_card_sql

PLATFORM_PATHS = r"^/api/v1/(bills|reviews|listings|preselections|mof)"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _operations(schema: Any) -> dict[str, Any]:
    return {op.label: op for op in (r.ok() for r in schema.get_all_operations())}


# the operations are known without a database: the schema is built from the routes alone
_OFFLINE = create_app(
    Settings(database_url="postgresql://offline.invalid/none", jwt_secret="o" * 32)
).openapi()
LABELS = sorted(
    _operations(schemathesis.openapi.from_dict(_OFFLINE).include(path_regex=PLATFORM_PATHS))
)


@pytest.fixture(scope="module")
def platform_schema(pg_server: PostgresProcess, pg_template: str) -> dict[str, Any]:
    url = _clone(pg_server, pg_template)
    units = seed_demo_org(url)
    app = create_app(
        Settings(database_url=url, jwt_secret="test-secret-" + "x" * 20, api_docs=True)
    )
    with TestClient(app) as client:
        tokens = {}
        for user in ("hd_jb", "hd_sh", "jyt_sh"):
            r = client.post(
                "/api/v1/auth/token", data={"username": user, "password": DEMO_PASSWORD}
            )
            tokens[user] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        flow = Flow(client, lambda u: tokens[u])
        for scope in ("province", "unit"):
            card = make_card_sql(url, units["U460001"])
            flow.final(flow.create(card_ids=[card], scope=scope))
        flow.create(card_ids=[make_card_sql(url, units["U460001"])])
    schema = schemathesis.openapi.from_asgi("/openapi.json", app).include(path_regex=PLATFORM_PATHS)
    return {"operations": _operations(schema), "headers": tokens["hd_jb"]}


@pytest.mark.parametrize("label", LABELS)
def test_platform_operation_honours_its_schema(platform_schema: dict[str, Any], label: str) -> None:
    operation = platform_schema["operations"][label]
    headers = platform_schema["headers"]

    @given(case=operation.as_strategy())
    @settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
