"""Screen a feed before feedparser: refuse entity tricks, and take every DOCTYPE away.

feedparser hands well-formed XML to expat, which expands internal entities. feedparser removes
DOCTYPEs first, but only ones that start a line: put the DOCTYPE on the XML declaration's line
and a 500-byte billion-laughs feed costs it a second of CPU and 100 MB, for one 3-million
character title (docs/reliability.md). So, before feedparser sees a document:

- every entity declaration before the root element is checked, and the document is refused in
  one line for a parameter entity, an external entity (SYSTEM/PUBLIC: a file or a URL), an
  entity that refers to other entities (billion laughs), a long entity or an expansion past a
  budget (quadratic blow-up), or too many declarations;
- the DOCTYPE is removed, and references to the entities it declared are replaced by their text
  as character references. feedparser never sees a DOCTYPE: nothing is expanded, no DTD is
  looked up, and undeclared HTML entities (&nbsp;) go to its loose parser, which knows them,
  rather than to expat, which silently drops them when the RSS 0.91 DTD is named.

Character references feedparser's loose parser raises on (a surrogate, a code point past
U+10FFFF, NUL) are replaced by U+FFFD: one such reference made feedparser.parse raise.

feedparser reads the declared encoding with a regular expression that takes cubic time on a
long first line starting with "<?" (26 KB: 24 s). The first line is kept to the XML declaration.

It also finds out whether the root element is ever closed: a document cut off mid-item would
otherwise be parsed, and its half item stored for good (items are stored once, by guid).

The document is screened as feedparser will read it, decoded by feedparser's own encoding
detection, so a declaration spelled in UTF-16 or UTF-7 is seen too. defusedxml is not used: it
refuses every entity declaration (a harmless nbsp too) and needs well-formed XML, while
feedparser parses broken documents with its loose parser, so the screen must hold on those too.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from feedparser.encodings import convert_to_utf8

MAX_ENTITIES = 256
MAX_ENTITY_CHARS = 1024
MAX_EXPANSION = 1024 * 1024  # characters all entity references may add to the document
MAX_DECLARATION_CHARS = 512  # real XML declarations take under 100

# How feedparser.encodings tells the encoding of the first bytes, in its order: byte order
# marks, then what "<?xm" looks like. (marker, codec, bytes to skip); ASCII-compatible otherwise.
_SNIFFED = (
    (codecs.BOM_UTF32_BE, "utf-32-be", 4), (codecs.BOM_UTF32_LE, "utf-32-le", 4),
    (codecs.BOM_UTF16_BE, "utf-16-be", 2), (codecs.BOM_UTF16_LE, "utf-16-le", 2),
    (codecs.BOM_UTF8, "latin-1", 3), (b"\x4c\x6f\xa7\x94", "cp037", 0),
    (b"\x00\x3c\x00\x3f", "utf-16-be", 0), (b"\x3c\x00\x3f\x00", "utf-16-le", 0),
    (b"\x00\x00\x00\x3c", "utf-32-be", 0), (b"\x3c\x00\x00\x00", "utf-32-le", 0),
)

_DECLARATIONS = re.compile(rb"<!(?i:doctype|entity)")
_ENTITY_START = re.compile(rb"<!entity", re.IGNORECASE)
_ENTITY = re.compile(
    rb"""<!ENTITY\s+(?P<pe>%\s*)?(?P<name>[^\s"'>%]+)\s*"""
    rb"""(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<ext>SYSTEM|PUBLIC)(?![\w.:-]))?""",
    re.IGNORECASE,
)
# A "<" that can start something in the prolog: a declaration, a PI, a comment, an element.
_PROLOG_MARK = re.compile(rb"<[!?A-Za-z_:\x80-\xff]")
# What matters inside a declaration: quoted strings and comments may hold any of <, >, [ and ].
_MARKUP = re.compile(rb"""[<>\[\]"']""")
# Where feedparser's loose parser thinks the document's head ends (feedparser.sanitizer).
_FEEDPARSER_HEAD_END = re.compile(rb"<\w")
# Candidates only (surrogates, 6+ hex or 7+ decimal digits, zero), so that the ordinary
# references of a Korean feed written as &#54620; cost no callback.
# Possessive quantifiers throughout (*+, ++): on hostile input, no regular expression here may
# backtrack, or it costs quadratic time.
_ODD_CHAR_REF = re.compile(
    rb"&#(?:[xX]0*+([dD][89a-fA-F][0-9a-fA-F]{2}|[0-9a-fA-F]{6,}+|)"
    rb"|0*+(5[5-7][0-9]{3}|[0-9]{7,}+|));"
)
# Root names are short (rss, feed, rdf:RDF); a longer one is garbage, and is not worth a pattern.
_ROOT = re.compile(rb"<([^\s/>]{1,64}+)")
_SELF_CLOSED = re.compile(rb"""<[^\s/>]++(?:"[^"]*+"|'[^']*+'|[^"'>/]++|/(?!>))*+/>""")
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
_PREDEFINED = {"lt": "<", "gt": ">", "amp": "&", "apos": "'", "quot": '"'}
_PREDEFINED_REF = re.compile(r"&(lt|gt|amp|apos|quot);")
_REFERENCE = re.compile(r"[&%][A-Za-z_:\u0080-\U0010ffff]")
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,:;!?()-_/")


class Refused(ValueError):
    """The document is refused; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class Screened:
    body: bytes  # what to give feedparser: the document itself, or without its DOCTYPE
    root: str  # the root element's name; "" when there is no element at all
    complete: bool  # the root element is closed: the document was not cut off


def screen(body: bytes) -> Screened:
    """Check ``body`` before feedparser parses it.

    Raises Refused for entity declarations that could make parsing expensive or reach out.
    """
    body = _short_first_line(body)
    try:
        text: bytes = convert_to_utf8({}, body, {})
    except (UnicodeError, LookupError) as exc:  # feedparser itself would raise the same
        raise Refused(f"cannot decode the document: {exc}") from None
    prolog_end, doctypes = _prolog(text)
    root, complete = _root(text, prolog_end)
    repaired = _repair_char_refs(text) if b"&#" in text else None
    if not _DECLARATIONS.search(text):
        # Nearly every feed: nothing more to check, and given to feedparser unchanged.
        return Screened(body if repaired is None else repaired, root, complete)
    text = text if repaired is None else repaired
    # Entities are checked up to wherever either of feedparser's parsers could read them.
    head = _FEEDPARSER_HEAD_END.search(text)
    entities = _entities(text[: max(prolog_end, head.end() if head else 0)])
    for start, end in reversed(doctypes):
        text = text[:start] + text[end:]
    return Screened(_substitute(text, entities), root, complete)


def _short_first_line(body: bytes) -> bytes:
    """``body`` with a line break after its XML declaration, if its first line is long."""
    codec, skip = "latin-1", 0  # latin-1: one character per byte of an ASCII-like encoding
    for marker, name, length in _SNIFFED:
        if body.startswith(marker) and not (length == 2 and body[2:4] == b"\0\0"):
            codec, skip = name, length
            break
    view = body[skip : skip + 8 * MAX_DECLARATION_CHARS].decode(codec, "replace")
    if not view.startswith("<?") or 0 <= view.find("\n") <= MAX_DECLARATION_CHARS:
        return body
    close = view.find("?>", 0, MAX_DECLARATION_CHARS)
    if close < 0:
        raise Refused(f"the XML declaration does not end in {MAX_DECLARATION_CHARS} characters")
    at = skip + len(view[: close + 2].encode(codec))
    return body[:at] + "\n".encode(codec) + body[at:]


def _repair_char_refs(text: bytes) -> bytes | None:
    """``text`` with odd character references replaced by U+FFFD; None when there are none."""
    replaced = 0

    def repair(m: re.Match[bytes]) -> bytes:
        nonlocal replaced
        digits = m[1] if m[1] is not None else m[2]
        code = int(digits or b"0", 16 if m[1] is not None else 10) if len(digits) <= 8 else -1
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return m[0]
        replaced += 1
        return b"&#65533;"

    repaired = _ODD_CHAR_REF.sub(repair, text)
    return repaired if replaced else None


def _root(text: bytes, start: int) -> tuple[str, bool]:
    """The root element's name, and whether it is closed (by a tag, or as ``<rss/>``)."""
    m = _ROOT.match(text, start)
    if m is None:
        return "", True
    if _SELF_CLOSED.match(text, start):
        return m[1].decode("utf-8", "replace"), True
    local = m[1].rsplit(b":", 1)[-1]  # <rdf:RDF> may close as </rdf:RDF>, </RDF> is as good
    closing = re.compile(rb"</(?:[^\s<>/:]++:)?" + re.escape(local) + rb"\s*+>")
    return m[1].decode("utf-8", "replace"), closing.search(text, m.end()) is not None


def _prolog(text: bytes) -> tuple[int, list[tuple[int, int]]]:
    """Where the root element starts, and the spans of the DOCTYPEs before it."""
    doctypes: list[tuple[int, int]] = []
    pos = 0
    while mark := _PROLOG_MARK.search(text, pos):
        lt = mark.start()
        after = text[lt + 1 : lt + 2]
        if text.startswith(b"<!--", lt):
            pos = _after(text, b"-->", lt + 4)
        elif after == b"?":
            pos = _after(text, b"?>", lt + 2)
        elif after == b"!":
            end = _declaration_end(text, lt + 2)
            is_doctype = text[lt + 2 : lt + 9].upper() == b"DOCTYPE"
            if end < 0:
                if is_doctype:
                    raise Refused("unterminated DOCTYPE")
                return len(text), doctypes
            if is_doctype:
                doctypes.append((lt, end))
            pos = end
        else:
            return lt, doctypes
    return len(text), doctypes


def _after(text: bytes, marker: bytes, start: int) -> int:
    found = text.find(marker, start)
    return len(text) if found < 0 else found + len(marker)


def _declaration_end(text: bytes, start: int) -> int:
    """The offset after the ``>`` that closes a declaration (with its internal subset); -1.

    Strings, comments and processing instructions are skipped with find(): each is read once,
    and one left open ends the scan instead of being searched for again further on.
    """
    depth = 0  # declarations open inside an internal subset
    subset = False
    pos = start
    while m := _MARKUP.search(text, pos):
        at, char = m.start(), m.group()
        if char in (b'"', b"'"):
            closer, skip = char, 1
        elif text.startswith(b"<!--", at):
            closer, skip = b"-->", 4
        elif text.startswith(b"<?", at):
            closer, skip = b"?>", 2
        else:
            closer, skip = b"", 1
        if closer:
            end = text.find(closer, at + skip)
            if end < 0:
                return -1
            pos = end + len(closer)
            continue
        pos = at + 1
        if char == b"<":
            depth += 1
        elif char == b">":
            if depth:
                depth -= 1
            elif not subset:
                return pos
        elif not depth:
            subset = char == b"["
    return -1


def _entities(region: bytes) -> dict[bytes, str]:
    """The general entities declared in ``region``, by name, with their replacement text.

    Every declaration is checked, also ones inside comments: feedparser's loose parser finds
    declarations with a regular expression, comments or not.
    """
    found: dict[bytes, str] = {}
    for count, start in enumerate((m.start() for m in _ENTITY_START.finditer(region)), 1):
        if count > MAX_ENTITIES:
            raise Refused(f"more than {MAX_ENTITIES} entity declarations")
        m = _ENTITY.match(region, start)
        if m is None:
            raise Refused("malformed entity declaration")
        name = m["name"].decode("utf-8", "replace")
        if m["pe"]:
            raise Refused(f"parameter entity %{name} declared")
        if m["ext"]:
            raise Refused(f"external entity {name!r} ({m['ext'].upper().decode()} identifier)")
        raw = m["dq"] if m["dq"] is not None else m["sq"]
        if raw is None:
            raise Refused(f"malformed declaration of entity {name!r}")
        # Character references count as written (XML expands them at the declaration), so
        # "&#38;lol;" is a reference to lol too.
        value = _CHAR_REF.sub(_char, raw.decode("utf-8", "replace"))
        if _REFERENCE.search(_PREDEFINED_REF.sub("", value)):
            raise Refused(f"entity {name!r} refers to other entities (an expansion bomb)")
        value = _PREDEFINED_REF.sub(lambda p: _PREDEFINED[p[1]], value)
        if len(value) > MAX_ENTITY_CHARS:
            raise Refused(
                f"entity {name!r} is {len(value):,} characters long (limit {MAX_ENTITY_CHARS:,})"
            )
        found.setdefault(m["name"], value)  # as in XML, the first declaration counts
    return found


def _char(m: re.Match[str]) -> str:
    code = int(m[1], 16) if m[1] else int(m[2])
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"


def _as_references(value: str) -> bytes:
    """``value`` as XML text that means the same in any encoding and holds no markup."""
    return "".join(c if c in _PLAIN else f"&#{ord(c)};" for c in value).encode("ascii")


def _substitute(text: bytes, entities: dict[bytes, str]) -> bytes:
    names = [n for n in entities if n.decode("utf-8", "replace") not in _PREDEFINED]
    if not names:
        return text
    replacements = {n: _as_references(entities[n]) for n in names}
    alternatives = b"|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    added = 0

    def replace(m: re.Match[bytes]) -> bytes:
        nonlocal added
        added += len(entities[m[1]])
        if added > MAX_EXPANSION:
            raise Refused(f"entity references expand to over {MAX_EXPANSION:,} characters")
        return replacements[m[1]]

    return re.sub(rb"&(" + alternatives + rb");", replace, text)
