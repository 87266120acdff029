"""Section 6: storage. Items saved per second, and the database size per 10,000 items.

Items are prepared first (matched, featured, their story decided: a report of an event
already stored joins that event's story), then saved feed by feed (20 items per feed)
into a new database with three subscribed channels, so alerts queue outbox rows as in
production:

* one transaction per item: SQLiteStore.save_item, as the pipeline calls it;
* one transaction per feed: SQLiteStore.save_items.

The store commits items with `PRAGMA synchronous = NORMAL` and delivery records with FULL
(on disk when the commit returns). The per-item run is made again with FULL for every
commit, to say what that would cost per item; and the delivery records (`mark_sending`,
`mark_delivered`: two durable commits per post) are timed per post.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.dataset import _matcher, as_item, stream
from benchmarks.measure import child_main, peak_rss_mib
from bot.fold import features
from storage import NewItem, SQLiteStore, Subscription

PER_FEED = 20


def _prepare(n: int) -> list[tuple[int, NewItem]]:
    """(event, item) pairs; story_id is filled in at save time from the event."""
    matcher = _matcher()
    source = stream(seed=5)
    now = datetime(2030, 1, 1, tzinfo=UTC)
    out = []
    for _ in range(n):
        gen = next(source)
        item = as_item(gen)
        a = matcher.analyse(item)
        feats = features(item.title, item.summary)
        out.append((gen.event, NewItem(
            feed_id=1, guid=item.guid, link=item.link, title=item.title, summary=item.summary,
            published=item.published, date_from_feed=True, first_seen=now,
            language=item.language, topics=list(a.topic_names), articles=list(a.articles),
            troops=[{"figure": c.figure, "claimant": c.claimant, "sentence": c.sentence}
                    for c in a.troops],
            why={"topics": {t.topic: list(t.terms) for t in a.topics},
                 "fold": {"how": "new story"}, "alert": "alert"},
            features=feats.to_json(), keys=feats.keys(), story_id=None,
            alert=bool(a.topics),
        )))
    return out


async def _save(
    db: Path, prepared: list[tuple[int, NewItem]], batched: bool, synchronous: str = "NORMAL"
) -> float:
    store = await SQLiteStore.open(db)
    try:
        if synchronous != "NORMAL":  # the counterfactual: what the store does not do
            await store._db.execute(f"PRAGMA synchronous = {synchronous}")
        now = datetime.now(UTC)
        await store.sync_feeds([("bench", "https://bench.example/feed")], now)
        await store.sync_config_subscriptions(
            Subscription("discord", str(100 + i), t, None, "config")
            for i, t in enumerate(("treaty", "troops", "kcna"))
        )
        stories: dict[int, int] = {}
        t0 = time.perf_counter()
        for start in range(0, len(prepared), PER_FEED):
            feed = prepared[start : start + PER_FEED]
            known = dict(stories)  # decisions see what was stored before this feed
            items = [_with_story(item, known.get(event)) for event, item in feed]
            if batched:
                saved = await store.save_items(items, now)
            else:
                saved = [await store.save_item(item, now) for item in items]
            for (event, _), result in zip(feed, saved, strict=True):
                if result is not None:
                    stories.setdefault(event, result.story_id)
        elapsed = time.perf_counter() - t0
    finally:
        await store.close()
    return elapsed


async def _deliveries(db: Path, posts: int = 200) -> int:
    """µs per post of the two durable delivery records around it."""
    store = await SQLiteStore.open(db)
    try:
        entries = await store.pending("discord", limit=posts)
        now = datetime.now(UTC)
        t0 = time.perf_counter()
        for entry in entries:
            await store.mark_sending(entry, now)
            await store.mark_delivered(entry, f"m{entry.id}", now)
        return round((time.perf_counter() - t0) / max(1, len(entries)) * 1e6)
    finally:
        await store.close()


def _with_story(item: NewItem, story: int | None) -> NewItem:
    return replace(item, story_id=story)


def _size(db: Path, items: int) -> dict[str, float]:
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        by_table = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
    finally:
        conn.close()
    per = 10_000 / items / 2**20
    groups = {
        "items": ("items", "items_link", "items_story", "sqlite_autoindex_items_1"),
        "item_keys": ("item_keys", "item_keys_lookup"),
        "stories": ("stories", "stories_published"),
    }
    out = {"db_mib_per_10k_items": round(db.stat().st_size * per, 2)}
    for name, tables in groups.items():
        out[f"{name}_mib_per_10k"] = round(sum(by_table.get(t, 0) for t in tables) * per, 2)
    return out


def run(params: dict[str, Any]) -> dict[str, Any]:
    n = int(params.get("items", 10_000))
    prepared = _prepare(n)
    result: dict[str, Any] = {"items": n, "items_per_feed": PER_FEED}
    with tempfile.TemporaryDirectory(prefix="tw-bench-") as tmp:
        single = Path(tmp) / "per-item.sqlite"
        elapsed = asyncio.run(_save(single, prepared, batched=False))
        result["per_item_tx_items_per_s"] = round(n / elapsed)
        result["per_item_tx_us_per_item"] = round(elapsed / n * 1e6)
        result["delivery_records_us_per_post"] = asyncio.run(_deliveries(single))
        result.update(_size(single, n))
        full = Path(tmp) / "per-item-full.sqlite"
        full_elapsed = asyncio.run(_save(full, prepared, batched=False, synchronous="FULL"))
        result["per_item_tx_full_us_per_item"] = round(full_elapsed / n * 1e6)
        result["synchronous_full_cost_us_per_item"] = round((full_elapsed - elapsed) / n * 1e6)
        batched = Path(tmp) / "per-feed.sqlite"
        elapsed = asyncio.run(_save(batched, prepared, batched=True))
        result["per_feed_tx_items_per_s"] = round(n / elapsed)
    result["peak_rss_mib"] = round(peak_rss_mib(), 1)
    return result


if __name__ == "__main__":
    child_main(run)
