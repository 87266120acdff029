"""Scaling: one poll cycle of 1,000 and 5,000 farm feeds, by 1, 2 and 4 poller processes on
PostgreSQL, against one process on SQLite, in one run.

    python -m benchmarks.scaling --postgres postgresql://user@127.0.0.1:5432/postgres

(or TREATYWATCH_BENCH_POSTGRES_URL; the role must be allowed to create databases). The cycle
is the steady one: every feed has one new report; then a warm one, where every feed answers
304 (most polls of a running bot). The
state before it is made once per size: a cold poll of the farm into SQLite, copied into a
new PostgreSQL database for each run by migrate-db's code (timed too). Then the farm
publishes one more report per feed, every feed is made due, and the workers start together;
the cycle ends when the last one has no due feed left. Workers lease feeds from the
database, as `run --role poller` does. Also measured on PostgreSQL: the WAL written and the
database's growth per new item, for docs/scaling.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks.measure import ROOT, child_env
from benchmarks.poll import farm

SIZES = (1000, 5000)
WORKERS = (1, 2, 4)
ITEMS = 5  # per feed; the steady cycle reads them all and stores one
ENV = "TREATYWATCH_BENCH_POSTGRES_URL"


# --- one worker: a child process ------------------------------------------------------------


async def _worker(params: dict[str, Any]) -> None:
    from benchmarks.poll_ours import farm_config
    from bot.commands.treaty import Knowledge
    from bot.fetch import Fetcher
    from bot.pipeline import Pipeline, fetch_limits
    from storage import open_store

    config = farm_config(params["urls"])
    store = await open_store(params["db"])
    try:
        pipeline = Pipeline(config, store, treaty_index=Knowledge.load().index)
        async with Fetcher(fetch_limits(config)) as fetcher:
            print("ready", flush=True)
            sys.stdin.readline()  # "go": every worker starts at once
            began = time.perf_counter()
            reports = await pipeline.poll(fetcher, only_due=True)
            seconds = time.perf_counter() - began
    finally:
        await store.close()
    print(json.dumps({"seconds": seconds, "feeds": len(reports),
                      "new_items": sum(r.new_items for r in reports),
                      "errors": sum(r.status == "error" for r in reports)}), flush=True)


def _cycle(db: str, urls: list[str], workers: int) -> dict[str, Any]:
    """Start `workers` processes, let them warm up, then time them polling together."""
    procs = [
        subprocess.Popen([sys.executable, "-m", "benchmarks.scaling", "--worker"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                         env=child_env(), cwd=ROOT)
        for _ in range(workers)
    ]
    for proc in procs:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps({"db": db, "urls": urls}) + "\n")
        proc.stdin.flush()
    for proc in procs:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("a worker did not start")
    began = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.close()
    results = []
    for proc in procs:
        assert proc.stdout is not None
        results.append(json.loads(proc.stdout.read().strip().splitlines()[-1]))
        proc.wait()
    return {"seconds": round(time.perf_counter() - began, 2),
            "feeds": sum(r["feeds"] for r in results),
            "new_items": sum(r["new_items"] for r in results),
            "errors": sum(r["errors"] for r in results),
            "per_worker_feeds": [r["feeds"] for r in results]}


# --- the run ---------------------------------------------------------------------------------


async def _make_due(db: str) -> None:
    from storage import open_store

    store = await open_store(db)
    try:
        now = datetime.now(UTC)
        await store.record_not_modified([(f.id, now, now) for f in await store.feeds()])
    finally:
        await store.close()


async def _cold(db: str, urls: list[str]) -> dict[str, Any]:
    from benchmarks.poll_ours import cycle

    return await cycle(urls, Path(db.removeprefix("sqlite:///")))


async def _new_database(admin: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))


async def _drop_database(admin: str, name: str) -> None:
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        await conn.close()


async def _pg_figures(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url)
    try:
        return {
            "lsn": int(await conn.fetchval(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')")),
            "bytes": int(await conn.fetchval("SELECT pg_database_size(current_database())")),
            "items": int(await conn.fetchval("SELECT count(*) FROM items")),
        }
    finally:
        await conn.close()


def run(admin: str, sizes: tuple[int, ...], workers: tuple[int, ...], log: Any) -> dict[str, Any]:
    from storage.migrate import sqlite_to_postgres

    results: dict[str, Any] = {"cpus": os.cpu_count(), "load_avg_start": os.getloadavg(),
                               "items_per_feed": ITEMS, "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="tw-scaling-") as tmp:
        for size in sizes:
            row: dict[str, Any] = {}
            with farm(size, ITEMS) as (served, advance):
                urls = served["urls"]
                cold_db = Path(tmp) / f"cold-{size}.sqlite"
                print(f"… {size} feeds: cold poll into SQLite", file=log, flush=True)
                row["cold_sqlite"] = asyncio.run(_cold(f"sqlite:///{cold_db}", urls))
                advance()  # one more report in every feed: the steady cycle's work
                db = Path(tmp) / f"steady-{size}.sqlite"
                shutil.copy(cold_db, db)
                asyncio.run(_make_due(f"sqlite:///{db}"))
                print(f"… {size} feeds: SQLite, 1 process", file=log, flush=True)
                row["sqlite_1"] = _cycle(f"sqlite:///{db}", urls, 1)
                asyncio.run(_make_due(f"sqlite:///{db}"))
                row["sqlite_1_warm"] = _cycle(f"sqlite:///{db}", urls, 1)
                for n in workers:
                    name = f"tw_scaling_{size}_{n}"
                    url = asyncio.run(_new_database(admin, name))
                    try:
                        began = time.perf_counter()
                        copied = asyncio.run(sqlite_to_postgres(cold_db, url))
                        row.setdefault("migrate_db_s", round(time.perf_counter() - began, 2))
                        row.setdefault("migrated_rows", sum(copied.rows.values()))
                        asyncio.run(_make_due(url))
                        before = asyncio.run(_pg_figures(url))
                        print(f"… {size} feeds: PostgreSQL, {n} worker(s)", file=log,
                              flush=True)
                        row[f"postgres_{n}"] = _cycle(url, urls, n)
                        after = asyncio.run(_pg_figures(url))
                        asyncio.run(_make_due(url))
                        warm = _cycle(url, urls, n)  # every feed answers 304
                        row[f"postgres_{n}_warm"] = {
                            **warm, "wal_bytes": asyncio.run(_pg_figures(url))["lsn"]
                            - after["lsn"]}
                        new = max(after["items"] - before["items"], 1)
                        row[f"postgres_{n}"].update({
                            # The server's WAL: this run's, and the test suite's if it runs.
                            "wal_bytes_per_new_item": (after["lsn"] - before["lsn"]) // new,
                            "db_bytes_per_item": after["bytes"] // max(after["items"], 1),
                            "db_bytes": after["bytes"], "items": after["items"],
                        })
                    finally:
                        asyncio.run(_drop_database(admin, name))
            results["sizes"][str(size)] = row
    results["load_avg_end"] = os.getloadavg()
    return results


def table(results: dict[str, Any]) -> str:
    lines = ["| feeds, cycle | SQLite, 1 process | PostgreSQL, 1 worker | 2 workers | 4 workers |",
             "|---|---:|---:|---:|---:|"]
    for size, row in results["sizes"].items():
        for kind, suffix in (("steady", ""), ("warm", "_warm")):
            base = row[f"sqlite_1{suffix}"]["seconds"]
            cells = [f"{base:.1f} s"]
            for n in WORKERS:
                run = row.get(f"postgres_{n}{suffix}")
                cells.append(f"{run['seconds']:.1f} s ({base / run['seconds']:.2f}×)"
                             if run else "–")
            lines.append(f"| {int(size):,}, {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# --- from the measurements to a deployment (docs/scaling.md) ---------------------------------

POOL = 8  # storage.postgres.POOL_SIZE; a poller holds one more while it folds


def plan(results: dict[str, Any], feeds: int = 10_000, servers: int = 1_000,
         interval_min: float = 15, items_per_feed_day: float = 20) -> dict[str, Any]:
    """The deployment of `feeds` feeds and `servers` Discord servers (one alert channel
    each), from a run's figures. `items_per_feed_day` is the one input not measured here:
    how much the watched feeds publish."""
    size = max(results["sizes"], key=int)
    row = results["sizes"][size]
    n = int(size)
    one = row["postgres_1"]
    warm_s = row["postgres_1_warm"]["seconds"] / n  # a worker's time per 304 poll
    steady_s = one["seconds"] / n  # per poll that brings one new item
    polls = feeds * 24 * 60 / interval_min
    items = feeds * items_per_feed_day
    busy = ((polls - items) * warm_s + items * steady_s) / 86_400  # workers, fully busy
    pollers = max(2, math.ceil(busy / 0.5))  # at most half busy: peaks, and a dead worker
    cold = row["cold_sqlite"]
    # Outbox rows queued per stored item in the cold poll: the farm's mix of reports on and
    # off the topics, each topic routed to a channel (a server's channel follows them all).
    alerting = cold["outbox_pending"] / max(cold["items_stored"], 1)
    # The WAL counter is the server's: the least of the runs is the one least shared with
    # other writers (a test suite on the same server, say).
    runs = [k for k in row if k.startswith("postgres_") and not k.endswith("_warm")]
    wal_item = min(row[k]["wal_bytes_per_new_item"] for k in runs)
    wal_warm = min(row[f"{k}_warm"]["wal_bytes"] for k in runs) / n
    return {
        "from_size": n, "polls_per_day": round(polls), "new_items_per_day": round(items),
        "worker_seconds_per_warm_poll": round(warm_s, 4),
        "worker_seconds_per_steady_poll": round(steady_s, 4),
        "busy_workers": round(busy, 2), "pollers": pollers, "deliverers": 2,
        "gateway_processes": 1, "shards": max(1, math.ceil(servers / 1_000)),
        "connections": pollers * (POOL + 1) + 2 * POOL + POOL,
        "db_growth_mib_per_day": round(items * one["db_bytes_per_item"] / 2**20),
        "wal_mib_per_day": round((items * wal_item
                                  + (polls - items) * wal_warm) / 2**20),
        "outbox_rows_per_item": round(alerting, 4),
        "deliveries_per_day": round(items * alerting * servers),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scaling", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", default=os.environ.get(ENV),
                        help=f"a server's URL, a role that may create databases (or {ENV})")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--workers", default=",".join(map(str, WORKERS)))
    parser.add_argument("--json", default="scaling-results.json")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--plan", metavar="JSON",
                        help="print docs/scaling.md's deployment figures from a run's JSON")
    args = parser.parse_args(argv)
    if args.plan:
        print(json.dumps(plan(json.loads(Path(args.plan).read_text())), indent=2))
        return 0
    if args.worker:
        asyncio.run(_worker(json.loads(sys.stdin.readline())))
        return 0
    if not args.postgres:
        parser.error(f"give --postgres or set {ENV}")
    results = run(args.postgres, tuple(int(s) for s in args.sizes.split(",")),
                  tuple(int(w) for w in args.workers.split(",")), sys.stderr)
    results["command"] = "python -m benchmarks.scaling " + " ".join(
        argv if argv is not None else sys.argv[1:])
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"\nJSON: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
