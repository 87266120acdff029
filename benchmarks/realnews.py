"""The real-news development set (benchmarks/data/realnews/): loading, checking, splitting.

Every `items_*.yaml` of the folder is one labeller's part; README.md there has the format
and the labelling rules. The files come in groups, each a round of labelling; a story stays
inside its group. Three parts, a story always whole in one:
- `held`: the stories of the files labelled blind for the next score (`BLIND_FILES`),
  after the folder and the matcher were last changed; scored once, at the end.
- `seen`: stories that were once held out, scored, and whose errors were read, so they no
  longer count as unseen and are tuned on: items_c to items_zp (each pair held out until its
  score, from 2026-12-06 to 2026-12-07), and about 40 % of the stories of items_a and items_b
  by a hash of the story id (held out until 2026-12-05).
- `tune`: the other stories of items_a and items_b.
`dev` is `tune` and `seen` together: everything that may be tuned on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data" / "realnews"

LANGUAGES = frozenset({"en", "ko", "ru"})
TOPICS = ("treaty", "troops", "kcna")
QUALIFIERS = frozenset({"about", "up to", "more than", "at least", "additional"})
KINDS = frozenset({"deployed", "planned", "casualties"})
SPLITS = ("tune", "seen", "held")
# The files of each round of labelling.
GROUPS = (("a", "b"), ("c", "d"), ("e", "f"), ("g", "h"), ("i", "j"), ("k", "l"), ("m", "n"),
          ("o", "p"), ("q", "r"), ("s", "t"), ("u", "v"), ("w", "x"), ("y", "z"),
          ("za", "zb"), ("zc", "zd"), ("ze", "zf"), ("zg", "zh"),
          ("zi", "zj"), ("zk", "zl"), ("zm", "zn"),
          ("zo", "zp"), ("zq", "zr"))  # past z: two letters
BLIND_FILES = ("zq", "zr")  # the last blind round, held out
ARTICLE_COUNT = 23  # articles of the DPRK–Russia treaty

_REQUIRED = ("id", "url", "outlet", "language", "published", "title", "summary", "story",
             "topics", "articles", "troops")
_OPTIONAL = ("date_approx", "note")


class DataError(ValueError):
    """A labelled item breaks the format; the message says which file and item."""


@dataclass(frozen=True, slots=True)
class LabelledClaim:
    figure: int
    qualifier: str | None
    kind: str
    claimant: str


@dataclass(frozen=True, slots=True)
class LabelledItem:
    id: str
    url: str
    outlet: str
    language: str
    published: datetime
    date_approx: bool
    title: str
    summary: str
    story: str
    topics: frozenset[str]
    articles: frozenset[int]
    troops: tuple[LabelledClaim, ...]
    note: str
    source: str  # the file it came from

    @property
    def split(self) -> str:
        return split_of(self.story)


def split_of(story: str) -> str:
    """The part a story is in, from its id's prefix and, in the first round, its SHA-1."""
    letter = story.split("-", 1)[0]
    if letter in BLIND_FILES:
        return "held"
    if letter not in GROUPS[0]:
        return "seen"
    return "seen" if hashlib.sha1(story.encode()).digest()[0] % 5 < 2 else "tune"


def load(data_dir: Path = DATA_DIR) -> list[LabelledItem]:
    """All items of every `items_*.yaml`, checked; in publication order (then id)."""
    files = sorted(data_dir.glob("items_*.yaml"))
    if not files:
        raise DataError(f"{data_dir}: no items_*.yaml")
    items: list[LabelledItem] = []
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, list):
            raise DataError(f"{path.name}: expected a list of items")
        items.extend(_item(raw, path.name, n) for n, raw in enumerate(data, 1))
    check(items)
    return sorted(items, key=lambda i: (i.published, i.id))


def select(items: Iterable[LabelledItem], split: str) -> list[LabelledItem]:
    if split == "all":
        return list(items)
    if split == "dev":
        return [i for i in items if i.split != "held"]
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: tune, seen, dev, held or all")
    return [i for i in items if i.split == split]


def check(items: list[LabelledItem]) -> None:
    """What one item cannot show alone: ids and addresses are unique across the files.

    A story's split is computed from its id, so a story cannot straddle the two parts."""
    _unique(items, "id", lambda i: i.id)
    _unique(items, "url", lambda i: i.url)


def _unique(items: list[LabelledItem], what: str, key: Any) -> None:
    seen: dict[str, LabelledItem] = {}
    for item in items:
        value = key(item)
        if (first := seen.get(value)) is not None:
            raise DataError(
                f"{item.source}: {item.id}: {what} {value!r} is also {first.source}: {first.id}'s"
            )
        seen[value] = item


