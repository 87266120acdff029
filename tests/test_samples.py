"""The bundled samples, fetched over HTTP, give the labelled topics, articles, troops, stories.

tests/data/sample_labels.yaml says what each item must come to; the seed reports of the
project (items 000–004 of its start) are among them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml

from bot.config import Config
from bot.fetch import Fetcher
from bot.pipeline import ItemResult, Pipeline, fetch_limits
from bot.sampleserver import serve_folder
from bot.samples import demo_config, samples_dir
from storage import SQLiteStore

LABELS = yaml.safe_load((Path(__file__).parent / "data" / "sample_labels.yaml").read_text("utf-8"))
SEEDS = {
    "000": "https://www.asiae.co.kr/en/article/2024111210251847201",
}


@pytest.fixture
async def results(config: Config, tmp_path: Path) -> AsyncIterator[dict[str, ItemResult]]:
    store = await SQLiteStore.open(tmp_path / "samples.sqlite")
    async with serve_folder(samples_dir()) as base_url:
        cfg = demo_config(config, base_url, 3650)
        pipeline = Pipeline(cfg, store)
        await pipeline.sync()
        # Feed by feed, in index order, as a deterministic stand-in for a poll cycle.
        out: dict[str, ItemResult] = {}
        async with Fetcher(fetch_limits(cfg)) as fetcher:
            for feed in await store.feeds():
                report = await pipeline.poll_feed(fetcher, feed)
                assert report.status == "ok", report.error
                out.update({r.item.guid: r for r in report.results})
    yield out
    await store.close()


def test_every_labelled_item_is_parsed(results: dict[str, ItemResult]) -> None:
    assert set(results) == set(LABELS)


def test_topics_match_the_labels(results: dict[str, ItemResult]) -> None:
    wrong = {
        guid: (sorted(r.analysis.topic_names), sorted(LABELS[guid]["topics"]))
        for guid, r in results.items()
        if sorted(r.analysis.topic_names) != sorted(LABELS[guid]["topics"])
    }
    assert wrong == {}


def test_article_references_match_the_labels(results: dict[str, ItemResult]) -> None:
    wrong = {
        guid: (sorted(r.analysis.articles), sorted(LABELS[guid]["articles"]))
        for guid, r in results.items()
        if sorted(r.analysis.articles) != sorted(LABELS[guid]["articles"])
    }
    assert wrong == {}


def test_troop_figures_match_the_labels(results: dict[str, ItemResult]) -> None:
    wrong = {
        guid: (sorted(c.figure for c in r.analysis.troops), sorted(LABELS[guid]["troops"]))
        for guid, r in results.items()
        if sorted(c.figure for c in r.analysis.troops) != sorted(LABELS[guid]["troops"])
    }
    assert wrong == {}


def test_items_of_one_event_share_one_story(results: dict[str, ItemResult]) -> None:
    by_label: dict[str, set[int]] = defaultdict(set)
    for guid, r in results.items():
        assert r.story_id is not None
        by_label[LABELS[guid]["story"]].add(r.story_id)
    split = {label: ids for label, ids in by_label.items() if len(ids) > 1}
    assert split == {}


def test_different_events_are_different_stories(results: dict[str, ItemResult]) -> None:
    by_story: dict[int, set[str]] = defaultdict(set)
    for guid, r in results.items():
        assert r.story_id is not None
        by_story[r.story_id].add(LABELS[guid]["story"])
    merged = {story: labels for story, labels in by_story.items() if len(labels) > 1}
    assert merged == {}
