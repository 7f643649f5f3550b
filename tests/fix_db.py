"""PostgreSQL fixtures: one private server per session, a fresh migrated database per test.

Each test database is a copy of a template migrated once per session (``CREATE DATABASE
… TEMPLATE``), which costs tens of milliseconds instead of a full migration run.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from assetpulse.db.migrate import apply_migrations, timescale_available
from assetpulse.localservices import PostgresProcess, postgres_from

_TEMPLATE = "assetpulse_template"
_counter = itertools.count()


def _server(datadir: Path) -> PostgresProcess:
    """A server from ASSETPULSE_TEST_PG_BINDIR when set (e.g. an installation that has
    TimescaleDB, preloaded then, so the whole suite runs the TimescaleDB path), else the
    system's newest PostgreSQL."""
    env = os.environ.get("ASSETPULSE_TEST_PG_BINDIR")
    return postgres_from(datadir, Path(env) if env else None)


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PostgresProcess]:
    """The session's PostgreSQL; tests that kill it must use ``pg_private`` instead."""
    server = _server(tmp_path_factory.mktemp("pg") / "data")
    server.start()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def pg_template(pg_server: PostgresProcess) -> str:
    pg_server.create_database(_TEMPLATE)
    apply_migrations(pg_server.url(_TEMPLATE))
    # Nobody may stay connected to a template (TimescaleDB's job scheduler would, and
    # then CREATE DATABASE … TEMPLATE refuses to copy it).
    with psycopg.connect(pg_server.conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("alter database {} with allow_connections false").format(
                sql.Identifier(_TEMPLATE)
            )
        )
        conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = %s",
            (_TEMPLATE,),
        )
    return _TEMPLATE


@pytest.fixture(scope="session")
def has_timescale(pg_server: PostgresProcess) -> bool:
    with psycopg.connect(pg_server.conninfo) as conn:
        return timescale_available(conn)


def _clone(server: PostgresProcess, template: str) -> str:
    name = f"t{next(_counter)}"
    with psycopg.connect(server.conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("create database {} template {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
    return server.url(name)


@pytest.fixture
def db_url(pg_server: PostgresProcess, pg_template: str) -> str:
    """URL of a fresh, fully migrated database that only this test uses."""
    return _clone(pg_server, pg_template)


@pytest.fixture
def db(db_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """An autocommit connection to this test's database."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def pg_private(tmp_path: Path) -> Iterator[PostgresProcess]:
    """A PostgreSQL of this test's own, migrated, free to stop or kill."""
    server = _server(tmp_path / "pgdata")
    server.start()
    server.create_database("assetpulse")
    apply_migrations(server.url("assetpulse"))
    yield server
    server.destroy()
