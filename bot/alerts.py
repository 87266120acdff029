"""Story → Message: what an alert says, the same on every platform."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.models import Field, Message
from storage import Story, TroopRecord

TOPIC_LABELS = {"treaty": "Treaty", "troops": "Troops", "kcna": "KCNA"}
DEFAULT_LANGUAGES = ("en",)  # feeds.yaml's headlines.languages by default


def story_marker(story_id: int) -> str:
    """How an alert's footer starts: it names the story, and delivery finds a post whose
    answer was lost by it."""
    return f"Story #{story_id}"


def article_label(number: int, titles: Mapping[int, str]) -> str:
    name = "Preamble" if number == 0 else f"Article {number}"
    title = titles.get(number)
    return f"{name} ({title})" if title else name


@dataclass(slots=True)
class Claim:
    """One figure one party claims, with every outlet that reported it."""

    figure: int
    qualifier: str | None  # the first report's that has one
    kind: str
    claimant: str
    first: TroopRecord  # the earliest report
    outlets: list[str] = field(default_factory=list)

    @property
    def published(self) -> datetime:
        return self.first.published

    def text(self) -> str:
        """"about 12,000 planned — NIS · Yonhap, Dawn · 18 Oct 2024"."""
        qualifier = f"{self.qualifier} " if self.qualifier else ""
        # An outlet that credits nobody is the claimant itself: named once.
        shown = [o for o in self.outlets if o != self.claimant]
        outlets = f" · {', '.join(shown)}" if shown else ""
        return (f"{qualifier}{self.figure:,} {self.kind} — {self.claimant}{outlets} · "
                f"{self.published:%d %b %Y}")


def group_claims(records: Iterable[TroopRecord]) -> list[Claim]:
    """A claim repeated by several outlets is one claim with all of them, in the order of
    its first report. "An additional 3,000" stays apart from a total of 3,000."""
    claims: dict[tuple[int, str, str, bool], Claim] = {}
    for record in records:
        key = (record.figure, record.kind, record.claimant, record.qualifier == "additional")
        claim = claims.get(key)
        if claim is None:
            claim = claims[key] = Claim(record.figure, record.qualifier, record.kind,
                                        record.claimant, record)
        elif record.published < claim.first.published:
            claim.first = record
        claim.qualifier = claim.qualifier or record.qualifier
        if record.outlet and record.outlet not in claim.outlets:
            claim.outlets.append(record.outlet)
    return list(claims.values())


def troop_lines(story: Story) -> list[str]:
    return [claim.text() for claim in group_claims(story.troops)]


def headline(story: Story, languages: Sequence[str]) -> tuple[str, str, str]:
    """(title, link, summary) of the first report in the first preferred language the
    story has, else of its first report as stored."""
    for language in languages:
        chosen = next((i for i in story.items if i.language == language), None)
        if chosen is not None and chosen is not story.items[0]:
            return chosen.title, chosen.link, chosen.summary
        if chosen is not None:
            break
    return story.title, story.link, story.summary


def story_message(
    story: Story, article_titles: Mapping[int, str] | None = None,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
) -> Message:
    """The alert for a channel whose headline languages are `languages`."""
    titles = article_titles or {}
    title, link, summary = headline(story, languages)
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
        title=title,
        link=link or None,
        body=summary,
        fields=tuple(fields),
        outlets=tuple(outlets),
        footer=f"{story_marker(story.id)} · {count} outlet{'s' if count != 1 else ''}",
        timestamp=story.first_published,
        links=tuple((item.source, item.link) for item in story.items if item.link),
    )
