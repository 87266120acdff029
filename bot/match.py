"""Item → topics, treaty article references and troop figures."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate
from urllib.parse import urlsplit

from bot.config import Rule
from bot.models import Analysis, Item, TopicMatch
from bot.terms import WORD, TermSet, Text
from bot.text import fold
from bot.troops import troop_claims

ARTICLE_COUNT = 23


# --- topics ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TopicRule:
    """A topic's rule as indices into the TermSet that holds every topic's terms."""

    name: str
    any: tuple[int, ...]
    all: tuple[int, ...]
    none: tuple[int, ...]
    sources: TermSet

    def match(self, hits: Mapping[int, str]) -> tuple[str, ...] | None:
        """The terms that matched (as `hits` shows them), or None when the topic does not
        apply."""
        if not self.any and not self.all:
            return None  # a rule of sources only
        found = [i for i in self.any if i in hits]
        if self.any and not found:
            return None
        if not all(i in hits for i in self.all):
            return None
        if any(i in hits for i in self.none):
            return None
        return tuple(hits[i] for i in (*found, *self.all))


@dataclass(frozen=True, slots=True)
class SentenceTerm:
    """`a|b + c|d -- e|f`: one sentence holds an alternative of every part and none of the
    guard's; `text: a|b + c|d -- e|f`: the whole text does. Alternatives are indices into
    the TermSet of all sentence terms' words."""

    index: int  # the term's index among the topic terms
    parts: tuple[tuple[int, ...], ...]
    guard: tuple[int, ...]
    whole: bool = False  # the text, not one sentence, holds the parts
    # The same as sets: one set operation in C per part, not a Python loop per alternative.
    part_sets: tuple[frozenset[int], ...] = ()
    guard_set: frozenset[int] = frozenset()

    @classmethod
    def of(cls, index: int, parts: tuple[tuple[int, ...], ...], guard: tuple[int, ...],
           whole: bool = False) -> SentenceTerm:
        return cls(index, parts, guard, whole, tuple(map(frozenset, parts)), frozenset(guard))

    def possible(self, hits: set[int]) -> bool:
        return all(not part.isdisjoint(hits) for part in self.part_sets)

    def holds(self, hits: set[int]) -> bool:
        return self.possible(hits) and self.guard_set.isdisjoint(hits)

    def shown(self, hits: set[int], alternatives: tuple[str, ...]) -> str:
        """The alternatives a sentence held, one per part: "treaty + russia + north korea"
        ("text: treaty + …" when they stand in the text apart)."""
        shown = " + ".join(alternatives[next(i for i in part if i in hits)]
                           for part in self.parts)
        return f"{TEXT_TERM} {shown}" if self.whole else shown


# A sentence term whose parts may stand in different sentences of the text.
TEXT_TERM = "text:"


def is_sentence_term(term: str) -> bool:
    """`a|b + c`, `a -- b`, `text: a + b`; a regex only with a guard (`re:… -- b`), as its
    one part."""
    if term.startswith("re:"):
        return " -- " in term
    return term.startswith(TEXT_TERM) or "+" in term or "|" in term or " -- " in term


@dataclass(frozen=True, slots=True)
class _Rules:
    topics: list[TopicRule]
    names: tuple[str, ...]  # every topic term as written, for "why was this posted?"
    terms: TermSet  # every plain and regex term of every topic ("" for sentence terms)
    sentence_terms: list[SentenceTerm]
    alternatives: TermSet  # the alternatives of every sentence term


def _topic_rules(rules: Mapping[str, Rule]) -> _Rules:
    terms: list[str] = []
    alternatives: list[str] = []
    sentence_terms: list[SentenceTerm] = []

    def alts(group: str) -> tuple[int, ...]:
        group = group.strip()
        words = [group] if group.startswith("re:") else [w.strip() for w in group.split("|")]
        alternatives.extend(words)
        return tuple(range(len(alternatives) - len(words), len(alternatives)))

    def add(group: tuple[str, ...]) -> tuple[int, ...]:
        for term in group:
            if is_sentence_term(term):
                whole = term.startswith(TEXT_TERM)
                positive, _, guard = term.removeprefix(TEXT_TERM).partition(" -- ")
                parts = ((alts(positive),) if positive.startswith("re:")
                         else tuple(alts(p) for p in positive.split(" + ")))
                sentence_terms.append(SentenceTerm.of(
                    len(terms), parts, alts(guard) if guard.strip() else (), whole))
            terms.append(term)
        return tuple(range(len(terms) - len(group), len(terms)))

    topic_rules = [
        TopicRule(name, add(rule.any), add(rule.all), add(rule.none),
                  TermSet.build(rule.sources))
        for name, rule in rules.items()
    ]
    plain = ["" if is_sentence_term(t) else t for t in terms]  # "" is never found
    return _Rules(topic_rules, tuple(terms), TermSet.build(plain), sentence_terms,
                  TermSet.build(alternatives))


