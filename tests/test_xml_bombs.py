"""XML bombs and external entities are refused before feedparser; harmless DOCTYPEs still parse.

Unscreened, feedparser expands internal entities when the DOCTYPE shares the XML declaration's
line: the 492-byte six-level "billion laughs" below costs it about a second and 100 MB, for a
title of 3,000,000 characters. Screened, each bomb is refused in well under a millisecond.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Config, Feed
from bot.fetch import Fetcher
from bot.parse import ParseError, parse_feed
from bot.pipeline import Pipeline, fetch_limits
from bot.screen import MAX_ENTITIES, MAX_ENTITY_CHARS, Refused, screen
from storage import SQLiteStore
from tests.feedserver import started_feed_server
from tests.hostile import counting_server, good_feed

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'
NETSCAPE = ('<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
            '"http://my.netscape.com/publish/formats/rss-0.91.dtd">')
REFUSE_WITHIN = 0.05  # seconds: "in milliseconds", with room for a loaded CI machine


def feed(head: str, title: str, *, declaration: str = DECLARATION, sep: str = "") -> bytes:
    return (f"{declaration}{sep}{head}<rss version=\"2.0\"><channel><title>Wire</title>"
            f"<item><title>{title}</title><guid>1</guid></item></channel></rss>").encode()


def laughs(levels: int = 9, width: int = 10) -> str:
    decls = ['<!ENTITY l0 "lol">'] + [
        f'<!ENTITY l{i} "{f"&l{i - 1};" * width}">' for i in range(1, levels + 1)
    ]
    return f"<!DOCTYPE rss [{''.join(decls)}]>"


BOMBS = {
    # The layout feedparser lets through: DOCTYPE on the XML declaration's line.
    "billion-laughs": (feed(laughs(), "&l9;"), "refers to other entities"),
    "billion-laughs-own-line": (feed(laughs(), "&l9;", sep="\n"), "refers to other entities"),
    "billion-laughs-6-levels": (feed(laughs(6), "&l6;"), "refers to other entities"),
    "laughs-by-char-reference": (
        feed('<!DOCTYPE r [<!ENTITY a "ha"><!ENTITY b "&#38;a;&#38;a;&#38;a;">]>', "&b;"),
        "refers to other entities"),
    "quadratic-long-entity": (
        feed(f'<!DOCTYPE rss [<!ENTITY a "{"A" * 100_000}">]>', "&a;" * 10_000),
        f"is 100,000 characters long (limit {MAX_ENTITY_CHARS:,})"),
    "quadratic-many-references": (
        feed(f'<!DOCTYPE rss [<!ENTITY a "{"A" * 1000}">]>', "&a;" * 2_000),
        "entity references expand to over"),
    "external-file": (
        feed('<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
        "external entity 'x' (SYSTEM identifier)"),
    "external-url": (
        feed('<!DOCTYPE rss [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>', "&x;"),
        "external entity 'x' (SYSTEM identifier)"),
    "external-public": (
        feed('<!DOCTYPE rss [<!ENTITY x PUBLIC "-//A//B" "http://127.0.0.1:9/x">]>', "&x;"),
        "external entity 'x' (PUBLIC identifier)"),
    "parameter-entity": (
        feed('<!DOCTYPE rss [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]>', "t"),
        "parameter entity %p declared"),
    "parameter-laughs": (
        feed('<!DOCTYPE rss [<!ENTITY % a "x"><!ENTITY % b "%a;%a;%a;">]>', "t"),
        "parameter entity %a declared"),
    "too-many-entities": (
        feed("<!DOCTYPE rss [" + "".join(f'<!ENTITY e{i} "x">' for i in range(300)) + "]>", "t"),
        f"more than {MAX_ENTITIES} entity declarations"),
    "utf-16": (feed(laughs(), "&l9;", declaration='<?xml version="1.0" encoding="utf-16"?>')
               .decode().encode("utf-16"), "refers to other entities"),
    "utf-7": (
        ('<?xml version="1.0" encoding="utf-7"?>' + feed(laughs(), "&l9;", declaration="")
         .decode().replace("<", "+ADw-").replace("&", "+ACY-")).encode(),
        "refers to other entities"),
    # feedparser's loose parser reads declarations at line starts, even in a comment.
    "commented-for-the-loose-parser": (
        f'{DECLARATION}\n<!--\n<!DOCTYPE x [\n<!ENTITY a "{"B" * 5000}">\n]>\n-->\n'
        '<rss version="2.0"><channel><item><title>&a;&a;</title></item></channel><</rss>'.encode(),
        "is 5,000 characters long"),
    "unterminated-doctype": (f'{DECLARATION}<!DOCTYPE rss [<!ENTITY a "x">'.encode(),
                             "unterminated DOCTYPE"),
    "lowercase-keyword": (feed('<!DOCTYPE rss [<!entity x system "file:///etc/passwd">]>', "t"),
                          "external entity 'x'"),
}


@pytest.mark.parametrize("name", BOMBS)
def test_a_bomb_is_refused_in_milliseconds_with_a_one_line_reason(name: str) -> None:
    body, reason = BOMBS[name]
    timings = []
    for _ in range(5):
        started = time.process_time()
        with pytest.raises(ParseError) as exc:
            parse_feed(body, "wire", NOW)
        timings.append(time.process_time() - started)
    message = str(exc.value)
    assert message.startswith("refused: ") and reason in message, message
    assert "\n" not in message and len(message) <= 200
    assert statistics.median(timings) < REFUSE_WITHIN


def test_the_bombs_are_small_documents() -> None:
    assert len(BOMBS["billion-laughs-6-levels"][0]) < 1024
    assert len(BOMBS["billion-laughs"][0]) < 1024


# --- what must still parse ----------------------------------------------------------------


HARMLESS = {
    "netscape-same-line": feed(NETSCAPE, "Kim meets&nbsp;Putin &eacute;lite &copy;"),
    "netscape-own-line": feed(NETSCAPE, "Kim meets&nbsp;Putin &eacute;lite &copy;", sep="\n"),
    "system-dtd": feed('<!DOCTYPE rss SYSTEM "http://example.org/rss.dtd">',
                       "Kim meets&nbsp;Putin &eacute;lite &copy;"),
    "internal-entities": feed(
        '<!DOCTYPE rss [<!-- ours --><!ENTITY nbsp "&#160;"><!ENTITY eacute "&#233;">'
        '<?pi x?><!ENTITY copy \'&#169;\'><!ATTLIST item id CDATA #IMPLIED>]>',
        "Kim meets&nbsp;Putin &eacute;lite &copy;"),
}


@pytest.mark.parametrize("name", HARMLESS)
def test_a_feed_with_a_harmless_doctype_parses_with_its_entities(name: str) -> None:
    [it] = parse_feed(HARMLESS[name], "wire", NOW).items
    assert it.title == "Kim meets Putin élite ©"


def test_declared_entities_become_their_text_markup_and_all() -> None:
    body = feed('<!DOCTYPE rss [<!ENTITY org "KCNA &amp; TASS"><!ENTITY tag "<b>bold</b>">'
                '<!ENTITY amp2 "&#38;#38;">]>', "&org; say &tag;")
    [it] = parse_feed(body, "wire", NOW).items
    assert it.title == "KCNA & TASS say bold"  # markup in a title is stripped, as always


def test_a_feed_without_doctype_is_given_to_feedparser_unchanged() -> None:
    body = good_feed("plain").replace(b"?>", b"?>\n", 1)
    assert screen(body).body is body


# --- regular expressions that backtrack ---------------------------------------------------

DECLARATION_DOS = (b"<?xml " + b"encoding='x' " * 2000 + b"<rss/>")


def test_feedparser_s_encoding_sniffing_cannot_be_made_to_backtrack() -> None:
    # feedparser's RE_XML_PI_ENCODING takes 24 s on 26 KB like this; 2,000 repeats here.
    started = time.process_time()
    with pytest.raises(ParseError) as exc:
        parse_feed(DECLARATION_DOS, "wire", NOW)
    assert time.process_time() - started < REFUSE_WITHIN
    assert str(exc.value) == "refused: the XML declaration does not end in 512 characters"


@pytest.mark.parametrize("codec", ["utf-8", "cp1251", "utf-16", "utf-32", "utf-16-be"])
def test_a_feed_on_one_long_line_keeps_its_declared_encoding(codec: str) -> None:
    name = codec if codec != "utf-16-be" else "utf-16"
    body = feed("", "Договор КНДР и России " * 40,
                declaration=f'<?xml version="1.0" encoding="{name}"?>').decode().encode(codec)
    [it] = parse_feed(body, "wire", NOW).items
    assert it.title.startswith("Договор КНДР и России Договор")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<rss" + b"a" * 1_000_000, id="endless-start-tag"),
        pytest.param(b'<rss a="' + b"/" * 1_000_000, id="endless-attribute"),
        pytest.param(b"<rss>&#x" + b"0" * 1_000_000 + b"X</rss>", id="endless-char-ref"),
        pytest.param(b"<rss>" + b"</" + b"a" * 1_000_000 + b"</rss>", id="endless-end-tag"),
        pytest.param(b"<!DOCTYPE x [" + b"<!--" * 250_000, id="open-comments"),
        pytest.param(b"<!DOCTYPE x [" + b'"' * 1_000_000, id="open-quotes"),
        pytest.param(b"<!DOCTYPE x [" + b"<!ENTITY a '" * 100_000, id="open-entities"),
        pytest.param(b"<" * 1_000_000, id="stray-brackets"),
        pytest.param(b"<!" * 500_000, id="open-declarations"),
        pytest.param(b"<!DOCTYPE " * 100_000, id="open-doctypes"),
    ],
)
def test_a_megabyte_of_pathological_markup_is_screened_in_linear_time(body: bytes) -> None:
    started = time.process_time()
    with contextlib.suppress(Refused):
        screen(body)
    # CPU time, not wall time: a busy machine must not fail it.
    assert time.process_time() - started < 2.0  # 0.01-0.3 s measured; quadratic would be hours


def test_a_doctype_inside_cdata_is_content_not_a_declaration() -> None:
    body = (f'{DECLARATION}<rss version="2.0"><channel><title>W</title><item><title>XML</title>'
            '<description><![CDATA[<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]>'
            "]]></description><guid>1</guid></item></channel></rss>").encode()
    [it] = parse_feed(body, "wire", NOW).items
    assert it.title == "XML"


# --- what would make feedparser itself raise ---------------------------------------------


@pytest.mark.parametrize(
    "reference", ["&#xD800;", "&#55296;", "&#99999999;", "&#x110000;", "&#0;",
                  "&#9999999999999999999999;"],
)
def test_an_impossible_character_reference_becomes_a_replacement_character(
    reference: str
) -> None:
    # &bogus; sends the document to feedparser's loose parser, which raised on these.
    body = feed("", f"A{reference}B &bogus; &#54620;&#xAC00; &#x1F600; &#x00000000000000041;")
    [it] = parse_feed(body, "wire", NOW).items
    assert it.title == "A\ufffdB &bogus; 한가 😀 A"  # good references stay as they were


# --- through the poll cycle ---------------------------------------------------------------


async def test_a_bomb_feed_fails_alone_in_the_poll_cycle(
    config: Config, store: SQLiteStore
) -> None:
    async with started_feed_server() as server:
        server.add("/bomb", BOMBS["billion-laughs"][0])
        server.add("/good", good_feed("good"))
        cfg = config.model_copy(update={
            "feeds": (Feed(name="bomb", url=f"{server.url}/bomb"),
                      Feed(name="good", url=f"{server.url}/good")),
            "fetch": config.fetch.model_copy(update={"allow_private": True}),
        })
        pipeline = Pipeline(cfg, store, clock=lambda: NOW + timedelta(hours=1))
        await pipeline.sync()
        async with Fetcher(fetch_limits(cfg)) as fetcher:
            reports = {r.feed: r for r in await pipeline.poll(fetcher)}
    rows = {f.name: f for f in await store.feeds()}
    assert reports["good"].status == "ok" and rows["good"].healthy
    assert rows["bomb"].last_error == (
        "refused: entity 'l1' refers to other entities (an expansion bomb)")


# --- no parse opens a file or a socket ----------------------------------------------------

# Runs in a fresh interpreter: an audit hook cannot be removed once added.
AUDIT = """
import io, json, sys
from datetime import UTC, datetime
import feedparser
from bot.parse import ParseError, parse_feed

