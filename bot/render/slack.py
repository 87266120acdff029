"""Message → Slack Block Kit, cut to every limit Slack enforces.

Slack refuses a whole message (`invalid_blocks`) when one part breaks a limit, so the
renderer, not the handlers, keeps them: header 150, section text 3000, section field text
2000 and 10 fields, button text 75 and URL 3000, 5 buttons per actions row (our choice,
so a row stays readable), 10 context elements, 50 blocks. Lengths are counted in UTF-16
code units, which is never less than Slack's count, whichever it uses.

A Message is plain text. In `mrkdwn` Slack parses `&`, `<` and `>` as control characters
(`<!channel>`, `<@U123>`, `<http://x|y>`), so feed text is escaped there, and the URLs in
it become explicit links that we write; `verbatim` stops Slack from turning bare names
into links or mentions. `plain_text` (header, buttons) is never parsed, so it is left as
it is: escaping it would show `&amp;`.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from bot.models import Field, Message
from bot.urls import web_url

log = logging.getLogger(__name__)

HEADER = 150
SECTION_TEXT = 3000
FIELD_TEXT = 2000
SECTION_FIELDS = 10
CONTEXT_ELEMENTS = 10
CONTEXT_TEXT = 3000
BUTTON_TEXT = 75
BUTTON_URL = 3000
BUTTONS_PER_ROW = 5
BLOCKS = 50
IMAGE_URL = 3000
ALT_TEXT = 2000
FALLBACK = 3000  # the notification text: Slack allows 40,000, a notification shows far less
ACTION_ID = 255

BODY_SECTIONS = 4  # a long body is split at line ends rather than cut at 3000
MAX_BUTTONS = 10  # two rows; the context line names every outlet anyway
OUTLETS_CHARS = 1000  # the context line is small print
NAME_CHARS = 200  # a field's name is a label: its value gets the room
NOTICE_CHARS = 300  # how much of the body the notification text carries
ELLIPSIS = "…"
SOURCE_ACTION = "tw-source"  # link buttons still send an interaction; the app acks these
# story_message() lists the outlets as a field too; in Slack they are the context line.
OUTLET_FIELDS = ("Outlets", "Outlet")

# Control characters (but the newline), line and paragraph separators, lone surrogates.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_URL = re.compile(r"https?://[^\s<>\"'`|]+", re.IGNORECASE)
_URL_TRAILER = ".,;:!?)]}»”’"


def size(text: str) -> int:
    """Length as Slack may count it: UTF-16 code units (an emoji beyond the BMP is two)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _attaches(ch: str) -> bool:
    """A character that belongs to the one before it: a cut must not fall just before it."""
    return (
        unicodedata.combining(ch) != 0
        or ch in ("\u200c", "\u200d")
        or "\ufe00" <= ch <= "\ufe0f"
        or "\U0001f3fb" <= ch <= "\U0001f3ff"
        or "\U000e0020" <= ch <= "\U000e007f"
        or "\u1160" <= ch <= "\u11ff"
        or unicodedata.category(ch) == "Mc"
    )


def clean(value: Any) -> str:
    """Text Slack accepts: no control characters or lone surrogates (JSON cannot carry
    them as UTF-8), newlines normalized, outer space trimmed."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub("", text).strip()


def one_line(value: Any) -> str:
    return " ".join(clean(value).split())


def escape(text: str) -> str:
    """Slack's three control characters as entities, so feed text pings and links nobody."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escaped_size(text: str) -> int:
    return size(text) + 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))


def _cut_point(text: str, budget: int, escaped: bool) -> int:
    """The longest prefix of `text` that fits `budget` (escaped, if so), moved back to a
    word boundary when one is near and never left before an attaching character."""
    used = 0
    end = 0
    for ch in text:
        used += 2 if ord(ch) > 0xFFFF else 1
        if escaped and ch in "&<>":
            used += 4 if ch == "&" else 3
        if used > budget:
            break
        end += 1
    space = max(text.rfind(" ", 0, end + 1), text.rfind("\n", 0, end + 1))
    if end < len(text) and space >= end * 0.6:
        end = space
    while 0 < end < len(text) and _attaches(text[end]):
        end -= 1
    return end


def cut(text: str, limit: int) -> str:
    """Plain text in at most `limit` (UTF-16) units, ended with "…" when cut."""
    if limit <= 0:
        return ""
    if size(text) <= limit:
        return text
    end = _cut_point(text, limit - 1, escaped=False)
    return text[:end].rstrip(" \n,;:–—-") + ELLIPSIS


def cut_escaped(text: str, limit: int) -> str:
    """`text` escaped, in at most `limit` units once escaped: never inside an entity."""
    if limit <= 0:
        return ""
    if _escaped_size(text) <= limit:
        return escape(text)
    end = _cut_point(text, limit - 1, escaped=True)
    return escape(text[:end].rstrip(" \n,;:–—-")) + ELLIPSIS


