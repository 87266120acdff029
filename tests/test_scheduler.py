"""The scheduler: when the digest is due (DST included), never twice and never silently
skipped across restarts; feeds failing for a day told once; a stop that ends jobs cleanly.

The clock is the test's: the decisions are pure functions of it, and the jobs read it.
"""

from __future__ import annotations

import asyncio
import logging
import time as monotonic
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

from bot.config import Config, Digest
from bot.deliver import ChannelGone, PostKey
from bot.digest import IsoWeek
from bot.fetch import Fetcher
from bot.models import Message
from bot.pipeline import Pipeline, fetch_limits
from bot.scheduler import (
    DigestSchedule,
    Scheduler,
    build_scheduler,
    decide,
    feed_notices,
    last_slot,
    report_feed_health,
    run_digest,
)
from storage import DigestPost, SQLiteStore, Store, Subscription, open_store
from tests.conftest import Clock
from tests.test_digest import is_png
from tests.test_samples import KNOWLEDGE
from tests.test_storage import new_item

DATABASES = ("sqlite", "postgresql")

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MONDAY_9_UTC = DigestSchedule("mon", time(9), ZoneInfo("UTC"))
SLOT = datetime(2025, 7, 7, 9, 0, tzinfo=UTC)  # a Monday: the digest of 2025-W27 falls due
W26, W27, W28 = IsoWeek(2025, 26), IsoWeek(2025, 27), IsoWeek(2025, 28)


class RecordingSender:
    """A platform that accepts posts, refuses them, or has lost the channel; like a real
    one, it keeps what it was sent, so a lost answer can be found again."""

    def __init__(self, platform: str = "discord") -> None:
        self.platform = platform
        self.posts: list[tuple[str, Message, str | None]] = []  # channel, message, marker
        self.failing: set[str] = set()
        self.gone: set[str] = set()
        self.answer_lost: set[str] = set()  # channels whose next post is made, answer lost

    async def post(
        self, channel: str, message: Message, *, mention: str | None = None,
        key: PostKey | None = None,
    ) -> str:
        if channel in self.gone:
            raise ChannelGone("Unknown Channel")
        if channel in self.failing:
            raise RuntimeError("503 Service Unavailable")
        self.posts.append((channel, message, key.marker if key else None))
        if channel in self.answer_lost:
            self.answer_lost.discard(channel)
            raise TimeoutError("the answer was lost")
        return f"msg-{len(self.posts)}"

    async def find(self, channel: str, key: PostKey, since: datetime) -> str | None:
        return next((f"msg-{n}" for n, (c, _, marker) in enumerate(self.posts, 1)
                     if c == channel and marker == key.marker), None)

    async def edit(self, channel: str, message_id: str, message: Message) -> None:
        raise AssertionError("a digest is never edited")


# --- when the digest is due ------------------------------------------------------------------


@pytest.mark.parametrize(("zone", "now", "due_utc"), [
    # Berlin's clocks go forward on Sunday 30 March 2025: 09:00 is 08:00 UTC, then 07:00.
    (BERLIN, datetime(2025, 3, 30, 12, 0, tzinfo=UTC), datetime(2025, 3, 24, 8, 0, tzinfo=UTC)),
    (BERLIN, datetime(2025, 3, 31, 7, 0, tzinfo=UTC), datetime(2025, 3, 31, 7, 0, tzinfo=UTC)),
    # New York's clocks go back on Sunday 2 November 2025: 09:00 is 13:00 UTC, then 14:00.
    (NEW_YORK, datetime(2025, 11, 3, 13, 30, tzinfo=UTC), datetime(2025, 10, 27, 13, 0,
                                                                     tzinfo=UTC)),
    (NEW_YORK, datetime(2025, 11, 3, 14, 0, tzinfo=UTC), datetime(2025, 11, 3, 14, 0, tzinfo=UTC)),
])
def test_the_digest_falls_due_at_nine_local_time_across_a_dst_change(
    zone: ZoneInfo, now: datetime, due_utc: datetime
) -> None:
    slot = last_slot(now, DigestSchedule("mon", time(9), zone))
    assert slot.at == due_utc
    assert slot.at.astimezone(zone).hour == 9
    assert slot.week == IsoWeek.of(due_utc, zone).shift(-1)  # the full week before


def test_the_scheduler_wakes_up_when_the_decider_says_the_digest_is_due(config: Config) -> None:
    """The cron the scheduler runs and the decider are one trigger: they cannot disagree."""
    schedule = DigestSchedule.from_config(
        Digest(day="monday", time=time(9), timezone="Europe/Berlin")
    )
    wake = schedule.trigger().get_next_fire_time(None, datetime(2025, 3, 25, tzinfo=UTC))
    assert wake == datetime(2025, 3, 31, 7, 0, tzinfo=UTC)
    assert last_slot(wake, schedule).at == wake
    assert last_slot(wake - timedelta(seconds=1), schedule).at == datetime(2025, 3, 24, 8, 0,
                                                                            tzinfo=UTC)


