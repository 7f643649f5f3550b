"""``assetpulse sim``: simulated gateways publishing to ASSETPULSE_MQTT_URL.

Replay mode sends the last N days as fast as the pipeline takes them and exits; live mode
starts ``--backfill-days`` back, catches up at ``--speed`` × real time and then runs in
real time until stopped (SIGINT / SIGTERM). ``--register-unit`` first creates the fleet's
cards, sensors and bindings for that unit in ASSETPULSE_DATABASE_URL.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from dataclasses import fields, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click

from assetpulse.firmware_sim.catalog import Kind
from assetpulse.firmware_sim.fleet import Fleet
from assetpulse.firmware_sim.spec import CHINA_TZ, FaultSpec, FleetSpec, Realism
from assetpulse.logs import configure_logging
from assetpulse.settings import Settings

_RATE_FAULTS = [f.name for f in fields(FaultSpec) if f.type in ("float", float)]


def _faults(preset: str, overrides: tuple[str, ...]) -> FaultSpec:
    faults = FaultSpec.typical() if preset == "typical" else FaultSpec()
    for item in overrides:
        name, _, value = item.partition("=")
        if name not in _RATE_FAULTS:
            raise click.BadParameter(f"unknown fault {name!r}; one of {', '.join(_RATE_FAULTS)}")
        change: dict[str, Any] = {name: float(value)}
        faults = replace(faults, **change)
    return faults


def _unit_ids(conninfo: str, unit_code: str) -> tuple[int, dict[Kind, int]]:
    """The unit's id and, for the demo university, a department per kind of asset."""
    import psycopg

    with psycopg.connect(conninfo) as conn:
        row = conn.execute("select id from units where code = %s", (unit_code,)).fetchone()
        if row is None:
            raise click.UsageError(f"单位 {unit_code} 不存在：先运行 assetpulse seed-demo")
        depts: dict[str, int] = dict(
            conn.execute(
                "select code, id from units where parent_id = %s and kind = 'department'"
                " order by code",
                (row[0],),
            ).fetchall()
        )
    ordered = list(depts.values())
    by_kind: dict[Kind, int] = {}
    if ordered:  # teaching departments hold instruments and PCs, the rest sit with logistics
        for kind in Kind:
            teaching = kind in (Kind.LAB, Kind.DESKTOP)
            by_kind[kind] = ordered[0] if teaching or len(ordered) == 1 else ordered[1]
    return int(row[0]), by_kind


