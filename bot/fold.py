"""Deciding which story an item belongs to: pure functions of the item and its candidates.

Three ways to join a story, tried in order:
  * the same guid or link is the same item (decided by storage, before this module);
  * a syndicated copy: near-identical wording (MinHash estimate of word-shingle Jaccard)
    joins the story of the item it copies;
  * the same event in other words, possibly another language: the item's sentence vector
    (bot/embed.py) is close to the story's reports within 48 hours — to each of them, on
    average, not to a blend of them or to its nearest one, so that a story cannot grow by
    chaining; a report in another script counted as close as one in its own (SCRIPT_MIN) —
    and no report of the story names another act and none in common with it (a
    signing is not the text's publication), the same act not done (a committee's
    recommendation is not the vote, an expected signing not the signing), another acting
    side (Russia's ratification is not North Korea's), or another voice (the NIS's briefing
    is not the White House's, the Pentagon's figure not NATO's, a newspaper's report not an
    official's statement). A story spans two days at most (its first
    report's and the next), so that every join sees the whole story; a report's day there
    is its event's where its text says it (bot/event_date.py), else its publication's. Two
    stories are merged only when both first reports are in view.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Sequence, Set
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from bot.event_date import event_day
from bot.terms import TermSet, Text
from bot.text import is_hangul, script, sentences, words

SYNDICATION_THRESHOLD = 0.5
SYNDICATION_WINDOW = timedelta(days=14)
# Reports of one event come within two days of each other; the next event of the same kind
# (the next briefing, the next vote) usually comes later.
EVENT_WINDOW = timedelta(hours=48)
# A report that names no acting side may be either side's act: only the same day's reports
# of that act can be told to be the same.
UNKNOWN_SIDE_WINDOW = timedelta(hours=24)
# The days after a story's first report (UTC calendar days) an item can still join it: the
# first report's day and the next, not a third. Counted in days, not hours, as most reports
# are dated to the day only: 48 hours would take the third day's news (the return flight
# after the landing), 24 would drop the next day's reports of the event itself. An item's
# day is the one its event happened on where the text says it ("on Friday", "전날"): a
# report published two days after the event is still a report of it.
STORY_DAYS = 1
# How close (mean cosine) an item must be to a story's reports within EVENT_WINDOW, with the
# background taken out (see `_stories`). All of these figures were chosen on the tune part of
# benchmarks/data/realnews (README, "Story folding").
EVENT_THRESHOLD = 0.2
# The same with plain cosines, when the window holds too few reports to tell a background.
PLAIN_THRESHOLD = 0.45
UNEVEN_ACT_MARGIN = 0.05
BACKGROUND_MIN = 12  # reports in the window before their mean is taken as the background
BACKGROUND_SHARE = 0.5  # of that mean taken out of every vector
# A multilingual encoder puts reports in one language nearer each other than the same news
# in another: the vectors of each language share a part of their own. With a background,
# each script's own mean is taken out of its reports (where the window holds SCRIPT_MIN of
# them, else the window's mean); without one, a cosine across scripts is raised by
# CROSS_SCRIPT_ALLOWANCE instead.
SCRIPT_MIN = 4
CROSS_SCRIPT_ALLOWANCE = 0.03
SKETCH_CHARS = 1500  # of the summary, in the MinHash sketch
LEAD_CHARS = 400  # of the summary, where its first sentence is looked for
_SHINGLE = 3
_SKETCH = 32
_SKETCH_KEYS = 8


@dataclass(frozen=True, slots=True)
class _Found:
    """A line's main act and where in the line (its words) it is named."""

    act: str
    line: str
    start: int
    end: int
    head_final: bool


