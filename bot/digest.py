"""The weekly digest: the week's stories by topic, the articles in the news, troop figures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.alerts import TOPIC_LABELS, article_label
from bot.config import TOPICS
from bot.models import Field, Message
from bot.text import truncate
from storage import SQLiteStore, Story, TroopRecord

STORIES_PER_TOPIC = 8
TROOP_CLAIMS_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Digest:
    since: datetime
    until: datetime
    stories: dict[str, list[Story]]  # topic -> stories, most outlets first
    articles: list[tuple[str, int]]  # (article label, stories citing it)
    troops: list[TroopRecord]

    @property
    def empty(self) -> bool:
        return not any(self.stories.values())


async def build_digest(
    store: SQLiteStore, since: datetime, until: datetime, titles: Mapping[int, str]
) -> Digest:
    stories = await store.stories_between(since, until)
    by_topic = {
        topic: sorted(
            (s for s in stories if topic in s.topics),
            key=lambda s: (-len(s.outlets), s.first_published),
        )
        for topic in TOPICS
    }
    counts = await store.article_counts(since, until)
    claims = await store.troop_claims(TROOP_CLAIMS_SHOWN, since, until)
    return Digest(
        since, until, by_topic,
        [(article_label(n, titles), c) for n, c in counts.items()],
        claims,
    )


def digest_message(digest: Digest) -> Message:
    span = f"{digest.since:%d %b} – {digest.until:%d %b %Y}"
    if digest.empty:
        return Message(title=f"Weekly digest, {span}", body="No stories this week.")
    fields: list[Field] = []
    for topic, stories in digest.stories.items():
        if not stories:
            continue
        lines = [
            f"• {truncate(s.title, 120)} ({len(s.outlets)} outlet"
            f"{'s' if len(s.outlets) != 1 else ''}) {s.link}".rstrip()
            for s in stories[:STORIES_PER_TOPIC]
        ]
        more = len(stories) - STORIES_PER_TOPIC
        if more > 0:
            lines.append(f"… and {more} more")
        fields.append(Field(f"{TOPIC_LABELS[topic]} — {len(stories)} stories", "\n".join(lines)))
    if digest.articles:
        fields.append(Field(
            "Treaty articles in the news",
            "\n".join(f"{label}: {n} stor{'ies' if n != 1 else 'y'}"
                      for label, n in digest.articles),
        ))
    if digest.troops:
        fields.append(Field(
            "Troop figures claimed",
            "\n".join(f"{c.figure:,} — {c.claimant}, {c.published:%d %b} {c.link}".rstrip()
                      for c in digest.troops),
        ))
    total = len({s.id for stories in digest.stories.values() for s in stories})
    return Message(title=f"Weekly digest, {span}", body=f"{total} stories this week.",
                   fields=tuple(fields))
