"""Item → topics, treaty article references and troop figures."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from bot.config import Rule
from bot.models import Analysis, Item, TopicMatch, TroopClaim
from bot.terms import TermSet, Text
from bot.text import fold, one_line, sentences

ARTICLE_COUNT = 23


# --- topics ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TopicRule:
    """A topic's rule as indices into the TermSet that holds every topic's terms."""

    name: str
    any: tuple[int, ...]
    all: tuple[int, ...]
    none: tuple[int, ...]

    def match(self, hits: set[int], terms: tuple[str, ...]) -> tuple[str, ...] | None:
        """The terms that matched, or None when the topic does not apply."""
        found = [i for i in self.any if i in hits]
        if self.any and not found:
            return None
        if not all(i in hits for i in self.all):
            return None
        if any(i in hits for i in self.none):
            return None
        return tuple(terms[i] for i in (*found, *self.all))


def _topic_rules(rules: Mapping[str, Rule]) -> tuple[list[TopicRule], TermSet]:
    terms: list[str] = []

    def add(group: tuple[str, ...]) -> tuple[int, ...]:
        terms.extend(group)
        return tuple(range(len(terms) - len(group), len(terms)))

    topic_rules = [
        TopicRule(name, add(rule.any), add(rule.all), add(rule.none))
        for name, rule in rules.items()
    ]
    return topic_rules, TermSet.build(terms)


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
_KO_REF = re.compile(r"제\s?(?P<nums>\d{1,3})\s?조(?!\s?원)")
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
# with "art", "ст" and "제"): texts without any skip the three searches.
_ARTICLE_HINTS = ("art", "ст", "제")


def _may_cite(text: Text) -> bool:
    """Whether the text has a word that starts a reference: "art", "arts", "article…",
    "ст", "стать…", or a 제 anywhere. Most texts have none."""
    words = text.wordset
    return (
        "article" in text.prefixes(7) or "art" in words or "arts" in words or "ст" in words
        or "стать" in text.prefixes(5) or "제" in text.folded
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


# --- troop figures ---------------------------------------------------------------------------

_EN_NUMBER = r"(?P<num>\d{1,3}(?:[,\u00a0 ]\d{3})+|\d+(?:\.\d+)?\s*(?:thousand|k)(?!\w)|\d{3,6})"
_NK = r"north\s+korean?|n\.\s*korean|dprk|nk|korean\s+people'?s\s+army|kpa|pyongyang'?s?"
_EN_TROOPS = re.compile(
    rf"(?<![\w.,]){_EN_NUMBER}\s+(?:(?:additional|more|extra|elite|special\s+forces)\s+)?"
    rf"(?P<nk>(?:{_NK})\s+)?"
    r"(?:troops|soldiers|servicemen|military\s+personnel|personnel|infantry(?:men)?|fighters)"
)
_EN_CONTEXT = re.compile(rf"(?<!\w)(?:{_NK}|north\s+korea|the\s+north)(?!\w)")
_KO_TROOPS = re.compile(
    r"(?P<num>\d+(?:,\d{3})*\s*만\s*(?:\d+(?:,\d{3})*)?\s*천?|\d{1,3}(?:,\d{3})+|\d{3,6})"
    r"\s*(?:여\s*)?명"
)
_KO_CONTEXT = re.compile(r"북한군|북한\s*병력|북한\s*군인|북한\s*장병|북한\s*특수부대|파병")
_RU_TROOPS = re.compile(
    r"(?P<num>\d{1,3}(?:[\u00a0 .]\d{3})+|\d+(?:[.,]\d+)?\s*(?:тысяч[иа]?|тыс\.?)|\d{3,6})"
    r"\s+(?:(?P<nk>северокоре[ий]ск\w+|корейск\w+)\s+)?"
    r"(?:военных|военнослужащих|солдат|бойцов|человек|военнослужащие|военные)"
)
_RU_CONTEXT = re.compile(r"кндр|северокоре[ий]ск|северной\s+кореи|пхеньян")

_CLAIMANTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (label, re.compile(pattern))
    for label, pattern in (
        ("NIS", r"(?<!\w)nis(?!\w)|national intelligence service|국정원|국가정보원|"
                r"разведк\w* южно[ий] кореи"),
        ("Pentagon", r"pentagon|department of defense|defense department|sabrina singh|"
                     r"lloyd austin|펜타곤|미\s*국방부|미국\s*국방부|пентагон"),
        ("Zelensky", r"zelensk|зеленск|젤렌스키"),
        ("Ukrainian intelligence", r"(?<!\w)(?:hur|gur)(?!\w)|budanov|ukrain\w* (?:military )?"
                                   r"intelligence|우크라이나 정보총국|буданов"),
        ("NATO", r"(?<!\w)nato(?!\w)|rutte|나토|нато"),
        ("KCNA", r"(?<!\w)kcna(?!\w)|korean central news agency|조선중앙통신|цтак"),
        ("Kremlin", r"kremlin|peskov|gerasimov|кремл|песков|герасимов"),
        ("White House", r"white house|kirby|blinken|state department|백악관|белы[ий] дом"),
        ("South Korea", r"south korea|seoul|남한|한국 정부|합참|joint chiefs|южная корея|сеул"),
        ("US", r"united states|(?<!\w)u\.?s\.?(?!\w)|washington|미국|сша"),
        ("Ukraine", r"ukraine|kyiv|우크라이나|украин|киев"),
    )
)
_GENERIC_CLAIMANTS = frozenset({"South Korea", "US", "Ukraine"})


def _to_int(raw: str) -> int | None:
    raw = raw.strip().lower()
    if m := re.fullmatch(r"(\d+(?:,\d{3})*)\s*만\s*(\d+(?:,\d{3})*)?\s*(천)?", raw):
        rest = int(m.group(2).replace(",", "")) if m.group(2) else 0
        return int(m.group(1).replace(",", "")) * 10_000 + rest * (1000 if m.group(3) else 1)
    if m := re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*(?:thousand|k|тысяч[иа]?|тыс\.?)", raw):
        return round(float(m.group(1).replace(",", ".")) * 1000)
    digits = re.sub(r"[,\u00a0 .]", "", raw)
    return int(digits) if digits.isdigit() else None


_NATIONAL_INTELLIGENCE = re.compile(
    r"(?<!\w)((?:(?:u\.s\.|us|american|south korean|ukrainian|western|british)(?:,\s*|\s+)"
    r"(?:and\s+)?)+)intelligence"
)
_DEMONYMS = {"u.s.": "US", "us": "US", "american": "US", "south korean": "South Korean",
             "ukrainian": "Ukrainian", "western": "Western", "british": "British"}


def _claimant(sentence: str, outlet: str) -> str:
    if m := _NATIONAL_INTELLIGENCE.search(sentence):
        names = re.findall(r"u\.s\.|us|american|south korean|ukrainian|western|british", m.group(1))
        return ", ".join(dict.fromkeys(_DEMONYMS[n] for n in names)) + " intelligence"
    specific = [label for label, rx in _CLAIMANTS if rx.search(sentence)]
    named = [c for c in specific if c not in _GENERIC_CLAIMANTS] or specific
    return ", ".join(named) if named else outlet


# Every figure the three patterns take ends in one of these nouns; most texts name none.
_TROOP_NOUNS = re.compile(
    r"troops|soldiers|servicemen|personnel|infantry|fighters|명|военн|солдат|бойцов|человек"
)
_DIGIT = re.compile(r"\d")


def _fold_adds_no_digit(text: str) -> bool:
    # Folding can make digits of other characters ("①", "²" and the like: compatibility
    # forms), which text in NFKC does not hold.
    return text.isascii() or unicodedata.is_normalized("NFKC", text)


def troop_claims(text: str, outlet: str) -> tuple[TroopClaim, ...]:
    """North Korean troop figures, each with who claims it (else the outlet)."""
    return _troop_claims(text, fold(text), outlet)


def _troop_claims(text: str, folded_text: str, outlet: str) -> tuple[TroopClaim, ...]:
    # A figure is a number before a noun of soldiers in one sentence: a text without such
    # a noun, or a sentence without a digit, is not read further.
    if not _TROOP_NOUNS.search(folded_text):
        return ()
    claims: list[TroopClaim] = []
    for sentence in sentences(text):
        if not _DIGIT.search(sentence) and _fold_adds_no_digit(sentence):
            continue
        folded = fold(sentence)
        if not _TROOP_NOUNS.search(folded):
            continue
        figures: list[int] = []
        for m in _EN_TROOPS.finditer(folded):
            if m.group("nk") or _EN_CONTEXT.search(folded[: m.start()] + folded[m.end() :]):
                figures.append(_to_int(m.group("num")) or 0)
        if _KO_CONTEXT.search(folded):
            figures += [_to_int(m.group("num")) or 0 for m in _KO_TROOPS.finditer(folded)]
        if _RU_CONTEXT.search(folded):
            for m in _RU_TROOPS.finditer(folded):
                figures.append(_to_int(m.group("num")) or 0)
        seen = {c.figure for c in claims}
        for figure in figures:
            if 100 <= figure <= 200_000 and figure not in seen:
                seen.add(figure)
                claims.append(TroopClaim(figure, _claimant(folded, outlet), one_line(sentence)))
    return tuple(claims)


# --- the matcher -----------------------------------------------------------------------------


class Matcher:
    def __init__(self, rules: Mapping[str, Rule], feed_topics: Mapping[str, tuple[str, ...]]):
        self._rules, self._terms = _topic_rules(rules)
        self._feed_topics = feed_topics

    def analyse(self, item: Item) -> Analysis:
        text = f"{item.title}\n{item.summary}"
        folded = Text.of(text)  # folded once, for the topics, the articles and the figures
        hits = self._terms.found_indices(folded)
        topics: list[TopicMatch] = []
        forced = self._feed_topics.get(item.feed, ())
        for rule in self._rules:
            terms = rule.match(hits, self._terms.terms)
            if terms is not None:
                topics.append(TopicMatch(rule.name, terms))
            elif rule.name in forced:
                topics.append(TopicMatch(rule.name, (f"feed:{item.feed}",)))
        articles = _article_refs(folded.folded) if _may_cite(folded) else ()
        return Analysis(tuple(topics), articles, _troop_claims(text, folded.folded, item.feed))
