"""When to poll a feed next: the normal interval when healthy, exponential backoff when failing."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

# 2**64 intervals is past any sane cap; stopping there keeps the float math finite.
_MAX_DOUBLINGS = 64


def next_poll(
    now: datetime,
    interval: timedelta,
    failures: int,
    retry_after: datetime | None = None,
    *,
    cap: timedelta = timedelta(hours=6),
    rng: random.Random | None = None,
    jitter: float = 0.1,
) -> datetime:
    """The time of the next poll of a feed that has failed ``failures`` times in a row.

    Healthy (``failures == 0``): ``interval`` ± ``jitter`` of it, so feeds added together drift
    apart instead of being polled in bursts. Failing: ``min(cap, interval * 2**failures)``,
    drawn uniformly from its upper half (never below ``interval``) so that many feeds failing
    at once (our network went down) do not all come back at the same moment.

    A server's ``retry_after`` is honoured as a lower bound, itself capped at ``now + cap`` so a
    hostile Retry-After cannot silence a feed for longer than the backoff ever would.
    ``max(cap, interval)`` bounds every result, apart from the healthy interval's own jitter.
    """
    _check(now, interval, failures, jitter, retry_after)
    draw = rng.uniform if rng is not None else random.uniform
    base = interval.total_seconds()
    if failures == 0:
        delay = base * (1 + draw(-jitter, jitter))
    else:
        ceiling = max(cap.total_seconds(), base)
        grown = min(ceiling, base * 2.0 ** min(failures, _MAX_DOUBLINGS))
        delay = draw(max(base, grown / 2), grown)
    when = now + timedelta(seconds=delay)
    if retry_after is not None:
        when = max(when, min(retry_after, now + max(cap, interval)))
    return when


def _check(
    now: datetime, interval: timedelta, failures: int, jitter: float, retry_after: datetime | None
) -> None:
    if now.tzinfo is None or (retry_after is not None and retry_after.tzinfo is None):
        raise ValueError("now and retry_after must be aware datetimes")
    if interval <= timedelta(0):
        raise ValueError(f"interval must be positive, got {interval}")
    if failures < 0:
        raise ValueError(f"failures must be >= 0, got {failures}")
    if not 0 <= jitter < 1:
        raise ValueError(f"jitter must be in [0, 1), got {jitter}")
