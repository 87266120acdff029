"""The validation layer every command argument goes through, the bounds on the work a
command may cause, and the rate limit on commands."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from bot.commands import budget
from bot.commands.arguments import ArgumentError, integer, looks_numeric, quoted, text
from bot.commands.context import Context
from bot.commands.ratelimit import MAX_KEYS, RateLimiter
from bot.commands.treaty import ask_cmd
from bot.config import Config, ConfigError, RateLimit, parse_config
from bot.samples import bundled_config
from bot.treaty import SPELLED_MAX, _Speller
from storage import SQLiteStore
from tests.conftest import Clock
from tests.test_samples import KNOWLEDGE

# --- text -------------------------------------------------------------------------------------


def test_text_is_normalised_to_nfc_with_whitespace_collapsed() -> None:
    assert text("  cafe\u0301 \t  au\n lait ", "question", 50) == "café au lait"


def test_invisible_characters_are_dropped() -> None:
    assert text("sanc\u200btions\ufeff \u200e", "question", 50) == "sanctions"


def test_a_lone_surrogate_is_refused_with_its_code_point() -> None:
    with pytest.raises(ArgumentError, match=r"^The feed name holds an invalid character "
                                            r"\(U\+D800\)\.$"):
        text("Yonhap\ud800", "feed name", 80)


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\u202e", "\u2066"])
def test_control_and_bidi_override_characters_are_refused(char: str) -> None:
    with pytest.raises(ArgumentError, match=r"holds a control character \(U\+[0-9A-F]{4}\)"):
        text(f"treaty{char}", "topic", 40)


def test_too_long_text_is_refused_saying_the_cap() -> None:
    with pytest.raises(ArgumentError, match=r"^The question is too long: at most 300 "):
        text("a" * 301, "question", 300)
    assert text("a" * 300, "question", 300) == "a" * 300


def test_a_huge_text_is_refused_before_it_is_scanned() -> None:
    with pytest.raises(ArgumentError, match="too long"):
        text("\ud800" * 1_000_000, "question", 300)  # the length, not the surrogate


def test_text_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(ArgumentError, match="must be text"):
        text(42, "topic", 40)


# --- integers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["7", " 7 ", "007", 7])
def test_integer_accepts_ascii_digits_and_ints(value: object) -> None:
    assert integer(value, "count", 1, 20) == 7


@pytest.mark.parametrize("value", ["1.5", "²", "١٢", "９", "-3", "+3", "1e3", "0x10", "1_0",
                                   "", "   ", "99999999999999999999", "4" * 5000, 0, 21,
                                   10**20, True, 1.5, None])
def test_integer_refuses_every_other_form_saying_the_range(value: object) -> None:
    with pytest.raises(ArgumentError) as refused:
        integer(value, "count", 1, 20)
    assert str(refused.value) == "The count must be a whole number from 1 to 20."


@pytest.mark.parametrize(("token", "numeric"), [
    ("5", True), ("1.5", True), ("²", True), ("五", True), ("-2", True), ("#12", True),
    (".5", True), ("treaty", False), ("", False), ("-", False),
])
def test_looks_numeric_tells_a_number_meant_from_a_word(token: str, numeric: bool) -> None:
    assert looks_numeric(token) is numeric


def test_an_echoed_argument_is_cut_counting_its_quoted_form() -> None:
    assert quoted("weather") == "'weather'"
    assert len(quoted("x" * 500)) <= 42
    assert len(quoted("\U00018cd6" * 40)) <= 42  # each shows as ten characters


# --- bounded work -----------------------------------------------------------------------------


def test_spelling_correction_skips_a_word_longer_than_any_it_knows() -> None:
    speller = _Speller({"sanctions": 3, "sovereignty": 2})
    assert speller.correct("sovreignty") == ("sovereignty", 1)
    assert speller.correct("sovereigntyxx") == ("sovereignty", 2)
    assert speller.correct("wordword" * 40) is None


def test_only_the_first_unknown_words_of_a_question_are_spell_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = KNOWLEDGE.index
    calls: list[str] = []
    real = index._speller.correct

    def counting(word: str) -> tuple[str, int] | None:
        calls.append(word)
        return real(word)

    monkeypatch.setattr(index._speller, "correct", counting)
    words = [f"sanctionz{chr(97 + n)}" for n in range(SPELLED_MAX + 5)]
    index.ask(" ".join([*words, words[0]]))
    assert calls == words[:SPELLED_MAX]


async def test_cpu_work_runs_off_the_event_loop_and_gives_up_at_the_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(budget, "BUDGET", 0.2)
    release = threading.Event()
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    running = asyncio.create_task(ticker())
    started = time.monotonic()
    with pytest.raises(budget.OverBudget):
        await budget.off_loop(release.wait, 5)
    waited = time.monotonic() - started
    release.set()
    running.cancel()
    assert 0.2 <= waited < 1.0
    assert ticks >= 5  # the loop went on while the work ran


async def test_a_command_over_its_budget_answers_one_line(
    monkeypatch: pytest.MonkeyPatch, store: SQLiteStore, config: Config, clock: Clock
) -> None:
    monkeypatch.setattr(budget, "BUDGET", 0.05)
    release = threading.Event()
    monkeypatch.setattr(KNOWLEDGE.index, "ask", lambda *a, **k: release.wait(5) and [])
    try:
        message = await ask_cmd(Context(store, KNOWLEDGE, config, clock), "sanctions?")
    finally:
        release.set()
    assert message.ephemeral and message.title.startswith("That took longer than 0.05 s")


# --- the rate limit ---------------------------------------------------------------------------


class Ticks:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(per_user: int = 3, per_channel: int = 5) -> tuple[RateLimiter, Ticks]:
    clock = Ticks()
    settings = RateLimit(per_user=per_user, per_channel=per_channel,
                         window=timedelta(minutes=1))
    return RateLimiter(settings, clock), clock


def test_a_person_over_the_limit_is_refused_politely_saying_when_to_retry() -> None:
    limit, _ = limiter()
    assert [limit.check("u1", "c1") for _ in range(3)] == [None, None, None]
    assert limit.check("u1", "c1") == (
        "Please slow down: 3 commands a minute per person. Try again in 20 s.")
    assert limit.check("u2", "c1") is None  # someone else in the same channel


def test_the_limit_refills_evenly_over_the_window() -> None:
    limit, clock = limiter()
    for _ in range(3):
        limit.check("u1", "c1")
    clock.now += 19
    assert limit.check("u1", "c1") is not None
    clock.now += 1
    assert limit.check("u1", "c1") is None
    assert limit.check("u1", "c1") is not None


def test_a_busy_channel_is_refused_whoever_asks() -> None:
    limit, _ = limiter(per_user=100, per_channel=5)
    for n in range(5):
        assert limit.check(f"u{n}", "c1") is None
    assert limit.check("u9", "c1") == (
        "This channel is busy: 5 commands a minute at most. Try again in 12 s.")
    assert limit.check("u9", "c2") is None


def test_a_refused_command_does_not_use_up_the_other_bucket() -> None:
    limit, _ = limiter(per_user=1, per_channel=2)
    assert limit.check("u1", "c1") is None
    assert limit.check("u1", "c1") is not None  # the person's limit
    assert limit.check("u2", "c1") is None  # so the channel still had room


def test_a_flood_of_new_ids_keeps_memory_bounded() -> None:
    limit, clock = limiter(per_user=1, per_channel=10**5)
    for n in range(MAX_KEYS + 10):
        limit.check(f"u{n}", "c1")
        clock.now += 0.001
    assert len(limit._buckets) <= MAX_KEYS


def test_the_rate_limit_is_set_in_feeds_yaml() -> None:
    data = yaml.safe_load((Path(__file__).parents[1] / "feeds.yaml").read_text("utf-8"))
    data["rate_limit"] = {"per_user": 2, "per_channel": 9, "window": "30s"}
    config = parse_config(data, "feeds.yaml")
    assert config.rate_limit == RateLimit(per_user=2, per_channel=9,
                                          window=timedelta(seconds=30))
    data["rate_limit"] = {"per_user": 0}
    with pytest.raises(ConfigError, match=r"^feeds.yaml: rate_limit.per_user: "):
        parse_config(data, "feeds.yaml")
    data["rate_limit"] = {"window": "2d"}
    with pytest.raises(ConfigError, match=r"rate_limit.window: must be between 1s and 1d"):
        parse_config(data, "feeds.yaml")


def test_the_shipped_feeds_yaml_sets_the_defaults() -> None:
    assert bundled_config().rate_limit == RateLimit()
