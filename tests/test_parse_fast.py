"""bot.fastparse: for every document of the project's corpus, parse_feed gives the same Items
(or the same error) with the fast path in front of feedparser as with feedparser alone.

The corpus: the bundled samples, the golden replay inputs, generated farm feeds, and broken or
unusual variants of each (other encodings, odd dates, markup in text, guid-as-link, RSS 1.0,
Atom xhtml, cut-off documents, pages that are no feed).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import feedparser
import pytest

import bot.parse as parse_module
from bot.fastparse import parse_fast
from bot.screen import screen

# The corpus is imported by the tests that use it, not when pytest collects this file:
# tests/test_hostile.py measures the memory of processes that pytest starts, and those
# inherit pytest's peak.

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _parse(doc: bytes, fast: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    """parse_feed's Items (or its error), with or without its fast path."""
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(parse_module, "parse_fast", lambda body: None)
        try:
            parsed = parse_module.parse_feed(doc, "Feed", NOW, language="en")
        except parse_module.ParseError as exc:
            return ("error", str(exc))
    return parsed


def test_the_fast_path_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks.feedcorpus import iter_corpus

    # One test over the whole corpus (some 600 documents), made here rather than as
    # parameters, so that the documents do not stay in memory for the rest of the session.
    differ = [name for name, doc in iter_corpus(farm=2)
              if _parse(doc, True, monkeypatch) != _parse(doc, False, monkeypatch)]
    assert differ == []


def test_the_fast_path_reads_the_projects_own_feeds() -> None:
    from benchmarks.feedcorpus import farm_feeds, project_feeds

    # Else it would pay for nothing: the samples and the farm are plain RSS 2.0 and Atom.
    docs = project_feeds() + farm_feeds(3)
    assert [name for name, doc in docs if parse_fast(screen(doc).body) is None] == []


@pytest.mark.parametrize("body", [
    b"",
    b"<html><body>not a feed</body></html>",
    b'<?xml version="1.0"?><rss version="0.91"><channel><title>t</title></channel></rss>',
    b'<rss version="2.0"><channel><item><title>a<b>b</b></title></item></channel></rss>',
    b'<rss version="2.0"><channel><item><pubDate>yesterday</pubDate></item></channel></rss>',
    b'<rss version="2.0"><channel><item><dc:date xmlns:dc="http://purl.org/dc/elements/1.1/">'
    b"2024-01-01</dc:date></item></channel></rss>",
    b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><title type="xhtml"><div '
    b'xmlns="http://www.w3.org/1999/xhtml">x</div></title></entry></feed>',
    b'<rss version="2.0" xml:base="https://x.example/"><channel/></rss>',
])
def test_what_it_does_not_read_goes_to_feedparser(body: bytes) -> None:

    assert parse_fast(body) is None


def test_it_returns_what_feedparser_callers_read() -> None:

    body = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        b"<language>ko</language><item><title>A &amp; B</title><link> https://x.example/1 "
        b"</link><guid>g1</guid><pubDate>Wed, 19 Jun 2024 16:55:00 +0900</pubDate>"
        b"<description>&lt;p&gt;Text&lt;/p&gt;</description></item></channel></rss>"
    )
    fast, slow = parse_fast(body), feedparser.parse(io.BytesIO(body))
    assert fast is not None
    read: list[Callable[[Any], Any]] = [
        lambda p: p.feed.get("title"), lambda p: p.feed.get("language"),
        lambda p: p.get("version"), lambda p: len(p.entries),
        lambda p: p.entries[0].get("title"), lambda p: p.entries[0].get("link"),
        lambda p: p.entries[0].get("id"), lambda p: p.entries[0].get("summary"),
        lambda p: p.entries[0].get("published_parsed"),
    ]
    assert [f(fast) for f in read] == [f(slow) for f in read]
