"""The folding benchmarks' own arithmetic: the farm's pair scores and the cheap dataset."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest

import benchmarks.dataset as dataset
from benchmarks.farm_folding import pair_scores


def test_farm_pair_scores_count_the_pairs_of_the_two_partitions() -> None:
    truth = [1, 1, 1, 2, 2, 3, 4, 4]
    predicted = [7, 7, 8, 8, 8, 8, 9, 9]
    pairs = list(itertools.combinations(range(len(truth)), 2))
    tp = sum(truth[i] == truth[j] and predicted[i] == predicted[j] for i, j in pairs)
    fp = sum(truth[i] != truth[j] and predicted[i] == predicted[j] for i, j in pairs)
    fn = sum(truth[i] == truth[j] and predicted[i] != predicted[j] for i, j in pairs)
    scores = pair_scores(truth, predicted)
    assert (scores["tp"], scores["fp"], scores["fn"]) == (tp, fp, fn)
    assert scores["precision"] == round(tp / (tp + fp), 4)


def test_a_dataset_beyond_the_generated_stories_is_made_of_dated_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dataset, "GENERATED_STORIES", 40)
    built = dataset.build(tmp_path / "d.sqlite", 100, 0)
    db = sqlite3.connect(tmp_path / "d.sqlite")
    try:
        stories, counted = db.execute("SELECT count(*), sum(item_count) FROM stories").fetchone()
        items, guids, links = db.execute(
            "SELECT count(*), count(DISTINCT guid), count(DISTINCT link) FROM items").fetchone()
        orphans = db.execute("SELECT count(*) FROM items WHERE story_id NOT IN "
                             "(SELECT id FROM stories)").fetchone()[0]
        copies_first = db.execute("SELECT max(published) FROM items WHERE guid LIKE '%#old%'"
                                  ).fetchone()[0]
    finally:
        db.close()
    assert (built["stories"], stories) == (100, 100)
    assert counted == items == guids == links == built["items"]
    assert orphans == 0
    assert copies_first < dataset._ts(dataset.START)  # the copies are older news
