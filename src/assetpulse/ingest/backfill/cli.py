"""``assetpulse import-readings FILE.csv|xlsx``: backfill a logger export (历史数据补录).

Prints the row report (Chinese, or one JSON object with ``--json``). Exit status 0 when
the file was imported (dead letters included: they are in the report), 2 when the file
was refused (nothing stored), 1 when the database went away midway.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from assetpulse.errors import ErrorKind
from assetpulse.ingest.backfill.errors import BackfillError
from assetpulse.ingest.backfill.importer import MAX_AGE_DAYS_LIMIT, import_readings
from assetpulse.ingest.errors import not_configured
from assetpulse.ingest.model import DAY_MS, Limits
from assetpulse.settings import Settings


@click.command("import-readings")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--database-url", default=None, help="overrides ASSETPULSE_DATABASE_URL")
@click.option(
    "--max-age-days",
    type=click.IntRange(1, MAX_AGE_DAYS_LIMIT),
    default=None,
    help="accept readings this many days old (default ASSETPULSE_INGEST_MAX_READING_AGE_DAYS)",
)
@click.option("--json", "as_json", is_flag=True, help="print the report as one JSON object")
def import_readings_command(
    file: Path, database_url: str | None, max_age_days: int | None, as_json: bool
) -> None:
    """Backfill readings from a CSV or XLSX logger export (docs/telemetry.md, section 6)."""
    settings = Settings()
    url = database_url or settings.database_url
    if not url:
        _fail(not_configured(["ASSETPULSE_DATABASE_URL"]), as_json, status=2)
    limits = Limits(
        clock_skew_ms=settings.ingest_clock_skew_s * 1000,
        max_age_ms=settings.ingest_max_reading_age_days * DAY_MS,
    )
    try:
        report = import_readings(file, url, max_age_days=max_age_days, limits=limits)
    except BackfillError as exc:
        _fail(exc, as_json, status=1 if exc.kind is ErrorKind.UNAVAILABLE else 2)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        click.echo(report.as_text())


def _fail(exc: Exception, as_json: bool, *, status: int) -> NoReturn:
    code = getattr(exc, "code", "IMPORT_FAILED")
    message = getattr(exc, "message", str(exc))
    if as_json:
        click.echo(json.dumps({"error": code, "message": message}, ensure_ascii=False))
    else:
        click.echo(f"错误 {code}：{message}", err=True)
    sys.exit(status)
