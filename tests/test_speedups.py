"""The performance shortcuts of issue #8 give exactly what the plain code gave.

Each shortcut is checked against a straightforward reference written here: folding, the regex
prefilter of term lists, joined texts, the MinHash sketch, the syndication bound, the
article prefilter; and, in storage, the capped candidate search and the
one-round-trip transactions.
"""

from __future__ import annotations

import heapq
import random
import re
import unicodedata
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.fold import _may_copy, _similarity, features, minhash
from bot.match import _article_refs, _may_cite, article_refs
from bot.terms import TermSet, Text, fold_pattern, required_strings
from bot.text import _COMBINING, fold, words
from storage import NewItem, SQLiteStore, StorageError, Subscription

# --- folding ------------------------------------------------------------------------------------


def _fold_reference(text: str) -> str:
    folded = text.casefold()
    return unicodedata.normalize("NFC", _COMBINING.sub("", unicodedata.normalize("NFKD", folded)))


def test_fold_equals_the_reference_on_every_code_point() -> None:
    chars = (chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert [c for c in chars if fold(c) != _fold_reference(c)] == []


def test_fold_equals_the_reference_on_mixed_strings() -> None:
    rng = random.Random(8)
    pools = [
        "aéйёЁЙ\u0301\u0306\u0308ß≠①²",
        "".join(map(chr, range(0xAC00, 0xAC40))) + "\u1100\u1161\u11a8ㄱ",
        "".join(map(chr, range(0x300, 0x370))) + "aeiouAEIOU ",
        "".join(map(chr, range(0xC0, 0x3000, 7))),
    ]
    for i in range(20_000):
        pool = pools[i % len(pools)]
        text = "".join(rng.choice(pool) for _ in range(rng.randint(1, 12)))
        assert fold(text) == _fold_reference(text), [hex(ord(c)) for c in text]


# --- term lists ---------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", [
    r"(mutual|common)[- ]defen[cs]e (pact|treaty|agreement)",
    r"(dprk|kpa|korean people's army) (troops|soldiers|forces|units)",
    r"(deploy\w*|send|sent) ([\w,.]+ ){0,5}(troops|soldiers) to (help )?russia",
    r"north korea('s)? (troop )?deployment", r"x*y+z", r"(ab)?c", r"[ab]cd", r"a|bc",
    r"(?:abc){2,}d", r"(?=abc)d", r"колон\w+ (войск|армии)", r"북한군?\s*\d+명",
])
def test_a_pattern_is_skipped_only_when_it_cannot_match(pattern: str) -> None:
    rx = re.compile(pattern)
    needs = required_strings(pattern)
    rng = random.Random(pattern)
    alphabet = [*"abcdxyz -'sortupkeinvmlhg", "troops", "russia", "north korea", "pact",
                "колонна войск", "북한군 12명"]
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        if rx.search(text):
            assert needs is None or any(n in text for n in needs), (text, needs)


def test_patterns_with_flags_or_no_literal_are_always_searched() -> None:
    assert required_strings("(?i)kcna") is None
    assert required_strings(r"\d+") is None
    assert required_strings("a|") is None


def test_term_lists_find_what_the_plain_scan_finds() -> None:
    terms = ["kcna", "north korea*", "kim jong un", "북한", "조약", "договор*",
             "re:treaty (with|between)", "state media", "re:(deploy\\w*) troops"]
    termset = TermSet.build(terms)
    text = Text.of("KCNA: North Koreans sign a treaty with Russia. 북한은 조약을… Договора "
                   "state media said Kim Jong Un deployed troops")
    plain = {i for i, _, _ in termset.occurrences(text)}
    plain |= {i for i, rx, _ in termset._regexes if rx.search(text.folded)}
    assert termset.found_indices(text) == plain == set(range(len(terms)))
    assert fold_pattern("Treaty") == "treaty"


def test_a_joined_text_is_the_text_of_the_joined_strings() -> None:
    for a, b in [("Putin meets Kim", "Pyongyang, June 19"), ("북러 조약", "Договор\u0301 ё"),
                 ("north", "korea deal"), ("", "x")]:
        joined = Text.of(a).joined(Text.of(b))
        whole = Text.of(f"{a}\n{b}")
        assert (joined.folded, joined.words) == (whole.folded, whole.words)


# --- folding features ---------------------------------------------------------------------------


def _minhash_reference(text: str) -> tuple[int, ...]:
    tokens = words(text)
    shingles = {
        zlib.crc32(" ".join(tokens[i : i + 3]).encode())
        for i in range(max(1, len(tokens) - 3 + 1))
    }
    return tuple(heapq.nsmallest(32, shingles))


@pytest.mark.parametrize("text", ["", "one", "one two", "one two three", "Путин и Ким " * 40,
                                  "북한군 1만1000명 파병 " * 30, "a b c d e f g h " * 50])
def test_the_sketch_equals_the_reference(text: str) -> None:
    assert minhash(text) == _minhash_reference(text)


