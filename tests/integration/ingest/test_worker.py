"""A worker on the real broker and database: every message ends stored, dead-lettered or
quarantined; duplicates stored once; gateway states; metrics at /metrics."""

from __future__ import annotations

import urllib.request
from typing import Any

import orjson
import psycopg

from assetpulse.localservices import free_port
from tests.fix_ingest import (
    bulk_stream,
    count,
    envelope,
    now_ms,
    photo,
    stored_keys,
    temp,
    up_topic,
    wait_until,
)


def _bind(db: psycopg.Connection[Any], unit_id: int, sensor_id: str, since_ms: int) -> None:
    category = db.execute("select code from categories order by code limit 1").fetchone()
    assert category is not None
    card = db.execute(
        "insert into asset_cards (asset_code, name, category_code, unit_id)"
        " values (%s, 'test asset', %s, %s) returning id",
        (f"A-{sensor_id}".upper(), category[0], unit_id),
    ).fetchone()
    assert card is not None
    db.execute("insert into sensors (sensor_id, kind) values (%s, 'temp')", (sensor_id,))
    db.execute(
        "insert into sensor_bindings (sensor_id, card_id, valid)"
        " values (%s, %s, tstzrange(to_timestamp(%s / 1000.0), null))",
        (sensor_id, card[0], since_ms),
    )


def test_worker_mixed_traffic_every_reading_accounted_for(
    db: psycopg.Connection[Any],
    db_url: str,
    demo_units: dict[str, int],
    mqtt_broker: Any,
    publisher_factory: Any,
    thread_worker: Any,
    unique_id: str,
) -> None:
    gw = f"GW-{unique_id}"
    t0 = now_ms() - 600_000
    bound = f"B-{unique_id}"
    _bind(db, demo_units["U460001"], bound, t0 - 1000)
    good = envelope(
        gw,
        1,
        [temp(bound, t0, 21.5), temp(f"U-{unique_id}", t0, 22.0), photo(f"P-{unique_id}", t0)],
    )  # the photo reading has neither on nor lux: dead-lettered alone
    skewed = envelope(gw, 2, [temp(bound, now_ms() + 3_600_000, 30.0)])
    mismatch = envelope("OTHER-GW", 3, [temp(bound, t0 + 1, 20.0)])
    messages = [
        (up_topic(gw), orjson.dumps(good)),
        (up_topic(gw), orjson.dumps(good)),  # a duplicate publish
        (up_topic(gw), orjson.dumps(skewed)),
        (up_topic(gw), orjson.dumps(mismatch)),
        (up_topic(gw), b"{not json"),
        (f"assetpulse/v1/gw/{gw}/state", b"online"),
    ]
    w = thread_worker(
        database_url=db_url,
        mqtt_url=mqtt_broker.url,
        client_id=f"w-{unique_id}",
        group=f"g-{unique_id}",
        batch_ms=50,
    )
    publisher_factory(mqtt_broker).publish(messages)
    wait_until(lambda: w.worker.metrics.messages._value.get() >= 6, timeout=20, what="6 messages")
    w.stop()
    totals = w.worker.totals
    assert (totals.stored, totals.duplicates) == (3, 2)
    assert (totals.dead_readings, totals.dead_messages) == (2, 2)
    assert sorted(k[0] for k in stored_keys(db_url, "")) == sorted([bound, bound, f"U-{unique_id}"])
    flags = db.execute("select flags from readings where t > now()").fetchall()
    assert flags == [(1,)]
    dead = db.execute(
        "select reason, reading_index, gateway_id from ingest_dead_letters order by id"
    ).fetchall()
    assert sorted(dead, key=str) == sorted(
        [
            ("missing_value", 2, gw),
            ("missing_value", 2, gw),
            ("gateway_mismatch", None, gw),
            ("not_json", None, gw),
        ],
        key=str,
    )
    unbound = db.execute("select sensor_id, gateway_id, readings from unbound_sensors").fetchall()
    assert unbound == [(f"U-{unique_id}", gw, 2)]
    assert db.execute("select online from gateway_state where gateway_id = %s", (gw,)).fetchone()
    assert count(db_url, "select count(*) from ingest_seq_blocks") == 1


def test_worker_metrics_and_health_endpoints_count_readings_and_say_running(
    db_url: str, mqtt_broker: Any, publisher_factory: Any, thread_worker: Any, unique_id: str
) -> None:
    port = free_port()
    stream = bulk_stream(f"M{unique_id}", gateways=2, messages=40, per_message=5)
    w = thread_worker(
        database_url=db_url,
        mqtt_url=mqtt_broker.url,
        client_id=f"w-{unique_id}",
        group=f"g-{unique_id}",
        metrics_port=port,
        batch_ms=50,
    )
    publisher_factory(mqtt_broker).publish(stream.messages)
    wait_until(
        lambda: count(db_url, "select count(*) from readings") == 200, timeout=20, what="rows"
    )
    wait_until(lambda: w.worker.metrics.stored._value.get() == 200, timeout=5, what="metrics")
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    assert "assetpulse_ingest_readings_stored_total 200.0" in text
    assert "assetpulse_ingest_batch_seconds_count" in text
    assert "assetpulse_ingest_queue_depth" in text
    health = orjson.loads(
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).read()
    )
    assert health["status"] == "ok"
    assert health["state"] == "running"
    assert health["broker_connected"] is True
    assert health["database"] == "ok"
    assert 0 <= health["last_commit_age_s"] < 20


def test_two_workers_share_one_subscription_and_store_each_reading_once(
    db_url: str, mqtt_broker: Any, publisher_factory: Any, thread_worker: Any, unique_id: str
) -> None:
    stream = bulk_stream(f"S{unique_id}", gateways=3, messages=600, per_message=3)
    workers = [
        thread_worker(
            database_url=db_url,
            mqtt_url=mqtt_broker.url,
            client_id=f"w{n}-{unique_id}",
            group=f"g-{unique_id}",
            batch_ms=30,
        )
        for n in range(2)
    ]
    publisher_factory(mqtt_broker).publish(stream.messages)
    wait_until(
        lambda: count(db_url, "select count(*) from readings") >= len(stream.keys),
        timeout=30,
        what="all rows",
    )
    for w in workers:
        w.stop()
    shares = [w.worker.totals.stored for w in workers]
    assert sum(shares) == len(stream.keys)
    assert min(shares) > 0, shares
    assert sorted(stored_keys(db_url, "")) == sorted(stream.keys)
    assert count(db_url, "select coalesce(sum(missing), 0) from ingest_seq_gaps") == 0
