"""The weekly digest: what it says about one ISO week, and its chart.

A digest covers one calendar week, Monday 00:00 to Monday 00:00 in the digest's time zone,
so that every story is in exactly one digest whatever day it is posted (bot/scheduler.py
decides when). `python -m bot digest` and the demo print it in the terminal.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from bot.alerts import TOPIC_LABELS, Claim, article_label, group_claims
from bot.chart import CHART_DAYS, Chart, chart_data, draw_chart
from bot.config import TOPICS
from bot.models import Field, Message
from bot.render.console import render
from bot.text import truncate
from storage import FeedState, SQLiteStore, Story

STORIES_PER_TOPIC = 8
TROOP_CLAIMS_SHOWN = 10
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True, slots=True)
class IsoWeek:
    year: int
    week: int

    def __post_init__(self) -> None:
        date.fromisocalendar(self.year, self.week, 1)  # ValueError for week 53 of a 52-week year

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        match = _WEEK.match(text)
        try:
            if match:
                return cls(int(match.group(1)), int(match.group(2)))
        except ValueError:
            pass
        raise ValueError(f"not an ISO week such as 2025-W18: {text!r}")

    @classmethod
    def of(cls, moment: datetime | date, zone: ZoneInfo) -> IsoWeek:
        day = moment.astimezone(zone).date() if isinstance(moment, datetime) else moment
        year, week, _ = day.isocalendar()
        return cls(year, week)

    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    def shift(self, weeks: int) -> IsoWeek:
        year, week, _ = (self.monday() + timedelta(weeks=weeks)).isocalendar()
        return IsoWeek(year, week)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """[Monday 00:00, next Monday 00:00) local time, in UTC: a DST week is 167 or 169 h."""
        def start(day: date) -> datetime:
            return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)

        return start(self.monday()), start(self.monday() + timedelta(weeks=1))

    def span(self) -> str:
        first = self.monday()
        last = first + timedelta(days=6)
        return f"{first:%d %b} – {last:%d %b %Y}"


@dataclass(frozen=True, slots=True)
class Digest:
    since: datetime
    until: datetime
    stories: dict[str, list[Story]]  # topic -> stories, most outlets first
    articles: list[tuple[str, int]]  # (article label, stories citing it)
    troops: list[Claim]
    week: IsoWeek | None = None  # None: a preview of the last seven days
    new_feeds: list[FeedState] = field(default_factory=list)  # added within the period
    failing_feeds: list[FeedState] = field(default_factory=list)  # failing now

    @property
    def empty(self) -> bool:
        return not any(self.stories.values())


async def build_digest(
    store: SQLiteStore, since: datetime, until: datetime, titles: Mapping[int, str],
    *, week: IsoWeek | None = None,
) -> Digest:
    stories = await store.stories_between(since, until)
    by_topic = {
        topic: sorted(
            (s for s in stories if topic in s.topics),
            key=lambda s: (-len(s.outlets), s.first_published),
        )
        for topic in TOPICS
    }
    counts = await store.article_counts(since, until)
    feeds = await store.feeds()
    return Digest(
        since, until, by_topic,
        [(article_label(n, titles), c) for n, c in counts.items()],
        group_claims(await store.troop_claims(TROOP_CLAIMS_SHOWN * 10, since, until))[
            :TROOP_CLAIMS_SHOWN],
        week,
        [f for f in feeds if since <= f.added_at < until],
        [f for f in feeds if not f.healthy],
    )


async def week_digest(
    store: SQLiteStore, week: IsoWeek, zone: ZoneInfo, titles: Mapping[int, str]
) -> Digest:
    since, until = week.bounds(zone)
    return await build_digest(store, since, until, titles, week=week)


def digest_message(
    digest: Digest,
    topics: Collection[str] = TOPICS,
    *,
    chart: Chart | None = None,
    missed: Collection[str] = (),
) -> Message:
    """The digest for a channel that follows `topics`: only their stories, the articles for
    treaty channels, the figures for troops channels; feed health for the admins always."""
    if digest.week is not None:
        span = f"{digest.week} ({digest.week.span()})"
    else:
        span = f"{digest.since:%d %b} – {digest.until:%d %b %Y}"
    stories = {t: s for t, s in digest.stories.items() if t in topics and s}
    fields = [_topic_field(topic, items) for topic, items in stories.items()]
    if digest.articles and "treaty" in topics:
        fields.append(Field(
            "Treaty articles in the news",
            "\n".join(f"{label}: {n} stor{'ies' if n != 1 else 'y'}"
                      for label, n in digest.articles),
        ))
    if digest.troops and "troops" in topics:
        fields.append(Field(
            "Troop figures claimed",
            "\n".join(f"{c.text()} {c.first.link}".rstrip() for c in digest.troops),
        ))
    if health := _feed_health(digest):
        fields.append(Field("Feeds (for admins)", health))
    total = len({s.id for items in stories.values() for s in items})
    if total:
        body = f"{total} stor{'ies' if total != 1 else 'y'} this week."
    else:
        body = "No stories this week."
    footer = []
    if chart is not None:
        footer.append(f"Chart: stories per day per topic, last {CHART_DAYS // 7} weeks.")
    if missed:
        footer.append(f"Not posted while the bot was down: the digest of {', '.join(missed)}.")
    return Message(
        title=f"Weekly digest, {span}", body=body, fields=tuple(fields),
        footer=" ".join(footer), image=str(chart.path) if chart else None,
    )


def _topic_field(topic: str, stories: list[Story]) -> Field:
    lines = [
        f"• {truncate(s.title, 120)} ({len(s.outlets)} outlet"
        f"{'s' if len(s.outlets) != 1 else ''}) {s.link}".rstrip()
        for s in stories[:STORIES_PER_TOPIC]
    ]
    if (more := len(stories) - STORIES_PER_TOPIC) > 0:
        lines.append(f"… and {more} more")
    count = f"{len(stories)} stor{'ies' if len(stories) != 1 else 'y'}"
    return Field(f"{TOPIC_LABELS.get(topic, topic)} — {count}", "\n".join(lines))


def _feed_health(digest: Digest) -> str:
    lines = [f"New: {f.name}" for f in digest.new_feeds]
    for feed in digest.failing_feeds:
        since = feed.failing_since
        when = f" since {since:%d %b %H:%M} UTC" if since else ""
        error = f": {truncate(feed.last_error, 80)}" if feed.last_error else ""
        lines.append(f"Failing{when} ({feed.failures}×){error} — {feed.name}")
    return "\n".join(lines)


# --- the chart and the terminal ------------------------------------------------------------


async def week_chart(
    store: SQLiteStore, week: IsoWeek, zone: ZoneInfo, topics: Collection[str], out_dir: Path,
) -> Chart:
    """Stories per day per topic over the four weeks that end with `week`."""
    first = week.shift(-(CHART_DAYS // 7 - 1))
    since, _ = first.bounds(zone)
    _, until = week.bounds(zone)
    rows = await store.story_days(since, until)
    chosen = [t for t in TOPICS if t in topics]
    data = chart_data(
        rows, first.monday(), zone, chosen,
        highlight=(week.monday(), week.monday() + timedelta(days=6)),
        title=f"Stories per day by topic, {first.monday():%d %b} – "
              f"{week.monday() + timedelta(days=6):%d %b %Y} ({zone.key})",
    )
    name = f"digest-{week}" + ("" if len(chosen) == len(TOPICS) else "-" + "-".join(chosen))
    # Drawing takes a few hundred milliseconds: off the event loop, which serves commands.
    return await asyncio.to_thread(draw_chart, data, out_dir / f"{name}.png")


def day_name(day: str) -> str:
    """feeds.yaml's `digest.day` ("monday", "mon", "Mon") as a word."""
    return _DAY_NAMES[_DAYS.index(day.lower()[:3])]


def last_complete_week(now: datetime, zone: ZoneInfo) -> IsoWeek:
    return IsoWeek.of(now, zone).shift(-1)


def console_text(message: Message) -> str:
    # A digest is not an alert: its own mark keeps the alert lines (■) of the demo countable.
    return "▤" + render(message).removeprefix("■")


async def print_digest(
    store: SQLiteStore, week: IsoWeek, zone: ZoneInfo, titles: Mapping[int, str],
    out_dir: Path, out: TextIO,
) -> Chart:
    """`python -m bot digest` and the demo's end: the digest as text, and its chart on disk."""
    digest = await week_digest(store, week, zone, titles)
    chart = await week_chart(store, week, zone, TOPICS, out_dir)
    print(console_text(digest_message(digest, chart=chart)), file=out)
    print(f"  Chart: {chart.path}", file=out)
    return chart
