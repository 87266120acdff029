"""A fast path for plain RSS 2.0 and Atom 1.0 feeds, with feedparser as the fallback.

feedparser spends about 0.2 ms per item in pure Python (its SAX handlers, its date and
HTML sniffing); the standard library's expat parser reads the same document more than ten
times faster. This module reads only the documents whose meaning is plain: the elements that
`bot.parse` uses, each in the one shape this code understands. Anything else (another
format, an unknown child element of an item, child markup inside a title, xml:base, a date
in an unusual form, a non-XML byte) returns None, and feedparser parses the document as
before. tests/test_parse_fast.py checks, feed by feed over the project's corpus, that what
`bot.parse.parse_feed` makes of the fast result equals what it makes of feedparser's.

The result is feedparser's own type (FeedParserDict: `feed`, `entries`, `version`,
`bozo`), carrying only the keys parse_feed reads, so that the fast path slots in front of
`feedparser.parse` without changing the code after it.

It runs on the screened body (bot.screen has refused entity tricks and removed the
DOCTYPE), and expat never fetches external entities.
"""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta, timezone

from feedparser import FeedParserDict

_ATOM = "{http://www.w3.org/2005/Atom}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
_DC = "{http://purl.org/dc/elements/1.1/}"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

# Children of <item> (and of <entry>) that feedparser maps to nothing parse_feed reads.
# Any other child (dc:date, atom:link, media:*, a second title...) might feed one of the
# keys parse_feed reads through a mapping this module does not copy: feedparser decides.
_RSS_INERT = frozenset({
    "author", "category", "comments", "enclosure", _DC + "creator", _DC + "subject",
})
_RSS_ITEM = frozenset({"title", "link", "guid", "description", "pubDate", "source",
                       _CONTENT}) | _RSS_INERT
_RSS_CHANNEL = frozenset({
    "title", "link", "description", "language", "item", "lastBuildDate", "pubDate", "ttl",
    "generator", "copyright", "managingEditor", "webMaster", "docs", "category", "image",
    _ATOM + "link", _DC + "creator", _DC + "rights",
})
_ATOM_ENTRY = frozenset(
    _ATOM + n for n in ("title", "link", "id", "published", "updated", "summary", "content",
                        "author", "category", "contributor", "rights")
)
_ATOM_FEED = frozenset(
    _ATOM + n for n in ("title", "subtitle", "link", "id", "updated", "author", "entry",
                        "generator", "icon", "logo", "rights", "category", "contributor")
)

# RFC 822 dates as feeds write them, in the forms feedparser and this module read alike.
_RFC822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) "
    r"(\d\d):(\d\d)(?::(\d\d))? (GMT|UTC|UT|Z|[+-]\d{4})"
)
_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
# RFC 3339 as Atom requires it: seconds, an optional fraction, and an offset.
_RFC3339 = re.compile(
    r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?(?:Z|[+-]\d\d:\d\d)"
)


class _NotPlain(Exception):
    """The document needs feedparser."""


def parse_fast(body: bytes) -> FeedParserDict | None:
    """The feed as feedparser would give it, or None when feedparser must read it."""
    try:
        root = ET.fromstring(body)
        if root.tag == "rss":
            return _rss(root)
        if root.tag == _ATOM + "feed":
            return _atom(root)
    except (ET.ParseError, _NotPlain, ValueError, OverflowError):
        pass
    return None


# --- shared ---------------------------------------------------------------------------------


def _text(element: ET.Element) -> str:
    """An element's text, which must be plain: no child markup, no attributes that change
    its meaning."""
    if len(element) or _XML_BASE in element.attrib:
        raise _NotPlain
    return (element.text or "").strip()


def _struct(when: datetime) -> time.struct_time:
    return when.astimezone(UTC).utctimetuple()


def _rfc822(value: str) -> time.struct_time:
    m = _RFC822.fullmatch(value)
    if m is None:
        raise _NotPlain
    day, month, year, hour, minute, second, zone = m.groups()
    if zone in ("GMT", "UTC", "UT", "Z"):
        offset = timedelta(0)
    else:
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[3:5]))
        offset = -offset if zone[0] == "-" else offset
    when = datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute),
                    int(second or 0), tzinfo=timezone(offset))
    return _struct(when)


def _rfc3339(value: str) -> time.struct_time:
    if not _RFC3339.fullmatch(value):
        raise _NotPlain
    return _struct(datetime.fromisoformat(value))


def _once(element: ET.Element, tags: frozenset[str], repeatable: frozenset[str]) -> None:
    """Every child is known, and those parse_feed reads occur once."""
    seen: set[str] = set()
    for child in element:
        if child.tag not in tags or (child.tag in seen and child.tag not in repeatable):
            raise _NotPlain
        seen.add(child.tag)


