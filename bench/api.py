"""Benchmark of the platform API: plaza queries and bill transitions under 200 clients.

Set-up, in a private PostgreSQL started for the run: the demo organisation plus 100 units
across Hainan's fiscal regions, N listings (default 1,000,000) across regions, categories,
kinds, scopes and states, written with COPY, and a stock of draft bills (one card with a
photo each) for the transition phase. The API runs under uvicorn with several workers
(default 2, one per core) on loopback.

Phase 1, plaza: after a warm-up under the same load (``--warmup`` seconds, its figures
reported as ``cold_*``), 200 concurrent clients, each paced at ``--rate`` requests per second with
jitter (real users think between clicks; an unpaced closed loop would only measure queue
length), query the plazas with random tabs, filters (region, category, keyword, status) and
pages. Latency percentiles and achieved requests per second are reported. Then the same
clients without think time (``--capacity-seconds``, reported as ``capacity_*``): the most
plaza requests per second the server answers, the limit beside the paced figures.
Phase 2, transitions: 200 clients, unpaced, walk draft bills through submit → unit
approval → competent approval (local final approval lists them): transitions per second.

The clients speak HTTP/1.1 keep-alive over raw asyncio streams, so that the load generator
itself costs little CPU on the same two cores.

Usage: ``python bench/api.py [--quick]``. The last line printed is one JSON object with the
targets beside the measurements.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
from psycopg import sql

from assetpulse.db.migrate import apply_migrations
from assetpulse.localservices import PostgresProcess, free_port
from assetpulse.localservices.ports import wait_for_port
from assetpulse.org.seed import DEMO_PASSWORD, seed_demo_org

TARGETS = {"plaza_p99_ms": 50.0, "plaza_rps": 500.0, "transitions_per_s": 300.0}
REGIONS = ["460100", "460200", "460300", "460400", "469001", "469002", "469005", "469006"]
CATEGORIES = ["A010101", "A02010104", "A02010105", "A020102", "A020104", "A020305",
              "A023201", "A0501"]  # fmt: skip
NAMES = ["台式计算机", "便携式计算机", "激光打印机", "投影仪", "办公桌", "会议桌", "乘用车",
         "显微镜", "离心机", "服务器", "交换机", "复印机", "空调", "办公用房", "书柜"]  # fmt: skip
KEYWORDS = ["投影仪", "计算机", "办公桌", "显微镜", "服务器", "打印机"]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load(url: str, n_listings: int, n_drafts: int) -> dict[str, Any]:
    """The organisation, the listings (COPY) and the draft bills for transitions."""
    units = seed_demo_org(url)
    rnd = random.Random(7)
    with psycopg.connect(url, autocommit=True) as conn:
        comp = units["C460001"]
        extra = []
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
        t0 = time.perf_counter()
        # building the plaza's indexes once after COPY is far cheaper than maintaining them
        # row by row (the trigram GIN above all); their definitions come from the catalogue
        indexes = conn.execute(
            "select indexname, indexdef from pg_indexes where tablename = 'listings'"
            " and indexname not in (select conname from pg_constraint"
            " where conrelid = 'listings'::regclass)"
        ).fetchall()
        for name, _ in indexes:
            conn.execute(sql.SQL("drop index {}").format(sql.Identifier(name)))
        # generated rows are consistent by construction: skip per-row FK checks and the
        # audit trigger (a million audit rows would measure the loader, not the plazas)
        conn.execute("set session_replication_role = replica")
        _copy_listings(conn, rnd, n_listings, extra, comp, creator[0])
        conn.execute("set session_replication_role = origin")
        log(f"copied {n_listings} listings in {time.perf_counter() - t0:.1f}s")
        for _, definition in indexes:
            conn.execute(definition)  # the catalogue's own text of our migration's indexes
        log(f"listings indexed after {time.perf_counter() - t0:.1f}s")
        drafts = _drafts(conn, units["U460001"], creator[0], n_drafts)
        conn.execute("vacuum analyze")
    return {"drafts": drafts}


def _field(v: object) -> str:
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    return str(v)  # generated values: no tabs, newlines or backslashes


def _copy(conn: psycopg.Connection[Any], statement: str, rows: Any) -> None:
    """COPY in text format, written in blocks (much cheaper than a call per row)."""
    with conn.cursor().copy(statement) as cp:  # type: ignore[arg-type]
        block: list[str] = []
        for row in rows:
            block.append("\t".join(_field(v) for v in row))
            if len(block) == 20_000:
                cp.write(("\n".join(block) + "\n").encode())
                block = []
        if block:
            cp.write(("\n".join(block) + "\n").encode())


def _bill_shape(rnd: random.Random) -> tuple[str, str]:
    r = rnd.random()
    scope = "national" if r < 0.4 else ("province" if r < 0.9 else "city")
    if scope != "national":
        return scope, "final"
    return scope, "mof_approved" if rnd.random() < 0.75 else "reported"


def _copy_listings(
    conn: psycopg.Connection[Any],
    rnd: random.Random,
    n: int,
    units: list[tuple[int, str]],
    comp: int,
    creator: int,
) -> None:
    """Asset listings (one card and bill line each, 50 lines a bill) and demand listings."""
    n_demand = n // 4
    n_assets = n - n_demand
    per_bill = 50
    n_asset_bills = -(-n_assets // per_bill)
    bills = []
    for b in range(1, n_asset_bills + n_demand + 1):
        unit, region = units[b % len(units)]
        kind = "demand" if b > n_asset_bills else ("adjust", "adjust", "share")[b % 3]
        scope, stage = _bill_shape(rnd)
        bills.append((b, kind, unit, region, scope, stage))
    with conn.cursor().copy(
        "copy bills (id, bill_no, kind, unit_id, scope, stage, region_code, title,"
        " demand_type, created_by, chain, chain_units) from stdin"
    ) as cp:
        for b, kind, unit, region, scope, stage in bills:
            cp.write_row((b, f"BB{b:010d}", kind, unit, scope, stage, region,
                          f"需求{b}" if kind == "demand" else None,
                          "adjust" if kind == "demand" else None, creator,
                          "{unit,competent}", f"{{{unit},{comp}}}"))  # fmt: skip
    conn.execute("select setval('bills_id_seq', %s)", (len(bills) + 1,))
    now = time.time()
    rows = []
    for i in range(n):
        bill = bills[i // per_bill] if i < n_assets else bills[n_asset_bills + i - n_assets]
        b, kind, unit, region, scope, stage = bill
        code = {"mof_approved": "02", "reported": "01"}.get(stage, "03")
        name = f"{NAMES[rnd.randrange(len(NAMES))]}{i}"
        state = "listed" if rnd.random() < 0.9 else "done"
        when = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(now - rnd.random() * 3e7))
        rows.append((i + 1, b, kind, unit, scope, region, CATEGORIES[rnd.randrange(8)], name,
                     f"BA{i:09d}", rnd.randint(1, 20), state, code, when))  # fmt: skip
    _copy(
        conn,
        "copy asset_cards (id, asset_code, name, category_code, unit_id, status, shareable,"
        " quantity) from stdin",
        ((r[0], r[8], r[7], r[6], r[3], "idle", r[2] == "share", r[9]) for r in rows[:n_assets]),
    )
    conn.execute("select setval('asset_cards_id_seq', %s)", (n_assets + 1,))
    _copy(
        conn,
        "copy bill_lines (id, bill_id, card_id, active) from stdin",
        ((r[0], r[1], r[0], r[10] == "listed") for r in rows[:n_assets]),
    )
    conn.execute("select setval('bill_lines_id_seq', %s)", (n_assets + 1,))
    _copy(
        conn,
        "copy listings (bill_id, line_id, card_id, kind, unit_id, competent_id, scope,"
        " region_code, category_code, name, asset_code, quantity, measure_unit, state,"
        " review_code, listed_at) from stdin",
        (
            (r[1], r[0] if r[0] <= n_assets else None, r[0] if r[0] <= n_assets else None,
             r[2], r[3], comp, r[4], r[5], r[6], r[7], r[8] if r[0] <= n_assets else None,
             r[9], "台", r[10], r[11], r[12])
            for r in rows
        ),
    )  # fmt: skip


def _drafts(conn: psycopg.Connection[Any], unit: int, creator: int, n: int) -> list[int]:
    """Draft adjust bills of 海南大学, each with one idle card that has a photo."""
    base = conn.execute("select nextval('asset_cards_id_seq')").fetchone()
    start = int(base[0]) + 1 if base else 1
    with conn.cursor().copy(
        "copy asset_cards (id, asset_code, name, category_code, unit_id, status, quantity)"
        " from stdin"
    ) as cp:
        for i in range(n):
            cp.write_row((start + i, f"BD{i:08d}", f"闲置计算机{i}", "A02010105", unit, "idle", 1))
    with conn.cursor().copy(
        "copy card_photos (card_id, sha256, content_type, byte_size, data) from stdin"
    ) as cp:
        for i in range(n):
            cp.write_row((start + i, f"{i:064x}", "image/jpeg", 3, b"\xff\xd8\xff"))
    seq = conn.execute("select nextval('bills_id_seq')").fetchone()
    bill_start = int(seq[0]) + 1 if seq else 1
    with conn.cursor().copy(
        "copy bills (id, bill_no, kind, unit_id, scope, region_code, created_by) from stdin"
    ) as cp:
        for i in range(n):
            cp.write_row((bill_start + i, f"BT{i:010d}", "adjust", unit, "province", "460100",
                          creator))  # fmt: skip
    conn.execute("select setval('bills_id_seq', %s)", (bill_start + n + 1,))
    conn.execute("select setval('asset_cards_id_seq', %s)", (start + n + 1,))
    with conn.cursor().copy("copy bill_lines (bill_id, card_id) from stdin") as cp:
        for i in range(n):
            cp.write_row((bill_start + i, start + i))
    return list(range(bill_start, bill_start + n))


class Http:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams (one connection)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        data = await self.reader.readexactly(length) if length else b""
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def login(port: int, user: str) -> dict[str, str]:
    http = Http(port)
    body = urlencode({"username": user, "password": DEMO_PASSWORD}).encode()
    status, data = await http.request(
        "POST", "/api/v1/auth/token", {"Content-Type": "application/x-www-form-urlencoded"}, body
    )
    http.close()
    assert status == 200, data
    return {"Authorization": f"Bearer {json.loads(data)['access_token']}"}


def plaza_path(rnd: random.Random) -> str:
    params: dict[str, Any] = {
        "plaza": rnd.choice(["adjust", "adjust", "share", "demand"]),
        "tab": rnd.choice(["local", "national"]),
        "page": rnd.choice([1, 1, 1, 2, 3, 5]),
        "page_size": 20,
    }
    # the pages count on the first page and keep the total while paging
    params["with_total"] = str(params["page"] == 1).lower()
    pick = rnd.random()
    if pick < 0.25:
        params["region"] = rnd.choice(REGIONS)
    elif pick < 0.5:
        params["category"] = rnd.choice(["A02", "A0201", "A02010105", "A05", "A01"])
    elif pick < 0.65:
        params["keyword"] = rnd.choice(KEYWORDS)
    elif pick < 0.75:
        params["status"] = "done"
    return "/api/v1/listings?" + urlencode(params)


async def plaza_phase(
    port: int, clients: int, seconds: float, rate: float, users: list[dict[str, str]], seed: int
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    end = time.perf_counter() + seconds

    async def client(i: int) -> None:
        nonlocal errors
        rnd = random.Random(seed * 1_000_000 + i)  # each phase its own requests
        http = Http(port)
        headers = users[i % len(users)]
        paced = rate > 0  # rate 0: a closed loop, the next request as soon as one is answered
        next_at = time.perf_counter() + (rnd.random() / rate if paced else 0.0)
        while True:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))  # unpaced: 0
            if time.perf_counter() >= end:
                break
            t0 = time.perf_counter()
            status, _ = await http.request("GET", plaza_path(rnd), headers)
            latencies.append((time.perf_counter() - t0) * 1000)
            if status != 200:
                errors += 1
            if paced:
                next_at += rnd.expovariate(rate)
        http.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    elapsed = time.perf_counter() - t0
    latencies.sort()
    q = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "plaza_requests": len(latencies),
        "plaza_errors": errors,
        "plaza_p50_ms": round(q[49], 2),
        "plaza_p99_ms": round(q[98], 2),
        "plaza_rps": round(len(latencies) / elapsed, 1),
    }


async def transition_phase(
    port: int, clients: int, seconds: float, drafts: list[int], tokens: dict[str, dict[str, str]]
) -> dict[str, Any]:
    steps = [("hd_jb", "submit"), ("hd_sh", "approve"), ("jyt_sh", "approve")]
    done = 0
    errors = 0
    queue = list(drafts)
    end = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal done, errors
        http = Http(port)
        while queue and time.perf_counter() < end:
            bill = queue.pop()
            for user, action in steps:
                status, _ = await http.request(
                    "POST", f"/api/v1/bills/{bill}/{action}", tokens[user]
                )
                if status == 200:
                    done += 1
                else:
                    errors += 1
                    break
        http.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    elapsed = time.perf_counter() - t0
    return {
        "transitions": done,
        "transition_errors": errors,
        "transitions_per_s": round(done / elapsed, 1),
    }


async def drive(port: int, args: argparse.Namespace, drafts: list[int]) -> dict[str, Any]:
    names = ["hd_jb", "hd_sh", "jyt_sh", "hs_jb", "sy_jb", "cz_jb"]
    tokens = {u: await login(port, u) for u in names}
    viewers = [tokens[u] for u in ("hd_jb", "hs_jb", "sy_jb", "cz_jb")]
    # warm-up under the same load, reported on its own: the first seconds fill the workers'
    # pools, prepared statements and capped-total memory and PostgreSQL's caches; the targets
    # are for a server that has been running, the cold figures show what its first seconds cost
    cold = await plaza_phase(port, args.clients, args.warmup, args.rate, viewers, seed=1)
    plaza = await plaza_phase(port, args.clients, args.seconds, args.rate, viewers, seed=2)
    # the same clients unpaced: what the server can serve, beside what the paced load offers
    most = await plaza_phase(port, args.clients, args.capacity_seconds, 0.0, viewers, seed=3)
    trans = await transition_phase(port, args.clients, args.seconds, drafts, tokens)
    return (
        plaza
        | trans
        | {"cold_" + k: v for k, v in cold.items()}
        | {"capacity_" + k: v for k, v in most.items()}
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--listings", type=int, default=None)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--rate", type=float, default=3.0, help="requests/s per plaza client")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=float, default=None, help="seconds of unmeasured load")
    parser.add_argument(
        "--capacity-seconds", type=float, default=None, help="seconds of unpaced plaza load"
    )
    args = parser.parse_args()
    n = args.listings or (20_000 if args.quick else 1_000_000)
    args.seconds = args.seconds or (4.0 if args.quick else 20.0)
    args.warmup = args.warmup if args.warmup is not None else (2.0 if args.quick else 10.0)
    args.capacity_seconds = args.capacity_seconds or args.seconds / 2
    n_drafts = 1_000 if args.quick else 12_000
    tmp = Path(tempfile.mkdtemp(prefix="bench_api_"))
    pg = PostgresProcess(tmp / "pg")
    server: subprocess.Popen[bytes] | None = None
    try:
        pg.start()
        url = pg.create_database("assetpulse")
        apply_migrations(url)
        t0 = time.perf_counter()
        stock = load(url, n, n_drafts)
        load_s = time.perf_counter() - t0
        port = free_port()
        env = {
            **os.environ,
            "ASSETPULSE_DATABASE_URL": url,
            "ASSETPULSE_JWT_SECRET": "bench-secret-" + "x" * 24,
            "ASSETPULSE_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "assetpulse.platform.api.factory:app_from_env",
             "--factory", "--workers", str(args.workers), "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning", "--no-access-log",
             "--loop", "uvloop", "--http", "httptools"],
            env=env,
        )  # fmt: skip
        wait_for_port(port, timeout=60)
        time.sleep(1.0)
        load_before = os.getloadavg()[0]
        result = asyncio.run(drive(port, args, stock["drafts"]))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        pg.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
    out = {
        "listings": n,
        "plaza_p50_ms": result["plaza_p50_ms"],
        "plaza_p99_ms": result["plaza_p99_ms"],
        "plaza_rps": result["plaza_rps"],
        "transitions_per_s": result["transitions_per_s"],
        "clients": args.clients,
        "workers": args.workers,
        "paced_rate_per_client": args.rate,
        "plaza_requests": result["plaza_requests"],
        "plaza_errors": result["plaza_errors"],
        "transitions": result["transitions"],
        "transition_errors": result["transition_errors"],
        "cold_plaza_p50_ms": result["cold_plaza_p50_ms"],
        "cold_plaza_p99_ms": result["cold_plaza_p99_ms"],
        "cold_plaza_rps": result["cold_plaza_rps"],
        # limit: the same 200 clients without think time, i.e. the most the server answers
        "capacity_plaza_rps": result["capacity_plaza_rps"],
        "capacity_plaza_p50_ms": result["capacity_plaza_p50_ms"],
        "capacity_plaza_p99_ms": result["capacity_plaza_p99_ms"],
        "capacity_plaza_errors": result["capacity_plaza_errors"],
        "warmup_s": args.warmup,
        "load_s": round(load_s, 1),
        "targets": TARGETS,
        "meets": {
            "plaza_p99_ms": result["plaza_p99_ms"] <= TARGETS["plaza_p99_ms"],
            "plaza_rps": result["plaza_rps"] >= TARGETS["plaza_rps"],
            "transitions_per_s": result["transitions_per_s"] >= TARGETS["transitions_per_s"],
        },
        "cores": os.cpu_count(),
        # the machine is shared: the 1-minute load average before and after the phases
        "loadavg_1m": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
