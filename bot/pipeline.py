"""One poll cycle: fetch → parse → match → fold → store (with the deliveries it causes)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from yarl import URL

from bot.backoff import next_poll
from bot.config import Config
from bot.embed import Embedder, default_embedder, embed_text, from_blobs, to_blob
from bot.fetch import Fetcher, FetchLimits
from bot.fold import (
    EVENT_WINDOW,
    SYNDICATION_WINDOW,
    Candidate,
    Decision,
    Features,
    decide,
    features,
    stored_features,
)
from bot.fold_memory import FoldMemory, Remembered
from bot.logs import log_feed_failure, log_feed_recovered
from bot.match import Matcher
from bot.models import Analysis, Item
from bot.parse import ParseError, parse_feed
from bot.text import one_line
from bot.treaty import TreatyIndex
from bot.workers import default_worker
from storage import FeedState, NewItem, StorageError, Store, StoryGoneError

log = logging.getLogger(__name__)
_DUE_PER_SLOT = 8  # due feeds read per free slot, to find ones whose host has room


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ItemResult:
    """What happened to one item, and why: the replay output and the demo's alerts."""

    item: Item
    analysis: Analysis
    item_id: int | None
    story_id: int | None
    new_story: bool
    duplicate_of: int | None
    decision: Decision | None
    alert: bool
    why: dict[str, Any]


@dataclass(slots=True)
class FeedReport:
    feed: str
    status: str  # "ok", "not_modified", "error"
    error: str | None = None
    new_items: int = 0  # items stored by this poll
    new_stories: int = 0  # stories those items started
    results: list[ItemResult] = field(default_factory=list)  # only if asked for


def matcher_for(config: Config) -> Matcher:
    return Matcher(config.topics, {f.name: f.topics for f in config.feeds})


def fetch_limits(config: Config) -> FetchLimits:
    f = config.fetch
    return FetchLimits(
        connect_timeout=f.connect_timeout, total_timeout=f.total_timeout, max_bytes=f.max_bytes,
        max_concurrency=f.max_concurrency, per_host=f.per_host, allow_private=f.allow_private,
    )


