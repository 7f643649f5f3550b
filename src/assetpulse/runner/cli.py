"""``assetpulse run``: everything on embedded defaults, with a progress display.

Order of start: database and broker (embedded unless URLs are given), migrations, the demo
organisation, then the children: ingest, API, analyser (periodic) and the simulator, which
registers its fleet for 海南大学 (U460001) before it publishes. SIGINT / SIGTERM / SIGHUP,
or its own stdout closing (``| tee`` killed), stop the children in reverse order (simulator
first, ingest last so it drains), then the broker and the database; printing is never
what keeps that from happening. When ``run`` dies without doing so (kill -9), its
watchdog (``runner/watchdog.py``) stops them in the same order.
"""

from __future__ import annotations

import contextlib
import errno
import math
import os
import select
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any

import click
import structlog
from rich.console import Console
from rich.live import Live

from assetpulse.db.migrate import apply_migrations
from assetpulse.localservices import free_port
from assetpulse.logs import configure_logging
from assetpulse.org.seed import DEMO_PASSWORD, seed_demo_org
from assetpulse.org.tokens import WeakSecretError
from assetpulse.platform.mofkeys import installation_signing_key
from assetpulse.runner.children import Child, Supervisor, command_available
from assetpulse.runner.progress import Progress, line, table
from assetpulse.runner.services import Services, start_services
from assetpulse.runner.signing_key import installation_key
from assetpulse.runner.watchdog import Watchdog
from assetpulse.settings import Settings

log = structlog.get_logger(__name__)
DEMO_UNIT = "U460001"
DEMO_LOGINS = (
    ("hd_jb", "海南大学 经办 + 管理员"),
    ("hd_sh", "海南大学 审核"),
    ("jyt_sh", "教育厅 审核"),
    ("cz_sh", "财政厅 审核"),
    ("cz_gly", "财政厅 系统管理员"),
)


def _child_env(
    settings: Settings, services: Services, api_port: int, metrics_port: int, jwt_secret: str
) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ASSETPULSE_DATABASE_URL=services.database_url,
        ASSETPULSE_MQTT_URL=services.mqtt_url,
        ASSETPULSE_API_HOST=settings.api_host,
        ASSETPULSE_API_PORT=str(api_port),
        ASSETPULSE_INGEST_METRICS_PORT=str(metrics_port),
        ASSETPULSE_DATA_DIR=str(Path(settings.data_dir).resolve()),
        ASSETPULSE_LOG_LEVEL=env.get("ASSETPULSE_LOG_LEVEL", "INFO"),
        ASSETPULSE_JWT_SECRET=jwt_secret,
        # a local demo: the API's schema and its pages are part of what it shows
        ASSETPULSE_API_DOCS=env.get("ASSETPULSE_API_DOCS", "true"),
    )
    if services.nats_url:
        env["ASSETPULSE_NATS_URL"] = services.nats_url  # ingest reads JetStream there
    if not services.shared_subscriptions:
        env["ASSETPULSE_INGEST_GROUP"] = ""  # amqtt speaks MQTT 3.1.1: no $share groups
    return env


