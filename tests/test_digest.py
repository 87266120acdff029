"""The weekly digest: its weeks, what it says, its chart, and `python -m bot digest`."""

from __future__ import annotations

import asyncio
import io
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.alerts import story_message
from bot.chart import PNG_SIGNATURE, chart_data, figure
from bot.cli import main
from bot.config import TOPICS
from bot.demo import run_demo
from bot.digest import (
    IsoWeek,
    digest_message,
    main_topic,
    print_digest,
    week_chart,
    week_digest,
)
from bot.render.console import render
from bot.samples import bundled_config
from storage import SQLiteStore, Store, Story, StoryItem, open_store
from storage.migrate import sqlite_to_postgres
from tests.test_samples import KNOWLEDGE, poll_samples

UTC_ZONE = ZoneInfo("UTC")
NEWEST_SAMPLE_WEEK = IsoWeek(2025, 17)  # Russia's and North Korea's confirmations, April 2025
EMPTY_WEEK = IsoWeek(2024, 48)
NOW = datetime(2025, 4, 26, 12, tzinfo=UTC)
DATABASES = ("sqlite", "postgresql")


def is_png(path: Path | str) -> bool:
    return Path(path).read_bytes().startswith(PNG_SIGNATURE)


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled samples, polled once for the whole module: the tests only read them."""
    path = tmp_path_factory.mktemp("digest") / "samples.sqlite"
    config = bundled_config()
    asyncio.run(poll_samples(config, path, None))
    return path


@pytest.fixture
async def samples(sample_db: Path, database: str) -> AsyncIterator[Store]:
    """The samples polled into SQLite; on PostgreSQL, a copy made by migrate-db's code."""
    if database.startswith("sqlite"):
        store: Store = await SQLiteStore.open(sample_db)
    else:
        await sqlite_to_postgres(sample_db, database)
        store = await open_store(database)
    yield store
    await store.close()


# --- weeks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "week"), [
    ("2025-W18", IsoWeek(2025, 18)), ("2025w7", IsoWeek(2025, 7)),
    (" 2020-W53 ", IsoWeek(2020, 53)),
])
def test_a_week_reads_and_prints_in_iso_form(text: str, week: IsoWeek) -> None:
    assert IsoWeek.parse(text) == week
    assert IsoWeek.parse(str(week)) == week


@pytest.mark.parametrize("text", ["2025-18", "2025-W54", "2021-W53", "2025-W00", "last week"])
def test_a_bad_week_is_refused_in_one_line(text: str) -> None:
    with pytest.raises(ValueError, match="not an ISO week such as 2025-W18"):
        IsoWeek.parse(text)


def test_weeks_shift_across_a_year_end() -> None:
    assert IsoWeek(2025, 1).shift(-1) == IsoWeek(2024, 52)
    assert IsoWeek(2020, 53).shift(1) == IsoWeek(2021, 1)
    assert IsoWeek(2024, 52) < IsoWeek(2025, 1)


def test_a_week_runs_from_local_monday_midnight_and_a_dst_week_is_an_hour_short() -> None:
    since, until = IsoWeek(2025, 13).bounds(ZoneInfo("Europe/Berlin"))  # clocks go forward 30 Mar
    assert since == datetime(2025, 3, 23, 23, 0, tzinfo=UTC)
    assert until == datetime(2025, 3, 30, 22, 0, tzinfo=UTC)
    assert until - since == timedelta(hours=167)


# --- what the digest says ---------------------------------------------------------------------


