"""A database of N stored stories, built fast, for the folding, command and digest figures.

Each item carries a sentence vector, as the pipeline stores it. The items of the last
EMBEDDED_DAYS days (the only ones a fold of the next items reads) get the model's vectors;
older ones seeded random unit vectors of the same size, so that the database has the size it
would have without spending an hour of the model on items no query reads.

The items come from the corpus stream (about 1.4 reports per story, 100 stories a day, so
100,000 stories cover nearly three years), matched and folded-featured by the real code.
They are written straight into the schema that SQLiteStore creates, in one transaction:
going through save_item would take minutes and measure storage, which section 6 does.
Each item's story is its event's (reports of one event are one story), which is what folding
would conclude on this stream, without the cost of running it.

The stream goes on past the stored items: those next items are the ones folded in the
folding benchmark (new reports of recent events, syndicated copies, unrelated news).

Beyond GENERATED_STORIES stories (about 100 days), older stories are copies of the generated
ones, dated before them: the same texts, analyses and features under their own ids, guids,
links and dates. Generating and analysing every one of 140,000 items costs ~4 ms each (ten
minutes of a core, and gigabytes of distinct strings); no fold reads items that old (it
reads two weeks), while the tables and indexes still hold as many rows as real news would.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.corpus import TOPICAL_SHARE, GenItem, Stream, World
from bot.embed import DIM, default_embedder, embed_text, to_blob
from bot.fold import features
from bot.models import Item
from bot.pipeline import matcher_for
from bot.samples import bundled_config
from storage import SQLiteStore

PER_DAY = 140.0  # items a day
START = datetime(2022, 6, 1, tzinfo=UTC)
FEEDS = 12
EMBEDDED_DAYS = 3
GENERATED_STORIES = 5_000


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stream(seed: int = 1) -> Stream:
    world = World(seed, START, topical_per_day=PER_DAY * TOPICAL_SHARE / 3.5,
                  other_per_day=PER_DAY * (1 - TOPICAL_SHARE) * 3)
    return Stream(seed, world, START, per_day=PER_DAY)


def feed_of(item: GenItem) -> str:
    return f"outlet {sum(item.guid.encode()) % FEEDS}"


def as_item(item: GenItem) -> Item:
    return Item(item.guid, item.link, item.title, item.summary, item.published, feed_of(item),
                item.language)


def _matcher() -> Any:
    return matcher_for(bundled_config())


async def _schema(path: Path) -> None:
    store = await SQLiteStore.open(path)
    await store.close()


def build(path: Path, stories: int, queries: int, seed: int = 1) -> dict[str, Any]:
    """Store `stories` stories; return the dataset's figures and the next `queries` items."""
    asyncio.run(_schema(path))
    matcher = _matcher()
    source = stream(seed)
    story_of: dict[int, int] = {}
    item_rows: list[tuple[Any, ...]] = []
    key_rows: list[tuple[Any, ...]] = []
    cite_rows: list[tuple[Any, ...]] = []
    troop_rows: list[tuple[Any, ...]] = []
    story_rows: dict[int, list[Any]] = {}
    feed_ids = {f"outlet {i}": i + 1 for i in range(FEEDS)}
    item_id = 0
    generated = min(stories, GENERATED_STORIES)
    while True:
        gen = next(source)
        if gen.event not in story_of and len(story_of) >= generated:
            break  # the next new event would be one story too many
        item_id += 1
        item = as_item(gen)
        analysis = matcher.analyse(item)
        feats = features(item.title, item.summary)
        new = gen.event not in story_of
        story = story_of.setdefault(gen.event, len(story_of) + 1)
        published = _ts(item.published)
        why = {"topics": {t.topic: list(t.terms) for t in analysis.topics},
               "fold": {"how": "new story"} if new else {"how": "same event", "story": story},
               "alert": "alert" if analysis.topics else "no topic matched"}
        item_rows.append((
            item_id, feed_ids[item.feed], story, item.guid, item.link, item.title, item.summary,
            published, 1, published, item.language, json.dumps(list(analysis.topic_names)),
            json.dumps(list(analysis.articles)), json.dumps(why, ensure_ascii=False),
            json.dumps(feats.to_json()), int(bool(analysis.topics)),
            embed_text(item.title, item.summary),
        ))
        key_rows += [(key, item_id, published) for key in dict.fromkeys(feats.keys())]
        cite_rows += [(item_id, n, "number", published) for n in analysis.articles]
        troop_rows += [(item_id, c.figure, c.claimant, c.sentence) for c in analysis.troops]
        row = story_rows.get(story)
        if row is None:
            story_rows[story] = [story, item.title, item.link, item.summary[:2000], published,
                                 published, published, published, set(analysis.topic_names),
                                 list(analysis.articles), 1, int(bool(analysis.topics))]
        else:
            row[5] = row[7] = max(row[7], published)
            row[6] = min(row[6], published)
            row[8] |= set(analysis.topic_names)
            row[9] = list(dict.fromkeys([*row[9], *analysis.articles]))
            row[10] += 1
            row[11] = max(row[11], int(bool(analysis.topics)))
    last = item_rows[-1][7] if item_rows else _ts(START)
    item_rows = _with_vectors(item_rows, last)
    _add_older(stories - len(story_rows), item_rows, key_rows, cite_rows, troop_rows,
               story_rows)
    _write(path, feed_ids, item_rows, key_rows, cite_rows, troop_rows, story_rows)
    upcoming = [next(source) for _ in range(queries)]
    return {
        "stories": len(story_rows), "items": len(item_rows), "keys": len(key_rows),
        "first": min((row[7] for row in item_rows), default=_ts(START)), "last": last,
        "queries": [_dump(g) for g in upcoming],
    }