def test_a_time_that_happens_twice_when_clocks_go_back_posts_once() -> None:
    # 02:30 on Sunday 26 October 2025 happens twice in Berlin: 00:30 and 01:30 UTC.
    schedule = DigestSchedule("sun", time(2, 30), BERLIN)
    first = decide(datetime(2025, 10, 26, 0, 31, tzinfo=UTC), schedule, IsoWeek(2025, 41))
    assert (first.action, first.slot.week) == ("post", IsoWeek(2025, 42))  # the full week before
    again = decide(datetime(2025, 10, 26, 1, 31, tzinfo=UTC), schedule, first.slot.week)
    assert again.action == "done"


@pytest.mark.parametrize(("now", "last", "action"), [
    (SLOT - timedelta(minutes=1), W26, "done"),  # W27 is not due yet; W26 went out
    (SLOT, W26, "post"),
    (SLOT + timedelta(hours=12), W26, "post"),  # the end of the 12 h grace period
    (SLOT + timedelta(hours=12, seconds=1), W26, "missed"),
    (SLOT + timedelta(hours=3), W27, "done"),
    (SLOT + timedelta(hours=3), None, "post"),  # a channel's first digest
    (SLOT + timedelta(days=2), None, "wait"),  # subscribed since: it starts next week
    (SLOT + timedelta(days=7, hours=1), W27, "post"),  # the next week
])
def test_the_decision_for_one_channel(now: datetime, last: IsoWeek | None, action: str) -> None:
    decision = decide(now, MONDAY_9_UTC, last)
    assert decision.action == action


def test_grace_comes_from_feeds_yaml_when_set() -> None:
    settings = Digest()
    assert DigestSchedule.from_config(settings).grace == timedelta(hours=12)
    assert DigestSchedule.from_config(settings).day == "mon"


# --- posting: once per week and channel -------------------------------------------------------


@pytest.fixture
async def news(database: str) -> AsyncIterator[Store]:
    """A store with one treaty story in week 27 and two Discord channels."""
    store = await open_store(database)
    await store.sync_feeds([("wire", "https://wire.example/rss")], SLOT - timedelta(days=30))
    [feed] = await store.feeds()
    await store.save_item(
        new_item(feed.id, "a", link="https://wire.example/a", published=SLOT - timedelta(days=5)),
        SLOT - timedelta(days=5),
    )
    for channel, topic in [("c1", "treaty"), ("c2", "troops"), ("c2", "kcna")]:
        await store.subscribe(Subscription("discord", channel, topic, None, "config"))
    yield store
    await store.close()


async def posted_weeks(store: Store, channel: str) -> list[tuple[str, str]]:
    return [(p.week, p.status) for p in await store.digest_posts("discord", channel)]


async def digest_run(
    store: Store, sender: RecordingSender, now: datetime, tmp_path: Path
) -> list[str]:
    run = await run_digest(store, [sender], MONDAY_9_UTC, Clock(now), KNOWLEDGE.titles,
                           tmp_path / "charts")
    return [channel for _, channel in run.posted]


async def test_a_restart_after_the_slot_posts_once_and_two_more_restarts_post_nothing(
    news: Store, database: str, tmp_path: Path
) -> None:
    await news.record_digest(DigestPost("2025-W26", "discord", "c1", "posted", "m0", SLOT))
    sender = RecordingSender()
    # The bot was down at 09:00; it comes back at 13:00, within the grace period.
    assert await digest_run(news, sender, SLOT + timedelta(hours=4), tmp_path) == ["c1", "c2"]
    assert await digest_run(news, sender, SLOT + timedelta(hours=5), tmp_path) == []
    reopened = await open_store(database)  # a new process on the same database
    try:
        assert await digest_run(reopened, sender, SLOT + timedelta(hours=6), tmp_path) == []
    finally:
        await reopened.close()
    assert [(channel, marker) for channel, _, marker in sender.posts] == [
        ("c1", "Digest 2025-W27"), ("c2", "Digest 2025-W27"),
    ]
    assert await posted_weeks(news, "c1") == [("2025-W26", "posted"), ("2025-W27", "posted")]
    [c1, c2] = [message for _, message, _ in sender.posts]
    assert c1.title.startswith("Weekly digest, 2025-W27") and c1.body == "1 story this week."
    assert c2.body == "No stories this week."  # c2 follows troops and KCNA only
    assert c1.image is not None and is_png(c1.image)
    assert Path(c1.image).name == "digest-2025-W27-treaty.png"


async def test_the_same_week_cannot_be_recorded_twice(news: Store) -> None:
    post = DigestPost("2025-W27", "discord", "c1", "posted", "m1", SLOT)
    assert await news.record_digest(post)
    assert not await news.record_digest(post)


