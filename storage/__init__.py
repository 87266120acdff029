"""All of treatywatch's SQL lives in this package; nothing above it knows the database."""

from storage.errors import FeedExistsError, SchemaTooNewError, StorageError
from storage.sqlite import SQLiteStore
from storage.types import (
    ArticleNews,
    CitingStory,
    DigestPost,
    FeedState,
    NewItem,
    OutboxEntry,
    SavedItem,
    Stats,
    StoredCandidate,
    Story,
    StoryItem,
    Subscription,
    TroopRecord,
)

Store = SQLiteStore  # the one implementation so far; PostgreSQL will share its interface


async def open_store(path: str) -> SQLiteStore:
    return await SQLiteStore.open(path)


__all__ = [
    "ArticleNews", "CitingStory", "DigestPost", "FeedExistsError",
    "FeedState",
    "NewItem",
    "OutboxEntry",
    "SavedItem",
    "SchemaTooNewError",
    "Stats",
    "StorageError",
    "Store",
    "StoredCandidate",
    "Story",
    "StoryItem",
    "Subscription",
    "TroopRecord",
    "open_store",
]