@dataclass(frozen=True, slots=True)
class Acts:
    """The acts a headline can name and the sides that can do them, in one TermSet each."""

    names: tuple[str, ...]
    terms: TermSet
    owner: tuple[int, ...]  # term index -> act index
    by_side: frozenset[str]
    background: frozenset[str]
    side_terms: TermSet
    side_owner: tuple[str, ...]  # term index -> side
    voice_terms: TermSet
    voice_owner: tuple[str, ...]  # term index -> voice
    headline_voice_terms: TermSet
    headline_voice_owner: tuple[str, ...]
    undone_terms: TermSet  # a plan or an expectation, next to the act
    stage_terms: TermSet  # a step before the act, anywhere in its line
    personnel_terms: TermSet  # soldiers, whose arrival is a deployment
    object_terms: dict[str, TermSet]  # act -> what it is done to, where its verb is vague

    @classmethod
    def load(cls, data: dict[str, Any]) -> Acts:
        names = tuple(data["acts"])
        terms = [t for name in names for t in data["acts"][name]]
        owner = tuple(i for i, name in enumerate(names) for _ in data["acts"][name])
        return cls(names, TermSet.build(terms), owner, frozenset(data["by_side"]),
                   frozenset(data["background"]), *_owned(data["sides"]),
                   *_owned(data["voices"]), *_owned(data["headline_voices"]),
                   TermSet.build(data["undone"]), TermSet.build(data["stage"]),
                   TermSet.build(data["personnel"]),
                   {act: TermSet.build(terms) for act, terms in data["objects"].items()})

    def read(self, headline: str, lead: str = "") -> tuple[str | None, tuple[str, ...], bool,
                                                            tuple[str, ...]]:
        """What the fold compares, read once: the main act, whose word the headline and the
        lead's first sentence report (a head of state's, the headline's only), whether the
        act is reported not done, and every act those lines name (what a confirmation can be
        the confirmation of)."""
        found = self._main(headline, lead)
        opening = Text.of("\n".join([headline, *sentences(lead)[:1]]))
        voices = {self.voice_owner[i] for i in self.voice_terms.found_indices(opening)}
        voices |= {self.headline_voice_owner[i]
                   for i in self.headline_voice_terms.found_indices(Text.of(headline))}
        named = {self._deployed(self.names[self.owner[i]], opening)
                 for i in self.terms.found_indices(opening)}
        return (found.act if found else None, tuple(sorted(voices)), self._undone(found),
                tuple(sorted(named)))

    def _undone(self, found: _Found | None) -> bool:
        """Whether the main act is reported as not done: as a step before it (a committee's,
        anywhere in its line), or with a plan, an expectation or a denial next to the act
        ("expected to sign", "will discuss the ratification", "서명 예정", "не подтверждают")."""
        if found is None:
            return False
        text = Text.of(found.line)
        if self.stage_terms.found_indices(text):
            return True
        for _, start, end in self.undone_terms.occurrences(text):
            if found.head_final and 0 <= start - found.end <= _UNDONE_GAP:
                return True
            if not found.head_final and 0 <= found.start - end <= _UNDONE_GAP:
                return True
        return False

    def _main(self, headline: str, lead: str) -> _Found | None:
        """The headline's main act, with the acting side where the act is one side's; if
        the headline names none, the act of the lead's first sentence that is not background.

        English and Russian headlines name the main act first ("Russia ratifies treaty
        signed in June"); Korean ones last ("6월 체결한 북러 조약 비준").
        """
        found = self._act(headline, frozenset())
        if found is None:
            for first in sentences(lead)[:1]:
                found = self._act(first, self.background)
        return found

    def _act(self, line: str, ignore: frozenset[str]) -> _Found | None:
        head_final = any(is_hangul(ch) for ch in line)
        if head_final:
            # "북한도 조약 비준…김정은 서명": the news first, then a detail of it.
            for clause in _CLAUSE_BREAK.split(line):
                found = self._act_in(clause, ignore, head_final)
                if found:
                    return found
            return None
        # "Putin-Kim summit: Russia, N. Korea sign new treaty": before a colon, a label
        # (the occasion, the speaker); the news after it.
        label, colon, news = line.partition(": ")
        if colon and label and news:
            found = self._act_in(news, ignore, head_final)
            if found:
                return found
        return self._act_in(line, ignore, head_final)

    def _act_in(self, line: str, ignore: frozenset[str], head_final: bool) -> _Found | None:
        text = Text.of(line)
        at: dict[int, tuple[int, int, str]] = {}
        for i, start, end in self.terms.occurrences(text):
            act = self.names[self.owner[i]]
            if act in ignore or _attributive(text.words[start]) or _describes(text.words, start):
                continue
            if act in self.object_terms and not self.object_terms[act].found_indices(text):
                continue  # "launched lanterns": no launch
            # Where two terms start at one word, the longer names the act ("signs into law").
            rank = (end - start, len(self.terms.terms[i]), act)
            if start not in at or rank > at[start]:
                at[start] = rank
        if not at:
            return None
        start = max(at) if head_final else min(at)
        length, _, act = at[start]
        act = self._deployed(act, text)
        if act in self.by_side:
            act = f"{act}:{self._side(line, head_final)}"
        return _Found(act, line, start, start + length, head_final)

    def _deployed(self, act: str, text: Text) -> str:
        """Troops that arrive somewhere are deployed there: an arrival is a deployment where
        its line names soldiers."""
        return "DEPLOY" if act == "ARRIVE" and self.personnel_terms.found_indices(text) else act

    def _side(self, line: str, head_final: bool) -> str:
        """The side doing the act: the subject, which English and Russian name first, and
        Korean marks with a particle (은/는/이/가/도), the topic's (은/는/도) first: in "러시아가
        탈환을 주장한 가운데 북한은 … 확인", 이/가 marks the subject of a clause. Pairs ("북러")
        name no side."""
        if head_final:
            # "北, 러시아 파병 확인": a Korean headline's topic, set off by a comma, is its
            # subject (and "북, 러" no pair).
            topic, comma, _ = line.partition(",")
            said = Text.of(topic)
            if comma and len(said.words) == 1:
                for i, _, _ in self.side_terms.occurrences(said):
                    if self.side_owner[i] != "PAIR":
                        return self.side_owner[i]
        text = Text.of(line)
        mentions = sorted((start, end, self.side_owner[i])
                          for i, start, end in self.side_terms.occurrences(text))
        pairs = [(s, e) for s, e, side in mentions if side == "PAIR"]
        sides = [(s, e, side) for s, e, side in mentions
                 if side != "PAIR" and not any(ps <= s < pe for ps, pe in pairs)]
        if head_final:
            for particles in (_TOPIC_PARTICLES, _SUBJECT_PARTICLES):
                marked = [side for s, e, side in sides if text.words[e - 1].endswith(particles)]
                if marked:
                    return marked[0]
        else:
            # a side after "to" or "for" receives the act ("animals gifted to North Korea")
            sides = [(s, e, side) for s, e, side in sides
                     if not (s and text.words[s - 1] in _TO_RECEIVER)]
        return sides[0][2] if sides else "?"


