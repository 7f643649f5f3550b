"""Benchmark of the dashboard (首页/数据看板) at a million listings.

Set-up, in a private PostgreSQL started for the run: the demo organisation plus 100 units
under 教育厅 across Hainan's fiscal regions, N listings (default 1,000,000: kinds, states
listed 70 % / done 20 % / delisted 7 % / withdrawn 3 %, two years of listing dates), 200,000
asset cards (a fifth idle), 20,000 open suggestions and a sensor on 30 % of the cards,
written with COPY; the indexes are built after the load, then VACUUM ANALYZE.

Measured, warm, through the store the API calls (``store.dashboard.summary``): the whole
dashboard for one unit (~10,000 listings), for the competent department (all of them) and
for the province's finance (all of them); a drill-down page; the XLSX export of one unit.
The plan of the listings query is checked to be an index-only scan of the scope's index.

Usage: ``python bench/dashboard.py [--quick]``. The last line printed is one JSON object
with the targets beside the measurements.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import AsyncConnection, sql

from assetpulse.db.migrate import apply_migrations
from assetpulse.localservices import PostgresProcess
from assetpulse.org.principal import Principal
from assetpulse.org.seed import seed_demo_org
from assetpulse.platform.store import dashboard as store
from assetpulse.platform.store import dashboard_export

TARGETS = {"unit_ms": 100.0, "competent_ms": 1500.0, "province_ms": 1500.0, "rows_ms": 50.0}
REGIONS = ["460100", "460200", "460300", "460400", "469001", "469002", "469005", "469006"]
CATEGORIES = ["A02010104", "A02010105", "A020102", "A0501"]


TALLY_BACKFILL = """
insert into listing_tallies (unit_id, competent_id, province, region_code, kind, state,
                             listed_month, done_month, n, value, compensation, compensated)
select unit_id, competent_id, province, region_code, kind, state, platform_month(listed_at),
       platform_month(done_at), count(*), coalesce(sum(original_value), 0),
       coalesce(sum(compensation_yuan), 0), count(compensation_yuan)
