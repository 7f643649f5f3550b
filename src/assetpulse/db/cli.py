"""``assetpulse migrate`` and ``assetpulse seed-demo``."""

from __future__ import annotations

import click

from assetpulse.db.migrate import apply_migrations
from assetpulse.logs import configure_logging
from assetpulse.settings import Settings


def _url(settings: Settings) -> str:
    if not settings.database_url:
        raise click.UsageError("set ASSETPULSE_DATABASE_URL (or use `assetpulse run`)")
    return settings.database_url


@click.command()
@click.option("--plain", is_flag=True, help="Ignore TimescaleDB even where it is available.")
def migrate(plain: bool) -> None:
    """Apply pending migrations to ASSETPULSE_DATABASE_URL."""
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    applied = apply_migrations(_url(settings), use_timescale=False if plain else None)
    click.echo(f"applied {len(applied)} migration(s): {', '.join(applied) or '-'}")


@click.command("seed-demo")
def seed_demo() -> None:
    """Create the demo organisation (units and users) in ASSETPULSE_DATABASE_URL."""
    from assetpulse.org.seed import DEMO_PASSWORD, seed_demo_org

    seed_demo_org(_url(Settings()))
    click.echo(f"demo organisation ready; every demo user's password is {DEMO_PASSWORD}")