# Words between a plan's marker and its act: "recommended the Senate to approve".
_UNDONE_GAP = 3
_CLAUSE_BREAK = re.compile(r"…|\.\.\.|⋯")
_SUBJECT_PARTICLES = ("은", "는", "이", "가", "도")
_TOPIC_PARTICLES = ("은", "는", "도")
_TO_RECEIVER = frozenset({"to", "for"})  # words before the side that receives an act
# A Korean act in a relative clause ("체결한 조약", the treaty that was signed) describes a
# noun; the headline's own act is elsewhere.
_ATTRIBUTIVE = ("한", "된", "하는", "할")


# A lead's dateline names where and through whom a report was filed, not who speaks or
# what happened: "TOKYO, December 5. /TASS/.", "SEOUL (Reuters) -", "BEIJING. Dec 5
# (Interfax) -", "МОСКВА, 5 декабря. /ТАСС/.", "(서울=뉴스1) 기자 =", "[서울=뉴시스] 기자 =".
_CAPS = r"[A-ZА-ЯЁ][A-ZА-ЯЁ'’-]+(?:\s[A-ZА-ЯЁ][A-ZА-ЯЁ'’-]+)?"
_TITLE = r"[A-ZА-ЯЁ][\w'’-]*(?:\s[A-ZА-ЯЁ][\w'’-]*)?"
_DATE = r"(?:[,.]\s*\w+\.?\s*\d{1,2}(?:,\s*\d{4})?|,\s*\d{1,2}\s+\w+)\.?"
# A place in capitals, or a capitalised one with a date (not "North Korea (DPRK) sent").
_PLACE = rf"(?:{_CAPS}(?:{_DATE})?|{_TITLE}{_DATE})"
_AGENCY = r"(?:/[^/\n]{1,30}/\.?|\([^()\n]{1,60}\)|[–—]\s*[^.\n]{1,25}?\.)"
_DATELINE = re.compile(
    rf"^\s*(?:\([^()\n]{{1,60}}\)(?:\s*[^=\n]{{0,20}}=)?|\[[^\[\]\n]{{1,40}}\](?:\s*[^=\n]{{0,20}}=)?"
    rf"|{_PLACE}\s*{_AGENCY}\s*(?:--|[-–—:])?"
    rf"|{_PLACE}(?:\s+(?:--|[-–—])|:)|[A-ZА-ЯЁ][\w'’-]*:)\s*")


