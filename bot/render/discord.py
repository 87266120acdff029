"""Message → discord.Embed, cut to every limit Discord enforces.

Discord refuses a whole message (HTTP 400) when any one part of an embed is too long, so
the renderer, not the handlers, guarantees the limits: per part, 25 fields, and 6000
characters in all. Discord counts code points (its API is Python), as `len` does.

A Message is plain text. Feed text must not format, mask links or fake headings in a
channel, so everything Discord parses as markdown (title, description, field names and
values) is escaped; the footer is not parsed by Discord and is left as it is.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import discord
from discord.utils import escape_markdown

from bot.models import Message
from bot.urls import web_url

log = logging.getLogger(__name__)

TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
TOTAL = 6000
URL = 2048  # longer links are dropped rather than cut: a cut link leads nowhere
CONTENT = 2000  # a plain message's content
CHOICE = 100  # an autocomplete choice's name and value

COLOUR = discord.Colour(0xB22234)
EMPTY = "\u200b"  # Discord refuses empty field names and values; this shows as nothing
ELLIPSIS = "…"
# A readable summary survives before the fields are squeezed.
DESCRIPTION_FLOOR = 1024
FIELD_VALUE_FLOOR = 80
FIELD_NAME_FLOOR = 32
FOOTER_FLOOR = 256
SOURCES = "Sources"

# Characters that belong to the one before them: cutting before one of them would split
# a letter from its accent or an emoji sequence in two.
_JOINERS = ("\u200c", "\u200d")
# Control characters (but the newline), line/paragraph separators, lone surrogates.
_UNSENDABLE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _attaches(ch: str) -> bool:
    return (
        unicodedata.combining(ch) != 0
        or ch in _JOINERS
        or "\ufe00" <= ch <= "\ufe0f"  # variation selectors
        or "\U0001f3fb" <= ch <= "\U0001f3ff"  # skin tones
        or "\U000e0020" <= ch <= "\U000e007f"  # emoji tag sequences
        or "\u1160" <= ch <= "\u11ff"  # Hangul medial and final jamo
        or unicodedata.category(ch) == "Mc"
    )


def _regional(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def clean(value: Any) -> str:
    """Text Discord accepts: no control characters or lone surrogates, outer space trimmed."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _UNSENDABLE.sub("", text).strip()


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, ended with "…" when cut: at a word boundary
    when one is near, never inside a character sequence, never after a lone escape."""
    if limit <= 0:
        return ""
    if len(text) <= limit:
        return text
    if limit == 1:
        return ELLIPSIS
    end = limit - 1
    space = max(text.rfind(" ", 0, end + 1), text.rfind("\n", 0, end + 1))
    if space >= limit * 0.6:
        end = space
    while 0 < end < len(text) and (_attaches(text[end]) or text[end - 1] in _JOINERS):
        end -= 1
    # Flags are pairs of regional indicators (🇰🇵): never keep half of one.
    run = 0
    while end - run > 0 and _regional(text[end - run - 1]):
        run += 1
    if run % 2 and end < len(text) and _regional(text[end]):
        end -= 1
    head = text[:end].rstrip(" \n,;:–—-")
    # An odd run of backslashes at the end would escape the ellipsis and show a "\".
    tail = len(head) - len(head.rstrip("\\"))
    if tail % 2:
        head = head[:-1]
    return head + ELLIPSIS


def one_line(text: str, limit: int) -> str:
    return cut(" ".join(clean(text).split()), limit)


def _escaped(value: Any, limit: int) -> str:
    """Plain text made inert for Discord's markdown and cut to `limit`. Only a generous
    head of a huge text is looked at: escaping at most doubles it."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    return cut(escape_markdown(clean(text[: limit * 4 + 64])), limit)


def safe_url(value: Any) -> str | None:
    """An http(s) link Discord will accept in an embed, or None."""
    return web_url(value, URL)


def _masked(label: str, url: str) -> str:
    """A markdown link whose label cannot break out of its brackets and whose target
    cannot close the parenthesis early."""
    text = escape_markdown(clean(label)).replace("[", "(").replace("]", ")") or url
    target = quote(url, safe=":/?#@!$&'*+,;=%~-._")
    return f"[{cut(text, 80)}]({target})"


def _source_links(links: Any) -> list[tuple[str, str]]:
    usable: list[tuple[str, str]] = []
    for pair in links or ():
        try:
            label, url = pair
        except (TypeError, ValueError):
            continue
        if (target := safe_url(url)) and all(target != u for _, u in usable):
            usable.append((clean(label), target))
    return usable


def _sources_value(links: list[tuple[str, str]], limit: int) -> str:
    """As many whole links as fit in `limit`, then how many more: a link is never cut."""
    lines: list[str] = []
    for index, (label, url) in enumerate(links):
        line = _masked(label, url)
        after = len(links) - index - 1
        reserve = len(f"\n+{after} more") if after else 0
        if len("\n".join([*lines, line])) + reserve > limit:
            lines.append(f"+{len(links) - index} more")
            break
        lines.append(line)
    return cut("\n".join(lines), limit)


@dataclass(slots=True)
class _Part:
    name: str
    value: str
    inline: bool
    links: list[tuple[str, str]] | None = None  # the Sources field, rebuilt when squeezed

    def cap_value(self, limit: int) -> None:
        value = _sources_value(self.links, limit) if self.links else cut(self.value, limit)
        self.value = value or EMPTY


