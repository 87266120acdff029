"""`replay`: golden feed files beside their expected output, and the readable form.

To accept a deliberate change of output: UPDATE_GOLDEN=1 python -m pytest tests/test_replay.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "data" / "golden"
FEEDS = ["dawn.xml", "yonhap_ko.xml", "tass_ru.xml"]


def replay(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    argv = ["replay", *args, "--config", str(ROOT / "feeds.yaml"),
            "--db", str(tmp_path / "r.sqlite")]
    assert main(argv) == 0
    return capsys.readouterr().out


def test_replay_json_matches_the_golden_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = replay(tmp_path, capsys, *(str(GOLDEN / f) for f in FEEDS), "--json")
    expected = GOLDEN / "dawn+yonhap_ko+tass_ru.jsonl"
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(out, encoding="utf-8")
    got = [json.loads(line) for line in out.splitlines()]
    want = [json.loads(line) for line in expected.read_text(encoding="utf-8").splitlines()]
    assert got == want


def items(out: str) -> list[dict[str, object]]:
    """The per-item records of `replay --json`, without the final stories that end it."""
    return [r for r in map(json.loads, out.splitlines()) if "final_story" not in r]


def test_replay_prints_one_json_object_per_item_in_feed_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = replay(tmp_path, capsys, str(GOLDEN / "dawn.xml"), "--json")
    records = items(out)
    assert [r["feed"] for r in records] == ["dawn.xml"] * len(records)
    assert list(records[0]) == ["guid", "link", "title", "feed", "topics", "story",
                                "new_story", "articles", "troops", "why"]
    assert records[0]["new_story"] is True


def test_replaying_again_says_the_items_are_already_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = items(replay(tmp_path, capsys, str(GOLDEN / "dawn.xml"), "--json"))
    again = items(replay(tmp_path, capsys, str(GOLDEN / "dawn.xml"), "--json"))
    for b, a in zip(first, again, strict=True):
        assert a["story"] == b["story"] and a["new_story"] is False
        assert a["why"]["fold"]["how"] == "same link or guid"  # type: ignore[index]


def test_replay_json_ends_with_each_items_final_story_after_merges(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = replay(tmp_path, capsys, *(str(GOLDEN / f) for f in FEEDS), "--json")
    records = [json.loads(line) for line in out.splitlines()]
    per_item = items(out)
    finals = records[len(per_item):]
    assert [(f["guid"], f["feed"]) for f in finals] == [(r["guid"], r["feed"]) for r in per_item]
    merged = {m for r in per_item for m in r["why"]["fold"].get("merged_stories", [])}  # type: ignore[union-attr,index]
    assert not merged & {f["final_story"] for f in finals}  # no item left in a merged story


def test_readable_replay_explains_topics_fold_and_alert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = replay(tmp_path, capsys, str(GOLDEN / "dawn.xml"), str(GOLDEN / "yonhap_ko.xml"))
    assert "topics: treaty [" in out
    assert "same event as story" in out
    assert "alert: older than max_age (48 h)" in out
    assert "topics: none" in out and "alert: no topic matched" in out


def test_a_missing_file_is_one_line_and_the_others_still_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["replay", str(tmp_path / "nope.xml"), str(GOLDEN / "dawn.xml"), "--json",
            "--config", str(ROOT / "feeds.yaml"), "--db", str(tmp_path / "r.sqlite")]
    assert main(argv) == 1
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "nope.xml: cannot read" in captured.err
    assert len(items(captured.out)) == 5
