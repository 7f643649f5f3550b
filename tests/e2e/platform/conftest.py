"""Platform e2e fixtures: the API of a Hainan deployment that signs its MOF batches with the
test province key and trusts the test national hub (``mofhub``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from assetpulse.platform.api import create_app
from assetpulse.settings import Settings
from tests.e2e.platform.mofhub import province_settings


@pytest.fixture
def api(db_url: str, demo_units: dict[str, int]) -> Iterator[TestClient]:
    settings = Settings(
        database_url=db_url, jwt_secret="test-secret-" + "x" * 20, **province_settings("46")
    )
    with TestClient(create_app(settings), raise_server_exceptions=True) as client:
        yield client
