"""The Discord adapter against a fake Discord on 127.0.0.1, with the real discord.py client:
alerts posted once and edited as outlets join, slash commands, rate limits, restarts and
channels that are gone."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.http import Route

from bot.commands.context import Context
from bot.commands.failure import FAILED
from bot.commands.treaty import Knowledge
from bot.config import Config, RateLimit
from bot.deliver import PostKey, deliver_pending
from bot.models import Message
from bot.platforms.discord_bot import DiscordBot, nonce
from storage import NewItem, SQLiteStore, Store, Subscription, open_store
from tests.conftest import Clock
from tests.fake_discord import (
    EPHEMERAL,
    MANAGE_GUILD,
    PRIVILEGED_INTENTS,
    FakeDiscord,
    started_fake_discord,
)

# Delivery and the commands that read the store run against both databases.
DATABASES = ("sqlite", "postgresql")
NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
KNOWLEDGE = Knowledge.load()
TITLES = KNOWLEDGE.titles
ADMIN_COMMANDS = {"subscribe", "unsubscribe", "feeds"}
ALL_COMMANDS = {"article", "ask", "latest", "story", "troops", "digest", "timeline",
                *ADMIN_COMMANDS}


def item(
    feed_id: int, guid: str, *, title: str = "North Korea ratifies treaty with Russia",
    summary: str = "", story_id: int | None = None, articles: tuple[int, ...] = (4,),
    troops: tuple[dict[str, Any], ...] = (), published: datetime = NOW,
) -> NewItem:
    return NewItem(
        feed_id=feed_id, guid=guid, link=f"https://news.example/{guid}", title=title,
        summary=summary or f"{title}, state media said.", published=published,
        date_from_feed=True, first_seen=NOW, language="en", topics=["treaty", "troops"],
        articles=list(articles), troops=list(troops), why={}, features={}, keys=[],
        story_id=story_id, alert=True,
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with started_fake_discord() as server:
        yield server


@pytest.fixture
async def store(database: str) -> AsyncIterator[Store]:
    s = await open_store(database)
    await s.sync_feeds([("Yonhap", "https://yonhap.example/rss"),
                        ("KCNA Watch", "https://kcna.example/rss")], NOW)
    yield s
    await s.close()


@pytest.fixture
def ctx(store: Store, config: Config, clock: Clock) -> Context:
    return Context(store, KNOWLEDGE, roomy(config), clock)


def roomy(config: Config) -> Config:
    """The bundled settings with a rate limit that tests of single commands never reach."""
    return config.model_copy(update={"rate_limit": RateLimit(per_user=1000, per_channel=1000)})


async def feed_ids(store: Store) -> dict[str, int]:
    return {f.name: f.id for f in await store.feeds()}


async def subscribe(store: Store, channel: str, role: str | None = None) -> None:
    await store.subscribe(Subscription("discord", channel, "treaty", role, "command"))


async def new_story(store: Store, guid: str = "a1", **kwargs: Any) -> int:
    feeds = await feed_ids(store)
    saved = await store.save_item(item(feeds["Yonhap"], guid, **kwargs), NOW)
    assert saved is not None
    return saved.story_id


@asynccontextmanager
async def running(
    ctx: Context, fake: FakeDiscord, *, in_guild: bool = True, **options: Any
) -> AsyncIterator[DiscordBot]:
    """The real client, connected to the fake: logged in, commands synced, gateway ready."""
    bot = DiscordBot(ctx, guild_id=int(fake.guild_id) if in_guild else None,
                     api_base=fake.api_base, guild_ready_timeout=0.05, **options)
    task = asyncio.create_task(bot.start(fake.token))
    ready = asyncio.create_task(bot.wait_until_ready())
    done, _ = await asyncio.wait({task, ready}, timeout=10,
                                 return_when=asyncio.FIRST_COMPLETED)
    try:
        if task in done:
            task.result()  # raises what stopped the client
        assert ready in done, "the bot did not get ready"
        yield bot
    finally:
        ready.cancel()
        await bot.close()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def only_message(fake: FakeDiscord, channel: str) -> dict[str, Any]:
    [message] = fake.messages[channel].values()
    return message


def field(embed: dict[str, Any], name: str) -> str:
    return next(f["value"] for f in embed["fields"] if f["name"] == name)


def is_line(answer: dict[str, Any]) -> bool:
    """One short private line: text only, ephemeral."""
    return bool(answer["flags"] & EPHEMERAL) and not answer["embeds"] and "\n" not in (
        answer["content"]) and 0 < len(answer["content"]) <= 300


# --- the connection ---------------------------------------------------------------------------


async def test_the_client_connects_without_privileged_intents_and_syncs_to_the_guild(
    ctx: Context, fake: FakeDiscord
) -> None:
    async with running(ctx, fake):
        pass
    [identify] = fake.identify
    assert identify["intents"] & PRIVILEGED_INTENTS == 0
    assert fake.gateway_queries == [{"v": "10", "encoding": "json", "compress": "zlib-stream"}]
    assert fake.heartbeats >= 1
    assert "global" not in fake.commands
    commands = {c["name"]: c for c in fake.commands[fake.guild_id]}
    assert set(commands) == ALL_COMMANDS
    for name in ADMIN_COMMANDS:
        assert commands[name]["default_member_permissions"] == str(MANAGE_GUILD), name
    for name in ALL_COMMANDS - ADMIN_COMMANDS:
        assert commands[name].get("default_member_permissions") is None, name
    feeds = {o["name"] for o in commands["feeds"]["options"]}
    assert feeds == {"list", "add", "remove", "status"}
    assert not fake.bad_requests
    assert Route.BASE == "https://discord.com/api/v10"  # restored on close


async def test_without_a_guild_the_commands_are_synced_globally(
    ctx: Context, fake: FakeDiscord
) -> None:
    async with running(ctx, fake, in_guild=False):
        pass
    assert {c["name"] for c in fake.commands["global"]} == ALL_COMMANDS
    assert fake.guild_id not in fake.commands


async def test_a_bad_token_ends_start_with_login_failure(ctx: Context, fake: FakeDiscord) -> None:
    bot = DiscordBot(ctx, guild_id=None, api_base=fake.api_base)
    try:
        with pytest.raises(discord.LoginFailure):
            await bot.start("not-the-token")
    finally:
        await bot.close()
    assert Route.BASE == "https://discord.com/api/v10"
    assert fake.identify == []


# --- alerts -----------------------------------------------------------------------------------


async def test_a_new_story_posts_one_embed_to_every_subscribed_channel(
    ctx: Context, fake: FakeDiscord, store: Store, clock: Clock
) -> None:
    a, b, _ = fake.channels
    await subscribe(store, a)
    await subscribe(store, b)
    claim = {"figure": 11000, "claimant": "NIS",
             "sentence": "The NIS said 11,000 North Korean troops are in Kursk."}
    story_id = await new_story(store, title="N. Korea ratifies treaty, @everyone <@123> told",
                               troops=(claim,))
    async with running(ctx, fake) as bot:
        assert await deliver_pending(store, bot.sender, clock, TITLES) == 2
    for channel in (a, b):
        message = only_message(fake, channel)
        [embed] = message["embeds"]
        assert embed["title"] == "N. Korea ratifies treaty, @everyone <@123> told"
        assert embed["url"] == "https://news.example/a1"
        assert embed["description"].startswith("N. Korea ratifies treaty")
        assert field(embed, "Topics") == "Treaty, Troops"
        assert field(embed, "Treaty articles") == f"Article 4 ({TITLES[4]})"
        assert field(embed, "North Korean troops claimed").startswith("11,000 deployed — NIS")
        assert field(embed, "Outlet") == "1: Yonhap"
        assert embed["footer"]["text"] == f"Story #{story_id} · 1 outlet"
        assert embed["timestamp"].startswith("2025-07-01T12:00:00")
        assert message["content"] == ""
        assert message["allowed_mentions"]["parse"] == []
        assert message["pings"] == {"roles": [], "users": [], "everyone": []}
        assert message["nonce"]
    assert not fake.bad_requests
    assert await store.pending("discord") == []


async def test_a_second_outlet_edits_the_same_message(
    ctx: Context, fake: FakeDiscord, store: Store, clock: Clock
) -> None:
    a = next(iter(fake.channels))
    await subscribe(store, a)
    story_id = await new_story(store)
    async with running(ctx, fake) as bot:
        await deliver_pending(store, bot.sender, clock, TITLES)
        first = only_message(fake, a)["id"]
        feeds = await feed_ids(store)
        await store.save_item(item(feeds["KCNA Watch"], "k1", story_id=story_id), NOW)
        assert await deliver_pending(store, bot.sender, clock, TITLES) == 1
    message = only_message(fake, a)
    assert message["id"] == first and message["edits"] == 1
    [embed] = message["embeds"]
    assert field(embed, "Outlets") == "2: Yonhap, KCNA Watch"
    assert embed["footer"]["text"] == f"Story #{story_id} · 2 outlets"
    assert len(fake.posts(a)) == 1
    [patch] = fake.matching("PATCH", rf"/channels/{a}/messages/{first}")
    assert patch.body["allowed_mentions"]["parse"] == []


async def test_the_subscribed_role_is_the_only_mention_that_pings(
    ctx: Context, fake: FakeDiscord, store: Store, clock: Clock
) -> None:
    a = next(iter(fake.channels))
    await subscribe(store, a, role=fake.role_id)
    await new_story(store, title="@everyone: treaty in force", summary="@here <@&42> <@7>")
    async with running(ctx, fake) as bot:
        await deliver_pending(store, bot.sender, clock, TITLES)
    message = only_message(fake, a)
    assert message["content"] == f"<@&{fake.role_id}>"
    assert message["pings"] == {"roles": [fake.role_id], "users": [], "everyone": []}
    allowed = message["allowed_mentions"]
    assert allowed["parse"] == [] and [str(r) for r in allowed["roles"]] == [fake.role_id]


async def test_a_429_is_waited_out_and_the_post_happens_once(
    ctx: Context, fake: FakeDiscord, store: Store, clock: Clock
) -> None:
    a = next(iter(fake.channels))
    await subscribe(store, a)
    await new_story(store)
    fake.rate_limit("POST", rf"/channels/{a}/messages", retry_after=0.3)
    async with running(ctx, fake) as bot:
        assert await deliver_pending(store, bot.sender, clock, TITLES) == 1
    limited, accepted = fake.matching("POST", rf"/channels/{a}/messages")
    assert (limited.status, accepted.status) == (429, 200)
    assert accepted.at - limited.at >= 0.3
    assert len(fake.messages[a]) == 1
    assert await store.pending("discord") == []


async def test_a_lost_response_is_retried_with_its_nonce_and_posts_once(
    ctx: Context, fake: FakeDiscord, store: Store, clock: Clock
) -> None:
    a = next(iter(fake.channels))
    await subscribe(store, a)
    await new_story(store)
    fake.lose_response("POST", rf"/channels/{a}/messages", status=502)
    async with running(ctx, fake) as bot:
        assert await deliver_pending(store, bot.sender, clock, TITLES) == 1
    lost, retried = fake.matching("POST", rf"/channels/{a}/messages")
    assert (lost.status, retried.status) == (502, 200)
    assert lost.body["nonce"] == retried.body["nonce"] and retried.body["enforce_nonce"]
    assert len(fake.messages[a]) == 1


async def test_a_restart_does_not_repost(
    ctx: Context, fake: FakeDiscord, store: Store, clock: Clock
) -> None:
    a = next(iter(fake.channels))
    await subscribe(store, a)
    await new_story(store)
    async with running(ctx, fake) as bot:
        assert await deliver_pending(store, bot.sender, clock, TITLES) == 1
    async with running(ctx, fake) as bot:
        assert await deliver_pending(store, bot.sender, clock, TITLES) == 0
    assert len(fake.identify) == 2
    assert len(fake.posts(a)) == 1 and len(fake.messages[a]) == 1


class CrashAfterPost:
    """The process dies after Discord accepted the post, before the outbox row was marked."""

    platform = "discord"

    def __init__(self, sender: Any) -> None:
        self.sender = sender

    async def post(self, channel: str, message: Message, **kwargs: Any) -> str:
        await self.sender.post(channel, message, **kwargs)
        raise RuntimeError("killed")

    async def find(self, channel: str, key: PostKey, since: datetime) -> str | None:
        raise AssertionError("not reached: the first attempt has no unknown outcome")

    async def edit(self, channel: str, message_id: str, message: Message) -> None:
        raise AssertionError("not reached")


async def test_a_restart_after_a_crash_mid_delivery_finds_the_post_and_does_not_post_twice(
    ctx: Context, fake: FakeDiscord, store: Store, clock: Clock
) -> None:
    a = next(iter(fake.channels))
    await subscribe(store, a)
    story_id = await new_story(store)
    async with running(ctx, fake) as bot:
        assert await deliver_pending(store, CrashAfterPost(bot.sender), clock, TITLES) == 0
    assert len(fake.messages[a]) == 1
    fake.advance(600)  # past Discord's nonce memory: only the channel's history can tell
    async with running(ctx, fake) as bot:
        assert await deliver_pending(store, bot.sender, clock, TITLES) == 1
    assert len(fake.posts(a)) == 1
    message = only_message(fake, a)
    assert message["edits"] == 1
    assert message["embeds"][0]["footer"]["text"] == f"Story #{story_id} · 1 outlet"
    [lookup] = fake.matching("GET", rf"/channels/{a}/messages")
    assert "after" in lookup.query
    assert await store.pending("discord") == []


async def test_the_nonce_is_per_channel_and_the_same_for_every_attempt() -> None:
    key = PostKey("Digest 2025-W27")
    assert nonce("800000000000000001", key) == nonce("800000000000000001", key)
    assert nonce("800000000000000001", key) != nonce("800000000000000002", key)
    assert len(nonce("800000000000000001", key)) <= 25


async def test_a_gone_or_forbidden_channel_is_marked_broken_once_and_the_others_go_on(
    ctx: Context, fake: FakeDiscord, store: Store, clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    gone, good, forbidden = fake.channels
    fake.channels[gone].status = 404
    fake.channels[forbidden].status = 403
    for channel in (gone, good, forbidden):
        await subscribe(store, channel)
    await new_story(store)
    caplog.set_level(logging.WARNING, "bot.deliver")
    async with running(ctx, fake) as bot:
        assert await deliver_pending(store, bot.sender, clock, TITLES) == 1
        await new_story(store, "a2", title="Russia's Duma ratified the treaty in November")
        assert await deliver_pending(store, bot.sender, clock, TITLES) == 1
    assert len(fake.messages[good]) == 2
    assert len(fake.matching("POST", rf"/channels/{gone}/messages")) == 1
    assert len(fake.matching("POST", rf"/channels/{forbidden}/messages")) == 1
    broken = {s.channel for s in await store.subscriptions() if s.broken_at is not None}
    assert broken == {gone, forbidden}
    warnings = [r for r in caplog.records if "broken" in r.getMessage()]
    assert len(warnings) == 2


async def test_a_channel_deleted_after_the_post_is_marked_broken_on_the_update(
    ctx: Context, fake: FakeDiscord, store: Store, clock: Clock
) -> None:
    a = next(iter(fake.channels))
    await subscribe(store, a)
    story_id = await new_story(store)
    async with running(ctx, fake) as bot:
        await deliver_pending(store, bot.sender, clock, TITLES)
        fake.channels[a].status = 404
        feeds = await feed_ids(store)
        await store.save_item(item(feeds["KCNA Watch"], "k1", story_id=story_id), NOW)
        assert await deliver_pending(store, bot.sender, clock, TITLES) == 0
    [patch] = fake.matching("PATCH", rf"/channels/{a}/messages/\d+")
    assert patch.status == 404
    assert [s.broken_at for s in await store.subscriptions()] == [NOW]
    assert await store.pending("discord") == []


async def test_an_alert_deleted_by_hand_is_not_posted_again(
    ctx: Context, fake: FakeDiscord, store: Store, clock: Clock
) -> None:
    a = next(iter(fake.channels))
    await subscribe(store, a)
    story_id = await new_story(store)
    async with running(ctx, fake) as bot:
        await deliver_pending(store, bot.sender, clock, TITLES)
        fake.delete_message(a, next(iter(fake.messages[a])))
        feeds = await feed_ids(store)
        await store.save_item(item(feeds["KCNA Watch"], "k1", story_id=story_id), NOW)
        await deliver_pending(store, bot.sender, clock, TITLES)
    assert fake.messages[a] == {} and len(fake.posts(a)) == 1
    assert await store.pending("discord") == []
    assert [s.broken_at for s in await store.subscriptions()] == [None]


async def test_an_oversized_story_is_cut_and_accepted(
    ctx: Context, fake: FakeDiscord, store: Store, clock: Clock
) -> None:
    a = next(iter(fake.channels))
    await subscribe(store, a)
    claims = tuple({"figure": 1000 + n, "claimant": f"Source {n} " + "x" * 60,
                    "sentence": "s"} for n in range(40))
    await new_story(store, title="T" * 400, summary="word " * 3000, troops=claims,
                    articles=tuple(range(1, 24)))
    async with running(ctx, fake) as bot:
        assert await deliver_pending(store, bot.sender, clock, TITLES) == 1
    [embed] = only_message(fake, a)["embeds"]
    assert len(embed["title"]) == 256 and embed["title"].endswith("…")
    assert not fake.bad_requests


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_a_local_image_is_uploaded_with_the_message_and_shown_in_the_embed(
    ctx: Context, fake: FakeDiscord, tmp_path: Path
) -> None:
    a = next(iter(fake.channels))
    chart = tmp_path / "digest chart 2025-W27.png"
    chart.write_bytes(PNG)
    digest = Message(title="Weekly digest", body="3 stories this week.", image=str(chart))
    async with running(ctx, fake) as bot:
        message_id = await bot.sender.post(a, digest, key=PostKey("Digest 2025-W27"))
        await bot.sender.edit(a, message_id, digest)
    [post] = fake.posts(a)
    [upload] = post.files
    assert (upload.field, upload.filename, upload.data) == (
        "files[0]", "digest_chart_2025-W27.png", PNG)
    message = only_message(fake, a)
    assert [f["filename"] for f in message["attachments"]] == ["digest_chart_2025-W27.png"]
    assert message["embeds"][0]["image"]["url"] == "attachment://digest_chart_2025-W27.png"
    assert message["edits"] == 1 and len(message["attachments"]) == 1


async def test_an_unreadable_image_is_left_out_and_the_message_still_goes(
    ctx: Context, fake: FakeDiscord, tmp_path: Path
) -> None:
    a = next(iter(fake.channels))
    digest = Message(title="Weekly digest", image=str(tmp_path / "missing.png"))
    async with running(ctx, fake) as bot:
        await bot.sender.post(a, digest)
    message = only_message(fake, a)
    assert message["attachments"] == [] and "image" not in message["embeds"][0]


# --- slash commands ---------------------------------------------------------------------------


@pytest.fixture
async def bot(ctx: Context, fake: FakeDiscord, store: Store) -> AsyncIterator[DiscordBot]:
    claim = {"figure": 12000, "claimant": "NIS", "sentence": "NIS: 12,000 troops."}
    await new_story(store, troops=(claim,))
    async with running(ctx, fake) as running_bot:
        yield running_bot


def embed_of(answer: dict[str, Any]) -> dict[str, Any]:
    [embed] = answer["embeds"]
    return embed


async def test_article_answers_with_an_embed(bot: DiscordBot, fake: FakeDiscord) -> None:
    record = await fake.interact("article", {"number_or_words": "4"})
    [callback] = record.callbacks
    assert callback["type"] == 4
    embed = embed_of(record.answer)
    assert embed["title"].startswith("Article 4")
    assert "North Korea ratifies treaty with Russia" in field(embed, "Stories citing it")
    assert not record.answer["flags"] & EPHEMERAL
    assert callback["data"]["allowed_mentions"]["parse"] == []


async def test_article_out_of_range_answers_one_private_line(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    record = await fake.interact("article", {"number_or_words": "99"})
    assert is_line(record.answer)


async def test_article_autocomplete_offers_numbers_and_titles(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    record = await fake.interact("article", {"number_or_words": "4"}, focused="number_or_words")
    assert record.callbacks[0]["type"] == 8
    assert {"name": f"Article 4: {TITLES[4]}", "value": "4"} in record.choices
    assert 1 <= len(record.choices) <= 25


async def test_ask_ranks_articles(bot: DiscordBot, fake: FakeDiscord) -> None:
    record = await fake.interact("ask", {"question": "is there a mutual defence clause?"})
    embed = embed_of(record.answer)
    assert embed["fields"][0]["name"].startswith("Article 4")


async def test_latest_lists_stories_and_completes_topics(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    record = await fake.interact("latest", {"topic": "treaty", "count": 3})
    embed = embed_of(record.answer)
    assert "North Korea ratifies treaty with Russia" in embed["fields"][0]["name"]
    choices = await fake.interact("latest", {"topic": "tr"}, focused="topic")
    assert [c["value"] for c in choices.choices] == ["treaty", "troops"]


async def test_latest_with_an_unknown_topic_answers_one_private_line(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    record = await fake.interact("latest", {"topic": "weather"})
    assert is_line(record.answer) and "weather" in record.answer["content"]


async def test_user_text_echoed_in_an_answer_never_pings(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    record = await fake.interact("latest", {"topic": f"@everyone <@&{fake.role_id}> <@1>"})
    assert "@everyone" in record.answer["content"]
    assert record.answer["pings"] == {"roles": [], "users": [], "everyone": []}


async def test_story_troops_timeline_and_digest_answer(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    story = embed_of((await fake.interact("story", {"id": 1})).answer)
    assert story["footer"]["text"].startswith("Story #1")
    missing = await fake.interact("story", {"id": 999})
    assert is_line(missing.answer)
    troops = embed_of((await fake.interact("troops")).answer)
    assert "12,000 deployed — NIS" in troops["description"]
    timeline = embed_of((await fake.interact("timeline")).answer)
    assert timeline["fields"]
    digest = await fake.interact("digest")
    assert digest.answer["flags"] & EPHEMERAL and digest.answer["embeds"]
    assert not fake.bad_requests


async def test_subscribe_and_unsubscribe_by_an_admin(
    bot: DiscordBot, fake: FakeDiscord, store: Store, clock: Clock
) -> None:
    here, other, _ = fake.channels
    record = await fake.interact(
        "subscribe", {"topic": "troops", "channel": other, "role": fake.role_id})
    assert is_line(record.answer)
    assert Subscription("discord", other, "troops", fake.role_id, "command") in (
        await store.subscriptions())
    await new_story(store, "a2", title="Pentagon: 11,000 North Korean troops in Kursk")
    assert await deliver_pending(store, bot.sender, clock, TITLES) == 1
    assert only_message(fake, other)["pings"]["roles"] == [fake.role_id]
    await fake.interact("subscribe", {"topic": "kcna"}, channel_id=here)
    assert any(s.channel == here and s.topic == "kcna" for s in await store.subscriptions())
    record = await fake.interact("unsubscribe", {"topic": "troops", "channel": other})
    assert is_line(record.answer)
    assert [(s.channel, s.topic) for s in await store.subscriptions()] == [(here, "kcna")]
    choices = await fake.interact("subscribe", {"topic": ""}, focused="topic")
    assert [c["value"] for c in choices.choices] == ["treaty", "troops", "kcna"]


async def test_feeds_commands_by_an_admin(
    bot: DiscordBot, fake: FakeDiscord, store: Store
) -> None:
    added = await fake.interact("feeds", {"url": "https://www.nknews.org/feed/",
                                          "name": "NK News"}, sub="add")
    assert is_line(added.answer) and "NK News" in added.answer["content"]
    listed = await fake.interact("feeds", sub="list")
    assert listed.answer["flags"] & EPHEMERAL
    assert "NK News" in embed_of(listed.answer)["description"]
    status = await fake.interact("feeds", sub="status")
    assert {f["name"] for f in embed_of(status.answer)["fields"]} >= {"NK News", "Yonhap"}
    removed = await fake.interact("feeds", {"name": "NK News"}, sub="remove")
    assert is_line(removed.answer)
    assert "NK News" not in {f.name for f in await store.feeds()}


@pytest.mark.parametrize(("command", "options", "sub"), [
    ("subscribe", {"topic": "treaty"}, None),
    ("unsubscribe", {"topic": "treaty"}, None),
    ("feeds", {"url": "https://evil.example/rss", "name": "Evil"}, "add"),
    ("feeds", {"name": "Yonhap"}, "remove"),
    ("feeds", {}, "list"),
    ("feeds", {}, "status"),
])
async def test_a_members_admin_command_is_refused_and_writes_nothing(
    bot: DiscordBot, fake: FakeDiscord, store: Store, command: str,
    options: dict[str, Any], sub: str | None,
) -> None:
    await subscribe(store, next(iter(fake.channels)))
    before = (await store.subscriptions(), await store.feeds(active_only=False))
    record = await fake.interact(command, options, sub=sub, admin=False)
    assert is_line(record.answer) and "admin" in record.answer["content"]
    assert (await store.subscriptions(), await store.feeds(active_only=False)) == before


async def test_a_bad_argument_answers_one_private_line(
    bot: DiscordBot, fake: FakeDiscord, store: Store
) -> None:
    # A channel the bot has never been shown: discord.py cannot resolve the option.
    fake.add_unannounced_channel("800000000000000099", "secret")
    record = await fake.interact("subscribe", {"topic": "treaty",
                                               "channel": "800000000000000099"})
    assert is_line(record.answer) and "channel" in record.answer["content"]
    assert await store.subscriptions() == []


def failure_ref(line: str) -> str | None:
    """The reference id in the line a failure answers with, or None for another line."""
    pattern = re.escape(FAILED).replace(re.escape("{ref}"), "([0-9a-f]{8})")
    found = re.fullmatch(pattern, line)
    return found.group(1) if found else None


async def test_a_failing_handler_answers_one_private_line_and_logs_its_reference(
    tmp_path: Path, config: Config, fake: FakeDiscord, clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    closed = await SQLiteStore.open(tmp_path / "closed.sqlite")
    await closed.close()
    async with running(Context(closed, KNOWLEDGE, config, clock), fake):
        record = await fake.interact("troops")
    assert is_line(record.answer)
    ref = failure_ref(record.answer["content"])
    assert ref is not None
    [logged] = [r for r in caplog.records if ref in r.getMessage()]
    assert logged.exc_info is not None and "/troops" in logged.getMessage()


async def test_an_answer_discord_refuses_is_replaced_by_one_line_not_left_thinking(
    ctx: Context, fake: FakeDiscord
) -> None:
    # Discord refuses the answer that replaces "thinking…": the interaction must still
    # end in one line, not in a placeholder that thinks for ever.
    fake.lose_response("PATCH", r"/webhooks/\d+/[^/]+/messages/@original", status=400)
    async with running(ctx, fake, defer_after=0):
        record = await fake.interact("timeline")
    assert failure_ref(record.answer["content"]) is not None
    assert not record.answer["embeds"] and not record.answer.get("interaction_loading")


async def test_a_slow_answer_is_deferred_then_edited(
    ctx: Context, fake: FakeDiscord, store: Store
) -> None:
    async with running(ctx, fake, defer_after=0):
        record = await fake.interact("timeline")
        private = await fake.interact("latest", {"topic": "weather"})
    assert [c["type"] for c in record.callbacks] == [5]
    assert embed_of(record.answer)["fields"] and not record.answer["flags"] & EPHEMERAL
    # An error after a public "thinking…": the placeholder goes, the line is private.
    assert private.original is not None and private.original.get("deleted")
    assert is_line(private.answer)


async def test_every_command_answer_is_accepted_by_discord(
    bot: DiscordBot, fake: FakeDiscord
) -> None:
    for command, options in [("article", {"number_or_words": "mutual assistance"}),
                             ("ask", {"question": "sanctions " * 30}), ("timeline", {}),
                             ("latest", {"count": 20}), ("troops", {}), ("digest", {})]:
        record = await fake.interact(command, options)
        assert record.answer["embeds"], command
    assert not fake.bad_requests


async def test_a_person_over_the_rate_limit_gets_a_polite_private_line(
    store: SQLiteStore, config: Config, clock: Clock, fake: FakeDiscord
) -> None:
    limited = config.model_copy(update={"rate_limit": RateLimit(per_user=2, per_channel=50)})
    async with running(Context(store, KNOWLEDGE, limited, clock), fake):
        first, second, third = [await fake.interact("timeline") for _ in range(3)]
        other = await fake.interact("timeline", user_id="500000000000000002")
    assert first.answer["embeds"] and second.answer["embeds"] and other.answer["embeds"]
    assert is_line(third.answer)
    assert third.answer["content"].startswith("Please slow down: 2 commands a minute per "
                                              "person. Try again in ")
