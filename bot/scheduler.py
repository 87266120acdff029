"""What runs on a schedule: polling due feeds, delivering the outbox, telling the admins about
feeds failing for a day, and the weekly digest; and a stop that lets running jobs end first.

The digest's decisions are pure functions of (now, schedule, the last week a channel got):
`last_slot` and `decide`. The cron only wakes the bot up; what it does when woken is decided
here, so a restart, a retry and the cron itself can never post a week twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger

from bot.chart import Chart
from bot.config import Digest as DigestSettings
from bot.deliver import FIND_MARGIN, ChannelGone, PostKey, Sender, deliver_pending
from bot.digest import Digest, IsoWeek, digest_message, week_chart, week_digest
from bot.fetch import Fetcher
from bot.logs import log_cycle
from bot.models import Field, Message
from bot.pipeline import FeedReport, Pipeline, Poller
from storage import DigestPost, FeedState, StorageError, Store, Subscription

log = logging.getLogger(__name__)

POLL_TICK = timedelta(seconds=1)  # how often due feeds are looked for, at the latest
CYCLE_LOG_EVERY = 300.0  # seconds: the longest a poll-cycle log line waits
DELIVERY_TICK = timedelta(seconds=5)
# While the store fails (a full or read-only disk), jobs pause: first for this long, then
# twice as long each time, up to STORAGE_RETRY_MAX. The fault is logged once.
STORAGE_RETRY = timedelta(seconds=5)
STORAGE_RETRY_MAX = timedelta(minutes=2)
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
_T = TypeVar("_T")


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
    the platform accepted it. A crash in between leaves the post's outcome unknown: before
    posting, the channel's history since the slot is searched for the week's digest."""
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
            message_id = await _post_once(by_platform[platform], channel, message,
                                          PostKey(f"Digest {week}"), decision.slot.at)
        except StorageError:
            raise
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


async def _post_once(
    sender: Sender, channel: str, message: Message, key: PostKey, since: datetime
) -> str:
    found = await sender.find(channel, key, since - FIND_MARGIN)
    if found is not None:
        log.info("%s %s: the %s was posted before; adopted %s", sender.platform, channel,
                 key.marker, found)
        return found
    return await sender.post(channel, message, key=key)


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


@dataclass
class PollCycle:
    """The poll loop starts feeds as they fall due, so a "cycle" is a burst of polling:
    from the first feed started while idle until none is running (or CYCLE_LOG_EVERY has
    passed, so that a loop never idle still reports). One INFO line each."""

    reports: list[FeedReport] = field(default_factory=list)
    began: float | None = None

    def add(self, reports: list[FeedReport], busy: bool, now: float) -> None:
        if self.began is None:
            if not (reports or busy):
                return
            self.began = now
        self.reports.extend(reports)
        if self.reports and (not busy or now - self.began >= CYCLE_LOG_EVERY):
            log_cycle(self.reports, sum(r.new_stories for r in self.reports), now - self.began)
            self.reports = []
            self.began = now if busy else None


# --- storage faults: said once, waited out ------------------------------------------------------


@dataclass(slots=True)
class StorageHealth:
    """What the jobs know of the store. A fault is logged when it starts and when its cause
    changes, and its end once: not once per job and tick (a full disk used to log two
    tracebacks a tick). While it lasts, jobs are skipped until `retry_at`, and each retry
    that fails doubles the wait."""

    fault: StorageError | None = None
    since: datetime | None = None
    retry_at: datetime | None = None
    wait: timedelta = STORAGE_RETRY

    def may_run(self, now: datetime) -> bool:
        return self.retry_at is None or now >= self.retry_at

    def failed(self, exc: StorageError, now: datetime) -> None:
        if self.fault is None or self.fault.cause != exc.cause:
            log.error("storage failing: %s; jobs pause and retry by themselves", exc)
            self.since = self.since or now
            self.wait = STORAGE_RETRY
        else:
            self.wait = min(self.wait * 2, STORAGE_RETRY_MAX)
        self.fault = exc
        self.retry_at = now + self.wait

    def recovered(self, now: datetime) -> None:
        if self.fault is not None and self.since is not None:
            log.warning("storage works again (it failed with %s for %s)", self.fault.cause,
                        now - self.since)
        self.fault = self.since = self.retry_at = None
        self.wait = STORAGE_RETRY


