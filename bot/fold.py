"""Deciding which story an item belongs to: pure functions of the item and its candidates.

Three ways to join a story, tried in order:
  * the same guid or link is the same item (decided by storage, before this module);
  * a syndicated copy: near-identical wording (MinHash estimate of word-shingle Jaccard);
  * the same event in other words, possibly another language: a weighted overlap of
    shared concepts (people, places, organizations, key terms mapped across EN/KO/RU,
    troop figures), within a time window, and no conflicting event type.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

import yaml

from bot.terms import TermSet
from bot.text import fold, sentences, words

SYNDICATION_THRESHOLD = 0.5
EVENT_THRESHOLD = 0.45
EVENT_WINDOW = timedelta(days=4)
DRIFT_PER_DAY = 0.05
# Concepts of the headline and lead say what the event is; the body adds background
# (earlier events, context) that other stories share too.
HEAD_FACTOR = 2.0
BODY_FACTOR = 0.5
SYNDICATION_WINDOW = timedelta(days=14)
LEAD_CHARS = 500
_SHINGLE = 3
_PERMUTATIONS = 32
_BANDS = 8
_ROWS = _PERMUTATIONS // _BANDS
_PRIME = (1 << 61) - 1
_SEEDS = [(1 + 2 * zlib.crc32(f"a{i}".encode()), zlib.crc32(f"b{i}".encode())) for i in range(32)]
_MASK = (1 << 32) - 1


@dataclass(frozen=True, slots=True)
class Concept:
    name: str
    kind: str
    weight: float
    by_actor: bool
    terms: TermSet


@dataclass(frozen=True, slots=True)
class Lexicon:
    concepts: tuple[Concept, ...]

    @classmethod
    def load(cls, data: dict[str, Any]) -> Lexicon:
        concepts = []
        for name, spec in data["concepts"].items():
            concepts.append(
                Concept(name, spec["kind"], float(spec["weight"]), bool(spec.get("by_actor")),
                        TermSet.build(spec["terms"]))
            )
        return cls(tuple(concepts))


@cache
def default_lexicon() -> Lexicon:
    text = resources.files("bot").joinpath("data/concepts.yaml").read_text(encoding="utf-8")
    return Lexicon.load(yaml.safe_load(text))


@dataclass(frozen=True, slots=True)
class Features:
    """What folding needs of an item; stored with it (JSON) for later comparisons."""

    concepts: dict[str, float]  # concept (or "N:<figure>") -> weight in this item
    action: str | None  # the event type, e.g. "RATIFY:KP", from the headline or the lead
    minhash: tuple[int, ...]

    def keys(self) -> list[str]:
        """Index keys to find candidates: specific concepts and MinHash bands."""
        keys = [f"c:{c}" for c, w in self.concepts.items() if w >= 0.8]
        keys += [f"m:{b}:{h}" for b, h in enumerate(_bands(self.minhash))]
        return keys

    def to_json(self) -> dict[str, Any]:
        return {"concepts": self.concepts, "action": self.action, "minhash": list(self.minhash)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Features:
        return cls(dict(data["concepts"]), data["action"], tuple(data["minhash"]))


def _bands(minhash: Sequence[int]) -> list[int]:
    return [
        zlib.crc32(",".join(map(str, minhash[b * _ROWS : (b + 1) * _ROWS])).encode())
        for b in range(_BANDS)
    ]


def minhash(text: str) -> tuple[int, ...]:
    tokens = words(text)
    shingles = {
        zlib.crc32(" ".join(tokens[i : i + _SHINGLE]).encode())
        for i in range(max(1, len(tokens) - _SHINGLE + 1))
    }
    return tuple(min(((a * s + b) % _PRIME) & _MASK for s in shingles) for a, b in _SEEDS)


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """MinHash estimate of the Jaccard similarity of two texts' shingle sets."""
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def _found(concept: Concept, folded: str) -> bool:
    return bool(concept.terms.found(folded))


def _action(lexicon: Lexicon, title: str, lead: str) -> str | None:
    """The event type of a report: from its headline, else from its lead.

    An action done by one side alone carries the side: the first actor the sentence
    names (headlines and leads put the subject first), skipping pairs such as
    "DPRK-Russia" or "북러" that name both sides.
    """
    actions = [c for c in lexicon.concepts if c.kind == "action"]
    actors = [c for c in lexicon.concepts if c.kind == "actor"]
    for part in (title, *sentences(lead)[:3]):
        folded = fold(part)
        for concept in actions:  # in priority order
            if not concept.terms.found(folded):
                continue
            if not concept.by_actor:
                return concept.name
            return f"{concept.name}:{_subject(actors, folded)}"
    return None


_PAIR = re.compile(r"[\-–/·]\s*$")


