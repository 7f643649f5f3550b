"""Which broker ingest reads (docs/telemetry.md section 7) comes from the settings."""

from __future__ import annotations

import pytest

from assetpulse.ingest.cli import build_config
from assetpulse.ingest.errors import IngestError
from assetpulse.ingest.jetstream import subject_to_topic
from assetpulse.settings import Settings


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in ("DATABASE_URL", "MQTT_URL", "NATS_URL", "INGEST_MAX_INFLIGHT_BYTES"):
        monkeypatch.delenv(f"ASSETPULSE_{name}", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(f"ASSETPULSE_{name.upper()}", value)
    return Settings()


def test_nats_url_alone_is_enough_and_goes_to_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    config = build_config(
        _settings(monkeypatch, database_url="postgresql://db.invalid/x", nats_url="nats://n:4222")
    )
    assert (config.nats_url, config.mqtt_url) == ("nats://n:4222", "")
    assert config.max_inflight_bytes == 64 * 1024 * 1024


def test_no_broker_url_is_refused_naming_both_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(IngestError) as info:
        build_config(_settings(monkeypatch, database_url="postgresql://db.invalid/x"))
    assert info.value.code == "INGEST_NOT_CONFIGURED"
    assert "ASSETPULSE_NATS_URL" in info.value.message


def test_inflight_bytes_below_a_few_broker_messages_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValueError, match="ingest_max_inflight_bytes"):
        _settings(monkeypatch, ingest_max_inflight_bytes="1000")


def test_jetstream_subject_back_to_mqtt_topic() -> None:
    assert subject_to_topic("$MQTT.msgs.assetpulse.v1.gw.GW-1.up") == "assetpulse/v1/gw/GW-1/up"
