"""``assetpulse objects``: the object store's operator commands.

``migrate`` moves the photos and attachments still held in PostgreSQL rows (written before
migration 4009) into the configured store and clears their bytes there; see objects/legacy.py.
"""

from __future__ import annotations

import asyncio

import click
from psycopg import AsyncConnection

from assetpulse.logs import configure_logging
from assetpulse.objects.config import open_store
from assetpulse.objects.errors import ObjectStoreError
from assetpulse.objects.legacy import Moved, move_all
from assetpulse.objects.store import ObjectStore
from assetpulse.settings import Settings


@click.group()
def objects() -> None:
    """Photos and attachments in the object store (ASSETPULSE_OBJECTS_*)."""


@objects.command()
@click.option(
    "--batch",
    type=click.IntRange(1, 10_000),
    default=100,
    show_default=True,
    help="Rows moved per transaction.",
)
def migrate(batch: int) -> None:
    """Move bytes still stored in PostgreSQL rows into the object store."""
    settings = Settings()
    configure_logging(level=settings.log_level, json=settings.log_json)
    if not settings.database_url:
        raise click.UsageError("set ASSETPULSE_DATABASE_URL")
    try:
        store = open_store(settings)
        results = asyncio.run(_migrate(settings.database_url, store, batch))
    except ObjectStoreError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message} {exc.context}") from None
    for moved in results:
        click.echo(moved.line())


async def _migrate(url: str, store: ObjectStore, batch: int) -> list[Moved]:
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        return await move_all(conn, store, batch=batch)