def _owned(table: dict[str, list[str]]) -> tuple[TermSet, tuple[str, ...]]:
    """One TermSet of a table's terms, and each term's owner (its side, its voice)."""
    pairs = [(owner, term) for owner, terms in table.items() for term in terms]
    return TermSet.build(t for _, t in pairs), tuple(o for o, _ in pairs)


def without_dateline(lead: str) -> str:
    return _DATELINE.sub("", lead, count=1)


# A participle right after the document it describes is no act of the line: "the treaty
# signed in June 2024", "договор, подписанный в июне". A Russian long participle always
# describes; an English one where an article opens the noun phrase ("DPRK-Russia treaty
# ratified" is a passive headline's news).
_DOCUMENT_NOUNS = frozenset({"treaty", "pact", "agreement", "deal", "accord", "договор",
                             "договора", "договору", "договором", "соглашение", "соглашения"})
_RU_PARTICIPLES = ("нный", "нного", "нному", "нным", "нное", "нная")
_ARTICLES = frozenset({"the", "a", "an", "this", "its"})


def _describes(words: list[str], at: int) -> bool:
    if not at or words[at - 1] not in _DOCUMENT_NOUNS:
        return False
    if words[at].endswith(_RU_PARTICIPLES):
        return True
    return words[at].endswith("ed") and not _ARTICLES.isdisjoint(words[max(0, at - 7) : at - 1])


def _attributive(word: str) -> bool:
    return bool(word) and is_hangul(word[0]) and word.endswith(_ATTRIBUTIVE)


@cache
def default_acts() -> Acts:
    text = resources.files("bot").joinpath("data/acts.yaml").read_text(encoding="utf-8")
    return Acts.load(yaml.safe_load(text))


