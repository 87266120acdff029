"""`python -m benchmarks.quality`: how well the real pipeline folds and labels real news.

The labelled items of the development set (benchmarks/realnews.py) are replayed in
publication order through parse → match → fold → store, with the bundled default config,
into a temporary SQLite file: each item is served as a one-item RSS document of a feed named
for its outlet, its link the item's real address. After the last item the stories are read
back from the store, so a late merge of two stories counts.

    python -m benchmarks.quality                  # the tune split
    python -m benchmarks.quality --split dev      # tune and seen: all that may be tuned on
    python -m benchmarks.quality --split held     # once, at the end
    python -m benchmarks.quality --errors         # what went wrong, item by item
    python -m benchmarks.quality --json           # the figures as JSON
    python -m benchmarks.quality --split dev --files ijkl  # only items_i … items_l

Figures:
- story pairs: precision, recall and F1 over all pairs of items in the split (off-topic
  items too); a pair is positive when both items are in one labelled story. Beside them the
  same for a naive baseline that puts together items with the same labelled topic set on the
  same UTC day (labelled topics, so that no tuning moves the yardstick).
- per topic: precision and recall of the topics the matcher gives each item.
- articles: items whose articles (cited by number) are exactly the labelled ones.
- troop figures: items whose set of figures is exactly the labelled set (none = none).
- qualifier and kind: over the figures both found and labelled, when the pipeline gives them.
- claimant: labelled figures found with the labelled claimant (after the alias table).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from benchmarks.realnews import TOPICS, LabelledItem, load, select
from bot.commands.treaty import Knowledge
from bot.config import Config, load_config
from bot.models import Analysis
from bot.parse import parse_feed
from bot.pipeline import Pipeline
from bot.samples import bundled_config
from storage import SQLiteStore

# The replay's clock: after every item, so that no date is "in the future"; fixed, so that
# two runs store the same rows.
_NOW = datetime(2030, 1, 1, tzinfo=UTC)

# Labels name a claimant as people write it; the bot names one party one way. Each line is
# the same party under two names (compared lower-case, after this table).
CLAIMANT_ALIASES = {
    "national intelligence service": "nis",
    "국정원": "nis",
    "us government": "us",
    "united states": "us",
    "u.s.": "us",
    "state department": "white house",  # the bot files the State Department under White House
    "ukraine's gur": "ukrainian intelligence",
    "gur": "ukrainian intelligence",
    "hur": "ukrainian intelligence",
    "south korean military (jcs)": "south korea",
    # the labels credit Ukraine's forces and their special operations command to Ukraine
    "ukrainian armed forces": "ukraine",
    "ukraine's sso": "ukraine",
    "jcs": "south korea",
    "zelenskyy": "zelensky",
    "western intelligence agencies": "western intelligence",
    # North Korea's state media speak as one party; the labels name KCTV's film KCTV in
    # items_b and KCNA in items_l, and the bot files Rodong Sinmun under KCNA.
    "kctv": "kcna",
    "rodong sinmun": "kcna",
}


def canonical_claimant(name: str) -> str:
    key = name.strip().lower()
    return CLAIMANT_ALIASES.get(key, key)


@dataclass(slots=True)
class Replayed:
    """What the pipeline made of one labelled item."""

    label: LabelledItem
    analysis: Analysis
    story: int  # as the store holds it after the whole replay


@dataclass(slots=True)
class PairScore:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn}


def pair_score(truth: Sequence[object], predicted: Sequence[object]) -> PairScore:
    """Pairwise agreement of two partitions of the same items (item i's group in each)."""
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(truth)), 2):
        same, guessed = truth[i] == truth[j], predicted[i] == predicted[j]
        tp += same and guessed
        fp += guessed and not same
        fn += same and not guessed
    return PairScore(tp, fp, fn)


def baseline_groups(items: Sequence[LabelledItem]) -> list[tuple[frozenset[str], object]]:
    return [(i.topics, i.published.date()) for i in items]


@dataclass(slots=True)
class Report:
    split: str
    items: int
    stories: int
    pairs: PairScore
    baseline: PairScore
    topics: dict[str, dict[str, float | int]]
    articles_exact: float
    troops_exact: float
    qualifier: float | None
    kind: float | None
    matched_figures: int
    claimant: float | None
    labelled_claims: int
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "split": self.split, "items": self.items, "stories": self.stories,
            "story_pairs": self.pairs.as_dict(), "baseline_pairs": self.baseline.as_dict(),
            "topics": self.topics, "articles_exact": round(self.articles_exact, 4),
            "troops_exact": round(self.troops_exact, 4),
            "qualifier_accuracy": _round(self.qualifier), "kind_accuracy": _round(self.kind),
            "matched_figures": self.matched_figures,
            "claimant_right": _round(self.claimant), "labelled_claims": self.labelled_claims,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


