"""Broker fixtures: Mosquitto (session and private), nats-server with JetStream and its MQTT
gateway (session and private, the durable set-up), unique ids."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from assetpulse.localservices import MosquittoProcess, NatsProcess


@pytest.fixture(scope="session")
def mqtt_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MosquittoProcess]:
    """The session's broker; tests that restart a broker must use ``mqtt_private``."""
    broker = MosquittoProcess(tmp_path_factory.mktemp("mqtt"))
    broker.start()
    yield broker
    broker.destroy()


@pytest.fixture
def mqtt_private(tmp_path: Path) -> Iterator[MosquittoProcess]:
    broker = MosquittoProcess(tmp_path / "mqtt")
    broker.start()
    yield broker
    broker.destroy()


@pytest.fixture
def nats_broker(tmp_path: Path) -> Iterator[NatsProcess]:
    """A durable broker per test (it starts in well under a second): its stream is a work
    queue, one consumer per subject, so tests must not share one (and may kill it)."""
    broker = NatsProcess(tmp_path / "nats")
    broker.start()
    yield broker
    broker.destroy()


@pytest.fixture
def nats_private(nats_broker: NatsProcess) -> NatsProcess:
    return nats_broker


@pytest.fixture
def unique_id() -> str:
    """A short id to keep gateway ids, client ids and groups of one test apart."""
    return uuid.uuid4().hex[:10]