@dataclass(frozen=True, slots=True)
class Features:
    """What folding needs of an item besides its vector; stored with it (JSON)."""

    action: str | None  # the headline's main act, e.g. "RATIFY:KP"
    minhash: tuple[int, ...]
    voices: tuple[str, ...] = ()  # whose word it reports ("KR-INTEL" for the NIS), if anyone's
    undone: bool = False  # the act is still to come (planned, expected) or denied
    named: tuple[str, ...] = ()  # every act the headline and the lead's start name
    day: date | None = None  # the day its event happened, where its text says it
    script: str = ""  # of most of its title's and lead's letters ("hangul", "cyrillic", …)
    # The minhash as a set, made once: a burst's fold tests each item against thousands.
    sketch: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sketch", frozenset(self.minhash))

    def keys(self) -> list[str]:
        """Index keys to find near copies: a few of the sketch's smallest hashes."""
        return [f"m:{h}" for h in self.minhash[:_SKETCH_KEYS]]

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "minhash": list(self.minhash),
                "voices": list(self.voices), "undone": self.undone,
                "named": list(self.named),
                "day": self.day.isoformat() if self.day else None, "script": self.script}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Features:
        return cls(data.get("action"), tuple(data.get("minhash", ())),
                   tuple(data.get("voices", ())), bool(data.get("undone", False)),
                   tuple(data.get("named", ())),
                   date.fromisoformat(data["day"]) if data.get("day") else None,
                   data.get("script", ""))


@lru_cache(maxsize=4096)
def stored_features(text: str) -> Features:
    """Features from their stored JSON, remembered: consecutive items share most of their
    candidates. Keyed by the text, so a stale entry cannot exist; never changed."""
    return Features.from_json(json.loads(text))


def features(title: str, summary: str, acts: Acts | None = None,
             published: datetime | None = None, language: str = "") -> Features:
    """`published` and the language (whose home time the text's "today" is in) to read the
    event's day against; without them, no day."""
    acts = acts or default_acts()
    lead = without_dateline(summary[:LEAD_CHARS])
    action, voices, undone, named = acts.read(title, lead)
    day = event_day(without_dateline(title), lead, published, language) if published else None
    return Features(action, minhash(f"{title} {summary[:SKETCH_CHARS]}"), voices, undone, named,
                    day, script(f"{title} {lead}"))


def minhash(text: str) -> tuple[int, ...]:
    """A bottom-k MinHash sketch: the k smallest hashes of the text's word 3-shingles.

    One hash per shingle (k permutations would cost k times as much) and still an
    unbiased estimate of the Jaccard similarity of two texts (see `similarity`).
    """
    tokens = words(text)
    if len(tokens) < _SHINGLE:  # one shingle of what there is
        shingles = {zlib.crc32(" ".join(tokens).encode())}
    else:
        encoded = [t.encode() for t in tokens]
        triples = zip(encoded, encoded[1:], encoded[2:], strict=False)
        shingles = set(map(zlib.crc32, map(b" ".join, triples)))
    return tuple(sorted(shingles)[:_SKETCH])


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the two texts the sketches come from: the share of
    the k smallest hashes of both together that both texts have."""
    return _similarity(set(a), set(b))


def _similarity(a: Set[int], b: Set[int]) -> float:
    union = sorted(a | b)[:_SKETCH]
    if not union:
        return 0.0
    return len((a & b).intersection(union)) / len(union)


def _may_copy(a: frozenset[int], b: frozenset[int]) -> bool:
    """Whether the similarity can reach the syndication threshold: it is at most the share
    of shared hashes among the k smallest of the union, and that union holds at least
    min(k, len(a)) hashes. Most candidates share few hashes, and this rules them out
    without sorting."""
    both = len(a & b)
    return both > 0 and both >= SYNDICATION_THRESHOLD * min(_SKETCH, len(a))


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored item that may be of the same story; `vector` None for items not embedded
    (no topic), which only near copies can join."""

    item_id: int
    story_id: int
    published: datetime
    features: Features
    vector: np.ndarray | None = None
    story_first: datetime | None = None  # when its story was first reported
    # Found by a near-copy key (not only as a report of the event's days): only those are
    # tested as copies, as the keys are how a copy is found.
    by_key: bool = True


@dataclass(frozen=True, slots=True)
class Decision:
    story_id: int | None  # None: a new story
    how: str  # "new", "syndicated", "event"
    item_id: int | None = None  # the item it copies (syndicated)
    score: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)
    # Other stories the item joins as well, each close to the chosen one by the same
    # measure: one event seen first through different reports (merged where not yet shown).
    also: tuple[int, ...] = ()


