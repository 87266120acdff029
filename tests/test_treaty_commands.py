"""`article`, `ask` and `timeline` from the command line, and the news linkage behind them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from bot.commands.treaty import Knowledge, article
from bot.config import Config
from bot.pipeline import utc_now
from storage import SQLiteStore
from tests.test_samples import SEED_000, SEED_001, SEED_003, SEED_004, poll_samples

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_TEXT = Path(__file__).parent / "data" / "official_text_sample.txt"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("ref", ["4", "IV", "fourth", "제4조", "статья 4", "Article 4"])
def test_article_accepts_every_form(ref: str, capsys: pytest.CaptureFixture[str],
                                    tmp_path: Path) -> None:
    status, out, _ = run(capsys, "article", ref, "--db", str(tmp_path / "none.sqlite"))
    assert status == 0
    assert out.startswith("■ Article 4 — ")


def test_article_out_of_range_answers_with_the_valid_range(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, err = run(capsys, "article", "30")
    assert status == 2 and out == ""
    assert err == ("error: Article 30 does not exist: the treaty has a preamble (0) and "
                   "articles 1–23.\n")


def test_article_by_words_shows_the_best_matching_article(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, _ = run(capsys, "article", "mutual", "defence", "--db", str(tmp_path / "x"))
    assert status == 0 and out.startswith("■ Article 4 — ")


def test_ask_json_gives_the_ranking_with_the_preamble_as_article_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "ask", "--json", "what does it say about a unipolar world?")
    data = json.loads(out)
    assert status == 0 and data["query"] == "what does it say about a unipolar world?"
    assert data["results"][0]["article"] == 0
    assert set(data["results"][0]) == {"article", "title", "score"}
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_prints_titles_scores_and_summaries(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "ask", "what does the treaty say about sanctions?")
    assert status == 0
    first = out.splitlines()[1]
    assert first.startswith("  Article 16 — ") and "score" in first


def test_timeline_ends_with_entry_into_force(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "timeline")
    assert status == 0
    assert "19 Jun 2024" in out and "04 Dec 2024" in out
    assert "in force since 2024-12-04" in out


def config_with_official_text(tmp_path: Path, text_path: str) -> Path:
    data = yaml.safe_load((ROOT / "feeds.yaml").read_text(encoding="utf-8"))
    data["treaty"] = {"official_text": text_path}
    path = tmp_path / "feeds.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_an_official_text_named_in_feeds_yaml_is_shown_beside_the_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "official.txt").write_bytes(SAMPLE_TEXT.read_bytes())
    config = config_with_official_text(tmp_path, "texts/official.txt")
    status, out, _ = run(capsys, "article", "4", "--config", str(config),
                         "--db", str(tmp_path / "x"))
    assert status == 0
    assert "Official text:" in out


def test_a_broken_official_text_is_refused_with_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.txt"
    broken.write_text("== Preamble ==\ntext\n== Article 1 ==\none\n", encoding="utf-8")
    config = config_with_official_text(tmp_path, str(broken))
    status, out, err = run(capsys, "article", "4", "--config", str(config))
    assert status == 2 and out == ""
    # The same line as check-config and run give for this feeds.yaml.
    assert err.startswith(f"error: {config}: treaty.official_text: {broken}:")
    assert err.count("\n") == 1


# --- news linkage ---------------------------------------------------------------------------


async def test_seed_reports_cite_article_4_by_number_or_by_its_wording(
    config: Config, tmp_path: Path
) -> None:
    results, _ = await poll_samples(config, tmp_path / "s.sqlite", None)
    for seed in (SEED_000, SEED_003, SEED_004):
        assert 4 in results[seed].analysis.articles
    assert 4 not in results[SEED_001].analysis.articles
    assert 4 in results[SEED_001].why["articles_by_phrasing"]


async def test_an_article_knows_the_stories_that_cite_it_newest_first(
    config: Config, tmp_path: Path
) -> None:
    _, stories = await poll_samples(config, tmp_path / "s.sqlite", None)
    store = await SQLiteStore.open(tmp_path / "s.sqlite")
    try:
        news = await store.article_news(4, utc_now(), limit=100)
    finally:
        await store.close()
    cited = {s.story_id for s in news.stories}
    assert {stories[s] for s in (SEED_000, SEED_001, SEED_003, SEED_004)} <= cited
    dates = [s.cited_at for s in news.stories]
    assert dates == sorted(dates, reverse=True)
    assert news.all_time == len(news.stories) and news.last_7_days == 0


async def test_article_message_lists_the_citing_stories_with_counts(
    config: Config, tmp_path: Path
) -> None:
    await poll_samples(config, tmp_path / "s.sqlite", None)
    store = await SQLiteStore.open(tmp_path / "s.sqlite")
    try:
        message = await article("4", Knowledge.load(), store, utc_now())
    finally:
        await store.close()
    news = next(f for f in message.fields if f.name == "Stories citing it")
    assert news.value.startswith("0 in 7 days · 0 in 30 days · ")
    assert "• " in news.value
