"""Concurrency against PostgreSQL with two real connections: one winner, a clear conflict."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest

from assetpulse.errors import DomainError, ErrorKind
from assetpulse.org.queries import load_principal
from assetpulse.platform.api.schemas import BillCreate
from assetpulse.platform.store import bills, reviews
from tests.fix_platform import CardMaker


async def _principal(conn: psycopg.AsyncConnection[Any], username: str) -> Any:
    cur = await conn.execute("select id from users where username = %s", (username,))
    row = await cur.fetchone()
    assert row is not None
    return await load_principal(conn, row[0])


async def _race(db_url: str, make: Any) -> list[object]:
    a = await psycopg.AsyncConnection.connect(db_url, autocommit=True)
    b = await psycopg.AsyncConnection.connect(db_url, autocommit=True)
    try:
        outcomes = await asyncio.gather(make(a), make(b), return_exceptions=True)
    finally:
        await a.close()
        await b.close()
    return list(outcomes)


def test_two_approvals_on_two_connections_exactly_one_wins(
    db_url: str, make_card: CardMaker
) -> None:
    card = make_card()

    async def main() -> list[object]:
        async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as conn:
            op = await _principal(conn, "hd_jb")
            bill_id = await bills.create_bill(conn, op, BillCreate(kind="adjust", card_ids=[card]))
            await reviews.transition(conn, op, bill_id, "submit")
            reviewer = await _principal(conn, "hd_sh")

        async def approve(c: psycopg.AsyncConnection[Any]) -> str:
            await reviews.transition(c, reviewer, bill_id, "approve")
            return "ok"

        return await _race(db_url, approve)

    outcomes = asyncio.run(main())
    wins = [o for o in outcomes if o == "ok"]
    losses = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(wins) == 1
    assert len(losses) == 1
    assert losses[0].kind is ErrorKind.CONFLICT
    assert losses[0].code == "BILL_NOT_AT_YOUR_NODE"


def test_two_bills_racing_for_one_card_only_one_claims_it(
    db_url: str, make_card: CardMaker
) -> None:
    card = make_card()

    async def main() -> list[object]:
        async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as conn:
            op = await _principal(conn, "hd_jb")

        async def create(c: psycopg.AsyncConnection[Any]) -> int:
            return await bills.create_bill(c, op, BillCreate(kind="adjust", card_ids=[card]))

        return await _race(db_url, create)

    outcomes = asyncio.run(main())
    assert sum(isinstance(o, int) for o in outcomes) == 1
    errors = [o for o in outcomes if isinstance(o, DomainError)]
    assert [e.code for e in errors] == ["CARD_ALREADY_PUBLISHED"]
    with psycopg.connect(db_url) as conn:
        assert conn.execute("select count(*) from bills").fetchone() == (1,)


def test_database_refuses_second_active_claim_even_without_the_api(
    db: psycopg.Connection[Any], make_card: CardMaker, demo_units: dict[str, int]
) -> None:
    card = make_card()
    user = db.execute("select id from users where username = 'hd_jb'").fetchone()[0]
    ids = [
        db.execute(
            "insert into bills (bill_no, kind, unit_id, scope, region_code, created_by)"
            " values (%s, 'adjust', %s, 'province', '460100', %s) returning id",
            (f"X{i}", demo_units["U460001"], user),
        ).fetchone()[0]
        for i in range(2)
    ]
    db.execute("insert into bill_lines (bill_id, card_id) values (%s, %s)", (ids[0], card))
    with pytest.raises(psycopg.errors.UniqueViolation):
        db.execute("insert into bill_lines (bill_id, card_id) values (%s, %s)", (ids[1], card))