# Acts that say how a report came (confirms): another act of the same event can be reported
# that way ("Seoul confirms the North sent troops"), so they veto only each other.
WEAK = frozenset({"CONFIRM"})
# Voices that only react to the parties' acts (a third government, Seoul's offices, a third
# government's foreign ministry): their word is another event than the act it is about (the
# Duma's vote, Seoul's concern over it; North Korea's confirmation, the State Department's).
REACTIONS = frozenset({"JP", "CN", "KR-PRESIDENT", "KR-DIPLOMACY", "US-STATE"})
# Acts that are often a detail of another event (flowers handed over at talks, a car shown
# at a summit): they veto only each other, where the giver differs (Putin's car for Kim and
# Kim's dogs for Putin are two events).
DETAILS = frozenset({"GIFT"})


def veto(a: Features, b: Features, gap: timedelta, acts: Acts | None = None) -> str | None:
    """Why two reports `gap` apart cannot be one event, or None: their main acts differ and
    no act is reported by both (a confirmation joins only an act it names; a detail, a gift,
    vetoes no other act), or one reports the act not done (to come, denied) and the other
    done, or different sides doing a one-sided act, or one names no side and they are more
    than a day apart, or each reports someone's word and not the same one's.
    A report that names no act (or no voice) vetoes nothing on that count. `acts` are those
    the features were read with (which of them are background)."""
    if a.voices and b.voices and not set(a.voices) & set(b.voices):
        return f"{'/'.join(a.voices)} vs {'/'.join(b.voices)} said"
    if bool(a.voices) != bool(b.voices):
        voiced = a.voices or b.voices
        if REACTIONS.issuperset(voiced):
            return f"{'/'.join(voiced)} reacts vs the news itself"
    if a.action is None or b.action is None:
        return None
    (act_a, _, side_a), (act_b, _, side_b) = a.action.partition(":"), b.action.partition(":")
    if act_a != act_b:
        if _confirms(a, act_b) or _confirms(b, act_a) or {act_a, act_b} & DETAILS:
            return None
        background = (acts or default_acts()).background
        if _reported(a, background) & _reported(b, background):
            return None
        return f"{a.action} vs {b.action}"
    if a.undone != b.undone:
        first, then = (a, b) if a.undone else (b, a)
        return f"{first.action} not done vs {then.action} done"
    if side_a == side_b and side_a != "?":
        return None
    if "?" in (side_a, side_b):
        if gap <= UNKNOWN_SIDE_WINDOW:
            return None
        return f"{a.action} vs {b.action}, {gap / timedelta(hours=1):.0f} h apart"
    return f"{a.action} vs {b.action}"


def _reported(report: Features, background: frozenset[str]) -> set[str]:
    """The acts a report can be the news of: its main act, and every other act its opening
    names, save the background ones it recalls ("the treaty signed in June"). Which of them a
    line names first differs from report to report of one event ("troops deployed to Russia
    killed", "3,000 killed, Zelensky says after meeting"), so two reports that both name an
    act may be of it whatever their main acts. A confirmation is no such act (below)."""
    if report.action is None:
        return set()
    named = set(report.named) - background
    return ({report.action.partition(":")[0]} | named) - WEAK


def _confirms(report: Features, act: str) -> bool:
    """Whether `report` is a confirmation ("Seoul confirms the North sent troops") of `act`:
    a confirmation that names another act confirms that one only; a bare one ("NATO
    confirms") may confirm any. Features stored before `named` existed name none."""
    if report.action is None or report.action.partition(":")[0] not in WEAK:
        return False
    others = set(report.named) - WEAK
    return not others or act in others


