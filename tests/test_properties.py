"""Properties that hold for any input: links, the matcher, the console renderer.

Hypothesis runs derandomized (the same examples on every run) and keeps no database, so the
suite stays deterministic. The Discord and Slack renderers' properties live with their tests.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.match import _CARDINALS, _ORDINALS, article_refs, troop_claims
from bot.models import Field, Message
from bot.render.console import render
from bot.text import fold
from bot.troops import MAX_FIGURE
from bot.urls import canonical_url

settings.register_profile(
    "treatywatch", derandomize=True, database=None, deadline=None, max_examples=300,
    print_blob=True,
)
settings.load_profile("treatywatch")

# --- canonical_url --------------------------------------------------------------------------

SCHEMES = st.sampled_from(["http", "https", "HTTP", "Https", "ftp", "javascript", "", "file"])
HOSTS = st.one_of(
    st.sampled_from(["wire.example", "WIRE.Example", "xn--9n2bp8q.example", "127.0.0.1",
                     "[::1]", "[fe80::1%25eth0]", "", "a" * 70, "user:pw@wire.example"]),
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=20),
)
PORTS = st.sampled_from(["", ":80", ":443", ":8080", ":0", ":65535", ":99999", ":x", ":"])
KEYS = st.one_of(
    st.sampled_from(["utm_source", "UTM_Medium", "utm_", "utm%5Fsource", "fbclid", "id", "p",
                     "ref", "q", "a b", "ключ", ""]),
    st.text(max_size=8),
)
PAIRS = st.lists(st.tuples(KEYS, st.text(max_size=8)), max_size=5)


@st.composite
def urls(draw: st.DrawFn) -> str:
    query = "&".join(f"{k}={v}" for k, v in draw(PAIRS))
    path = draw(st.text(max_size=20))
    fragment = draw(st.sampled_from(["", "#top", "#", "#a?b=c"]))
    return (f"{draw(SCHEMES)}://{draw(HOSTS)}{draw(PORTS)}/{path}"
            + (f"?{query}" if query else "") + fragment)


ANY_URL = st.one_of(urls(), st.text(max_size=60))


@given(ANY_URL)
def test_canonical_url_never_raises_and_gives_nothing_or_an_http_url(url: str) -> None:
    result = canonical_url(url)
    assert result == "" or result.startswith(("http://", "https://"))


@given(ANY_URL)
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once


@pytest.mark.parametrize("url", ["http://[::1]/", "http://[2001:db8::1]:8080/a",
                                 "http://wire.example/?id=\x0c#top", "https://x.example/a?b=\x1f#f"])
def test_canonical_url_is_idempotent_for_ipv6_hosts_and_control_characters(url: str) -> None:
    once = canonical_url(url)
    assert once.startswith("http") and canonical_url(once) == once


@given(urls())
def test_canonical_url_drops_every_utm_parameter(url: str) -> None:
    query = urlsplit(canonical_url(url)).query
    assert not any(key.lower().startswith("utm_")
                   for key, _ in parse_qsl(query, keep_blank_values=True))


# --- the matcher ----------------------------------------------------------------------------

WORDS = [
    "Article", "article", "Articles", "Art.", "art", "and", "or", "to", "-", "–", ",", "&",
    "the", "fourth", "twenty-third", "first", "seven", "twenty", "of", "the UN Charter",
    "NATO's", "treaty", "1961", "제", "조", "조원", "статья", "статьи", "ст.", "и", "устава",
    "North Korean", "troops", "soldiers", "north korea", "북한군", "명", "만", "천", "여",
    "КНДР", "военных", "тысяч", "тыс.", "thousand", "k", "NIS", "Zelensky", "KCNA",
    "Pentagon", ".", "\n", "said", "about", "около", "약", "\u00a0", "４", "٤",
]
NUMBERS = st.one_of(
    st.integers(0, 300).map(str),
    st.integers(0, 300_000).map(lambda n: f"{n:,}"),
    st.integers(0, 300_000).map(lambda n: f"{n:,}".replace(",", " ")),
    st.decimals(0, 100, places=1).map(str),
)
TOKENS = st.one_of(st.sampled_from(WORDS), NUMBERS, st.text(max_size=4))
SMALL = st.integers(0, 40).map(str)


@st.composite
def article_phrases(draw: st.DrawFn) -> str:
    """What a citation looks like: "Articles 3 to 5 of the UN Charter", "제4조", "статья 4"."""
    number = draw(st.one_of(
        SMALL, st.tuples(SMALL, st.sampled_from([" and ", "-", " to ", ", ", " и ", "–"]), SMALL)
        .map("".join), st.sampled_from(list(_CARDINALS)),
    ))
    return draw(st.sampled_from([
        f"Article {number}", f"Articles {number}", f"Art. {number}", f"art {number}",
        f"the {draw(st.sampled_from(list(_ORDINALS)))} article", f"제{number}조",
        f"제 {number} 조", f"статья {number}", f"статьи {number}", f"ст. {number}",
    ])) + draw(st.sampled_from(["", " of the treaty", " of the UN Charter", " of the 1961 treaty",
                                " of NATO", " устава ООН", "원"]))


@st.composite
def troop_phrases(draw: st.DrawFn) -> str:
    """What a troop figure looks like, in the three languages, with and without context."""
    n = draw(st.integers(0, 300_000))
    k = draw(st.integers(0, 300))
    return draw(st.sampled_from([
        f"{n:,} North Korean troops", f"{n} DPRK soldiers", f"{k} thousand North Korean troops",
        f"{k}.{draw(st.integers(0, 9))}k KPA personnel", f"{n:,}".replace(",", " ")
        + " northern troops", f"북한군 {k}만{draw(st.sampled_from(['', '1000', '2,000']))}명",
        f"북한군 약 {n:,}여 명", f"около {k} тысяч военных КНДР",
        f"{n:,}".replace(",", "\u00a0") + " северокорейских военнослужащих",
        f"{k},{draw(st.integers(0, 9))} тыс. солдат КНДР", f"{n} troops",
    ])) + draw(st.sampled_from(["", ", NIS said.", ", Zelensky says", " — KCNA", ". Pentagon"]))


def prose(phrases: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Text built mostly of ``phrases`` among noise, some of it glued without spaces."""
    pieces = st.one_of(phrases, TOKENS, st.text(max_size=12))
    return st.one_of(
        st.lists(phrases, min_size=1, max_size=4).map(". ".join),
        st.lists(pieces, max_size=12).map(" ".join),
        st.lists(pieces, max_size=12).map("".join),
        st.lists(TOKENS, max_size=30).map(" ".join),
        st.text(max_size=200),
    )


