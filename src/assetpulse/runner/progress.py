"""What ``assetpulse run`` shows while it runs: readings stored, rates, dead letters,
suggestions and the state of each child, as a rich live table (or plain lines when the
output is not a terminal).

Counts come from the database, so they show what is durably stored. Tables of parts that
have not landed yet are looked up with ``to_regclass`` and shown as "–".
"""

from __future__ import annotations

import time
import urllib.request
from dataclasses import dataclass
from typing import Any

import psycopg
from prometheus_client.parser import text_string_to_metric_families
from rich.table import Table

from assetpulse.runner.children import Supervisor

READINGS = "select count(*) from readings"
TABLE_EXISTS = "select to_regclass(%s) is not null"
DEAD_LETTERS = "select count(*) from ingest_dead_letters"
SUGGESTIONS = "select state, count(*) from suggestions group by state order by state"
ASSETS = "select count(*) from asset_cards"


@dataclass
class Snapshot:
    at: float
    readings: int | None = None
    dead_letters: int | None = None
    suggestions: dict[str, int] | None = None
    assets: int | None = None
    readings_per_s: float | None = None
    messages: float | None = None  # received by ingest (its /metrics), since it started
    messages_per_s: float | None = None
    error: str | None = None


class Progress:
    """Polls the database; keeps the previous snapshot to compute rates."""

    def __init__(self, database_url: str, metrics_url: str | None = None) -> None:
        self.database_url = database_url
        self.metrics_url = metrics_url
        self._conn: psycopg.Connection[Any] | None = None
        self.last: Snapshot | None = None

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(
                self.database_url, autocommit=True, connect_timeout=5,
                options="-c statement_timeout=5000",
            )  # fmt: skip
        return self._conn

    def _exists(self, conn: psycopg.Connection[Any], table: str) -> bool:
        row = conn.execute(TABLE_EXISTS, (table,)).fetchone()
        return bool(row and row[0])

    def poll(self) -> Snapshot:
        snap = Snapshot(at=time.monotonic())
        try:
            conn = self._connection()
            snap.readings = _one(conn, READINGS)
            snap.assets = _one(conn, ASSETS)
            if self._exists(conn, "ingest_dead_letters"):
                snap.dead_letters = _one(conn, DEAD_LETTERS)
            if self._exists(conn, "suggestions"):
                snap.suggestions = {str(k): int(v) for k, v in conn.execute(SUGGESTIONS)}
        except psycopg.Error as exc:
            snap.error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.close()
        snap.messages = self._messages_received()
        prev = self.last
        if prev is not None:
            dt = max(1e-3, snap.at - prev.at)
            if prev.readings is not None and snap.readings is not None:
                snap.readings_per_s = (snap.readings - prev.readings) / dt
            if prev.messages is not None and snap.messages is not None:
                snap.messages_per_s = max(0.0, snap.messages - prev.messages) / dt
        self.last = snap
        return snap

    def _messages_received(self) -> float | None:
        """``assetpulse_ingest_messages_received_total`` from the worker, if it answers."""
        if not self.metrics_url:
            return None
        try:
            with urllib.request.urlopen(self.metrics_url, timeout=2) as resp:  # noqa: S310 - our own http://127.0.0.1 URL
                text = resp.read().decode()
        except OSError:
            return None
        for family in text_string_to_metric_families(text):
            if family.name == "assetpulse_ingest_messages_received":
                return sum(s.value for s in family.samples if s.name.endswith("_total"))
        return None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _one(conn: psycopg.Connection[Any], query: str) -> int:
    row = conn.execute(query).fetchone()
    return int(row[0]) if row else 0


def _fmt(value: float | None, spec: str = ",.0f") -> str:
    return "–" if value is None else format(value, spec)


def table(snap: Snapshot, supervisor: Supervisor, started: float, caption: str = "") -> Table:
    """The live table: what is stored, the rates, and the state of each child."""
    t = Table(
        title=f"AssetPulse running for {int(time.monotonic() - started)} s",
        caption=caption or None,
        expand=False,
    )
    t.add_column("what")
    t.add_column("value", justify="right")
    t.add_row("readings stored", _fmt(snap.readings))
    t.add_row("readings/s (stored)", _fmt(snap.readings_per_s, ",.1f"))
    t.add_row("messages/s (ingest)", _fmt(snap.messages_per_s, ",.1f"))
    t.add_row("dead letters", _fmt(snap.dead_letters))
    sugg = snap.suggestions
    t.add_row(
        "suggestions",
        "–" if sugg is None else ", ".join(f"{k} {v}" for k, v in sugg.items()) or "0",
    )
    t.add_row("asset cards", _fmt(snap.assets))
    for c in supervisor.children:
        restarts = f", {c.restarts} restarts" if c.restarts else ""
        t.add_row(f"[bold]{c.name}[/bold]", f"{c.state}{restarts}")
    if snap.error:
        t.add_row("[red]database[/red]", snap.error[:60])
    return t


def line(snap: Snapshot, supervisor: Supervisor) -> str:
    """One plain progress line, for logs and pipes."""
    kids = " ".join(f"{c.name}={c.state.split(' ')[0]}" for c in supervisor.children)
    return (
        f"readings={_fmt(snap.readings, 'd')} rate={_fmt(snap.readings_per_s, '.1f')}/s"
        f" msgs={_fmt(snap.messages_per_s, '.1f')}/s"
        f" dead_letters={_fmt(snap.dead_letters, 'd')}"
        f" suggestions={sum((snap.suggestions or {}).values())} {kids}"
    )