def _copy_of(item: Features, published: datetime,
             candidates: Sequence[Candidate]) -> tuple[float, Candidate] | None:
    best: tuple[float, Candidate] | None = None
    sketch = item.sketch
    for cand in candidates:
        if not cand.by_key or abs(cand.published - published) > SYNDICATION_WINDOW:
            continue
        if not _may_copy(sketch, cand.features.sketch):
            continue
        sim = _similarity(sketch, cand.features.sketch)
        if sim >= SYNDICATION_THRESHOLD and (best is None or sim > best[0]):
            best = (sim, cand)
    return best


@dataclass(frozen=True, slots=True)
class _Story:
    story_id: int
    members: list[Candidate]
    sims: np.ndarray  # the item's cosine to each member
    threshold: float  # the score that joins: plain cosines and relative ones differ
    background: np.ndarray | None  # taken out of each member's vector (a row each)

    def vectors(self) -> np.ndarray:
        matrix = np.stack([m.vector for m in self.members])  # type: ignore[misc]
        return matrix if self.background is None else _unit(matrix - self.background)

    def score(self) -> float:
        return float(self.sims.mean())

    def close(self, action: str | None) -> bool:
        """Close enough to join. A report naming an act and a story none of whose reports
        names one (or the other way round) need more: the act is evidence that one side has
        and the other lacks."""
        named = [m.features.action is not None for m in self.members]
        uneven = (action is not None and not any(named)) or (action is None and all(named))
        return self.score() >= self.threshold + (UNEVEN_ACT_MARGIN if uneven else 0.0)

    def nearest(self) -> list[dict[str, Any]]:
        order = np.argsort(-self.sims)[:3]
        return [{"item": self.members[i].item_id, "cosine": round(float(self.sims[i]), 3)}
                for i in order]


def _stories(vector: np.ndarray, published: datetime, candidates: Sequence[Candidate],
             day: date | None = None, script: str = "") -> list[_Story]:
    """The candidates within the event window, by story, with the item's cosine to each.

    Cosines are taken relative to the news of those days: with enough reports in the
    window, part of their mean is taken out of every vector first. What all of the days'
    reports share (North Korean troops, Russia) then counts less than what sets one event
    apart from the next (who said it, where, which figure). `day`: the item's event's, if
    its text says it (else its publication's), for how long a story grows; `script`: the
    item's, whose own mean is taken out of its vector (see SCRIPT_MIN).
    """
    near = [c for c in candidates
            if c.vector is not None and abs(c.published - published) <= EVENT_WINDOW]
    # A story reported for days grows no further: the news of the third day is another event.
    day = day or published.date()
    near = [c for c in near if c.story_first is None
            or (day - c.story_first.date()).days <= STORY_DAYS]
    if not near:
        return []
    matrix = np.stack([c.vector for c in near])  # type: ignore[misc]
    scripts = [c.features.script for c in near]
    threshold, background = PLAIN_THRESHOLD, None
    if len(near) >= BACKGROUND_MIN:
        threshold = EVENT_THRESHOLD
        means = _script_means(matrix, vector, scripts, script)
        background = np.stack([means[s] for s in scripts])
        matrix = _unit(matrix - background)
        vector = _unit(vector - means[script])
    sims = matrix @ vector
    if background is None:  # raised across scripts instead (CROSS_SCRIPT_ALLOWANCE)
        sims = sims + CROSS_SCRIPT_ALLOWANCE * (np.array(scripts) != script)
    by_story: dict[int, list[int]] = {}
    for i, cand in enumerate(near):
        by_story.setdefault(cand.story_id, []).append(i)
    return [_Story(sid, [near[i] for i in idx], sims[idx], threshold,
                   None if background is None else background[idx])
            for sid, idx in by_story.items()]