class Pipeline:
    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        clock: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
        treaty_index: TreatyIndex | None = None,
        embedder: Embedder | None = None,
        worker: str = "",
    ) -> None:
        self.config = config
        self.embedder = embedder or default_embedder()
        self.worker = worker or default_worker()
        self.store = store
        self.treaty_index = treaty_index
        self.matcher = matcher_for(config)
        self.clock = clock
        self.rng = rng or random.Random()
        self._languages = {f.name: f.language for f in config.feeds}
        self._aggregators = {f.name for f in config.feeds if f.aggregator}
        self._intervals = {f.name: config.interval(f) for f in config.feeds}
        # Folding reads candidates then writes: two feeds folding at once could each miss
        # the other's item and start two stories for one event. Fetching stays concurrent.
        self._fold_lock = asyncio.Lock()
        self._memory = FoldMemory()

    async def sync(self) -> None:
        await self.store.sync_feeds(
            ((f.name, f.url) for f in self.config.feeds), self.clock(), exclusive=True
        )

    async def poll(
        self, fetcher: Fetcher, *, only_due: bool = False, keep_results: bool = False
    ) -> list[FeedReport]:
        """Poll feeds concurrently (the fetcher bounds the concurrency); a failing feed
        is recorded on its row and never stops the others.

        Each item's result (the item, its analysis, why) is kept in the reports only with
        `keep_results`: a first poll of 1,000 feeds would hold 20,000 of them, some 60 MiB.
        """
        if only_due:
            return await self._poll_due(fetcher)
        return await self._poll_feeds(fetcher, await self.store.feeds(), keep_results)

    async def _poll_due(self, fetcher: Fetcher) -> list[FeedReport]:
        """Poll the feeds due now, as the run loop's Poller does (claimed from the store,
        so that other workers take other feeds), until none is left."""
        concurrency = self.config.fetch.max_concurrency
        poller = Poller(self, fetcher, 2 * concurrency, max(1, concurrency // 4))
        reports: list[FeedReport] = []
        try:
            while True:
                reports += await poller.tick()
                if not poller.running:
                    return reports
                await poller.wait(1.0)
        finally:
            await poller.abandon()

    async def _poll_feeds(
        self, fetcher: Fetcher, feeds: Sequence[FeedState], keep_results: bool
    ) -> list[FeedReport]:
        # Feeds fold one at a time (the fold lock), far slower than they download: unbounded,
        # every feed of the cycle would be fetched and parsed at once and wait, parsed, in
        # memory for its turn (tens of MiB at 1,000 feeds). Twice the fetch concurrency
        # keeps the downloads busy while one feed folds.
        in_flight = asyncio.Semaphore(2 * self.config.fetch.max_concurrency)
        # Feeds that answered 304 are written together at the end: one transaction each was
        # most of a cycle in which nothing changed.
        unchanged: list[tuple[int, datetime, datetime]] = []

        async def bounded(feed: FeedState) -> FeedReport:
            async with in_flight:
                return await self._poll_one(fetcher, feed, keep_results, unchanged)

        reports = list(await asyncio.gather(*(bounded(f) for f in feeds)))
        if unchanged:
            await self.store.record_not_modified(unchanged)
        return reports

    async def _poll_one(
        self, fetcher: Fetcher, feed: FeedState, keep_results: bool,
        unchanged: list[tuple[int, datetime, datetime]],
    ) -> FeedReport:
        """A feed's unexpected failure is that feed's failure, not the cycle's; a storage
        failure is every feed's, and is raised."""
        try:
            return await self.poll_feed(fetcher, feed, keep_results=keep_results,
                                        unchanged=unchanged)
        except StorageError:
            raise
        except Exception as exc:
            log.exception("feed %r: unexpected error", feed.name)
            error = f"internal error: {type(exc).__name__}: {one_line(str(exc))[:200]}"
            now = self.clock()
            interval = self._intervals.get(feed.name, self.config.poll.interval)
            await self.store.record_failure(
                feed.id, now, self._next(now, interval, feed.failures + 1), error
            )
            return FeedReport(feed.name, "error", error)

    async def poll_feed(
        self, fetcher: Fetcher, feed: FeedState, *, keep_results: bool = False,
        unchanged: list[tuple[int, datetime, datetime]] | None = None,
    ) -> FeedReport:
        """Poll one feed. A 304 is written at once, or added to `unchanged` for the caller
        to write."""
        result = await fetcher.fetch(feed.url, etag=feed.etag, last_modified=feed.last_modified)
        now = self.clock()
        interval = self._intervals.get(feed.name, self.config.poll.interval)
        if result.status == "not_modified":
            row = (feed.id, now, self._next(now, interval, 0))
            if unchanged is None:
                await self.store.record_not_modified([row])
            else:
                unchanged.append(row)
            return FeedReport(feed.name, "not_modified")
        error = result.error
        parsed = None
        if result.status == "ok":
            try:
                language = self._languages.get(feed.name) or feed.language
                # feedparser is pure Python: a big feed parsed on the event loop would
                # freeze every other fetch of the cycle past its timeout.
                parsed = await asyncio.to_thread(
                    parse_feed, result.body or b"", feed.name, now, language=language,
                    aggregator=feed.name in self._aggregators,
                )
            except ParseError as exc:
                error = str(exc)
        if parsed is None:
            error = error or "unknown error"
            when = self._next(now, interval, feed.failures + 1, result.retry_after)
            await self.store.record_failure(feed.id, now, when, error)
            log_feed_failure(feed.name, error, feed.failures)
            return FeedReport(feed.name, "error", error)
        report = FeedReport(feed.name, "ok")
        results = await self.ingest(feed.id, parsed.items, explain_duplicates=False)
        report.new_items = sum(r.item_id is not None for r in results)
        report.new_stories = sum(r.new_story for r in results)
        if keep_results:
            report.results = results
        await self.store.record_success(
            feed.id, now, self._next(now, interval, 0),
            etag=result.etag, last_modified=result.last_modified, url=result.permanent_url,
        )
        log_feed_recovered(feed.name, feed.failures)
        return report

    def _next(
        self, now: datetime, interval: timedelta, failures: int, retry_after: datetime | None = None
    ) -> datetime:
        return next_poll(
            now, interval, failures, retry_after, cap=self.config.poll.max_backoff,
            rng=self.rng, jitter=self.config.poll.jitter,
        )

    async def ingest(
        self, feed_id: int, items: Sequence[Item], *, deliver: bool = True,
        explain_duplicates: bool = True,
    ) -> list[ItemResult]:
        """Match, embed, fold and store items in feed order (an item can join a story that
        an earlier item of the same feed started). Items stored already are matched only to
        explain them (replay): most of a feed polled again is such items."""
        # One query for the feed: polled again, nearly all its items are stored already.
        stored = await self.store.find_items(feed_id, [(i.guid, i.link) for i in items])
        analyses = [
            self.matcher.analyse(item) if duplicate is None or explain_duplicates
            else Analysis()
            for item, duplicate in zip(items, stored, strict=True)
        ]
        vectors = await self._embed(items, stored)
        async with self._fold_lock:
            guids: set[str] = set()
            links: set[str] = set()
            results = []
            for item, duplicate, analysis, vector in zip(
                items, stored, analyses, vectors, strict=True
            ):
                if duplicate is None and (item.guid in guids or item.link in links):
                    # Twice in the feed: its first copy was stored a moment ago.
                    duplicate = await self.store.find_item(feed_id, item.guid, item.link)
                guids.add(item.guid)
                if item.link:
                    links.add(item.link)
                results.append(await self._ingest_one(
                    feed_id, item, analysis, vector, deliver, duplicate))
            return results

    async def _embed(
        self, items: Sequence[Item], stored: Sequence[tuple[int, int] | None]
    ) -> list[np.ndarray | None]:
        """The vectors of the feed's new items, in one batch, on the embedding thread (a batch
        is a fraction of a second of numpy, which would stall every fetch of the cycle),
        before the fold lock (another feed folds meanwhile).

        Items that matched no topic are embedded and folded too: Seoul's report of a missile
        launch matches no topic, and is one event with KCNA's report of it, which does."""
        wanted = [i for i, duplicate in enumerate(stored) if duplicate is None]
        out: list[np.ndarray | None] = [None] * len(items)
        if not wanted:
            return out
        texts = [embed_text(items[i].title, items[i].summary) for i in wanted]
        for i, vector in zip(wanted, await self.embedder.embed(texts), strict=True):
            out[i] = vector
        return out

    async def _ingest_one(
        self, feed_id: int, item: Item, analysis: Analysis, vector: np.ndarray | None,
        deliver: bool, duplicate: tuple[int, int] | None,
    ) -> ItemResult:
        why: dict[str, Any] = {"topics": {t.topic: list(t.terms) for t in analysis.topics}}
        if duplicate is not None:
            item_id, story_id = duplicate
            why["fold"] = {"how": "same link or guid", "of_item": item_id, "story": story_id}
            why["alert"] = "already stored"
            return ItemResult(item, analysis, None, story_id, False, item_id, None, False, why)
        feats = features(item.title, item.summary, published=item.published,
                         language=item.language)
        phrased = self._phrased(item)
        if phrased:
            why["articles_by_phrasing"] = list(phrased)
        now = self.clock()
        alert, reason = self._alert(item, analysis, now)
        why["alert"] = reason
        # Folding reads candidates, then writes: two workers folding reports of one event
        # at once could each miss the other's item and start two stories. Under the lock
        # (see fold_lock_keys) the second waits until the first is saved, and finds it.
        async with self.store.fold_lock(fold_lock_keys(feats, item.published)):
            for attempt in (1, 2):
                decision = await self._decide(feats, vector, item.published)
                why["fold"] = _explain(decision)
                try:
                    saved = await self.store.save_item(
                        NewItem(
                            feed_id=feed_id, guid=item.guid, link=item.link, title=item.title,
                            summary=item.summary, published=item.published,
                            date_from_feed=item.date_from_feed, first_seen=now,
                            language=item.language, topics=list(analysis.topic_names),
                            articles=list(analysis.articles),
                            troops=[
                                {"figure": c.figure, "claimant": c.claimant,
                                 "sentence": c.sentence, "qualifier": c.qualifier,
                                 "kind": c.kind}
                                for c in analysis.troops
                            ],
                            why=why, features=feats.to_json(),
                            keys=feats.keys(),
                            story_id=decision.story_id, alert=alert and deliver,
                            merge=decision.also,
                            phrased_articles=phrased, outlet=item.outlet,
                            vector=to_blob(vector) if vector is not None else None,
                        ),
                        now,
                    )
                    break
                except StoryGoneError:
                    # Merged away by another worker since the candidates were read (its
                    # fold held other keys): decided again on what is stored now.
                    if attempt == 2:
                        raise
        if saved is not None and saved.merged:
            why["fold"]["merged_stories"] = list(saved.merged)
        if saved is not None and set(decision.also) - set(saved.merged):
            why["fold"]["not_merged_shown"] = sorted(set(decision.also) - set(saved.merged))
        if saved is None:  # stored meanwhile by another writer
            return ItemResult(item, analysis, None, None, False, None, decision, False, why)
        return ItemResult(
            item, analysis, saved.item_id, saved.story_id, saved.new_story, None, decision,
            alert, why,
        )

    def _phrased(self, item: Item) -> tuple[int, ...]:
        if self.treaty_index is None:
            return ()
        return tuple(sorted(self.treaty_index.phrasing_citations(f"{item.title}\n{item.summary}")))

    async def _decide(
        self, feats: Features, vector: np.ndarray | None, published: datetime
    ) -> Decision:
        candidates = await fold_candidates(self.store, feats, published, self._memory)
        return decide(feats, vector, published, candidates)

    def _alert(self, item: Item, analysis: Analysis, now: datetime) -> tuple[bool, str]:
        if not analysis.topics:
            return False, "no topic matched"
        max_age = self.config.poll.max_age
        if item.published < now - max_age:
            return False, f"older than max_age ({_hours(max_age)})"
        return True, "alert"


class Poller:
    """Polls due feeds independently, for `run`: each feed in a task of its own, started as
    slots free up. A feed that hangs holds one slot until its timeout and delays no other due
    feed (a cycle that waits for its slowest feed would).

    Feeds whose last poll failed (a dead or hanging server, mostly) get `failing_slots` of
    their own, a few: however many of them hang at once, the healthy feeds keep the other
    `slots`, and the fetcher's connections with them. A feed whose host already has the
    fetcher's `per_host` requests running waits for the next tick without taking a slot.

    Its loop: `tick()` (collect what ended, start what is due), then `wait()` until a feed
    ends or a second passes, and again.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        fetcher: Fetcher,
        slots: int,
        failing_slots: int,
        spawn: Callable[[Coroutine[Any, Any, FeedReport], str],
                        asyncio.Task[FeedReport | None]] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.fetcher = fetcher
        self.slots = {False: slots, True: failing_slots}
        self._spawn = spawn or (lambda coro, name: asyncio.create_task(coro, name=name))
        self.running: dict[int, tuple[bool, asyncio.Task[FeedReport | None]]] = {}
        self._hosts: dict[int, str] = {}  # the host of each running feed
        # 304s are written together at each tick: one transaction each was most of the
        # work of a poll in which nothing changed.
        self._unchanged: list[tuple[int, datetime, datetime]] = []

    async def tick(self) -> list[FeedReport]:
        """Collect the feeds that ended (their reports), write their 304s, and start the due
        feeds that slots allow. A storage failure of any of them is raised, after the
        others are collected."""
        reports: list[FeedReport] = []
        failure: StorageError | None = None
        for feed_id, (_, task) in list(self.running.items()):
            if not task.done():
                continue
            del self.running[feed_id]
            self._hosts.pop(feed_id, None)
            if task.cancelled():
                continue
            if isinstance(exc := task.exception(), StorageError):
                failure = exc
            elif exc is None and (report := task.result()) is not None:
                reports.append(report)  # None: abandoned at shutdown
        if self._unchanged:
            unchanged, self._unchanged = self._unchanged, []
            await self.pipeline.store.record_not_modified(unchanged)
        if failure is not None:
            raise failure
        hosts = Counter(self._hosts.values())
        for failing, slots in self.slots.items():
            free = slots - sum(lane == failing for lane, _ in self.running.values())
            if free <= 0:
                continue
            # More than the free slots: feeds of a host at its limit are passed over (they
            # would only hold a slot while queued behind it).
            due = await self.pipeline.store.due_feeds(
                self.pipeline.clock(), free * _DUE_PER_SLOT, failing=failing)
            chosen: list[FeedState] = []
            for feed in due:
                if free <= 0:
                    break
                host = URL(feed.url).host or ""
                if feed.id in self.running or hosts[host] >= self.fetcher.limits.per_host:
                    continue
                free -= 1
                hosts[host] += 1
                chosen.append(feed)
            # Other workers poll the same database: each feed is polled by the one that
            # claims it (a lease, until its poll is recorded or workers.lease runs out).
            claimed = set(await self.pipeline.store.claim_feeds(
                self.pipeline.worker, [f.id for f in chosen], self.pipeline.clock(),
                self.pipeline.config.workers.lease))
            for feed in chosen:
                if feed.id not in claimed:
                    continue
                self._hosts[feed.id] = URL(feed.url).host or ""
                self.running[feed.id] = (failing, self._spawn(
                    self.pipeline._poll_one(self.fetcher, feed, False, self._unchanged),
                    f"poll {feed.name}",
                ))
        return reports

    async def abandon(self) -> None:
        """Cancel the feeds still running and wait until they ended (their transactions
        rolled back): a cancelled feed is polled again when next due."""
        tasks = [task for _, task in self.running.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.running.clear()
        self._hosts.clear()

    async def wait(self, seconds: float, stop: asyncio.Event | None = None) -> None:
        """Until a running feed ends (its slot is free), `seconds` pass (more feeds
        may be due), or `stop` is set."""
        waiting: list[asyncio.Future[Any]] = [task for _, task in self.running.values()]
        if stop is not None:
            waiting.append(asyncio.ensure_future(stop.wait()))
        if not waiting:
            await asyncio.sleep(seconds)
            return
        try:
            await asyncio.wait(waiting, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if stop is not None:
                waiting[-1].cancel()


async def fold_candidates(
    store: Store, feats: Features, published: datetime, memory: FoldMemory | None = None,
) -> list[Candidate]:
    """The stored items an item published then may join, as `decide` takes them: the near
    copies its MinHash keys find within two weeks, and the embedded items of two days.
    The features and vectors of those `memory` holds are neither read nor decoded again;
    the others are, and are remembered."""
    memory = memory if memory is not None else FoldMemory(0)
    keyed = {c.item_id: c for c in await store.candidates(
        feats.keys(), published - SYNDICATION_WINDOW, published + SYNDICATION_WINDOW)}
    window = await store.window(published - EVENT_WINDOW, published + EVENT_WINDOW)
    known = {w.item_id: memory.get(w.item_id, w.published) for w in window}
    unread = [item_id for item_id, found in known.items() if found is None]
    read = [c for c in (await store.fold_items(unread) if unread else ()) if c.vector]
    for c, vector in zip(read, from_blobs([c.vector for c in read if c.vector]), strict=True):
        remembered = Remembered(c.published, stored_features(c.features_json), vector)
        known[c.item_id] = remembered
        memory.put(c.item_id, remembered)
    # A near copy outside the window is compared by its sketch only: no vector needed.
    out = [Candidate(c.item_id, c.story_id, c.published, stored_features(c.features_json),
                     None, c.story_first) for c in keyed.values() if c.item_id not in known]
    out += [Candidate(w.item_id, w.story_id, w.published, found.features, found.vector,
                      w.story_first, w.item_id in keyed)
            for w in window if (found := known[w.item_id]) is not None]
    return out


def fold_lock_keys(feats: Features, published: datetime) -> list[str]:
    """What an item's fold locks: its near-copy keys (fold_candidates finds near copies by
    them), and each day of its event window (it compares its vector with every embedded
    item of those days). Two items that can be candidates of each other share a key, or
    the day of the earlier one. Live news all falls on today: their folds take turns."""
    first = (published - EVENT_WINDOW).date()
    days = (published + EVENT_WINDOW).date().toordinal() - first.toordinal() + 1
    return [*feats.keys(),
            *(f"day:{date.fromordinal(first.toordinal() + n)}" for n in range(days))]


def _explain(decision: Decision) -> dict[str, Any]:
    if decision.how == "new":
        return {"how": "new story", **decision.detail}
    if decision.how == "syndicated":
        return {"how": "syndicated copy", "of_item": decision.item_id,
                "similarity": decision.score, "story": decision.story_id}
    return {"how": "same event", "story": decision.story_id, "score": decision.score,
            **decision.detail}


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} h"
