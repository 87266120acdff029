"""Feed bytes → Items. feedparser gets a stream of the bytes, so it opens nothing itself.

Before feedparser, bot.screen refuses entity tricks (XML bombs, external entities) and removes
the DOCTYPE, so no parse expands entities or looks anything up.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser

from bot.fastparse import parse_fast
from bot.models import Item
from bot.screen import Refused, screen
from bot.text import one_line, strip_html
from bot.urls import canonical_url

SUMMARY_CHARS = 12_000
# Real feeds carry 10-100 items. Past this, items are left out (newest come first in feeds):
# each costs a few milliseconds to fold and store, and one hostile feed must not cost minutes.
MAX_ITEMS = 500
# No feed item predates this. Earlier dates are defaults and junk ("0001-01-01"), and near year 1
# the date arithmetic of folding overflows.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)

# feedparser's "bozo" errors that still leave usable entries (lemon24/reader does the same).
_TOLERATED = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)


class ParseError(Exception):
    """The body is not a feed, in one line."""


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    language: str
    items: list[Item]
    left_out: int = 0  # items past MAX_ITEMS


def _when(entry: Any, now: datetime) -> tuple[datetime, bool]:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                when = datetime.fromtimestamp(calendar.timegm(value), UTC)
            except (OverflowError, OSError, ValueError, TypeError):  # OSError: year 1 on some OSes
                continue
            if EARLIEST <= when <= now:
                return when, True
            return now, False  # a date in the future, or before feeds existed, is a wrong date
    return now, False


def _summary(entry: Any) -> str:
    candidates = [c.get("value", "") for c in entry.get("content") or ()]
    candidates.append(entry.get("summary", ""))
    best = max(candidates, key=len, default="")
    return strip_html(best)[:SUMMARY_CHARS]


def _language(entry: Any, feed_language: str, fallback: str) -> str:
    for value in (
        (entry.get("title_detail") or {}).get("language"),
        feed_language,
        fallback,
    ):
        if value:
            return str(value).split("-")[0].split("_")[0].lower()
    return ""


def _outlet(entry: Any, link: str, channel: str, aggregator: bool) -> str:
    """Who published an item that a feed passes on: its <source> element (which names the
    channel the item came from), else, for an aggregator, the link's host or the feed's
    title. "" when the feed is its own outlet."""
    source = entry.get("source") or {}
    if title := one_line(strip_html(str(source.get("title") or ""))):
        return title[:200]
    if not aggregator:
        return ""
    for url in (link, str(source.get("href") or "")):
        host = (urlsplit(url).hostname or "").removeprefix("www.")
        if host and not _AGGREGATOR_HOST.search(host):
            return host
    return channel


# An aggregator's own links (news.google.com/rss/articles/...) name no outlet.
_AGGREGATOR_HOST = re.compile(r"(?:^|\.)(?:news\.google|google|bing|yahoo|msn|newsnow)\.")


def parse_feed(
    body: bytes, feed_name: str, now: datetime, *, language: str = "", aggregator: bool = False,
) -> ParsedFeed:
    """Items in feed order. Raises ParseError when nothing in the body is a feed.

    `aggregator`: the feed passes on other outlets' items (a news search), whose outlet is
    then each item's, not the feed's."""
    try:
        screened = screen(body)
    except Refused as exc:
        raise ParseError(f"refused: {exc}") from None
    if not screened.complete:
        # Stored now, a half item would stay half: items are stored once, by guid.
        raise ParseError(f"truncated document: <{screened.root[:40]}> is never closed")
    body = screened.body
    try:
        # A stream, not bytes: given bytes, feedparser first tries open(body), so a body that
        # is a local path ("/etc/hostname", "/dev/zero") would be read from our own disk.
        # Plain RSS 2.0 / Atom read the same as feedparser reads them, 4x faster; anything
        # else (or any doubt) goes to feedparser (tests/test_parse_fast.py).
        parsed = parse_fast(body) or feedparser.parse(
            io.BytesIO(body), sanitize_html=False, resolve_relative_uris=False
        )
    except Exception as exc:  # a third-party parser on hostile input: one feed's problem only
        raise ParseError(f"not a feed: feedparser failed: {one_line(str(exc))[:120]}") from None
    if parsed.bozo and not isinstance(parsed.bozo_exception, _TOLERATED) and not parsed.entries:
        raise ParseError(f"not a feed: {one_line(str(parsed.bozo_exception))[:160]}")
    if not parsed.entries and not parsed.feed.get("title") and not parsed.get("version"):
        raise ParseError("not a feed: no RSS or Atom document found")
    feed_language = parsed.feed.get("language", "")
    channel = one_line(parsed.feed.get("title", ""))
    items: list[Item] = []
    entries = parsed.entries[:MAX_ITEMS]
    for entry in entries:
        title = one_line(strip_html(entry.get("title", "")))
        summary = _summary(entry)
        link = canonical_url(entry.get("link", ""))
        if not (title or summary or link):
            continue
        guid = entry.get("id") or entry.get("link") or hashlib.sha1(
            f"{title}\n{summary}".encode()
        ).hexdigest()
        published, from_feed = _when(entry, now)
        outlet = _outlet(entry, link, channel, aggregator)
        if outlet and title.endswith(f" - {outlet}"):  # news searches sign their titles
            title = title.removesuffix(f" - {outlet}")
        items.append(
            Item(
                guid=str(guid)[:1000],
                link=link,
                title=title or summary[:120],
                summary=summary,
                published=published,
                feed=feed_name,
                language=_language(entry, feed_language, language),
                date_from_feed=from_feed,
                outlet=outlet,
                channel=channel,
            )
        )
    left_out = len(parsed.entries) - len(entries)
    return ParsedFeed(channel, feed_language, items, left_out)
