"""传感器状态 over HTTP: offline gateways, unbound sensors and dead letters of one's own unit."""

from __future__ import annotations

import psycopg
from fastapi.testclient import TestClient

from tests.fix_api import AuthHeaders


def _world(db: psycopg.Connection, units: dict[str, int]) -> None:
    db.execute(
        "insert into sensors (sensor_id, kind, gateway_id, unit_id) values"
        " ('PH-A1', 'photo', 'GW-A', %s), ('PH-B1', 'photo', 'GW-B', %s)",
        (units["U460001"], units["U460002"]),
    )
    db.execute(
        "insert into gateway_state (gateway_id, online) values ('GW-A', false), ('GW-B', true)"
    )
    db.execute(
        "insert into ingest_dead_letters (topic, gateway_id, reason, detail, payload) values"
        " ('assetpulse/v1/gw/GW-A/up', 'GW-A', 'not_json', '不是 JSON', 'x'),"
        " ('assetpulse/v1/gw/GW-A/up', 'GW-A', 'not_json', '不是 JSON', 'y'),"
        " ('assetpulse/v1/gw/GW-B/up', 'GW-B', 'bad_version', 'v=2', 'z')"
    )
    db.execute(
        "insert into unbound_sensors (sensor_id, gateway_id, first_t, last_t, readings)"
        " values ('TM-NEW', 'GW-A', now(), now(), 12)"
    )


def test_sensor_health_when_gateway_offline_then_unit_sees_it_with_unbound_and_dead_letters(
    api: TestClient, auth: AuthHeaders, db: psycopg.Connection, demo_units: dict[str, int]
) -> None:
    _world(db, demo_units)
    body = api.get("/api/v1/sensor-health", headers=auth("hd_jb")).json()
    assert [(g["gateway_id"], g["online"]) for g in body["gateways"]] == [("GW-A", False)]
    assert body["offline_gateways"] == 1
    assert [u["sensor_id"] for u in body["unbound_sensors"]] == ["TM-NEW"]
    assert {d["gateway_id"] for d in body["dead_letters"]} == {"GW-A"}
    assert body["dead_letter_counts"] == [{"reason": "not_json", "count": 2}]


def test_sensor_health_when_other_unit_then_its_gateways_stay_hidden(
    api: TestClient, auth: AuthHeaders, db: psycopg.Connection, demo_units: dict[str, int]
) -> None:
    _world(db, demo_units)
    body = api.get("/api/v1/sensor-health", headers=auth("hs_jb")).json()
    assert [g["gateway_id"] for g in body["gateways"]] == ["GW-B"]
    assert body["unbound_sensors"] == []
    assert [d["reason"] for d in body["dead_letters"]] == ["bad_version"]


def test_sensor_health_without_login_is_refused(api: TestClient) -> None:
    assert api.get("/api/v1/sensor-health").status_code == 401


def test_sensor_health_when_other_gateway_wrote_for_own_sensor_then_unit_sees_it(
    api: TestClient, auth: AuthHeaders, db: psycopg.Connection, demo_units: dict[str, int]
) -> None:
    _world(db, demo_units)
    db.execute(
        "insert into ingest_dead_letters (topic, gateway_id, reason, reading_index, detail,"
        " payload, sensor_id) values ('assetpulse/v1/gw/GW-B/up', 'GW-B',"
        " 'sensor_gateway_mismatch', 0, 'sensor PH-A1 is registered to gateway GW-A', 'x',"
        " 'PH-A1')"
    )
    mine = api.get("/api/v1/sensor-health", headers=auth("hd_jb")).json()
    assert [(m["sensor_id"], m["registered_gateway"], m["from_gateways"], m["readings"])
            for m in mine["gateway_mismatch"]] == [("PH-A1", "GW-A", ["GW-B"], 1)]  # fmt: skip
    assert {"reason": "sensor_gateway_mismatch", "count": 1} in mine["dead_letter_counts"]
    # the intruding gateway's unit does not see the victim's sensor
    theirs = api.get("/api/v1/sensor-health", headers=auth("hs_jb")).json()
    assert theirs["gateway_mismatch"] == []
