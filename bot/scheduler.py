"""What runs on a schedule: polling due feeds, delivering the outbox, telling the admins about
feeds failing for a day, and the weekly digest; and a stop that lets running jobs end first.

The digest's decisions are pure functions of (now, schedule, the last week a channel got):
`last_slot` and `decide`. The cron only wakes the bot up; what it does when woken is decided
here, so a restart, a retry and the cron itself can never post a week twice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.chart import Chart
from bot.config import Digest as DigestSettings
from bot.deliver import ChannelGone, Sender, deliver_pending
from bot.digest import Digest, IsoWeek, digest_message, week_chart, week_digest
from bot.fetch import Fetcher
from bot.models import Field, Message
from bot.pipeline import Pipeline
from storage import DigestPost, FeedState, Store, Subscription

log = logging.getLogger(__name__)

POLL_TICK = timedelta(seconds=30)  # how often due feeds are looked for
DELIVERY_TICK = timedelta(seconds=5)
HEALTH_TICK = timedelta(minutes=10)
# The first digest check and feed report wait for the platforms to connect, and for the
# first poll to bring in what was published while the bot was down.
STARTUP_DELAY = timedelta(minutes=1)
DIGEST_RETRY = timedelta(minutes=5)
DEFAULT_GRACE = timedelta(hours=12)
FAILING_AFTER = timedelta(days=1)
# Under the 10 s that Docker and most supervisors leave between SIGTERM and SIGKILL.
STOP_GRACE = timedelta(seconds=8)

Channel = tuple[str, str]  # (platform, channel)
ALL_JOBS = frozenset({"poll", "deliver", "feed-health", "digest"})


# --- when the digest is due: pure -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    day: str  # "mon" … "sun"
    at: time  # local time of day
    zone: ZoneInfo
    grace: timedelta = DEFAULT_GRACE  # how late a digest missed while down is still posted

    @classmethod
    def from_config(cls, settings: DigestSettings) -> DigestSchedule:
        return cls(settings.day[:3], settings.time, ZoneInfo(settings.timezone), settings.grace)

    def trigger(self) -> CronTrigger:
        return CronTrigger(day_of_week=self.day, hour=self.at.hour, minute=self.at.minute,
                           second=self.at.second, timezone=self.zone)


@dataclass(frozen=True, slots=True)
class Slot:
    at: datetime  # when the digest fell due, UTC
    week: IsoWeek  # what it covers: the last full week before `at`, in the schedule's zone


def last_slot(now: datetime, schedule: DigestSchedule) -> Slot:
    """The latest time at or before `now` the cron fires. Asked of the very trigger the
    scheduler runs, so that the decision and the wake-up agree, DST days included."""
    now = now.astimezone(UTC)
    trigger = schedule.trigger()
    found: datetime | None = None
    moment = now - timedelta(days=8)
    while (fire := trigger.get_next_fire_time(None, moment)) is not None and fire <= now:
        found = fire
        # In UTC: wall-clock arithmetic on the local time would undo a DST fold and loop.
        moment = fire.astimezone(UTC) + timedelta(microseconds=1)
    if found is None:
        raise ValueError(f"the digest schedule never fires: {schedule}")
    local_day = found.astimezone(schedule.zone).date()
    return Slot(found.astimezone(UTC), IsoWeek.of(local_day, schedule.zone).shift(-1))


@dataclass(frozen=True, slots=True)
class Decision:
    # post: due, within the grace period. missed: due longer ago than that (the bot was
    # down); record it, so that it is said once. done: this week is posted or recorded.
    # wait: a channel with no digest yet, subscribed after the slot, starts with the next.
    action: Literal["post", "missed", "done", "wait"]
    slot: Slot


def decide(now: datetime, schedule: DigestSchedule, last: IsoWeek | None) -> Decision:
    """What to do about the digest in one channel whose latest digest (posted or missed)
    covered week `last`."""
    slot = last_slot(now, schedule)
    if last is not None and last >= slot.week:
        return Decision("done", slot)
    if now - slot.at <= schedule.grace:
        return Decision("post", slot)
    return Decision("wait" if last is None else "missed", slot)


def digest_channels(
    subscriptions: Iterable[Subscription], platforms: Iterable[str]
) -> dict[Channel, tuple[str, ...]]:
    """Every working channel that gets alerts gets the digest of its topics, and the admin
    notices: the channels the admins chose for the bot."""
    known = set(platforms)
    channels: dict[Channel, list[str]] = {}
    for sub in subscriptions:
        if sub.broken_at is None and sub.platform in known:
            channels.setdefault((sub.platform, sub.channel), []).append(sub.topic)
    return {key: tuple(sorted(set(topics))) for key, topics in sorted(channels.items())}


# --- the digest job -----------------------------------------------------------------------


@dataclass(slots=True)
class DigestRun:
    slot: Slot
    posted: list[Channel] = field(default_factory=list)
    missed: list[Channel] = field(default_factory=list)
    failed: list[Channel] = field(default_factory=list)


async def run_digest(
    store: Store,
    senders: Sequence[Sender],
    schedule: DigestSchedule,
    clock: Callable[[], datetime],
    titles: Mapping[int, str],
    chart_dir: Path,
) -> DigestRun:
    """Post the due digest to each channel that has not had it; record each post only once
    the platform accepted it (a crash in between may repeat it; the nonce lets Discord drop
    the repeat, as for alerts)."""
    now = clock()
    run = DigestRun(last_slot(now, schedule))
    by_platform = {s.platform: s for s in senders}
    digest: Digest | None = None
    charts: dict[tuple[str, ...], Chart | None] = {}
    for (platform, channel), topics in digest_channels(
        await store.subscriptions(), by_platform
    ).items():
        history = await store.digest_posts(platform, channel)
        decision = decide(now, schedule, max((IsoWeek.parse(p.week) for p in history),
                                             default=None))
        week = str(decision.slot.week)
        if decision.action == "missed":
            await store.record_digest(DigestPost(week, platform, channel, "missed", None, now))
            log.warning("digest of %s not posted to %s %s: it was due %s, more than %s ago "
                        "(the bot was down); the next digest says so", week, platform, channel,
                        f"{decision.slot.at:%Y-%m-%d %H:%M} UTC", schedule.grace)
            run.missed.append((platform, channel))
        if decision.action != "post":
            continue
        if digest is None:
            digest = await week_digest(store, decision.slot.week, schedule.zone, titles)
        if topics not in charts:
            charts[topics] = await _chart(store, decision.slot.week, schedule.zone, topics,
                                          chart_dir)
        message = digest_message(digest, topics, chart=charts[topics],
                                 missed=_missed_since_posted(history))
        try:
            message_id = await by_platform[platform].post(channel, message,
                                                          nonce=f"tw-digest-{week}")
        except ChannelGone as exc:
            if await store.mark_broken(platform, channel, clock()):
                log.warning("%s channel %s is unavailable (%s): subscription marked broken",
                            platform, channel, exc)
            continue
        except Exception as exc:  # one channel's failure must not stop the others
            log.warning("digest of %s to %s %s failed: %s", week, platform, channel, exc)
            run.failed.append((platform, channel))
            continue
        await store.record_digest(DigestPost(week, platform, channel, "posted", message_id,
                                             clock()))
        log.info("digest of %s posted to %s %s", week, platform, channel)
        run.posted.append((platform, channel))
    return run


def _missed_since_posted(history: Sequence[DigestPost]) -> list[str]:
    last_posted = max((p.week for p in history if p.status == "posted"), default="")
    return [p.week for p in history if p.status == "missed" and p.week > last_posted]


async def _chart(
    store: Store, week: IsoWeek, zone: ZoneInfo, topics: tuple[str, ...], out_dir: Path
) -> Chart | None:
    try:
        return await week_chart(store, week, zone, topics, out_dir)
    except Exception:  # a digest without its chart beats no digest
        log.exception("digest chart for %s failed", week)
        return None


# --- feeds failing for a day: told once ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedNotice:
    feed: FeedState
    kind: Literal["failing", "recovered"]


def feed_notices(
    feeds: Iterable[FeedState], now: datetime, after: timedelta = FAILING_AFTER
) -> list[FeedNotice]:
    """Feeds failing for `after` whose failure the admins have not been told, and told
    feeds that work again."""
    notices: list[FeedNotice] = []
    for feed in feeds:
        since, told = feed.failing_since, feed.failure_reported_at
        if since is None:
            if told is not None:
                notices.append(FeedNotice(feed, "recovered"))
        elif now - since >= after and (told is None or told < since):
            notices.append(FeedNotice(feed, "failing"))
    return notices


def health_message(notices: Sequence[FeedNotice]) -> Message:
    failing = [n.feed for n in notices if n.kind == "failing"]
    back = [n.feed for n in notices if n.kind == "recovered"]
    parts = []
    if failing:
        parts.append(f"{len(failing)} feed{'s' if len(failing) != 1 else ''} failing "
                     f"for more than {_span(FAILING_AFTER)}")
    if back:
        parts.append(f"{len(back)} feed{'s' if len(back) != 1 else ''} working again")
    fields = [
        Field(f.name, f"Failing since {f.failing_since:%d %b %H:%M} UTC, {f.failures} failed "
              f"polls; last error: {f.last_error or 'unknown'}\n{f.url}")
        for f in failing
    ] + [Field(f.name, f"Working again since {f.last_success:%d %b %H:%M} UTC") for f in back]
    return Message(title="; ".join(parts) + ".", fields=tuple(fields),
                   footer="Feed health, for admins: said once per failure. "
                          "/feeds status lists every feed.")


def _span(delta: timedelta) -> str:
    return "a day" if delta == timedelta(days=1) else str(delta)


async def report_feed_health(
    store: Store, senders: Sequence[Sender], clock: Callable[[], datetime]
) -> list[FeedNotice]:
    """Log each notice and post them, as one message, where the digest goes. They count as
    told once a channel accepted the message, or at once when no channel is set (the log
    line is the report); when every channel refused it, the next check tries again."""
    now = clock()
    notices = feed_notices(await store.feeds(), now)
    if not notices:
        return []
    for notice in notices:
        feed = notice.feed
        if notice.kind == "failing":
            log.warning("feed %r failing since %s (%d failed polls): %s", feed.name,
                        feed.failing_since, feed.failures, feed.last_error)
        else:
            log.info("feed %r works again", feed.name)
    by_platform = {s.platform: s for s in senders}
    channels = digest_channels(await store.subscriptions(), by_platform)
    message = health_message(notices)
    told = not channels
    for platform, channel in channels:
        try:
            await by_platform[platform].post(channel, message)
        except ChannelGone as exc:
            if await store.mark_broken(platform, channel, clock()):
                log.warning("%s channel %s is unavailable (%s): subscription marked broken",
                            platform, channel, exc)
        except Exception as exc:
            log.warning("feed notice to %s %s failed: %s", platform, channel, exc)
        else:
            told = True
    if told:
        for notice in notices:
            await store.mark_failure_reported(
                notice.feed.id, now if notice.kind == "failing" else None
            )
    return notices if told else []


# --- the scheduler ----------------------------------------------------------------------------


class Scheduler(AsyncIOScheduler):
    """APScheduler whose `stop()` lets running jobs end before the caller closes the store.

    AsyncIOScheduler.shutdown() cancels running jobs at once, whatever `wait` says. Every
    write is one transaction, so a cancelled job leaves no half-written state, but a job
    cancelled between a platform accepting a post and the post being recorded would post
    it again after a restart: so running jobs get STOP_GRACE to finish first.
    """

    def __init__(self) -> None:
        super().__init__(timezone="UTC")
        self._running: set[asyncio.Task[Any]] = set()
        self._stopping = False

    def add_task(
        self, func: Callable[[], Awaitable[None]], trigger: str | BaseTrigger, *, job_id: str,
        **options: Any,
    ) -> None:
        """Add a job that `stop()` waits for: one run at a time, late runs run late."""

        @functools.wraps(func)
        async def tracked() -> None:
            task = asyncio.current_task()
            assert task is not None
            self._running.add(task)
            try:
                await func()
            except asyncio.CancelledError:
                if not self._stopping:
                    raise
                # Cancelled by stop(): an expected end, not an error with a traceback.
                log.info("%s abandoned at shutdown", job_id)
            finally:
                self._running.discard(task)

        options = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None, **options}
        self.add_job(tracked, trigger, id=job_id, replace_existing=True, **options)

    async def stop(self, grace: timedelta = STOP_GRACE) -> None:
        """No new runs; running jobs get `grace` to finish, then are cancelled. Returns once
        every job has ended (its open transaction rolled back), so the store may close."""
        if self.state == STATE_STOPPED:
            return
        self._stopping = True
        self.pause()
        await asyncio.sleep(0)  # a run submitted by the last wake-up registers itself first
        running = [task for task in self._running if not task.done()]
        if running:
            _, late = await asyncio.wait(running, timeout=grace.total_seconds())
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)
                log.info("stopped: %d running job(s) abandoned after %s", len(late), grace)
        self.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler.shutdown takes effect on the loop's next turn


def build_scheduler(
    pipeline: Pipeline,
    fetcher: Fetcher,
    senders: Sequence[Sender],
    titles: Mapping[int, str],
    *,
    chart_dir: Path | None = None,
    jobs: Iterable[str] = ALL_JOBS,
) -> Scheduler:
    """Every feed keeps its own next-poll time in the database; the tick only looks for
    the due ones, so a restart resumes each feed where it was. `jobs` are those this
    process runs (a worker's role, bot.workers)."""
    jobs = frozenset(jobs)
    scheduler = Scheduler()
    store, clock = pipeline.store, pipeline.clock
    schedule = DigestSchedule.from_config(pipeline.config.digest)
    charts = chart_dir or Path("charts")
    lease = pipeline.config.workers.lease
    started = clock()
    # The cron, the start-up catch-up and a retry may meet: one digest run at a time.
    digest_lock = asyncio.Lock()

    async def deliver() -> None:
        for sender in senders:
            try:
                await deliver_pending(store, sender, clock, titles,
                                      pipeline.config.headlines.for_channel,
                                      worker=pipeline.worker, lease=lease)
            except Exception:
                log.exception("delivery to %s failed", sender.platform)

    async def poll() -> None:
        try:
            reports = await pipeline.poll(fetcher, only_due=True)
        except Exception:  # a loop that dies on one error would poll nothing more
            log.exception("poll cycle failed")
            return
        if "deliver" in jobs and any(r.new_items for r in reports):
            await deliver()  # new stories go out now, not at the next delivery tick

    async def feed_health() -> None:
        try:
            await report_feed_health(store, senders, clock)
        except Exception:
            log.exception("feed health check failed")

    async def digest() -> None:
        async with digest_lock:
            try:
                run = await run_digest(store, senders, schedule, clock, titles, charts)
                retry, due = bool(run.failed), run.slot.at
            except Exception:
                log.exception("digest failed")
                retry, due = True, last_slot(clock(), schedule).at
        # Retried while the grace period lasts; past it, the next run records it as missed.
        if retry and clock() + DIGEST_RETRY - due <= schedule.grace:
            scheduler.add_task(digest, "date", job_id="digest-retry",
                               run_date=clock() + DIGEST_RETRY)

    # Look for due feeds at least as often as the shortest feed interval asks.
    tick = min([POLL_TICK, *(pipeline.config.interval(f) for f in pipeline.config.feeds)])
    if "poll" in jobs:
        scheduler.add_task(poll, "interval", job_id="poll", seconds=tick.total_seconds(),
                           next_run_time=started)
    if "deliver" in jobs:
        # A deliverer beside pollers learns of new stories only from the outbox: it looks
        # as often as the pollers do.
        every = DELIVERY_TICK if "poll" in jobs else min(DELIVERY_TICK, tick)
        scheduler.add_task(deliver, "interval", job_id="deliver",
                           seconds=every.total_seconds())
    if "feed-health" in jobs:
        scheduler.add_task(feed_health, "interval", job_id="feed-health",
                           seconds=HEALTH_TICK.total_seconds(),
                           next_run_time=started + STARTUP_DELAY)
    if "digest" in jobs:
        scheduler.add_task(digest, schedule.trigger(), job_id="digest")
        scheduler.add_task(digest, "date", job_id="digest-catch-up",
                           run_date=started + STARTUP_DELAY)
    return scheduler
