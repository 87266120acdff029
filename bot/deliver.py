"""The delivery worker: outbox → rendered message → platform, marked done only on success."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.alerts import DEFAULT_LANGUAGES, story_message
from bot.models import Message
from bot.workers import default_worker
from storage import OutboxEntry, Store

log = logging.getLogger(__name__)
DELIVERY_LEASE = timedelta(minutes=5)  # the default of config's workers.lease


class ChannelGone(Exception):
    """The channel is deleted, or the bot may no longer post there."""


class Sender(Protocol):
    platform: str

    async def post(
        self, channel: str, message: Message, *, mention: str | None = None,
        nonce: str | None = None,
    ) -> str:
        """Send a new message; return the platform's id for it. `nonce` is the same for
        every attempt of one outbox row, so the platform can drop a repeat."""

    async def edit(self, channel: str, message_id: str, message: Message) -> None: ...


async def deliver_pending(
    store: Store,
    sender: Sender,
    clock: Callable[[], datetime],
    article_titles: Mapping[int, str] | None = None,
    languages: Callable[[str, str], Sequence[str]] | None = None,
    *,
    worker: str = "",
    lease: timedelta = DELIVERY_LEASE,
) -> int:
    """Deliver what the outbox holds for this sender's platform; return how many went out.
    `languages(platform, channel)`: the channel's headline languages (default English).
    Rows are leased: other deliverers skip them until they are marked, or `lease` ends."""
    done = 0
    for entry in await store.lease_outbox(sender.platform, worker or default_worker(), lease):
        story = await store.story(entry.story_id)
        if story is None:
            continue
        preferred = languages(entry.platform, entry.channel) if languages else DEFAULT_LANGUAGES
        message = story_message(story, article_titles, preferred)
        try:
            message_id = await _send(sender, entry, message)
        except ChannelGone as exc:
            if await store.mark_broken(entry.platform, entry.channel, clock()):
                log.warning("%s channel %s is unavailable (%s): subscription marked broken",
                            entry.platform, entry.channel, exc)
            continue
        except Exception as exc:  # one channel's failure must not stop the others
            log.warning("delivery %s to %s failed: %s", entry.id, entry.channel, exc)
            await store.mark_failed(entry, str(exc)[:300])
            continue
        # What the message showed: items that joined meanwhile get an update queued.
        await store.mark_delivered(entry, message_id, clock(), shown_items=len(story.items))
        done += 1
    return done


async def _send(sender: Sender, entry: OutboxEntry, message: Message) -> str:
    if entry.message_id is None:
        return await sender.post(
            entry.channel, message, mention=entry.role, nonce=f"tw-{entry.id}"
        )
    await sender.edit(entry.channel, entry.message_id, message)
    return entry.message_id
