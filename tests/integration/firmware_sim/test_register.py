"""Registering a simulated fleet in the real database: cards, sensors, bindings, once."""

from __future__ import annotations

import pytest

from assetpulse.firmware_sim import SimError
from assetpulse.firmware_sim.register import register_fleet

COUNTS = """
select (select count(*) from asset_cards where asset_code like 'TST-%'),
       (select count(*) from sensors where sensor_id like 'TST-%'),
       (select count(*) from sensor_bindings where sensor_id like 'TST-%')
"""


def test_register_fleet_creates_cards_sensors_and_bindings_once(
    db, db_url, demo_units, small_fleet
):
    unit = demo_units["U460001"]
    ids = register_fleet(db_url, small_fleet, unit_id=unit)
    again = register_fleet(db_url, small_fleet, unit_id=unit)
    n_sensors = sum(len(a.sensors) for a in small_fleet.assets)
    assert ids == again
    assert db.execute(COUNTS).fetchone() == (32, n_sensors, n_sensors)
    rows = db.execute(
        "select c.asset_code, c.category_code, c.unit_id, s.kind, s.gateway_id,"
        " lower(b.valid), upper(b.valid)"
        " from sensor_bindings b join asset_cards c on c.id = b.card_id"
        " join sensors s on s.sensor_id = b.sensor_id"
    ).fetchall()
    by_code = {a.asset_code: a for a in small_fleet.assets}
    for code, category, unit_id, _kind, gw, lower, upper in rows:
        assert category == by_code[code].category_code
        assert unit_id == unit
        assert gw == by_code[code].gateway_id
        assert lower.timestamp() * 1000 == small_fleet.spec.start_ms
        assert upper is None


def test_register_fleet_code_owned_by_other_unit_refused_and_nothing_written(
    db, db_url, demo_units, small_fleet
):
    last = small_fleet.assets[-1]
    db.execute(
        "insert into asset_cards (asset_code, name, category_code, unit_id)"
        " values (%s, '别人的资产', %s, %s)",
        (last.asset_code, last.category_code, demo_units["U460002"]),
    )
    with pytest.raises(SimError) as err:
        register_fleet(db_url, small_fleet, unit_id=demo_units["U460001"])
    assert err.value.code == "SIM_CODE_TAKEN"
    assert db.execute(COUNTS).fetchone() == (1, 0, 0)
