"""Build small RSS documents for tests."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from xml.sax.saxutils import escape


def rss(items: list[dict[str, object]], title: str = "Test feed") -> bytes:
    """Items: dicts with title, link, guid, summary, published (aware datetime or None)."""
    parts = []
    for it in items:
        date = it.get("published")
        parts.append(
            "<item>"
            f"<title>{escape(str(it.get('title', '')))}</title>"
            f"<link>{escape(str(it.get('link', '')))}</link>"
            f"<guid isPermaLink=\"false\">{escape(str(it.get('guid', it.get('link', ''))))}</guid>"
            + (f"<pubDate>{format_datetime(date)}</pubDate>" if isinstance(date, datetime) else "")
            + f"<description>{escape(str(it.get('summary', '')))}</description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://example.org/</link>"
        + "".join(parts)
        + "</channel></rss>"
    ).encode()
