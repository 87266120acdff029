"""The delivery worker: outbox → rendered message → platform, marked done only on success.

A post is recorded as going out before it is sent. If the bot dies before the platform's
answer is recorded, the outcome is unknown: the retry first looks for the message on the
platform (`Sender.find`, by the post's key) and adopts it, edited to the story as it is now,
rather than post again. Discord's nonce alone is not enough: it deduplicates for a few
minutes only, and it returns the message as it was first sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.alerts import DEFAULT_LANGUAGES, story_marker, story_message
from bot.config import Workers
from bot.logs import log_delivery
from bot.models import Message
from bot.workers import default_worker
from storage import OutboxEntry, StorageError, Store

log = logging.getLogger(__name__)
DELIVERY_LEASE = Workers().lease  # config's default, for callers without a config

# How far before the recorded first attempt a lost post is looked for: the platform's
# clock and ours may differ, and the record is written just before the request.
FIND_MARGIN = timedelta(minutes=5)


class ChannelGone(Exception):
    """The channel is deleted, or the bot may no longer post there."""


@dataclass(frozen=True, slots=True)
class PostKey:
    """What identifies a post in its channel, the same for every attempt.

    `marker` is shown with the message ("Story #12", "Digest 2025-W27": Discord's footer
    starts with it, Slack carries it in the message's metadata), so that a post whose answer
    was lost can be found in the channel's history. `outbox_id` is the outbox row, for Slack's
    metadata.
    """

    marker: str
    outbox_id: int | None = None


class Sender(Protocol):
    platform: str

    async def post(
        self, channel: str, message: Message, *, mention: str | None = None,
        key: PostKey | None = None,
    ) -> str:
        """Send a new message; return the platform's id for it. With a `key`, the message
        can be found again by `find`, and a platform that deduplicates drops a repeat."""

    async def find(self, channel: str, key: PostKey, since: datetime) -> str | None:
        """The id of the message posted with `key` to `channel` since `since`, if any."""

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
    Rows are leased: other deliverers skip them until they are marked, or `lease` ends.

    A storage failure ends the run (the scheduler reports it once and backs off); a
    platform's failure is that one row's, and the others go on."""
    done = 0
    for entry in await store.lease_outbox(sender.platform, worker or default_worker(), lease):
        story = await store.story(entry.story_id)
        if story is None:
            continue
        preferred = languages(entry.platform, entry.channel) if languages else DEFAULT_LANGUAGES
        message = story_message(story, article_titles, preferred)
        try:
            message_id = await _send(store, sender, entry, message, clock)
        except StorageError:
            raise
        except ChannelGone as exc:
            if await store.mark_broken(entry.platform, entry.channel, clock()):
                log.warning("%s channel %s is unavailable (%s): subscription marked broken",
                            entry.platform, entry.channel, exc)
            continue
        except Exception as exc:  # one channel's failure must not stop the others
            log.warning("delivery %s to %s failed: %s", entry.id, entry.channel, exc)
            await store.mark_failed(entry, str(exc)[:300])
            continue
        await store.mark_delivered(entry, message_id, clock())
        log_delivery(entry.platform, entry.channel, entry.message_id is None, story.id,
                     story.title, message_id)
        done += 1
    return done


async def _send(
    store: Store, sender: Sender, entry: OutboxEntry, message: Message,
    clock: Callable[[], datetime],
) -> str:
    if entry.message_id is not None:
        await sender.edit(entry.channel, entry.message_id, message)
        return entry.message_id
    key = PostKey(story_marker(entry.story_id), entry.id)
    if entry.sent_at is not None:
        found = await sender.find(entry.channel, key, entry.sent_at - FIND_MARGIN)
        if found is not None:
            log.info("%s %s: story %d was posted before its answer was lost; adopted %s",
                     entry.platform, entry.channel, entry.story_id, found)
            # It shows the story as it was then; sources may have joined since.
            await sender.edit(entry.channel, found, message)
            return found
    await store.mark_sending(entry, clock())
    return await sender.post(entry.channel, message, mention=entry.role, key=key)