from listings group by 1, 2, 3, 4, 5, 6, 7, 8
"""


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _copy(conn: psycopg.Connection[Any], statement: str, rows: Any) -> None:
    with conn.cursor().copy(statement) as cp:
        for row in rows:
            cp.write_row(row)


def load(url: str, n: int, n_cards: int) -> dict[str, int]:
    units = seed_demo_org(url)
    rnd = random.Random(17)
    comp = units["C460001"]
    with psycopg.connect(url, autocommit=True) as conn:
        extra: list[tuple[int, str]] = []
        for i in range(100):
            region = REGIONS[i % len(REGIONS)]
            row = conn.execute(
                "insert into units (code, name, kind, region_code, parent_id)"
                " values (%s, %s, 'unit', %s, %s) returning id",
                (f"UB{i:04d}", f"测试单位{i:03d}", region, comp),
            ).fetchone()
            assert row is not None
            extra.append((row[0], region))
        creator = conn.execute("select id from users where username = 'hd_jb'").fetchone()
        assert creator is not None
        bill = conn.execute(
            "insert into bills (bill_no, kind, unit_id, scope, region_code, created_by)"
            " values ('BENCH', 'adjust', %s, 'province', '460100', %s) returning id",
            (extra[0][0], creator[0]),
        ).fetchone()
        assert bill is not None
        indexes = conn.execute(
            "select indexname, indexdef from pg_indexes where tablename = 'listings'"
            " and indexname not in (select conname from pg_constraint"
            " where conrelid = 'listings'::regclass)"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(sql.SQL("drop index {}").format(sql.Identifier(name)))
        # generated rows are consistent by construction: no per-row FK checks or triggers
        conn.execute("set session_replication_role = replica")
        t0 = time.perf_counter()
        now = time.time()

        def listings() -> Any:
            for i in range(n):
                unit, region = extra[i % len(extra)]
                kind = ("adjust", "adjust", "share", "demand")[i % 4]
                r = rnd.random()
                state = (
                    "listed"
                    if r < 0.7
                    else "done"
                    if r < 0.9
                    else "delisted"
                    if r < 0.97
                    else "withdrawn"
                )
                listed = now - rnd.random() * 6.3e7
                done = listed + rnd.random() * 3e6 if state == "done" else None
                stamp = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(listed))
                done_at = None if done is None else time.strftime(
                    "%Y-%m-%d %H:%M:%S+00", time.gmtime(min(done, now)))  # fmt: skip
                value = None if kind == "demand" else rnd.randint(500, 200_000)
                result = (json.dumps({"compensation": {"total_yuan": "600.00"}})
                          if state == "done" and kind == "share" else None)  # fmt: skip
                yield (bill[0], i + 1, kind, unit, comp, "province", region, CATEGORIES[i % 4],
                       f"资产{i}", state, stamp, stamp, done_at, value, result)  # fmt: skip

        _copy(
            conn,
            "copy listings (bill_id, line_id, kind, unit_id, competent_id, scope, region_code,"
            " category_code, name, state, listed_at, changed_at, done_at, original_value,"
            " result) from stdin",
            listings(),
        )
        _copy(
            conn,
            "copy asset_cards (id, asset_code, name, category_code, unit_id, status,"
            " original_value, net_value) from stdin",
            (
                (c + 1, f"BC{c:09d}", f"卡片{c}", CATEGORIES[c % 4], extra[c % len(extra)][0],
                 "idle" if c % 5 == 0 else "in_use", 10_000, 4_000)
                for c in range(n_cards)
            ),
        )  # fmt: skip
        conn.execute("select setval('asset_cards_id_seq', %s)", (n_cards + 1,))
        _copy(
            conn,
            "copy suggestions (card_id, unit_id, verdict, action, rule, score, metric,"
            " metric_value, evidence, evidence_zh, evidence_en, window_from, window_to)"
            " from stdin",
            (
                (c + 1, extra[c % len(extra)][0], "under_used" if c % 2 else "idle", "adjust",
                 "bench", 0.9, "hours", 1.0, "{}", "基准", "bench", "2026-01-01", "2026-02-01")
                for c in range(0, n_cards, n_cards // 20_000 or 1)
            ),
        )  # fmt: skip
        _copy(
            conn,
            "copy sensor_bindings (sensor_id, card_id, valid) from stdin",
            ((f"S{c:09d}", c + 1, "[2025-01-01,)") for c in range(0, n_cards, 3)),
        )
        conn.execute("set session_replication_role = origin")
        log(f"copied {n} listings and {n_cards} cards in {time.perf_counter() - t0:.1f}s")
        # COPY in replica mode skipped the tally trigger: the tallies as migration 4006 makes
        # them from existing listings
        conn.execute(TALLY_BACKFILL)
        for _, definition in indexes:
            conn.execute(definition)
        log(f"indexed after {time.perf_counter() - t0:.1f}s")
        conn.execute("vacuum analyze")
    return {"unit": extra[0][0], "competent": comp, "finance": units["F460000"]}


def principals(ids: dict[str, int]) -> dict[str, Principal]:
    def p(unit: int, kind: str, user_type: str, region: str) -> Principal:
        return Principal(1, "bench", "bench", unit, kind, None, region, user_type,
                         frozenset({"operator", "reviewer"}))  # fmt: skip

    return {
        "unit": p(ids["unit"], "unit", "003", "460100"),
        "competent": p(ids["competent"], "competent", "003", "460000"),
        "province": p(ids["finance"], "finance", "002", "460000"),
    }


async def timed(runs: int, fn: Any) -> tuple[float, float]:
    await fn()  # warm: plans and pages in cache
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        await fn()
        times.append((time.perf_counter() - t) * 1000)
    return round(statistics.median(times), 1), round(max(times), 1)


async def plans(conn: AsyncConnection[Any], who: dict[str, Principal]) -> dict[str, Any]:
    """How many tally rows a scope reads, and the access path of a drill-down page."""
    out: dict[str, Any] = {}
    for name, p in who.items():
        scope = await store.scope_of(conn, p)
        where = sql.SQL(store.TALLY_WHERE[scope.kind])
        cur = await conn.execute(
            sql.SQL("select count(*) from listing_tallies t where {}").format(where),
            scope.params,
        )
        row = await cur.fetchone()
        out[f"{name}_tally_rows"] = row[0] if row else 0
        query, params = store._rows_query(scope, "listings", "adjust", "listed", 2,
                                          dt.datetime.now(dt.UTC))  # fmt: skip
        cur = await conn.execute(sql.SQL("explain (format json) {} limit 21").format(query), params)
        plan = await cur.fetchone()
        text = json.dumps(plan[0] if plan else "")
        index = text.split('"Index Name": "')[1].split('"')[0] if "Index Name" in text else "none"
        out[f"{name}_rows_index"] = index
    return out


async def drive(url: str, ids: dict[str, int], runs: int) -> dict[str, Any]:
    who = principals(ids)
    out: dict[str, Any] = {}
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        for name, p in who.items():
            med, worst = await timed(runs, lambda p=p: store.summary(conn, p, 12))
            out[f"{name}_ms"], out[f"{name}_max_ms"] = med, worst
        s = await store.summary(conn, who["province"], 12)
        out["province_listings"] = sum(sum(v.values()) for v in s["listings"]["by_state"].values())
        rows = await timed(runs, lambda: store.rows(
            conn, who["province"], what="listings", kind="adjust", state="listed", age=2,
            page=3, page_size=20))  # fmt: skip
        out["rows_ms"] = rows[0]
        t = time.perf_counter()
        data = await dashboard_export.workbook(conn, who["unit"], 12)
        out["unit_export_ms"] = round((time.perf_counter() - t) * 1000, 1)
        out["unit_export_bytes"] = len(data)
        t = time.perf_counter()
        data = await dashboard_export.workbook(conn, who["province"], 12)
        out["province_export_ms"] = round((time.perf_counter() - t) * 1000, 1)
        out["province_export_bytes"] = len(data)
        out.update(await plans(conn, who))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--listings", type=int, default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    n = args.listings or (50_000 if args.quick else 1_000_000)
    n_cards = n // 5
    tmp = Path(tempfile.mkdtemp(prefix="bench_dash_"))
    pg = PostgresProcess(tmp / "pg")
    try:
        pg.start()
        url = pg.create_database("assetpulse")
        apply_migrations(url)
        t0 = time.perf_counter()
        ids = load(url, n, n_cards)
        load_s = round(time.perf_counter() - t0, 1)
        result = asyncio.run(drive(url, ids, args.runs))
    finally:
        pg.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    ok = all(result[k] <= v for k, v in TARGETS.items())
    print(json.dumps({"listings": n, "cards": n_cards, **result, "load_s": load_s,
                      "targets": TARGETS, "ok": ok}, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
