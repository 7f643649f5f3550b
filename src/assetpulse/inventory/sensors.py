"""Sensors and their bindings to cards (传感器绑定), with validity periods.

A sensor moved to another asset keeps its history with the old one: rebinding closes the
open binding at the new binding's start; a period that would overlap an earlier one is
refused (the database's exclusion constraint is the last word, BINDING_OVERLAP here).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import AsyncConnection
from psycopg import errors as pg_errors
from psycopg.rows import dict_row
from psycopg.types.range import Range

from assetpulse.inventory import errors

INSERT_SENSOR = """
insert into sensors (sensor_id, kind, gateway_id, label, unit_id) values (%s, %s, %s, %s, %s)
on conflict (sensor_id) do nothing
returning sensor_id
"""

CLAIM_SENSOR = """
update sensors set unit_id = %s, kind = %s, gateway_id = coalesce(%s, gateway_id),
    label = coalesce(%s, label)
where sensor_id = %s and unit_id is null
returning sensor_id
"""

SENSOR_BY_ID = """
select sensor_id, kind, gateway_id, label, unit_id, created_at from sensors where sensor_id = %s
"""
LOCK_SENSOR = "select unit_id from sensors where sensor_id = %s for update"

LIST_SENSORS = """
select s.sensor_id, s.kind, s.gateway_id, s.label, s.unit_id, s.created_at,
       b.card_id as bound_card_id
from sensors s
left join sensor_bindings b on b.sensor_id = s.sensor_id and b.valid @> now()
where s.unit_id = %s
order by s.sensor_id
"""

LIST_BINDINGS = """
select id, sensor_id, card_id, lower(valid) as valid_from, upper(valid) as valid_to, created_at
from sensor_bindings where sensor_id = %s order by lower(valid)
"""

OPEN_BINDING = """
select id, lower(valid) from sensor_bindings
where sensor_id = %s and upper_inf(valid) for update
"""

CLOSE_BINDING = "update sensor_bindings set valid = tstzrange(lower(valid), %s) where id = %s"

INSERT_BINDING = """
insert into sensor_bindings (sensor_id, card_id, valid) values (%s, %s, %s) returning id
"""

CARD_UNIT = "select unit_id, status from asset_cards where id = %s"


def _sensor_not_found(sensor_id: str) -> errors.InventoryError:
    return errors.not_found("SENSOR_NOT_FOUND", "传感器不存在或不属于本单位。", sensor_id=sensor_id)


async def register_sensor(
    conn: AsyncConnection[Any],
    *,
    sensor_id: str,
    kind: str,
    unit_id: int,
    gateway_id: str | None,
    label: str | None,
) -> None:
    """Register a sensor for a unit; a sensor already seen on the wire is claimed."""
    async with conn.transaction():
        cur = await conn.execute(INSERT_SENSOR, (sensor_id, kind, gateway_id, label, unit_id))
        if await cur.fetchone() is not None:
            return
        cur = await conn.execute(CLAIM_SENSOR, (unit_id, kind, gateway_id, label, sensor_id))
        if await cur.fetchone() is None:
            raise errors.conflict(
                "SENSOR_EXISTS", "该传感器编号已登记，请核对编号。", sensor_id=sensor_id
            )


async def get_sensor(conn: AsyncConnection[Any], sensor_id: str, unit_id: int) -> dict[str, Any]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(SENSOR_BY_ID, (sensor_id,))
    row = await cur.fetchone()
    if row is None or row["unit_id"] != unit_id:
        raise _sensor_not_found(sensor_id)
    return row


async def list_sensors(conn: AsyncConnection[Any], unit_id: int) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(LIST_SENSORS, (unit_id,))
    return await cur.fetchall()


async def list_bindings(conn: AsyncConnection[Any], sensor_id: str) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(LIST_BINDINGS, (sensor_id,))
    return await cur.fetchall()


async def bind_sensor(
    conn: AsyncConnection[Any],
    *,
    sensor_id: str,
    card_id: int,
    unit_id: int,
    valid_from: datetime,
    valid_to: datetime | None,
) -> int:
    """Bind from ``valid_from`` (to ``valid_to`` or open); closes an earlier open binding."""
    if valid_to is not None and valid_to <= valid_from:
        raise errors.invalid("BINDING_PERIOD_INVALID", "绑定结束时间须晚于开始时间。")
    async with conn.transaction():
        cur = await conn.execute(LOCK_SENSOR, (sensor_id,))
        row = await cur.fetchone()
        if row is None or row[0] != unit_id:
            raise _sensor_not_found(sensor_id)
        cur = await conn.execute(CARD_UNIT, (card_id,))
        card = await cur.fetchone()
        if card is None or card[0] != unit_id:
            raise errors.card_not_found(card_id)
        if card[1] in ("disposed", "split"):
            raise errors.card_not_active(card_id, card[1])
        cur = await conn.execute(OPEN_BINDING, (sensor_id,))
        open_row = await cur.fetchone()
        if open_row is not None and open_row[1] < valid_from:
            await conn.execute(CLOSE_BINDING, (valid_from, open_row[0]))
        try:
            async with conn.transaction():
                cur = await conn.execute(
                    INSERT_BINDING, (sensor_id, card_id, Range(valid_from, valid_to, "[)"))
                )
        except pg_errors.ExclusionViolation as exc:
            raise errors.conflict(
                "BINDING_OVERLAP",
                "该传感器在这段时间已绑定其他卡片（有效期重叠），请调整开始时间。",
                sensor_id=sensor_id,
            ) from exc
        got = await cur.fetchone()
        assert got is not None
        return int(got[0])
