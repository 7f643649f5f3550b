"""Benchmark of demand matching (issue 16) at 100,000 listings, beside the old matching.

Set-up, in a private PostgreSQL started for the run: the demo organisation plus 40 units
across Hainan's fiscal regions, N listings (default 100,000: three quarters assets to
adjust, one quarter demands) with names as registers write them (brand, GB/T name, model)
and demand titles as units write them (需要台式电脑 …), written with COPY.

Side by side, for the same probe demands and assets:
- **matching** (``store.matches``): every candidate in the viewer's sight ranked in SQL by
  class, region, quantity and the names' words (rjieba), the best scored by the core;
- **baseline** (the matching before issue 16): the newest 500 candidates, scored in Python
  by class, region and quantity only.
Both are compared with the **exhaustive** truth (every in-scope candidate scored by the
pure core in Python): the share of the true top 10 each one returns, and the best score it
finds. The first call also cuts and stores the words of every listing (reported apart).

Quality on the hand-labelled set of tests/unit/platform/test_matching_text.py: precision
at 1 and mean reciprocal rank of rjieba words (Dice), of pg_trgm ``similarity`` (the
plaza's keyword index) and of no text at all (class only: every name ties).

Usage: ``.venv/bin/python bench/matching.py [--quick]``; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import dict_row

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the labelled set

from tests.unit.platform.test_matching_text import (
    CANDIDATES,
    LABELLED,
    first_relevant_rank,
)

import assetpulse.platform.api  # noqa: F401  (the stores import in the app's order)
from assetpulse.db.migrate import apply_migrations
from assetpulse.localservices import PostgresProcess
from assetpulse.org.queries import load_principal
from assetpulse.org.seed import seed_demo_org
from assetpulse.platform import matching
from assetpulse.platform.store import matches
from assetpulse.platform.store.access import competent_of
from assetpulse.platform.store.plaza import can_see

TARGETS = {"p95_ms": 500.0, "top10_recall": 0.9}
REGIONS = ["460100", "460200", "460300", "460400", "469001", "469002", "469005", "469006"]
# (GB/T-style name on the card, category, the colloquial title of a demand for it)
PRODUCTS = [
    ("台式计算机", "A02010104", "台式电脑"), ("便携式计算机", "A02010105", "笔记本电脑"),
    ("激光打印机", "A02010601", "激光打印机"), ("喷墨打印机", "A02010601", "打印机"),
    ("投影机", "A02020100", "投影仪"), ("柜式空调", "A02061800", "空调"),
    ("挂式空调", "A02061800", "空调"), ("办公桌", "A05010100", "办公桌"),
    ("办公椅", "A05010200", "办公椅"), ("冷冻离心机", "A02320300", "离心机"),
    ("生物显微镜", "A02320100", "显微镜"), ("复印机", "A02020400", "复印机"),
    ("交换机", "A02010202", "网络交换机"), ("机架式服务器", "A02010103", "服务器"),
    ("不间断电源", "A02061504", "UPS电源"), ("液晶显示器", "A02010609", "电脑显示器"),
    ("数码照相机", "A02020200", "照相机"), ("文件柜", "A05010500", "文件柜"),
]  # fmt: skip
BRANDS = ["联想", "戴尔", "惠普", "华为", "格力", "美的", "佳能", "爱普生", "理光", "海尔", "浪潮"]
PRESELECT_BASELINE = 500


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load(url: str, n: int, seed: int = 11) -> None:
    units = seed_demo_org(url)
    rnd = random.Random(seed)
    with psycopg.connect(url, autocommit=True) as conn:
        comp = units["C460001"]
        extra = []
        for i in range(40):
            region = REGIONS[i % len(REGIONS)]
            row = conn.execute(
                "insert into units (code, name, kind, region_code, parent_id)"
                " values (%s, %s, 'unit', %s, %s) returning id",
                (f"UM{i:04d}", f"测试单位{i:03d}", region, comp),
            ).fetchone()
            assert row is not None
            extra.append((int(row[0]), region))
        creator = conn.execute("select id from users where username = 'hd_jb'").fetchone()
        assert creator is not None
        base = int(conn.execute("select coalesce(max(id), 0) from bills").fetchone()[0])  # type: ignore[index]
        conn.execute("set session_replication_role = replica")  # generated rows: no FK checks
        now = time.time()
        bills, listings = [], []
        for i in range(n):
            unit, region = extra[rnd.randrange(len(extra))]
            name, category, title = PRODUCTS[rnd.randrange(len(PRODUCTS))]
            demand = i % 4 == 3
            scope = rnd.choice(["province", "province", "province", "city", "national"])
            b = base + i + 1
            bills.append((b, f"BM{b:010d}", "demand" if demand else "adjust", unit, scope,
                          "final", region, f"需要{title}" if demand else None,
                          "adjust" if demand else None, creator[0],
                          "2099-12-31" if demand else None))  # fmt: skip
            shown = (
                f"需要{title}"
                if demand
                else (f"{rnd.choice(BRANDS)}{name} {rnd.choice('MKTX')}{rnd.randint(100, 9999)}")
            )
            when = dt.datetime.fromtimestamp(now - rnd.random() * 3e7, dt.UTC).isoformat()
            listings.append((b, "demand" if demand else "adjust", unit, comp, scope, region,
                             category, shown, rnd.randint(1, 20), "listed", when))  # fmt: skip
        with conn.cursor().copy(
            "copy bills (id, bill_no, kind, unit_id, scope, stage, region_code, title,"
            " demand_type, created_by, end_date) from stdin"
        ) as cp:
            for row in bills:
                cp.write_row(row)
        conn.execute("select setval('bills_id_seq', %s)", (base + n + 1,))
        with conn.cursor().copy(
            "copy listings (bill_id, kind, unit_id, competent_id, scope, region_code,"
            " category_code, name, quantity, state, listed_at) from stdin"
        ) as cp:
            for row in listings:
                cp.write_row(row)
        conn.execute("set session_replication_role = origin")
        # queued for their words as the trigger would have (replica mode skips it)
        conn.execute("insert into listing_terms_pending select id from listings")
        conn.execute("vacuum analyze")


async def exhaustive(
    conn: AsyncConnection[Any], p: Any, competent: int | None, listing: dict[str, Any]
) -> list[tuple[float, int]]:
    """Every in-scope candidate scored by the pure core: the truth both are judged by."""
    cur = conn.cursor(row_factory=dict_row)
    today = dt.datetime.now(dt.UTC).date()
    words = matching.terms(listing["name"])
    await cur.execute(
        "select l.*, b.demand_type, b.end_date from listings l join bills b on b.id = l.bill_id"
        " where l.state = 'listed' and l.kind = %s and l.unit_id <> %s",
        ("adjust" if listing["kind"] == "demand" else "demand", listing["unit_id"]),
    )
    out = []
    for c in await cur.fetchall():
        if not can_see(p, c, competent):
            continue
        if listing["kind"] == "demand":
            d, s = _demand(listing, words), _supply(c, matching.terms(c["name"]))
        else:
            d, s = _demand(c, matching.terms(c["name"])), _supply(listing, words)
        m = matching.score(d, s, today)
        if m is not None:
            out.append((m.score, int(c["id"])))
    out.sort(reverse=True)
    return out


def _demand(r: dict[str, Any], words: frozenset[str]) -> matching.Demand:
    return matching.Demand(r["demand_type"], r["category_code"], r["region_code"],
                           r["quantity"], r["area"], r["end_date"], words)  # fmt: skip


def _supply(r: dict[str, Any], words: frozenset[str]) -> matching.Supply:
    return matching.Supply(r["kind"], r["category_code"], r["region_code"], r["quantity"],
                           r["area"], words)  # fmt: skip


BASELINE_SUPPLY = """
select l.*, null::date as end_date from listings l
where l.kind = %(kind)s and l.state = 'listed'
  and (%(top)s::text is null or l.category_code like %(top)s || '%%')
  and (l.review_code = '02' or l.province = %(province)s)
