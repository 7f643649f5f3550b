"""The ingest workers' bindings cache follows binding changes without reloading the table."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from assetpulse.ingest.guards import BindingCache

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def _ms(t: datetime) -> int:
    return int(t.timestamp() * 1000)


def test_bindings_cache_when_bindings_change_then_only_those_sensors_reread(db, monitor_world):
    card = monitor_world.card("投影仪", "A020104")
    for i in range(50):
        monitor_world.bind(f"PH-C{i}", "photo", card, T0)
    db.execute("update sensor_binding_changes set changed_at = changed_at - interval '1 hour'")
    cache = BindingCache(refresh_s=0)
    cache.refresh(db)
    later = _ms(T0 + timedelta(days=3))
    assert cache.bound("PH-C1", later)
    assert not cache.bound("PH-NEW", later)
    # an operator binds a new sensor, closes one binding and deletes another
    monitor_world.bind("PH-NEW", "photo", card, T0)
    db.execute(
        "update sensor_bindings set valid = tstzrange(lower(valid), %s) where sensor_id = 'PH-C1'",
        (T0 + timedelta(days=2),),
    )
    db.execute("delete from sensor_bindings where sensor_id = 'PH-C2'")
    time.sleep(0.01)
    assert cache.follow(db) == 3  # the three sensors changed, not the fifty-odd bound
    assert cache.bound("PH-NEW", later)
    assert not cache.bound("PH-C1", later)
    assert cache.bound("PH-C1", _ms(T0 + timedelta(days=1)))
    assert not cache.bound("PH-C2", later)
    assert cache.bound("PH-C3", later)
    # nothing changed since: the next look reads (about) nothing
    assert cache.follow(db) <= 3