@click.command()
@click.option("-g", "--gateways", default=4, show_default=True, help="Number of gateways (G).")
@click.option("-s", "--assets", default=10, show_default=True, help="Assets per gateway (S).")
@click.option("--days", default=7, show_default=True, help="Replay: days back from now.")
@click.option(
    "--start",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Replay: first local day (UTC+8) instead of --days back from now.",
)
@click.option("--mode", type=click.Choice(["replay", "live"]), default="replay", show_default=True)
@click.option("--speed", default=60.0, show_default=True, help="Live: × real time while behind.")
@click.option("--backfill-days", default=1.0, show_default=True, help="Live: start this far back.")
@click.option("--faults", "preset", type=click.Choice(["none", "typical"]), default="none")
@click.option("--fault", "overrides", multiple=True, metavar="NAME=RATE", help="e.g. dropouts=0.02")
@click.option("--seed", default=1, show_default=True)
@click.option("--prefix", default="SIM", show_default=True, help="Prefix of ids and codes.")
@click.option("--idle-share", default=0.2, show_default=True)
@click.option("--under-used-share", default=0.2, show_default=True)
@click.option("--offline-share", default=0.1, show_default=True)
@click.option(
    "--realism",
    type=click.Choice([r.value for r in Realism]),
    default=Realism.HONEST.value,
    show_default=True,
    help="honest: sun, weather, lux-only rooms, per-sensor periods, failures, GPS noise;"
    " legacy: the old flag-carried profile, to compare against.",
)
@click.option(
    "--sample-s",
    type=int,
    default=None,
    help="Seconds between samples (honest: the base tick; each sensor samples every 30 s"
    " to 5 min on it). Default 60, honest 30.",
)
@click.option("--readings-per-message", default=50, show_default=True)
@click.option("--max-inflight", default=1000, show_default=True)
@click.option("--register-unit", default=None, metavar="CODE", help="Register cards for it.")
@click.option(
    "--truth",
    "truth_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the ground truth (whole local days of the window) as JSON.",
)
@click.option("--dry-run", is_flag=True, help="Count the messages; publish nothing.")
def sim(**opts: Any) -> None:
    """Simulate G gateways × S assets with sensors, publishing per MQTT.md."""
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    now = datetime.now(CHINA_TZ)
    live_mode = opts["mode"] == "live"
    back = timedelta(days=opts["backfill_days"] if live_mode else opts["days"])
    start = now - back
    if opts["start"] is not None and not live_mode:
        start = opts["start"].replace(tzinfo=CHINA_TZ)
        back = timedelta(days=opts["days"] - 1)
    realism = Realism(opts["realism"])
    spec = FleetSpec(
        gateways=opts["gateways"],
        assets_per_gateway=opts["assets"],
        idle_share=opts["idle_share"],
        under_used_share=opts["under_used_share"],
        offline_share=opts["offline_share"],
        seed=opts["seed"],
        start=start,
        days=back.days + (366 if live_mode else 1),
        sample_s=opts["sample_s"] or (30 if realism is Realism.HONEST else 60),
        prefix=opts["prefix"],
        faults=_faults(opts["preset"], opts["overrides"]),
        realism=realism,
    )
    fleet = Fleet.build(spec)
    if opts["truth_path"] is not None:
        opts["truth_path"].write_text(json.dumps(fleet.truth(), ensure_ascii=False, indent=1))
    if opts["register_unit"]:
        if not settings.database_url:
            raise click.UsageError("--register-unit needs ASSETPULSE_DATABASE_URL")
        from assetpulse.firmware_sim.register import register_fleet

        unit_id, depts = _unit_ids(settings.database_url, opts["register_unit"])
        cards = register_fleet(settings.database_url, fleet, unit_id=unit_id, department_ids=depts)
        click.echo(f"registered {len(cards)} simulated assets for unit {opts['register_unit']}")
    from_ms = int(start.timestamp() * 1000)
    stream = fleet.messages(
        readings_per_message=opts["readings_per_message"],
        max_batch_age_s=60 if live_mode else 300,
        from_ms=from_ms,
        to_ms=None if live_mode else min(spec.end_ms, int(now.timestamp() * 1000)),
        track_keys=False,
    )
    if opts["dry_run"]:
        n = sum(1 for _ in stream)
        click.echo(json.dumps({"messages": n, "readings": stream.accounting.readings}))
        return
    _publish(settings, fleet, stream, opts, live_mode, from_ms)


def _publish(
    settings: Settings,
    fleet: Fleet,
    stream: Any,
    opts: dict[str, Any],
    live_mode: bool,
    from_ms: int,
) -> None:
    from assetpulse.firmware_sim.publisher import BrokerAddress, Publisher, live, replay

    if not settings.mqtt_url:
        raise click.UsageError("set ASSETPULSE_MQTT_URL (or use `assetpulse run`)")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    publisher = Publisher(
        BrokerAddress.parse(settings.mqtt_url),
        fleet.gateway_ids,
        max_inflight=opts["max_inflight"],
        client_prefix=f"sim-{opts['seed']}",
    )
    publisher.connect()
    began = time.monotonic()
    try:
        if live_mode:
            n = live(stream, publisher, stop, start_ms=from_ms, speed=opts["speed"])
        else:
            n = replay(stream, publisher, stop)
        publisher.flush(timeout=30)  # what we count as published reached the broker
    finally:
        publisher.close()
    took = time.monotonic() - began
    acc = stream.accounting
    click.echo(
        json.dumps(
            {
                "messages": n,
                "readings": acc.readings,
                "seconds": round(took, 2),
                "msgs_per_s": round(n / took, 1) if took else None,
            }
        )
    )
