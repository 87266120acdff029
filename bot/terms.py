"""Compile user terms (plain words, stems, Korean, regexes) into one regex per list."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.text import fold, is_hangul


def term_pattern(term: str) -> str:
    """Regex source for one term, to be searched in `fold`ed text.

    Plain terms match on word boundaries; `*` at the end allows any ending; a
    term ending in Hangul allows particles after it (조약 → 조약을, 조약이).
    """
    if term.startswith("re:"):
        return term[3:]
    words = [w for w in re.split(r"[\s\-]+", fold(term.strip())) if w]
    parts = [re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "") for w in words]
    source = r"[\s\-]+".join(parts)
    first, last = words[0], words[-1]
    left = r"(?<!\w)" if first[:1].isalnum() else ""
    open_end = last.endswith("*") or is_hangul(last[-1]) or not last[-1].isalnum()
    right = "" if open_end else r"(?!\w)"
    return f"{left}{source}{right}"


@dataclass(frozen=True, slots=True)
class TermSet:
    """Finds which of a list of terms occur in a text, in one regex pass."""

    terms: tuple[str, ...]
    regex: re.Pattern[str] | None
    each: tuple[re.Pattern[str], ...]

    @classmethod
    def build(cls, terms: Iterable[str]) -> TermSet:
        terms = tuple(terms)
        if not terms:
            return cls((), None, ())
        sources = [term_pattern(t) for t in terms]
        alternation = "|".join(f"(?P<t{i}>{src})" for i, src in enumerate(sources))
        each = tuple(re.compile(src, re.IGNORECASE) for src in sources)
        return cls(terms, re.compile(alternation, re.IGNORECASE), each)

    def found(self, folded: str) -> list[str]:
        """Some of the terms present in already-folded text (at least one if any is).

        One pass over the text; a term overlapping an earlier match may be missed,
        which is fine for `any` and `none` lists. Use `all_found` for `all` lists.
        """
        if self.regex is None:
            return []
        hits: set[int] = set()
        for m in self.regex.finditer(folded):
            if m.lastgroup:
                hits.add(int(m.lastgroup[1:]))
            if len(hits) == len(self.terms):
                break
        return [self.terms[i] for i in sorted(hits)]

    def all_found(self, folded: str) -> bool:
        return all(regex.search(folded) for regex in self.each)
