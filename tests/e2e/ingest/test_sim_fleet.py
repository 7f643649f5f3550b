"""End to end with the simulator's telemetry: a faulty fleet → Mosquitto → ``assetpulse ingest
--workers 2`` (one shared subscription) → PostgreSQL. Every reading is accounted for:
stored once, dead-lettered (whole message or alone), duplicates dropped by identity; the
gateway whose sensors nobody bound shows up as unbound; dropped messages show as seq gaps.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import psycopg

from assetpulse.firmware_sim import FaultSpec, Fleet
from assetpulse.firmware_sim.publisher import BrokerAddress, Publisher, replay
from assetpulse.firmware_sim.register import register_fleet
from assetpulse.firmware_sim.spec import CHINA_TZ, FleetSpec
from tests.fix_ingest import count, stored_keys, wait_until

DEAD = (
    "select count(*) filter (where reading_index is null),"
    " count(*) filter (where reading_index is not null) from ingest_dead_letters"
)


def test_sim_fleet_through_two_workers_every_reading_accounted_for(
    db: psycopg.Connection[Any],
    db_url: str,
    demo_units: dict[str, int],
    mqtt_broker: Any,
    unique_id: str,
    process_worker: Any,
) -> None:
    faults = replace(FaultSpec.typical(), malformed=0.03, invalid_readings=0.05, duplicates=0.1)
    prefix = "E" + unique_id.upper()[:8]
    now = datetime.now(CHINA_TZ)
    spec = FleetSpec(
        gateways=4, assets_per_gateway=6, seed=11, prefix=prefix, days=2,
        start=now - timedelta(days=1), faults=faults,
    )  # fmt: skip
    fleet = Fleet.build(spec)
    register_fleet(db_url, fleet, unit_id=demo_units["U460001"])
    orphan_gw = fleet.gateway_ids[-1]  # its sensors lose their bindings: quarantined
    db.execute(
        "delete from sensor_bindings where sensor_id in"
        " (select sensor_id from sensors where gateway_id = %s)",
        (orphan_gw,),
    )
    worker = process_worker(
        database_url=db_url,
        mqtt_url=mqtt_broker.url,
        client_id=f"ingest-{unique_id}",
        ingest_group=f"g{unique_id}",
        args=["--workers", "2"],
    )
    try:
        worker.wait_subscribed(times=2, timeout=60)
        stream = fleet.messages(readings_per_message=20, to_ms=int(now.timestamp() * 1000))
        publisher = Publisher(BrokerAddress.parse(mqtt_broker.url), fleet.gateway_ids)
        publisher.connect()
        try:
            replay(stream, publisher, threading.Event())
        finally:
            publisher.close()
        acc = stream.accounting
        assert acc.duplicates
        assert acc.malformed
        assert acc.invalid_readings
        wait_until(
            lambda: (
                count(db_url, "select count(*) from readings") >= len(acc.valid_keys)
                and sum(db.execute(DEAD).fetchone() or (0, 0))
                >= len(acc.malformed) + acc.invalid_readings
            ),
            timeout=90,
            what="every reading stored or dead-lettered",
        )
    finally:
        code = worker.terminate()
    assert code == 0
    log_text = worker.log_path.read_text(errors="replace")
    assert "ingest-" + unique_id + "-1" in log_text
    assert "ingest-" + unique_id + "-2" in log_text  # both workers took part
    keys = stored_keys(db_url, prefix)
    assert len(keys) == len(set(keys)) == len(acc.valid_keys)
    assert set(keys) == acc.valid_keys
    whole, single = db.execute(DEAD).fetchone() or (0, 0)
    assert (whole, single) == (len(acc.malformed), acc.invalid_readings)
    unbound = {r[0] for r in db.execute("select gateway_id from unbound_sensors_open")}
    assert unbound == {orphan_gw}
    missing = count(db_url, "select coalesce(sum(missing), 0) from ingest_seq_gaps")
    assert 0 < missing <= acc.dropped_messages
