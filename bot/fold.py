"""Deciding which story an item belongs to: pure functions of the item and its candidates.

Three ways to join a story, tried in order:
  * the same guid or link is the same item (decided by storage, before this module);
  * a syndicated copy: near-identical wording (MinHash estimate of word-shingle Jaccard);
  * the same event in other words, possibly another language: a weighted overlap of
    shared concepts (people, places, organizations, key terms mapped across EN/KO/RU,
    troop figures), within a time window, and no conflicting event type.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import yaml

from bot.terms import TermSet, Text
from bot.text import sentences, words

SYNDICATION_THRESHOLD = 0.5
EVENT_THRESHOLD = 0.45
EVENT_WINDOW = timedelta(days=4)
DRIFT_PER_DAY = 0.05
SPECIFIC = 1.0  # a concept this telling (lexicon weight) is evidence of one event
# Concepts of the headline and lead say what the event is; the body adds background
# (earlier events, context) that other stories share too.
HEAD_FACTOR = 2.0
BODY_FACTOR = 0.5
SYNDICATION_WINDOW = timedelta(days=14)
LEAD_CHARS = 500
SKETCH_CHARS = 1500  # of the summary, in the MinHash sketch
_SHINGLE = 3
_SKETCH = 32
_SKETCH_KEYS = 8


@dataclass(frozen=True, slots=True)
class Concept:
    name: str
    kind: str
    weight: float
    by_actor: bool


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The concepts, and all their terms in one TermSet: one pass over a text finds them."""

    concepts: tuple[Concept, ...]
    terms: TermSet
    owner: tuple[int, ...]  # term index -> concept index
    actions: tuple[int, ...]  # the action concepts' indices, in priority order
    # The action concepts' terms alone (and their owners): finding the event type of a
    # sentence does not need the other concepts.
    action_terms: TermSet
    action_owner: tuple[int, ...]

    @classmethod
    def load(cls, data: dict[str, Any]) -> Lexicon:
        concepts: list[Concept] = []
        terms: list[str] = []
        owner: list[int] = []
        for name, spec in data["concepts"].items():
            concepts.append(
                Concept(name, spec["kind"], float(spec["weight"]), bool(spec.get("by_actor")))
            )
            terms += spec["terms"]
            owner += [len(concepts) - 1] * len(spec["terms"])
        actions = tuple(i for i, c in enumerate(concepts) if c.kind == "action")
        picked = [(t, o) for t, o in zip(terms, owner, strict=True) if o in actions]
        return cls(tuple(concepts), TermSet.build(terms), tuple(owner), actions,
                   TermSet.build(t for t, _ in picked), tuple(o for _, o in picked))

    def present(self, text: Text) -> set[int]:
        """Indices of the concepts the text mentions."""
        return {self.owner[i] for i in self.terms.found_indices(text)}

    def present_actions(self, text: Text) -> set[int]:
        """present(text), of the action concepts only."""
        return {self.action_owner[i] for i in self.action_terms.found_indices(text)}

    def mentions(self, text: Text) -> list[tuple[int, int, Concept]]:
        """(first word, word after the last, concept) of each mention."""
        return [
            (start, end, self.concepts[self.owner[i]])
            for i, start, end in self.terms.occurrences(text)
        ]


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
        # Near copies share most of their smallest hashes: a few of them find candidates.
        keys += [f"m:{h}" for h in self.minhash[:_SKETCH_KEYS]]
        return keys

    def to_json(self) -> dict[str, Any]:
        return {"concepts": self.concepts, "action": self.action, "minhash": list(self.minhash)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Features:
        return cls(dict(data["concepts"]), data["action"], tuple(data["minhash"]))


@lru_cache(maxsize=4096)
def stored_features(text: str) -> Features:
    """Features from their stored JSON, remembered: consecutive items share most of their
    candidates, and decoding is most of what a candidate costs. Keyed by the text, so a stale
    entry cannot exist; the result is shared and never changed."""
    return Features.from_json(json.loads(text))


def minhash(text: str) -> tuple[int, ...]:
    """A bottom-k MinHash sketch: the k smallest hashes of the text's word 3-shingles.

    One hash per shingle (k permutations would cost k times as much) and still an
    unbiased estimate of the Jaccard similarity of two texts (see `similarity`).
    """
    return _sketch(words(text))


def _sketch(tokens: list[str]) -> tuple[int, ...]:
    if len(tokens) < _SHINGLE:  # one shingle of what there is
        shingles = {zlib.crc32(" ".join(tokens).encode())}
    else:
        # The same bytes as " ".join(shingle).encode(), each word encoded once.
        encoded = [t.encode() for t in tokens]
        triples = zip(encoded, encoded[1:], encoded[2:], strict=False)
        shingles = set(map(zlib.crc32, map(b" ".join, triples)))
    return tuple(sorted(shingles)[:_SKETCH])


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the two texts the sketches come from: the share of
    the k smallest hashes of both together that both texts have."""
    return _similarity(set(a), set(b))


def _similarity(a: set[int], b: set[int]) -> float:
    union = sorted(a | b)[:_SKETCH]
    if not union:
        return 0.0
    return len((a & b).intersection(union)) / len(union)


def _may_copy(a: set[int], b: Sequence[int]) -> bool:
    """Whether the similarity can reach the syndication threshold: it is at most the share
    of shared hashes among the k smallest of the union, and that union holds at least
    min(k, len(a)) hashes. Most candidates share few hashes, and this rules them out
    without sorting, or even making a set of `b`."""
    both = len(a.intersection(b))
    return both > 0 and both >= SYNDICATION_THRESHOLD * min(_SKETCH, len(a))


def _action(lexicon: Lexicon, title: Text, lead: str) -> str | None:
    """The event type of a report: from its headline, else from its lead.

    An action done by one side alone carries the side: the first actor the sentence
    names (headlines and leads put the subject first), skipping pairs such as
    "DPRK-Russia" or "북러" that name both sides.
    """
    for text in _headline_then_lead(title, lead):
        present = lexicon.present_actions(text)
        for index in lexicon.actions:  # in priority order
            if index not in present:
                continue
            concept = lexicon.concepts[index]
            if not concept.by_actor:
                return concept.name
            return f"{concept.name}:{_subject(lexicon, text)}"
    return None


def _headline_then_lead(title: Text, lead: str) -> Iterator[Text]:
    yield title
    # The lead is split into sentences only when the headline names no action.
    for sentence in sentences(lead)[:3]:
        yield Text.of(sentence)


def _subject(lexicon: Lexicon, text: Text) -> str:
    mentions = [m for m in lexicon.mentions(text) if m[2].kind == "actor"]
    pairs = [(start, end) for start, end, concept in mentions if concept.name == "PAIR"]
    sides = sorted(
        (start, concept.name) for start, _, concept in mentions
        if concept.name != "PAIR" and not any(s <= start < e for s, e in pairs)
    )
    return sides[0][1] if sides else "?"


def features(
    title: str, summary: str, figures: Iterable[int] = (), lexicon: Lexicon | None = None
) -> Features:
    lexicon = lexicon or default_lexicon()
    lead = summary[:LEAD_CHARS]
    # Each part is folded and split into words once, for the concepts, the event type and
    # the sketch alike.
    title_text, lead_text, body_text = Text.of(title), Text.of(lead), Text.of(summary[LEAD_CHARS:])
    head = lexicon.present(title_text.joined(lead_text))
    body = lexicon.present(body_text)
    concepts: dict[str, float] = {}
    for index, concept in enumerate(lexicon.concepts):
        if concept.kind != "entity":
            continue
        if index in head:
            concepts[concept.name] = concept.weight * HEAD_FACTOR
        elif index in body:
            concepts[concept.name] = concept.weight * BODY_FACTOR
    for figure in figures:
        concepts[f"N:{figure}"] = 1.0
    action = _action(lexicon, title_text, lead)
    # minhash(f"{title} {summary[:SKETCH_CHARS]}"), from the words already at hand.
    return Features(concepts, action,
                    _sketch(title_text.words + _sketch_words(summary, lead_text, body_text)))


def _sketch_words(summary: str, lead: Text, body: Text) -> list[str]:
    """words(summary[:SKETCH_CHARS]), from the lead's and the body's words when that is
    exactly what they make: the whole summary, split where no word and no accent spans."""
    if len(summary) <= LEAD_CHARS:
        return lead.words
    if len(summary) <= SKETCH_CHARS and (
        summary[LEAD_CHARS - 1].isspace() or summary[LEAD_CHARS].isspace()
    ):
        return lead.words + body.words
    return words(summary[:SKETCH_CHARS])


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


def _evidence(item: Features, members: Sequence[Candidate], shared: Sequence[str]) -> bool:
    """Something specific in common: the same event type, a troop figure, or a concept
    that is telling on its own (Kursk, the Duma, Gerasimov). Two reports that share only
    generic concepts (North Korea, Russia, the treaty, KCNA) are not one event."""
    if item.action and any(m.features.action == item.action for m in members):
        return True
    weights = _base_weights()
    return any(c.startswith("N:") or weights.get(c, 0.0) >= SPECIFIC for c in shared)


@cache
def _base_weights() -> dict[str, float]:
    return {c.name: c.weight for c in default_lexicon().concepts}


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
    sketch = set(item.minhash)
    for cand in candidates:
        if abs(cand.published - published) > SYNDICATION_WINDOW:
            continue
        if not _may_copy(sketch, cand.features.minhash):
            continue
        sim = _similarity(sketch, set(cand.features.minhash))
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
        shared = sorted({c for m in members for c in m.features.concepts} & set(item.concepts))
        if not _evidence(item, members, shared):
            continue
        score = _event_score(item, published, members)
        if score >= EVENT_THRESHOLD:
            matches.append((score, story_id, shared))
    if matches:
        matches.sort(reverse=True)
        score, story_id, shared = matches[0]
        also = tuple(sorted(other for _, other, _ in matches[1:]))
        return Decision(story_id, "event", score=round(score, 3), detail={"shared": shared},
                        also=also)
    return Decision(None, "new")


