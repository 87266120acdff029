"""The poll cycle through real HTTP: conditional GETs, failing feeds, stories and the outbox."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web

from bot.config import Config, Feed
from bot.fetch import Fetcher, FetchLimits
from bot.parse import parse_feed
from bot.pipeline import Pipeline
from storage import SQLiteStore, Store, Subscription, open_store
from tests.conftest import Clock
from tests.feedgen import rss
from tests.feedserver import started_feed_server

RATIFY = {
    "title": "North Korea ratifies defence treaty with Russia",
    "summary": "North Korea has ratified the Comprehensive Strategic Partnership treaty with "
    "Russia, KCNA said, as 10,000 North Korean troops are reported in Kursk.",
}
OFF_TOPIC = {"title": "Seoul weather: heavy snow", "summary": "Snow falls on Seoul."}
DATABASES = ("sqlite", "postgresql")


def with_feeds(config: Config, base: str, *paths: str, max_age_days: int = 2) -> Config:
    feeds = tuple(Feed(name=p.strip("/"), url=f"{base}{p}") for p in paths)
    poll = config.poll.model_copy(update={"max_age": timedelta(days=max_age_days)})
    return config.model_copy(update={"feeds": feeds, "poll": poll})


async def counts(store: Store) -> tuple[int, int, int]:
    s = await store.stats()
    return s.items, s.stories, s.pending_deliveries


def limits() -> FetchLimits:
    # allow_private: the test servers listen on 127.0.0.1 (tests/test_ssrf.py covers refusals).
    return FetchLimits(total_timeout=1.0, connect_timeout=0.5, allow_private=True)


async def test_a_feed_is_stored_as_items_and_stories(
    config: Config, store: Store, clock: Clock
) -> None:
    async with started_feed_server() as server:
        server.add("/a", rss([
            {**RATIFY, "link": "https://a.example/1", "published": clock.now},
            {**OFF_TOPIC, "link": "https://a.example/2", "published": clock.now},
        ]))
        pipeline = Pipeline(with_feeds(config, server.url, "/a"), store, clock=clock)
        await pipeline.sync()
        async with Fetcher(limits()) as fetcher:
            [report] = await pipeline.poll(fetcher, keep_results=True)
    assert report.status == "ok"
    assert [r.item.title for r in report.results] == [RATIFY["title"], OFF_TOPIC["title"]]
    assert set(report.results[0].analysis.topic_names) == {"treaty", "troops", "kcna"}
    assert report.results[1].analysis.topic_names == ()
    assert await counts(store) == (2, 2, 0)


async def test_conditional_get_sends_the_stored_validators_and_304_writes_nothing(
    config: Config, store: Store, clock: Clock
) -> None:
    async with started_feed_server() as server:
        server.add("/a", rss([{**RATIFY, "link": "https://a.example/1", "published": clock.now}]))
        pipeline = Pipeline(with_feeds(config, server.url, "/a"), store, clock=clock)
        await pipeline.sync()
        async with Fetcher(limits()) as fetcher:
            await pipeline.poll(fetcher)
            before = await counts(store)
            [feed] = await store.feeds()
            [report] = await pipeline.poll(fetcher, keep_results=True)
        second = server.requests[-1].headers
    assert second["If-None-Match"] == feed.etag
    assert second["If-Modified-Since"] == feed.last_modified
    assert report.status == "not_modified" and report.results == []
    assert await counts(store) == before


async def test_feeds_answering_304_have_their_poll_recorded_in_one_write(
    config: Config, store: Store, clock: Clock
) -> None:
    paths = ["/a", "/b", "/c"]
    async with started_feed_server() as server:
        for n, path in enumerate(paths):
            server.add(path, rss([{**OFF_TOPIC, "link": f"https://a.example/{n}",
                                   "published": clock.now}]))
        pipeline = Pipeline(with_feeds(config, server.url, *paths), store, clock=clock)
        await pipeline.sync()
        async with Fetcher(limits()) as fetcher:
            await pipeline.poll(fetcher)
            clock.now += timedelta(hours=1)
            if not isinstance(store, SQLiteStore):
                pytest.skip("counts SQLite's transactions")
            statements: list[str] = []
            await store._db.set_trace_callback(statements.append)
            reports = await pipeline.poll(fetcher)
            await store._db.set_trace_callback(None)
    assert [r.status for r in reports] == ["not_modified"] * 3
    for feed in await store.feeds():
        assert feed.last_polled == clock.now and feed.next_poll and feed.next_poll > clock.now
    assert sum(s.startswith("COMMIT") for s in statements) == 1


async def test_a_second_poll_of_a_changed_feed_adds_only_the_new_item(
    config: Config, store: Store, clock: Clock
) -> None:
    first = {**OFF_TOPIC, "link": "https://a.example/1", "published": clock.now}
    second = {**RATIFY, "link": "https://a.example/2", "published": clock.now}
    async with started_feed_server() as server:
        server.add("/a", rss([first]))
        pipeline = Pipeline(with_feeds(config, server.url, "/a"), store, clock=clock)
        await pipeline.sync()
        async with Fetcher(limits()) as fetcher:
            await pipeline.poll(fetcher)
            server.add("/a", rss([second, first]))
            [report] = await pipeline.poll(fetcher, keep_results=True)
    assert [r.item_id is not None for r in report.results] == [True, False]
    assert (await store.stats()).items == 2


async def test_a_poll_does_not_match_again_the_items_it_stored_before(
    config: Config, store: Store, clock: Clock
) -> None:
    stored = {**RATIFY, "link": "https://a.example/1", "published": clock.now}
    async with started_feed_server() as server:
        server.add("/a", rss([stored]))
        pipeline = Pipeline(with_feeds(config, server.url, "/a"), store, clock=clock)
        await pipeline.sync()
        async with Fetcher(limits()) as fetcher:
            await pipeline.poll(fetcher)
            server.add("/a", rss([{**OFF_TOPIC, "link": "https://a.example/2",
                                   "published": clock.now}, stored]))
            [report] = await pipeline.poll(fetcher, keep_results=True)
    again = report.results[1]
    assert again.duplicate_of is not None and again.why["fold"]["how"] == "same link or guid"
    assert again.analysis.topics == ()


async def test_ingesting_an_item_stored_before_still_explains_its_topics(
    config: Config, store: Store, clock: Clock
) -> None:
    # What replay shows: why a duplicate would have matched.
    item = parse_feed(rss([{**RATIFY, "link": "https://a.example/1", "published": clock.now}]),
                      "a", clock.now).items[0]
    pipeline = Pipeline(with_feeds(config, "http://127.0.0.1:9", "/a"), store, clock=clock)
    await pipeline.sync()
    [feed] = await store.feeds()
    await pipeline.ingest(feed.id, [item], deliver=False)
    [again] = await pipeline.ingest(feed.id, [item], deliver=False)
    assert again.duplicate_of is not None
    assert set(again.analysis.topic_names) == {"treaty", "troops", "kcna"}


async def test_failing_feeds_are_marked_unhealthy_and_the_others_still_run(
    config: Config, store: Store, clock: Clock
) -> None:
    async def error_500(request: web.Request) -> web.Response:
        return web.Response(status=500)

    async def never_answers(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response(text="late")

    async with started_feed_server() as server:
        server.add("/good", rss([{**RATIFY, "link": "https://a.example/1",
                                  "published": clock.now}]))
        server.route("/e500", error_500)
        server.add("/garbage", b"\x00\x01 this is not a feed \xff", content_type="text/plain")
        server.add("/empty", b"")
        server.route("/slow", never_answers)
        pipeline = Pipeline(
            with_feeds(config, server.url, "/e500", "/garbage", "/empty", "/slow", "/good"),
            store, clock=clock,
        )
        await pipeline.sync()
        async with Fetcher(limits()) as fetcher:
            reports = {r.feed: r for r in await pipeline.poll(fetcher)}
    assert reports["good"].status == "ok" and reports["good"].new_items == 1
    feeds = {f.name: f for f in await store.feeds()}
    for name in ("e500", "garbage", "empty", "slow"):
        assert reports[name].status == "error", name
        assert feeds[name].failures == 1 and feeds[name].last_error
        assert "\n" not in feeds[name].last_error
    assert feeds["e500"].last_error == "HTTP 500"
    assert "timed out" in feeds["slow"].last_error
    assert feeds["good"].healthy


async def test_feeds_waiting_to_fold_hold_back_further_downloads(
    config: Config, store: Store, clock: Clock
) -> None:
    # One download at a time, so at most two feeds in flight: one folding, one waiting.
    fetch = config.fetch.model_copy(update={"max_concurrency": 1})
    paths = [f"/f{n}" for n in range(6)]
    async with started_feed_server() as server:
        for n, path in enumerate(paths):
            server.add(path, rss([{**OFF_TOPIC, "link": f"https://a.example/{n}",
                                   "published": clock.now}]))
        pipeline = Pipeline(
            with_feeds(config, server.url, *paths).model_copy(update={"fetch": fetch}),
            store, clock=clock,
        )
        await pipeline.sync()
        folding = asyncio.Event()
        gate = asyncio.Event()
        real_ingest = pipeline.ingest

        async def slow_ingest(*args: Any, **kwargs: Any) -> Any:
            folding.set()
            await gate.wait()
            return await real_ingest(*args, **kwargs)

        pipeline.ingest = slow_ingest  # type: ignore[method-assign]
        async with Fetcher(limits()) as fetcher:
            cycle = asyncio.create_task(pipeline.poll(fetcher))
            await asyncio.wait_for(folding.wait(), 5)
            await asyncio.sleep(0.3)  # time for more downloads, were they allowed
            downloaded_while_folding = len(server.requests)
            gate.set()
            reports = await asyncio.wait_for(cycle, 10)
    assert downloaded_while_folding == 2
    assert [r.status for r in reports] == ["ok"] * len(paths)
    assert (await counts(store))[0] == len(paths)


async def test_a_failing_feed_backs_off_and_a_later_success_clears_it(
    config: Config, store: Store, clock: Clock
) -> None:
    async with started_feed_server() as server:
        server.add("/a", b"<html>maintenance</html>", content_type="text/html")
        pipeline = Pipeline(with_feeds(config, server.url, "/a"), store, clock=clock)
        await pipeline.sync()
        async with Fetcher(limits()) as fetcher:
            await pipeline.poll(fetcher)
            await pipeline.poll(fetcher)
            [failing] = await store.feeds()
            server.add("/a", rss([{**OFF_TOPIC, "link": "https://a.example/1"}]))
            await pipeline.poll(fetcher)
            [recovered] = await store.feeds()
    assert failing.failures == 2
    assert failing.next_poll is not None
    assert failing.next_poll - clock.now >= config.poll.interval
    assert recovered.failures == 0 and recovered.last_success == clock.now


async def test_a_permanent_redirect_updates_the_stored_url(
    config: Config, store: Store, clock: Clock
) -> None:
    async with started_feed_server() as server:
        server.redirect("/old", "/new", status=301)
        server.add("/new", rss([{**OFF_TOPIC, "link": "https://a.example/1"}]))
        pipeline = Pipeline(with_feeds(config, server.url, "/old"), store, clock=clock)
        await pipeline.sync()
        async with Fetcher(limits()) as fetcher:
            await pipeline.poll(fetcher)
        [feed] = await store.feeds()
    assert feed.url == f"{server.url}/new"
    assert feed.config_url == f"{server.url}/old"


async def test_the_same_link_in_two_feeds_is_one_item(
    config: Config, store: Store, clock: Clock
) -> None:
    entry = {**RATIFY, "link": "https://a.example/1?utm_source=rss#top", "published": clock.now}
    async with started_feed_server() as server:
        server.add("/a", rss([entry]))
        server.add("/b", rss([{**entry, "link": "https://a.example/1", "guid": "other-guid"}]))
        pipeline = Pipeline(with_feeds(config, server.url, "/a", "/b"), store, clock=clock)
        await pipeline.sync()
        async with Fetcher(limits()) as fetcher:
            await pipeline.poll(fetcher)
    assert (await store.stats()).items == 1


async def subscribe_all(store: Store, channel: str = "c1") -> None:
    for topic in ("treaty", "troops", "kcna"):
        await store.subscribe(Subscription("console", channel, topic, None, "command"))


async def test_a_new_story_queues_one_post_per_channel_and_old_items_none(
    config: Config, store: Store, clock: Clock
) -> None:
    old = {"title": "KCNA: treaty signed in June", "link": "https://a.example/old",
           "summary": "KCNA reported the treaty with Russia.",
           "published": clock.now - timedelta(days=30)}
    async with started_feed_server() as server:
        server.add("/a", rss([{**RATIFY, "link": "https://a.example/1", "published": clock.now},
                              old]))
        pipeline = Pipeline(with_feeds(config, server.url, "/a"), store, clock=clock)
        await pipeline.sync()
        await subscribe_all(store, "c1")
        await subscribe_all(store, "c2")
        async with Fetcher(limits()) as fetcher:
            [report] = await pipeline.poll(fetcher, keep_results=True)
    assert [r.alert for r in report.results] == [True, False]
    assert report.results[1].why["alert"] == "older than max_age (48 h)"
    pending = await store.pending("console")
    assert sorted((p.channel, p.action) for p in pending) == [("c1", "post"), ("c2", "post")]


async def test_state_survives_a_restart(
    config: Config, database: str, clock: Clock
) -> None:
    async with started_feed_server() as server:
        server.add("/a", rss([{**RATIFY, "link": "https://a.example/1", "published": clock.now}]),
                   etag=None, last_modified=None)
        cfg = with_feeds(config, server.url, "/a")
        for _ in range(2):
            store = await open_store(database)
            pipeline = Pipeline(cfg, store, clock=clock)
            await pipeline.sync()
            async with Fetcher(limits()) as fetcher:
                [report] = await pipeline.poll(fetcher, keep_results=True)
            stats = await store.stats()
            await store.close()
    assert report.results[0].duplicate_of is not None
    assert (stats.items, stats.stories) == (1, 1)