ARTICLE_PROSE = prose(article_phrases())
TROOP_PROSE = prose(troop_phrases())
NUMBER_WORDS = {**_ORDINALS, **_CARDINALS}


def numbers_in(text: str) -> set[int]:
    """Every number the text writes: as digits (any script), or as an English number word."""
    folded = fold(text)
    found = {int(d) for d in re.findall(r"\d+", folded)}
    found |= {n for word, n in NUMBER_WORDS.items() if re.search(rf"(?<!\w){word}(?!\w)", folded)}
    return found


@given(ARTICLE_PROSE)
def test_article_references_are_numbers_the_text_writes(text: str) -> None:
    written = numbers_in(text)
    for n in article_refs(text):
        # "Articles 3 to 5" cites 4 too: a number may lie within a written range.
        assert n in written or any(a < n < b for a in written for b in written), (n, text)
        assert 1 <= n <= 23


def significant(figure: int) -> str:
    return str(figure).rstrip("0") or "0"


def digit_runs(text: str) -> list[str]:
    """The digits of each number-like run: 11,000 / 11 000 / 1만1000 / 1.5 (thousand)."""
    runs = re.findall(r"\d[\d,.\u00a0 만천]*", fold(text))
    return ["".join(c for c in run if c.isdigit()) for run in runs]


@given(TROOP_PROSE, st.text(min_size=1, max_size=20))  # an outlet always has a name
def test_troop_figures_come_from_the_text_s_digits(text: str, outlet: str) -> None:
    runs = digit_runs(text)
    for claim in troop_claims(text, outlet):
        assert 100 <= claim.figure <= MAX_FIGURE
        # 11,000 and "11 thousand" and "1만1000" all carry the digits 11.
        assert any(significant(claim.figure) in str(int(run)) for run in runs if run), (
            claim.figure, text)
        assert claim.claimant


# --- the console renderer -------------------------------------------------------------------

TEXT = st.text(max_size=600)
TIMES = st.one_of(
    st.none(),
    # Hypothesis takes naive bounds and adds the zone itself.
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),  # noqa: DTZ001
                 timezones=st.just(UTC)),
    st.just(datetime(2025, 7, 1, tzinfo=UTC) + timedelta(microseconds=1)),
)
MESSAGES = st.builds(
    Message,
    title=TEXT,
    body=TEXT,
    link=st.one_of(st.none(), TEXT),
    fields=st.lists(st.builds(Field, name=TEXT, value=TEXT, inline=st.booleans()), max_size=8)
    .map(tuple),
    outlets=st.lists(TEXT, max_size=5).map(tuple),
    footer=TEXT,
    image=st.one_of(st.none(), TEXT),
    timestamp=TIMES,
    ephemeral=st.booleans(),
    links=st.lists(st.tuples(TEXT, TEXT), max_size=5).map(tuple),
)


@given(MESSAGES)
def test_the_console_renderer_never_raises(message: Message) -> None:
    out = render(message)
    assert isinstance(out, str) and out.startswith("■ ")