async def replay(items: Sequence[LabelledItem], config: Config, db: Path) -> list[Replayed]:
    """Items through the pipeline one by one, in the order given; stories read at the end."""
    store = await SQLiteStore.open(db)
    try:
        pipeline = Pipeline(config, store, clock=lambda: _NOW,
                            treaty_index=Knowledge.load().index)
        outlets = sorted({i.outlet for i in items})
        await store.sync_feeds([(o, f"https://realnews.invalid/{n}") for n, o in
                                enumerate(outlets)], _NOW)
        feed_ids = {f.name: f.id for f in await store.feeds()}
        stored: list[tuple[LabelledItem, Analysis, int]] = []
        for label in items:
            parsed = parse_feed(_rss(label), label.outlet, _NOW, language=label.language)
            (result,) = await pipeline.ingest(feed_ids[label.outlet], parsed.items, deliver=False)
            item_id = result.item_id if result.item_id is not None else result.duplicate_of
            if item_id is None:
                raise RuntimeError(f"{label.id}: the pipeline stored nothing")
            stored.append((label, result.analysis, item_id))
        stories = await store.item_story_ids()
    finally:
        await store.close()
    return [Replayed(label, analysis, stories[item_id]) for label, analysis, item_id in stored]


def _rss(item: LabelledItem) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(item.outlet)}</title><link>https://realnews.invalid/</link>"
        f"<item><title>{escape(item.title)}</title><link>{escape(item.url)}</link>"
        f'<guid isPermaLink="false">{escape(item.id)}</guid>'
        f"<pubDate>{format_datetime(item.published)}</pubDate>"
        f"<description>{escape(item.summary)}</description></item>"
        "</channel></rss>"
    ).encode()


def score(replayed: Sequence[Replayed], split: str) -> Report:
    labels = [r.label for r in replayed]
    pairs = pair_score([i.story for i in labels], [r.story for r in replayed])
    baseline = pair_score([i.story for i in labels], baseline_groups(labels))
    errors = _pair_errors(replayed)
    topics: dict[str, dict[str, float | int]] = {}
    for topic in TOPICS:
        found = [topic in r.analysis.topic_names for r in replayed]
        wanted = [topic in r.label.topics for r in replayed]
        tp = sum(f and w for f, w in zip(found, wanted, strict=True))
        fp = sum(f and not w for f, w in zip(found, wanted, strict=True))
        fn = sum(w and not f for f, w in zip(found, wanted, strict=True))
        topics[topic] = {
            "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
            "labelled": tp + fn, "found": tp + fp,
        }
    for r in replayed:
        got = set(r.analysis.topic_names)
        if got != set(r.label.topics):
            errors.append(f"topics  {r.label.id}: labelled {sorted(r.label.topics)}, "
                          f"found {sorted(got)} — {r.label.title[:90]}")
    articles_ok = 0
    for r in replayed:
        if set(r.analysis.articles) == r.label.articles:
            articles_ok += 1
        else:
            errors.append(f"articles {r.label.id}: labelled {sorted(r.label.articles)}, "
                          f"found {sorted(r.analysis.articles)} — {r.label.title[:90]}")
    troops_ok, matched, qualifier_ok, kind_ok, qualified = 0, 0, 0, 0, 0
    claimant_ok, labelled_claims = 0, 0
    for r in replayed:
        found = {c.figure: c for c in r.analysis.troops}
        if set(found) == {c.figure for c in r.label.troops}:
            troops_ok += 1
        else:
            errors.append(f"figures {r.label.id}: labelled "
                          f"{sorted(c.figure for c in r.label.troops)}, found {sorted(found)}"
                          f" — {r.label.title[:90]}")
        for claim in r.label.troops:
            labelled_claims += 1
            got = found.get(claim.figure)
            if got is None:
                continue
            matched += 1
            # Today's TroopClaim carries neither; scored from the day it does.
            if {"qualifier", "kind"} <= set(getattr(got, "__dataclass_fields__", ())):
                qualified += 1
                qualifier_ok += getattr(got, "qualifier", None) == claim.qualifier
                kind_ok += getattr(got, "kind", None) == claim.kind
            if canonical_claimant(got.claimant) == canonical_claimant(claim.claimant):
                claimant_ok += 1
            else:
                errors.append(f"claimant {r.label.id}: {claim.figure:,} labelled "
                              f"{claim.claimant!r}, found {got.claimant!r}")
    n = len(replayed)
    return Report(
        split=split, items=n, stories=len({i.story for i in labels}), pairs=pairs,
        baseline=baseline, topics=topics,
        articles_exact=articles_ok / n if n else 1.0, troops_exact=troops_ok / n if n else 1.0,
        qualifier=qualifier_ok / qualified if qualified else None,
        kind=kind_ok / qualified if qualified else None, matched_figures=matched,
        claimant=claimant_ok / labelled_claims if labelled_claims else None,
        labelled_claims=labelled_claims, errors=errors,
    )


