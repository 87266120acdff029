"""What runs on a schedule: polling due feeds and delivering the outbox."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.deliver import Sender, deliver_pending
from bot.fetch import Fetcher
from bot.pipeline import Pipeline

log = logging.getLogger(__name__)

POLL_TICK = timedelta(seconds=30)  # how often due feeds are looked for
DELIVERY_TICK = timedelta(seconds=5)


def build_scheduler(
    pipeline: Pipeline, fetcher: Fetcher, senders: Sequence[Sender], titles: dict[int, str]
) -> AsyncIOScheduler:
    """Every feed keeps its own next-poll time in the database; the tick only looks for
    the due ones, so a restart resumes each feed where it was."""
    scheduler = AsyncIOScheduler(timezone="UTC")

    async def poll() -> None:
        try:
            await pipeline.poll(fetcher, only_due=True)
        except Exception:  # a loop that dies on one error would poll nothing more
            log.exception("poll cycle failed")

    async def deliver() -> None:
        for sender in senders:
            try:
                await deliver_pending(pipeline.store, sender, pipeline.clock, titles)
            except Exception:
                log.exception("delivery to %s failed", sender.platform)

    common = {"max_instances": 1, "coalesce": True, "misfire_grace_time": None}
    scheduler.add_job(poll, "interval", seconds=POLL_TICK.total_seconds(), id="poll",
                      next_run_time=pipeline.clock(), **common)
    scheduler.add_job(deliver, "interval", seconds=DELIVERY_TICK.total_seconds(), id="deliver",
                      **common)
    return scheduler
