"""A corpus of broken and unusual feeds through fetch → parse → match → fold → store.

240 documents are generated from a fixed seed: RSS 0.91 (Netscape and Userland), 1.0 and 2.0,
Atom 0.3 and 1.0, JSON Feed, HTML and plain garbage; then mangled: other encodings (declared
right, wrong, or unknown), truncation at random offsets, stray bytes, control characters,
CDATA, namespaces, entities, bad dates and links, huge titles, small bombs. All of them are
served on 127.0.0.1 and polled in one cycle of the real Pipeline with a real SQLite file: no
exception may escape, and each feed ends either stored or failing with a one-line reason.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from bot.config import Config, Feed
from bot.fetch import Fetcher
from bot.pipeline import Pipeline, fetch_limits
from storage import SQLiteStore
from tests.feedserver import started_feed_server

SEED = 20250701
SIZE = 240
NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)

TEXTS = [
    ("North Korea ratifies defence treaty with Russia",
     "KCNA said the Comprehensive Strategic Partnership treaty takes effect; Article 4 "
     "provides for military assistance without delay."),
    ("{n:,} North Korean troops deployed to Kursk, NIS says",
     "South Korea's NIS said about {n:,} North Korean soldiers were sent to Russia."),
    ("북한군 {k}만{r}명 러시아 파병",
     "국정원은 북한군 약 {k}만{r}명이 러시아에 파병됐다고 밝혔다."),
    ("Договор о всеобъемлющем стратегическом партнерстве вступил в силу",
     "Около {k} тысяч военных КНДР находятся в Курской области, заявил Зеленский. Статья {a}."),
    ("Kim Jong Un meets Shoigu in Pyongyang — KCNA", "Rodong Sinmun reported the talks."),
    ("Seoul weather: heavy snow", "Snow falls on Seoul; flights delayed."),
    ("Articles {a} and {b} of the treaty, explained", "The treaty's {a}th article and NATO's "
     "Article 5 differ; Article 51 of the UN Charter is cited too."),
    ("조선중앙통신: 조러 조약 제{a}조", "조선중앙통신은 제{a}조를 인용했다."),
]
DATES = [
    None, "Tue, 01 Jul 2025 09:00:00 +0900", "2025-06-30T10:00:00Z", "Mon, 32 Foo 2025",
    "0000-00-00T00:00:00Z", "Fri, 01 Jan 2100 00:00:00 GMT", "yesterday", "1 Jan 0001",
    "2025-13-45", "Sun, 01 Jun 2025 12:00:00 GMT", "",
]
LINKS = [
    "https://wire.example/a?utm_source=rss&amp;id={i}#top", "/relative/{i}",
    "javascript:alert({i})",
    "https://xn--9n2bp8q.example/{i}", "https://wire.example/" + "x" * 3000, "", "http://[::1/",
    "https://wire.example/{i}",
]
ENCODINGS = [
    # (codec used for the bytes, encoding declared in the document or None for no declaration)
    ("utf-8", "utf-8"), ("utf-8", None), ("utf-8-sig", "utf-8"), ("utf-16", "utf-16"),
    ("cp1251", "utf-8"), ("cp1251", "windows-1251"), ("euc-kr", "euc-kr"), ("koi8-r", "koi8-r"),
    ("latin-1", "iso-8859-1"), ("shift_jis", "shift_jis"), ("utf-8", "windows-1251"),
    ("utf-8", "x-unknown-charset"), ("utf-8", "undefined"), ("utf-32", "utf-32"),
]


def text(rng: random.Random, i: int) -> tuple[str, str]:
    title, summary = rng.choice(TEXTS)
    values = {"n": rng.choice([600, 3000, 10_000, 11_000, 12_000, 99]),
              "k": rng.randint(1, 12), "r": rng.choice([0, 1000, 2000]),
              "a": rng.randint(1, 30), "b": rng.randint(1, 30), "i": i}
    return title.format(**values), summary.format(**values)


def date(rng: random.Random) -> str | None:
    return rng.choice(DATES)


def link(rng: random.Random, i: int) -> str:
    return rng.choice(LINKS).format(i=i)


def rss20(rng: random.Random, n: int) -> str:
    items = []
    for i in range(n):
        title, summary = text(rng, i)
        when = date(rng)
        extra = rng.choice([
            "", f"<content:encoded><![CDATA[<p>{summary}</p><script>x()</script>]]>"
                "</content:encoded>",
            "<dc:creator>Reporter</dc:creator><media:content url=\"https://x.example/i.jpg\"/>",
            f"<category>{escape(title)}</category>" * 3,
        ])
        items.append(
            f"<item><title>{escape(title)}</title><link>{link(rng, i)}</link>"
            f"<guid>{rng.choice([f'g{i}', 'same', ''])}</guid>"
            + (f"<pubDate>{when}</pubDate>" if when is not None else "")
            + f"<description>{escape(summary)}</description>{extra}</item>"
        )
    return ('<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Wire</title>'
            f"<language>{rng.choice(['en', 'ko-KR', 'ru', 'xx-invalid', ''])}</language>"
            + "".join(items) + "</channel></rss>")


def rss091(rng: random.Random, n: int) -> str:
    doctype = rng.choice([
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">', ""])
    items = "".join(
        f"<item><title>{escape(t)}&nbsp;&eacute;&mdash;</title><link>{link(rng, i)}</link>"
        f"<description>{escape(s)}</description></item>"
        for i, (t, s) in enumerate(text(rng, i) for i in range(n)))
    return (f'{doctype}<rss version="0.91"><channel><title>Old</title>'
            f"<language>en-us</language>{items}</channel></rss>")


def rss10(rng: random.Random, n: int) -> str:
    items = "".join(
        f'<item rdf:about="{link(rng, i)}"><title>{escape(t)}</title><link>{link(rng, i)}</link>'
        f"<dc:date>{date(rng) or ''}</dc:date><description>{escape(s)}</description></item>"
        for i, (t, s) in enumerate(text(rng, i) for i in range(n)))
    return ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            '<channel rdf:about="https://wire.example/"><title>RDF</title></channel>'
            f"{items}</rdf:RDF>")


def atom10(rng: random.Random, n: int) -> str:
    entries = []
    for i in range(n):
        title, summary = text(rng, i)
        content = rng.choice([
            f'<content type="html">{escape(f"<p>{summary}</p>")}</content>',
            f'<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>{escape(summary)}'
            "</p></div></content>",
            f"<summary><![CDATA[{summary}]]></summary>",
        ])
        entries.append(
            f"<entry><title>{escape(title)}</title><id>urn:uuid:{rng.getrandbits(64):x}</id>"
            f'<link href="{link(rng, i)}"/><updated>{date(rng) or ""}</updated>{content}</entry>')
    return ('<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ko"><title>Atom</title>'
            "<id>urn:feed</id><updated>2025-07-01T00:00:00Z</updated>"
            + "".join(entries) + "</feed>")


def atom03(rng: random.Random, n: int) -> str:
    entries = "".join(
        f"<entry><title>{escape(t)}</title><id>tag:x,{i}</id>"
        f'<link rel="alternate" type="text/html" href="{link(rng, i)}"/>'
        f"<issued>{date(rng) or ''}</issued><modified>2025-06-30T10:00:00Z</modified>"
        f'<content type="text/html" mode="escaped">{escape(s)}</content></entry>'
        for i, (t, s) in enumerate(text(rng, i) for i in range(n)))
    return (f'<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>Atom 0.3</title>'
            f"{entries}</feed>")


def json_feed(rng: random.Random, n: int) -> str:
    items = [{"id": str(i), "url": link(rng, i), "title": t, "content_text": s,
              "date_published": date(rng)} for i, (t, s) in enumerate(text(rng, i)
                                                                       for i in range(n))]
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "JSON",
                       "items": items}, ensure_ascii=rng.random() < 0.5)


def html_page(rng: random.Random, n: int) -> str:
    title, summary = text(rng, 0)
    return (f"<!DOCTYPE html><html><head><title>{escape(title)}</title>"
            '<link rel="alternate" type="application/rss+xml" href="/feed"></head>'
            f"<body><h1>{escape(title)}</h1><p>{escape(summary)}</p></body></html>")


def garbage(rng: random.Random, n: int) -> str:
    return "".join(chr(rng.randint(1, 0x2FFF)) for _ in range(rng.randint(0, 400)))


def entities(rng: random.Random, n: int) -> str:
    head = rng.choice([
        '<!DOCTYPE rss [<!ENTITY nbsp "&#160;"><!ENTITY org "KCNA">]>',
        '<!DOCTYPE rss [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;">]>',
        '<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
        "",
    ])
    items = "".join(
        f"<item><title>{escape(t)} &org; &nbsp;&copy;&#0;&#xD800;&#99999999;&bogus;&b;&x;"
        f"</title><guid>e{i}</guid></item>"
        for i, (t, _) in enumerate(text(rng, i) for i in range(n)))
    return f'{head}<rss version="2.0"><channel><title>Ents</title>{items}</channel></rss>'


KINDS: list[Callable[[random.Random, int], str]] = [
    rss20, rss20, rss091, rss10, atom10, atom03, json_feed, html_page, garbage, entities,
]


def encode(rng: random.Random, document: str, xml: bool) -> bytes:
    codec, declared = rng.choice(ENCODINGS)
    if xml and declared is not None:
        document = f'<?xml version="1.0" encoding="{declared}"?>' + rng.choice(["", "\n"]) \
            + document
    return document.encode(codec, errors="xmlcharrefreplace" if xml else "replace")


def mangle(rng: random.Random, body: bytes) -> tuple[bytes, str]:
    how = rng.choice(["none", "none", "truncate", "truncate", "stray-bytes", "controls",
                      "huge-title", "prefix-junk", "suffix-junk", "double"])
    if how == "truncate" and body:
        body = body[: rng.randrange(len(body))]
    elif how == "stray-bytes":
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(body) + 1)
            body = body[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 4))) \
                + body[at:]
    elif how == "controls":
        body = body.replace(b"</title>", b"\x00\x0b\x1b</title>", 1)
    elif how == "huge-title":
        body = body.replace(b"<title>", b"<title>" + b"Treaty " * 20_000, 1)
    elif how == "prefix-junk":
        body = b"\n\n  Warning: PHP notice in feed.php on line 12\n" + body
    elif how == "suffix-junk":
        body = body + b"<!-- cached --><div>junk</div>\x00"
    elif how == "double":
        body = body + body
    return body, how


def corpus() -> list[tuple[str, bytes, str]]:
    """(name, body, Content-Type), the same on every run."""
    rng = random.Random(SEED)
    docs = []
    for i in range(SIZE):
        kind = KINDS[i % len(KINDS)]
        xml = kind not in (json_feed, garbage)
        body, how = mangle(rng, encode(rng, kind(rng, rng.randint(0, 8)), xml))
        content_type = rng.choice(["application/rss+xml", "text/xml", "application/json",
                                   "text/html; charset=utf-8", "application/octet-stream"])
        docs.append((f"c{i:03d}-{kind.__name__}-{how}", body, content_type))
    return docs


def test_the_corpus_is_deterministic_and_varied() -> None:
    first, again = corpus(), corpus()
    assert first == again
    assert len(first) >= 200
    assert len({name.split("-", 1)[1] for name, _, _ in first}) >= 60  # kind × mangling pairs


async def test_every_broken_feed_goes_through_the_pipeline_without_an_exception(
    config: Config, tmp_path: Path
) -> None:
    docs = corpus()
    store = await SQLiteStore.open(tmp_path / "corpus.sqlite")
    try:
        async with started_feed_server() as server:
            for name, body, content_type in docs:
                server.add(f"/{name}", body, content_type=content_type)
            cfg = config.model_copy(update={
                "feeds": tuple(Feed(name=name, url=f"{server.url}/{name}")
                               for name, _, _ in docs),
                "fetch": config.fetch.model_copy(update={
                    "total_timeout": 20, "max_concurrency": 64, "per_host": 64,
                    "allow_private": True}),
                "poll": config.poll.model_copy(update={"max_age": timedelta(days=3650)}),
            })
            pipeline = Pipeline(cfg, store, clock=lambda: NOW)
            await pipeline.sync()
            async with Fetcher(fetch_limits(cfg)) as fetcher:
                reports = await pipeline.poll(fetcher)  # an escaping exception fails the test
        rows = {f.name: f for f in await store.feeds()}
        stats = await store.stats()
    finally:
        await store.close()

    assert len(reports) == len(docs)
    outcome = Counter(r.status for r in reports)
    assert set(outcome) <= {"ok", "error"}
    for report in reports:
        row = rows[report.feed]
        if report.status == "ok":
            assert row.healthy, report.feed
        else:
            assert row.failures == 1 and row.last_error, report.feed
            assert "\n" not in row.last_error and len(row.last_error) <= 200, row.last_error
    # The corpus is neither all garbage nor all clean: both paths are exercised.
    assert outcome["ok"] >= SIZE // 4 and outcome["error"] >= SIZE // 10, outcome
    assert stats.items >= 200 and stats.stories >= 10
    errors = Counter(r.error.split(":")[0] for r in reports if r.error)
    assert {"not a feed", "truncated document", "refused"} <= set(errors), errors
