"""`python -m benchmarks.farm_folding`: what folding makes of the benchmark farm's items.

The farm's feeds (benchmarks/corpus.py, as benchmarks/farm.py serves them) are ingested
feed by feed, as a cold poll does, through the real pipeline into a temporary SQLite file,
without HTTP. The generator knows which event each item reports, so besides the largest
story and the story-size histogram (the poll benchmark's figures) this scores the stories
as the quality benchmark scores real news: story-pair precision and recall against the
generator's events.

What a sane outcome is: the farm's topical events are few (30 a day) and each is reported by
many outlets, so their stories are large; its other news is many events (they grow with the
number of feeds), each reported once or twice from one template pool. Reports of two
events written from the same templates read alike to a sentence model, so some merging of
other news is expected; a story holding thousands of items of thirty hours is not.

    python -m benchmarks.farm_folding --feeds 300            # 6,000 items
    python -m benchmarks.farm_folding --feeds 100 --json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from collections import Counter
from collections.abc import Hashable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.corpus import TOPICAL_SHARE, _farm_items, feed_language, rss
from benchmarks.poll_ours import _histogram
from bot.commands.treaty import Knowledge
from bot.embed import default_embedder, embed_text
from bot.fold import BACKGROUND_SHARE, EVENT_THRESHOLD
from bot.parse import parse_feed
from bot.pipeline import Pipeline
from bot.samples import bundled_config
from storage import SQLiteStore

_NEWEST = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def _pairs(groups: Iterable[Hashable]) -> int:
    return sum(n * (n - 1) // 2 for n in Counter(groups).values())


def likeness(made: list[list[Any]], sample: int = 1000) -> dict[str, float | int]:
    """How alike the farm's reports are to the fold: over a sample of items, the share of
    pairs whose cosine, with half the sample's mean taken out as the fold does in a busy
    window, reaches the join threshold; for pairs of one event and of different events."""
    items = [gen for entries in made for gen in entries][:sample]
    vectors = default_embedder().vectors([embed_text(g.title, g.summary) for g in items])
    relative = vectors - BACKGROUND_SHARE * vectors.mean(axis=0)
    relative /= np.linalg.norm(relative, axis=1, keepdims=True)
    sims = relative @ relative.T
    upper = np.triu_indices(len(items), 1)
    events = np.array([g.event for g in items])
    topical = np.array([g.topical for g in items])
    same = (events[:, None] == events[None, :])[upper]
    both_topical = (topical[:, None] & topical[None, :])[upper]
    reach = sims[upper] >= EVENT_THRESHOLD
    return {"items": len(items), "same_event": round(float(reach[same].mean()), 3),
            "different_events": round(float(reach[~same].mean()), 3),
            "different_topical_events": round(float(reach[~same & both_topical].mean()), 3)}


def pair_scores(truth: list[int], predicted: list[int]) -> dict[str, float | int]:
    """Story-pair precision and recall from the contingency counts (no n² loop)."""
    tp = _pairs(zip(truth, predicted, strict=True))
    guessed, same = _pairs(predicted), _pairs(truth)
    return {"precision": round(tp / guessed, 4) if guessed else 1.0,
            "recall": round(tp / same, 4) if same else 1.0,
            "tp": tp, "fp": guessed - tp, "fn": same - tp}


async def fold_farm(feeds: int, items: int, topical_share: float, db: Path) -> dict[str, Any]:
    made = _farm_items(feeds, items, _NEWEST, topical_share)
    store = await SQLiteStore.open(db)
    try:
        pipeline = Pipeline(bundled_config(), store, clock=lambda: _NEWEST,
                            treaty_index=Knowledge.load().index)
        names = [f"outlet {i}" for i in range(feeds)]
        await store.sync_feeds([(n, f"https://outlet{i}.example/feed")
                                for i, n in enumerate(names)], _NEWEST)
        feed_ids = {f.name: f.id for f in await store.feeds()}
        event_of: dict[int, tuple[int, bool]] = {}
        started = time.perf_counter()
        for i, entries in enumerate(made):
            document = rss(names[i], f"https://outlet{i}.example/", feed_language(i),
                           list(reversed(entries)))
            parsed = parse_feed(document, names[i], _NEWEST, language=feed_language(i))
            by_guid = {e.guid: e for e in entries}
            results = await pipeline.ingest(feed_ids[names[i]], parsed.items, deliver=False)
            for parsed_item, result in zip(parsed.items, results, strict=True):
                item_id = result.item_id if result.item_id is not None else result.duplicate_of
                gen = by_guid[parsed_item.guid]
                if item_id is not None:
                    event_of[item_id] = (gen.event, gen.topical)
        elapsed = time.perf_counter() - started
        stories = await store.item_story_ids()
        sizes = await store.story_sizes()
    finally:
        await store.close()
    ids = sorted(event_of)
    truth = [event_of[i][0] for i in ids]
    predicted = [stories[i] for i in ids]
    topical = [i for i in ids if event_of[i][1]]
    events = Counter(truth)
    members: dict[int, list[int]] = {}
    for i in ids:
        members.setdefault(stories[i], []).append(i)
    largest = max(members.values(), key=len, default=[])
    return {
        "feeds": feeds, "items": len(ids), "seconds": round(elapsed, 1),
        "events": len(events), "largest_event": max(events.values(), default=0),
        "stories": sum(sizes.values()), "largest_story": max(sizes, default=0),
        "story_sizes": _histogram(sizes),
        "event_sizes": _histogram(Counter(events.values())),
        "largest_story_events": len({event_of[i][0] for i in largest}),
        "largest_story_topical": sum(event_of[i][1] for i in largest),
        "likeness": likeness(made),
        "pairs": pair_scores(truth, predicted),
        "topical_pairs": pair_scores([event_of[i][0] for i in topical],
                                     [stories[i] for i in topical]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=300)
    parser.add_argument("--items", type=int, default=20, help="items per feed")
    parser.add_argument("--topical-share", type=float, default=TOPICAL_SHARE)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(fold_farm(args.feeds, args.items, args.topical_share,
                                       Path(tmp) / "farm.db"))
    if args.json:
        print(json.dumps(result))
        return
    pairs, topical = result["pairs"], result["topical_pairs"]
    print(f"farm {result['feeds']} feeds: {result['items']} items of {result['events']} "
          f"events (largest {result['largest_event']}), folded in {result['seconds']} s")
    print(f"stories {result['stories']}, largest {result['largest_story']} "
          f"({result['largest_story_topical']} of them topical, reporting "
          f"{result['largest_story_events']} events)")
    print("story sizes  " + ", ".join(f"{k}: {v}" for k, v in result["story_sizes"].items()))
    print("event sizes  " + ", ".join(f"{k}: {v}" for k, v in result["event_sizes"].items()))
    like = result["likeness"]
    print(f"pairs reaching the join threshold (relative cosine ≥ {EVENT_THRESHOLD}, "
          f"{like['items']:,} items): same event {like['same_event']:.0%}, different events "
          f"{like['different_events']:.0%} (both topical {like['different_topical_events']:.0%})")
    print(f"story pairs  precision {pairs['precision']:.3f} recall {pairs['recall']:.3f}  "
          f"(topical items only: precision {topical['precision']:.3f} "
          f"recall {topical['recall']:.3f})")


if __name__ == "__main__":
    main()
