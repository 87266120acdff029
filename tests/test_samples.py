"""The bundled samples, fetched over HTTP, give the labelled topics, articles, troops, stories.

tests/data/sample_labels.yaml says what each item must come to; the seed reports of the
project (items 000–004 of its start) are among them.
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from bot.commands.treaty import Knowledge
from bot.config import Config
from bot.fetch import Fetcher
from bot.pipeline import ItemResult, Pipeline, fetch_limits
from bot.samples import demo_config, samples_dir
from bot.sampleserver import serve_folder
from storage import SQLiteStore

KNOWLEDGE = Knowledge.load()
LABELS = yaml.safe_load((Path(__file__).parent / "data" / "sample_labels.yaml").read_text("utf-8"))


async def poll_samples(
    config: Config, db: Path, order_seed: int | None
) -> tuple[dict[str, ItemResult], dict[str, int]]:
    """Poll every sample feed, one after the other in a shuffled order; return each item's
    result and the story it ends in (a later item may merge stories)."""
    store = await SQLiteStore.open(db)
    try:
        async with serve_folder(samples_dir()) as base_url:
            cfg = demo_config(config, base_url, 3650)
            pipeline = Pipeline(cfg, store, treaty_index=KNOWLEDGE.index)
            await pipeline.sync()
            feeds = await store.feeds()
            if order_seed is not None:
                random.Random(order_seed).shuffle(feeds)
            results: dict[str, ItemResult] = {}
            stories: dict[str, int] = {}
            async with Fetcher(fetch_limits(cfg)) as fetcher:
                for feed in feeds:
                    report = await pipeline.poll_feed(fetcher, feed, keep_results=True)
                    assert report.status == "ok", report.error
                    results.update({r.item.guid: r for r in report.results})
            for feed in feeds:
                for r in results.values():
                    if r.item.feed == feed.name:
                        found = await store.find_item(feed.id, r.item.guid, r.item.link)
                        assert found is not None
                        stories[r.item.guid] = found[1]
        return results, stories
    finally:
        await store.close()


@pytest.fixture
async def results(config: Config, tmp_path: Path) -> dict[str, ItemResult]:
    return (await poll_samples(config, tmp_path / "samples.sqlite", None))[0]


# Feed orders: index order and three shuffles. Stories must not depend on which outlet
# happens to be polled first.
@pytest.fixture(params=[None, 1, 2, 3], ids=lambda seed: f"order-{seed}")
async def stories(
    config: Config, tmp_path: Path, request: pytest.FixtureRequest
) -> dict[str, int]:
    return (await poll_samples(config, tmp_path / "samples.sqlite", request.param))[1]


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


# Events the sentence-vector folder still splits in two, depending on which outlet is
# polled first (README, "Story folding", what still fails): KCNA's English treaty text and
# Yonhap's report of it stay just under the join threshold; TASS's report of Gerasimov's
# confirmation names no act and is far from Yonhap's Korean one. Known, not tuned away: the
# samples are fixtures, not the measure.
KNOWN_SPLITS = frozenset({"kcna-full-text", "russia-confirms-kursk"})


def test_items_of_one_event_share_one_story_but_for_the_known_splits(
    stories: dict[str, int],
) -> None:
    by_label: dict[str, set[int]] = defaultdict(set)
    for guid, story in stories.items():
        by_label[LABELS[guid]["story"]].add(story)
    split = {label: ids for label, ids in by_label.items() if len(ids) > 1}
    assert set(split) <= KNOWN_SPLITS, split
    assert all(len(ids) == 2 for ids in split.values()), split


def test_different_events_are_different_stories(stories: dict[str, int]) -> None:
    by_story: dict[int, set[str]] = defaultdict(set)
    for guid, story in stories.items():
        by_story[story].add(LABELS[guid]["story"])
    merged = {story: labels for story, labels in by_story.items() if len(labels) > 1}
    assert merged == {}


# The five reports the project started from (see the labels file for their sources).
SEED_000 = "https://www.asiae.co.kr/en/article/2024111210251847201"
SEED_001 = "https://www.dawn.com/news/1871554"
SEED_002 = "tag:worldnewswire.net,2024-11-12:wnw-108841"
SEED_003 = "https://freewestmedia.com/?p=48213"
SEED_004 = "https://www.donga.com/en/article/all/20240621/4963330/1"


def test_seed_reports_001_002_are_one_story_000_003_and_004_their_own(
    stories: dict[str, int],
) -> None:
    # 000 and 003 are analysis and opinion (see the labels file).
    assert stories[SEED_001] == stories[SEED_002]
    assert len({stories[SEED_000], stories[SEED_001], stories[SEED_003], stories[SEED_004]}) == 4


def test_seed_reports_topics_articles_and_troops(results: dict[str, ItemResult]) -> None:
    def summary(guid: str) -> tuple[set[str], list[int], list[int]]:
        r = results[guid]
        return (set(r.analysis.topic_names), list(r.analysis.articles),
                [c.figure for c in r.analysis.troops])

    assert summary(SEED_000) == ({"treaty", "troops", "kcna"}, [4], [11000])
    assert summary(SEED_001) == ({"treaty", "troops", "kcna"}, [], [10000])
    assert summary(SEED_002) == ({"treaty", "troops", "kcna"}, [], [12000])
    assert summary(SEED_003) == ({"treaty", "troops"}, [4], [12000])
    assert summary(SEED_004) == ({"treaty"}, [4], [])