# --- treaty article references -----------------------------------------------------------

_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "twenty-first": 21, "twenty-second": 22,
    "twenty-third": 23,
}
_CARDINALS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}
_NUM_LIST = r"\d{1,3}(?:\s*(?:,|and|&|or|-|–|to|и)\s*\d{1,3})*"
_EN_REF = re.compile(
    rf"(?<!\w)(?:articles?|arts?\.?)\s+(?P<nums>{_NUM_LIST}|"
    rf"(?:{'|'.join(_CARDINALS)})(?!\w))"
    rf"|(?<!\w)the\s+(?P<ord>{'|'.join(sorted(_ORDINALS, key=len, reverse=True))})\s+article"
)
# 제4조, or 4조 right after the treaty's name ("북러조약 4조 발동"; a bare 4조 is money)
_KO_REF = re.compile(r"(?:제|(?<=조약|협정)\s?)\s?(?P<nums>\d{1,3})\s?조(?!\s?원)")
_RU_REF = re.compile(
    rf"(?<!\w)(?:стать(?:я|и|е|ю|еи|ью|ям|ями|ях)|ст\.)\s*(?P<nums>{_NUM_LIST})"
)
# "Article N of <document>": whose article it is.
_OF_DOCUMENT = re.compile(
    r"^\s*(?:\(\d+\)\s*)?(?:of|under|in)\s+(?P<mod>[^.;:]{0,50}?)"
    r"(?P<noun>treaty|agreement|pact|accord|deal|charter|constitution|convention|code|law|"
    r"resolution|statute|declaration|устава?|конституци\w*|кодекса?|закона?|договора?)(?!\w)"
)
_OTHER_NOUNS = re.compile(r"charter|constitution|convention|code|law|resolution|statute|"
                          r"declaration|устав|конституци|кодекс|закон")
_OTHER_MODIFIERS = re.compile(
    r"nato|north atlantic|washington|friendship|19\d\d|200\d|201\d|(?<!\w)un(?!\w)|"
    r"united nations|оон|нато|armistice|non-?proliferation|npt"
)
_OTHER_NAMED_AFTER = re.compile(
    r"^\s*(?:of|under|in)\s+(?:the\s+)?(?:nato|un|u\.n\.|оон|нато)(?!\w)"
)


def _other_document(after: str) -> bool:
    if _OTHER_NAMED_AFTER.search(after):
        return True
    m = _OF_DOCUMENT.search(after)
    if m is None:
        return False
    return bool(_OTHER_NOUNS.match(m.group("noun")) or _OTHER_MODIFIERS.search(m.group("mod")))


_OTHER_DOC_AFTER_RU = re.compile(r"^\s*(?:устава|конституции|кодекса|закона|договора\s+19)")
_OTHER_DOC_BEFORE = re.compile(
    r"(?:charter|constitution|nato|alliance|convention|treaty of 19\d\d|1961|헌장|헌법|나토|"
    r"устава?\s+оон|нато)[’'s\s]*(?:,\s*)?$"
)
_KO_OTHER_BEFORE = re.compile(r"(?:헌장|헌법|나토|NATO|19\d\d년[^.]{0,20}|협정|유엔)\s*$", re.I)


def _numbers(text: str) -> list[int]:
    nums = [int(n) for n in re.findall(r"\d+", text)]
    if len(nums) == 2 and re.search(r"\d\s*(?:-|–|to)\s*\d", text) and nums[0] < nums[1] <= 23:
        return list(range(nums[0], nums[1] + 1))
    return nums


def article_refs(text: str) -> tuple[int, ...]:
    """Articles of this treaty cited by number, in order of first mention.

    References that go on to name another document ("Article 51 of the UN
    Charter", "Article 1 of the 1961 treaty", "NATO's Article 5") are not ours.
    """
    return _article_refs(fold(text))


# Every reference contains one of these (the English, Russian and Korean patterns start
# with "art", "ст" and "제", or follow 조약/협정): texts without any skip the three searches.
_KO_HINTS = ("제", "조약", "협정")
_ARTICLE_HINTS = ("art", "ст", *_KO_HINTS)


def _may_cite(text: Text) -> bool:
    """Whether the text has a word that starts a reference: "art", "arts", "article…",
    "ст", "стать…", or a 제, 조약 or 협정 anywhere. Most texts have none."""
    words = text.wordset
    return (
        "article" in text.prefixes(7) or "art" in words or "arts" in words or "ст" in words
        or "стать" in text.prefixes(5) or any(hint in text.folded for hint in _KO_HINTS)
    )


