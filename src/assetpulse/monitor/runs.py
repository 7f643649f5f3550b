"""The analyser's schedule and run record: ``assetpulse analyse --every N``.

Each run is a row in ``analyser_runs`` (started, finished, duration, outcome, assets,
new suggestions, error) written beside the analysis, so the API's ``/health`` can say
when the analyser last ran from any host; the process also keeps the same figures as
Prometheus gauges and answers ``/health`` on ``--health-port``.

With ``--every`` the process stays up and starts a run every N seconds (start to start;
a run longer than N is followed at once by the next): a schedule in the process rather
than a container restart loop, so a failed run is reported and retried on time instead
of being a crash, and SIGTERM lets the current run finish. Without it, one run and exit
(``assetpulse run`` and cron-like timers).

``assetpulse analyse`` is monitor/cli.py's command wrapped by ``scheduled``
(monitor/scheduled_cli.py), its body taken as it is: it returns or raises, and a returned
value's ``cards`` and ``suggestions`` are recorded when it has them.
"""

from __future__ import annotations

import copy
import functools
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import click
import psycopg
import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from assetpulse.ops.health_server import HealthServer
from assetpulse.settings import Settings

log = structlog.get_logger(__name__)

RUN_STARTED = "insert into analyser_runs (host) values (%s) returning id"
RUN_FINISHED = """
update analyser_runs
   set finished_at = now(), duration_s = %(duration)s, outcome = %(outcome)s,
       cards = %(cards)s, suggestions_new = %(new)s, error = %(error)s
 where id = %(id)s
"""
# a row per run every few minutes is ~100,000 a year; a quarter is enough history
RUNS_PRUNE = "delete from analyser_runs where started_at < now() - interval '90 days'"
LAST_RUNS = """
select (select to_jsonb(r) - 'id' from analyser_runs r order by started_at desc limit 1) as last,
       (select max(finished_at) from analyser_runs where outcome = 'ok') as last_ok_at
"""


@dataclass(frozen=True, slots=True)
class RunRecord:
    started_at: datetime
    duration_s: float
    outcome: str  # ok | failed
    cards: int | None = None
    suggestions_new: int | None = None
    error: str | None = None


@dataclass
class RunState:
    """What ``/health`` and ``/metrics`` of the analyser say; one per process."""

    every_s: float
    up_since: float = field(default_factory=time.time)
    running_since: float | None = None
    last: RunRecord | None = None
    last_ok_at: float | None = None
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        p = "assetpulse_analyser_"
        self.runs = Counter(f"{p}runs", "analyser runs, by outcome", ["outcome"], registry=r)
        self.last_finish = Gauge(
            f"{p}last_run_timestamp_seconds", "end of the last run (Unix time)", registry=r
        )
        self.last_success = Gauge(
            f"{p}last_success_timestamp_seconds", "end of the last successful run", registry=r
        )
        self.last_duration = Gauge(
            f"{p}last_run_duration_seconds", "duration of the last run", registry=r
        )
        self.last_cards = Gauge(f"{p}last_run_assets", "assets judged by the last run", registry=r)

    def finished(self, record: RunRecord) -> None:
        now = time.time()
        self.running_since = None
        self.last = record
        self.runs.labels(record.outcome).inc()
        self.last_finish.set(now)
        self.last_duration.set(record.duration_s)
        if record.outcome == "ok":
            self.last_ok_at = now
            self.last_success.set(now)
            self.last_cards.set(record.cards or 0)

    def overdue_after_s(self) -> float:
        """A success older than this is late: three periods, and never under 15 minutes
        (the first run after a long stop rolls up every hour it missed)."""
        return max(3 * self.every_s, self.every_s + 900)

    def health(self) -> tuple[bool, dict[str, Any]]:
        now = time.time()
        since_ok = now - (self.last_ok_at or self.up_since)
        overdue = since_ok > self.overdue_after_s()
        failed = self.last is not None and self.last.outcome == "failed"
        last = None
        if self.last is not None:
            last = {
                "started_at": self.last.started_at.isoformat(),
                "duration_s": round(self.last.duration_s, 3),
                "outcome": self.last.outcome,
                "cards": self.last.cards,
                "suggestions_new": self.last.suggestions_new,
                "error": self.last.error,
            }
        ok = not failed and not overdue
        return ok, {
            "service": "analyser",
            "status": "ok" if ok else ("failing" if failed else "overdue"),
            "state": "running" if self.running_since is not None else "waiting",
            "every_s": self.every_s,
            "last_run": last,
            "last_success_age_s": None if self.last_ok_at is None else round(now - self.last_ok_at),
        }


