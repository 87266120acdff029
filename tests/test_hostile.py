"""Hostile feed servers through the real Pipeline.poll: each fails alone, in time, in one line.

The cycles run once, in a fresh process (``python -m tests.hostile``), so that the peak memory
measured is the hostile suite's own; the tests below read what it recorded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config
from bot.parse import MAX_ITEMS, parse_feed
from bot.pipeline import matcher_for
from tests.hostile import DATES, HOSTILE, NOW, RETRY_CAP, TOTAL_TIMEOUT

ROOT = Path(__file__).resolve().parent.parent
# Scheduling slack on a loaded 2-core CI machine; a missed bound is a full timeout or more.
SLACK = 0.4
# Bodies are capped at 1 MiB; an uncapped flood or gzip bomb would add 64 MiB.
MAX_GROWTH_MIB = 48
# The sentence model folding loads (bot/embed.py) is about 120 MiB of it.
MAX_PEAK_MIB = 320


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("hostile")
    proc = subprocess.run(
        [sys.executable, "-m", "tests.hostile", str(folder)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def hostile(run: dict[str, Any]) -> dict[str, Any]:
    return run["cycles"]["hostile"]


@pytest.fixture(scope="module")
def huge(run: dict[str, Any]) -> dict[str, Any]:
    return run["cycles"]["huge"]


FAILS_WITH = {
    "silent": "timed out after 0.5 s",
    "drip": "timed out after 0.5 s",
    "flood": "response over 1 MiB",
    "gzip-bomb": "response over 1 MiB",
    "loop-a": "redirect loop at ",
    "chain-0": "too many redirects (>5)",
    "429-seconds": "HTTP 429",
    "503-date": "HTTP 503",
    "429-forever": "HTTP 429",
    "html": "not a feed: ",
    "empty": "not a feed: ",
    "truncated": "truncated document: <rss> is never closed",
}
HEALTHY = ("good-a", "good-b", "invalid-utf8", "wrong-encoding", "dates", "duplicates")


def test_every_hostile_feed_is_covered() -> None:
    assert set(FAILS_WITH) | set(HEALTHY) == set(HOSTILE)


@pytest.mark.parametrize("name", FAILS_WITH)
def test_a_hostile_feed_is_marked_unhealthy_with_a_one_line_reason(
    hostile: dict[str, Any], name: str
) -> None:
    report, row = hostile["reports"][name], hostile["feeds"][name]
    assert report["status"] == "error"
    assert row["failures"] == 1 and not row["healthy"]
    assert row["last_error"].startswith(FAILS_WITH[name]), row["last_error"]
    assert "\n" not in row["last_error"] and len(row["last_error"]) <= 200


@pytest.mark.parametrize("name", FAILS_WITH)
def test_a_hostile_feed_ends_within_its_bound(hostile: dict[str, Any], name: str) -> None:
    assert hostile["fetch_seconds"][name] <= TOTAL_TIMEOUT + SLACK


@pytest.mark.parametrize("name", ["flood", "gzip-bomb", "loop-a", "chain-0"])
def test_caps_and_redirect_checks_stop_a_feed_before_the_timeout(
    hostile: dict[str, Any], name: str
) -> None:
    assert hostile["fetch_seconds"][name] < TOTAL_TIMEOUT


def test_the_whole_cycle_ends_within_one_timeout_and_slack(hostile: dict[str, Any]) -> None:
    # Feeds are polled concurrently: the slowest hostile feed bounds the cycle.
    assert hostile["seconds"] <= TOTAL_TIMEOUT + 2 * SLACK


@pytest.mark.parametrize("name", HEALTHY)
def test_the_other_feeds_are_stored_and_stay_healthy(hostile: dict[str, Any], name: str) -> None:
    assert hostile["reports"][name]["status"] == "ok"
    assert hostile["reports"][name]["stored"] >= 1
    assert hostile["feeds"][name]["healthy"] and hostile["feeds"][name]["last_error"] is None


def test_every_feed_was_requested_once_in_the_cycle(hostile: dict[str, Any]) -> None:
    assert hostile["hits"] == dict.fromkeys(HOSTILE, 1)
    assert hostile["items"] == sum(hostile["reports"][n]["stored"] for n in HEALTHY) == 14


def when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_retry_after_in_seconds_is_honoured(hostile: dict[str, Any]) -> None:
    assert when(hostile["feeds"]["429-seconds"]["next_poll"]) >= NOW + timedelta(seconds=120)


def test_retry_after_as_an_http_date_is_honoured(hostile: dict[str, Any]) -> None:
    assert when(hostile["feeds"]["503-date"]["next_poll"]) >= NOW + timedelta(hours=2)


def test_an_enormous_retry_after_is_capped(hostile: dict[str, Any]) -> None:
    assert when(hostile["feeds"]["429-forever"]["next_poll"]) == NOW + RETRY_CAP


def test_no_request_is_made_before_retry_after(hostile: dict[str, Any]) -> None:
    assert when(hostile["early_poll_at"]) > NOW
    for name in ("429-seconds", "503-date", "429-forever"):
        assert hostile["early_hits"][name] == hostile["hits"][name] == 1, name
    # The same poll did fetch the feeds that were due: it was a real poll.
    assert hostile["early_hits"]["good-a"] == 2


def test_undecodable_bytes_and_a_wrong_declared_encoding_still_give_items(
    hostile: dict[str, Any]
) -> None:
    assert hostile["reports"]["invalid-utf8"]["stored"] == 2
    assert hostile["reports"]["wrong-encoding"]["stored"] == 1


def test_missing_malformed_and_future_dates_become_the_first_seen_time(
    hostile: dict[str, Any]
) -> None:
    dated = hostile["reports"]["dates"]["dated"]
    for name in DATES:
        published, from_feed = dated[f"d-{name}"]
        if name == "good":
            assert (when(published), from_feed) == (NOW - timedelta(days=1), True)
        else:
            assert (when(published), from_feed) == (NOW, False), name


def test_duplicate_guids_in_one_feed_are_stored_once(hostile: dict[str, Any]) -> None:
    report = hostile["reports"]["duplicates"]
    assert (report["stored"], report["duplicates"]) == (3, 3)


def test_ten_thousand_items_are_cut_to_max_items(huge: dict[str, Any]) -> None:
    assert huge["reports"]["many"]["status"] == "ok"
    assert huge["reports"]["many"]["stored"] == MAX_ITEMS
    assert huge["feeds"]["many"]["healthy"]
    assert huge["reports"]["good-a"]["stored"] == 1


def test_a_huge_feed_does_not_stall_the_feeds_beside_it(huge: dict[str, Any]) -> None:
    assert huge["reports"]["trickle-ok"]["status"] == "ok", huge["reports"]["trickle-ok"]
    assert huge["fetch_seconds"]["trickle-ok"] < TOTAL_TIMEOUT


# One item, 66 KB: unclosed "<script" and "<p" tags, then a run of dots.
UNCLOSED = (b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>t</title><item>'
            b"<title>x</title><guid>1</guid><description>" + b"&lt;script" * 4000
            + b"&lt;p" * 4000 + b"." * 6000 + b"</description></item></channel></rss>")


def test_unclosed_tags_and_runs_of_dots_cost_linear_time(config: Config) -> None:
    matcher = matcher_for(config)
    started = time.process_time()
    [item] = parse_feed(UNCLOSED, "wire", NOW).items
    matcher.analyse(item)
    assert time.process_time() - started < 0.5  # CPU; 0.015 s with the patch


def test_the_hostile_suite_runs_in_bounded_memory(run: dict[str, Any]) -> None:
    growth = run["peak_rss_mib"] - run["baseline_rss_mib"]
    print(f"hostile suite: peak RSS {run['peak_rss_mib']:.1f} MiB, {growth:.1f} MiB above the "
          f"{run['baseline_rss_mib']:.1f} MiB after imports, {run['seconds']:.2f} s")
    assert growth < MAX_GROWTH_MIB
    assert run["peak_rss_mib"] < MAX_PEAK_MIB