def _with_vectors(rows: list[tuple[Any, ...]], last: str) -> list[tuple[Any, ...]]:
    """Each row with its vector in place of the text to embed (see the module's doc)."""
    since = _ts(datetime.fromisoformat(last.replace("Z", "+00:00"))
                - timedelta(days=EMBEDDED_DAYS))
    recent = [i for i, row in enumerate(rows) if row[7] >= since]
    vectors = dict(zip(recent, default_embedder().vectors([rows[i][-1] for i in recent]),
                       strict=True))
    rng = np.random.default_rng(1)
    out = []
    for i, row in enumerate(rows):
        vector = vectors.get(i)
        if vector is None:
            vector = rng.standard_normal(DIM).astype(np.float32)
            vector /= np.linalg.norm(vector)
        out.append((*row[:-1], to_blob(vector)))
    return out


def _add_older(count: int, items: list[tuple[Any, ...]], keys: list[tuple[Any, ...]],
               cites: list[tuple[Any, ...]], troops: list[tuple[Any, ...]],
               stories: dict[int, list[Any]]) -> None:
    """`count` more stories, dated before START: the generated ones again, oldest first
    reused for the most recent copies, each copy a day per PER_DAY items further back."""
    if count <= 0 or not items:
        return
    by_story: dict[int, list[tuple[Any, ...]]] = {}
    for row in items:
        by_story.setdefault(row[2], []).append(row)
    keys_of: dict[int, list[str]] = {}
    for key, item_id, _ in keys:
        keys_of.setdefault(item_id, []).append(key)
    cites_of: dict[int, list[tuple[Any, ...]]] = {}
    for cite in cites:
        cites_of.setdefault(cite[0], []).append(cite)
    troops_of: dict[int, list[tuple[Any, ...]]] = {}
    for troop in troops:
        troops_of.setdefault(troop[0], []).append(troop)
    originals = list(by_story)
    rng = np.random.default_rng(2)
    step = timedelta(days=1) / PER_DAY
    when = START
    item_id, story_id = max(r[0] for r in items), max(stories)
    for n in range(count):
        source = originals[n % len(originals)]
        story_id += 1
        copy = n // len(originals) + 1
        rows = by_story[source]
        first = when - step * len(rows)
        last = first + step * (len(rows) - 1)
        for k, row in enumerate(rows):
            item_id += 1
            published = _ts(first + step * k)
            why = json.loads(row[13])
            why["fold"] = ({"how": "new story"} if k == 0
                           else {"how": "same event", "story": story_id})
            vector = rng.standard_normal(DIM).astype(np.float32)
            vector /= np.linalg.norm(vector)
            items.append((item_id, row[1], story_id, f"{row[3]}#old{copy}",
                          f"{row[4]}?old={copy}", row[5], row[6], published, 1, published,
                          *row[10:13], json.dumps(why, ensure_ascii=False), row[14], row[15],
                          to_blob(vector)))
            keys += [(key, item_id, published) for key in keys_of.get(row[0], ())]
            cites += [(item_id, c[1], c[2], published) for c in cites_of.get(row[0], ())]
            troops += [(item_id, *t[1:]) for t in troops_of.get(row[0], ())]
        original = stories[source]
        stories[story_id] = [story_id, original[1], f"{original[2]}?old={copy}", original[3],
                             _ts(first), _ts(last), _ts(first), _ts(last), set(original[8]),
                             list(original[9]), len(rows), original[11]]
        when = first


def _dump(item: GenItem) -> dict[str, Any]:
    return {"guid": item.guid, "link": item.link, "title": item.title, "summary": item.summary,
            "published": item.published.isoformat(), "language": item.language,
            "feed": feed_of(item), "copy_of": item.copy_of, "event": item.event}


def load_item(data: dict[str, Any]) -> Item:
    return Item(data["guid"], data["link"], data["title"], data["summary"],
                datetime.fromisoformat(data["published"]), data["feed"], data["language"])


def _write(path: Path, feed_ids: dict[str, int], items: list[tuple[Any, ...]],
           keys: list[tuple[Any, ...]], cites: list[tuple[Any, ...]],
           troops: list[tuple[Any, ...]], stories: dict[int, list[Any]]) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("PRAGMA foreign_keys = OFF")  # rows go in parents first anyway; faster
        db.execute("BEGIN")
        added = _ts(START - timedelta(days=1))
        db.executemany(
            "INSERT INTO feeds (id, name, config_url, url, added_at) VALUES (?, ?, ?, ?, ?)",
            [(i, name, f"https://{i}.example/feed", f"https://{i}.example/feed", added)
             for name, i in feed_ids.items()],
        )
        db.executemany(
            """INSERT INTO stories (id, title, link, summary, created_at, updated_at,
               first_published, last_published, topics, articles, item_count, alerted)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [(*r[:8], json.dumps(sorted(r[8])), json.dumps(r[9]), r[10], r[11])
             for r in stories.values()],
        )
        db.executemany(
            """INSERT INTO items (id, feed_id, story_id, guid, link, title, summary, published,
               date_from_feed, first_seen, language, topics, articles, why, features, alerted,
               vector)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            items,
        )
        db.executemany("INSERT INTO item_keys (key, item_id, published) VALUES (?, ?, ?)", keys)
        db.executemany(
            """INSERT OR IGNORE INTO article_citations (item_id, article, how, published)
               VALUES (?, ?, ?, ?)""",
            cites,
        )
        db.executemany(
            "INSERT INTO troop_claims (item_id, figure, claimant, sentence) VALUES (?, ?, ?, ?)",
            troops,
        )
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def run(params: dict[str, Any]) -> dict[str, Any]:
    return build(Path(params["path"]), int(params["stories"]), int(params.get("queries", 0)))


if __name__ == "__main__":
    from benchmarks.measure import child_main

    child_main(run)
