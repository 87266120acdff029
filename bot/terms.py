"""Find many terms (plain words, stems, Korean words, regexes) in a text in one pass.

Plain terms are matched on the text's words, not by a regex alternation: each distinct word
of the text looks up the terms it may start (remembered per word across texts), so the cost
grows with the text, not with the number of terms, and overlapping terms are all found.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter

from bot.text import fold, is_hangul

# A word; Korean writes its particles onto a Latin name ("kcna가", "nato는"), which is the
# name followed by a word of its own.
WORD = re.compile(r"[a-z]+(?=[가-힣])|\w+")
_KEY = 3
_WORDS_REMEMBERED = 200_000


@dataclass
class Text:
    """A text folded (case and accents) and split into words, once for every term list."""

    folded: str
    words: list[str]

    @classmethod
    def of(cls, text: str) -> Text:
        folded = fold(text)
        return cls(folded, WORD.findall(folded))

    def joined(self, other: Text) -> Text:
        """Text.of(a + "\n" + b) from Text.of(a) and Text.of(b): no word spans a line
        break, and folding composes nothing across one."""
        return Text(f"{self.folded}\n{other.folded}", self.words + other.words)

    @cached_property
    def wordset(self) -> frozenset[str]:
        return frozenset(self.words)

    def prefixes(self, length: int) -> set[str]:
        """The words' first `length` characters, and shorter words whole (which no key of
        that length equals). Cached: every term list asks the same."""
        cached = self._prefixes.get(length)
        if cached is None:
            # map() with itemgetter runs in C: a third of a set comprehension's time.
            cached = self._prefixes[length] = set(map(itemgetter(slice(0, length)),
                                                      self.wordset))
        return cached

    @cached_property
    def _prefixes(self) -> dict[int, set[str]]:
        return {}

    def where(self, word: str) -> list[int]:
        """Where `word` occurs: list.index runs in C, and only the few words that may start
        a term are ever looked for, so this beats indexing every word first."""
        found: list[int] = []
        at = -1
        with suppress(ValueError):
            while True:
                at = self.words.index(word, at + 1)
                found.append(at)
        return found


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
    # (term index, pattern, strings one of which every match contains, or None)
    _regexes: tuple[tuple[int, re.Pattern[str], tuple[str, ...] | None], ...] = field(
        repr=False)
    # Words that are a whole one-word term, and the terms they are: no positions needed.
    _single: dict[str, tuple[int, ...]] = field(repr=False, default_factory=dict)
    # A phrase's whole words after its first: a text lacking one of them cannot hold it, so
    # its frequent first word ("the", "russia") is never looked for word by word.
    _rest: dict[int, frozenset[str]] = field(repr=False, default_factory=dict)
    # Word → the terms it may start (the same for every text): news repeats its words, so a
    # word's candidates are looked up once, not again through prefixes in every text.
    _starting: dict[str, list[tuple[int, tuple[_Word, ...]]]] = field(
        repr=False, default_factory=dict, compare=False)

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
                source = fold_pattern(term[3:])
                regexes.append((i, re.compile(source), required_strings(source)))
                continue
            words = _words(term)
            if not words:
                continue
            head, tail = words[0], tuple(words[1:])
            if head.prefix:
                # Keyed by a short prefix: few distinct key lengths, so few lookups a word.
                key = head.text[:_KEY]
                prefix[len(key)][key].append((i, (head, *tail)))
            else:
                exact[head.text].append((i, tail))
        single: dict[str, list[int]] = defaultdict(list)
        multi: dict[str, list[tuple[int, tuple[_Word, ...]]]] = {}
        for word, entries in exact.items():
            for i, tail in entries:
                if tail:
                    multi.setdefault(word, []).append((i, tail))
                else:
                    single[word].append(i)
        rest = {i: frozenset(w.text for w in seq if not w.prefix)
                for table in (*multi.values(), *(e for t in prefix.values() for e in t.values()))
                for i, seq in table}
        return cls(
            terms, multi, {n: dict(t) for n, t in prefix.items()}, tuple(regexes),
            {w: tuple(ids) for w, ids in single.items()}, rest,
        )

    def occurrences(self, text: Text, only: set[int] | None = None
                    ) -> Iterator[tuple[int, int, int]]:
        """(term index, first word, word after the last) of every term's occurrence, or of
        the terms in `only`: a word is looked for only if it may start one of them."""
        words = text.words
        for word in text.wordset & self._single.keys():
            indices = self._single[word]
            if only is not None and not any(i in only for i in indices):
                continue
            for at in text.where(word):
                for index in indices:
                    yield index, at, at + 1
        for word, candidates in self._starts(text):
            if only is not None:
                candidates = [(i, tail) for i, tail in candidates if i in only]
                if not candidates:
                    continue
            for at in text.where(word):
                for index, tail in candidates:
                    if _continues(words, at, tail):
                        yield index, at, at + 1 + len(tail)
        folded = text.folded
        for index, rx, _ in self._regexes:
            if only is None or index in only:
                for m in rx.finditer(folded):
                    # the words before and through the match, counted as Text splits them
                    yield (index, len(WORD.findall(folded, 0, m.start())),
                           len(WORD.findall(folded, 0, m.end())))

    def _starts(self, text: Text) -> list[tuple[str, list[tuple[int, tuple[_Word, ...]]]]]:
        """Words of the text that may start a term, with the rest of each such term."""
        wordset, rest = text.wordset, self._rest
        starts = []
        for word in wordset:
            candidates = self._starting.get(word)
            if candidates is None:
                candidates = self._starting_uncached(word)
            if candidates:
                fits = [(i, tail) for i, tail in candidates if rest[i] <= wordset]
                if fits:
                    starts.append((word, fits))
        return starts

    def _starting_uncached(self, word: str) -> list[tuple[int, tuple[_Word, ...]]]:
        found = list(self._exact.get(word, ()))
        for length, table in self._prefix.items():
            found += [(i, seq[1:]) for i, seq in table.get(word[:length], ())
                      if seq[0].matches(word)]
        if len(self._starting) >= _WORDS_REMEMBERED:
            self._starting.clear()  # a bound on memory in a bot that runs for months
        self._starting[word] = found
        return found

    def found_indices(self, text: Text) -> set[int]:
        # As `occurrences`, without finding where: a one-word term is found as soon as one
        # of the text's words is (or begins with) it.
        hits: set[int] = set()
        for word in text.wordset & self._single.keys():
            hits.update(self._single[word])
        words = text.words
        for word, candidates in self._starts(text):
            rest = [(index, tail) for index, tail in candidates if index not in hits]
            if not rest:
                continue
            short = [index for index, tail in rest if not tail]
            hits.update(short)
            if len(short) == len(rest):
                continue
            positions = text.where(word)
            for index, tail in rest:
                # any() stops at the first place the phrase goes on: found once is enough
                if tail and any(_continues(words, at, tail) for at in positions):
                    hits.add(index)
        folded = text.folded
        for i, rx, needs in self._regexes:
            # A pattern is searched only if the text holds one of the strings every match of
            # it contains: most texts mention none of a topic's phrases.
            if i in hits or (needs is not None and not any(n in folded for n in needs)):
                continue
            if rx.search(folded):
                hits.add(i)
        return hits

    def found(self, text: Text) -> list[str]:
        """The terms present, in list order."""
        return [self.terms[i] for i in sorted(self.found_indices(text))]


def _continues(words: list[str], at: int, tail: tuple[_Word, ...]) -> bool:
    """Whether the words after the one at `at` are the rest of a term."""
    return at + 1 + len(tail) <= len(words) and all(
        w.matches(words[at + 1 + k]) for k, w in enumerate(tail)
    )


# --- what every match of a regex contains ------------------------------------------------------

try:
    from re import _constants as _sre_constants
    from re import _parser as _sre_parser
except ImportError:  # another Python's internals: every pattern is simply searched
    _sre_parser = None


def required_strings(source: str) -> tuple[str, ...] | None:
    """Strings such that every match of the pattern contains one of them, or None when the
    pattern gives none (a class, a lookaround, flags): then it must always be searched.

    Read from the parsed pattern: a sequence needs its most telling part (a literal run, a
    group, a repeat at least once), an alternation any of its branches' strings.
    """
    if _sre_parser is None:
        return None
    try:
        parsed = _sre_parser.parse(source)
        if parsed.state.flags & ~(re.UNICODE | re.DOTALL | re.MULTILINE):
            return None
        needs = _sequence_needs(list(parsed))
    except Exception:  # an unexpected shape of the parser's output: no shortcut
        return None
    return tuple(sorted(needs)) if needs else None


# Words in most texts: a filter on them would let nearly every text through.
_COMMON = frozenset({
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to",
    "with", "и", "в", "на", "с", "по", "이", "그", "및",
})


def _filter_cost(strings: frozenset[str]) -> tuple[bool, bool, int, int]:
    """Lower is better: no common word, no very short string, few strings, long ones."""
    shortest = min(len(s.strip()) for s in strings)
    common = any(all(w in _COMMON for w in s.split()) for s in strings)  # or only spaces
    return common, shortest < 4, len(strings), -shortest


def _sequence_needs(items: list[tuple[object, object]]) -> frozenset[str] | None:
    c = _sre_constants
    best: frozenset[str] | None = None
    run: list[str] = []

    def better(candidate: frozenset[str] | None) -> None:
        nonlocal best
        if not candidate or "" in candidate:
            return
        if best is None or _filter_cost(candidate) < _filter_cost(best):
            best = candidate

    def end_run() -> None:
        if run:
            better(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is c.LITERAL:
            run.append(chr(av))  # type: ignore[arg-type]
            continue
        if op is c.IN and len(av) == 1 and av[0][0] is c.LITERAL:  # type: ignore[arg-type,index]
            run.append(chr(av[0][1]))  # type: ignore[index]
            continue
        end_run()
        if op is c.SUBPATTERN:
            _, add_flags, del_flags, sub = av  # type: ignore[misc]
            if add_flags or del_flags:
                return None
            better(_sequence_needs(list(sub)))
        elif op is c.BRANCH:
            branches = [_sequence_needs(list(b)) for b in av[1]]  # type: ignore[index]
            if all(branches):
                better(frozenset().union(*branches))  # type: ignore[arg-type]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", c.MAX_REPEAT)):
            low, _, sub = av  # type: ignore[misc]
            if low >= 1:
                better(_sequence_needs(list(sub)))
        elif op is c.ATOMIC_GROUP if hasattr(c, "ATOMIC_GROUP") else False:
            better(_sequence_needs(list(av)))  # type: ignore[arg-type]
    end_run()
    return best
