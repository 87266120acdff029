"""Feed bytes to items: RSS and Atom, identities, links, text, dates, languages, errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.parse import ParseError, parse_feed

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


def rss(items: str, *, head: str = "", channel: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f"{head}"
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>Wire</title><link>https://wire.example/</link>{channel}"
        f"{items}</channel></rss>"
    ).encode()


def atom(entries: str, *, feed: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<feed xmlns="http://www.w3.org/2005/Atom"{feed}><title>Atom wire</title>'
        "<id>urn:feed</id><updated>2025-07-01T00:00:00Z</updated>"
        f"{entries}</feed>"
    ).encode()


def item(title: str = "Title", *, extra: str = "") -> str:
    return f"<item><title>{title}</title>{extra}</item>"


def entry(title: str, eid: str, *, extra: str = "") -> str:
    return f"<entry><title>{title}</title><id>{eid}</id>{extra}</entry>"


# --- formats and order ------------------------------------------------------------------------


def test_rss_items_come_in_feed_order() -> None:
    body = rss(item("First", extra="<guid>1</guid>") + item("Second", extra="<guid>2</guid>")
               + item("Third", extra="<guid>3</guid>"))
    parsed = parse_feed(body, "wire", NOW)
    assert [i.title for i in parsed.items] == ["First", "Second", "Third"]
    assert parsed.title == "Wire"
    assert all(i.feed == "wire" for i in parsed.items)


def test_atom_entries_come_in_feed_order() -> None:
    body = atom(entry("One", "urn:1") + entry("Two", "urn:2"))
    parsed = parse_feed(body, "atom", NOW)
    assert [i.title for i in parsed.items] == ["One", "Two"]
    assert parsed.title == "Atom wire"


# --- identity ---------------------------------------------------------------------------------


def test_the_guid_comes_from_rss_guid() -> None:
    body = rss(item(extra='<guid isPermaLink="false">wire-2025-0001</guid>'
                          "<link>https://wire.example/a</link>"))
    [it] = parse_feed(body, "wire", NOW).items
    assert it.guid == "wire-2025-0001"


def test_the_guid_comes_from_atom_id() -> None:
    body = atom(entry("One", "urn:uuid:1225c695", extra='<link href="https://x.example/1"/>'))
    [it] = parse_feed(body, "atom", NOW).items
    assert it.guid == "urn:uuid:1225c695"


def test_without_a_guid_the_link_is_the_guid() -> None:
    [it] = parse_feed(rss(item(extra="<link>https://wire.example/a</link>")), "wire", NOW).items
    assert it.guid == "https://wire.example/a"


def test_without_guid_or_link_the_guid_is_a_stable_hash_of_the_text() -> None:
    body = rss(item("Kim meets Putin", extra="<description>In Pyongyang.</description>"))
    [first] = parse_feed(body, "wire", NOW).items
    [again] = parse_feed(body, "wire", NOW + timedelta(hours=1)).items
    other = rss(item("Kim meets Lavrov", extra="<description>In Pyongyang.</description>"))
    [different] = parse_feed(other, "wire", NOW).items
    assert first.guid and first.guid == again.guid
    assert different.guid != first.guid
    assert first.link == ""


# --- links and text ---------------------------------------------------------------------------


def test_the_link_is_canonicalized() -> None:
    link = "HTTPS://Wire.Example:443/a?utm_source=rss&amp;utm_medium=feed&amp;id=7#top"
    [it] = parse_feed(rss(item(extra=f"<guid>1</guid><link>{link}</link>")), "wire", NOW).items
    assert it.link == "https://wire.example/a?id=7"


def test_html_is_stripped_from_the_summary() -> None:
    summary = "&lt;p&gt;North Korea &lt;b&gt;ratified&lt;/b&gt; the treaty.&lt;/p&gt;" \
        "&lt;p&gt;KCNA &amp;amp; TASS reported it.&lt;/p&gt;"
    [it] = parse_feed(rss(item(extra=f"<guid>1</guid><description>{summary}</description>")),
                      "wire", NOW).items
    assert it.summary == "North Korea ratified the treaty.\nKCNA & TASS reported it."


def test_html_is_stripped_from_the_title() -> None:
    [it] = parse_feed(rss(item("&lt;b&gt;Kim&lt;/b&gt;  meets\n Putin", extra="<guid>1</guid>")),
                      "wire", NOW).items
    assert it.title == "Kim meets Putin"


def test_content_encoded_is_preferred_when_longer_than_the_description() -> None:
    extra = ("<guid>1</guid><description>Short teaser.</description>"
             "<content:encoded><![CDATA[<p>The full article text, much longer than the "
             "teaser.</p>]]></content:encoded>")
    [it] = parse_feed(rss(item(extra=extra)), "wire", NOW).items
    assert it.summary == "The full article text, much longer than the teaser."


def test_the_description_is_kept_when_content_encoded_is_shorter() -> None:
    extra = ("<guid>1</guid><description>A long description of the ratification by the "
             "Supreme People's Assembly.</description>"
             "<content:encoded><![CDATA[<p>Short.</p>]]></content:encoded>")
    [it] = parse_feed(rss(item(extra=extra)), "wire", NOW).items
    assert it.summary.startswith("A long description")


def test_an_item_with_only_a_summary_takes_its_title_from_it() -> None:
    [it] = parse_feed(rss(item("", extra="<description>Only a summary.</description>")),
                      "wire", NOW).items
    assert it.title == "Only a summary."


# --- dates ------------------------------------------------------------------------------------


def test_an_rss_date_is_converted_to_utc() -> None:
    extra = "<guid>1</guid><pubDate>Tue, 01 Jul 2025 09:00:00 +0900</pubDate>"
    [it] = parse_feed(rss(item(extra=extra)), "wire", NOW).items
    assert it.published == datetime(2025, 7, 1, 0, 0, tzinfo=UTC)
    assert it.published.utcoffset() == timedelta(0)
    assert it.date_from_feed is True


def test_an_atom_date_is_converted_to_utc() -> None:
    extra = "<updated>2025-06-30T10:00:00+03:00</updated>"
    [it] = parse_feed(atom(entry("One", "urn:1", extra=extra)), "atom", NOW).items
    assert it.published == datetime(2025, 6, 30, 7, 0, tzinfo=UTC)
    assert it.date_from_feed is True


def test_an_item_without_a_date_gets_now() -> None:
    [it] = parse_feed(rss(item(extra="<guid>1</guid>")), "wire", NOW).items
    assert it.published == NOW
    assert it.date_from_feed is False


def test_a_date_in_the_future_is_replaced_by_now() -> None:
    extra = "<guid>1</guid><pubDate>Wed, 01 Jul 2026 09:00:00 GMT</pubDate>"
    [it] = parse_feed(rss(item(extra=extra)), "wire", NOW).items
    assert it.published == NOW
    assert it.date_from_feed is False


# --- language ---------------------------------------------------------------------------------


def test_the_language_comes_from_the_feed_without_its_region() -> None:
    body = rss(item(extra="<guid>1</guid>"), channel="<language>ko-KR</language>")
    parsed = parse_feed(body, "yonhap", NOW, language="en")
    assert [i.language for i in parsed.items] == ["ko"]


def test_without_a_feed_language_the_given_fallback_is_used() -> None:
    [it] = parse_feed(rss(item(extra="<guid>1</guid>")), "tass", NOW, language="ru").items
    assert it.language == "ru"


def test_without_any_language_it_is_empty() -> None:
    [it] = parse_feed(rss(item(extra="<guid>1</guid>")), "wire", NOW).items
    assert it.language == ""


# --- what is not a feed -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<!DOCTYPE html><html><head><title>Maintenance</title></head>"
                     b"<body><p>Back soon</p></body></html>", id="html-page"),
        pytest.param(b"\x00\x01 this is not a feed \xff\xfe", id="garbage"),
        pytest.param(b"", id="empty"),
        pytest.param(b'{"items": []}', id="json"),
    ],
)
def test_a_body_that_is_not_a_feed_raises_a_one_line_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError) as exc:
        parse_feed(body, "wire", NOW)
    message = str(exc.value)
    assert message.startswith("not a feed")
    assert "\n" not in message


def test_an_item_with_no_title_summary_or_link_is_skipped() -> None:
    body = rss(item("Kept", extra="<guid>1</guid>") + item("", extra="<category>x</category>")
               + item("", extra="<guid>3</guid>") + item("Also kept", extra="<guid>4</guid>"))
    assert [i.title for i in parse_feed(body, "wire", NOW).items] == ["Kept", "Also kept"]


NETSCAPE_DOCTYPE = (
    '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
    '"http://my.netscape.com/publish/formats/rss-0.91.dtd">'
)


@pytest.mark.parametrize(
    "doctype",
    [
        pytest.param(NETSCAPE_DOCTYPE, id="public-dtd"),
        pytest.param('<!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>', id="internal-entity"),
    ],
)
def test_a_feed_with_a_harmless_doctype_still_parses(doctype: str) -> None:
    body = rss(item("Kim meets Putin", extra="<link>https://wire.example/a</link>"),
               head=doctype)
    [it] = parse_feed(body, "wire", NOW).items
    assert it.title == "Kim meets Putin"
    assert it.link == "https://wire.example/a"


def test_a_feed_with_no_items_is_an_empty_feed_not_an_error() -> None:
    parsed = parse_feed(rss(""), "wire", NOW)
    assert parsed.items == []
    assert parsed.title == "Wire"


def test_html_entities_in_a_feed_without_doctype_become_characters() -> None:
    [it] = parse_feed(rss(item("Kim meets&nbsp;Putin &mdash; KCNA", extra="<guid>1</guid>")),
                      "wire", NOW).items
    assert it.title == "Kim meets Putin — KCNA"


def test_html_entities_in_a_feed_with_the_netscape_doctype_become_characters() -> None:
    body = rss(item("Kim meets&nbsp;Putin", extra="<guid>1</guid>"), head=NETSCAPE_DOCTYPE)
    [it] = parse_feed(body, "wire", NOW).items
    assert it.title == "Kim meets Putin"
