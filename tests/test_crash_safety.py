"""Crash safety, measured: the real `python -m bot run`, posting to a fake Discord and a fake
Slack at once, is killed with SIGKILL again and again on the same database, mostly while a
platform has made a message and holds back its answer (0–350 ms). Afterwards every story
is shown exactly once in each subscribed channel, with all its sources: none lost, none
doubled, no edit missing.

The fakes' answers to message creation are held, so a kill lands after the platform made
the message and before the bot heard of it: the post's outcome is unknown at restart. The
fake Discord's clock moves on six minutes at every restart, past its five minutes of nonce
memory, so the nonce cannot save the bot; it must find the message in the channel. Slack
has no nonce at all.

The fakes and the feed server live in this test process, so they outlive each kill. It
runs on SQLite and on PostgreSQL; tests/test_workers.py kills several workers at once.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from storage import Stats, open_store
from tests.fake_discord import NONCE_MEMORY, FakeDiscord, started_fake_discord
from tests.fake_slack import FakeSlack, started_fake_slack
from tests.feedgen import rss
from tests.feedserver import FeedServer, started_feed_server

ROOT = Path(__file__).resolve().parent.parent
KILLS = 30
IN_WINDOW_AT_LEAST = 10  # kills inside a held answer, per platform
HOLD = 0.35  # the longest a fake holds an answer to a new message, in seconds
OUTLETS = ("wire-a", "wire-b", "wire-c")
FOOTER = re.compile(r"Story #(\d+) · (\d+) outlets?")
SLACK_CHANNELS = {"alerts": "C0ALERTS1", "other": "C0OTHER01"}
SEED = 20261206
DATABASES = ("sqlite", "postgresql")


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


def write_config(tmp: Path, server: FeedServer, discord: list[str]) -> Path:
    base = yaml.safe_load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))
    base["feeds"] = [{"name": o, "url": f"{server.url}/{o}.xml", "interval": "1s"}
                     for o in OUTLETS]
    base["poll"]["max_age"] = "3650d"
    base["fetch"]["allow_private"] = True
    # On PostgreSQL a killed run's feeds and outbox rows stay leased this long (SQLite has
    # no leases: one process): the run after it waits that long for them.
    base["workers"] = {"lease": "20s"}
    base["routes"] = {"treaty": {"discord": [int(c) for c in discord],
                                 "slack": [f"#{name}" for name in SLACK_CHANNELS]}}
    path = tmp / "feeds.yaml"
    path.write_text(yaml.safe_dump(base, allow_unicode=True), encoding="utf-8")
    return path


async def start_bot(
    config: Path, db: str, discord: FakeDiscord, slack: FakeSlack, cwd: Path
) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "DISCORD_TOKEN": discord.token, "DISCORD_GUILD_ID": discord.guild_id,
           "TREATYWATCH_DISCORD_API_BASE": discord.api_base,
           "SLACK_BOT_TOKEN": slack.bot_token, "SLACK_APP_TOKEN": slack.app_token,
           "TREATYWATCH_SLACK_API_BASE": slack.api_base}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(config), "--db", db,
        cwd=cwd, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )


async def stats(db: str) -> Stats:
    store = await open_store(db)
    try:
        return await store.stats()
    finally:
        await store.close()


async def quiet(db: str, expected_items: int, within: float = 60) -> None:
    """Until every released item is stored and nothing waits in the outbox."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        now = await stats(db)
        if now.items == expected_items and now.pending_deliveries == 0:
            return
        await asyncio.sleep(0.3)
    raise AssertionError(f"not quiet after {within} s: {now}")


async def kill_in_a_window(
    bot: asyncio.subprocess.Process, target: FakeDiscord | FakeSlack,
    fakes: dict[str, FakeDiscord | FakeSlack], rng: random.Random,
) -> set[str]:
    """SIGKILL the bot just after `target` starts holding an answer (or at a random moment
    when none comes); returns the platforms that held an answer at the kill."""
    target.hold_started.clear()
    try:
        await asyncio.wait_for(target.hold_started.wait(), 8)
        await asyncio.sleep(rng.uniform(0, 0.05))
    except TimeoutError:
        pass
    inside = {name for name, fake in fakes.items() if fake.holding > 0}
    if bot.returncode is None:
        bot.send_signal(signal.SIGKILL)
    return inside


