"""Command arguments, checked once for every way in: Discord, Slack and the CLI.

An argument is text from a stranger. Each one is bounded here before any handler works
on it: text is capped in length (the refusal says the cap), normalised to NFC, and refused
when it holds a lone surrogate or a control character; a number is ASCII digits only,
within a stated range. A refusal is an ArgumentError whose message is one short line for
the person who typed the command.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Awaitable, Callable
from typing import ParamSpec

from bot.models import Message

# Caps, in characters (after NFC). Each is far above any real use and far below what
# would cost a handler more than a few milliseconds.
QUESTION_MAX = 300  # /ask
ARTICLE_MAX = 200  # /article: a number, or a few words
TOPIC_MAX = 40
CHANNEL_MAX = 100
FEED_NAME_MAX = 80
URL_MAX = 2000
AUTOCOMPLETE_MAX = 100  # what Discord sends as the text typed so far
COMMAND_TEXT_MAX = 2500  # Slack's whole `/treaty ...` line: a URL and a name fit
STORY_ID_MAX = 999_999_999
COUNT_MAX = 20  # /latest

_DIGITS = re.compile(r"[0-9]+")
# Invisible characters with no meaning in a command: dropped, so that "sanc\u200btions"
# is "sanctions" and a pasted word keeps working.
_IGNORABLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200e\u200f\u2060\ufeff\u061c"))
# Bidirectional embeddings, overrides and isolates reorder how an echoed answer displays.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


P = ParamSpec("P")


class ArgumentError(ValueError):
    """A refused argument; the message is the one line shown to the caller."""


def error(line: str) -> Message:
    """A refusal or a short notice: one private line."""
    return Message(title=line, ephemeral=True)


def refusing(
    handler: Callable[P, Awaitable[Message]],
) -> Callable[P, Awaitable[Message]]:
    """A handler whose ArgumentError becomes its answer, as one private line."""

    @functools.wraps(handler)
    async def checked(*args: P.args, **kwargs: P.kwargs) -> Message:
        try:
            return await handler(*args, **kwargs)
        except ArgumentError as exc:
            return error(str(exc))

    return checked


def _describe(char: str) -> str:
    return f"U+{ord(char):04X}"


def text(value: object, what: str, limit: int, *, single_line: bool = True) -> str:
    """`value` as clean text: NFC, ignorable characters dropped, runs of whitespace made
    one space (single_line) and the ends stripped. May be empty: whether an empty
    argument is allowed is the handler's business."""
    if not isinstance(value, str):
        raise ArgumentError(f"The {what} must be text.")
    # The raw length first: normalising a huge string would cost before the refusal.
    if len(value) > limit * 2:
        raise ArgumentError(f"The {what} is too long: at most {limit} characters.")
    for char in value:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            raise ArgumentError(f"The {what} holds an invalid character ({_describe(char)}).")
        if char in _BIDI_CONTROLS or (
            unicodedata.category(char) == "Cc" and char not in _LINE_BREAKS
        ):
            raise ArgumentError(f"The {what} holds a control character ({_describe(char)}).")
    clean = unicodedata.normalize("NFC", value).translate(_IGNORABLE)
    clean = " ".join(clean.split()) if single_line else clean.strip()
    if len(clean) > limit:
        raise ArgumentError(f"The {what} is too long: at most {limit} characters.")
    return clean


def quoted(value: str, limit: int = 40) -> str:
    """An argument echoed in an answer: quoted, and cut so that the line stays short
    (the quoted form counts: an unprintable character shows as up to ten)."""
    whole = repr(value)
    if len(whole) <= limit + 2:
        return whole
    kept = ""
    for char in value:
        if len(repr(kept + char)) > limit:
            break
        kept += char
    return repr(kept + "…")


def integer(value: object, what: str, low: int, high: int) -> int:
    """A whole number from `low` to `high`: an int, or ASCII digits (surrounding spaces
    allowed). "1.5", "²", "-3", "1e3", "٣" and 10**20 are refused alike."""
    problem = ArgumentError(f"The {what} must be a whole number from {low:,} to {high:,}.")
    if isinstance(value, bool):
        raise problem
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        digits = value.strip()
        if not _DIGITS.fullmatch(digits) or len(digits.lstrip("0")) > len(str(high)):
            raise problem
        number = int(digits)
    else:
        raise problem
    if not low <= number <= high:
        raise problem
    return number


def looks_numeric(token: str) -> bool:
    """Whether a free-form token was meant as a number ("5", "1.5", "²", "-2", "五"), so
    that it is judged as one instead of as a word."""
    head = token.lstrip("+-−#")[:1]
    return bool(head) and (head.isnumeric() or head == ".")
