"""Section 5: command handler latency on a database of N stories, and the weekly digest.

The handlers are the platform-neutral ones the Discord and Slack adapters call, timed from
call to Message (rendering for a platform is not included). The clock is set to the end of
the stored period, so that "the last 7 days" and "this week" hold news.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.ask_latency import QUESTIONS
from benchmarks.measure import Latencies, child_main, peak_rss_mib
from bot.commands.context import Context
from bot.commands.news import digest_preview, latest, troops
from bot.commands.treaty import Knowledge, article_cmd, ask_cmd
from bot.digest import IsoWeek, digest_message, week_chart, week_digest
from bot.samples import bundled_config
from storage import SQLiteStore

ARTICLE_QUERIES = (
    "4", "IV", "fourth", "제4조", "статья 4", "preamble", "1", "2", "3", "5", "7", "8", "10",
    "12", "15", "18", "20", "23", "mutual defence", "sanctions", "space cooperation",
)


async def _time(call: Callable[[], Awaitable[Any]], rounds: int) -> dict[str, float]:
    await call()  # warm-up: imports, caches, the first page reads
    lat = Latencies()
    for _ in range(rounds):
        t0 = time.perf_counter()
        await call()
        lat.add(time.perf_counter() - t0)
    return lat.summary()


async def _bench(db: Path, now: datetime, rounds: int) -> dict[str, Any]:
    knowledge = Knowledge.load()
    config = bundled_config()
    store = await SQLiteStore.open(db)
    try:
        ctx = Context(store, knowledge, config, lambda: now)
        article_lat, ask_lat = Latencies(), Latencies()
        for _ in range(rounds):
            for query in ARTICLE_QUERIES:
                t0 = time.perf_counter()
                await article_cmd(ctx, query)
                article_lat.add(time.perf_counter() - t0)
            for question in QUESTIONS:
                t0 = time.perf_counter()
                await ask_cmd(ctx, question)
                ask_lat.add(time.perf_counter() - t0)
        zone = ZoneInfo("UTC")
        week = IsoWeek.of(now - timedelta(days=7), zone)

        async def digest() -> None:
            digest_message(await week_digest(store, week, zone, knowledge.titles))

        with tempfile.TemporaryDirectory() as tmp:
            async def chart() -> None:
                await week_chart(store, week, zone, ("treaty", "troops", "kcna"), Path(tmp))

            result = {
                "article": article_lat.summary(), "ask": ask_lat.summary(),
                "latest": await _time(lambda: latest(ctx, None, 10), rounds),
                "troops": await _time(lambda: troops(ctx), rounds),
                "digest_preview": await _time(lambda: digest_preview(ctx), max(3, rounds // 5)),
                "digest_build": await _time(digest, max(3, rounds // 5)),
                "digest_chart": await _time(chart, 3),
            }
    finally:
        await store.close()
    return result


def run(params: dict[str, Any]) -> dict[str, Any]:
    now = datetime.fromisoformat(params["now"])
    result = asyncio.run(_bench(Path(params["db"]), now, int(params.get("rounds", 20))))
    result["peak_rss_mib"] = round(peak_rss_mib(), 1)
    return result


if __name__ == "__main__":
    child_main(run)
