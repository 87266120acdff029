"""The real-news development set loads and is whole; the quality scorer counts right."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import pytest

from benchmarks import quality
from benchmarks.quality import baseline_groups, canonical_claimant, pair_score, replay, score
from benchmarks.realnews import DataError, load, select, split_of
from bot.samples import bundled_config


def _item(**overrides: object) -> str:
    fields = {
        "id": "a001", "url": "https://example.org/1", "outlet": "Example", "language": "en",
        "published": "2024-10-24T09:30:00Z", "title": "Title", "summary": "Summary.",
        "story": "a-one", "topics": "[treaty]", "articles": "[]", "troops": "[]",
    } | overrides
    return "- " + "\n  ".join(f"{k}: {v}" for k, v in fields.items()) + "\n"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_the_set_loads_and_meets_its_minimums() -> None:
    items = load()
    languages = Counter(i.language for i in items)
    outlets_per_story: dict[str, set[str]] = {}
    for item in items:
        outlets_per_story.setdefault(item.story, set()).add(item.outlet)
    multi_outlet = [s for s, outlets in outlets_per_story.items() if len(outlets) > 1]
    look_alikes = [i for i in items if not i.topics & {"treaty", "troops"}]
    assert len(items) >= 150
    assert languages["ko"] >= 25 and languages["ru"] >= 25
    assert len(multi_outlet) >= 20
    assert len(look_alikes) >= 30


def test_items_come_in_publication_order() -> None:
    items = load()
    assert [i.published for i in items] == sorted(i.published for i in items)


def test_a_story_goes_whole_to_one_split() -> None:
    items = load()
    parts = [select(items, split) for split in ("tune", "seen", "held")]
    assert sum(map(len, parts)) == len(items)
    stories = [{i.story for i in part} for part in parts]
    assert all(not a & b for a, b in itertools.combinations(stories, 2))
    first = {i.story for i in items if i.source in ("items_a.yaml", "items_b.yaml")}
    assert 0.25 < sum(split_of(s) == "seen" for s in first) / len(first) < 0.55


def test_dev_is_tune_and_seen() -> None:
    items = load()
    assert select(items, "dev") == [i for i in items if i.split in ("tune", "seen")]


def test_the_first_files_split_by_the_first_byte_of_the_story_ids_sha1() -> None:
    # sha1("a-duma-ratifies")[0] % 5 == 0, sha1("a-treaty-signing")[0] % 5 == 2
    assert split_of("a-duma-ratifies") == "seen"
    assert split_of("a-treaty-signing") == "tune"


def test_the_blind_files_stories_are_held_out() -> None:
    assert split_of("zq-anything") == "held" and split_of("zr-anything") == "held"


def test_a_scored_blind_round_is_seen() -> None:
    letters = [*"cdefghijklmnopqrstuvwxyz", "za", "zb", "zc", "zd", "ze", "zf", "zg", "zh",
               "zi", "zj", "zk", "zl", "zm", "zn", "zo", "zp"]
    assert {split_of(f"{letter}-anything") for letter in letters} == {"seen"}


def test_a_blind_file_cannot_share_an_earlier_rounds_story(tmp_path: Path) -> None:
    _write(tmp_path, "items_zq.yaml", _item(id="zq001", story="a-two"))
    with pytest.raises(DataError, match=r"items_zq.yaml: zq001: story ids in items_zq.yaml st"):
        load(tmp_path)


def test_a_later_round_may_name_an_earlier_rounds_event(tmp_path: Path) -> None:
    _write(tmp_path, "items_a.yaml", _item(story="a-two"))
    _write(tmp_path, "items_c.yaml", _item(id="c001", url="https://example.org/2", story="a-two"))
    assert {i.story for i in load(tmp_path)} == {"a-two"}


def test_an_earlier_round_cannot_name_a_later_rounds_story(tmp_path: Path) -> None:
    _write(tmp_path, "items_a.yaml", _item(story="c-two"))
    with pytest.raises(DataError, match=r"items_a.yaml: a001: story ids in items_a.yaml start"):
        load(tmp_path)


def test_a_duplicate_id_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "items_a.yaml", _item() + _item(url="https://example.org/2", story="a-two"))
    with pytest.raises(DataError, match=r"items_a.yaml: a001: id 'a001' is also"):
        load(tmp_path)


def test_an_item_of_the_other_half_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "items_b.yaml", _item())
    with pytest.raises(DataError, match=r"items_b.yaml: a001: ids in items_b.yaml start with 'b'"):
        load(tmp_path)


def test_a_duplicate_address_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "items_a.yaml", _item() + _item(id="a002", story="a-two"))
    with pytest.raises(DataError, match=r"a002: url 'https://example.org/1'"):
        load(tmp_path)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("language", "de", "language 'de'"),
    ("topics", "[treaty, iran]", "topics"),
    ("articles", "[24]", "articles"),
    ("published", "2024-10-24T09:30:00", "UTC offset"),
    ("story", "c-one", "story ids in items_a.yaml start with a- or b-"),
    ("troops", "[{figure: 1500, qualifier: roughly, kind: deployed, claimant: NIS}]",
     "qualifier 'roughly'"),
])
def test_a_bad_value_is_named_with_its_file_and_item(
    tmp_path: Path, field: str, value: str, message: str
) -> None:
    _write(tmp_path, "items_a.yaml", _item(**{field: value}))
    with pytest.raises(DataError, match=rf"items_a.yaml: a001: .*{message}"):
        load(tmp_path)


def test_pair_metrics_on_a_hand_made_partition() -> None:
    # Pairs: (0,1) right; (0,2) and (1,2) wrongly together; (2,3) wrongly apart.
    result = pair_score(["s1", "s1", "s2", "s2"], [7, 7, 7, 8])
    assert (result.tp, result.fp, result.fn) == (1, 2, 1)
    assert result.precision == pytest.approx(1 / 3)
    assert result.recall == pytest.approx(1 / 2)
    assert result.f1 == pytest.approx(0.4)


def test_pair_metrics_of_a_perfect_partition_are_one() -> None:
    result = pair_score(["s1", "s2", "s1"], [3, 1, 3])
    assert (result.precision, result.recall, result.f1) == (1.0, 1.0, 1.0)


def test_the_baseline_groups_same_labelled_topics_on_the_same_utc_day() -> None:
    items = {i.id: i for i in load()}
    # Two Reuters copies of one decree, a day apart from the Federation Council vote.
    groups = baseline_groups([items["a051"], items["a052"], items["a110"]])
    assert groups[0] == groups[1] != groups[2]


def test_claimant_aliases_compare_one_party_under_two_names() -> None:
    assert canonical_claimant("State Department") == canonical_claimant("White House")
    assert canonical_claimant("US government") == canonical_claimant("US")
    assert canonical_claimant("NIS") != canonical_claimant("Pentagon")
    assert canonical_claimant("Western intelligence agencies") == "western intelligence"


def test_north_koreas_state_media_are_one_claimant() -> None:
    assert canonical_claimant("KCTV") == canonical_claimant("Rodong Sinmun") == "kcna"


async def test_the_scorer_replays_items_through_the_real_pipeline(tmp_path: Path) -> None:
    by_id = {i.id: i for i in load()}
    # Two copies of one Reuters report, the Federation Council vote three days before them,
    # and the Russia–Iran signing two months later.
    chosen = [by_id[i] for i in ("a110", "a051", "a052", "a061")]
    chosen.sort(key=lambda i: i.published)
    replayed = await replay(chosen, bundled_config(), tmp_path / "quality.sqlite")
    stories = {r.label.id: r.story for r in replayed}
    assert stories["a051"] == stories["a052"]
    assert len({stories["a051"], stories["a110"], stories["a061"]}) == 3
    report = score(replayed, "test")
    assert (report.pairs.tp, report.pairs.fp, report.pairs.fn) == (1, 0, 0)
    assert report.items == 4 and report.stories == 3


def test_errors_on_the_held_split_warn_and_json_carries_them(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert quality.main(["--split", "held", "--errors", "--json"]) == 0
    out, err = capsys.readouterr()
    figures = json.loads(out)
    assert "warning" in err and "held" in err
    assert figures["split"] == "held" and isinstance(figures["errors"], list)
    assert figures["items"] == len(select(load(), "held"))


def test_the_scorer_can_keep_to_some_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert quality.main(["--split", "dev", "--files", "l", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["items"] == sum(1 for i in select(load(), "dev") if i.source == "items_l.yaml")
