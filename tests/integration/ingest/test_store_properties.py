"""Property-based, through the real store: every message ends stored, dead-lettered or
quarantined, and the counts the store reports are what the database holds."""

from __future__ import annotations

from typing import Any

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assetpulse.ingest.decode import decode
from assetpulse.ingest.model import Batch, Received
from assetpulse.ingest.store import ReadingStore
from tests.fix_ingest import now_ms, up_topic
from tests.unit.ingest.test_decode_properties import mutated_messages

NOW = now_ms()  # too-old strategy times are dead-lettered: the accounting holds either way
COUNTS = """
select (select count(*) from readings), (select count(*) from ingest_dead_letters),
       (select coalesce(sum(readings), 0) from unbound_sensors)
"""


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    messages=st.lists(
        mutated_messages() | st.tuples(st.just(up_topic("G")), st.binary()), max_size=12
    )
)
def test_store_every_message_ends_stored_dead_lettered_or_quarantined(
    db_url: str, messages: list[tuple[str, bytes]]
) -> None:
    store = ReadingStore(db_url)
    try:
        items = [Received(t, raw, NOW, decode(raw, t, now_ms=NOW)) for t, raw in messages]
        with psycopg.connect(db_url, autocommit=True) as conn:
            before: Any = conn.execute(COUNTS).fetchone()
            result = store.write(items)
            after: Any = conn.execute(COUNTS).fetchone()
    finally:
        store.close()
    good = sum(len(i.decoded.readings) for i in items if isinstance(i.decoded, Batch))
    bad = sum(len(i.decoded.bad) for i in items if isinstance(i.decoded, Batch))
    dead_messages = sum(1 for i in items if not isinstance(i.decoded, Batch))
    # every good reading is stored now or was already (duplicate), or met a stored one with
    # other values (conflicting: a dead letter); every other one and every broken message is
    # a dead-letter row; no sensor is bound here, so all are quarantined
    assert result.stored + result.duplicates + result.conflicting == good
    assert after[0] - before[0] == result.stored
    dead = bad + dead_messages + result.conflicting
    assert after[1] - before[1] == dead == result.dead_readings + result.dead_messages
    assert after[2] - before[2] == result.quarantined == good
