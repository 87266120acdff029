"""Section 4: embedding and folding one new item against 1,000, 10,000 and 100,000 stored
stories.

Embed = the item's sentence vector, in batches of 20 (a feed's items, as the pipeline
batches them): each item is charged its batch's time over 20. Fold = what the pipeline does
between embedding and saving: the item's features, the candidates queries (near copies on
item_keys, the embedded items of ±48 h on items_embedded), and the decision. Timed per item
over the items that follow the stored ones in the stream: new reports of recent events,
syndicated copies, other news.

Also: the query plans (each must search an index, not scan), how many candidate rows a query
returns, and the size of the indexes and of the stored vectors.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.dataset import load_item
from benchmarks.measure import Latencies, child_main, peak_rss_mib, rss_mib
from bot.embed import default_embedder, embed_text
from bot.fold import decide, features
from bot.fold_memory import FoldMemory
from bot.pipeline import fold_candidates
from storage import SQLiteStore

BATCH = 20


async def _fold_all(db: Path, queries: list[dict[str, Any]]) -> dict[str, Any]:
    items = [load_item(q) for q in queries]
    texts = [embed_text(item.title, item.summary) for item in items]
    embedder = default_embedder()
    embedder.vectors(texts[:BATCH])  # the model loads once per process, not per item
    store = await SQLiteStore.open(db)
    statements: list[str] = []
    # The poller keeps the decoded candidates of the items it met (bot/pipeline.py): the
    # warm-up round fills it as a running poller's earlier folds would.
    memory = FoldMemory()
    # The inputs stay alive throughout: out of the collector's way, so that its passes over
    # them are not counted as folding time.
    gc.freeze()
    try:
        latencies, embedding, folding = Latencies(), Latencies(), Latencies()
        counts: list[int] = []
        decisions: Counter[str] = Counter()
        before = rss_mib()
        for round_ in range(2):  # the first round warms the page cache and the code paths
            for start in range(0, len(items), BATCH):
                t0 = time.perf_counter()
                vectors = embedder.vectors(texts[start : start + BATCH])
                embed_each = (time.perf_counter() - t0) / len(vectors)
                for item, vector in zip(items[start : start + BATCH], vectors, strict=True):
                    t0 = time.perf_counter()
                    feats = features(item.title, item.summary, published=item.published,
                                     language=item.language)
                    candidates = await fold_candidates(store, feats, item.published, memory)
                    decision = decide(feats, vector, item.published, candidates)
                    elapsed = time.perf_counter() - t0
                    if round_:
                        latencies.add(embed_each + elapsed)
                        embedding.add(embed_each)
                        folding.add(elapsed)
                        counts.append(len(candidates))
                        decisions[decision.how] += 1
        # One more query, traced, to read its plans.
        await store._db.set_trace_callback(statements.append)
        feats = features(items[0].title, items[0].summary)
        await fold_candidates(store, feats, items[0].published)
        await store._db.set_trace_callback(None)
        grown = rss_mib() - before
    finally:
        await store.close()
    counts.sort()
    return {
        **latencies.summary(), "mean_ms": round(sum(latencies.samples) / len(items) * 1000, 4),
        "embed": embedding.summary(), "fold": folding.summary(),
        "candidates_mean": round(sum(counts) / len(counts), 1), "candidates_max": counts[-1],
        "decisions": dict(decisions), "rss_growth_mib": round(grown, 1),
        "plan": _plans(db, statements),
    }


def _plans(db: Path, statements: list[str]) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        plans = []
        for sql in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall()
            plans += [row[-1] for row in rows]
        return plans
    finally:
        conn.close()


def index_size(db: Path) -> dict[str, float]:
    conn = sqlite3.connect(db)
    try:
        size = dict(conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall())
        items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
    except sqlite3.OperationalError:  # SQLite built without dbstat
        return {}
    finally:
        conn.close()
    index = sum(v for k, v in size.items() if k.startswith("item_keys"))
    return {"item_keys_mib": round(index / 2**20, 2),
            "item_keys_bytes_per_item": round(index / max(items, 1), 1),
            "items_embedded_index_mib": round(size.get("items_embedded", 0) / 2**20, 2),
            "db_mib": round(sum(size.values()) / 2**20, 2)}


def run(params: dict[str, Any]) -> dict[str, Any]:
    db = Path(params["db"])
    result = asyncio.run(_fold_all(db, params["queries"]))
    result.update(index_size(db))
    result["peak_rss_mib"] = round(peak_rss_mib(), 1)
    return result


if __name__ == "__main__":
    child_main(run)
