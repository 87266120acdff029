"""A post whose answer never came back: the platform made the message, the bot died (or
the answer was lost) before it recorded it. The retry finds the message in the channel,
adopts it, and edits it to the story as it is now; nothing is posted twice and no source
is left out, on Discord (after its nonce memory has passed too) and on Slack.

Each test holds the fake platform's answer to the first post, cancels the delivery while
it waits (what a SIGKILL does to the process), adds a source to the story, and restarts.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands.context import Context
from bot.config import Config
from bot.deliver import Sender, deliver_pending
from bot.platforms.slack_app import SlackSender
from storage import SQLiteStore, Subscription
from tests.conftest import Clock
from tests.fake_discord import NONCE_MEMORY, started_fake_discord
from tests.fake_slack import BOT_TOKEN, started_fake_slack
from tests.test_discord import KNOWLEDGE, NOW, TITLES, field, item, running

FOOTER = re.compile(r"Story #(\d+) · (\d+) outlets?")


async def stories_with_sources(store: SQLiteStore) -> tuple[int, int]:
    """A story from one outlet, and the id of a second outlet's feed."""
    await store.sync_feeds([("Yonhap", "https://yonhap.example/rss"),
                            ("KCNA Watch", "https://kcna.example/rss")], NOW)
    feeds = {f.name: f.id for f in await store.feeds()}
    saved = await store.save_item(item(feeds["Yonhap"], "y1"), NOW)
    assert saved is not None
    return saved.story_id, feeds["KCNA Watch"]


async def die_while_the_answer_is_held(
    store: SQLiteStore, sender: Sender, clock: Clock, started: asyncio.Event
) -> None:
    """Deliver until the platform has made the message and holds its answer; then end
    the delivery there, as a SIGKILL would."""
    started.clear()
    delivery = asyncio.create_task(deliver_pending(store, sender, clock, TITLES))
    await asyncio.wait_for(started.wait(), 10)
    delivery.cancel()
    with pytest.raises(asyncio.CancelledError):
        await delivery


def first_held(seconds: float = 2.0) -> Callable[[], float]:
    """Hold the first answer back, answer the rest at once."""
    delays = iter([seconds])
    return lambda: next(delays, 0.0)


@pytest.mark.parametrize("after", [0.0, NONCE_MEMORY + 60], ids=["within", "after"])
async def test_discord_a_post_made_before_a_crash_is_edited_to_the_story_as_it_is_now(
    tmp_path: Path, config: Config, clock: Clock, after: float
) -> None:
    """The stale edit of issue 18: the retried post's nonce returned the first message, as
    it was, and a later source never showed ("1 outlet" where 2 are stored)."""
    store = await SQLiteStore.open(tmp_path / "tw.sqlite")
    try:
        async with started_fake_discord() as fake:
            channel = next(iter(fake.channels))
            await store.subscribe(Subscription("discord", channel, "treaty", None, "command"))
            story_id, kcna = await stories_with_sources(store)
            ctx = Context(store, KNOWLEDGE, config, clock)
            fake.hold("POST", rf"/channels/{channel}/messages", first_held())
            async with running(ctx, fake) as bot:
                await die_while_the_answer_is_held(store, bot.sender, clock, fake.hold_started)
            assert len(fake.messages[channel]) == 1  # Discord made it; the bot never heard
            await store.save_item(item(kcna, "k1", story_id=story_id), NOW)  # while down
            fake.advance(after)
            async with running(ctx, fake) as bot:
                assert await deliver_pending(store, bot.sender, clock, TITLES) == 1
                assert await deliver_pending(store, bot.sender, clock, TITLES) == 0
            [message] = fake.messages[channel].values()
            [embed] = message["embeds"]
            footer = FOOTER.fullmatch(embed["footer"]["text"])
            assert footer is not None and footer.groups() == (str(story_id), "2")
            assert field(embed, "Outlets") == "2: Yonhap, KCNA Watch"
            assert (await store.stats()).pending_deliveries == 0
    finally:
        await store.close()


async def test_slack_a_post_made_before_a_crash_is_found_by_its_metadata_not_posted_again(
    tmp_path: Path, clock: Clock
) -> None:
    store = await SQLiteStore.open(tmp_path / "tw.sqlite")
    try:
        async with started_fake_slack() as slack:
            await store.subscribe(Subscription("slack", "alerts", "treaty", None, "command"))
            story_id, kcna = await stories_with_sources(store)
            slack.hold("chat.postMessage", first_held())
            client = AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_base)
            await die_while_the_answer_is_held(store, SlackSender(client), clock,
                                               slack.hold_started)
            assert len(slack.shown("C0ALERTS1")) == 1
            await store.save_item(item(kcna, "k1", story_id=story_id), NOW)
            restarted = SlackSender(AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_base))
            assert await deliver_pending(store, restarted, clock, TITLES) == 1
            [shown] = slack.shown("C0ALERTS1")
            assert shown.edits == 1 and f"Story #{story_id} · 2 outlets" in str(shown.blocks)
            assert len(slack.called("chat.postMessage")) == 1
            assert (await store.stats()).pending_deliveries == 0
    finally:
        await store.close()


async def test_a_source_that_joins_while_the_post_is_on_its_way_is_edited_in_after_it(
    tmp_path: Path, clock: Clock
) -> None:
    """No crash at all: the story changes between the delivery reading it and the platform
    answering. The post shows the older story, so an update follows it."""
    store = await SQLiteStore.open(tmp_path / "tw.sqlite")
    try:
        async with started_fake_slack() as slack:
            await store.subscribe(Subscription("slack", "alerts", "treaty", None, "command"))
            story_id, kcna = await stories_with_sources(store)
            slack.hold("chat.postMessage", first_held(0.3))
            out = SlackSender(AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_base))
            delivery = asyncio.create_task(deliver_pending(store, out, clock, TITLES))
            await asyncio.wait_for(slack.hold_started.wait(), 10)
            await store.save_item(item(kcna, "k1", story_id=story_id), NOW)
            assert await delivery == 1
            [shown] = slack.shown("C0ALERTS1")
            assert "2 outlets" not in str(shown.blocks)
            assert await deliver_pending(store, out, clock, TITLES) == 1  # the update
            assert shown.edits == 1 and "2 outlets" in str(shown.blocks)
    finally:
        await store.close()