def safe_url(value: Any, limit: int = BUTTON_URL) -> str | None:
    """An http(s) URL Slack will accept, or None: a cut URL leads nowhere, so a long one
    is dropped, not cut."""
    url = web_url(value, limit)
    if url is None:
        return None
    # Characters that would end a Slack link early are percent-encoded; the rest stays.
    url = quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")
    return url if size(url) <= limit else None


def _link(url: str) -> str | None:
    target = safe_url(url)
    return f"<{escape(target)}>" if target else None


def _tokens(text: str) -> Iterable[tuple[str, str]]:
    """("text", raw) and ("link", url) pieces: the URLs in feed text become our links."""
    start = 0
    for m in _URL.finditer(text):
        url = m.group(0)
        # Punctuation after a URL ends the sentence, not the URL; a ")" stays when the
        # URL opened it (Wikipedia's "Foo_(bar)").
        while url and url[-1] in _URL_TRAILER:
            if url[-1] == ")" and url.count("(") >= url.count(")"):
                break
            url = url[:-1]
        if m.start() > start:
            yield "text", text[start:m.start()]
        yield "link", url
        start = m.start() + len(url)
    if start < len(text):
        yield "text", text[start:]


def mrkdwn(value: Any, limit: int) -> str:
    """Feed text as mrkdwn within `limit`: escaped, its URLs as whole links (a link that
    does not fit is left out, never cut)."""
    text = clean(value)
    out: list[str] = []
    used = 0
    for kind, piece in _tokens(text):
        rendered = (_link(piece) or escape(piece)) if kind == "link" else escape(piece)
        if used + size(rendered) <= limit:
            out.append(rendered)
            used += size(rendered)
            continue
        room = limit - used
        if kind == "text" or _link(piece) is None:
            out.append(cut_escaped(piece, room))
        elif room >= 1:
            out.append(ELLIPSIS)
        break
    return "".join(out).rstrip()