def _banner(console: Console, s: Services, opts: dict[str, Any], api: str, metrics: int,
            kids: Supervisor, data_dir: Path, key_source: str) -> None:  # fmt: skip
    p = console.print
    p("[bold green]AssetPulse is running[/bold green]")
    p(f"  database   {s.database_url}  ({s.database_kind})")
    if s.nats_url:
        shared = f"JetStream at {s.nats_url}, durable consumer; gateways: MQTT 3.1.1"
    elif s.shared_subscriptions:
        shared = "shared subscription"
    else:
        shared = "MQTT 3.1.1, plain subscription"
    p(f"  broker     {s.mqtt_url}  ({s.broker_kind}, {shared})")
    p(f"  web + API  {api}/   API {api}/api/v1   docs {api}/docs   health {api}/health")
    p(f"  ingest     metrics http://127.0.0.1:{metrics}/metrics")
    p(
        f"  simulator  {opts['gateways']} gateways × {opts['assets']} assets for 海南大学 "
        f"({DEMO_UNIT}), {opts['backfill_days']} days back at {opts['speed']:g}× until "
        "caught up, then real time"
    )
    names = ", ".join(c.name for c in kids.children)
    p(f"  children   {names}; logs in {data_dir / 'logs'}")
    p(f"  sim truth  {data_dir / 'sim-truth.json'} (which assets are truly idle, their use)")
    p(f"  token key  {key_source}; set ASSETPULSE_JWT_SECRET (32+ bytes) to use your own")
    logins = ", ".join(f"{u} ({what})" for u, what in DEMO_LOGINS)
    p(f"  demo logins: {logins}; password for all: [bold]{DEMO_PASSWORD}[/bold]")
    p("  Ctrl-C stops everything cleanly.")


@click.command()
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where embedded services keep files (default ASSETPULSE_DATA_DIR).",
)
@click.option("--api-port", type=int, default=None, help="Default ASSETPULSE_API_PORT.")
@click.option("-g", "--gateways", default=3, show_default=True)
@click.option("-s", "--assets", default=8, show_default=True, help="Assets per gateway.")
@click.option("--backfill-days", default=14.0, show_default=True, help="Simulated history.")
@click.option("--speed", default=8640.0, show_default=True, help="× real time while catching up.")
@click.option("--seed", default=1, show_default=True)
@click.option("--analyse-every", default=120.0, show_default=True, help="Seconds; 0 turns it off.")
@click.option("--amqtt", "prefer_amqtt", is_flag=True, help="Use amqtt even if mosquitto exists.")
@click.option("--no-sim", is_flag=True, help="Do not start the simulated fleet.")
@click.option("--exit-after", type=float, default=None, hidden=True, help="Stop after N s.")
def run(**opts: Any) -> None:  # fmt: skip
    """Run everything on embedded defaults and show progress."""
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    data_dir = Path(opts["data_dir"] or settings.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    console = Console()
    try:
        jwt_secret, key_source = installation_key(settings, data_dir)
    except WeakSecretError as exc:
        raise click.ClickException(str(exc)) from None
    stop = threading.Event()
    # SIGHUP: the terminal closed; stop as cleanly as on Ctrl-C rather than die mid-way
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())

    watchdog = Watchdog(data_dir / "logs" / "watchdog.log")
    console.print("starting the database and the broker …")
    try:
        services = start_services(
            data_dir=data_dir,
            database_url=settings.database_url,
            mqtt_url=settings.mqtt_url,
            prefer_amqtt=opts["prefer_amqtt"],
        )
    except BaseException:
        watchdog.close()
        raise
    for name, pid, stop_signal in services.processes:
        watchdog.watch(name, pid, stop_signal)
    kids = Supervisor(on_start=watchdog.watch)
    try:
        applied = apply_migrations(services.database_url)
        console.print(f"migrations applied now: {', '.join(applied) or 'none (up to date)'}")
        seed_demo_org(services.database_url)
        api_port = _port_or_free(opts["api_port"] or settings.api_port, console)
        metrics_port = free_port()
        env = _child_env(settings, services, api_port, metrics_port, jwt_secret)
        # finance users build MOF batches; they are signed (docs/mof-exchange.md)
        env.setdefault("ASSETPULSE_MOF_SIGNING_KEY", installation_signing_key(data_dir))
        _add_children(kids, env, data_dir / "logs", opts, console)
        kids.start()
        api_url = f"http://{settings.api_host}:{api_port}"
        _banner(console, services, opts, api_url, metrics_port, kids, data_dir, key_source)
        metrics = f"http://127.0.0.1:{metrics_port}/metrics"
        caption = f"{api_url}/  ·  hd_jb / {DEMO_PASSWORD}  ·  Ctrl-C stops"
        progress = Progress(services.database_url, metrics)
        _watch(kids, progress, stop, console, opts["exit_after"], caption)
    finally:
        try:
            _say(console, "stopping children …")
            kids.stop()
        finally:
            try:
                _say(console, "stopping the broker and the database …")
                services.stop()
                _say(console, "stopped.")
            finally:
                watchdog.close()


