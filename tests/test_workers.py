"""Several workers on one PostgreSQL database, killed at random: 4 poller processes and 2
deliverers over 200 feeds, new reports arriving all along, a worker SIGKILLed and restarted
again and again. Afterwards every story has been posted exactly once to each channel with
every later source applied as an edit, no feed was polled by two workers at once, and no
outbox row was lost.

Each event is reported by three feeds at once (the same wire text), so that workers fold
reports of one event at the same time. The fake Discord and the feed server live in this
test process and outlive every kill; the feed server notes each request to each feed.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import yaml
from aiohttp import web

from storage import open_store
from tests.fake_discord import FakeDiscord, started_fake_discord
from tests.feedgen import rss
from tests.feedserver import FeedServer, started_feed_server
from tests.test_crash_safety import FOOTER, event_items, stats

ROOT = Path(__file__).resolve().parent.parent
DATABASES = ("postgresql",)
FEEDS = 200
POLLERS, DELIVERERS = 4, 2
KILLS = 24
OUTLETS_PER_EVENT = 3
INTERVAL = timedelta(seconds=2)
# A killed worker's feeds and rows wait this long: longer than a poll (the fetch timeout,
# and a new worker's first fold, which loads the sentence model).
LEASE = timedelta(seconds=20)
QUIET_WITHIN = 240  # seconds, after the last kill, for the last leases to run out
SERVE_DELAY = 0.05  # each answer takes this long, so that overlapping polls would show
SEED = 20261206
EVENT_SPACING = timedelta(days=4)  # twice bot.fold.EVENT_WINDOW


def outlets(event: int) -> list[int]:
    """The feeds that report event `event`: three spread over the 200."""
    return [(event * 7 + k * 67) % FEEDS for k in range(OUTLETS_PER_EVENT)]


@dataclass
class Feeds:
    """The 200 feeds' current bodies, served with ETags; each request's start and end."""

    start: datetime
    events: int = 0
    bodies: dict[int, bytes] = field(default_factory=dict)
    polls: dict[int, list[tuple[float, float]]] = field(default_factory=lambda: defaultdict(list))
    in_flight: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    overlaps: list[int] = field(default_factory=list)

    def release(self, count: int) -> None:
        changed: set[int] = set()
        for event in range(self.events, self.events + count):
            changed.update(outlets(event))
        self.events += count
        for feed in changed:
            mine = [e for e in range(self.events) if feed in outlets(e)][-10:]
            # The same wire text in each outlet: its copies fold by syndication. Events are
            # days apart, further than folding looks for another report of an event.
            items = [{**event_items(e, f"feed{feed}", self.start),
                      "published": self.start + e * EVENT_SPACING} for e in mine]
            self.bodies[feed] = rss(items[::-1], title=f"feed{feed}")

    def handler(self, feed: int) -> object:
        async def serve(request: web.Request) -> web.StreamResponse:
            loop = asyncio.get_running_loop()
            began = loop.time()
            self.in_flight[feed] += 1
            if self.in_flight[feed] > 1:
                self.overlaps.append(feed)
            try:
                await asyncio.sleep(SERVE_DELAY)
                body = self.bodies.get(feed, rss([], title=f"feed{feed}"))
                etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
                if request.headers.get("If-None-Match") == etag:
                    return web.Response(status=304, headers={"ETag": etag})
                return web.Response(body=body, headers={
                    "ETag": etag, "Content-Type": "application/rss+xml"})
            finally:
                self.in_flight[feed] -= 1
                self.polls[feed].append((began, loop.time()))

        return serve


def write_config(tmp: Path, server: FeedServer, channels: list[str]) -> Path:
    base = yaml.safe_load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))
    base["feeds"] = [{"name": f"feed{n}", "url": f"{server.url}/feed{n}.xml",
                      "interval": f"{INTERVAL.total_seconds():g}s"} for n in range(FEEDS)]
    # A fetch that times out on a busy machine is retried within seconds, not hours.
    base["poll"].update({"max_age": "3650d", "jitter": 0.1, "max_backoff": "4s"})
    base["fetch"].update({"allow_private": True, "connect_timeout": 2, "total_timeout": 4})
    base["workers"] = {"lease": f"{LEASE.total_seconds():g}s"}
    base["routes"] = {"treaty": {"discord": [int(c) for c in channels]}}
    path = tmp / "feeds.yaml"
    path.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    return path


async def start(role: str, config: Path, db: str, fake: FakeDiscord,
                cwd: Path) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": fake.token,
           "DISCORD_GUILD_ID": fake.guild_id, "TREATYWATCH_DISCORD_API_BASE": fake.api_base}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--role", role, "--config", str(config),
        "--db", db, cwd=cwd, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )


async def test_six_workers_killed_at_random_post_each_story_once_per_channel_with_every_edit(
    tmp_path: Path, database: str
) -> None:
    rng = random.Random(SEED)
    feeds = Feeds(datetime.now(UTC) - 100 * EVENT_SPACING)
    async with started_fake_discord() as fake, started_feed_server() as server:
        for n in range(FEEDS):
            server.route(f"/feed{n}.xml", feeds.handler(n))  # type: ignore[arg-type]
        channels = list(fake.channels)[:2]
        config = write_config(tmp_path, server, channels)
        roles = ["poller"] * POLLERS + ["deliverer"] * DELIVERERS
        workers = [await start(role, config, database, fake, tmp_path) for role in roles]
        kills = 0
        try:
            while kills < KILLS:
                feeds.release(rng.randint(1, 3))  # new events, each in three feeds at once
                await asyncio.sleep(rng.uniform(0.5, 2.0))
                victim = rng.randrange(len(workers))
                worker = workers[victim]
                if worker.returncode is not None:  # it ended by itself: say why
                    raise AssertionError((await worker.stderr.read()).decode())  # type: ignore[union-attr]
                worker.send_signal(signal.SIGKILL)
                await worker.wait()
                kills += 1
                workers[victim] = await start(roles[victim], config, database, fake, tmp_path)

            expected = feeds.events * OUTLETS_PER_EVENT
            loop = asyncio.get_running_loop()
            deadline = loop.time() + QUIET_WITHIN
            while (now := await stats(database)).items < expected or now.pending_deliveries:
                assert loop.time() < deadline, f"not quiet: {now}, {expected} items"
                await asyncio.sleep(0.5)
        finally:
            for worker in workers:
                if worker.returncode is None:
                    worker.send_signal(signal.SIGTERM)
            async with asyncio.timeout(30):
                codes = [await worker.wait() for worker in workers]
        assert codes == [0] * len(workers)

        store = await open_store(database)
        try:
            stories = {s.id: s for s in await store.latest_stories(None, 10_000)}
            pending = await store.stats()
        finally:
            await store.close()
        print(f"\n{kills} SIGKILLs of {POLLERS} pollers and {DELIVERERS} deliverers; "
              f"{feeds.events} events, {expected} items, {len(stories)} stories, "
              f"{sum(len(p) for p in feeds.polls.values())} polls of {FEEDS} feeds")

        assert len(stories) == feeds.events  # three reports of each event, one story
        assert pending.pending_deliveries == 0
        for channel in channels:
            shown: dict[int, int] = {}
            for message in fake.messages[channel].values():
                m = FOOTER.search(message["embeds"][0]["footer"]["text"])
                assert m is not None
                story_id = int(m.group(1))
                assert story_id not in shown, f"story {story_id} posted twice in {channel}"
                shown[story_id] = int(m.group(2))
            assert set(shown) == set(stories), f"lost alerts in {channel}"
            for story_id, count in shown.items():
                assert count == len(stories[story_id].outlets), "an edit was lost"

        # No feed polled by two workers at once: no two requests for one feed overlapped,
        # and each came at least most of an interval after the one before.
        assert feeds.overlaps == []
        for times in feeds.polls.values():
            starts = sorted(began for began, _ in times)
            gaps = [b - a for a, b in pairwise(starts)]
            assert min(gaps, default=INTERVAL.total_seconds()) > 0.5 * INTERVAL.total_seconds()
