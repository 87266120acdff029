"""The project's own feed corpus for parser comparisons: the bundled samples, the golden
replay inputs, some farm feeds, and broken or unusual variants of them made here.

The variants are the shapes real feeds take that a strict parser may read differently from
feedparser: other encodings, odd dates, markup where text belongs, guid-as-link, RSS 1.0,
Atom with xhtml, cut-off documents, pages that are no feed at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.corpus import feed_xmls

ROOT = Path(__file__).resolve().parent.parent


def project_feeds() -> list[tuple[str, bytes]]:
    files = sorted((ROOT / "bot" / "samples").glob("*.xml"))
    files += sorted((ROOT / "tests" / "data" / "golden").glob("*.xml"))
    return [(str(p.relative_to(ROOT)), p.read_bytes()) for p in files]


def farm_feeds(n: int, items: int = 20) -> list[tuple[str, bytes]]:
    newest = datetime(2025, 4, 28, 12, tzinfo=UTC)
    return [(f"farm/{i}.xml", body) for i, body in enumerate(feed_xmls(n, items, newest))]


def _sub(pattern: str, repl: str, count: int = 0) -> Callable[[bytes], bytes]:
    rx = re.compile(pattern.encode(), re.S)
    return lambda doc: rx.sub(repl.encode(), doc, count=count)


def _reencode(codec: str) -> Callable[[bytes], bytes]:
    def apply(doc: bytes) -> bytes:
        text = doc.decode("utf-8").replace('encoding="UTF-8"', f'encoding="{codec}"')
        text = text.replace('encoding="utf-8"', f'encoding="{codec}"')
        return text.encode(codec, errors="xmlcharrefreplace")
    return apply


def _mislabelled(doc: bytes) -> bytes:
    # Declared UTF-8, written in another encoding: feedparser guesses, expat refuses.
    return doc.decode("utf-8").encode("cp1251", errors="replace")


_DATE = r"(<pubDate>|<published>|<updated>)[^<]*(</)"

# name -> transformation of a feed document
VARIANTS: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda doc: doc[: len(doc) // 2],
    "bom": lambda doc: b"\xef\xbb\xbf" + doc,
    "leading-space": lambda doc: b"\n  " + doc,
    "cp1251": _reencode("windows-1251"),
    "euc-kr": _reencode("euc-kr"),
    "mislabelled-encoding": _mislabelled,
    "no-dates": _sub(r"<(pubDate|published|updated)>[^<]*</\1>\s*", ""),
    "date-no-seconds": _sub(r"(<pubDate>[^<]*\d\d:\d\d):\d\d", r"\1"),
    "date-kst": _sub(r"(<pubDate>[^<]*) [+-]\d{4}(</)", r"\1 KST\2"),
    "date-iso-in-rss": _sub(r"<pubDate>[^<]*</pubDate>", "<pubDate>2024-06-19T10:00:00Z</pubDate>"),
    "date-two-digit-year": _sub(r"(<pubDate>\w+, \d+ \w+ )20(\d\d)", r"\1\2"),
    "date-junk": _sub(_DATE, r"\1yesterday\2"),
    "date-future": _sub(r"(<pubDate>[^<]*)20\d\d", r"\g<1>2099"),
    "date-year-one": _sub(r"(<published>)\d{4}", r"\g<1>0001"),
    "date-no-zone": _sub(r"(<pubDate>[^<]*\d\d:\d\d:\d\d) [^<]*(</)", r"\1\2"),
    "dc-date": _sub(r"<pubDate>([^<]*)</pubDate>", r"<dc:date>2024-06-19T10:00:00+09:00</dc:date>"),
    "markup-in-description": _sub(r"<description>([^<]{0,80})", r"<description><b>x</b>\1", 1),
    "cdata": _sub(r"<description>([^<]*)</description>",
                  r"<description><![CDATA[\1]]></description>"),
    "entities-in-title": _sub(r"<title>", "<title>AT&amp;amp;T &amp;lt;b&amp;gt; &#8216;x&#8217; "),
    "html-entity-nbsp": _sub(r"<title>", "<title>A&nbsp;B "),
    "no-links": _sub(r"<link>[^<]*</link>\s*", ""),
    "empty-link": _sub(r"<link>[^<]*</link>", "<link></link>"),
    "permalink-guid": _sub(r'isPermaLink="false"', 'isPermaLink="true"'),
    "guid-no-attr": _sub(r' isPermaLink="false"', ""),
    "no-guid-no-link": _sub(r"<(guid|link)[^>]*>[^<]*</\1>\s*", ""),
    "space-in-link": _sub(r"<link>([^<]*)</link>", r"<link>  \1\n</link>"),
    "two-titles": _sub(r"(<title>[^<]*</title>)", r"\1<title>second</title>"),
    "xml-lang-item": _sub(r"<item>", '<item xml:lang="de">'),
    "xml-base": _sub(r"<(rss|feed) ", r'<\1 xml:base="https://example.org/base/" '),
    "no-titles": _sub(r"<title>[^<]*</title>", ""),
    "no-description": _sub(r"<(description|summary)[^>]*>[^<]*</\1>", ""),
    "content-encoded": _sub(
        r"</description>",
        "</description><content:encoded>&lt;p&gt;Full text, longer than the summary, with "
        "&lt;a href='/x'&gt;a link&lt;/a&gt; and more words to be the longest.&lt;/p&gt;"
        "</content:encoded>", 1),
    "media-elements": _sub(r"</item>", '<media:thumbnail xmlns:media="http://search.yahoo.com/'
                                       'mrss/" url="https://x/y.jpg"/></item>'),
    "atom-link-in-item": _sub(r"</item>", '<atom:link href="https://elsewhere.example/x" '
                                          'rel="alternate"/></item>'),
    "rss091": _sub(r'version="2.0"', 'version="0.91"'),
    "atom-xhtml": _sub(r'<summary type="text">([^<]*)</summary>',
                       r'<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
                       r"\1</div></summary>"),
    "atom-html-summary": _sub(r'<summary type="text">', '<summary type="html">'),
    "atom-two-links": _sub(r'(<link rel="alternate"[^>]*/>)',
                           r'\1<link rel="alternate" type="text/html" href="https://b.example/2"/>'),
    "atom-relative-link": _sub(r'href="https?://[^/"]+', 'href="'),
    "atom-entry-lang": _sub(r"<entry>", '<entry xml:lang="ko">'),
    "atom-content-src": _sub(r"</entry>", '<content src="https://x.example/c"/></entry>', 1),
}

HANDMADE: dict[str, bytes] = {
    "empty": b"",
    "html-page": b"<!DOCTYPE html><html><head><title>Not a feed</title></head>"
                 b"<body><p>Hello</p></body></html>",
    "json": b'{"version": "https://jsonfeed.org/version/1", "items": []}',
    "rss10-rdf": (
        b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://x.example/">'
        b"<title>RDF</title><link>https://x.example/</link><description>d</description>"
        b'</channel><item rdf:about="https://x.example/1"><title>One</title>'
        b"<link>https://x.example/1</link><description>First item</description></item>"
        b"</rdf:RDF>"
    ),
    "rss-no-channel": b'<?xml version="1.0"?><rss version="2.0"><item><title>x</title></item>'
                      b"</rss>",
    "rss-empty-channel": b'<?xml version="1.0"?><rss version="2.0"><channel><title>Empty'
                         b"</title></channel></rss>",
    "atom-minimal": (
        b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b"<title>Minimal</title><id>urn:x</id><updated>2024-06-19T10:00:00Z</updated>"
        b"<entry><title>Only</title><id>urn:x:1</id><updated>2024-06-19T10:00:00.5+09:00"
        b'</updated><link href="https://x.example/1"/><summary>Words &amp; more</summary>'
        b"</entry></feed>"
    ),
}


def variants(docs: list[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
    for name, doc in docs:
        for variant, transform in VARIANTS.items():
            try:
                changed = transform(doc)
            except (UnicodeError, ValueError):
                continue
            if changed != doc:
                yield f"{name}~{variant}", changed


def corpus(farm: int = 5) -> list[tuple[str, bytes]]:
    """Every document of the comparison: the project's feeds, farm feeds, and variants."""
    return list(iter_corpus(farm))


def iter_corpus(farm: int = 5) -> Iterator[tuple[str, bytes]]:
    """corpus(), one document at a time (the variants are made as they are asked for)."""
    base = project_feeds() + farm_feeds(farm)
    yield from base
    yield from variants(base)
    yield from HANDMADE.items()
