"""Story → Message: what an alert says, the same on every platform."""

from __future__ import annotations

from collections.abc import Mapping

from bot.models import Field, Message
from storage import Story

TOPIC_LABELS = {"treaty": "Treaty", "troops": "Troops", "kcna": "KCNA"}


def story_marker(story_id: int) -> str:
    """How an alert's footer starts: it names the story, and delivery finds a post whose
    answer was lost by it."""
    return f"Story #{story_id}"


def article_label(number: int, titles: Mapping[int, str]) -> str:
    name = "Preamble" if number == 0 else f"Article {number}"
    title = titles.get(number)
    return f"{name} ({title})" if title else name


def troop_lines(story: Story) -> list[str]:
    lines: list[str] = []
    seen: set[tuple[int, str]] = set()
    for claim in story.troops:
        if (claim.figure, claim.claimant) in seen:
            continue
        seen.add((claim.figure, claim.claimant))
        lines.append(f"{claim.figure:,} — {claim.claimant} ({claim.published:%d %b %Y})")
    return lines


def story_message(story: Story, article_titles: Mapping[int, str] | None = None) -> Message:
    titles = article_titles or {}
    outlets = story.outlets
    fields = [Field("Topics", ", ".join(TOPIC_LABELS.get(t, t) for t in story.topics), True)]
    if story.articles:
        fields.append(
            Field("Treaty articles", "\n".join(article_label(n, titles) for n in story.articles))
        )
    if troops := troop_lines(story):
        fields.append(Field("North Korean troops claimed", "\n".join(troops)))
    count = len(outlets)
    fields.append(Field("Outlets" if count != 1 else "Outlet", f"{count}: " + ", ".join(outlets)))
    return Message(
        title=story.title,
        link=story.link or None,
        body=story.summary,
        fields=tuple(fields),
        outlets=tuple(outlets),
        footer=f"{story_marker(story.id)} · {count} outlet{'s' if count != 1 else ''}",
        timestamp=story.first_published,
        links=tuple((item.feed, item.link) for item in story.items if item.link),
    )
