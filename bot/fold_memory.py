"""The fold's memory of stored items: their decoded features and vectors, by item id.

Each fold compares an item with the embedded reports of its two days, up to two thousand in
a burst. Read back from the store, every one of them is decoded again (its JSON features,
its vector blob) for every item folded: in a first poll of a hundred feeds that decoding
was a quarter of the cycle. An item's features and vector never change once stored, so the
poller keeps the decoded ones of the items it met last.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from bot.fold import Features

# Items remembered: a burst's window (EMBEDDED_PER_SIDE on either side) several times over,
# some 45 MiB of vectors at most.
LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class Remembered:
    published: datetime  # checked on reading: a memory from another store is never used
    features: Features
    vector: np.ndarray | None


class FoldMemory:
    """A bounded map of item id → decoded features and vector; the oldest entry goes first."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._items: dict[int, Remembered] = {}

    def __len__(self) -> int:
        return len(self._items)

    def get(self, item_id: int, published: datetime) -> Remembered | None:
        found = self._items.get(item_id)
        return found if found is not None and found.published == published else None

    def put(self, item_id: int, remembered: Remembered) -> None:
        self._items.pop(item_id, None)
        self._items[item_id] = remembered
        while len(self._items) > self.limit:
            del self._items[next(iter(self._items))]