async def test_the_digest_ranks_the_weeks_stories_by_outlets_with_their_links(
    samples: Store,
) -> None:
    digest = await week_digest(samples, NEWEST_SAMPLE_WEEK, UTC_ZONE, KNOWLEDGE.titles)
    for stories in digest.stories.values():
        counts = [len(s.outlets) for s in stories]
        assert counts == sorted(counts, reverse=True)
    message = digest_message(digest)
    assert message.title == "Weekly digest, 2025-W17 (21 Apr – 27 Apr 2025)"
    assert message.body == "2 stories this week."
    fields = {f.name: f.value for f in message.fields}
    listed = [name for name in fields if " — " in name]
    assert sum(int(name.split(" — ")[1].split()[0]) for name in listed) == 2
    for name in listed:
        for line in fields[name].splitlines():
            assert line.startswith("• ") and " outlets) http" in line


async def test_the_digest_lists_each_story_once_under_its_main_topic(
    samples: SQLiteStore,
) -> None:
    digest = await week_digest(samples, NEWEST_SAMPLE_WEEK, UTC_ZONE, KNOWLEDGE.titles)
    several = [s for s in digest.stories["troops"] if len(s.topics) > 1]
    assert several  # the week has stories with two or three topics
    # The claims section links the report each figure came from: count the stories' lists.
    text = render(digest_message(digest)).split("Troop figures claimed")[0]
    for story in several:
        assert text.count(story.link) == 1, story.title
    for story in {s.id: s for items in digest.stories.values() for s in items}.values():
        home = main_topic(story, TOPICS)
        carried = {t: sum(t in i.topics for i in story.items) for t in story.topics}
        assert carried[home] == max(carried.values())


def test_the_main_topic_is_the_one_most_reports_carry_then_the_best_evidenced() -> None:
    def item(n: int, topics: dict[str, int]) -> StoryItem:
        return StoryItem(n, "Wire", "t", f"https://w.example/{n}", NOW, "en", topics=topics)

    def story(*items: StoryItem) -> Story:
        topics = sorted({t for i in items for t in i.topics})
        return Story(1, "t", "https://w.example/1", "", NOW, NOW, NOW, topics, [], list(items))

    mostly_troops = story(item(1, {"troops": 1, "treaty": 3}), item(2, {"troops": 1}))
    assert main_topic(mostly_troops, TOPICS) == "troops"
    even = story(item(1, {"treaty": 1, "troops": 3}), item(2, {"treaty": 1, "troops": 1}))
    assert main_topic(even, TOPICS) == "troops"
    assert main_topic(even, ("treaty", "kcna")) == "treaty"  # a channel without troops
    assert main_topic(even, ("kcna",)) is None


async def test_the_digest_and_the_alerts_agree_on_the_articles_each_story_cites(
    samples: SQLiteStore,
) -> None:
    since, until = IsoWeek(2024, 25).bounds(UTC_ZONE)  # the signing and the published text
    stories = await samples.stories_between(since, until)
    digest = await week_digest(samples, IsoWeek(2024, 25), UTC_ZONE, KNOWLEDGE.titles)
    in_alerts = Counter(
        line for s in stories
        for f in story_message(s, KNOWLEDGE.titles).fields if f.name == "Treaty articles"
        for line in f.value.splitlines()
    )
    assert in_alerts and dict(digest.articles) == dict(in_alerts)


async def test_the_digest_counts_the_articles_and_lists_the_figures_claimed(
    samples: Store,
) -> None:
    message = digest_message(
        await week_digest(samples, NEWEST_SAMPLE_WEEK, UTC_ZONE, KNOWLEDGE.titles)
    )
    fields = {f.name: f.value for f in message.fields}
    assert fields["Treaty articles in the news"].startswith("Article 4 (")
    assert fields["Treaty articles in the news"].endswith(": 1 story")
    claims = fields["Troop figures claimed"].splitlines()
    assert any(c.startswith("about 11,000 deployed — NIS · 연합뉴스 · 26 Apr 2025 https://")
               for c in claims)
    assert len(claims) == len({c.split(" · ")[0] for c in claims})  # one line per claim


