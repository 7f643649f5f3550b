"""firmware_sim fixtures: small seeded fleets and an independent MQTT.md v1 checker.

The checker is written from MQTT.md alone (not from the simulator's code), so tests that
use it check the simulator's payloads against the contract, not against themselves.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pytest

from assetpulse.firmware_sim import FaultSpec, Fleet, FleetSpec, Realism
from assetpulse.firmware_sim.spec import CHINA_TZ

_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_TOPIC = re.compile(r"^assetpulse/v1/gw/([A-Za-z0-9_.-]{1,64})/up$")


def reading_violation(r: Any) -> str | None:
    """Why one reading breaks MQTT.md, or None when it is valid."""
    if not isinstance(r, dict):
        return "not an object"
    if not isinstance(r.get("s"), str) or not _ID.match(r["s"]):
        return "bad s"
    t = r.get("t")
    if isinstance(t, bool) or not isinstance(t, int | str):
        return "bad t"
    if isinstance(t, str):
        try:
            datetime.fromisoformat(t.replace("Z", "+00:00"))
        except ValueError:
            return "bad t"
    k = r.get("k")
    num = (int, float)
    if k == "photo":
        if "on" not in r and "lux" not in r:
            return "photo without on or lux"
        if "on" in r and not isinstance(r["on"], bool):
            return "bad on"
        if "lux" in r and (not isinstance(r["lux"], num) or r["lux"] < 0):
            return "bad lux"
        for c in ("on_ms", "cyc"):
            if c in r and (not isinstance(r[c], int) or r[c] < 0):
                return f"bad {c}"
        return None
    if k == "temp":
        c = r.get("c")
        ok = isinstance(c, num) and not isinstance(c, bool) and -60 <= c <= 200
        return None if ok else "bad c"
    if k == "loc":
        lat, lon = r.get("lat"), r.get("lon")
        if not isinstance(lat, num) or not -90 <= lat <= 90:
            return "bad lat"
        if not isinstance(lon, num) or not -180 <= lon <= 180:
            return "bad lon"
        if "acc" in r and (not isinstance(r["acc"], num) or r["acc"] < 0):
            return "bad acc"
        if "zone" in r and not isinstance(r["zone"], str):
            return "bad zone"
        return None
    return "bad k"


def envelope_violation(topic: str, payload: bytes) -> str | None:
    """Why a whole message must be dead-lettered per MQTT.md, or None."""
    m = _TOPIC.match(topic)
    if m is None:
        return "bad topic"
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "not json"
    if not isinstance(body, dict) or body.get("v") != 1:
        return "bad v"
    if body.get("gw") != m.group(1):
        return "gw differs from topic"
    seq = body.get("seq")
    if not isinstance(seq, int) or not 0 <= seq < 2**32:
        return "bad seq"
    readings = body.get("readings")
    if not isinstance(readings, list) or not 1 <= len(readings) <= 10_000:
        return "bad readings"
    return None


def t_ms(t: int | str) -> int:
    if isinstance(t, int):
        return t
    return round(datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000)


SMALL = FleetSpec(
    gateways=4,
    assets_per_gateway=8,
    idle_share=0.25,
    under_used_share=0.25,
    offline_share=0.125,
    seed=7,
    start=datetime(2026, 9, 28, tzinfo=CHINA_TZ),  # through National Day and 10-10
    days=14,
    sample_s=300,
    prefix="TST",
    realism=Realism.LEGACY,  # the flag-carried profile whose bookkeeping these tests check
)


@pytest.fixture(scope="session")
def small_fleet() -> Fleet:
    """32 assets over two weeks that include the 2026 National Day holiday."""
    return Fleet.build(SMALL)


@pytest.fixture(scope="session")
def faulty_fleet() -> Fleet:
    """The same fleet with every fault switched on at high rates."""
    from dataclasses import replace

    faults = FaultSpec(
        dropouts=0.03,
        duplicates=0.05,
        out_of_order=0.05,
        late=0.03,
        clock_skew=0.5,
        counter_resets=0.5,
        malformed=0.03,
        invalid_readings=0.05,
        gateway_reboots=0.5,
    )
    return Fleet.build(replace(SMALL, faults=faults))


@pytest.fixture(scope="session")
def small_published(small_fleet: Fleet) -> tuple[list[Any], Any]:
    """The small fleet's messages (40 readings each at most) and their accounting."""
    stream = small_fleet.messages(readings_per_message=40)
    return list(stream), stream.accounting


HONEST = FleetSpec(
    gateways=8,
    assets_per_gateway=8,
    idle_share=0.25,
    under_used_share=0.25,
    offline_share=0.25,
    seed=11,
    start=datetime(2026, 9, 14, tzinfo=CHINA_TZ),
    days=6,
    sample_s=30,
    prefix="HON",
    realism=Realism.HONEST,
)


@pytest.fixture(scope="session")
def honest_fleet() -> Fleet:
    """64 assets of the honest profile over six days, every sensor on its own period."""
    return Fleet.build(HONEST)


def asset_readings(asset: Any, spec: FleetSpec) -> dict[str, list[dict[str, Any]]]:
    """Every reading one asset's sensors send over the window (no gateway, no faults)."""
    out: dict[str, list[dict[str, Any]]] = {s.sensor_id: [] for s in asset.sensors}
    signals = asset.signals(spec)
    for t in range(spec.start_ms, spec.end_ms, spec.sample_s * 1000):
        for r in signals.step(t):
            out[r["s"]].append(r)
    return out