def shown_on_discord(fake: FakeDiscord, channel: str) -> list[tuple[int, int]]:
    """(story, outlets) of each message in the channel, from the embed's footer."""
    found = []
    for message in fake.messages[channel].values():
        m = FOOTER.search(message["embeds"][0]["footer"]["text"])
        assert m is not None
        found.append((int(m.group(1)), int(m.group(2))))
    return found


def shown_on_slack(fake: FakeSlack, channel: str) -> list[tuple[int, int]]:
    found = []
    for posted in fake.shown(channel):
        m = FOOTER.search(json.dumps(posted.blocks, ensure_ascii=False))
        assert m is not None
        found.append((int(m.group(1)), int(m.group(2))))
    return found


async def test_sigkill_while_a_platform_holds_its_answer_neither_loses_nor_doubles_a_story(
    tmp_path: Path, database: str
) -> None:
    rng = random.Random(SEED)
    start = datetime.now(UTC) - timedelta(hours=1)
    released = dict.fromkeys(OUTLETS, 0)
    async with (started_fake_discord() as discord, started_fake_slack() as slack,
                started_feed_server() as server):
        discord_channels = list(discord.channels)[:2]
        discord.hold("POST", r"/channels/\d+/messages", lambda: rng.uniform(0, HOLD))
        slack.hold("chat.postMessage", lambda: rng.uniform(0, HOLD))
        config = write_config(tmp_path, server, discord_channels)
        db = database
        inside = {"discord": 0, "slack": 0}
        run = 0
        # KILLS runs, and more (up to twice as many) until enough kills fell inside a held
        # answer on each platform: a slow start (a loaded machine, a database server) lets
        # fewer land there.
        while run < KILLS or (min(inside.values()) < IN_WINDOW_AT_LEAST and run < 2 * KILLS):
            # New reports arrive between runs: a new event (a post for every channel), and
            # another outlet's copy of an event maybe posted already (an edit).
            first, second = rng.sample(OUTLETS, 2)
            released[first] = max(released.values()) + 1
            released[second] = min(released[second] + 1, released[first])
            publish(server, released, start)
            discord.advance(NONCE_MEMORY + 60)  # what Discord remembers is gone
            bot = await start_bot(config, db, discord, slack, tmp_path)
            fakes: dict[str, FakeDiscord | FakeSlack] = {"discord": discord, "slack": slack}
            target = fakes["discord" if run % 2 == 0 else "slack"]
            for name in await kill_in_a_window(bot, target, fakes, rng):
                inside[name] += 1
            assert await bot.wait() in (-signal.SIGKILL, 0), (await bot.stderr.read()).decode()
            run += 1
        # The figure for the README: how many kills fell inside a held answer.
        print(f"\n{run} SIGKILLs; inside a held answer: Discord {inside['discord']}, "
              f"Slack {inside['slack']}; {sum(released.values())} items")
        assert min(inside.values()) >= IN_WINDOW_AT_LEAST, inside

        released[OUTLETS[0]] += 1  # work that only this last run can do
        publish(server, released, start)
        discord.advance(NONCE_MEMORY + 60)
        bot = await start_bot(config, db, discord, slack, tmp_path)
        await quiet(db, sum(released.values()))
        bot.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            assert await bot.wait() == 0, (await bot.stderr.read()).decode()

        store = await open_store(db)
        try:
            stories = {s.id: s for s in await store.latest_stories(None, 10_000)}
        finally:
            await store.close()
        assert len(stories) == max(released.values())  # each event one story
        latest = sorted((story_id, len(s.outlets)) for story_id, s in stories.items())
        for channel in discord_channels:
            assert sorted(shown_on_discord(discord, channel)) == latest, channel
        for channel in SLACK_CHANNELS.values():
            assert sorted(shown_on_slack(slack, channel)) == latest, channel
