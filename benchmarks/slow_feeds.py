"""One slow feed must not hold the others: `run`'s poll loop over N feeds, some hanging.

    python -m benchmarks.slow_feeds                  # 2,000 feeds, 5 % hanging, 60 s interval
    python -m benchmarks.slow_feeds '{"feeds": 400, "interval": 10}'

A feed server in a child process serves N RSS feeds on 127.0.0.1–16 (ETag and 304 as real
servers do); the hanging ones, on hosts of their own (127.0.0.17–20), accept the connection
and never answer. The poller (`bot.pipeline.Poller`, run as `run` runs it,
with the default fetch limits: 16 connections, 2 per host, 30 s timeout) polls them into a
new SQLite file, starting due feeds as slots free up.

Once every good feed's first item is stored (the cold round: every feed due at once, the
hanging ones not yet known to fail), each good feed publishes a second item at a moment
spread over one interval. The figure is each such item's delay, from its publication to
its storing; the goal is at most the feed's interval + 35 s. Jitter is 0, so that the
interval is exact. Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.config import Feed
from bot.fetch import Fetcher
from bot.pipeline import Pipeline, Poller, fetch_limits
from bot.samples import bundled_config
from storage import SQLiteStore

DEFAULTS: dict[str, Any] = {
    "feeds": 2000, "hanging": 0.05, "interval": 60.0, "total_timeout": 30.0,
    "connect_timeout": 10.0, "slack": 35.0,
}
GOOD_HOSTS = 16
HANGING_HOSTS = 4
GOLDEN = 0.6180339887


def offset(i: int, interval: float) -> float:
    """When good feed i publishes its second item, after the start of the measured part:
    spread evenly over one interval."""
    return interval * ((i * GOLDEN) % 1.0)


def hanging(i: int, feeds: int, share: float) -> bool:
    every = round(1 / share) if share > 0 else feeds + 1
    return i % every == every - 1


def _rss(i: int, items: int) -> bytes:
    entries = "".join(
        f"<item><title>Report {i}-{k} on the treaty</title>"
        f"<link>https://outlet{i}.example/{k}</link><guid>{i}-{k}</guid>"
        f"<description>Outlet {i} report {k}: word{i}x{k} and more words.</description></item>"
        for k in range(items)
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Outlet {i}</title><link>https://outlet{i}.example/</link>{entries}"
            "</channel></rss>").encode()


# --- the server, in its own process --------------------------------------------------------


async def serve(params: dict[str, Any]) -> None:
    feeds, interval, share = int(params["feeds"]), float(params["interval"]), params["hanging"]
    start: list[float] = []  # the measured part's start, once the parent says

    async def feed(request: web.Request) -> web.StreamResponse:
        i = int(request.match_info["i"])
        if hanging(i, feeds, share):
            await asyncio.Event().wait()  # accepts, never answers
        items = 2 if start and time.time() >= start[0] + offset(i, interval) else 1
        etag = f'"{i}-{items}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=_rss(i, items), content_type="application/rss+xml",
                            headers={"ETag": etag})

    app = web.Application()
    app.router.add_get("/feed/{i}.xml", feed)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
    await runner.setup()
    ports = {}
    for host in range(1, GOOD_HOSTS + HANGING_HOSTS + 1):
        await web.TCPSite(runner, f"127.0.0.{host}", 0, backlog=4096).start()
        ports[host] = runner.addresses[-1][1]

    def url(i: int) -> str:
        host = (GOOD_HOSTS + 1 + i % HANGING_HOSTS) if hanging(i, feeds, share) else (
            1 + i % GOOD_HOSTS)
        return f"http://127.0.0.{host}:{ports[host]}/feed/{i}.xml"

    print(json.dumps({"urls": [url(i) for i in range(feeds)]}), flush=True)
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        start.append(float(line))
        print("ok", flush=True)
    await runner.cleanup()


# --- the poller ------------------------------------------------------------------------------


async def measure(params: dict[str, Any]) -> dict[str, Any]:
    p = {**DEFAULTS, **params}
    feeds, interval = int(p["feeds"]), float(p["interval"])
    server = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.slow_feeds", "--serve",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**24,
    )
    assert server.stdin is not None and server.stdout is not None
    server.stdin.write((json.dumps(p) + "\n").encode())
    await server.stdin.drain()
    urls = json.loads(await server.stdout.readline())["urls"]
    good = [i for i in range(feeds) if not hanging(i, feeds, p["hanging"])]
    base = bundled_config()
    config = base.model_copy(update={
        "feeds": tuple(Feed(name=f"outlet {i}", url=u) for i, u in enumerate(urls)),
        "fetch": base.fetch.model_copy(update={
            "allow_private": True, "total_timeout": p["total_timeout"],
            "connect_timeout": p["connect_timeout"]}),
        "poll": base.poll.model_copy(update={"interval": timedelta(seconds=interval),
                                             "jitter": 0.0}),
    })
    with tempfile.TemporaryDirectory(prefix="tw-slow-") as tmp:
        db = Path(tmp) / "slow.sqlite"
        store = await SQLiteStore.open(db)
        try:
            pipeline = Pipeline(config, store)
            await pipeline.sync()
            async with Fetcher(fetch_limits(config)) as fetcher:
                concurrency = config.fetch.max_concurrency
                poller = Poller(pipeline, fetcher, concurrency, max(1, concurrency // 4))
                began = time.time()
                await _tick_until(poller, store, lambda n: n >= len(good), began + 3600)
                cold = time.time() - began
                started = time.time()
                server.stdin.write(f"{started}\n".encode())
                await server.stdin.drain()
                await server.stdout.readline()
                deadline = started + interval + float(p["slack"]) + 30
                await _tick_until(poller, store, lambda n: n >= 2 * len(good), deadline)
                await poller.abandon()
        finally:
            await store.close()
        stored = _first_seen(db)
    server.stdin.close()
    await server.wait()
    delays = sorted(
        stored[f"{i}-1"] - (started + offset(i, interval)) if f"{i}-1" in stored else float("inf")
        for i in good
    )
    bound = interval + float(p["slack"])
    return {
        "feeds": feeds, "hanging": feeds - len(good), "interval_s": interval,
        "total_timeout_s": p["total_timeout"], "cold_round_s": round(cold, 1),
        "items_measured": len(delays), "missing": sum(d == float("inf") for d in delays),
        "delay_p50_s": round(delays[len(delays) // 2], 1),
        "delay_p99_s": round(delays[int(len(delays) * 0.99) - 1], 1),
        "delay_max_s": round(delays[-1], 1), "bound_s": bound,
        "over_bound": sum(d > bound for d in delays),
    }


async def _tick_until(poller: Poller, store: SQLiteStore, done: Any, deadline: float) -> None:
    while time.time() < deadline:
        await poller.tick()
        if done((await store.stats()).items):
            return
        await poller.wait(1.0)


def _first_seen(db: Path) -> dict[str, float]:
    """When each item was stored (epoch seconds), by guid."""
    conn = sqlite3.connect(db)
    try:
        return {guid: datetime.fromisoformat(seen.replace("Z", "+00:00")).timestamp()
                for guid, seen in conn.execute("SELECT guid, first_seen FROM items")}
    finally:
        conn.close()


def main() -> None:
    if sys.argv[1:] == ["--serve"]:
        asyncio.run(serve(json.loads(sys.stdin.readline())))
        return
    params = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    print(json.dumps(asyncio.run(measure(params))))


if __name__ == "__main__":
    main()
