"""``assetpulse analyse``: refresh baselines and rollups, judge every asset, store suggestions.

Runs once and exits (``assetpulse run`` starts it periodically; production puts it in a
timer). Prints one summary line per step. The run is cut into slices of cards
(``db.slices``); ``--workers N`` has N processes take slices from the run's queue, and
``--join-run`` lets a worker on another machine join a run. ``--legacy`` is the code path
before issue 12 (one process, the whole fleet at once), kept for ``bench/monitor.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import click
import psycopg

from assetpulse.logs import configure_logging
from assetpulse.monitor.core.rules import RuleSet, load_rules
from assetpulse.monitor.db.analyse import analyse as run_analysis
from assetpulse.monitor.db.slices import (
    SLICE_CARDS,
    create_run,
    load_run,
    pending_slices,
    try_lock_runs,
    wait_and_finish,
    work,
)
from assetpulse.monitor.errors import MonitorError, analysis_busy
from assetpulse.settings import Settings

BASELINES_AGE = (
    "select coalesce(max(updated_at) < now() - interval '1 day', true) from sensor_baselines"
)
LAG = timedelta(minutes=5)
# a helper process costs about a CPU-second to start (interpreter, polars, the monitor's
# imports) on cores it shares with PostgreSQL: it is worth starting for a share of at least
# this much work (measured: a 5-minute cycle of 1,000 sensors, ~4 s in all, took 4.4-5.5 s
# with a second process against 4.0-4.3 s alone)
HELPER_WORTH_S = 5.0


@dataclass(frozen=True, slots=True)
class RunSummary:
    """What the run record (monitor/runs.py) keeps of a run."""

    cards: int
    suggestions: dict[str, int]


@click.command()
@click.option(
    "--window-days",
    type=click.IntRange(1, 730),
    default=None,
    help="One window for every asset (a replay of a shorter history); default: each rule's "
    "window_days from the rules file.",
)
@click.option(
    "--end",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    default=None,
    help="Window end (UTC); default: now.",
)
@click.option("--rules", "rules_path", default=None, help="Idle rules TOML; default packaged.")
@click.option("--no-store", is_flag=True, help="Judge and print only; write no suggestions.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Processes taking slices of cards from the run's queue (this one included); "
    "default: ASSETPULSE_ANALYSER_WORKERS (1).",
)
@click.option(
    "--slice-cards",
    type=click.IntRange(1, 1_000_000),
    default=SLICE_CARDS,
    show_default=True,
    help="Cards per slice: what one worker holds in memory at a time.",
)
@click.option("--join-run", type=int, default=None, help="Work on that run's slices, then exit.")
@click.option("--legacy", is_flag=True, help="The whole fleet in one process (before slices).")
def analyse(
    window_days: int | None,
    end: datetime | None,
    rules_path: str | None,
    no_store: bool,
    workers: int | None,
    slice_cards: int,
    join_run: int | None,
    legacy: bool,
) -> RunSummary | None:
    """Roll up usage and suggest idle or under-used assets (闲置资产分析)."""
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    if not settings.database_url:
        raise click.UsageError("set ASSETPULSE_DATABASE_URL (or use `assetpulse run`)")
    try:  # before any connection: a wrong rules file is refused with its message alone
        rules = load_rules(rules_path or settings.idle_rules_path)
    except MonitorError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from None
    site = (settings.site_lat, settings.site_lon)
    workers = workers or settings.analyser_workers  # compose sets the setting
    if join_run is not None:
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            n = work(conn, join_run, rules=rules, site=site)
        click.echo(f"run {join_run}: {n} slices done here")
        return None
    # the rules file decides each asset's window; only an explicit --window-days overrides it
    longest = window_days or max(rules.windows())
    window_end = end.replace(tzinfo=UTC) if end else datetime.now(UTC)
    if legacy:
        return _legacy(
            settings.database_url, rules, window_end, window_days, longest, not no_store, site
        )
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        if not try_lock_runs(conn):
            busy = analysis_busy()
            raise click.ClickException(f"{busy.code}: {busy.message}")
        run_id = create_run(
            conn,
            window_end=window_end,
            window_days=window_days,
            store=not no_store,
            slice_cards=slice_cards,
        )
        kids: list[subprocess.Popen[bytes]] = []
        try:
            helpers = workers - 1
            if helpers and not load_run(conn, run_id).baselines:
                # a cycle: its first slice tells whether the rest is worth sharing (runs
                # that learn baselines, the first and each day's first, always are)
                started = time.perf_counter()
                work(conn, run_id, rules=rules, site=site, max_slices=1)
                left_s = pending_slices(conn, run_id) * (time.perf_counter() - started)
                helpers = min(helpers, int(left_s // HELPER_WORTH_S))
            url = settings.database_url
            kids = [_spawn(run_id, rules_path, url) for _ in range(helpers)]
            work(conn, run_id, rules=rules, site=site)
        finally:
            for kid in kids:
                kid.wait()
        total = wait_and_finish(conn, run_id, rules=rules, lag=LAG, site=site)
    if total.get("baselines"):
        click.echo(f"baselines: {total['baselines']} sensor-hours of day")
    click.echo(
        f"rollups: {total.get('card_hours', 0)} card-hours recomputed from "
        f"{total.get('readings', 0)} readings in {total['slices']} slices, {workers} workers"
        + ("" if len(kids) + 1 == workers else f", {len(kids) + 1} started (too little to share)")
    )
    windows = {int(k): v for k, v in total["windows"].items()}
    cards = int(total.get("cards", 0))
    _summary(cards, total["verdicts"], total["suggestions"], windows, longest, window_end)
    return RunSummary(cards, total["suggestions"])


def _spawn(run_id: int, rules_path: str | None, url: str) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-c", "from assetpulse.cli import main; main()", "analyse"]
    args += ["--join-run", str(run_id), *(["--rules", rules_path] if rules_path else [])]
    env = {**os.environ, "ASSETPULSE_DATABASE_URL": url}
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL)  # noqa: S603 (our own command)


def _summary(
    cards: int,
    verdicts: dict[str, int],
    suggestions: dict[str, int],
    windows: dict[int, int],
    longest: int,
    window_end: datetime,
) -> None:
    said = ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())) or "no assets"
    over = ", ".join(f"{n} days ({k})" for n, k in sorted(windows.items())) or f"{longest} days"
    click.echo(f"analysed {cards} assets over {over} to {window_end:%Y-%m-%d %H:%M}Z: {said}")
    if suggestions:
        s = suggestions
        click.echo(
            f"suggestions: {s.get('new', 0)} new, {s.get('refreshed', 0)} refreshed, "
            f"{s.get('superseded', 0)} superseded"
        )


def _legacy(
    url: str,
    rules: RuleSet,
    window_end: datetime,
    window_days: int | None,
    longest: int,
    store: bool,
    site: Any,
) -> RunSummary:
    from assetpulse.monitor.db import refresh_legacy

    with psycopg.connect(url, autocommit=True) as conn:
        stale = conn.execute(BASELINES_AGE).fetchone()
        if stale and stale[0]:
            n = refresh_legacy.refresh_baselines(
                conn, until=window_end, days=min(longest, 14), site=site
            )
            click.echo(f"baselines: {n} sensor-hours of day")
        r = refresh_legacy.refresh_rollups(conn, lag=LAG, site=site)
        click.echo(f"rollups: {r.card_hours} card-hours recomputed from {r.readings_read} readings")
        a = run_analysis(conn, rules=rules, window_end=window_end, days=window_days, store=store)
    _summary(a.cards, a.verdicts, a.suggestions, a.windows, longest, window_end)
    return RunSummary(a.cards, a.suggestions)
