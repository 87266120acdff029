"""The platform-neutral handlers: what each command answers, and who may change things."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.commands import admin, news
from bot.commands.context import Caller, Context
from bot.config import Config
from storage import SQLiteStore
from tests.test_samples import KNOWLEDGE, poll_samples

ADMIN = Caller("discord", "u1", "100", is_admin=True)
MEMBER = Caller("discord", "u2", "100", is_admin=False)
NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def ctx(config: Config, store: SQLiteStore) -> Context:
    await store.sync_feeds([(f.name, f.url) for f in config.feeds], NOW)
    return Context(store, KNOWLEDGE, config, lambda: NOW)


@pytest.fixture
async def sample_ctx(config: Config, tmp_path: Path) -> AsyncIterator[Context]:
    await poll_samples(config, tmp_path / "s.sqlite", None)
    store = await SQLiteStore.open(tmp_path / "s.sqlite")
    yield Context(store, KNOWLEDGE, config, lambda: NOW)
    await store.close()


async def test_latest_lists_stories_newest_first(sample_ctx: Context) -> None:
    message = await news.latest(sample_ctx, None, 3)
    assert message.title == "Latest stories — all topics"
    assert len(message.fields) == 3
    assert "Written Statement of Central Military Commission" in message.fields[0].name


async def test_latest_filters_by_topic(sample_ctx: Context) -> None:
    message = await news.latest(sample_ctx, "kcna", 20)
    assert message.fields and all("kcna" in f.value for f in message.fields)


@pytest.mark.parametrize(("topic", "count"), [("weather", 5), (None, 0), (None, 21)])
async def test_latest_refuses_a_bad_argument_in_one_line(
    sample_ctx: Context, topic: str | None, count: int
) -> None:
    message = await news.latest(sample_ctx, topic, count)
    assert message.ephemeral and not message.fields and "\n" not in message.title


async def test_story_shows_outlets_topics_and_articles(sample_ctx: Context) -> None:
    message = await news.story(sample_ctx, 1)
    assert message.footer.startswith("Story #1 · ")
    assert {f.name for f in message.fields} >= {"Topics"}


async def test_a_missing_story_is_one_line(sample_ctx: Context) -> None:
    message = await news.story(sample_ctx, 9999)
    assert message.ephemeral and message.title == "There is no story #9999."


async def test_troops_lists_figures_with_who_claims_them_newest_first(
    sample_ctx: Context,
) -> None:
    message = await news.troops(sample_ctx)
    lines = message.body.splitlines()
    assert any("11,000 deployed — Zelensky" in line for line in lines)
    assert len(lines) == len(set(lines))


async def test_digest_preview_is_for_the_caller_only(sample_ctx: Context) -> None:
    message = await news.digest_preview(sample_ctx)
    assert message.ephemeral
    assert message.title.startswith("Weekly digest, ")


async def test_topic_autocomplete() -> None:
    assert news.topic_choices("tr") == [
        ("Treaty (treaty)", "treaty"), ("Troops (troops)", "troops"),
    ]


@pytest.mark.parametrize(
    "call",
    [
        lambda c, who: admin.subscribe(c, who, "treaty", None, None),
        lambda c, who: admin.unsubscribe(c, who, "treaty", None),
        lambda c, who: admin.feeds_add(c, who, "https://example.org/rss", "Example"),
        lambda c, who: admin.feeds_remove(c, who, "Example"),
        lambda c, who: admin.feeds_list(c, who),
        lambda c, who: admin.feeds_status(c, who),
    ],
)
async def test_admin_commands_are_refused_to_members_and_write_nothing(
    ctx: Context, call: object
) -> None:
    before = (await ctx.store.subscriptions(), await ctx.store.feeds(active_only=False))
    message = await call(ctx, MEMBER)  # type: ignore[operator]
    assert message.ephemeral and message.title == admin.ADMIN_ONLY
    assert (await ctx.store.subscriptions(), await ctx.store.feeds(active_only=False)) == before


async def test_subscribe_defaults_to_the_callers_channel_and_keeps_the_role(ctx: Context) -> None:
    message = await admin.subscribe(ctx, ADMIN, "Troops", None, "555")
    assert message.title == "Subscribed 100 to troops, mentioning role 555."
    [sub] = await ctx.store.subscriptions()
    assert (sub.platform, sub.channel, sub.topic, sub.role) == ("discord", "100", "troops", "555")


async def test_unsubscribe_of_a_channel_not_subscribed_says_so(ctx: Context) -> None:
    message = await admin.unsubscribe(ctx, ADMIN, "kcna", "200")
    assert message.ephemeral and message.title == "200 is not subscribed to kcna."


async def test_subscribe_to_an_unknown_topic_is_refused(ctx: Context) -> None:
    message = await admin.subscribe(ctx, ADMIN, "sports", None, None)
    assert message.ephemeral and message.title.startswith("Unknown topic 'sports'")
    assert await ctx.store.subscriptions() == []


async def test_feeds_add_then_list_then_remove(ctx: Context) -> None:
    added = await admin.feeds_add(ctx, ADMIN, "https://example.org/rss.xml", "Example")
    assert added.title.startswith("Added feed 'Example'")
    listed = await admin.feeds_list(ctx, ADMIN)
    assert "Example — https://example.org/rss.xml (added by command)" in listed.body
    removed = await admin.feeds_remove(ctx, ADMIN, "Example")
    assert removed.title.startswith("Removed feed 'Example'")
    assert "Example" not in (await admin.feeds_list(ctx, ADMIN)).body


async def test_feeds_add_refuses_a_taken_url_and_a_bad_one(ctx: Context) -> None:
    taken = ctx.config.feeds[0].url
    assert (await admin.feeds_add(ctx, ADMIN, taken, "Again")).title.startswith("Not added:")
    bad = await admin.feeds_add(ctx, ADMIN, "file:///etc/passwd", None)
    assert bad.title == "Give an http:// or https:// feed URL."


async def test_a_feed_from_feeds_yaml_is_removed_there(ctx: Context) -> None:
    name = ctx.config.feeds[0].name
    message = await admin.feeds_remove(ctx, ADMIN, name)
    assert message.title == f"{name!r} comes from feeds.yaml: remove it there."


async def test_feeds_status_counts_healthy_and_failing(ctx: Context) -> None:
    [first, *_] = await ctx.store.feeds()
    await ctx.store.record_failure(first.id, NOW, NOW, "HTTP 500")
    message = await admin.feeds_status(ctx, ADMIN)
    assert message.title == f"Feeds: {len(ctx.config.feeds) - 1} healthy, 1 failing"
    assert any(f.value == "FAILING ×1: HTTP 500" for f in message.fields)