def _text(value: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": value, "verbatim": True}


def _plain(value: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": value}


def _section(value: str) -> dict[str, Any]:
    return {"type": "section", "text": _text(value)}


def _chunks(text: str, limit: int, most: int) -> list[str]:
    """At most `most` pieces that fit `limit` once escaped, split at line ends (a piece
    of one long line, or the last piece, is cut later)."""
    pieces: list[str] = []
    lines: list[str] = []
    used = 0
    for line in text.split("\n"):
        grown = used + _escaped_size(line) + (1 if lines else 0)
        if lines and grown > limit:
            pieces.append("\n".join(lines))
            lines, grown = [], _escaped_size(line)
        lines.append(line)
        used = grown
    if lines:
        pieces.append("\n".join(lines))
    if len(pieces) > most:
        pieces = [*pieces[: most - 1], "\n".join(pieces[most - 1:])]
    return pieces


def _field_text(field: Field, limit: int) -> str:
    name = one_line(field.name)
    head = f"*{cut_escaped(name, NAME_CHARS)}*" if name else ""
    if not head:
        return mrkdwn(field.value, limit) or ELLIPSIS
    value = mrkdwn(field.value, limit - size(head) - 1)
    return f"{head}\n{value}" if value else head


def _field_blocks(fields: Iterable[Field]) -> list[dict[str, Any]]:
    """Runs of inline fields side by side (a section's fields), the others one a section."""
    blocks: list[dict[str, Any]] = []
    row: list[dict[str, Any]] = []

    def flush() -> None:
        if row:
            blocks.append({"type": "section", "fields": list(row)})
            row.clear()

    for field in fields:
        if field.inline:
            row.append(_text(_field_text(field, FIELD_TEXT)))
            if len(row) == SECTION_FIELDS:
                flush()
        else:
            flush()
            blocks.append(_section(_field_text(field, SECTION_TEXT)))
    flush()
    return blocks


def _usable_fields(message: Message) -> list[Field]:
    out: list[Field] = []
    for item in message.fields or ():
        name = getattr(item, "name", "")
        value = getattr(item, "value", item)
        inline = bool(getattr(item, "inline", False))
        if message.outlets and clean(name) in OUTLET_FIELDS:
            continue
        if clean(name) or clean(value):
            out.append(Field(clean(name), clean(value), inline))
    return out


def _buttons(message: Message) -> list[dict[str, Any]]:
    """Link buttons to the sources, the message's own link first, one per URL; a button
    is named after its outlet."""
    pairs: list[tuple[Any, Any]] = []
    for pair in message.links or ():
        try:
            label, url = pair
        except (TypeError, ValueError):
            continue
        pairs.append((label, url))
    if message.link:
        own = next((label for label, url in pairs if url == message.link), "Open")
        pairs.insert(0, (own, message.link))
    buttons: list[dict[str, Any]] = []
    seen: set[str] = set()
    for label, url in pairs:
        target = safe_url(url)
        if target is None or target in seen:
            continue
        seen.add(target)
        text = cut(one_line(label), BUTTON_TEXT) or cut(urlsplit(target).hostname or "Link",
                                                         BUTTON_TEXT)
        buttons.append({
            "type": "button", "text": _plain(text), "url": target,
            "action_id": f"{SOURCE_ACTION}-{len(buttons)}"[:ACTION_ID],
        })
        if len(buttons) == MAX_BUTTONS:
            break
    return buttons


def _when(value: Any) -> str | None:
    if not isinstance(value, datetime):
        return None
    # A naive time is UTC throughout the app.
    when = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    fallback = when.astimezone(UTC).strftime("%d %b %Y %H:%M UTC")
    # Slack shows the date in each reader's own time zone; the fallback is for old clients.
    return f"<!date^{int(when.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def _context(message: Message) -> dict[str, Any] | None:
    elements: list[dict[str, Any]] = []
    outlets = [one_line(o) for o in message.outlets or () if one_line(o)]
    if outlets:
        label = "Outlet" if len(outlets) == 1 else f"{len(outlets)} outlets"
        elements.append(_text(f"*{label}:* " + cut_escaped(" · ".join(outlets), OUTLETS_CHARS)))
    if footer := one_line(message.footer):
        elements.append(_text(cut_escaped(footer, CONTEXT_TEXT)))
    if when := _when(message.timestamp):
        elements.append(_text(when))
    return {"type": "context", "elements": elements[:CONTEXT_ELEMENTS]} if elements else None


def _image(message: Message) -> dict[str, Any] | None:
    """An image given by URL; a local file (the digest's chart) is uploaded by the sender."""
    url = safe_url(message.image, IMAGE_URL)
    if url is None:
        return None
    alt = cut(one_line(message.title), ALT_TEXT) or "image"
    return {"type": "image", "image_url": url, "alt_text": alt}


def fallback_text(message: Message) -> str:
    """The `text` beside the blocks: what notifications and old clients show."""
    title = one_line(message.title)
    body = cut(one_line(message.body), NOTICE_CHARS)
    text = f"{title}: {body}" if title and body else title or body
    return mrkdwn(text, FALLBACK) or "treatywatch"


def is_line(message: Message) -> bool:
    """A one-line answer (an error, a refusal, a confirmation): sent as text, no blocks."""
    return bool(message.ephemeral) and not (
        message.body or message.fields or message.link or message.footer or message.image
        or message.links or message.outlets
    )


def render(message: Message) -> dict[str, Any]:
    """`{"text": ..., "blocks": [...]}` for chat.postMessage, chat.update or a response
    URL; within every Slack limit, whatever the Message holds."""
    try:
        return _render(message)
    except Exception:  # a message that cannot be shown must not stop a delivery or a reply
        log.exception("could not render a message for Slack")
        return {"text": "This message could not be shown.", "blocks": []}


def _render(message: Message) -> dict[str, Any]:
    text = fallback_text(message)
    if is_line(message):
        return {"text": text, "blocks": []}
    head: list[dict[str, Any]] = []
    if title := cut(one_line(message.title), HEADER):
        head.append({"type": "header", "text": _plain(title)})
    body = clean(message.body)
    head += [_section(mrkdwn(piece, SECTION_TEXT))
             for piece in _chunks(body, SECTION_TEXT, BODY_SECTIONS) if piece.strip()]
    tail: list[dict[str, Any]] = []
    if image := _image(message):
        tail.append(image)
    buttons = _buttons(message)
    for start in range(0, len(buttons), BUTTONS_PER_ROW):
        tail.append({"type": "actions", "elements": buttons[start:start + BUTTONS_PER_ROW]})
    if context := _context(message):
        tail.append(context)
    fields = _field_blocks(_usable_fields(message))
    room = BLOCKS - len(head) - len(tail)
    if len(fields) > room:
        # The last slot says how many were left out, rather than dropping them silently.
        left = len(fields) - (room - 1)
        fields = [*fields[: room - 1], _section(f"+{left} more not shown")]
    blocks = [b for b in [*head, *fields, *tail] if _has_text(b)]
    return {"text": text, "blocks": blocks}


def _has_text(block: dict[str, Any]) -> bool:
    """Slack refuses empty text objects; a block whose text came out empty is left out."""
    if block["type"] in ("header", "section") and "text" in block:
        return bool(block["text"]["text"].strip())
    return True


def response(message: Message) -> dict[str, Any]:
    """A reply through a slash command's response URL: for the caller alone when the
    Message is ephemeral, else for the channel."""
    payload = render(message)
    payload["response_type"] = "ephemeral" if message.ephemeral else "in_channel"
    if not payload["blocks"]:
        del payload["blocks"]
    return payload