def _subject(actors: Iterable[Concept], folded: str) -> str:
    mentions: list[tuple[int, int, str]] = []
    for actor in actors:
        if actor.terms.regex is not None:
            found = actor.terms.regex.finditer(folded)
            mentions += [(m.start(), m.end(), actor.name) for m in found]
    pairs = [(start, end) for start, end, name in mentions if name == "PAIR"]
    mentions = sorted(
        m for m in mentions
        if m[2] != "PAIR" and not any(s <= m[0] < e for s, e in pairs)
    )
    for i, (start, end, name) in enumerate(mentions):
        follows_pair = _PAIR.search(folded[:start]) is not None
        nxt = mentions[i + 1] if i + 1 < len(mentions) else None
        leads_pair = nxt is not None and re.fullmatch(r"\s*[\-–/·]?\s*", folded[end : nxt[0]])
        if not follows_pair and not leads_pair:
            return name
    return "?"


def features(
    title: str, summary: str, figures: Iterable[int] = (), lexicon: Lexicon | None = None
) -> Features:
    lexicon = lexicon or default_lexicon()
    lead = summary[:LEAD_CHARS]
    head = fold(f"{title}\n{lead}")
    body = fold(summary[LEAD_CHARS:])
    concepts: dict[str, float] = {}
    for concept in lexicon.concepts:
        if concept.kind != "entity":
            continue
        if _found(concept, head):
            concepts[concept.name] = concept.weight * HEAD_FACTOR
        elif _found(concept, body):
            concepts[concept.name] = concept.weight * BODY_FACTOR
    for figure in figures:
        concepts[f"N:{figure}"] = 1.0
    action = _action(lexicon, title, lead)
    return Features(concepts, action, minhash(f"{title} {summary[:1500]}"))


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(w * b[c] for c, w in a.items() if c in b)
    if not dot:
        return 0.0
    norm_a = math.sqrt(sum(w * w for w in a.values()))
    norm_b = math.sqrt(sum(w * w for w in b.values()))
    return dot / (norm_a * norm_b)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored item that may be of the same story."""

    item_id: int
    story_id: int
    published: datetime
    features: Features


@dataclass(frozen=True, slots=True)
class Decision:
    story_id: int | None  # None: a new story
    how: str  # "new", "syndicated", "event"
    item_id: int | None = None  # the item it copies (syndicated)
    score: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)
    # Other stories the item also matches: the item bridges them, so they are one event
    # seen first through different reports (merged where not yet delivered).
    also: tuple[int, ...] = ()


def _compatible(a: str | None, b: str | None) -> bool:
    """Two reports can be of one event unless they name different event types (or
    different sides doing a one-sided act); an unknown side matches any."""
    if a is None or b is None:
        return True
    (kind_a, _, side_a), (kind_b, _, side_b) = a.partition(":"), b.partition(":")
    return kind_a == kind_b and (side_a == side_b or "?" in (side_a, side_b))


def _event_score(item: Features, published: datetime, members: Sequence[Candidate]) -> float:
    """Concept overlap with the story (as a whole, or its closest report), less a small
    penalty per day from its nearest report: follow-ups drift from the event."""
    merged: dict[str, float] = {}
    for member in members:
        for c, w in member.features.concepts.items():
            merged[c] = max(merged.get(c, 0.0), w)
    overlap = max(
        cosine(item.concepts, merged),
        *(cosine(item.concepts, m.features.concepts) for m in members),
    )
    gap = min(abs(m.published - published) for m in members)
    return overlap - DRIFT_PER_DAY * gap / timedelta(days=1)


def decide(item: Features, published: datetime, candidates: Sequence[Candidate]) -> Decision:
    """Which story the item joins, and why."""
    best_copy: tuple[float, Candidate] | None = None
    for cand in candidates:
        if abs(cand.published - published) > SYNDICATION_WINDOW:
            continue
        sim = similarity(item.minhash, cand.features.minhash)
        if sim >= SYNDICATION_THRESHOLD and (best_copy is None or sim > best_copy[0]):
            best_copy = (sim, cand)
    if best_copy:
        sim, cand = best_copy
        return Decision(cand.story_id, "syndicated", cand.item_id, round(sim, 3))

    stories: dict[int, list[Candidate]] = {}
    for cand in candidates:
        if abs(cand.published - published) <= EVENT_WINDOW:
            stories.setdefault(cand.story_id, []).append(cand)
    matches: list[tuple[float, int, list[str]]] = []
    for story_id, members in stories.items():
        if not all(_compatible(item.action, m.features.action) for m in members):
            continue
        score = _event_score(item, published, members)
        if score >= EVENT_THRESHOLD:
            shared = sorted({c for m in members for c in m.features.concepts} & set(item.concepts))
            matches.append((score, story_id, shared))
    if matches:
        matches.sort(reverse=True)
        score, story_id, shared = matches[0]
        also = tuple(sorted(other for _, other, _ in matches[1:]))
        return Decision(story_id, "event", score=round(score, 3), detail={"shared": shared},
                        also=also)
    return Decision(None, "new")


