"""The demo (bundled samples over local HTTP) and a one-off poll of the real feeds."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from bot.commands.treaty import Knowledge
from bot.config import Config
from bot.deliver import PostKey, deliver_pending
from bot.digest import IsoWeek, day_name, print_digest
from bot.fetch import Fetcher, FetchResult
from bot.logs import log_cycle
from bot.models import Message
from bot.pipeline import FeedReport, Pipeline, fetch_limits, utc_now
from bot.render.console import render
from bot.samples import bundled_config, demo_config, samples_dir
from bot.sampleserver import Clock, entry_dates, serve_folder
from storage import SQLiteStore, Stats, Subscription

# The samples are 2024–25 news: the demo lifts max_age so that they alert.
DEMO_MAX_AGE_DAYS = 3650
CONSOLE_CHANNEL = "terminal"
EXIT_NOTHING_FETCHED = 1


@dataclass(slots=True)
class ConsoleSender:
    """Prints alerts. The posts of one delivery are printed together, in publication order;
    an edit is one line saying which outlets joined the story."""

    out: TextIO
    platform: str = "console"
    _posts: list[Message] = field(default_factory=list)
    _edits: list[tuple[str, Message]] = field(default_factory=list)
    _outlets: dict[str, tuple[str, ...]] = field(default_factory=dict)

    async def post(
        self, channel: str, message: Message, *, mention: str | None = None,
        key: PostKey | None = None,
    ) -> str:
        self._posts.append(message)
        message_id = message.footer.split("·")[0].strip()  # "Story #3"
        self._outlets[message_id] = message.outlets
        return message_id

    async def find(self, channel: str, key: PostKey, since: datetime) -> str | None:
        return None  # a terminal keeps nothing to look in: a lost answer prints again

    async def edit(self, channel: str, message_id: str, message: Message) -> None:
        self._edits.append((message_id, message))

    def flush(self) -> int:
        """Print what was delivered since the last flush; returns the posts printed."""
        never = datetime.max.replace(tzinfo=UTC)
        for message in sorted(self._posts, key=lambda m: m.timestamp or never):
            print(render(message), end="\n\n", file=self.out)
        for message_id, message in self._edits:
            before = self._outlets.get(message_id, ())
            joined = [o for o in message.outlets if o not in before]
            self._outlets[message_id] = message.outlets
            added = f" (+ {', '.join(joined)})" if joined else ""
            print(f"↻ {message_id} edited in place, now {len(message.outlets)} outlets{added}: "
                  f"{message.title}\n", file=self.out)
        posted = len(self._posts)
        self._posts.clear()
        self._edits.clear()
        return posted


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


class Progress:
    """How far a poll has got, on stderr: a bar redrawn in place on a terminal, a plain line
    per feed otherwise (a log file, a pipe, CI)."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total, self.done = total, 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def advance(self, url: str, result: FetchResult) -> None:
        self.done += 1
        what = "unchanged" if result.status == "not_modified" else (result.error or "ok")
        if self.tty:
            filled = round(24 * self.done / max(self.total, 1))
            print(f"\rpolling [{'#' * filled}{'.' * (24 - filled)}] {self.done}/{self.total}",
                  end="" if self.done < self.total else "\n", file=self.stream, flush=True)
        else:
            print(f"polled {self.done}/{self.total}: {url}: {what}", file=self.stream,
                  flush=True)


class ProgressFetcher(Fetcher):
    """A Fetcher that reports each finished fetch."""

    def __init__(self, *args: Any, on_done: Callable[[str, FetchResult], None],
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._on_done = on_done

    async def fetch(self, url: str, **kwargs: Any) -> FetchResult:
        result = await super().fetch(url, **kwargs)
        self._on_done(url, result)
        return result


async def _cycle(
    config: Config, store: SQLiteStore, knowledge: Knowledge, sender: ConsoleSender,
    progress: Progress | None = None,
) -> list[FeedReport]:
    """One poll of every feed, then delivery to the terminal."""
    pipeline = Pipeline(config, store, treaty_index=knowledge.index)
    await pipeline.sync()
    await _subscribe_console(store, list(config.topics))
    began = asyncio.get_running_loop().time()
    limits = fetch_limits(config)
    fetcher = (ProgressFetcher(limits, on_done=progress.advance) if progress is not None
               else Fetcher(limits))
    async with fetcher:
        reports = await pipeline.poll(fetcher)
    log_cycle(reports, sum(r.new_stories for r in reports),
              asyncio.get_running_loop().time() - began)
    while await deliver_pending(store, sender, utc_now, knowledge.titles,
                                config.headlines.for_channel):
        pass
    # The terminal is this command's alone: nothing stays queued for it (or gets queued by
    # a `run` on the same database) once it is done.
    await store.drop_platform(sender.platform, utc_now())
    return reports


def _delete_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def news_days(folder: Path) -> list[date]:
    """The days (UTC) on which the sample news was published, oldest first."""
    return sorted({d.astimezone(UTC).date() for d in entry_dates(folder)})


async def run_demo(db_path: Path, *, fresh: bool = False, out: TextIO | None = None) -> int:
    """The samples are replayed day by day, as a bot polling all along would have seen them:
    each day's new stories are posted in publication order, and a story that a later report
    joins is edited in place."""
    out = out or sys.stdout
    if fresh:
        _delete_database(db_path)
    base = bundled_config()
    knowledge = Knowledge.load()
    store = await SQLiteStore.open(db_path)
    sender = ConsoleSender(out)
    clock = Clock()
    days = news_days(samples_dir())
    sent = 0
    try:
        async with serve_folder(samples_dir(), clock) as base_url:
            config = demo_config(base, base_url, DEMO_MAX_AGE_DAYS)
            print(f"Serving {len(config.feeds)} sample feeds at {base_url}; database {db_path}",
                  file=out)
            print(f"(max_age lifted to {DEMO_MAX_AGE_DAYS} days: the samples are 2024–25 news)",
                  file=out)
            print(f"Replaying the news day by day, {days[0]:%d %b %Y} to {days[-1]:%d %b %Y}, "
                  "as the bot would have polled it: ■ a new story, ↻ a later report joining "
                  "one already posted.\n", file=out)
            # The last round serves every item, undated ones too.
            moments: list[datetime | None] = [
                datetime.combine(day + timedelta(days=1), time(0), UTC) for day in days[:-1]]
            for moment in [*moments, None]:
                clock.moment = moment
                await _cycle(config, store, knowledge, sender)
                sent += sender.flush()
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
    config: Config, knowledge: Knowledge, db_path: Path, out: TextIO | None = None,
    progress: TextIO | None = None,
) -> int:
    """Poll every feed once and print the new alerts; exit status 1 when no feed could be
    fetched at all (the network is down, or every URL is wrong)."""
    out = out or sys.stdout
    store = await SQLiteStore.open(db_path)
    sender = ConsoleSender(out)
    try:
        count = len(config.feeds)
        reports = await _cycle(config, store, knowledge, sender, Progress(count, progress))
        sender.flush()
        print(summary(await store.stats()), file=out)
    finally:
        await store.close()
    failed = [r for r in reports if r.status == "error"]
    if reports and len(failed) == len(reports):
        print(f"error: no feed could be fetched ({len(failed)} of {len(reports)} failed, "
              "each named above): check the network, or the URLs in the config",
              file=sys.stderr)
        return EXIT_NOTHING_FETCHED
    return 0
