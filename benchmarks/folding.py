"""Section 4: folding one new item against 1,000, 10,000 and 100,000 stored stories.

Fold = what the pipeline does between matching and saving: the item's features, the
candidates query on item_keys, and the decision. Timed per item over the items that follow
the stored ones in the stream: new reports of recent events, syndicated copies, other news.

Also: the query plan of the candidates query (it must search the item_keys index, not scan),
how many candidate rows a query returns, and the size of that index.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.dataset import _matcher, load_item
from benchmarks.measure import Latencies, child_main, peak_rss_mib, rss_mib
from bot.fold import decide, features
from bot.pipeline import fold_candidates
from storage import SQLiteStore


async def _fold_all(db: Path, queries: list[dict[str, Any]]) -> dict[str, Any]:
    matcher = _matcher()
    items = [load_item(q) for q in queries]
    figures = [[c.figure for c in matcher.analyse(item).troops] for item in items]
    store = await SQLiteStore.open(db)
    statements: list[str] = []
    # The inputs stay alive throughout: out of the collector's way, so that its passes over
    # them are not counted as folding time.
    gc.freeze()
    try:
        latencies = Latencies()
        counts: list[int] = []
        decisions: Counter[str] = Counter()
        before = rss_mib()
        for round_ in range(2):  # the first round warms the page cache and the code paths
            for item, figs in zip(items, figures, strict=True):
                t0 = time.perf_counter()
                feats = features(item.title, item.summary, figs)
                candidates = await fold_candidates(store, feats, item.published)
                decision = decide(feats, item.published, candidates)
                elapsed = time.perf_counter() - t0
                if round_:
                    latencies.add(elapsed)
                    counts.append(len(candidates))
                    decisions[decision.how] += 1
        # One more query, traced, to read its plan.
        await store._db.set_trace_callback(statements.append)
        feats = features(items[0].title, items[0].summary, figures[0])
        await fold_candidates(store, feats, items[0].published)
        await store._db.set_trace_callback(None)
        grown = rss_mib() - before
    finally:
        await store.close()
    counts.sort()
    return {
        **latencies.summary(), "mean_ms": round(sum(latencies.samples) / len(items) * 1000, 4),
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
            "db_mib": round(sum(size.values()) / 2**20, 2)}


def run(params: dict[str, Any]) -> dict[str, Any]:
    db = Path(params["db"])
    result = asyncio.run(_fold_all(db, params["queries"]))
    result.update(index_size(db))
    result["peak_rss_mib"] = round(peak_rss_mib(), 1)
    return result


if __name__ == "__main__":
    child_main(run)
