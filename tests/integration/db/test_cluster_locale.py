"""The PostgreSQL cluster that `assetpulse run` and the tests start (localservices): text
keys compare byte by byte — the collation PostgreSQL has a fast path for, and the code-point
order Python sorts by — while case and character classes still know Unicode."""

from __future__ import annotations

import psycopg


def test_cluster_when_initialised_then_text_sorts_by_code_point_and_case_knows_unicode(
    db: psycopg.Connection[tuple[object, ...]],
) -> None:
    collate, ctype = db.execute(
        "select datcollate, datctype from pg_database where datname = current_database()"
    ).fetchone() or (None, None)
    assert (collate, ctype) == ("C", "C.UTF-8")
    names = ["资产", "办公", "Zeta", "alpha", "_x", "电脑", "gw-10", "gw-9"]
    row = db.execute("select array_agg(x order by x) from unnest(%s::text[]) as x", (names,))
    assert row.fetchone() == (sorted(names),)
    assert db.execute("select lower('ÄÖ'), 'é' ~ '^\\w$'").fetchone() == ("äö", True)