# --- RSS 2.0 --------------------------------------------------------------------------------


def _rss(root: ET.Element) -> FeedParserDict:
    if root.get("version") != "2.0" or len(root) != 1 or root[0].tag != "channel":
        raise _NotPlain
    if any(_XML_LANG in e.attrib or _XML_BASE in e.attrib for e in root.iter()):
        raise _NotPlain  # languages and bases that feedparser inherits down the tree
    channel = root[0]
    _once(channel, _RSS_CHANNEL,
          frozenset({"item", "category", _ATOM + "link", _DC + "creator"}))
    feed = FeedParserDict()
    entries = []
    for child in channel:
        tag = child.tag
        if tag == "item":
            entries.append(_rss_item(child))
        elif tag == "title":
            feed["title"] = _text(child)
        elif tag == "language":
            feed["language"] = _text(child)
    return FeedParserDict(feed=feed, entries=entries, version="rss20", bozo=False)


def _rss_item(item: ET.Element) -> FeedParserDict:
    _once(item, _RSS_ITEM, _RSS_INERT)
    entry = FeedParserDict()
    guid_is_link = False
    for child in item:
        tag = child.tag
        if tag == "title":
            entry["title"] = _text(child)
            entry["title_detail"] = FeedParserDict(language=None)
        elif tag == "link":
            entry["link"] = _text(child)
            if not entry["link"]:
                raise _NotPlain  # an empty link: feedparser's guid-as-link rules decide
        elif tag == "guid":
            entry["id"] = _text(child)
            permalink = child.get("isPermaLink", "true")
            if permalink not in ("true", "false"):
                raise _NotPlain
            guid_is_link = permalink == "true"
        elif tag == "description":
            entry["summary"] = _text(child)
        elif tag == _CONTENT:
            entry["content"] = [FeedParserDict(value=_text(child))]
        elif tag == "pubDate":
            entry["published_parsed"] = _rfc822(_text(child))
        elif tag == "source":  # an aggregator's item: the channel it came from
            source = FeedParserDict()
            if child.get("url") is not None:
                source["href"] = child.get("url")
            if title := _text(child):
                source["title"] = title
            entry["source"] = source
    if "link" not in entry and guid_is_link and entry.get("id"):
        entry["link"] = entry["id"]  # feedparser: a permalink guid is the link
    return entry


# --- Atom 1.0 -------------------------------------------------------------------------------


def _atom(root: ET.Element) -> FeedParserDict:
    if any(_XML_BASE in e.attrib for e in root.iter()):
        raise _NotPlain
    _once(root, _ATOM_FEED, frozenset(
        _ATOM + n for n in ("link", "entry", "author", "category", "contributor")))
    language = root.get(_XML_LANG)
    feed = FeedParserDict()
    if language:
        feed["language"] = language
    entries = []
    for child in root:
        if child.tag == _ATOM + "entry":
            entries.append(_atom_entry(child, language))
        elif child.tag == _ATOM + "title":
            feed["title"] = _atom_text(child)
    return FeedParserDict(feed=feed, entries=entries, version="atom10", bozo=False)


def _atom_text(element: ET.Element) -> str:
    if element.get("type", "text") not in ("text", "html"):
        raise _NotPlain  # xhtml: markup as child elements, serialised by feedparser
    return _text(element)


def _atom_entry(entry_el: ET.Element, feed_language: str | None) -> FeedParserDict:
    _once(entry_el, _ATOM_ENTRY, frozenset(
        _ATOM + n for n in ("link", "author", "category", "contributor")))
    language = entry_el.get(_XML_LANG, feed_language)
    entry = FeedParserDict()
    for child in entry_el:
        tag = child.tag.removeprefix(_ATOM)
        if tag == "title":
            entry["title"] = _atom_text(child)
            entry["title_detail"] = FeedParserDict(language=child.get(_XML_LANG, language))
        elif tag == "link":
            rel = child.get("rel", "alternate")
            kind = child.get("type", "text/html")
            href = child.get("href")
            if href is None or len(child) or (child.text or "").strip():
                raise _NotPlain
            # feedparser keeps the last alternate HTML link.
            if rel == "alternate" and kind in ("text/html", "application/xhtml+xml"):
                entry["link"] = href.strip()
        elif tag == "id":
            entry["id"] = _text(child)
        elif tag == "summary":
            entry["summary"] = _atom_text(child)
        elif tag == "content":
            if "src" in child.attrib:
                raise _NotPlain
            entry["content"] = [FeedParserDict(value=_atom_text(child))]
        elif tag in ("published", "updated"):
            entry[f"{tag}_parsed"] = _rfc3339(_text(child))
        elif _XML_LANG in child.attrib:
            raise _NotPlain
    return entry