def _item(raw: Any, source: str, n: int) -> LabelledItem:
    where = f"{source}: item {n}"
    if not isinstance(raw, dict):
        raise DataError(f"{where}: not a mapping")
    where = f"{source}: {raw.get('id', f'item {n}')}"
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise DataError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise DataError(f"{where}: unknown field {', '.join(unknown)}")
    for key in ("id", "url", "outlet", "title", "summary", "story"):
        if not isinstance(raw[key], str) or not raw[key].strip():
            raise DataError(f"{where}: {key} must be a non-empty string")
    half = source.removeprefix("items_").removesuffix(".yaml")
    if not raw["id"].startswith(half):
        raise DataError(f"{where}: ids in {source} start with {half!r}")
    # An event both files of a round found keeps one id, whichever named it first; a later
    # round may name an event an earlier one labelled by that id (its items then go to that
    # story's part), but a blind round keeps ids of its own, to be scored alone.
    group = next((g for g in GROUPS if half in g), (half,))
    earlier = [] if half in BLIND_FILES or group not in GROUPS else GROUPS[:GROUPS.index(group)]
    prefixes = tuple(f"{h}-" for g in (*earlier, group) for h in g)
    if not raw["story"].startswith(prefixes):
        raise DataError(f"{where}: story ids in {source} start with {' or '.join(prefixes)}")
    if raw["language"] not in LANGUAGES:
        raise DataError(f"{where}: language {raw['language']!r} is not one of en, ko, ru")
    topics = raw["topics"] or []
    if not isinstance(topics, list) or any(t not in TOPICS for t in topics):
        raise DataError(f"{where}: topics {topics!r} must be a list of {', '.join(TOPICS)}")
    articles = raw["articles"] or []
    if not isinstance(articles, list) or any(
        not isinstance(a, int) or isinstance(a, bool) or not 1 <= a <= ARTICLE_COUNT
        for a in articles
    ):
        raise DataError(f"{where}: articles {articles!r} must be numbers 1..{ARTICLE_COUNT}")
    return LabelledItem(
        id=raw["id"], url=raw["url"], outlet=raw["outlet"], language=raw["language"],
        published=_published(raw["published"], where),
        date_approx=_flag(raw.get("date_approx", False), where),
        title=raw["title"], summary=raw["summary"], story=raw["story"],
        topics=frozenset(topics), articles=frozenset(articles),
        troops=tuple(_claim(c, where) for c in raw["troops"] or []),
        note=str(raw.get("note") or ""), source=source,
    )


def _published(value: Any, where: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise DataError(f"{where}: published {value!r} is not an ISO date and time") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise DataError(f"{where}: published must be a date and time with its UTC offset")
    return value.astimezone(UTC)


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise DataError(f"{where}: date_approx must be true or false")
    return value


def _claim(raw: Any, where: str) -> LabelledClaim:
    if not isinstance(raw, dict) or set(raw) != {"figure", "qualifier", "kind", "claimant"}:
        raise DataError(f"{where}: a troop figure needs figure, qualifier, kind and claimant")
    figure = raw["figure"]
    if not isinstance(figure, int) or isinstance(figure, bool) or figure <= 0:
        raise DataError(f"{where}: troop figure {figure!r} must be a positive whole number")
    if raw["qualifier"] is not None and raw["qualifier"] not in QUALIFIERS:
        raise DataError(f"{where}: qualifier {raw['qualifier']!r} is not one of "
                        f"{', '.join(sorted(QUALIFIERS))} or null")
    if raw["kind"] not in KINDS:
        raise DataError(f"{where}: kind {raw['kind']!r} is not one of {', '.join(sorted(KINDS))}")
    if not isinstance(raw["claimant"], str) or not raw["claimant"].strip():
        raise DataError(f"{where}: claimant must be a non-empty string")
    return LabelledClaim(figure, raw["qualifier"], raw["kind"], raw["claimant"])


def counts(items: list[LabelledItem]) -> dict[str, Any]:
    """What the README's table shows: sizes by file, language, topic and part."""
    stories: dict[str, list[LabelledItem]] = {}
    for item in items:
        stories.setdefault(item.story, []).append(item)
    multi = [s for s in stories.values() if len({i.outlet for i in s}) > 1]

    def tally(key: Any) -> dict[str, int]:
        found: dict[str, int] = {}
        for item in items:
            for value in key(item):
                found[value] = found.get(value, 0) + 1
        return dict(sorted(found.items()))

    return {
        "items": len(items), "stories": len(stories),
        "by_file": tally(lambda i: [i.source]),
        "by_language": tally(lambda i: [i.language]),
        "by_topic": tally(lambda i: sorted(i.topics) or ["(none)"]),
        "by_split": tally(lambda i: [i.split]),
        "stories_by_split": {s: sum(split_of(k) == s for k in stories) for s in SPLITS},
        "multi_outlet_events": len(multi),
        "cross_language_events": sum(len({i.language for i in s}) > 1 for s in multi),
        "look_alike_items": sum(not i.topics & {"treaty", "troops"} for i in items),
        "items_with_articles": sum(bool(i.articles) for i in items),
        "items_with_figures": sum(bool(i.troops) for i in items),
        "date_approx": sum(i.date_approx for i in items),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(counts(load()), indent=2))
