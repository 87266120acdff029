"""The demo (bundled samples over local HTTP) and a one-off poll of the real feeds."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.commands.treaty import Knowledge
from bot.config import Config
from bot.deliver import PostKey, deliver_pending
from bot.digest import IsoWeek, day_name, print_digest
from bot.fetch import Fetcher
from bot.models import Message
from bot.pipeline import Pipeline, fetch_limits, utc_now
from bot.render.console import render
from bot.samples import bundled_config, demo_config, samples_dir
from bot.sampleserver import serve_folder
from storage import SQLiteStore, Stats, Subscription

# The samples are 2024–25 news: the demo lifts max_age so that they alert.
DEMO_MAX_AGE_DAYS = 3650
CONSOLE_CHANNEL = "terminal"


class ConsoleSender:
    """Prints alerts. An update is printed as a short line; the post showed the story."""

    platform = "console"

    def __init__(self, out: TextIO) -> None:
        self.out = out

    async def post(
        self, channel: str, message: Message, *, mention: str | None = None,
        key: PostKey | None = None,
    ) -> str:
        print(render(message), end="\n\n", file=self.out)
        return message.footer.split("·")[0].strip()

    async def find(self, channel: str, key: PostKey, since: datetime) -> str | None:
        return None  # a terminal keeps nothing to look in: a lost answer prints again

    async def edit(self, channel: str, message_id: str, message: Message) -> None:
        print(f"↻ {message_id} updated: {message.footer}", file=self.out)


async def _subscribe_console(store: SQLiteStore, topics: list[str]) -> None:
    # Not as config routes: syncing those would replace `run`'s Discord and Slack routes
    # when `poll` is given the database `run` uses.
    for topic in topics:
        await store.subscribe(Subscription("console", CONSOLE_CHANNEL, topic, None, "cli"))


def summary(stats: Stats) -> str:
    by_topic = ", ".join(f"{t} {n}" for t, n in stats.stories_by_topic.items()) or "none"
    return (
        f"Stored: {stats.feeds} feeds ({stats.unhealthy_feeds} unhealthy), {stats.items} items, "
        f"{stats.stories} stories ({stats.alerting_stories} alerted; by topic: {by_topic}), "
        f"{stats.delivered} deliveries, {stats.pending_deliveries} pending."
    )


async def _cycle(config: Config, store: SQLiteStore, knowledge: Knowledge, out: TextIO) -> int:
    """One poll of every feed, then delivery to the terminal; returns the alerts printed."""
    pipeline = Pipeline(config, store, treaty_index=knowledge.index)
    await pipeline.sync()
    await _subscribe_console(store, list(config.topics))
    async with Fetcher(fetch_limits(config)) as fetcher:
        reports = await pipeline.poll(fetcher)
    sent = 0
    while batch := await deliver_pending(store, ConsoleSender(out), utc_now, knowledge.titles,
                                         config.headlines.for_channel):
        sent += batch
    # The terminal is this command's alone: nothing stays queued for it (or gets queued by
    # a `run` on the same database) once it is done.
    await store.drop_platform(ConsoleSender.platform, utc_now())
    for report in reports:
        if report.status == "error":
            print(f"! feed {report.feed}: {report.error}", file=out)
    return sent


def _delete_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


async def run_demo(db_path: Path, *, fresh: bool = False, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if fresh:
        _delete_database(db_path)
    base = bundled_config()
    knowledge = Knowledge.load()
    store = await SQLiteStore.open(db_path)
    try:
        async with serve_folder(samples_dir()) as base_url:
            config = demo_config(base, base_url, DEMO_MAX_AGE_DAYS)
            print(f"Serving {len(config.feeds)} sample feeds at {base_url}; database {db_path}",
                  file=out)
            print(f"(max_age lifted to {DEMO_MAX_AGE_DAYS} days: the samples are 2024–25 news)\n",
                  file=out)
            sent = await _cycle(config, store, knowledge, out)
        if not sent:
            print("No new alerts (everything was seen on an earlier run; --fresh starts over).",
                  file=out)
        print(summary(await store.stats()), file=out)
        await _digest(store, config, knowledge, db_path.parent / "charts", out)
    finally:
        await store.close()
    return 0


async def _digest(
    store: SQLiteStore, config: Config, knowledge: Knowledge, chart_dir: Path, out: TextIO
) -> None:
    """The digest of the newest sample story's week: this week's would be empty."""
    newest = await store.latest_stories(None, 1)
    if not newest:
        return
    zone = ZoneInfo(config.digest.timezone)
    week = IsoWeek.of(newest[0].first_published, zone)
    when = f"{day_name(config.digest.day)}s at {config.digest.time:%H:%M} {zone.key}"
    print(f"\nThe weekly digest of {week}, the week of the newest sample story (the bot posts "
          f"each week's digest on {when}):\n", file=out)
    await print_digest(store, week, zone, knowledge.titles, chart_dir, out)


async def run_poll(
    config: Config, knowledge: Knowledge, db_path: Path, out: TextIO | None = None
) -> int:
    out = out or sys.stdout
    store = await SQLiteStore.open(db_path)
    try:
        await _cycle(config, store, knowledge, out)
        print(summary(await store.stats()), file=out)
    finally:
        await store.close()
    return 0
