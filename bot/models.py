"""Platform-neutral data types shared by the pipeline, storage and the adapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class TroopClaim:
    """A figure of North Korean soldiers, as one source states it."""

    figure: int
    claimant: str  # "NIS", "Pentagon", "Zelensky", ... or the outlet when the text names nobody
    sentence: str
    qualifier: str | None = None  # "about", "up to", "more than", "at least", "additional"
    kind: str = "deployed"  # "deployed", "planned" or "casualties"


@dataclass(frozen=True, slots=True)
class TopicMatch:
    topic: str
    terms: tuple[str, ...]  # the terms that matched, for "why was this posted?"


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of one feed, normalized."""

    guid: str
    link: str  # canonical: tracking parameters and fragment removed
    title: str
    summary: str  # plain text
    published: datetime  # aware, UTC
    feed: str  # feed name from feeds.yaml
    language: str  # "en", "ko", "ru", ... ("" when unknown)
    date_from_feed: bool = True  # False when `published` is the first-seen time
    # Who published it when that is not the feed: an aggregator's <source>, else the link's
    # host or the feed's title ("" for a feed that is its own outlet).
    outlet: str = ""
    channel: str = ""  # the feed document's own title

    @property
    def source(self) -> str:
        """The outlet shown and credited: the publisher, else the feed's name."""
        return self.outlet or self.feed


@dataclass(frozen=True, slots=True)
class Analysis:
    """What matching found in an item."""

    topics: tuple[TopicMatch, ...] = ()
    articles: tuple[int, ...] = ()  # treaty articles cited by number
    troops: tuple[TroopClaim, ...] = ()

    @property
    def topic_names(self) -> tuple[str, ...]:
        return tuple(t.topic for t in self.topics)


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Message:
    """What an alert or an answer says, independent of platform.

    Renderers cut it to each platform's limits; handlers never do.
    """

    title: str
    body: str = ""
    link: str | None = None
    fields: tuple[Field, ...] = ()
    outlets: tuple[str, ...] = ()
    footer: str = ""
    image: str | None = None
    timestamp: datetime | None = None
    ephemeral: bool = False
    links: tuple[tuple[str, str], ...] = field(default=())  # (label, url) of the sources
