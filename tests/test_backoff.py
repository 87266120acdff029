"""next_poll: the normal interval when healthy, capped exponential backoff when failing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from bot.backoff import next_poll

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
SIX_HOURS = timedelta(hours=6)
SEEDS = range(200)


def delays(interval: timedelta, failures: int, **kwargs: object) -> list[timedelta]:
    """next_poll - NOW for many seeds: enough draws to see the edges of the jitter."""
    return [
        next_poll(NOW, interval, failures, rng=random.Random(seed), **kwargs) - NOW  # type: ignore[arg-type]
        for seed in SEEDS
    ]


def test_healthy_feed_is_polled_at_interval_within_jitter() -> None:
    got = delays(10 * MINUTE, 0)
    assert all(9 * MINUTE <= d <= 11 * MINUTE for d in got)
    assert min(got) < 9.5 * MINUTE < 10.5 * MINUTE < max(got)  # the jitter is actually used


def test_zero_jitter_gives_the_exact_interval() -> None:
    assert next_poll(NOW, 10 * MINUTE, 0, jitter=0.0) == NOW + 10 * MINUTE


@pytest.mark.parametrize("failures", [1, 2, 3, 4, 5])
def test_backoff_grows_exponentially(failures: int) -> None:
    full = MINUTE * 2**failures
    got = delays(MINUTE, failures)
    assert all(full / 2 <= d <= full for d in got)


def test_backoff_never_polls_sooner_than_the_interval() -> None:
    assert all(d >= MINUTE for d in delays(MINUTE, 1))


def test_backoff_is_capped() -> None:
    got = delays(10 * MINUTE, 12, cap=SIX_HOURS)
    assert all(SIX_HOURS / 2 <= d <= SIX_HOURS for d in got)


def test_huge_failure_count_stays_at_the_cap() -> None:
    assert next_poll(NOW, MINUTE, 10_000, rng=random.Random(1)) <= NOW + SIX_HOURS


def test_interval_longer_than_cap_is_not_shortened_by_failure() -> None:
    assert all(d == timedelta(days=1) for d in delays(timedelta(days=1), 3, cap=SIX_HOURS))


def test_retry_after_later_than_backoff_is_honoured() -> None:
    later = NOW + timedelta(hours=2)
    assert next_poll(NOW, MINUTE, 1, later, rng=random.Random(1)) == later


def test_retry_after_earlier_than_backoff_does_not_shorten_it() -> None:
    soon = NOW + timedelta(seconds=1)
    assert next_poll(NOW, MINUTE, 3, soon, rng=random.Random(1)) >= NOW + 4 * MINUTE


def test_retry_after_on_a_healthy_feed_is_honoured() -> None:
    later = NOW + timedelta(hours=1)
    assert next_poll(NOW, MINUTE, 0, later, rng=random.Random(1)) == later


def test_retry_after_beyond_cap_is_cut_to_cap() -> None:
    far = NOW + timedelta(days=30)
    assert next_poll(NOW, MINUTE, 1, far, cap=SIX_HOURS) == NOW + SIX_HOURS


def test_recovers_to_normal_interval_at_zero_failures() -> None:
    rng = random.Random(7)
    failing = next_poll(NOW, 10 * MINUTE, 6, rng=rng)
    healthy = next_poll(NOW, 10 * MINUTE, 0, rng=rng)
    assert failing - NOW >= 5 * 10 * MINUTE
    assert 9 * MINUTE <= healthy - NOW <= 11 * MINUTE


def test_seeded_rng_is_deterministic() -> None:
    first = [next_poll(NOW, MINUTE, f, rng=random.Random(42)) for f in range(6)]
    again = [next_poll(NOW, MINUTE, f, rng=random.Random(42)) for f in range(6)]
    assert first == again


def test_result_is_aware_utc() -> None:
    assert next_poll(NOW, MINUTE, 2).tzinfo is UTC


@pytest.mark.parametrize(
    ("now", "interval", "failures", "retry_after"),
    [
        (datetime(2025, 6, 1, 12, 0), MINUTE, 0, None),  # noqa: DTZ001 (naive now on purpose)
        (NOW, MINUTE, 0, datetime(2025, 6, 1, 13, 0)),  # noqa: DTZ001 (naive on purpose)
        (NOW, timedelta(0), 0, None),
        (NOW, MINUTE, -1, None),
    ],
)
def test_bad_arguments_are_refused(
    now: datetime, interval: timedelta, failures: int, retry_after: datetime | None
) -> None:
    with pytest.raises(ValueError):
        next_poll(now, interval, failures, retry_after)