def _script_means(matrix: np.ndarray, vector: np.ndarray, scripts: list[str],
                  script: str) -> dict[str, np.ndarray]:
    """BACKGROUND_SHARE of the mean vector of each script's reports in the window, the item
    among them: the background taken out of that script's vectors. A script with fewer than
    SCRIPT_MIN reports takes the window's mean instead."""
    every = BACKGROUND_SHARE * (matrix.sum(axis=0) + vector) / (len(matrix) + 1)
    means: dict[str, np.ndarray] = {}
    for name in {*scripts, script}:
        rows = matrix[[s == name for s in scripts]]
        count = len(rows) + (name == script)
        total = rows.sum(axis=0) + (vector if name == script else 0.0)
        means[name] = BACKGROUND_SHARE * total / count if count >= SCRIPT_MIN else every
    return means


def _unit(a: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(a, axis=-1, keepdims=True)
    return a / np.where(norms == 0, 1, norms)


def _vetoed(item: Features, published: datetime, members: Iterable[Candidate],
            acts: Acts | None) -> str | None:
    for m in members:
        reason = veto(item, m.features, abs(m.published - published), acts)
        if reason:
            return reason
    return None


def _in_view(story: _Story) -> bool:
    """Whether the story's first report is among the candidates. In a burst the candidates
    are only the reports nearest in time (storage's bound): a story that began before them
    is seen through its recent reports only, and merging it on those alone would let
    stories grow by chaining."""
    firsts = [m.story_first for m in story.members if m.story_first is not None]
    return not firsts or min(m.published for m in story.members) <= min(firsts)


def _joins(a: _Story, b: _Story, acts: Acts | None) -> bool:
    """Whether two stories the item matches are one event by the measure an item joins by:
    each report of the smaller is close enough to the other's reports, on average, and no
    two reports veto each other. Without the allowance across scripts: a merge joins two
    stories some channel may have seen, and needs at least a join's evidence."""
    small, big = sorted((a, b), key=lambda s: len(s.members))
    theirs = big.vectors()
    for member, vector in zip(small.members, small.vectors(), strict=True):
        if float((theirs @ vector).mean()) < big.threshold:
            return False
        if _vetoed(member.features, member.published, big.members, acts):
            return False
    return True


def decide(
    item: Features, vector: np.ndarray | None, published: datetime,
    candidates: Sequence[Candidate], acts: Acts | None = None,
) -> Decision:
    """Which story the item joins, and why; `acts` those its features were read with."""
    copy = _copy_of(item, published, candidates)
    if copy:
        sim, cand = copy
        return Decision(cand.story_id, "syndicated", cand.item_id, round(sim, 3))
    if vector is None:
        return Decision(None, "new")
    stories = sorted(_stories(vector, published, candidates, item.day, item.script),
                     key=_Story.score, reverse=True)
    matches: list[_Story] = []
    vetoed: list[dict[str, Any]] = []
    for story in stories:
        score = story.score()
        if not story.close(item.action):
            break
        reason = _vetoed(item, published, story.members, acts)
        if reason:
            vetoed.append({"story": story.story_id, "score": round(score, 3), "veto": reason})
        else:
            matches.append(story)
    closest = [{"story": s.story_id, "score": round(s.score(), 3)} for s in stories[:3]]
    # the event's day, which the story window counts from, and the stories a veto refused
    noted: dict[str, Any] = (({"event_day": item.day.isoformat()} if item.day else {})
                             | ({"vetoed": vetoed} if vetoed else {}))
    if not matches:
        return Decision(None, "new", detail={"action": item.action, "closest": closest, **noted})
    best = matches[0]
    also = tuple(sorted(s.story_id for s in matches[1:]
                        if _in_view(best) and _in_view(s) and _joins(best, s, acts)))
    refused = [s.story_id for s in matches[1:] if s.story_id not in also]
    detail = {"action": item.action, "nearest": best.nearest(), **noted}
    if refused:
        detail["not_merged"] = refused  # close to the item, not to the chosen story
    return Decision(best.story_id, "event", score=round(best.score(), 3), detail=detail,
                    also=also)
