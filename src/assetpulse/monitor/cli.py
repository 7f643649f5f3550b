"""``assetpulse analyse``: refresh baselines and rollups, judge every asset, store suggestions.

Runs once and exits (``assetpulse run`` starts it periodically; production puts it in a
timer). Prints one summary line per step.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
import psycopg

from assetpulse.logs import configure_logging
from assetpulse.monitor.core.rules import load_rules
from assetpulse.monitor.db.analyse import analyse as run_analysis
from assetpulse.monitor.db.refresh import refresh_baselines, refresh_rollups
from assetpulse.monitor.errors import MonitorError
from assetpulse.settings import Settings

BASELINES_AGE = (
    "select coalesce(max(updated_at) < now() - interval '1 day', true) from sensor_baselines"
)


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
def analyse(
    window_days: int | None, end: datetime | None, rules_path: str | None, no_store: bool
) -> None:
    """Roll up usage and suggest idle or under-used assets (闲置资产分析)."""
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    if not settings.database_url:
        raise click.UsageError("set ASSETPULSE_DATABASE_URL (or use `assetpulse run`)")
    try:  # before any connection: a wrong rules file is refused with its message alone
        rules = load_rules(rules_path or settings.idle_rules_path)
    except MonitorError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from None
    # the rules file decides each asset's window; only an explicit --window-days overrides it
    longest = window_days or max(rules.windows())
    window_end = end.replace(tzinfo=UTC) if end else datetime.now(UTC)
    site = (settings.site_lat, settings.site_lon)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        stale = conn.execute(BASELINES_AGE).fetchone()
        if stale and stale[0]:
            n = refresh_baselines(conn, until=window_end, days=min(longest, 14), site=site)
            click.echo(f"baselines: {n} sensor-hours of day")
        r = refresh_rollups(conn, lag=timedelta(minutes=5), site=site)
        click.echo(f"rollups: {r.card_hours} card-hours recomputed from {r.readings_read} readings")
        a = run_analysis(
            conn, rules=rules, window_end=window_end, days=window_days, store=not no_store
        )
    verdicts = ", ".join(f"{k} {v}" for k, v in sorted(a.verdicts.items())) or "no assets"
    over = ", ".join(f"{n} days ({k})" for n, k in sorted(a.windows.items())) or f"{longest} days"
    click.echo(f"analysed {a.cards} assets over {over} to {window_end:%Y-%m-%d %H:%M}Z: {verdicts}")
    if a.suggestions:
        s = a.suggestions
        click.echo(
            f"suggestions: {s['new']} new, {s['refreshed']} refreshed, {s['superseded']} superseded"
        )