def _pair_errors(replayed: Sequence[Replayed]) -> list[str]:
    lines = []
    for a, b in itertools.combinations(replayed, 2):
        same, folded = a.label.story == b.label.story, a.story == b.story
        if same != folded:
            what = "missed pair" if same else "wrong pair "
            lines.append(f"{what} {a.label.id} + {b.label.id} ({a.label.story} / "
                         f"{b.label.story}): {a.label.title[:60]} | {b.label.title[:60]}")
    return lines


def text_report(report: Report) -> str:
    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:.1f} %"

    p, b = report.pairs, report.baseline
    lines = [
        f"split {report.split}: {report.items} items, {report.stories} labelled stories",
        f"story pairs     precision {pct(p.precision)}  recall {pct(p.recall)}  "
        f"F1 {pct(p.f1)}  (tp {p.tp}, fp {p.fp}, fn {p.fn})",
        f"baseline        precision {pct(b.precision)}  recall {pct(b.recall)}  "
        f"F1 {pct(b.f1)}  (same labelled topics, same UTC day)",
    ]
    for topic, t in report.topics.items():
        lines.append(f"topic {topic:<9} precision {pct(float(t['precision']))}  recall "
                     f"{pct(float(t['recall']))}  ({t['labelled']} labelled, {t['found']} found)")
    lines += [
        f"articles exact  {pct(report.articles_exact)} of items",
        f"troop figures   {pct(report.troops_exact)} of items exact",
        f"qualifier       {pct(report.qualifier)}  kind {pct(report.kind)}  over "
        f"{report.matched_figures} matched figures"
        + ("" if report.qualifier is not None else " (the pipeline gives neither)"),
        f"claimant right  {pct(report.claimant)} of {report.labelled_claims} labelled figures",
    ]
    return "\n".join(lines)


def run(split: str, config: Config, items: Iterable[LabelledItem] | None = None) -> Report:
    chosen = select(load() if items is None else items, split)
    with tempfile.TemporaryDirectory(prefix="treatywatch-quality-") as tmp:
        replayed = asyncio.run(replay(chosen, config, Path(tmp) / "quality.sqlite"))
    return score(replayed, split)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__
                                     .split("\n\n")[0])
    parser.add_argument("--split", choices=("tune", "seen", "dev", "held", "all"),
                        default="tune")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    parser.add_argument("--errors", action="store_true", help="list what went wrong")
    parser.add_argument("--config", type=Path, help="a feeds.yaml (default: the bundled one)")
    parser.add_argument("--files", metavar="LETTERS",
                        help="only the items of these files, e.g. 'ijkl' for items_i to items_l"
                             " or 'y,z,za' for names past z: checks a rule on rounds whose"
                             " errors it was not written from")
    args = parser.parse_args(argv)
    if args.errors and args.split in ("held", "all"):
        print(f"warning: --errors on {args.split!r} shows the held-out items; tune only on "
              "the dev split", file=sys.stderr)
    config = load_config(args.config) if args.config else bundled_config()
    items = load()
    if args.files:
        names = args.files.split(",") if "," in args.files else list(args.files)
        items = [i for i in items
                 if i.source.removeprefix("items_").removesuffix(".yaml") in names]
    report = run(args.split, config, items)
    if args.json:
        figures = report.as_dict() | ({"errors": report.errors} if args.errors else {})
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(text_report(report))
        if args.errors:
            print("\n".join(["", *report.errors]) if report.errors else "\nno errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
