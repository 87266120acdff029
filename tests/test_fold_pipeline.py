"""Folding as the pipeline does it: real SQLite, the real model, items of several feeds."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np

from bot.config import Config
from bot.embed import Embedder
from bot.fold import features
from bot.fold_memory import FoldMemory, Remembered
from bot.models import Item
from bot.pipeline import Pipeline, fold_candidates
from bot.urls import canonical_url
from storage import SQLiteStore
from tests.conftest import Clock

T0 = datetime(2024, 11, 12, 6, 0, tzinfo=UTC)
WIRE_TITLE = "North Korea ratifies defence treaty with Russia"
WIRE_SUMMARY = (
    "North Korea has ratified a mutual defence treaty with Russia, state media KCNA said on "
    "Tuesday. Kim Jong Un signed a decree ratifying the Comprehensive Strategic Partnership "
    "treaty, which Putin and Kim signed in Pyongyang in June."
)


class CountingEmbedder(Embedder):
    """The real model, noting each batch it is given and the thread it runs on."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []
        self.threads: set[int] = set()

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        self.batches.append(list(texts))
        self.threads.add(threading.get_ident())
        return super().vectors(texts)


async def feed_id(store: SQLiteStore, name: str, clock: Clock) -> int:
    await store.sync_feeds([(name, f"https://{name}.example/rss")], clock.now)
    return next(f.id for f in await store.feeds() if f.name == name)


def item(feed: str, guid: str, title: str, summary: str, clock: Clock, link: str = "",
         minutes: int = 0, language: str = "en") -> Item:
    return Item(guid, canonical_url(link or f"https://{feed}.example/{guid}"), title, summary,
                clock.now + timedelta(minutes=minutes), feed, language)


async def test_a_copy_under_its_own_tracking_link_joins_the_original_story(
    config: Config, store: SQLiteStore, clock: Clock
) -> None:
    pipeline = Pipeline(config, store, clock=clock)
    wire = item("wire", "w1", WIRE_TITLE, WIRE_SUMMARY, clock)
    copy = item("daily", "d1", "N. Korea's Kim ratifies mutual defence pact with Russia - KCNA",
                WIRE_SUMMARY + " Russia's parliament approved the treaty last week.", clock,
                link="https://daily.example/world/1?utm_source=rss&utm_medium=feed", minutes=40)
    [first] = await pipeline.ingest(await feed_id(store, "wire", clock), [wire])
    [second] = await pipeline.ingest(await feed_id(store, "daily", clock), [copy])
    assert second.story_id == first.story_id
    assert second.why["fold"]["how"] == "syndicated copy"
    assert second.item.link == "https://daily.example/world/1"


async def test_a_launch_reported_by_kcna_and_by_seoul_is_one_story_though_seoul_has_no_topic(
    config: Config, store: SQLiteStore, clock: Clock
) -> None:
    pipeline = Pipeline(config, store, clock=clock)
    kcna = item(
        "kcna", "k1", "KCNA: DPRK test-fires new-type ICBM Hwasong-19",
        "The Missile General Bureau of the DPRK successfully test-fired the new-type "
        "intercontinental ballistic missile Hwasong-19 on Thursday, the Korean Central News "
        "Agency reported.", clock)
    seoul = item(
        "yonhap", "y1", "북한, 동해상으로 ICBM 발사…합참 \"고각으로 발사\"",
        "북한이 31일 오전 동해상으로 대륙간탄도미사일(ICBM) 1발을 고각으로 발사했다고 "
        "합동참모본부가 밝혔다. 신형 고체연료 ICBM일 가능성이 제기된다.", clock,
        minutes=-600, language="ko")
    [first] = await pipeline.ingest(await feed_id(store, "yonhap", clock), [seoul])
    [second] = await pipeline.ingest(await feed_id(store, "kcna", clock), [kcna])
    assert first.analysis.topic_names == ()  # outside the topic vocabulary
    assert "kcna" in second.analysis.topic_names
    assert second.story_id == first.story_id
    assert second.why["fold"]["how"] == "same event"


async def test_a_feeds_new_items_are_embedded_in_one_batch_off_the_event_loop(
    config: Config, store: SQLiteStore, clock: Clock
) -> None:
    embedder = CountingEmbedder()
    pipeline = Pipeline(config, store, clock=clock, embedder=embedder)
    fid = await feed_id(store, "wire", clock)
    items = [item("wire", f"w{i}", f"{WIRE_TITLE} ({i})", WIRE_SUMMARY, clock, minutes=i)
             for i in range(3)]
    await pipeline.ingest(fid, items[:2])
    await pipeline.ingest(fid, items)  # polled again: one new item
    assert [len(batch) for batch in embedder.batches] == [2, 1]
    assert threading.get_ident() not in embedder.threads


async def test_the_fold_reads_the_stored_vectors_instead_of_embedding_again(
    config: Config, store: SQLiteStore, clock: Clock
) -> None:
    embedder = CountingEmbedder()
    pipeline = Pipeline(config, store, clock=clock, embedder=embedder)
    [first] = await pipeline.ingest(await feed_id(store, "wire", clock),
                                    [item("wire", "w1", WIRE_TITLE, WIRE_SUMMARY, clock)])
    korean = item("yonhap", "y1", "북한 김정은, 북러 조약 비준…조선중앙통신 보도",
                  "북한이 러시아와 체결한 조약을 비준했다고 조선중앙통신이 보도했다.", clock,
                  minutes=90, language="ko")
    [second] = await pipeline.ingest(await feed_id(store, "yonhap", clock), [korean])
    assert second.story_id == first.story_id
    assert embedder.batches == [[f"{WIRE_TITLE}. {WIRE_SUMMARY}"],
                                [f"{korean.title}. {korean.summary}"]]


async def test_a_stored_report_is_decoded_once_for_every_fold_after_it(
    config: Config, store: SQLiteStore, clock: Clock
) -> None:
    await Pipeline(config, store, clock=clock).ingest(
        await feed_id(store, "wire", clock), [item("wire", "w1", WIRE_TITLE, WIRE_SUMMARY, clock)])
    memory = FoldMemory()
    later = clock.now + timedelta(hours=1)
    [first] = await fold_candidates(store, features(WIRE_TITLE, ""), later, memory)
    [again] = await fold_candidates(store, features(WIRE_TITLE, ""), later, memory)
    assert again.vector is first.vector


async def test_the_fold_memory_never_takes_another_items_entry_under_the_same_id(
    config: Config, store: SQLiteStore, clock: Clock
) -> None:
    [stored] = await Pipeline(config, store, clock=clock).ingest(
        await feed_id(store, "wire", clock), [item("wire", "w1", WIRE_TITLE, WIRE_SUMMARY, clock)])
    memory = FoldMemory()
    assert stored.item_id is not None
    stale = Remembered(clock.now - timedelta(days=3), features("other", ""), np.zeros(512))
    memory.put(stored.item_id, stale)
    [found] = await fold_candidates(store, features(WIRE_TITLE, ""), clock.now, memory)
    assert found.features == features(WIRE_TITLE, WIRE_SUMMARY, published=clock.now,
                                      language="en")
    assert found.vector is not None and found.vector.any()


def test_the_fold_memory_forgets_its_oldest_entries_beyond_its_limit() -> None:
    memory = FoldMemory(limit=2)
    entry = Remembered(T0, features("a", ""), None)
    for item_id in (1, 2, 3):
        memory.put(item_id, entry)
    assert (len(memory), memory.get(1, T0), memory.get(3, T0)) == (2, None, entry)