async def test_a_digest_missed_past_the_grace_period_is_said_once_and_in_the_next_digest(
    news: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    await news.record_digest(DigestPost("2025-W26", "discord", "c1", "posted", "m0", SLOT))
    sender = RecordingSender()
    caplog.set_level(logging.WARNING, "bot.scheduler")
    for hours in (13, 20, 30):  # three starts after the grace period
        assert await digest_run(news, sender, SLOT + timedelta(hours=hours), tmp_path) == []
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "digest of 2025-W27 not posted to discord c1"
    ]
    assert await posted_weeks(news, "c1") == [("2025-W26", "posted"), ("2025-W27", "missed")]
    assert await posted_weeks(news, "c2") == []  # it never had a digest: nothing was missed
    next_week = await digest_run(news, sender, SLOT + timedelta(days=7), tmp_path)
    assert next_week == ["c1", "c2"]
    [(_, c1, _), (_, c2, _)] = sender.posts
    assert "the digest of 2025-W27." in c1.footer
    assert "Not posted" not in c2.footer


async def test_a_refused_post_is_not_recorded_and_goes_out_on_the_retry(
    news: Store, tmp_path: Path
) -> None:
    sender = RecordingSender()
    sender.failing.add("c1")
    assert await digest_run(news, sender, SLOT + timedelta(minutes=1), tmp_path) == ["c2"]
    assert await posted_weeks(news, "c1") == []
    sender.failing.clear()
    assert await digest_run(news, sender, SLOT + timedelta(minutes=6), tmp_path) == ["c1"]
    assert await digest_run(news, sender, SLOT + timedelta(minutes=11), tmp_path) == []


async def test_a_digest_whose_answer_was_lost_is_found_in_the_channel_not_posted_again(
    news: SQLiteStore, tmp_path: Path
) -> None:
    sender = RecordingSender()
    sender.answer_lost.add("c1")  # the platform made the post; the bot never heard
    assert await digest_run(news, sender, SLOT + timedelta(minutes=1), tmp_path) == ["c2"]
    assert await digest_run(news, sender, SLOT + timedelta(minutes=6), tmp_path) == ["c1"]
    assert [channel for channel, _, _ in sender.posts] == ["c1", "c2"]
    assert await posted_weeks(news, "c1") == [("2025-W27", "posted")]


async def test_a_channel_that_is_gone_is_marked_broken_and_left_out(
    news: Store, tmp_path: Path
) -> None:
    sender = RecordingSender()
    sender.gone.add("c2")
    assert await digest_run(news, sender, SLOT, tmp_path) == ["c1"]
    assert {s.channel for s in await news.subscriptions() if s.broken_at is not None} == {"c2"}


async def test_a_platform_without_a_sender_gets_nothing(
    news: Store, tmp_path: Path
) -> None:
    assert await digest_run(news, RecordingSender("slack"), SLOT, tmp_path) == []
    assert await posted_weeks(news, "c1") == []


# --- feeds failing for a day -----------------------------------------------------------------


async def test_a_feed_failing_for_a_day_is_told_once_then_its_recovery_once(
    news: Store,
) -> None:
    [feed] = await news.feeds()
    sender = RecordingSender()
    start = SLOT - timedelta(days=3)
    await news.record_success(feed.id, start, start, etag=None, last_modified=None)
    told: list[list[str]] = []
    for hours in range(1, 50):  # a failed poll every hour for two days
        now = start + timedelta(hours=hours)
        await news.record_failure(feed.id, now, now, "HTTP 500")
        notices = await report_feed_health(news, [sender], Clock(now))
        told.append([n.kind for n in notices])
    assert told.index(["failing"]) == 23  # at 24 h, not before
    assert [kind for kinds in told for kind in kinds] == ["failing"]
    assert [channel for channel, _, _ in sender.posts] == ["c1", "c2"]  # where digests go
    assert sender.posts[0][1].title == "1 feed failing for more than a day."
    back = start + timedelta(days=3)
    await news.record_success(feed.id, back, back, etag=None, last_modified=None)
    assert [n.kind for n in await report_feed_health(news, [sender], Clock(back))] == [
        "recovered"
    ]
    assert await report_feed_health(news, [sender], Clock(back + timedelta(hours=1))) == []


async def test_a_notice_no_channel_accepted_is_tried_again(news: Store) -> None:
    [feed] = await news.feeds()
    start = SLOT - timedelta(days=3)
    await news.record_failure(feed.id, start, start, "timeout")
    sender = RecordingSender()
    sender.failing |= {"c1", "c2"}
    later = Clock(start + timedelta(days=2))
    assert await report_feed_health(news, [sender], later) == []
    sender.failing.clear()
    assert [n.kind for n in await report_feed_health(news, [sender], later)] == ["failing"]