async def test_a_week_with_no_stories_says_so(samples: Store) -> None:
    digest = await week_digest(samples, EMPTY_WEEK, UTC_ZONE, KNOWLEDGE.titles)
    assert digest.empty
    message = digest_message(digest)
    assert message.body == "No stories this week."
    assert not [f for f in message.fields if "stor" in f.name or "Troop" in f.name]


async def test_a_channel_gets_the_digest_of_its_topics_only(samples: Store) -> None:
    digest = await week_digest(samples, NEWEST_SAMPLE_WEEK, UTC_ZONE, KNOWLEDGE.titles)
    message = digest_message(digest, ("kcna",))
    assert [f.name for f in message.fields] == ["KCNA — 1 story"]
    assert message.body == "1 story this week."


async def test_the_admins_see_new_and_failing_feeds(samples: Store) -> None:
    since, until = NEWEST_SAMPLE_WEEK.bounds(UTC_ZONE)
    [first, *_] = await samples.feeds()
    await samples.record_failure(first.id, since, since, "HTTP 503")
    await samples.add_feed("Example Wire", "https://example.org/rss", since + timedelta(days=2))
    try:
        digest = await week_digest(samples, NEWEST_SAMPLE_WEEK, UTC_ZONE, KNOWLEDGE.titles)
        health = {f.name: f.value for f in digest_message(digest).fields}["Feeds (for admins)"]
        assert "New: Example Wire" in health.splitlines()
        assert f"(1×): HTTP 503 — {first.name}" in health
    finally:  # the module shares this database
        await samples.record_success(first.id, until, until, etag=None, last_modified=None)
        await samples.deactivate_feed("Example Wire")


# --- the chart -------------------------------------------------------------------------------


def test_stories_are_counted_on_their_local_day_and_in_each_of_their_topics() -> None:
    seoul = ZoneInfo("Asia/Seoul")
    stories = [
        (datetime(2025, 4, 27, 22, 55, tzinfo=UTC), ["kcna", "treaty"]),  # 28 Apr in Seoul
        (datetime(2025, 4, 26, 3, 0, tzinfo=UTC), ["troops"]),
        (datetime(2025, 3, 1, 3, 0, tzinfo=UTC), ["troops"]),  # before the chart: left out
    ]
    data = chart_data(stories, date(2025, 4, 7), seoul, ["treaty", "troops", "kcna"])
    assert len(data.days) == 28 and data.days[-1] == date(2025, 5, 4)
    assert data.series["kcna"][data.days.index(date(2025, 4, 28))] == 1
    assert data.series["treaty"][data.days.index(date(2025, 4, 28))] == 1
    assert sum(data.series["troops"]) == 1


async def test_the_chart_is_a_png_with_a_line_per_topic(
    samples: Store, tmp_path: Path
) -> None:
    chart = await week_chart(samples, NEWEST_SAMPLE_WEEK, UTC_ZONE,
                             ("treaty", "troops", "kcna"), tmp_path)
    assert chart.path == tmp_path / "digest-2025-W17.png"
    assert is_png(chart.path)
    assert chart.topics == ("Treaty", "Troops", "KCNA")
    assert names(tmp_path) == [chart.path.name]  # no temporary file left behind
    troops_only = await week_chart(samples, NEWEST_SAMPLE_WEEK, UTC_ZONE, ("troops",), tmp_path)
    assert troops_only is not None and troops_only.topics == ("Troops",)
    assert troops_only.path.name == "digest-2025-W17-troops.png"


async def test_the_chart_is_attached_to_the_message(samples: Store, tmp_path: Path) -> None:
    digest = await week_digest(samples, NEWEST_SAMPLE_WEEK, UTC_ZONE, KNOWLEDGE.titles)
    chart = await week_chart(samples, NEWEST_SAMPLE_WEEK, UTC_ZONE, ("treaty",), tmp_path)
    assert chart is not None
    message = digest_message(digest, ("treaty",), chart=chart, missed=["2024-W47"])
    assert message.image == str(chart.path)
    assert "Not posted while the bot was down: the digest of 2024-W47." in message.footer


