"""`run`'s poll loop: feeds are polled independently. A hanging feed holds one slot until its
timeout; every other due feed is polled meanwhile, and feeds that failed before have a few
slots of their own, so that hanging feeds never hold all of them.

The figures at scale (2,000 feeds, 5 % hanging) come from `python -m benchmarks.slow_feeds`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot.config import Config, Feed
from bot.fetch import Fetcher
from bot.pipeline import Pipeline, Poller, fetch_limits
from storage import SQLiteStore
from tests.conftest import Clock
from tests.feedgen import rss
from tests.feedserver import FeedServer, started_feed_server
from tests.test_scheduler import SLOT

GOOD, HANGING = 20, 3
TIMEOUT = 30.0  # a hanging feed's fetch ends only then


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with started_feed_server() as feeds:
        for n in range(GOOD):
            feeds.add(f"/good-{n}.xml", rss([{"title": f"Report {n}", "guid": f"g{n}",
                                              "link": f"https://good.example/{n}"}]))

        async def hang(request: web.Request) -> web.StreamResponse:
            await asyncio.Event().wait()
            raise AssertionError("never answers")

        for n in range(HANGING):
            feeds.route(f"/hang-{n}.xml", hang)
        yield feeds


def loop_config(config: Config, server: FeedServer) -> Config:
    feeds = [Feed(name=f"hang {n}", url=f"{server.url}/hang-{n}.xml") for n in range(HANGING)]
    feeds += [Feed(name=f"good {n}", url=f"{server.url}/good-{n}.xml") for n in range(GOOD)]
    fetch = config.fetch.model_copy(update={"allow_private": True, "per_host": 16,
                                            "total_timeout": TIMEOUT})
    return config.model_copy(update={"feeds": tuple(feeds), "fetch": fetch})


async def run_until(poller: Poller, store: SQLiteStore, items: int) -> None:
    while (await store.stats()).items < items:
        await poller.tick()
        await poller.wait(1.0)


async def test_feeds_hanging_in_most_slots_delay_no_other_due_feed(
    config: Config, server: FeedServer, tmp_path: Path
) -> None:
    """Three hanging feeds take three of four slots; the twenty good feeds go through the
    fourth, each started as soon as the one before it ended, long before the hanging ones
    time out. (A cycle that waits for its slowest feed would wait TIMEOUT for them.)"""
    cfg = loop_config(config, server)
    store = await SQLiteStore.open(tmp_path / "tw.sqlite")
    try:
        pipeline = Pipeline(cfg, store, clock=Clock(SLOT))
        await pipeline.sync()
        async with Fetcher(fetch_limits(cfg)) as fetcher:
            poller = Poller(pipeline, fetcher, slots=4, failing_slots=1)
            try:
                await asyncio.wait_for(run_until(poller, store, GOOD), TIMEOUT / 2)
                hanging = {f.id for f in await store.feeds() if f.name.startswith("hang")}
                assert hanging <= set(poller.running)  # still waiting for their answers
            finally:
                await poller.abandon()
    finally:
        await store.close()


async def test_feeds_that_failed_before_use_their_own_few_slots(
    config: Config, server: FeedServer, tmp_path: Path
) -> None:
    """Once known to fail, the hanging feeds get one slot between them: the other three
    stay free for the healthy feeds."""
    cfg = loop_config(config, server)
    store = await SQLiteStore.open(tmp_path / "tw.sqlite")
    try:
        clock = Clock(SLOT)
        pipeline = Pipeline(cfg, store, clock=clock)
        await pipeline.sync()
        for feed in await store.feeds():
            if feed.name.startswith("hang"):
                await store.record_failure(feed.id, SLOT, SLOT, "timed out after 30 s")
        async with Fetcher(fetch_limits(cfg)) as fetcher:
            poller = Poller(pipeline, fetcher, slots=3, failing_slots=1)
            try:
                await poller.tick()
                lanes = sorted(failing for failing, _ in poller.running.values())
                assert lanes == [False, False, False, True]
                clock.now += timedelta(seconds=1)
                await asyncio.wait_for(run_until(poller, store, GOOD), TIMEOUT / 2)
                assert sum(failing for failing, _ in poller.running.values()) == 1
            finally:
                await poller.abandon()
    finally:
        await store.close()


async def test_the_slow_feeds_benchmark_stores_every_good_item_within_interval_plus_35_s() -> None:
    """The benchmark of the README's figure, small: 60 feeds, 3 hanging, a 4 s interval."""
    from benchmarks.slow_feeds import measure

    result = await measure({"feeds": 60, "interval": 4.0, "total_timeout": 2.0,
                            "connect_timeout": 1.0})
    assert (result["hanging"], result["items_measured"]) == (3, 57)
    assert result["missing"] == 0 and result["over_bound"] == 0, result