def test_a_feed_that_never_worked_counts_from_when_it_was_added() -> None:
    from storage import FeedState

    added = SLOT - timedelta(hours=30)
    feed = FeedState(1, "new", "https://x/rss", "https://x/rss", None, None, added, SLOT, SLOT,
                     None, "HTTP 404", SLOT, 5)
    assert [n.kind for n in feed_notices([feed], SLOT)] == ["failing"]
    assert feed_notices([feed], added + timedelta(hours=23)) == []


# --- the scheduler and its stop ---------------------------------------------------------------


async def test_the_scheduler_runs_polling_delivery_health_and_the_digest_cron(
    config: Config, store: Store, tmp_path: Path
) -> None:
    berlin = config.model_copy(update={"digest": Digest(timezone="Europe/Berlin")})
    pipeline = Pipeline(berlin, store, clock=Clock(SLOT))
    async with Fetcher(fetch_limits(berlin)) as fetcher:
        scheduler = build_scheduler(pipeline, fetcher, [RecordingSender()], KNOWLEDGE.titles)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"poll", "deliver", "feed-health", "digest", "digest-catch-up"}
    assert all(job.max_instances == 1 and job.coalesce for job in jobs.values())
    wake = jobs["digest"].trigger.get_next_fire_time(None, datetime(2025, 10, 21, tzinfo=UTC))
    assert wake == datetime(2025, 10, 27, 8, 0, tzinfo=UTC)  # 09:00 in Berlin, winter time


async def test_stop_lets_a_running_job_finish(store: Store) -> None:
    scheduler = Scheduler()
    started = asyncio.Event()

    async def job() -> None:
        started.set()
        await asyncio.sleep(0.2)
        await store.record_digest(DigestPost("2025-W27", "discord", "c1", "posted", "m", SLOT))

    scheduler.add_task(job, "interval", job_id="job", hours=1,
                       next_run_time=datetime.now(UTC))
    scheduler.start()
    await asyncio.wait_for(started.wait(), 5)
    await scheduler.stop(timedelta(seconds=5))
    assert [p.week for p in await store.digest_posts("discord", "c1")] == ["2025-W27"]
    assert not scheduler.running


async def test_stop_cancels_a_job_that_overruns_and_its_transaction_rolls_back(
    store: SQLiteStore,
) -> None:
    if not isinstance(store, SQLiteStore):
        pytest.skip("writes through SQLiteStore's own transaction")
    scheduler = Scheduler()
    inside = asyncio.Event()

    async def job() -> None:
        async with store._write() as db:  # a write the job is in the middle of
            await db.execute(
                "INSERT INTO digest_posts VALUES ('2025-W27', 'discord', 'c1', 'posted', 'm', "
                "'2025-07-07T09:00:00.000000Z')"
            )
            inside.set()
            await asyncio.sleep(60)

    scheduler.add_task(job, "interval", job_id="job", hours=1,
                       next_run_time=datetime.now(UTC))
    scheduler.start()
    await asyncio.wait_for(inside.wait(), 5)
    began = monotonic.monotonic()
    await scheduler.stop(timedelta(seconds=0.1))
    assert monotonic.monotonic() - began < 2
    assert await store.digest_posts("discord", "c1") == []  # nothing half-written
    # The connection is not left inside a transaction: the next write works.
    assert await store.record_digest(DigestPost("2025-W28", "discord", "c1", "posted", "m", SLOT))


async def test_started_after_the_slot_the_scheduler_posts_the_digest_once(
    news: Store, config: Config, tmp_path: Path
) -> None:
    """The real AsyncIOScheduler and its start-up catch-up job, on the test's clock (two
    hours after the slot: the bot was down at 09:00)."""
    [feed] = await news.feeds()
    await news.record_success(feed.id, SLOT, SLOT + timedelta(days=3650), etag=None,
                              last_modified=None)  # not due: no network
    sender = RecordingSender()
    pipeline = Pipeline(config, news, clock=Clock(SLOT + timedelta(hours=2)))
    async with Fetcher(fetch_limits(config)) as fetcher:
        scheduler = build_scheduler(pipeline, fetcher, [sender], KNOWLEDGE.titles,
                                    chart_dir=tmp_path)
        caught_up = asyncio.Event()
        scheduler.add_listener(
            lambda event: caught_up.set() if event.job_id == "digest-catch-up" else None,
            EVENT_JOB_EXECUTED | EVENT_JOB_ERROR,
        )
        scheduler.start()  # the catch-up's run time is past on the real clock: it runs now
        try:
            await asyncio.wait_for(caught_up.wait(), 10)
        finally:
            await scheduler.stop()
    assert [(channel, marker) for channel, _, marker in sender.posts] == [
        ("c1", "Digest 2025-W27"), ("c2", "Digest 2025-W27"),
    ]