def _record_start(database_url: str | None) -> int | None:
    if not database_url:
        return None
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            row = conn.execute(RUN_STARTED, (socket.gethostname()[:200],)).fetchone()
    except psycopg.Error as exc:  # the analysis itself will say what is wrong
        log.warning("analyser run not recorded", error=str(exc).strip()[:200])
        return None
    return int(row[0]) if row else None


def _record_finish(database_url: str | None, run_id: int | None, record: RunRecord) -> None:
    if not database_url or run_id is None:
        return
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(
                RUN_FINISHED,
                {
                    "id": run_id,
                    "duration": record.duration_s,
                    "outcome": record.outcome,
                    "cards": record.cards,
                    "new": record.suggestions_new,
                    "error": record.error,
                },
            )
            conn.execute(RUNS_PRUNE)
    except psycopg.Error as exc:
        log.warning("analyser run end not recorded", error=str(exc).strip()[:200])


def run_recorded(body: Callable[[], Any], database_url: str | None, state: RunState) -> Any:
    """One run of ``body`` between its start and finish rows; re-raises its exception."""
    started_at = datetime.now(UTC)
    started = time.monotonic()
    state.running_since = time.time()
    run_id = _record_start(database_url)
    try:
        result = body()
    except BaseException as exc:
        message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
        record = RunRecord(
            started_at, time.monotonic() - started, "failed", error=message.strip()[:500]
        )
        state.finished(record)
        _record_finish(database_url, run_id, record)
        raise
    suggestions = getattr(result, "suggestions", None) or {}
    record = RunRecord(
        started_at,
        time.monotonic() - started,
        "ok",
        cards=getattr(result, "cards", None),
        suggestions_new=suggestions.get("new"),
    )
    state.finished(record)
    _record_finish(database_url, run_id, record)
    return result


def run_every(
    body: Callable[[], Any],
    database_url: str | None,
    state: RunState,
    stop: threading.Event,
) -> None:
    """Run ``body`` every ``state.every_s`` seconds until ``stop``; a failed run is logged,
    recorded and followed by the next one on time."""
    while not stop.is_set():
        started = time.monotonic()
        try:
            run_recorded(body, database_url, state)
        except click.UsageError:
            raise  # misconfigured (no database URL): no later run can do better
        except Exception as exc:  # recorded above; the schedule goes on
            log.error("analyser run failed", error=str(exc).strip()[:500])
        stop.wait(max(0.0, state.every_s - (time.monotonic() - started)))


def scheduled(command: click.Command) -> click.Command:
    """``command`` with ``--every`` and ``--health-port``, each of its runs recorded.

    It wraps the click command rather than its function, so the analysis command itself
    (monitor/cli.py) stays as it is; ``assetpulse analyse`` is this wrapped one.
    """
    body = command.callback
    assert body is not None

    def callback(every: float | None, health_port: int | None, **kwargs: Any) -> Any:
        settings = Settings()
        if kwargs.get("join_run") is not None:  # a helper of another process's run
            return body(**kwargs)
        every_s = settings.analyser_every_s if every is None else every
        port = settings.analyser_health_port if health_port is None else health_port
        state = RunState(every_s)

        def once() -> Any:
            return body(**kwargs)

        if every_s <= 0:
            return run_recorded(once, settings.database_url, state)
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
        server = HealthServer(port, state.registry, state.health).start() if port else None
        log.info("analyser scheduled", every_s=every_s, health_port=port or None)
        try:
            run_every(once, settings.database_url, state, stop)
        finally:
            if server is not None:
                server.stop()
        return None

    wrapped = copy.copy(command)
    wrapped.callback = functools.update_wrapper(callback, body)
    wrapped.params = [
        *command.params,
        click.Option(
            ["--every"],
            type=click.FloatRange(min=0),
            default=None,
            help="Stay up and run every this many seconds, start to start (0: once and "
            "exit); default ASSETPULSE_ANALYSER_EVERY_S.",
        ),
        click.Option(
            ["--health-port"],
            type=click.IntRange(0, 65535),
            default=None,
            help="With --every: /health and /metrics on this port (0: none); default "
            "ASSETPULSE_ANALYSER_HEALTH_PORT.",
        ),
    ]
    return wrapped


async def last_runs(conn: AsyncConnection[Any]) -> dict[str, Any]:
    """The latest run (any outcome) and the end of the latest successful one, for the API."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(LAST_RUNS)
        row = await cur.fetchone()
    last = row["last"] if row else None
    ok_at = row["last_ok_at"] if row else None
    return {"last_run": last, "last_success_at": ok_at.isoformat() if ok_at else None}
