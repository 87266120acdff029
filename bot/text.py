"""Text normalization shared by matching, folding and search."""

from __future__ import annotations

import functools
import html
import re
import unicodedata

# Linear on broken markup: a tag also ends at the next "<", and quantifiers are possessive,
# so an unclosed "<" is never rescanned from each later position. A tag's name starts with
# an ASCII letter: Korean text quotes a publication's name so ("<로동신문>은 … 보도했다").
_TAG = re.compile(r"<(?=[A-Za-z/!?])[^<>]*+>")
_BLOCK = re.compile(r"</?(?:p|br|div|li|h[1-6]|tr|blockquote)\b[^<>]*+>", re.IGNORECASE)
_SCRIPT_OPEN = re.compile(r"<(script|style)\b", re.IGNORECASE)
_SCRIPT_CLOSE = {k: re.compile(rf"</{k}\s*+>", re.IGNORECASE) for k in ("script", "style")}
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
# A sentence ends at . ! ? (with any closing quotes or brackets) before a space, but not
# after a lone capital ("N. Korea", "U.S."): headlines abbreviate names that way.
# Only the first mark of a run may end a sentence: a run of dots stays linear.
# A Korean declarative ending before the next Korean word ends one too where the page lost
# its full stop ("…발생했다고 밝혔습니다 이는 …").
_SENTENCE_END = re.compile(r"(?<!\b[A-Z])(?<![.!?。])[.!?。]++[\"'”’»)\]]*+(?=\s)|\n+"
                           r"|(?:(?<=습니다)|(?<=[었았였했혔됐겠]다))(?=\s+[가-힣])")


def _drop_scripts(markup: str) -> str:
    """Each <script> and <style> block replaced by a space, in one pass."""
    parts: list[str] = []
    pos = 0
    unclosed: set[str] = set()  # kinds with no closing tag after here: never searched again
    while m := _SCRIPT_OPEN.search(markup, pos):
        kind = m[1].lower()
        close = None if kind in unclosed else _SCRIPT_CLOSE[kind].search(markup, m.end())
        if close is None:
            unclosed.add(kind)
            parts.append(markup[pos : m.end()])
            pos = m.end()
            continue
        parts += [markup[pos : m.start()], " "]
        pos = close.end()
    parts.append(markup[pos:])
    return "".join(parts)


def strip_html(markup: str) -> str:
    """Plain text of an HTML fragment, whitespace normalized."""
    text = _drop_scripts(markup)
    text = _BLOCK.sub("\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def one_line(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


# Combining marks (accents, the breve of й, the diaeresis of ё) in the blocks text uses.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _accented_class() -> str:
    """A regex class of the characters that are composed (NFC) yet lose something when folded:
    those whose canonical decomposition holds a mark that `fold` drops (é, й, ё, ≠), and the
    marks themselves. By Unicode's stability policy no such composed character has been added
    since 3.1; all of them lie in U+00C0-U+2FFF (tests/test_speedups.py checks every code
    point)."""
    marks = _COMBINING.pattern[1:-1]
    chars = [
        chr(c) for c in range(0xC0, 0x3000)
        if _COMBINING.search(unicodedata.normalize("NFD", chr(c)))
    ]
    return "[" + marks + re.escape("".join(chars)) + "]"


_ACCENTED = re.compile(_accented_class())


def fold(text: str) -> str:
    """Case- and accent-insensitive form of `text`.

    Decomposes to drop accents, then recomposes so that Hangul syllables (which
    NFKD splits into jamo) come back whole: Korean terms still match Korean text.
    """
    folded = text.casefold()
    if folded.isascii():  # most English text: nothing to decompose
        return folded
    if unicodedata.is_normalized("NFKC", folded):
        # Nearly all Korean and Russian text. Decomposing it (every Hangul syllable into
        # jamo) and composing it again changes nothing but the accented letters (й, ё, é),
        # so only those are folded, one by one; NFC of the whole then equals the fold of
        # the whole (NFC gives one result for all canonically equivalent strings).
        if not _ACCENTED.search(folded):
            return folded
        return unicodedata.normalize("NFC", _ACCENTED.sub(_fold_accented, folded))
    decomposed = unicodedata.normalize("NFKD", folded)
    return unicodedata.normalize("NFC", _COMBINING.sub("", decomposed))


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    return unicodedata.normalize("NFC", _COMBINING.sub("", unicodedata.normalize("NFD", ch)))


def _fold_accented(match: re.Match[str]) -> str:
    return _fold_char(match.group())


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def sentences(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        out.append(text[start : m.end()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def is_hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3" or "\u3131" <= ch <= "\u318e"


_SCRIPTS = {"hangul": re.compile("[\uac00-\ud7a3\u3131-\u318e]"),
            "cyrillic": re.compile("[\u0400-\u04ff]"), "latin": re.compile("[A-Za-z]")}


def script(text: str) -> str:
    """The script most of the text's letters are in: "hangul", "cyrillic" or "latin" ("" when
    it has none of them)."""
    counts = {name: len(letter.findall(text)) for name, letter in _SCRIPTS.items()}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ""


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut at a word boundary so that the result, ellipsis included, fits `limit`."""
    if len(text) <= limit:
        return text
    if limit <= len(ellipsis):
        return text[:limit]
    cut = text[: limit - len(ellipsis)]
    space = cut.rfind(" ")
    if not text[len(cut)].isspace() and space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + ellipsis
