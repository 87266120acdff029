"""Parse an operator-supplied official text of the treaty.

The file format is described in docs/official-text.md: UTF-8 text split into blocks, each
headed by a line of its own (``== Preamble ==``, ``== Article 4 ==``, ``Статья 4``,
``제4조``, ...), with the block's text below it. Lines starting with ``#`` are comments.

The parser is strict on purpose: a text with a missing or doubled article would be quoted
to users as the treaty's wording, so any doubt is an error naming the file and line.
"""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["OfficialTextError", "load_official_text", "parse_official_text"]

_PREAMBLE_WORDS = frozenset({"preamble", "преамбула", "전문"})

# A header in the explicit form: "== ... ==" around a block name.
_FENCED = re.compile(r"^==+\s*(?P<name>.*?)\s*==+$")
# A header without fences: how article headings look in the Korean, Russian and English
# texts themselves. Only a whole line matches, so body text that cites "Article 51 of the
# UN Charter" mid-sentence is never taken for a header.
_BARE = re.compile(
    r"^(?:article\s+(?P<en>\d+)|статья\s+(?P<ru>\d+)|제\s*(?P<ko>\d+)\s*조"
    r"|(?P<pre>preamble|преамбула|전문))\s*[.:]?$",
    re.IGNORECASE,
)
_NAME = re.compile(
    r"^(?:(?:article|art\.?|статья|ст\.?)\s*(?P<num>\d+)|제\s*(?P<ko>\d+)\s*조"
    r"|(?P<pre>preamble|преамбула|전문))\.?$",
    re.IGNORECASE,
)


class OfficialTextError(ValueError):
    """The official text file is unreadable or incomplete.

    The message is "<file>:<line>: <problem>"; line 0 means the file as a whole.
    """

    def __init__(self, file: str, line: int, problem: str) -> None:
        super().__init__(f"{file}:{line}: {problem}")
        self.file = file
        self.line = line
        self.problem = problem


def _label(n: int) -> str:
    return "the preamble" if n == 0 else f"Article {n}"


def _header_number(line: str) -> int | str | None:
    """The block number a header line opens, None for a non-header, or a problem text.

    A fenced line that names no block is an error rather than text: the operator meant a
    header and mistyped it.
    """
    fenced = _FENCED.match(line)
    if fenced:
        m = _NAME.match(fenced.group("name"))
        if not m:
            return f"unrecognised header {line!r} (expected '== Preamble ==' or '== Article N ==')"
        if m.group("pre"):
            return 0
        return int(m.group("num") or m.group("ko"))
    bare = _BARE.match(line)
    if not bare:
        return None
    if bare.group("pre"):
        return 0
    return int(bare.group("en") or bare.group("ru") or bare.group("ko"))


def parse_official_text(text: str, file: str = "<text>", articles: int = 23) -> dict[int, str]:
    """Split ``text`` into {0: preamble, 1: Article 1, ...}; see the module docstring."""
    blocks: dict[int, str] = {}
    header_line: dict[int, int] = {}
    current: int | None = None
    body: list[str] = []
    lineno = 0

    def close() -> None:
        if current is None:
            return
        content = "\n".join(body).strip()
        if not content:
            raise OfficialTextError(file, header_line[current], f"{_label(current)} has no text")
        # Paragraph breaks are kept; runs of blank lines are not.
        blocks[current] = re.sub(r"\n\s*\n+", "\n\n", content)

    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#"):
            continue
        number = _header_number(line)
        if isinstance(number, str):
            raise OfficialTextError(file, lineno, number)
        if number is None:
            if current is None and line:
                raise OfficialTextError(
                    file, lineno, "text before the first header ('== Preamble ==' expected)"
                )
            body.append(line)
            continue
        if number > articles:
            raise OfficialTextError(
                file,
                lineno,
                f"Article {number} is out of range (the treaty has a preamble and "
                f"articles 1–{articles})",
            )
        if number in header_line:
            raise OfficialTextError(
                file,
                lineno,
                f"duplicate header for {_label(number)} (first at line {header_line[number]})",
            )
        expected = 0 if current is None else current + 1
        if number != expected:
            raise OfficialTextError(
                file,
                lineno,
                f"{_label(number)} found where {_label(expected)} was expected "
                "(blocks must run from the preamble to the last article, in order, once each)",
            )
        close()
        current, body = number, []
        header_line[number] = lineno

    if current is None:
        raise OfficialTextError(
            file, max(lineno, 1), "no headers found ('== Preamble ==' expected)"
        )
    close()
    if current != articles:
        missing = ", ".join(_label(n) for n in range(current + 1, articles + 1))
        raise OfficialTextError(
            file,
            lineno,
            f"file ends after {_label(current)}: {missing} missing "
            f"(expected the preamble and {articles} articles)",
        )
    return blocks


def load_official_text(path: Path | str, articles: int = 23) -> dict[int, str]:
    """Read and parse an official text file; every problem is an OfficialTextError."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise OfficialTextError(str(path), 0, f"cannot read: {exc.strerror or exc}") from exc
    try:
        # utf-8-sig: editors on Windows add a byte-order mark that is not text.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise OfficialTextError(str(path), line, "not valid UTF-8") from exc
    return parse_official_text(text, file=str(path), articles=articles)