async def test_an_empty_week_writes_no_chart_of_zeros(
    samples: SQLiteStore, tmp_path: Path
) -> None:
    assert await week_chart(samples, EMPTY_WEEK, UTC_ZONE, TOPICS, tmp_path) is None
    out = io.StringIO()
    assert await print_digest(samples, EMPTY_WEEK, UTC_ZONE, KNOWLEDGE.titles, tmp_path,
                              out) is None
    assert "No stories this week." in out.getvalue() and "Chart" not in out.getvalue()
    assert names(tmp_path) == []


def test_the_chart_has_a_bar_per_day_and_topic_whole_number_ticks_and_its_week_labelled(
) -> None:
    stories = [(datetime(2025, 4, 26, 12, tzinfo=UTC), ["treaty", "troops"]),
               (datetime(2025, 4, 27, 12, tzinfo=UTC), ["troops"]),
               (datetime(2025, 4, 8, 12, tzinfo=UTC), ["kcna"])]
    week = (date(2025, 4, 21), date(2025, 4, 27))
    data = chart_data(stories, date(2025, 3, 31), UTC_ZONE, TOPICS, highlight=week,
                      highlight_label="2025-W17: this digest")
    axes = figure(data).axes[0]
    heights = [bar.get_height() for bar in axes.patches if bar.get_width() < 1]
    assert len(heights) == 28 * 3 and sum(heights) == 4
    assert all(tick == int(tick) for tick in axes.get_yticks())
    assert "2025-W17: this digest" in [t.get_text() for t in axes.texts]
    labels = [t.get_text() for t in axes.get_xticklabels()]
    assert labels == ["Mon 31 Mar", "Mon 07 Apr", "Mon 14 Apr", "Mon 21 Apr"]


def test_a_chart_with_one_story_still_has_whole_number_ticks() -> None:
    data = chart_data([(datetime(2025, 4, 26, tzinfo=UTC), ["kcna"])], date(2025, 3, 31),
                      UTC_ZONE, TOPICS)
    ticks = figure(data).axes[0].get_yticks()
    assert all(tick == int(tick) for tick in ticks) and max(ticks) >= 1


# --- in the terminal -----------------------------------------------------------------------


def test_the_digest_command_prints_the_week_and_writes_its_chart(
    sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(["digest", "--db", str(sample_db), "--week", "2025-W17", "--out",
                   str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("▤ Weekly digest, 2025-W17 (21 Apr – 27 Apr 2025)\n")
    assert f"Chart: {tmp_path / 'digest-2025-W17.png'}" in out
    assert is_png(tmp_path / "digest-2025-W17.png")


@pytest.mark.parametrize(("argv", "message"), [
    (["--week", "2025-W99"], "error: not an ISO week such as 2025-W18: '2025-W99'\n"),
    (["--db", "missing.sqlite"], "error: missing.sqlite: no such database"),
])
def test_the_digest_command_refuses_a_bad_week_or_a_missing_database(
    argv: list[str], message: str, sample_db: Path, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    status = main(["digest", "--db", str(sample_db), "--out", str(tmp_path), *argv])
    captured = capsys.readouterr()
    assert status == 2 and captured.out == ""
    assert captured.err.startswith(message) and captured.err.count("\n") == 1
    assert not (tmp_path / "missing.sqlite").exists()


async def test_the_demo_ends_with_the_digest_of_the_newest_sample_week(tmp_path: Path) -> None:
    out = io.StringIO()
    assert await run_demo(tmp_path / "demo.sqlite", out=out) == 0
    text = out.getvalue()
    tail = text[text.index("Stored: "):]
    assert "The weekly digest of 2025-W17, the week of the newest sample story" in tail
    assert "▤ Weekly digest, 2025-W17 (21 Apr – 27 Apr 2025)" in tail
    assert is_png(tmp_path / "charts" / "digest-2025-W17.png")