docs = json.loads(sys.argv[1])
warm_up = json.loads(sys.argv[2])
now = datetime(2025, 7, 1, tzinfo=UTC)

def parse(body):
    try:
        return [i.title for i in parse_feed(body, "x", now).items]
    except ParseError as exc:
        return str(exc)

def feedparser_alone(body):
    # A stream: given bytes, feedparser would try open(body) (bot.parse avoids that the same way).
    return [e.get("title") for e in feedparser.parse(io.BytesIO(body)).entries]

# Every code path once with harmless documents first: a lazy import opens module files.
for doc in warm_up:
    parse(doc.encode("utf-8"))
    feedparser_alone(doc.encode("utf-8"))

events = []
WATCHED = ("open", "os.listdir", "urllib.Request", "subprocess.Popen", "os.system")
sys.addaudithook(lambda event, args: events.append([event, repr(args)[:300]])
                 if event in WATCHED or event.startswith("socket.") else None)
out = {}
for name, doc in docs.items():
    body = doc.encode("utf-8")
    out[name] = parse(body)
    # feedparser on its own, not screened: it must not fetch either.
    out[name + " (feedparser alone)"] = feedparser_alone(body)
print(json.dumps({"events": events, "out": out}))
"""


async def test_no_parse_opens_a_file_or_a_socket(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE", encoding="utf-8")
    feed_file = tmp_path / "local-feed.xml"
    feed_file.write_bytes(feed("", "LOCAL-FEED-TITLE"))
    async with counting_server(b"<!ENTITY leak 'LEAKED-OVER-HTTP'>") as server:
        url = f"{server.url}/x.dtd"
        docs = {
            "file-entity": feed(f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{secret.as_uri()}">]>', "&x;"),
            "url-entity": feed(f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{url}">]>', "&x;"),
            "public-entity": feed(f'<!DOCTYPE rss [<!ENTITY x PUBLIC "-//A//B" "{url}">]>',
                                  "&x;"),
            "parameter-entity": feed(f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{url}"> %p;]>',
                                     "&leak;"),
            # Passes the screen (a DTD is named, not used) and parses: nothing is fetched.
            "external-dtd": feed(f'<!DOCTYPE rss SYSTEM "{url}">', "Kim&nbsp;meets &leak;"),
            # A body that is nothing but a local path: feedparser.parse(bytes) would open it.
            "body-is-a-path": str(secret).encode(),
            "body-is-a-feed-path": str(feed_file).encode(),
            "xinclude": (f'{DECLARATION}<rss version="2.0" xmlns:xi="http://www.w3.org/2001/'
                         'XInclude"><channel><item><title>t</title><xi:include href="'
                         f'{secret.as_uri()}" parse="text"/></item></channel></rss>').encode(),
        }
        warm_up = [good_feed("w"), feed(NETSCAPE, "a&nbsp;b"), BOMBS["billion-laughs"][0],
                   feed('<!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>', "a&nbsp;b&eacute;")]
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", AUDIT,
            json.dumps({k: v.decode() for k, v in docs.items()}),
            json.dumps([w.decode() for w in warm_up]),
            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 60)
        connections = server.connections
    assert proc.returncode == 0, stderr.decode()
    result = json.loads(stdout)
    assert result["events"] == []
    assert connections == 0
    text = json.dumps(result["out"])
    assert "TOP-SECRET-VALUE" not in text and "LEAKED-OVER-HTTP" not in text
    assert "LOCAL-FEED-TITLE" not in text
    assert result["out"]["body-is-a-feed-path"].startswith("not a feed")
    for name in ("file-entity", "url-entity", "public-entity", "parameter-entity"):
        assert result["out"][name].startswith("refused: "), name
    assert result["out"]["external-dtd"] == ["Kim meets &leak;"]  # undeclared: kept as text
