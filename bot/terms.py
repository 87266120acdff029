"""Find many terms (plain words, stems, Korean words, regexes) in a text in one pass.

Plain terms are matched on the text's words, not by a regex alternation: a set
intersection finds the few words that can start a term, so the cost grows with the
text, not with the number of terms, and overlapping terms are all found.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

from bot.text import fold, is_hangul

_WORD = re.compile(r"\w+")
_KEY = 3


@dataclass
class Text:
    """A text folded (case and accents) and split into words, once for every term list."""

    folded: str
    words: list[str]

    @classmethod
    def of(cls, text: str) -> Text:
        folded = fold(text)
        return cls(folded, _WORD.findall(folded))

    @cached_property
    def wordset(self) -> frozenset[str]:
        return frozenset(self.words)

    def prefixes(self, length: int) -> set[str]:
        """The words' first `length` characters (cached: every term list asks the same)."""
        cached = self._prefixes.get(length)
        if cached is None:
            cached = self._prefixes[length] = {w[:length] for w in self.wordset
                                               if len(w) >= length}
        return cached

    @cached_property
    def _prefixes(self) -> dict[int, set[str]]:
        return {}

    @cached_property
    def positions(self) -> dict[str, list[int]]:
        where: dict[str, list[int]] = defaultdict(list)
        for i, word in enumerate(self.words):
            where[word].append(i)
        return where


def fold_pattern(source: str) -> str:
    """Fold a regex's literal text like `fold` folds texts, leaving escapes (\\S, \\W, \\D,
    \\B...) as they are."""
    out: list[str] = []
    escaped = False
    for ch in source:
        out.append(ch if escaped else fold(ch))
        escaped = ch == "\\" and not escaped
    return "".join(out)


@dataclass(frozen=True, slots=True)
class _Word:
    text: str
    prefix: bool  # a stem (`*`) or a Korean word, which particles may follow

    def matches(self, word: str) -> bool:
        return word.startswith(self.text) if self.prefix else word == self.text


def _words(term: str) -> list[_Word]:
    """A plain term as words: `*` ends a stem; a Hangul word may take particles when last."""
    parts = [w for w in re.split(r"[^\w*]+", fold(term)) if w.strip("*")]
    words = []
    for i, part in enumerate(parts):
        stem = part.endswith("*")
        text = part.rstrip("*")
        last = i == len(parts) - 1
        words.append(_Word(text, stem or (last and is_hangul(text[-1]))))
    return words


@dataclass(frozen=True)
class TermSet:
    """Which of a list of terms occur in a text. `re:` terms are regular expressions,
    searched in the folded text; the others are word sequences."""

    terms: tuple[str, ...]
    _exact: dict[str, list[tuple[int, tuple[_Word, ...]]]] = field(repr=False)
    _prefix: dict[int, dict[str, list[tuple[int, tuple[_Word, ...]]]]] = field(repr=False)
    _regexes: tuple[tuple[int, re.Pattern[str]], ...] = field(repr=False)

    @classmethod
    def build(cls, terms: Iterable[str]) -> TermSet:
        terms = tuple(terms)
        exact: dict[str, list[tuple[int, tuple[_Word, ...]]]] = defaultdict(list)
        prefix: dict[int, dict[str, list[tuple[int, tuple[_Word, ...]]]]] = defaultdict(
            lambda: defaultdict(list)
        )
        regexes = []
        for i, term in enumerate(terms):
            if term.startswith("re:"):
                # Texts are folded already: a folded pattern needs no IGNORECASE, which
                # would make every search several times slower.
                regexes.append((i, re.compile(fold_pattern(term[3:]))))
                continue
            words = _words(term)
            if not words:
                continue
            head, tail = words[0], tuple(words[1:])
            if head.prefix:
                # Keyed by a short prefix: few distinct key lengths, so few passes per text.
                key = head.text[:_KEY]
                prefix[len(key)][key].append((i, (head, *tail)))
            else:
                exact[head.text].append((i, tail))
        return cls(
            terms, dict(exact), {n: dict(t) for n, t in prefix.items()}, tuple(regexes)
        )

    def occurrences(self, text: Text) -> Iterator[tuple[int, int, int]]:
        """(term index, first word, word after the last) of every plain-term occurrence."""
        starts: list[tuple[str, list[tuple[int, tuple[_Word, ...]]]]] = [
            (w, self._exact[w]) for w in text.wordset & self._exact.keys()
        ]
        for length, table in self._prefix.items():
            for key in text.prefixes(length) & table.keys():
                for word in text.wordset:
                    if word.startswith(key):
                        fits = [(i, seq[1:]) for i, seq in table[key] if seq[0].matches(word)]
                        starts.append((word, fits))
        words = text.words
        for word, candidates in starts:
            for at in text.positions[word]:
                for index, tail in candidates:
                    end = at + 1 + len(tail)
                    if end <= len(words) and all(
                        w.matches(words[at + 1 + k]) for k, w in enumerate(tail)
                    ):
                        yield index, at, end

    def found_indices(self, text: Text) -> set[int]:
        hits = {index for index, _, _ in self.occurrences(text)}
        hits.update(i for i, rx in self._regexes if i not in hits and rx.search(text.folded))
        return hits

    def found(self, text: Text) -> list[str]:
        """The terms present, in list order."""
        return [self.terms[i] for i in sorted(self.found_indices(text))]

    def all_found(self, text: Text) -> bool:
        return len(self.found_indices(text)) == len(self.terms)

