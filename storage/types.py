"""What storage hands back: plain, frozen records."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class FeedState:
    id: int
    name: str
    url: str  # where it is fetched now (a permanent redirect changes it)
    config_url: str
    etag: str | None
    last_modified: str | None
    added_at: datetime
    last_polled: datetime | None
    next_poll: datetime | None
    last_success: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    failures: int
    source: str = "config"  # "config" (feeds.yaml) or "command" (/feeds add)
    active: bool = True
    language: str = ""
    failure_reported_at: datetime | None = None  # the admins were told it is failing

    @property
    def healthy(self) -> bool:
        return self.failures == 0

    @property
    def failing_since(self) -> datetime | None:
        """Since the last success (or since it was added): None while healthy."""
        return None if self.healthy else (self.last_success or self.added_at)


@dataclass(frozen=True, slots=True)
class NewItem:
    """An item with everything decided about it, saved in one transaction."""

    feed_id: int
    guid: str
    link: str
    title: str
    summary: str
    published: datetime
    date_from_feed: bool
    first_seen: datetime
    language: str
    topics: list[str]
    articles: list[int]
    troops: list[dict[str, Any]]  # {"figure", "claimant", "sentence", "qualifier", "kind"}
    why: dict[str, Any]
    features: dict[str, Any]
    keys: list[str]
    story_id: int | None  # None: start a new story
    alert: bool  # queue deliveries for subscribed channels
    merge: tuple[int, ...] = ()  # stories found to be the same event: fold into story_id
    phrased_articles: tuple[int, ...] = ()  # articles cited by phrasing, not by number
    vector: bytes | None = None  # the sentence vector (bot/embed.py), None if not embedded
    outlet: str = ""  # the publisher when the feed is an aggregator (Item.outlet)


@dataclass(frozen=True, slots=True)
class SavedItem:
    item_id: int
    story_id: int
    new_story: bool
    queued: int  # outbox rows written
    merged: tuple[int, ...] = ()  # stories folded into this one


@dataclass(frozen=True, slots=True)
class StoredCandidate:
    item_id: int
    story_id: int
    published: datetime
    features_json: str  # NewItem.features as stored; the caller decodes it
    vector: bytes | None = None  # NewItem.vector as stored
    story_first: datetime | None = None  # when the item's story was first reported


@dataclass(frozen=True, slots=True)
class WindowItem:
    """An embedded item of an event window, without its features and vector: the fold
    remembers those of the items it has met (bot/fold_memory.py) and reads the others
    with `fold_items`."""

    item_id: int
    story_id: int
    published: datetime
    story_first: datetime  # when the item's story was first reported


# The fold's candidate bounds, the same in every store.
# Near-copy candidates per index key (a MinHash value) and side of the item's time (see
# the stores' `candidates`): a hash this common in a window is a stock phrase's, and a near
# copy shares several of the item's hashes, not one.
CANDIDATES_PER_KEY = 16
# Embedded items per side of an item's time that it is compared with (`window`).
EMBEDDED_PER_SIDE = 1000


def topic_terms(why_topics: str | None) -> dict[str, int]:
    """An item's stored `why.topics` ({topic: [terms matched]}, JSON) as {topic: how many}."""
    found = json.loads(why_topics) if why_topics else {}
    return {topic: len(terms) for topic, terms in found.items()} if isinstance(found, dict) else {}


@dataclass(frozen=True, slots=True)
class StoryItem:
    item_id: int
    feed: str
    title: str
    link: str
    published: datetime
    language: str
    outlet: str = ""  # the publisher, when the feed is an aggregator
    summary: str = ""  # its first 2,000 characters
    # Its topics, each with how many of the topic's terms it matched: the evidence for it.
    topics: dict[str, int] = field(default_factory=dict)

    @property
    def source(self) -> str:
        """The outlet shown and counted: the publisher, else the feed's name."""
        return self.outlet or self.feed


@dataclass(frozen=True, slots=True)
class TroopRecord:
    figure: int
    claimant: str
    sentence: str
    item_id: int
    story_id: int
    published: datetime
    link: str
    qualifier: str | None = None  # "about", "up to", "more than", "at least", "additional"
    kind: str = "deployed"  # "deployed", "planned", "casualties"
    outlet: str = ""  # the outlet of the item that states it


@dataclass(frozen=True, slots=True)
class Story:
    id: int
    title: str
    link: str
    summary: str
    created_at: datetime
    updated_at: datetime
    first_published: datetime
    topics: list[str]
    articles: list[int]
    items: list[StoryItem] = field(default_factory=list)
    troops: list[TroopRecord] = field(default_factory=list)

    @property
    def outlets(self) -> list[str]:
        seen: dict[str, None] = {}
        for item in self.items:
            seen.setdefault(item.source, None)
        return list(seen)


@dataclass(frozen=True, slots=True)
class CitingStory:
    story_id: int
    title: str
    link: str
    cited_at: datetime  # the newest citing item's date
    how: str  # "number" when any item names the article, else "phrasing"


@dataclass(frozen=True, slots=True)
class ArticleNews:
    article: int
    stories: list[CitingStory]  # newest first
    last_7_days: int
    last_30_days: int
    all_time: int


@dataclass(frozen=True, slots=True)
class Subscription:
    platform: str  # "discord", "slack", "console"
    channel: str
    topic: str
    role: str | None
    source: str  # "config" or "command"
    broken_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    story_id: int
    platform: str
    channel: str
    action: str  # "post" or "update"
    message_id: str | None  # the platform's message of an earlier post, for "update"
    attempts: int
    role: str | None = None  # a role to mention, from the channel's subscription
    sent_at: datetime | None = None  # a post went out then and its outcome is unknown
    changes: int = 0  # how often the story changed while the row waited


@dataclass(frozen=True, slots=True)
class Stats:
    feeds: int
    unhealthy_feeds: int
    items: int
    stories: int
    alerting_stories: int
    pending_deliveries: int
    delivered: int
    stories_by_topic: dict[str, int]


@dataclass(frozen=True, slots=True)
class DigestPost:
    """A weekly digest in one channel: posted (the platform accepted it) or missed."""

    week: str  # the ISO week it covers, "2025-W18"
    platform: str
    channel: str
    status: str  # "posted" or "missed"
    message_id: str | None
    at: datetime  # when it was posted, or found missed