def _fields(message: Message) -> list[_Part]:
    """Each field within its own limits, and at most FIELDS of them."""
    out: list[_Part] = []
    for item in list(message.fields or ()):
        name = getattr(item, "name", None)
        value = getattr(item, "value", item)
        out.append(_Part(_escaped(name, FIELD_NAME) or EMPTY,
                         _escaped(value, FIELD_VALUE) or EMPTY,
                         bool(getattr(item, "inline", False))))
    links = _source_links(message.links)
    if len(out) > FIELDS:
        # The last slot says how many were left out, rather than dropping them silently.
        left = len(out) - (FIELDS - 1)
        out = [*out[: FIELDS - 1], _Part(EMPTY, f"+{left} more not shown", False)]
    elif links and len(out) < FIELDS:
        out.append(_Part(SOURCES, _sources_value(links, FIELD_VALUE), False, links))
    return out


def _water_fill(lengths: list[int], budget: int, floor: int) -> int | None:
    """The largest cap (>= floor) such that the lengths, each capped, sum to within
    budget; None when even the floor does not fit."""
    if sum(lengths) <= budget:
        return max(lengths, default=0)
    low, high = floor, max(lengths, default=floor)
    if sum(min(n, low) for n in lengths) > budget:
        return None
    while low < high:
        mid = (low + high + 1) // 2
        if sum(min(n, mid) for n in lengths) <= budget:
            low = mid
        else:
            high = mid - 1
    return low


def _fit_total(title: str, description: str, fields: list[_Part], footer: str
               ) -> tuple[str, list[_Part], str]:
    """Squeeze the parts into TOTAL characters: first the description (down to a readable
    floor), then the longest field values, then field names, then the footer (down to a
    floor), then the last fields, and only then the description and footer below their
    floors."""

    def over() -> int:
        parts = sum(len(f.name) + len(f.value) for f in fields)
        return len(title) + len(description) + len(footer) + parts - TOTAL

    if over() > 0 and len(description) > DESCRIPTION_FLOOR:
        description = cut(description, max(DESCRIPTION_FLOOR, len(description) - over()))
    if over() > 0 and fields:
        values = [len(f.value) for f in fields]
        cap = _water_fill(values, sum(values) - over(), FIELD_VALUE_FLOOR)
        for field in fields:
            field.cap_value(cap if cap is not None else FIELD_VALUE_FLOOR)
    if over() > 0 and fields:
        names = [len(f.name) for f in fields]
        cap = _water_fill(names, sum(names) - over(), FIELD_NAME_FLOOR)
        for field in fields:
            field.name = cut(field.name, cap if cap is not None else FIELD_NAME_FLOOR) or EMPTY
    if over() > 0 and len(footer) > FOOTER_FLOOR:
        footer = cut(footer, max(FOOTER_FLOOR, len(footer) - over()))
    while over() > 0 and fields:
        fields.pop()
    if over() > 0:
        description = cut(description, max(0, len(description) - over()))
    if over() > 0:
        footer = cut(footer, max(0, len(footer) - over()))
    return description, fields, footer


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    # A naive time is UTC throughout the app; discord.py would take it for local time.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def render(message: Message) -> discord.Embed:
    """The embed for a Message; within every Discord limit, whatever the Message holds."""
    try:
        return _render(message)
    except Exception:  # a message that cannot be shown must not stop a delivery or a reply
        log.exception("could not render a message for Discord")
        return discord.Embed(title="This message could not be shown.", colour=COLOUR)


def _render(message: Message) -> discord.Embed:
    title = _escaped(message.title, TITLE)
    description = _escaped(message.body, DESCRIPTION)
    footer = cut(clean(message.footer), FOOTER)
    fields = _fields(message)
    description, fields, footer = _fit_total(title, description, fields, footer)
    if not (title or description or fields):
        description = EMPTY  # Discord refuses an empty embed
    url = safe_url(message.link) if title else None  # a link needs a title to sit on
    embed = discord.Embed(
        title=title or None, url=url, description=description or None, colour=COLOUR,
        timestamp=_timestamp(message.timestamp),
    )
    for field in fields:
        embed.add_field(name=field.name, value=field.value, inline=field.inline)
    if footer:
        embed.set_footer(text=footer)
    if image := safe_url(message.image):
        embed.set_image(url=image)
    return embed


def is_line(message: Message) -> bool:
    """A one-line answer (an error, a refusal, a confirmation): sent as text, not an embed."""
    return bool(message.ephemeral) and not (
        message.body or message.fields or message.link or message.footer or message.image
    )


def render_line(message: Message) -> str:
    return one_line(escape_markdown(clean(message.title)), CONTENT) or EMPTY


def fits_limits(embed: Any) -> bool:
    """Whether Discord would accept this embed's sizes; False for anything not an embed."""
    try:
        data = embed.to_dict()
        fields = data.get("fields", [])
        parts_ok = (
            len(data.get("title", "")) <= TITLE
            and len(data.get("description", "")) <= DESCRIPTION
            and len(fields) <= FIELDS
            and all(1 <= len(f["name"].strip() or "") <= FIELD_NAME
                    and 1 <= len(f["value"].strip() or "") <= FIELD_VALUE for f in fields)
            and len(data.get("footer", {}).get("text", "")) <= FOOTER
            and len(data.get("author", {}).get("name", "")) <= AUTHOR
        )
        url = data.get("url")
        has_content = bool(data.get("title") or data.get("description") or fields)
        return bool(parts_ok and len(embed) <= TOTAL and has_content
                    and (url is None or safe_url(url) == url))
    except Exception:
        return False
