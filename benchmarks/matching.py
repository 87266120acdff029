"""Section 3: matching throughput on one core: topics + article references + troop figures.

The items are made before the clock starts; the figure is Matcher.analyse, what the
pipeline calls per item, on N distinct items of the EN/KO/RU stream. The parts are timed
alone too, so that a slow one shows.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from benchmarks.dataset import _matcher, as_item, stream
from benchmarks.measure import child_main, peak_rss_mib
from bot.fold import features
from bot.match import article_refs, troop_claims


def run(params: dict[str, Any]) -> dict[str, Any]:
    n = int(params.get("items", 100_000))
    source = stream(seed=int(params.get("seed", 3)))
    items = [as_item(next(source)) for _ in range(n)]
    matcher = _matcher()
    texts = [f"{i.title}\n{i.summary}" for i in items]
    gc.freeze()  # the 100,000 items stay alive: out of the collector's way

    def rate(fn: Any) -> float:
        t0 = time.process_time()  # CPU time of this process: one core, whatever the noise
        fn()
        return round(n / (time.process_time() - t0))

    analyses: list[Any] = []
    result = {
        "items": n,
        "avg_bytes": round(sum(len(t.encode()) for t in texts) / n),
        "analyse_items_per_s": rate(lambda: analyses.extend(matcher.analyse(i) for i in items)),
        "topics_items_per_s": rate(
            lambda: [matcher.term_hits(t) for t in texts]),
        "article_refs_items_per_s": rate(lambda: [article_refs(t) for t in texts]),
        "troop_claims_items_per_s": rate(lambda: [troop_claims(t, "x") for t in texts]),
        "fold_features_items_per_s": rate(
            lambda: [features(i.title, i.summary) for i in items]),
        "with_topic": sum(bool(a.topics) for a in analyses),
        "with_articles": sum(bool(a.articles) for a in analyses),
        "with_troops": sum(bool(a.troops) for a in analyses),
    }
    result["peak_rss_mib"] = round(peak_rss_mib(), 1)
    return result


if __name__ == "__main__":
    child_main(run)
