"""传感器状态: what an asset officer checks when the sensors go quiet.

A unit's gateways are those its registered sensors report through. For them: online or
offline (from the retained ``…/state`` topic), messages lost in transit (seq gaps), sensors
on the wire that no card is bound to, recent dead letters (messages or readings the
ingest refused, with the reason), and readings another gateway sent for this unit's
sensors (``sensor_gateway_mismatch``: someone faking this unit's usage, or a sensor moved
without updating its registration). Another unit's gateways are never listed.
"""

from __future__ import annotations

from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

GATEWAYS = """
with mine as (
    select distinct gateway_id from sensors where unit_id = %(unit)s and gateway_id is not null
)
select m.gateway_id, g.online, g.changed_at, coalesce(q.missing, 0) as missing_messages,
       (select count(*) from sensors s
         where s.gateway_id = m.gateway_id and s.unit_id = %(unit)s) as sensors
from mine m
left join gateway_state g on g.gateway_id = m.gateway_id
left join ingest_seq_gaps q on q.gateway_id = m.gateway_id
order by g.online nulls first, m.gateway_id
"""

UNBOUND = """
select u.sensor_id, u.gateway_id, u.first_t, u.last_t, u.readings, u.last_seen
from unbound_sensors_open u
where u.gateway_id in (select gateway_id from sensors where unit_id = %(unit)s)
   or u.sensor_id in (select sensor_id from sensors where unit_id = %(unit)s)
order by u.last_seen desc
limit 200
"""

DEAD_LETTERS = """
select d.id, d.received_at, d.gateway_id, d.reason, d.reading_index, d.detail
from ingest_dead_letters d
where (d.gateway_id in (select gateway_id from sensors where unit_id = %(unit)s)
       or d.sensor_id in (select sensor_id from sensors where unit_id = %(unit)s))
  and d.received_at > now() - interval '7 days'
order by d.received_at desc, d.id desc
limit %(limit)s
"""

DEAD_LETTER_COUNTS = """
select d.reason, count(*) as count
from ingest_dead_letters d
where (d.gateway_id in (select gateway_id from sensors where unit_id = %(unit)s)
       or d.sensor_id in (select sensor_id from sensors where unit_id = %(unit)s))
  and d.received_at > now() - interval '7 days'
group by d.reason
order by count(*) desc
"""

# this unit's sensors that another gateway wrote for, in the last 7 days
GATEWAY_MISMATCH = """
select d.sensor_id, s.gateway_id as registered_gateway, count(*) as readings,
       array_agg(distinct d.gateway_id order by d.gateway_id) as from_gateways,
       max(d.received_at) as last_at
from ingest_dead_letters d
join sensors s on s.sensor_id = d.sensor_id and s.unit_id = %(unit)s
where d.reason = 'sensor_gateway_mismatch' and d.received_at > now() - interval '7 days'
group by d.sensor_id, s.gateway_id
order by max(d.received_at) desc
limit 200
"""


async def sensor_health(
    conn: AsyncConnection[Any], *, unit_id: int, dead_letter_limit: int = 50
) -> dict[str, Any]:
    params = {"unit": unit_id, "limit": dead_letter_limit}
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(GATEWAYS, params)
    gateways = await cur.fetchall()
    await cur.execute(UNBOUND, params)
    unbound = await cur.fetchall()
    await cur.execute(DEAD_LETTERS, params)
    dead = await cur.fetchall()
    await cur.execute(DEAD_LETTER_COUNTS, params)
    counts = await cur.fetchall()
    await cur.execute(GATEWAY_MISMATCH, params)
    mismatch = await cur.fetchall()
    return {
        "gateways": gateways,
        "offline_gateways": sum(1 for g in gateways if g["online"] is False),
        "unbound_sensors": unbound,
        "dead_letters": dead,
        "dead_letter_counts": counts,
        "gateway_mismatch": mismatch,
    }
