"""A very small migration runner: numbered SQL files applied once each, in order.

Why not Alembic or yoyo: the schema is written in plain SQL (partitioning, TimescaleDB
policies, exclusion constraints) that an ORM-centred tool would only wrap, and the one
feature we need beyond "run each file once" is a TimescaleDB variant of a file. That is
thirty lines here and would be a plugin there.

Layout of ``migrations/``: ``NNNN_name.sql`` runs on plain PostgreSQL 15+. When the
``timescaledb`` extension is available, a sibling ``NNNN_name.timescale.sql`` (if any)
runs instead. Numbers are grouped by owner so that parts can add files without clashing:
0xxx shared, 1xxx ingest, 2xxx monitor, 3xxx inventory, 4xxx platform, 5xxx
organisation and security (sessions, sign-in).

Each file runs in its own transaction under an advisory lock, so concurrent starters
(two ingest workers, the API) cannot apply a file twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg
import structlog

log = structlog.get_logger(__name__)

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+?)(\.timescale)?\.sql$")
_LOCK_KEY = 0x61737365  # "asse": one advisory lock for all migrators


class MigrationError(Exception):
    """A migration file failed; the database keeps the state before that file."""

    def __init__(self, version: str, cause: Exception) -> None:
        super().__init__(f"migration {version} failed: {cause}")
        self.version = version
        self.cause = cause


@dataclass(frozen=True, slots=True)
class Migration:
    version: str
    name: str
    sql: str


TIMESCALE_LOADABLE = """
select exists (select 1 from pg_extension where extname = 'timescaledb')
    or (exists (select 1 from pg_available_extensions where name = 'timescaledb')
        and current_setting('shared_preload_libraries') ~ '\\mtimescaledb\\M')
"""


def timescale_available(conn: psycopg.Connection[Any]) -> bool:
    """True when the timescaledb extension is installed or can be created here.

    Being packaged is not enough: the server must preload the library, or ``create
    extension`` fails; then the plain-PostgreSQL path is the right one.
    """
    row = conn.execute(TIMESCALE_LOADABLE).fetchone()
    return bool(row and row[0])


def discover(*, timescale: bool) -> list[Migration]:
    """The migrations to run, in order, picking the TimescaleDB variant where asked."""
    files: dict[str, dict[bool, tuple[str, str]]] = {}
    for entry in resources.files("assetpulse.db.migrations").iterdir():
        m = _NAME.match(entry.name)
        if m is None:
            continue
        version, name, ts = m.group(1), m.group(2), m.group(3) is not None
        files.setdefault(version, {})[ts] = (name, entry.read_text(encoding="utf-8"))
    chosen = []
    for version in sorted(files):
        variants = files[version]
        pick = variants.get(True) if timescale and True in variants else variants.get(False)
        if pick is None:  # only a .timescale file: nothing to do on plain PostgreSQL
            continue
        chosen.append(Migration(version, pick[0], pick[1]))
    return chosen


def apply_migrations(conninfo: str, *, use_timescale: bool | None = None) -> list[str]:
    """Apply pending migrations; returns the versions applied now.

    ``use_timescale=None`` detects the extension; tests force ``False`` to check the plain
    path on a server that has it.
    """
    applied_now: list[str] = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("select pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            if use_timescale is None:
                use_timescale = timescale_available(conn)
            conn.execute(
                "create table if not exists schema_migrations ("
                " version text primary key, name text not null,"
                " timescale boolean not null, applied_at timestamptz not null default now())"
            )
            done = {r[0] for r in conn.execute("select version from schema_migrations")}
            for mig in discover(timescale=use_timescale):
                if mig.version in done:
                    continue
                try:
                    with conn.transaction():
                        conn.execute(mig.sql.encode())
                        conn.execute(
                            "insert into schema_migrations (version, name, timescale)"
                            " values (%s, %s, %s)",
                            (mig.version, mig.name, use_timescale),
                        )
                except psycopg.Error as exc:
                    raise MigrationError(mig.version, exc) from exc
                log.info("migration applied", version=mig.version, name=mig.name)
                applied_now.append(mig.version)
        finally:
            conn.execute("select pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return applied_now
