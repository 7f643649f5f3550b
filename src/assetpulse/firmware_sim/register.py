"""Registers a simulated fleet in the database (登记模拟资产): cards, sensors, bindings.

Idempotent: running it twice for the same fleet and unit changes nothing. Every card,
sensor and binding of the fleet is written in one transaction, so a refused fleet (an
asset code that another unit owns) leaves nothing half-written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from assetpulse.errors import ErrorKind
from assetpulse.firmware_sim.catalog import Kind
from assetpulse.firmware_sim.fleet import Asset, Fleet
from assetpulse.firmware_sim.spec import SimError

UPSERT_CARD = """
insert into asset_cards (asset_code, name, category_code, unit_id, department_id, location,
    status, measure_unit, quantity, area, original_value, net_value, acquired_on, attributes)
values (%(asset_code)s, %(name)s, %(category_code)s, %(unit_id)s, %(department_id)s,
    %(location)s, 'in_use', %(measure_unit)s, %(quantity)s, %(area)s, %(value)s, %(net)s,
    %(acquired_on)s, %(attributes)s)
on conflict (asset_code) do update set asset_code = excluded.asset_code
returning id, unit_id
"""

UPSERT_SENSOR = """
insert into sensors (sensor_id, kind, gateway_id, label) values (%s, %s, %s, %s)
on conflict (sensor_id) do nothing
"""

BIND_FROM = """
insert into sensor_bindings (sensor_id, card_id, valid)
select %(sensor_id)s, %(card_id)s, tstzrange(%(from)s, null)
where not exists (
    select 1 from sensor_bindings where sensor_id = %(sensor_id)s and card_id = %(card_id)s)
"""


def _card_row(asset: Asset, unit_id: int, department_id: int | None) -> dict[str, Any]:
    p = asset.profile
    room = p.kind is Kind.ROOM
    return {
        "asset_code": asset.asset_code,
        "name": asset.name,
        "category_code": p.category_code,
        "unit_id": unit_id,
        "department_id": department_id,
        "location": asset.home.zone,
        "measure_unit": p.measure_unit,
        "quantity": None if room else 1,
        "area": 36 if room else None,
        "value": p.value_yuan,
        "net": round(p.value_yuan * 0.6, 2),
        "acquired_on": datetime(2021, 3, 1, tzinfo=UTC).date(),
        "attributes": Jsonb({"simulated": True, "kind": p.kind.value, "gateway": asset.gateway_id}),
    }


def register_fleet(
    conninfo: str,
    fleet: Fleet,
    *,
    unit_id: int,
    department_ids: Mapping[Kind, int] | None = None,
    valid_from: datetime | None = None,
) -> dict[str, int]:
    """Create the fleet's cards, sensors and bindings for ``unit_id``; asset code → card id.

    Bindings are valid from ``valid_from`` (default: the start of the simulated window)
    with no end, so every reading the simulator sends lands on its card.
    """
    since = valid_from or datetime.fromtimestamp(fleet.spec.start_ms / 1000, tz=UTC)
    departments = department_ids or {}
    ids: dict[str, int] = {}
    with psycopg.connect(conninfo) as conn, conn.transaction():
        for asset in fleet.assets:
            row = conn.execute(
                UPSERT_CARD, _card_row(asset, unit_id, departments.get(asset.kind))
            ).fetchone()
            assert row is not None  # insert … returning always returns a row
            if int(row[1]) != unit_id:
                raise SimError(
                    "SIM_CODE_TAKEN",
                    f"资产编号 {asset.asset_code} 已属于其他单位，请换一个模拟前缀（--prefix）",
                    kind=ErrorKind.CONFLICT,
                    asset_code=asset.asset_code,
                )
            ids[asset.asset_code] = int(row[0])
        with conn.cursor() as cur:
            cur.executemany(
                UPSERT_SENSOR,
                [
                    (s.sensor_id, s.kind, a.gateway_id, f"{a.name} {s.kind}")
                    for a in fleet.assets
                    for s in a.sensors
                ],
            )
            try:
                cur.executemany(
                    BIND_FROM,
                    [
                        {"sensor_id": s.sensor_id, "card_id": ids[a.asset_code], "from": since}
                        for a in fleet.assets
                        for s in a.sensors
                    ],
                )
            except psycopg.errors.ExclusionViolation as exc:
                raise SimError(
                    "SIM_SENSOR_BOUND",
                    "模拟传感器已绑定到其他资产，请换一个模拟前缀（--prefix）",
                    kind=ErrorKind.CONFLICT,
                ) from exc
    return ids
