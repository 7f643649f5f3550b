"""The worker takes its maximum reading age from ASSETPULSE_INGEST_MAX_READING_AGE_DAYS: a
reading older than the setting is dead-lettered (time_too_old), a younger one stored."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import orjson
import psycopg
import pytest

from assetpulse.ingest.cli import build_config
from assetpulse.ingest.model import DAY_MS
from assetpulse.settings import Settings
from tests.fix_ingest import count, envelope, now_ms, stored_keys, temp, up_topic, wait_until


def test_worker_when_max_age_setting_changed_dead_letters_older_and_stores_younger(
    monkeypatch: pytest.MonkeyPatch,
    db: psycopg.Connection[Any],
    db_url: str,
    mqtt_broker: Any,
    publisher_factory: Any,
    thread_worker: Any,
    unique_id: str,
) -> None:
    monkeypatch.setenv("ASSETPULSE_DATABASE_URL", db_url)
    monkeypatch.setenv("ASSETPULSE_MQTT_URL", mqtt_broker.url)
    monkeypatch.setenv("ASSETPULSE_INGEST_MAX_READING_AGE_DAYS", "30")
    config = build_config(
        Settings(), client_id=f"w-{unique_id}", group=f"g-{unique_id}", batch_ms=50
    )
    w = thread_worker(**{f.name: getattr(config, f.name) for f in fields(config)})
    gw = f"GW-{unique_id}"
    now = now_ms()
    # 40 days back is well inside the default 390 days: only the setting refuses it
    readings = [temp(f"OLD-{unique_id}", now - 40 * DAY_MS, 18.0)]
    readings.append(temp(f"NEW-{unique_id}", now - 20 * DAY_MS, 19.0))
    publisher_factory(mqtt_broker).publish(
        [(up_topic(gw), orjson.dumps(envelope(gw, 1, readings)))]
    )
    # received is not yet committed: wait for the store (a loaded machine commits later)
    wait_until(lambda: stored_keys(db_url, "NEW-"), timeout=30, what="the younger reading")
    w.stop()
    assert [s for s, _ in stored_keys(db_url, "NEW-")] == [f"NEW-{unique_id}"]
    assert stored_keys(db_url, "OLD-") == []
    dead = db.execute(
        "select reason, reading_index, payload from ingest_dead_letters where gateway_id = %s",
        (gw,),
    ).fetchall()
    assert [(r, i) for r, i, _ in dead] == [("time_too_old", 0)]
    assert orjson.loads(dead[0][2])["s"] == f"OLD-{unique_id}"
    assert count(db_url, "select count(*) from readings") == 1