@pytest.mark.parametrize("cut", [499, 500, 501, 700, 1499, 1500, 1501, 3000])
def test_features_sketch_the_first_1500_characters_wherever_words_fall(cut: int) -> None:
    rng = random.Random(cut)
    vocabulary = ["KCNA", "said", "Putin", "조약", "договор", "troops", "ё", "Kursk"]
    summary = ""
    while len(summary) < cut:
        summary += rng.choice(vocabulary) + rng.choice([" ", "\n", ", "])
    summary = summary[:cut]
    title = "North Korea ratifies treaty"
    assert features(title, summary).minhash == _minhash_reference(f"{title} {summary[:1500]}")


def test_the_syndication_bound_never_rules_out_a_copy() -> None:
    rng = random.Random(3)
    for _ in range(20_000):
        a = frozenset(rng.sample(range(60), rng.randint(0, 32)))
        b = frozenset(rng.sample(range(60), rng.randint(0, 32)))
        if _similarity(a, b) >= 0.5:
            assert _may_copy(a, b)


# --- matching prefilters ------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "Article 4 of the treaty", "the fourth article", "Art. 7 and arts 3-5", "статья 4 договора",
    "ст. 4", "제4조에 따라", "북러조약제4조", "no reference here", "Articles four and five",
    "particle physics 4", "статистика 2024", "the twenty-first article",
])
def test_the_article_prefilter_loses_nothing(text: str) -> None:
    assert (_article_refs(fold(text)) if _may_cite(Text.of(text)) else ()) == article_refs(text)


# --- storage ------------------------------------------------------------------------------------

NOW = datetime(2025, 1, 10, tzinfo=UTC)


def _item(n: int, when: datetime, keys: list[str], story: int | None = None) -> NewItem:
    return NewItem(
        feed_id=1, guid=f"g{n}", link=f"https://x.example/{n}", title=f"Title {n}",
        summary="Summary", published=when, date_from_feed=True, first_seen=NOW, language="en",
        topics=["treaty"], articles=[4], troops=[], why={},
        features={"concepts": {"KURSK": 3.0}, "action": None, "minhash": [n]}, keys=keys,
        story_id=story, alert=True,
    )


@pytest.fixture
async def store(tmp_path: Path) -> SQLiteStore:
    opened = await SQLiteStore.open(tmp_path / "t.sqlite")
    await opened.sync_feeds([("feed", "https://x.example/feed")], NOW)
    await opened.sync_config_subscriptions([Subscription("discord", "1", "treaty", None,
                                                         "config")])
    yield opened  # type: ignore[misc]
    await opened.close()


async def test_aiosqlite_still_runs_functions_on_its_thread(store: SQLiteStore) -> None:
    # The one-round-trip transactions use aiosqlite's own queue (Connection._execute).
    assert callable(getattr(store._db, "_execute", None))


async def test_each_key_brings_the_nearest_items_on_both_sides(store: SQLiteStore) -> None:
    for n in range(40):
        await store.save_item(_item(n, NOW + timedelta(hours=n - 20), ["c:GENERIC"]), NOW)
    await store.save_item(_item(99, NOW + timedelta(days=5), ["c:GENERIC", "m:7"]), NOW)
    found = await store.candidates(["c:GENERIC", "m:7"], NOW - timedelta(days=14),
                                   NOW + timedelta(days=14), per_key=3)
    hours = sorted(round((c.published - NOW) / timedelta(hours=1)) for c in found)
    # 3 either side of the middle for the generic key, and the rare key's one item.
    assert hours == [-2, -1, 0, 1, 2, 3, 120]


async def test_few_rows_per_key_come_back_as_before(store: SQLiteStore) -> None:
    for n in range(10):
        await store.save_item(_item(n, NOW + timedelta(hours=n), [f"c:K{n % 3}"]), NOW)
    found = await store.candidates(["c:K0", "c:K1", "c:K1"], NOW, NOW + timedelta(hours=9))
    # Items 1, 4, 7, 10 have K0 and 2, 5, 8 have K1: all of them, newest first, as before.
    assert [c.item_id for c in found] == [10, 8, 7, 5, 4, 2, 1]


async def test_many_keys_are_searched_in_parts(store: SQLiteStore) -> None:
    keys = [f"c:N:{n}" for n in range(450)]
    await store.save_item(_item(1, NOW, keys[::100]), NOW)
    found = await store.candidates(keys, NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert [c.item_id for c in found] == [1]


async def test_a_batch_is_saved_whole_with_its_deliveries(store: SQLiteStore) -> None:
    saved = await store.save_items([_item(1, NOW, ["c:A"]), _item(2, NOW, ["c:A"])], NOW)
    assert [s.item_id for s in saved if s] == [1, 2]
    assert (await store.stats()).pending_deliveries == 2  # one post per new story
    with pytest.raises(StorageError):  # the third names a story that does not exist
        await store.save_items([_item(3, NOW, []), _item(4, NOW, [], story=999)], NOW)
    assert await store.find_item(1, "g3", "") is None  # nothing of the failed batch stayed
    assert (await store.stats()).items == 2
    assert await store.save_item(_item(1, NOW, []), NOW) is None  # stored already