def _article_refs(folded: str) -> tuple[int, ...]:
    if not any(hint in folded for hint in _ARTICLE_HINTS):
        return ()
    found: list[int] = []
    for regex in (_EN_REF, _KO_REF, _RU_REF):
        for m in regex.finditer(folded):
            before = folded[max(0, m.start() - 40) : m.start()]
            after = folded[m.end() : m.end() + 90]
            if _OTHER_DOC_BEFORE.search(before) or _other_document(after):
                continue
            if regex is _KO_REF and _KO_OTHER_BEFORE.search(before[-24:]):
                continue
            if regex is _RU_REF and _OTHER_DOC_AFTER_RU.search(after):
                continue
            if m.group("nums") is None:
                nums = [_ORDINALS[m.group("ord")]]
            elif m.group("nums") in _CARDINALS:
                nums = [_CARDINALS[m.group("nums")]]
            else:
                nums = _numbers(m.group("nums"))
            found.extend(n for n in nums if 1 <= n <= ARTICLE_COUNT and n not in found)
    return tuple(found)


# --- the matcher -----------------------------------------------------------------------------


class Matcher:
    def __init__(self, rules: Mapping[str, Rule], feed_topics: Mapping[str, tuple[str, ...]]):
        self._rules = _topic_rules(rules)
        self._feed_topics = feed_topics

    def analyse(self, item: Item) -> Analysis:
        text = f"{item.title}\n{item.summary}"
        folded = Text.of(text)  # folded once, for the topics, the articles and the figures
        rules = self._rules
        hits = self.term_hits(text, folded)
        topics: list[TopicMatch] = []
        forced = self._feed_topics.get(item.feed, ())
        source: Text | None = None
        for rule in rules.topics:
            terms = rule.match(hits)
            if terms is None and rule.sources.terms:
                source = source or Text.of(
                    f"{urlsplit(item.link).hostname or ''}\n{item.outlet or item.channel}")
                if found := rule.sources.found(source):
                    terms = tuple(f"source:{t}" for t in found)
            if terms is not None:
                topics.append(TopicMatch(rule.name, terms))
            elif rule.name in forced:
                topics.append(TopicMatch(rule.name, (f"feed:{item.feed}",)))
        articles = _article_refs(folded.folded) if _may_cite(folded) else ()
        return Analysis(tuple(topics), articles, troop_claims(text, item.source))

    def term_hits(self, text: str, folded: Text | None = None) -> dict[int, str]:
        """The topic terms a text holds, each as the "why" shows it."""
        folded = folded or Text.of(text)
        rules = self._rules
        hits = {i: rules.names[i] for i in rules.terms.found_indices(folded)}
        return hits | self._sentence_hits(folded)

    def _sentence_hits(self, folded: Text) -> dict[int, str]:
        """The sentence terms that one sentence of the text satisfies. The alternatives are
        found in the whole text once: most texts lack some part of every term, and no
        sentence is read. Else each occurrence is placed in its sentence by its offset, so
        no sentence is folded or split into words again."""
        rules = self._rules
        found: dict[int, str] = {}
        if not rules.sentence_terms:
            return found
        # Which alternatives the text holds at all (no positions) decides which terms may
        # hold; only their alternatives are then placed in sentences.
        whole = rules.alternatives.found_indices(folded)
        pending = []
        for term in rules.sentence_terms:
            if term.whole:
                if term.holds(whole):
                    found[term.index] = term.shown(whole, rules.alternatives.terms)
            elif term.possible(whole):
                pending.append(term)
        if not pending:
            return found
        wanted = {i for t in pending for part in (*t.parts, t.guard) for i in part}
        occurrences = list(rules.alternatives.occurrences(folded, wanted & whole))
        # The words each sentence ends after, counted per sentence (no word spans a sentence
        # end): no offset of every word is needed to place a word in its sentence.
        ends = list(accumulate(len(WORD.findall(piece))
                               for piece in _SENTENCE_END.split(folded.folded)))
        by_sentence: dict[int, set[int]] = defaultdict(set)
        for index, first, after in occurrences:
            at = bisect_right(ends, first)
            if bisect_right(ends, after - 1) == at:  # not across a sentence end
                by_sentence[at].add(index)
        for at in sorted(by_sentence):
            hits = by_sentence[at]
            for term in pending:
                if term.index not in found and term.holds(hits):
                    found[term.index] = term.shown(hits, rules.alternatives.terms)
        return found


# Where a sentence ends in folded text: a full stop (not after a one-letter word: "u.s.",
# "n. korea", nor after a Russian multiplier: "11 тыс. военных"), a question or exclamation
# mark, a line break.
_SENTENCE_END = re.compile(
    r"(?<!\b\w)(?<!\bтыс)(?<!\bмлн)(?<!\bмлрд)[.!?。]+[\"'”’»)\]]*(?=\s)|\n")
