"""``assetpulse categories``: what the code tables are, and loading the official ones.

For the province's administrator on the server (the API and its pages do the same for a
finance department's 系统管理员). Exit status 1 when a file is refused, with each refused
row and why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click
import orjson
from psycopg import AsyncConnection

from assetpulse.inventory.categories import store
from assetpulse.inventory.errors import InventoryError
from assetpulse.settings import Settings

Loader = Callable[..., Awaitable[dict[str, Any]]]


def _url() -> str:
    url = Settings().database_url
    if not url:
        raise click.UsageError("set ASSETPULSE_DATABASE_URL")
    return url


async def _with_conn(work: Callable[[AsyncConnection[Any]], Awaitable[dict[str, Any]]]) -> Any:
    async with await AsyncConnection.connect(_url(), autocommit=True) as conn:
        return await work(conn)


@click.group()
def categories() -> None:
    """GB/T 14885 category codes (资产分类代码表)."""


@categories.command("status")
def status_command() -> None:
    """Say whether the tables are the shipped demo subset or loaded, and how many codes."""
    s = asyncio.run(_with_conn(store.status))
    click.echo(s["message"])
    click.echo(orjson.dumps(s, option=orjson.OPT_INDENT_2, default=str).decode())


def _load(loader: Loader, path: Path, dry_run: bool, as_json: bool) -> None:
    data = path.read_bytes()

    async def work(conn: AsyncConnection[Any]) -> dict[str, Any]:
        return await loader(conn, data=data, file_name=path.name, actor_id=None, dry_run=dry_run)

    try:
        report = asyncio.run(_with_conn(work))
    except InventoryError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from None
    if as_json:
        click.echo(orjson.dumps(report).decode())
    else:
        click.echo(
            f"{report['message']} 共 {report['rows']} 行：新增 {report['added']}，"
            f"更新 {report['updated']}，不变 {report['unchanged']}，"
            f"未通过 {len(report['rejected'])}。"
        )
        for bad in report["rejected"][:200]:
            click.echo(f"  第 {bad['row']} 行 {bad['code']}：{'；'.join(bad['problems'])}")
        if len(report["rejected"]) > 200:
            click.echo(f"  …… 另有 {len(report['rejected']) - 200} 行，--json 列出全部")
        for amb in report.get("ambiguous", [])[:50]:
            click.echo(f"  一对多 {amb['old_code']} → {', '.join(amb['new_codes'])}")
    if report["rejected"]:
        raise SystemExit(1)


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@categories.command("load-codes")
@click.argument("file", type=_FILE)
@click.option("--dry-run", is_flag=True, help="Check only; load nothing.")
@click.option("--json", "as_json", is_flag=True, help="The whole report as one JSON line.")
def load_codes_command(file: Path, dry_run: bool, as_json: bool) -> None:
    """Load the official GB/T 14885-2022 code table (XLSX/CSV: 分类代码, 分类名称[, 上级代码])."""
    _load(store.load_codes, file, dry_run, as_json)


@categories.command("load-map-2010")
@click.argument("file", type=_FILE)
@click.option("--dry-run", is_flag=True, help="Check only; load nothing.")
@click.option("--json", "as_json", is_flag=True, help="The whole report as one JSON line.")
def load_map_command(file: Path, dry_run: bool, as_json: bool) -> None:
    """Load the 2010 → 2022 correspondence (XLSX/CSV: 2010版代码, 2022版代码); load the
    code table first."""
    _load(store.load_map_2010, file, dry_run, as_json)
