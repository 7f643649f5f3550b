"""Inventory fixtures: demo cards in the demo organisation, an async connection runner."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
import pytest

T = TypeVar("T")

# (asset_code, name, category, unit, department or None, status, shareable, quantity)
DEMO_CARDS = (
    ("HD-0001", "台式计算机", "A02010105", "U460001", "D460001-01", "in_use", False, 1),
    ("HD-0002", "激光打印机", "A020102", "U460001", "D460001-01", "idle", False, 1),
    ("HD-0003", "投影仪", "A020104", "U460001", "D460001-02", "in_use", True, 1),
    ("HD-0004", "办公椅", "A0501", "U460001", "D460001-02", "in_use", False, 20),
    ("HD-0005", "大型科研仪器", "A023201", "U460001", None, "leased", True, 1),
    ("HS-0001", "便携式计算机", "A02010104", "U460002", "D460002-01", "idle", False, 1),
)


@pytest.fixture
def demo_cards(db_url: str, demo_units: dict[str, int]) -> dict[str, int]:
    """A handful of cards of 海南大学 and one of 海南师范大学; asset code → card id."""
    ids: dict[str, int] = {}
    with psycopg.connect(db_url) as conn, conn.transaction():
        for code, name, cat, unit, dept, status, shareable, qty in DEMO_CARDS:
            row = conn.execute(
                "insert into asset_cards (asset_code, name, category_code, unit_id,"
                " department_id, status, shareable, quantity, measure_unit, location,"
                " original_value, net_value)"
                " values (%s, %s, %s, %s, %s, %s, %s, %s, '台', %s, %s, %s) returning id",
                (
                    code,
                    name,
                    cat,
                    demo_units[unit],
                    demo_units[dept] if dept else None,
                    status,
                    shareable,
                    qty,
                    "主楼101",
                    1000 * qty,
                    800 * qty,
                ),
            ).fetchone()
            assert row is not None
            ids[code] = int(row[0])
    return ids


@pytest.fixture
def user_ids(db_url: str, demo_units: dict[str, int]) -> dict[str, int]:
    with psycopg.connect(db_url) as conn:
        return dict(conn.execute("select username, id from users").fetchall())


@pytest.fixture
def run_async(db_url: str) -> Callable[[Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]], T]:
    """``run_async(lambda conn: service(conn, ...))`` on an autocommit async connection."""

    def run(fn: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
        async def main() -> T:
            async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as conn:
                return await fn(conn)

        return asyncio.run(main())

    return run