def _say(console: Console, text: str) -> None:
    """Print while stopping: a closed stdout must not cut the shutdown short."""
    try:
        console.print(text)
    except (OSError, ValueError):  # EPIPE, or a stream already closed
        _silence_stdout()


def _silence_stdout() -> None:
    """Point stdout (and stderr, when it went to the same reader) at /dev/null: later
    writes, log lines and the interpreter's last flush of a run whose reader has gone then
    succeed instead of raising half-way through stopping."""
    for fd in (1, 2):
        if fd == 1 or _gone(fd):
            with contextlib.suppress(OSError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, fd)
                os.close(devnull)


def _gone(fd: int) -> bool:
    """Whether the reader of this pipe has gone (poll says POLLERR); never for a terminal
    or a file."""
    try:
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(ev & (select.POLLERR | select.POLLHUP) for _, ev in poller.poll(0))
    except (OSError, ValueError):
        return False


def _stdout_gone() -> bool:
    return _gone(1)


def _port_or_free(port: int, console: Console) -> int:
    """The wanted port if nothing listens there, else a free one (and say so)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            other = free_port()
            console.print(f"[yellow]port {port} is taken; the API uses {other}[/yellow]")
            return other
    return port


def _add_children(kids: Supervisor, env: dict[str, str], logs: Path, opts: dict[str, Any],
                  console: Console) -> None:  # fmt: skip
    for name in ("ingest", "api"):
        if command_available(name):
            kids.add(Child(name, (name,), env, logs))
        else:
            console.print(f"[yellow]`assetpulse {name}` is not available yet: not started[/yellow]")
    if opts["analyse_every"] > 0 and command_available("analyse"):
        every = float(opts["analyse_every"])
        # judge over the simulated history, not the default 90 days it does not have
        window = ("--window-days", str(max(1, math.ceil(opts["backfill_days"]))))
        kids.add(Child("analyse", ("analyse", *window), env, logs, every_s=every, delay_s=every))
    if not opts["no_sim"]:
        sim_args = (
            "sim", "--mode", "live", "--register-unit", DEMO_UNIT, "--prefix", "HNU",
            "-g", str(opts["gateways"]), "-s", str(opts["assets"]),
            "--backfill-days", str(opts["backfill_days"]), "--speed", str(opts["speed"]),
            "--seed", str(opts["seed"]), "--truth", str(logs.parent / "sim-truth.json"),
        )  # fmt: skip
        kids.add(Child("sim", sim_args, env, logs))


def _watch(kids: Supervisor, progress: Progress, stop: threading.Event, console: Console,
           exit_after: float | None, caption: str) -> None:  # fmt: skip
    started = time.monotonic()
    deadline = None if exit_after is None else started + exit_after
    interactive = console.is_terminal
    last_line = 0.0
    try:
        if interactive:
            with Live(console=console, refresh_per_second=1, transient=False) as live:
                while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
                    kids.tend()
                    live.update(table(progress.poll(), kids, started, caption))
                    stop.wait(2.0)
        else:
            while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
                if _stdout_gone():
                    _silence_stdout()
                    log.warning("stdout closed: stopping")
                    return
                kids.tend()
                snap = progress.poll()
                if time.monotonic() - last_line >= 10:
                    print(line(snap, kids), flush=True)
                    last_line = time.monotonic()
                stop.wait(2.0)
    except OSError as exc:  # EPIPE: a pipe's reader went; EIO: the terminal went
        if exc.errno not in (errno.EPIPE, errno.EIO):
            raise
        _silence_stdout()
        log.warning("stdout closed: stopping")
    finally:
        progress.close()
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
