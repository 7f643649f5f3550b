"""The simulator's accounting against the real pipeline: sim → broker → `assetpulse ingest`
→ PostgreSQL. Every valid (sensor, t) it published is stored exactly once, every malformed
message and every invalid reading is dead-lettered, whatever faults were on."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from assetpulse.firmware_sim import FaultSpec, Fleet
from assetpulse.firmware_sim.publisher import BrokerAddress, Publisher, replay
from assetpulse.firmware_sim.register import register_fleet
from assetpulse.firmware_sim.spec import CHINA_TZ
from assetpulse.runner.children import command_available
from tests.fix_ingest import wait_until
from tests.fix_sim import SMALL

pytestmark = pytest.mark.skipif(not command_available("ingest"), reason="no ingest yet")

STORED = "select sensor_id, (extract(epoch from t) * 1000)::bigint from readings"
FLAGS = "select sensor_id, (extract(epoch from t) * 1000)::bigint, flags from readings"
DEAD = (
    "select count(*) filter (where reading_index is null),"
    " count(*) filter (where reading_index is not null) from ingest_dead_letters"
)


@pytest.mark.timeout(120)
def test_pipeline_stores_every_published_reading_once_and_dead_letters_the_rest(
    db, db_url, demo_units, mqtt_broker, unique_id, process_worker
):
    # the last day up to now, with clocks running a day ahead now and then: those readings
    # lie in the future when they arrive and must be stored but flagged
    faults = replace(FaultSpec.typical(), malformed=0.05, invalid_readings=0.1,
                     duplicates=0.1, clock_skew=4.0, skew_s=86_400)  # fmt: skip
    now = datetime.now(CHINA_TZ)
    fleet = Fleet.build(replace(SMALL, prefix="P" + unique_id.upper()[:8], days=2, gateways=3,
                                start=now - timedelta(days=1), faults=faults))  # fmt: skip
    register_fleet(db_url, fleet, unit_id=demo_units["U460001"])
    worker = process_worker(
        database_url=db_url,
        mqtt_url=mqtt_broker.url,
        client_id=f"ingest-{unique_id}",
        ingest_group=f"g{unique_id}",
    )
    try:
        worker.wait_subscribed(timeout=30)
        stream = fleet.messages(readings_per_message=25, to_ms=int(now.timestamp() * 1000))
        publisher = Publisher(BrokerAddress.parse(mqtt_broker.url), fleet.gateway_ids)
        publisher.connect()
        try:
            replay(stream, publisher, threading.Event())
        finally:
            publisher.close()
        acc = stream.accounting
        for fault in ("duplicates", "malformed", "invalid_readings", "dropped_messages"):
            assert getattr(acc, fault), fault

        def done():
            return db.execute("select count(*) from readings").fetchone()[0] >= len(
                acc.valid_keys
            ) and sum(db.execute(DEAD).fetchone()) >= len(acc.malformed)

        wait_until(done, timeout=60, what=f"every reading stored ({worker.log_path})")
        time.sleep(1.0)  # anything stored twice or late would show now
    finally:
        code = worker.terminate()
    stored = db.execute(STORED).fetchall()
    assert len(stored) == len(set(stored))
    assert set(stored) == acc.valid_keys
    whole, single = db.execute(DEAD).fetchone()
    assert whole == len(acc.malformed)
    assert single == acc.invalid_readings
    assert code == 0
    flagged = {(s, t) for s, t, f in db.execute(FLAGS).fetchall() if f & 1}
    ahead = {k for k in acc.skewed_keys if k[1] > now.timestamp() * 1000 + 600_000}
    assert ahead  # skewed beyond the 5-minute tolerance when they arrived
    assert ahead <= flagged <= acc.skewed_keys  # and no reading of a true clock is flagged
