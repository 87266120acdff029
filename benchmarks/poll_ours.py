"""One poll cycle of treatywatch over the farm: fetch + parse + match + fold + store.

A child process of its own (peak RSS is this cycle's alone). Params: {"urls": [...], "db":
path}. Run it on a new database for the cold cycle, again on the same one for the warm cycle, where
every feed answers 304, and once more after the farm published one more report per feed.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.corpus import feed_language
from benchmarks.measure import child_main, peak_rss_mib, span
from bot.commands.treaty import Knowledge
from bot.config import Config, Feed, Route
from bot.fetch import Fetcher
from bot.pipeline import Pipeline, fetch_limits
from bot.runtime import config_subscriptions
from bot.samples import bundled_config
from storage import SQLiteStore


def farm_config(urls: list[str]) -> Config:
    """The default topics and settings, polling the farm. Every topic is routed to a channel,
    so that alerts queue outbox rows as in production."""
    base = bundled_config()
    feeds = tuple(
        Feed(name=f"outlet {i}", url=url, language=feed_language(i)) for i, url in enumerate(urls)
    )
    # The farm listens on 127.0.0.x, which fetching refuses unless allowed.
    fetch = base.fetch.model_copy(update={"allow_private": True})
    routes = {topic: Route(discord=(1000 + n,)) for n, topic in enumerate(base.topics)}
    return base.model_copy(update={"feeds": feeds, "fetch": fetch, "routes": routes})


async def cycle(urls: list[str], db: Path) -> dict[str, Any]:
    config = farm_config(urls)
    knowledge = Knowledge.load()
    store = await SQLiteStore.open(db)
    try:
        pipeline = Pipeline(config, store, treaty_index=knowledge.index)
        await pipeline.sync()
        await store.sync_config_subscriptions(config_subscriptions(config))
        with span() as timed:
            async with Fetcher(fetch_limits(config)) as fetcher:
                reports = await pipeline.poll(fetcher)
        stats = await store.stats()
        sizes = await store.story_sizes()
    finally:
        await store.close()
    statuses = Counter(r.status for r in reports)
    errors = [r.error for r in reports if r.status == "error"][:3]
    return {
        **timed.as_dict(), "peak_rss_mib": round(peak_rss_mib(), 1),
        "feeds": len(reports), "statuses": dict(statuses), "errors": errors,
        "items_new": sum(r.new_items for r in reports),
        "items_stored": stats.items,
        "stories": stats.stories, "outbox_pending": stats.pending_deliveries,
        "largest_story": max(sizes, default=0), "story_sizes": _histogram(sizes),
    }


def _histogram(sizes: dict[int, int]) -> dict[str, int]:
    """Stories by their number of items, in bins 1, 2, 3–5, 6–10, 11–20, 21–50, …"""
    bins = [(1, 1), (2, 2), (3, 5), (6, 10), (11, 20), (21, 50), (51, 100), (101, 200),
            (201, 500), (501, 1000), (1001, 10**9)]
    out: dict[str, int] = {}
    for low, high in bins:
        n = sum(count for size, count in sizes.items() if low <= size <= high)
        if n:
            out[str(low) if low == high else f"{low}-{high if high < 10**9 else ''}"] = n
    return out


def run(params: dict[str, Any]) -> dict[str, Any]:
    return asyncio.run(cycle(list(params["urls"]), Path(params["db"])))


if __name__ == "__main__":
    child_main(run)
