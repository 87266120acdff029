"""What an operator reads: one line per poll cycle, post, edit and failing feed; the
libraries' chatter held back; progress and the exit status of a one-off poll."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.commands.treaty import Knowledge
from bot.config import Config, Feed
from bot.demo import EXIT_NOTHING_FETCHED, run_poll
from bot.logs import setup_logging
from bot.pipeline import FeedReport
from bot.scheduler import PollCycle, Scheduler
from tests.feedserver import started_feed_server
from tests.test_fetch import free_port

KNOWLEDGE = Knowledge.load()
RSS = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>w</title><item>'
       b"<title>Russia and North Korea's partnership treaty enters into force</title><guid>1</guid>"
       b"<link>https://w.example/1</link></item></channel></rss>")


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """Logging as the CLI sets it up at the default level of `run`, into a buffer."""
    stream = io.StringIO()
    handler = setup_logging(logging.INFO, "text", stream)
    yield stream
    logging.getLogger().removeHandler(handler)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def local(config: Config, *urls: str) -> Config:
    feeds = tuple(Feed(name=f"feed{n}", url=url) for n, url in enumerate(urls))
    fetch = config.fetch.model_copy(update={"allow_private": True, "total_timeout": 2})
    return config.model_copy(update={"feeds": feeds, "fetch": fetch, "routes": {}})


async def test_the_schedulers_own_chatter_is_held_back(logs: io.StringIO) -> None:
    # APScheduler logs "Added job", "Running job" and "Job executed" at INFO, every tick.
    scheduler = Scheduler()
    ran = asyncio.Event()

    async def job() -> None:
        logging.getLogger("bot.poll").info("our line")
        ran.set()

    scheduler.add_task(job, "date", job_id="once")
    scheduler.start()
    await asyncio.wait_for(ran.wait(), 5)
    await scheduler.stop()
    assert logs.getvalue().splitlines()[0].endswith(" INFO bot.poll: our line")
    assert "apscheduler" not in logs.getvalue()


async def test_json_lines_carry_the_cycle_figures(config: Config, tmp_path: Path) -> None:
    stream = io.StringIO()
    handler = setup_logging(logging.INFO, "json", stream)
    try:
        async with started_feed_server() as server:
            server.add("/a.xml", RSS)
            polled = local(config, f"{server.url}/a.xml")
            assert await run_poll(polled, KNOWLEDGE, tmp_path / "db.sqlite", io.StringIO(),
                                  io.StringIO()) == 0
    finally:
        logging.getLogger().removeHandler(handler)
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    [cycle] = [r for r in records if r["logger"] == "bot.poll"]
    assert cycle["message"].startswith("poll cycle: 1 feed polled, 1 new item, 1 new story, "
                                       "0 errors, ")
    assert (cycle["feeds"], cycle["new_items"], cycle["new_stories"], cycle["errors"]) == (
        1, 1, 1, 0)
    assert [r["action"] for r in records if r["logger"] == "bot.deliver"] == ["posted"]


async def test_poll_exits_non_zero_when_no_feed_could_be_fetched(
    config: Config, tmp_path: Path, logs: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = local(config, f"http://127.0.0.1:{free_port()}/a", f"http://127.0.0.1:{free_port()}/b")
    progress = io.StringIO()
    status = await run_poll(dead, KNOWLEDGE, tmp_path / "db.sqlite", io.StringIO(), progress)
    assert status == EXIT_NOTHING_FETCHED == 1
    assert "error: no feed could be fetched (2 of 2 failed" in capsys.readouterr().err
    # Not a terminal: a plain line per feed.
    assert [line.split(": ")[0] for line in progress.getvalue().splitlines()] == [
        "polled 1/2", "polled 2/2"]


async def test_poll_exits_zero_when_one_feed_answered(
    config: Config, tmp_path: Path, logs: io.StringIO
) -> None:
    async with started_feed_server() as server:
        server.add("/a.xml", RSS)
        half = local(config, f"{server.url}/a.xml", f"http://127.0.0.1:{free_port()}/b")
        assert await run_poll(half, KNOWLEDGE, tmp_path / "db.sqlite", io.StringIO(),
                              io.StringIO()) == 0


async def test_on_a_terminal_progress_is_one_bar_redrawn(
    config: Config, tmp_path: Path, logs: io.StringIO
) -> None:
    async with started_feed_server() as server:
        server.add("/a.xml", RSS)
        server.add("/b.xml", RSS.replace(b"<guid>1", b"<guid>2"))
        two = local(config, f"{server.url}/a.xml", f"{server.url}/b.xml")
        terminal = Terminal()
        await run_poll(two, KNOWLEDGE, tmp_path / "db.sqlite", io.StringIO(), terminal)
    drawn = terminal.getvalue()
    assert drawn.startswith("\rpolling [") and drawn.endswith("] 2/2\n")
    assert drawn.count("\n") == 1


async def test_a_failing_feed_is_logged_once_not_every_poll(
    config: Config, tmp_path: Path, logs: io.StringIO
) -> None:
    dead = local(config, f"http://127.0.0.1:{free_port()}/a")
    for _ in range(3):
        await run_poll(dead, KNOWLEDGE, tmp_path / "db.sqlite", io.StringIO(), io.StringIO())
    failing = [line for line in logs.getvalue().splitlines() if "failing" in line]
    assert len(failing) == 1 and "WARNING bot.feeds: feed 'feed0' failing: " in failing[0]
    assert logs.getvalue().count("poll cycle: 1 feed polled, 0 new items") == 3


def test_the_poll_loop_logs_one_line_per_burst_of_polling_not_per_tick(
    logs: io.StringIO,
) -> None:
    cycle = PollCycle()
    cycle.add([], busy=False, now=0.0)  # idle: nothing to say
    cycle.add([], busy=True, now=1.0)  # feeds started
    cycle.add([FeedReport("a", "ok", new_items=2, new_stories=1)], busy=True, now=2.0)
    cycle.add([FeedReport("b", "error", error="timeout")], busy=False, now=4.0)
    cycle.add([], busy=False, now=5.0)
    lines = [line for line in logs.getvalue().splitlines() if "poll cycle" in line]
    assert len(lines) == 1
    assert lines[0].endswith("poll cycle: 2 feeds polled, 2 new items, 1 new story, 1 error, 3.0 s")
