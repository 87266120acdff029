"""All of treatywatch's SQL lives in this package; nothing above it knows the database."""

from storage.errors import (
    FeedExistsError,
    NotOurDatabaseError,
    SchemaTooNewError,
    StorageError,
    StoryGoneError,
)
from storage.open import DATABASE_ENV, database_url, open_store
from storage.protocol import Store
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
    WindowItem,
)

__all__ = [
    "DATABASE_ENV",
    "ArticleNews",
    "CitingStory",
    "DigestPost",
    "FeedExistsError",
    "FeedState",
    "NewItem",
    "NotOurDatabaseError",
    "OutboxEntry",
    "SQLiteStore",
    "SavedItem",
    "SchemaTooNewError",
    "Stats",
    "StorageError",
    "Store",
    "StoredCandidate",
    "Story",
    "StoryGoneError",
    "StoryItem",
    "Subscription",
    "TroopRecord",
    "WindowItem",
    "database_url",
    "open_store",
]