order by l.listed_at desc limit %(limit)s
"""
BASELINE_DEMANDS = """
select l.*, b.demand_type, b.end_date from listings l join bills b on b.id = l.bill_id
where l.kind = 'demand' and l.state = 'listed' and b.demand_type = %(kind)s
  and (%(top)s::text is null or l.category_code like %(top)s || '%%')
  and (l.review_code = '02' or l.province = %(province)s)
order by l.listed_at desc limit %(limit)s
"""


async def baseline(
    conn: AsyncConnection[Any], p: Any, competent: int | None, listing: dict[str, Any]
) -> list[int]:
    """The matching before issue 16: newest 500, no names."""
    cur = conn.cursor(row_factory=dict_row)
    today = dt.datetime.now(dt.UTC).date()
    demand_side = listing["kind"] == "demand"
    params = {"kind": listing["demand_type"] if demand_side else listing["kind"],
              "top": (listing["category_code"] or "")[:3] or None,
              "province": listing["province"], "limit": PRESELECT_BASELINE}  # fmt: skip
    await cur.execute(BASELINE_SUPPLY if demand_side else BASELINE_DEMANDS, params)
    scored = []
    for c in await cur.fetchall():
        if not can_see(p, c, competent) or c["unit_id"] == listing["unit_id"]:
            continue
        if demand_side:
            m = matching.score(_demand(listing, frozenset()), _supply(c, frozenset()), today)
        else:
            m = matching.score(_demand(c, frozenset()), _supply(listing, frozenset()), today)
        if m is not None:
            scored.append((m.score, int(c["id"])))
    scored.sort(reverse=True)
    return [i for _, i in scored[:50]]


def _pct(values: list[float], q: float) -> float:
    s = sorted(values)
    return round(s[min(len(s) - 1, int(q * len(s)))], 1)


def quality(url: str) -> dict[str, dict[str, float]]:
    with psycopg.connect(url) as conn:

        def trgm(a: str, b: str) -> float:
            row = conn.execute("select similarity(%s, %s)", (a, b)).fetchone()
            return float(row[0]) if row else 0.0

        methods: dict[str, Callable[[str, str], float]] = {
            "rjieba_dice": lambda a, b: matching.similarity(matching.terms(a), matching.terms(b)),
            "pg_trgm_similarity": trgm,
            "no_text": lambda _a, _b: 0.0,
        }
        out = {}
        for name, f in methods.items():
            ranks = [first_relevant_rank(f, q, rel) for q, rel in LABELLED.items()]
            out[name] = {
                "precision_at_1": round(sum(r == 1 for r in ranks) / len(ranks), 3),
                "mrr": round(sum(1 / r for r in ranks) / len(ranks), 3),
            }
    return {**out, "labelled": {"demands": len(LABELLED), "candidates": len(CANDIDATES)}}  # type: ignore[dict-item]


async def probe(url: str, probes: int) -> dict[str, Any]:
    async with await AsyncConnection.connect(url, autocommit=True) as conn:
        user = await (
            await conn.execute("select id from users where username = 'hs_jb'")
        ).fetchone()
        assert user is not None
        p = await load_principal(conn, int(user[0]))
        competent = await competent_of(conn, p.unit_id)
        t0 = time.perf_counter()
        stored = await matches.store_pending_terms(conn)
        backfill_s = time.perf_counter() - t0
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(
            "select l.*, b.demand_type, b.end_date from listings l join bills b on b.id = l.bill_id"
            " where l.state = 'listed' and l.scope in ('province', 'national')"
            " order by l.id"
        )
        rows = await cur.fetchall()
        rnd = random.Random(3)
        picked = rnd.sample([r for r in rows if r["kind"] == "demand"], probes // 2)
        picked += rnd.sample([r for r in rows if r["kind"] == "adjust"], probes - probes // 2)
        new_ms, old_ms, new_recall, old_recall, gaps_new, gaps_old = [], [], [], [], [], []
        considered = []
        for listing in picked:
            truth = await exhaustive(conn, p, competent, listing)
            top = {i for _, i in truth[:10]}
            cut = truth[min(9, len(truth) - 1)][0] if truth else 0.0
            t = time.perf_counter()
            got = await matches.matches(conn, p, int(listing["id"]), competent)
            new_ms.append((time.perf_counter() - t) * 1000)
            considered.append(got["considered"])
            t = time.perf_counter()
            old = await baseline(conn, p, competent, listing)
            old_ms.append((time.perf_counter() - t) * 1000)
            new_ids = [m["listing"]["id"] for m in got["matches"] if m.get("listing")][:10]
            # ties at the 10th score: any candidate with the 10th score counts as right
            score_of = {i: s for s, i in truth}
            new_recall.append(sum(i in top or score_of.get(i, -1) >= cut for i in new_ids) / 10)
            old_recall.append(sum(i in top or score_of.get(i, -1) >= cut for i in old[:10]) / 10)
            best = truth[0][0] if truth else 0.0
            gaps_new.append(best - max((score_of.get(i, 0) for i in new_ids), default=0))
            gaps_old.append(best - max((score_of.get(i, 0) for i in old), default=0))
    return {
        "words_stored": stored, "words_backfill_s": round(backfill_s, 2),
        "candidates_considered_median": statistics.median(considered),
        "matching": {"p50_ms": _pct(new_ms, 0.5), "p95_ms": _pct(new_ms, 0.95),
                     "top10_recall": round(statistics.mean(new_recall), 3),
                     "best_score_missed_mean": round(statistics.mean(gaps_new), 4)},
        "baseline_newest_500": {"p50_ms": _pct(old_ms, 0.5), "p95_ms": _pct(old_ms, 0.95),
                                "top10_recall": round(statistics.mean(old_recall), 3),
                                "best_score_missed_mean": round(statistics.mean(gaps_old), 4)},
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--listings", type=int, default=100_000)
    ap.add_argument("--probes", type=int, default=20)
    ap.add_argument("--quick", action="store_true", help="10,000 listings, 6 probes")
    args = ap.parse_args()
    if args.quick:
        args.listings, args.probes = 10_000, 6
    with tempfile.TemporaryDirectory(prefix="bench-matching-") as tmp:
        pg = PostgresProcess(Path(tmp) / "pg")
        pg.start()
        try:
            pg.create_database("bench")
            url = pg.url("bench")
            apply_migrations(url, use_timescale=False)
            t0 = time.perf_counter()
            load(url, args.listings)
            log(f"loaded {args.listings} listings in {time.perf_counter() - t0:.1f}s")
            result = asyncio.run(probe(url, args.probes))
            result["quality"] = quality(url)
        finally:
            pg.destroy()
    print(json.dumps({"bench": "matching", "listings": args.listings, "probes": args.probes,
                      **result, "targets": TARGETS}, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    main()
