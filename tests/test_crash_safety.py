"""Crash safety, measured: the bot is killed with SIGKILL at random points of polling and
delivery, again and again, on the same database against a fake Discord. Afterwards every
story has been posted exactly once to each subscribed channel, and every later source has
been applied as an edit: none lost, none doubled.

The fake Discord and the feed server live in this test process, so they outlive each kill.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from storage import SQLiteStore, Stats
from tests.fake_discord import FakeDiscord, started_fake_discord
from tests.feedgen import rss
from tests.feedserver import FeedServer, started_feed_server

ROOT = Path(__file__).resolve().parent.parent
KILLS = 50
OUTLETS = ("wire-a", "wire-b", "wire-c")
FOOTER = re.compile(r"Story #(\d+) · (\d+) outlets?")
SEED = 20261122


def event_items(n: int, outlet: str, when: datetime) -> dict[str, object]:
    """Outlet `outlet`'s copy of event `n`: the same wire text, so it folds by syndication;
    events share no wording beyond the topic words and are three days apart, so each is a
    story of its own."""
    rng = random.Random(n)
    words = [f"{rng.choice('bcdfgklmnprst')}{rng.choice('aeiou')}{rng.randint(10, 99)}"
             for _ in range(30)]
    body = f"KCNA on the treaty with Russia: {' '.join(words)}."
    return {"title": f"KCNA: {' '.join(words[:5])}", "summary": body,
            "link": f"https://{outlet}.example/news/{n}", "guid": f"{outlet}-{n}",
            "published": when - timedelta(days=3 * n)}


def publish(server: FeedServer, released: dict[str, int], start: datetime) -> None:
    for outlet in OUTLETS:
        items = [event_items(n, outlet, start) for n in range(released[outlet])]
        server.add(f"/{outlet}.xml", rss(items[::-1], title=outlet))


def write_config(tmp: Path, server: FeedServer, channels: list[str]) -> Path:
    base = yaml.safe_load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))
    base["feeds"] = [{"name": o, "url": f"{server.url}/{o}.xml", "interval": "1s"}
                     for o in OUTLETS]
    base["poll"]["max_age"] = "3650d"
    base["fetch"]["allow_private"] = True
    base["routes"] = {"treaty": {"discord": [int(c) for c in channels]}}
    path = tmp / "feeds.yaml"
    path.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    return path


async def start_bot(
    config: Path, db: Path, fake: FakeDiscord, cwd: Path
) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": fake.token,
           "DISCORD_GUILD_ID": fake.guild_id, "TREATYWATCH_DISCORD_API_BASE": fake.api_base}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), "--db", str(db),
        cwd=cwd, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )


async def stats(db: Path) -> Stats:
    store = await SQLiteStore.open(db)
    try:
        return await store.stats()
    finally:
        await store.close()


async def quiet(db: Path, expected_items: int, within: float = 60) -> None:
    """Until every released item is stored and nothing waits in the outbox."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        now = await stats(db)
        if now.items == expected_items and now.pending_deliveries == 0:
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"not quiet after {within} s: {now}")


async def test_sigkill_at_random_points_neither_loses_nor_doubles_an_alert(
    tmp_path: Path,
) -> None:
    rng = random.Random(SEED)
    start = datetime.now(UTC) - timedelta(hours=1)
    released = dict.fromkeys(OUTLETS, 0)
    async with started_fake_discord() as fake, started_feed_server() as server:
        channels = list(fake.channels)[:2]
        config = write_config(tmp_path, server, channels)
        db = tmp_path / "bot.sqlite"
        kills = polled = delivered = 0
        before = (0, 0)
        while kills < KILLS:
            # New reports arrive between runs and during them: new events, and other
            # outlets' copies of events already posted (which must become edits).
            for outlet in rng.sample(OUTLETS, 2):
                released[outlet] += 1
            publish(server, released, start)
            bot = await start_bot(config, db, fake, tmp_path)
            await asyncio.sleep(rng.uniform(0.5, 4.0))
            if bot.returncode is None:
                bot.send_signal(signal.SIGKILL)
                kills += 1
            assert await bot.wait() in (-signal.SIGKILL, 0), (await bot.stderr.read()).decode()
            after = await stats(db)
            polled += after.items > before[0]
            delivered += after.delivered > before[1]
            before = (after.items, after.delivered)
        # The figure for the README: how many runs were killed after doing real work.
        print(f"\n{kills} SIGKILLs; runs that had stored items: {polled}, "
              f"had delivered: {delivered}; {sum(released.values())} items")

        released[OUTLETS[0]] += 1  # work that only this last run can do
        publish(server, released, start)
        bot = await start_bot(config, db, fake, tmp_path)
        await quiet(db, sum(released.values()))
        bot.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            assert await bot.wait() == 0, (await bot.stderr.read()).decode()

        store = await SQLiteStore.open(db)
        try:
            stories = {s.id: s for s in await store.latest_stories(None, 10_000)}
        finally:
            await store.close()
        events = max(released.values())
        assert len(stories) == events  # each event one story, whatever the kills
        for channel in channels:
            shown: dict[int, int] = {}
            for message in fake.messages[channel].values():
                m = FOOTER.search(message["embeds"][0]["footer"]["text"])
                assert m is not None
                story_id = int(m.group(1))
                assert story_id not in shown, f"story {story_id} posted twice in {channel}"
                shown[story_id] = int(m.group(2))
            assert set(shown) == set(stories), f"lost alerts in {channel}"
            for story_id, outlets in shown.items():
                assert outlets == len(stories[story_id].outlets), "an edit was lost"