async def _probe(store: Store, now: datetime) -> None:
    """After a fault: a checkpoint frees the WAL's space when it can; then one small write
    says whether writes work again (raises StorageError if not)."""
    with contextlib.suppress(StorageError):  # the probe says whether it matters
        await store.checkpoint()
    await store.probe(now)


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
        self.stopping = asyncio.Event()  # for loops that run until stop()

    def add_task(
        self, func: Callable[[], Awaitable[None]], trigger: str | BaseTrigger, *, job_id: str,
        **options: Any,
    ) -> None:
        """Add a job that `stop()` waits for: one run at a time, late runs run late."""

        @functools.wraps(func)
        async def tracked() -> None:
            await self._tracked(func(), job_id)

        options = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None, **options}
        self.add_job(tracked, trigger, id=job_id, replace_existing=True, **options)

    def spawn(self, work: Coroutine[Any, Any, _T], name: str) -> asyncio.Task[_T | None]:
        """Run `work` in a task of its own that `stop()` waits for, as for a job."""
        return asyncio.create_task(self._tracked(work, name), name=name)

    async def _tracked(self, work: Coroutine[Any, Any, _T], name: str) -> _T | None:
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            return await work
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            # Cancelled by stop(): an expected end, not an error with a traceback.
            log.info("%s abandoned at shutdown", name)
            return None
        finally:
            self._running.discard(task)

    async def stop(self, grace: timedelta = STOP_GRACE) -> None:
        """No new runs; running jobs get `grace` to finish, then are cancelled. Returns once
        every job has ended (its open transaction rolled back), so the store may close."""
        if self.state == STATE_STOPPED:
            return
        self._stopping = True
        self.stopping.set()
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
    """Every feed keeps its own next-poll time in the database; the poll loop starts the
    due ones as slots free up (and looks again every POLL_TICK), so a restart resumes each
    feed where it was, and a slow feed delays no other. `jobs` are those this process runs
    (a worker's role, bot.workers)."""
    jobs = frozenset(jobs)
    scheduler = Scheduler()
    store, clock = pipeline.store, pipeline.clock
    schedule = DigestSchedule.from_config(pipeline.config.digest)
    charts = chart_dir or Path("charts")
    lease = pipeline.config.workers.lease
    started = clock()
    # The cron, the start-up catch-up and a retry may meet: one digest run at a time.
    digest_lock = asyncio.Lock()
    # The delivery tick and a delivery right after new items must not post one row twice.
    deliver_lock = asyncio.Lock()
    health = StorageHealth()
    concurrency = pipeline.config.fetch.max_concurrency
    poller = Poller(pipeline, fetcher, concurrency, max(1, concurrency // 4),
                    spawn=scheduler.spawn)

    def guarded(name: str, work: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[None]]:
        """A job that waits out a storage fault, reports it once, and never dies of an
        error: a loop that dies on one error would do nothing more."""

        async def job() -> None:
            if not health.may_run(clock()):
                return
            try:
                if health.fault is not None:
                    await _probe(store, clock())
                    health.recovered(clock())
                await work()
            except StorageError as exc:
                health.failed(exc, clock())
            except Exception:
                log.exception("%s failed", name)

        return job

    async def deliver() -> None:
        if deliver_lock.locked():
            return  # the running delivery takes what is pending, or the next tick does
        async with deliver_lock:
            for sender in senders:
                try:
                    await deliver_pending(store, sender, clock, titles,
                                          pipeline.config.headlines.for_channel,
                                          worker=pipeline.worker, lease=lease)
                except StorageError:
                    raise
                except Exception:
                    log.exception("delivery to %s failed", sender.platform)

    cycle = PollCycle()

    async def poll_once() -> None:
        reports = await poller.tick()
        cycle.add(reports, bool(poller.running), asyncio.get_running_loop().time())
        if ("deliver" in jobs and any(r.new_items for r in reports)
                and not scheduler.stopping.is_set()):
            # New stories go out now, not at the next delivery tick.
            scheduler.spawn(guarded("delivery", deliver)(), "deliver-new")

    async def poll() -> None:
        """The poll loop: started once, it runs until stop(), starting due feeds as slots
        free up."""
        tick = guarded("poll", poll_once)
        while not scheduler.stopping.is_set():
            await tick()
            await poller.wait(POLL_TICK.total_seconds(), scheduler.stopping)

    async def feed_health() -> None:
        await report_feed_health(store, senders, clock)

    async def digest() -> None:
        async with digest_lock:
            try:
                run = await run_digest(store, senders, schedule, clock, titles, charts)
                retry, due = bool(run.failed), run.slot.at
            except StorageError:
                raise
            except Exception:
                log.exception("digest failed")
                retry, due = True, last_slot(clock(), schedule).at
        # Retried while the grace period lasts; past it, the next run records it as missed.
        if retry and clock() + DIGEST_RETRY - due <= schedule.grace:
            scheduler.add_task(guarded("digest", digest), "date", job_id="digest-retry",
                               run_date=clock() + DIGEST_RETRY)

    if "poll" in jobs:
        scheduler.add_task(poll, "date", job_id="poll", run_date=datetime.now(UTC))
    if "deliver" in jobs:
        # A deliverer beside pollers learns of new stories only from the outbox: it looks
        # as often as the pollers look for due feeds.
        every = DELIVERY_TICK if "poll" in jobs else POLL_TICK
        scheduler.add_task(guarded("delivery", deliver), "interval", job_id="deliver",
                           seconds=every.total_seconds())
    if "feed-health" in jobs:
        scheduler.add_task(guarded("feed health check", feed_health), "interval",
                           job_id="feed-health", seconds=HEALTH_TICK.total_seconds(),
                           next_run_time=started + STARTUP_DELAY)
    if "digest" in jobs:
        scheduler.add_task(guarded("digest", digest), schedule.trigger(), job_id="digest")
        scheduler.add_task(guarded("digest", digest), "date", job_id="digest-catch-up",
                           run_date=started + STARTUP_DELAY)
    return scheduler
