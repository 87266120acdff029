"""Every command under hostile arguments: generated (hypothesis, derandomized) and a fixed
corpus of what broke before (long words, lone surrogates, RTL and zero-width characters,
@everyone, SQL-like text, numbers of every size and form, empty and whitespace).

For every handler, Slack's command-line parsing and Discord's options through the real
discord.py client: no exception escapes, no call spends more than 50 ms of CPU (process
time, so the worker threads' CPU counts too), a refusal is one short line, and an admin
command that is refused writes nothing to the database.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import admin, news, treaty
from bot.commands.context import Caller, Context
from bot.config import Config, RateLimit
from bot.models import Message
from bot.platforms.slack_app import Who, answer
from storage import SQLiteStore, Subscription
from tests.test_discord import item
from tests.test_samples import KNOWLEDGE

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
CPU_LIMIT = 0.050  # seconds of CPU per call
LINE_MAX = 300
ADMIN = Caller("discord", "u-admin", "800000000000000001", is_admin=True)
MEMBER = Caller("discord", "u-member", "800000000000000001", is_admin=False)
# What a successful admin command answers; anything else is a refusal and writes nothing.
DONE = ("Subscribed ", "Unsubscribed ", "Added feed ", "Removed feed ")

LONG_WORDS = ["wordword" * 40, "A" * 400, "a" * 6000, "sanctions" * 33, "ы" * 301,
              "조약" * 150, "mutualdefence" * 23, "e\u0301" * 200]
SURROGATES = ["\ud800", "treaty\udfff", "\udbff\udc00", "a\ud83d"]
BIDI_AND_INVISIBLE = ["\u202etreaty", "\u2066kcna\u2069", "treaty\u200b", "\u200d", "\ufeff4",
                      "sanc\u200btions", "\u200e\u200f", "مرحبا المعاهدة", "שלום"]
MENTIONS = ["@everyone", "@here", "<@&123456789012345678>", "<@1>", "<!channel>",
            "<#C0123ABC|x>", "<https://evil.example|click>"]
SQL_LIKE = ["'; DROP TABLE feeds; --", "1 OR 1=1", "%' OR '1'='1", "\" OR \"\"=\"",
            "Robert'); DELETE FROM subscriptions;--", "1; SELECT * FROM items"]
NUMBERS = ["0", "-1", "1", "4", "20", "21", "1.5", "²", "١٢", "Ⅳ", "½", "五", "1e3", "0x10",
           "+5", " 7 ", "007", "99999999999999999999", str(2**63), str(2**63 - 1), "-0",
           "1_000", "١", "𝟗", "９", "1,000", "NaN", "inf", "4" * 5000]
EMPTY = ["", " ", "\t\n", "\u3000", "\u00a0", "\n\n\n"]
CONTROL = ["\x00", "\x1b[31mred", "\x7f", "a\x08b", "\x85", "treaty\x00kcna"]
CORPUS = [*LONG_WORDS, *SURROGATES, *BIDI_AND_INVISIBLE, *MENTIONS, *SQL_LIKE, *NUMBERS,
          *EMPTY, *CONTROL, "treaty", "troops", "kcna", "https://example.org/rss",
          "http://127.0.0.1/feed", "file:///etc/passwd", "Yonhap", "статья 4", "제4조"]
INTS: list[Any] = [0, -1, 1, 5, 20, 21, 2**31, 2**63, 10**20, -(10**20), True, 1.5]


# --- what a hostile member types --------------------------------------------------------------


def _words() -> st.SearchStrategy[str]:
    word = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
    return st.builds(lambda w, n: w * n, word, st.integers(1, 80))


HOSTILE_TEXT: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(CORPUS),
    st.text(max_size=60),
    st.text(max_size=700),
    st.text(st.characters(categories=["Cs", "Cc", "Cf", "Zs", "Mn"]), max_size=40),
    _words(),
    st.from_regex(r"[+\-]?[0-9]{1,40}(\.[0-9]{0,5})?", fullmatch=True),
    st.lists(st.sampled_from(CORPUS), min_size=1, max_size=6).map(" ".join),
)
NUMBER_LIKE: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(INTS), st.integers(), st.integers(-(10**40), 10**40), HOSTILE_TEXT,
)


# --- the database and the calls ---------------------------------------------------------------


@dataclass
class Harness:
    """A loop, a small real database and the handlers, each call timed in CPU."""

    loop: asyncio.AbstractEventLoop
    ctx: Context
    reader: sqlite3.Connection
    calls: int = 0

    def run(self, call: Callable[[], Awaitable[Any] | Any], what: str) -> Any:
        # As timeit does: a collection of the whole test process's garbage is not the
        # handler's cost, so it happens between calls, not inside one.
        gc.disable()
        try:
            started = time.process_time()
            result = call()
            if asyncio.iscoroutine(result):
                result = self.loop.run_until_complete(result)
            spent = time.process_time() - started
        finally:
            gc.enable()
        self.calls += 1
        assert spent <= CPU_LIMIT, f"{what}: {spent * 1000:.1f} ms of CPU"
        return result

    def fingerprint(self) -> int:
        """SQLite's count of the commits other connections made to the file: any write
        the bot makes, even of the same values, changes it."""
        return int(self.reader.execute("PRAGMA data_version").fetchone()[0])


@contextmanager
def harness(tmp_path: Path, config: Config) -> Iterator[Harness]:
    loop = asyncio.new_event_loop()
    db = tmp_path / "fuzz.sqlite"

    async def setup() -> SQLiteStore:
        store = await SQLiteStore.open(db)
        await store.sync_feeds([(f.name, f.url) for f in config.feeds], NOW)
        feed = (await store.feeds())[0].id
        claim = {"figure": 12000, "claimant": "NIS", "sentence": "NIS: 12,000 troops."}
        await store.save_item(item(feed, "a1", troops=(claim,)), NOW)
        await store.save_item(item(feed, "a2", title="Russia ratified the treaty"), NOW)
        await store.subscribe(Subscription("discord", ADMIN.channel_id, "treaty", None,
                                           "command"))
        return store

    store = loop.run_until_complete(setup())
    roomy = config.model_copy(update={"rate_limit": RateLimit(per_user=10_000,
                                                              per_channel=10_000)})
    reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    h = Harness(loop, Context(store, KNOWLEDGE, roomy, lambda: NOW), reader)
    try:
        for warm in (lambda: news.digest_preview(h.ctx), lambda: treaty.ask_cmd(h.ctx, "x"),
                     lambda: treaty.article_cmd(h.ctx, "4"), lambda: news.troops(h.ctx)):
            loop.run_until_complete(warm())  # imports and caches, before anything is timed
        yield h
    finally:
        reader.close()
        loop.run_until_complete(store.close())
        loop.close()


def check_answer(message: Any) -> None:
    assert isinstance(message, Message)
    if message.ephemeral and not (message.body or message.fields):
        assert "\n" not in message.title and 0 < len(message.title) <= LINE_MAX, message.title


# One entry per handler: how it is called with (text, text, text, number-like).
READ_HANDLERS: dict[str, Callable[[Context, str, str, str, Any], Any]] = {
    "article": lambda c, a, b, d, n: treaty.article_cmd(c, a),
    "ask": lambda c, a, b, d, n: treaty.ask_cmd(c, a),
    "ask (CLI)": lambda c, a, b, d, n: treaty.ask(a, c.knowledge, n),
    "timeline": lambda c, a, b, d, n: treaty.timeline_cmd(c),
    "latest": lambda c, a, b, d, n: news.latest(c, a, n),
    "latest (no topic)": lambda c, a, b, d, n: news.latest(c, None, n),
    "story": lambda c, a, b, d, n: news.story(c, n),
    "troops": lambda c, a, b, d, n: news.troops(c),
    "digest": lambda c, a, b, d, n: news.digest_preview(c),
}
CHOICE_HANDLERS: dict[str, Callable[[Context, str], list[tuple[str, str]]]] = {
    "article autocomplete": lambda c, a: treaty.article_choices(c, a),
    "topic autocomplete": lambda c, a: news.topic_choices(a),
}
ADMIN_HANDLERS: dict[str, Callable[[Context, Caller, str, str, str], Awaitable[Message]]] = {
    "subscribe": lambda c, who, a, b, d: admin.subscribe(c, who, a, b or None, d or None),
    "unsubscribe": lambda c, who, a, b, d: admin.unsubscribe(c, who, a, b or None),
    "feeds add": lambda c, who, a, b, d: admin.feeds_add(c, who, a, b or None),
    "feeds remove": lambda c, who, a, b, d: admin.feeds_remove(c, who, a),
    "feeds list": lambda c, who, a, b, d: admin.feeds_list(c, who),
    "feeds status": lambda c, who, a, b, d: admin.feeds_status(c, who),
}


def call_read(h: Harness, name: str, a: str, b: str, d: str, n: Any) -> None:
    check_answer(h.run(lambda: READ_HANDLERS[name](h.ctx, a, b, d, n),
                       f"{name} {a[:50]!r} {n!r:.50}"))


def call_choices(h: Harness, name: str, a: str) -> None:
    choices = h.run(lambda: CHOICE_HANDLERS[name](h.ctx, a), f"{name} {a[:50]!r}")
    assert isinstance(choices, list) and len(choices) <= 25


def call_admin(h: Harness, name: str, who: Caller, a: str, b: str, d: str) -> None:
    before = h.fingerprint()
    message = h.run(lambda: ADMIN_HANDLERS[name](h.ctx, who, a, b, d), f"{name} {a[:50]!r}")
    check_answer(message)
    if not who.is_admin:
        assert message.title == admin.ADMIN_ONLY
    if not (who.is_admin and message.title.startswith(DONE)):
        assert h.fingerprint() == before, f"{name} refused ({message.title!r}) but wrote"


def call_slack(h: Harness, text: str, is_admin: bool) -> None:
    async def rights() -> bool:
        return is_admin

    who = Who("U0FUZZ", "C0ALERTS1", rights)
    before = h.fingerprint()
    message = h.run(lambda: answer(h.ctx, text, who), f"slack {text[:60]!r}")
    check_answer(message)
    if not (is_admin and message.title.startswith(DONE)):
        assert h.fingerprint() == before, f"{text!r} refused ({message.title!r}) but wrote"


FUZZ = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.large_base_example])


@pytest.fixture
def h(tmp_path: Path, config: Config) -> Iterator[Harness]:
    with harness(tmp_path, config) as running:
        yield running


# --- generated ----------------------------------------------------------------------------------

READ_CASES = 2400
ADMIN_CASES = 1600
SLACK_CASES = 1600
CHOICE_CASES = 400


def test_read_handlers_answer_generated_arguments_in_bounded_cpu(h: Harness) -> None:
    @settings(FUZZ, max_examples=READ_CASES)
    @given(st.sampled_from(sorted(READ_HANDLERS)), HOSTILE_TEXT, HOSTILE_TEXT, HOSTILE_TEXT,
           NUMBER_LIKE)
    def case(name: str, a: str, b: str, d: str, n: Any) -> None:
        call_read(h, name, a, b, d, n)

    case()
    assert h.calls >= READ_CASES


def test_autocomplete_answers_generated_prefixes_in_bounded_cpu(h: Harness) -> None:
    @settings(FUZZ, max_examples=CHOICE_CASES)
    @given(st.sampled_from(sorted(CHOICE_HANDLERS)), HOSTILE_TEXT)
    def case(name: str, a: str) -> None:
        call_choices(h, name, a)

    case()
    assert h.calls >= CHOICE_CASES


def test_admin_handlers_refuse_generated_arguments_without_writing(h: Harness) -> None:
    @settings(FUZZ, max_examples=ADMIN_CASES)
    @given(st.sampled_from(sorted(ADMIN_HANDLERS)), st.sampled_from([ADMIN, MEMBER]),
           HOSTILE_TEXT, HOSTILE_TEXT, HOSTILE_TEXT)
    def case(name: str, who: Caller, a: str, b: str, d: str) -> None:
        call_admin(h, name, who, a, b, d)

    case()
    assert h.calls >= ADMIN_CASES


SUBCOMMANDS = ["", "help", "article", "ask", "latest", "story", "troops", "digest",
               "timeline", "subscribe", "unsubscribe", "feeds", "feeds add", "feeds remove",
               "feeds list", "feeds status", "STORY", "Latest"]


def test_slack_parsing_answers_generated_command_lines(h: Harness) -> None:
    @settings(FUZZ, max_examples=SLACK_CASES)
    @given(st.sampled_from(SUBCOMMANDS), st.lists(HOSTILE_TEXT, max_size=3), st.booleans())
    def case(sub: str, args: list[str], is_admin: bool) -> None:
        call_slack(h, " ".join([sub, *args]), is_admin)

    case()
    assert h.calls >= SLACK_CASES


def test_the_generated_cases_number_at_least_five_thousand() -> None:
    assert READ_CASES + ADMIN_CASES + SLACK_CASES + CHOICE_CASES >= 5000


# --- the fixed corpus ---------------------------------------------------------------------------


def test_every_handler_answers_the_corpus(h: Harness) -> None:
    for value in CORPUS:
        for name in READ_HANDLERS:
            call_read(h, name, value, value, value, value)
        for number in INTS:
            call_read(h, "story", value, value, value, number)
            call_read(h, "latest", "treaty", value, value, number)
        for name in CHOICE_HANDLERS:
            call_choices(h, name, value)
        for name in ADMIN_HANDLERS:
            for who in (ADMIN, MEMBER):
                call_admin(h, name, who, value, value, value)
        for sub in SUBCOMMANDS:
            call_slack(h, f"{sub} {value}", True)
            call_slack(h, f"{sub} {value} {value}", False)


@pytest.mark.parametrize("text", ["ask " + "wordword" * 37, "article " + "A" * 200,
                                  "unsubscribe \ud800", "feeds remove \ud800",
                                  "story 99999999999999999999", "story 1.5", "latest ²",
                                  "story ²"])
def test_the_reported_cases_answer_one_line(h: Harness, text: str) -> None:
    async def rights() -> bool:
        return True

    message = h.run(lambda: answer(h.ctx, text, Who("U1", "C0ALERTS1", rights)), text)
    check_answer(message)
    assert not message.fields, message
    # A question no article answers is answered so (the words no article knows, quoted
    # short); everything else here is refused in one private line.
    assert message.ephemeral or message.title.startswith("No answer"), message


# --- Discord: options as the real discord.py client parses them ----------------------------------

DISCORD_TEXT_OPTIONS = [
    ("article", "number_or_words", None), ("ask", "question", None),
    ("latest", "topic", None), ("subscribe", "topic", None), ("unsubscribe", "topic", None),
    ("feeds", "url", "add"), ("feeds", "name", "remove"),
]


def test_discord_answers_every_corpus_option_with_one_visible_answer(
    tmp_path: Path, config: Config
) -> None:
    from tests.fake_discord import started_fake_discord
    from tests.test_discord import running

    async def scenario() -> int:
        store = await SQLiteStore.open(tmp_path / "discord.sqlite")
        roomy = config.model_copy(update={"rate_limit": RateLimit(per_user=10_000,
                                                                  per_channel=10_000)})
        ctx = Context(store, KNOWLEDGE, roomy, lambda: NOW)
        answered = 0
        try:
            async with started_fake_discord() as fake, running(ctx, fake):
                cases: list[tuple[str, dict[str, Any], str | None]] = [
                    (command, {option: value}, sub)
                    for value in CORPUS for command, option, sub in DISCORD_TEXT_OPTIONS]
                cases += [("story", {"id": n}, None) for n in [*INTS, *NUMBERS]]
                cases += [("latest", {"count": n}, None) for n in [*INTS, *NUMBERS]]
                for command, options, sub in cases:
                    before = len(await store.feeds(active_only=False))
                    record = await fake.interact(command, options, sub=sub)
                    shown = record.answer  # fails when nothing visible answers it
                    assert shown["embeds"] or 0 < len(shown["content"]) <= LINE_MAX, shown
                    if command == "feeds" and sub == "remove":
                        assert len(await store.feeds(active_only=False)) == before
                    answered += 1
                assert not fake.bad_requests, fake.bad_requests[:3]
        finally:
            await store.close()
        return answered

    assert asyncio.run(scenario()) >= len(CORPUS) * len(DISCORD_TEXT_OPTIONS)
