"""The Slack app for real: bolt's AsyncApp served over HTTP (and Socket Mode) on 127.0.0.1,
signed slash commands, and alerts delivered through a fake Slack Web API."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
import pytest
import yaml
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import admin, news
from bot.commands.context import Context
from bot.config import Config
from bot.deliver import PostKey, deliver_pending
from bot.models import Message
from bot.platforms.slack_app import (
    FAILED,
    SlackApp,
    SlackSender,
    SlackStartError,
    channel_arg,
    readable,
    url_arg,
)
from storage import NewItem, SQLiteStore, Subscription
from tests.conftest import Clock
from tests.fake_slack import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, FakeSlack, started_fake_slack
from tests.test_samples import KNOWLEDGE

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
LEGACY_TOKEN = "legacyVerificationTok3n"  # what Slack still puts in a command's body


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with started_fake_slack() as fake:
        yield fake


@pytest.fixture
async def ctx(config: Config, store: SQLiteStore, clock: Clock) -> Context:
    await store.sync_feeds([("Yonhap", "https://yonhap.example/rss"),
                            ("TASS", "https://tass.example/rss")], NOW)
    return Context(store, KNOWLEDGE, config, clock)


async def running(app: SlackApp) -> asyncio.Task[None]:
    task = asyncio.create_task(app.start())
    ready = asyncio.create_task(app.ready.wait())
    await asyncio.wait([task, ready], timeout=5, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        ready.cancel()
        task.result()  # raises what stopped it
    assert app.ready.is_set()
    return task


@pytest.fixture
async def app(ctx: Context, slack: FakeSlack) -> AsyncIterator[SlackApp]:
    bot = SlackApp(ctx, bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, app_token=None,
                   port=0, api_base=slack.api_base, host="127.0.0.1")
    task = await running(bot)
    yield bot
    await bot.close()
    await asyncio.wait_for(task, 5)


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def command_body(slack: FakeSlack, text: str, user: str, channel: str) -> str:
    return urlencode({
        "token": LEGACY_TOKEN, "team_id": "T0FAKE", "team_domain": "fake",
        "channel_id": channel, "channel_name": "alerts", "user_id": user,
        "user_name": user.lower(), "command": "/treaty", "text": text,
        "api_app_id": "A0APP", "response_url": slack.response_url(),
        "trigger_id": "1.2.3",
    })


async def send_command(
    app: SlackApp, slack: FakeSlack, text: str, *, user: str = "UADMIN",
    channel: str = "C0ALERTS1", headers: dict[str, str] | None = None,
) -> tuple[int, float]:
    """POST a slash command as Slack does; (HTTP status, seconds until answered)."""
    body = command_body(slack, text, user, channel)
    if headers is None:
        stamp = int(time.time())
        headers = {"X-Slack-Request-Timestamp": str(stamp),
                   "X-Slack-Signature": sign(body, stamp)}
    started = time.monotonic()
    async with aiohttp.ClientSession() as session, session.post(
        f"http://127.0.0.1:{app.port}/slack/events", data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **headers},
    ) as resp:
        await resp.read()
        return resp.status, time.monotonic() - started


async def ask(app: SlackApp, slack: FakeSlack, text: str, **kwargs: Any) -> dict[str, Any]:
    before = len(slack.responses)
    status, _ = await send_command(app, slack, text, **kwargs)
    assert status == 200
    return (await slack.wait_responses(before + 1))[-1]


def new_item(feed_id: int, guid: str, *, title: str, story_id: int | None = None,
             summary: str = "North Korea ratified the treaty with Russia, KCNA said.",
             ) -> NewItem:
    return NewItem(
        feed_id=feed_id, guid=guid, link=f"https://news.example/{guid}", title=title,
        summary=summary, published=NOW, date_from_feed=True, first_seen=NOW, language="en",
        topics=["treaty"], articles=[4], troops=[], why={},
        features={"concepts": {}, "action": None, "minhash": []}, keys=[],
        story_id=story_id, alert=True,
    )


async def feed_ids(store: SQLiteStore) -> dict[str, int]:
    return {f.name: f.id for f in await store.feeds()}


def sender(slack: FakeSlack) -> SlackSender:
    return SlackSender(AsyncWebClient(token=BOT_TOKEN, base_url=slack.api_base))


# --- slash commands ---------------------------------------------------------------------------


async def test_a_signed_command_is_acked_at_once_and_answered_through_the_response_url(
    app: SlackApp, slack: FakeSlack
) -> None:
    status, seconds = await send_command(app, slack, "article 4")
    assert status == 200 and seconds < 3
    [answer] = await slack.wait_responses(1)
    assert answer["response_type"] == "in_channel"
    header = answer["blocks"][0]
    assert header["type"] == "header" and header["text"]["text"].startswith("Article 4 — ")
    assert slack.called("users.info") == []  # nobody's rights are asked for a lookup


@pytest.mark.parametrize("signature", ["missing", "wrong", "six minutes old"])
async def test_a_bad_signature_gets_401_and_changes_nothing(
    app: SlackApp, slack: FakeSlack, ctx: Context, signature: str
) -> None:
    body = command_body(slack, "subscribe treaty", "UADMIN", "C0ALERTS1")
    stamp = int(time.time())
    headers = {
        "missing": {},
        "wrong": {"X-Slack-Request-Timestamp": str(stamp),
                  "X-Slack-Signature": sign(body, stamp, "not-the-secret")},
        "six minutes old": {"X-Slack-Request-Timestamp": str(stamp - 360),
                            "X-Slack-Signature": sign(body, stamp - 360)},
    }[signature]
    status, _ = await send_command(app, slack, "subscribe treaty", headers=headers)
    assert status == 401
    await asyncio.sleep(0.2)  # time for anything that would wrongly run after the reply
    assert slack.responses == [] and slack.called("users.info") == []
    assert await ctx.store.subscriptions() == []


async def test_a_members_admin_command_is_refused_and_writes_nothing(
    app: SlackApp, slack: FakeSlack, ctx: Context
) -> None:
    feeds = await ctx.store.feeds(active_only=False)
    for text in ("subscribe treaty", "unsubscribe treaty", "feeds add https://x.example/rss X",
                 "feeds remove Yonhap", "feeds list"):
        answer = await ask(app, slack, text, user="UMEMBER")
        assert answer == {"key": "1", "text": admin.ADMIN_ONLY, "response_type": "ephemeral"}
    assert await ctx.store.subscriptions() == []
    assert await ctx.store.feeds(active_only=False) == feeds
    assert {c.params["user"] for c in slack.called("users.info")} == {"UMEMBER"}


async def test_an_admin_subscribes_a_channel_given_as_slack_sends_it(
    app: SlackApp, slack: FakeSlack, ctx: Context
) -> None:
    answer = await ask(app, slack, "subscribe Troops <#C0OTHER01|other>")
    assert answer["text"] == "Subscribed C0OTHER01 to troops."
    await ask(app, slack, "subscribe kcna", user="UOWNER")  # owners too; here by default
    subs = {(s.platform, s.channel, s.topic, s.source) for s in await ctx.store.subscriptions()}
    assert subs == {("slack", "C0OTHER01", "troops", "command"),
                    ("slack", "C0ALERTS1", "kcna", "command")}
    gone = await ask(app, slack, "unsubscribe troops <#C0OTHER01>")
    assert gone["text"] == "Unsubscribed C0OTHER01 from troops."
    bad = await ask(app, slack, "subscribe treaty @someone")
    assert bad["response_type"] == "ephemeral" and "not a channel" in bad["text"]


async def test_an_admin_adds_and_removes_a_feed_linked_by_slack(
    app: SlackApp, slack: FakeSlack, ctx: Context
) -> None:
    added = await ask(app, slack, "feeds add <https://nk.example/rss?a=1&amp;b=2> NK Watch")
    assert added["text"].startswith("Added feed 'NK Watch'")
    urls = {f.name: f.url for f in await ctx.store.feeds()}
    assert urls["NK Watch"] == "https://nk.example/rss?a=1&b=2"
    status = await ask(app, slack, "feeds status")
    assert status["blocks"][0]["text"]["text"] == "Feeds: 3 healthy, 0 failing"
    removed = await ask(app, slack, "feeds remove NK Watch")
    assert removed["text"].startswith("Removed feed 'NK Watch'")


async def test_news_commands_and_their_one_line_errors(
    app: SlackApp, slack: FakeSlack, ctx: Context
) -> None:
    ids = await feed_ids(ctx.store)
    saved = await ctx.store.save_item(new_item(ids["Yonhap"], "a", title="Treaty ratified"), NOW)
    assert saved is not None
    latest = await ask(app, slack, "latest treaty 3")
    assert latest["blocks"][0]["text"]["text"] == "Latest stories — Treaty"
    shown = await ask(app, slack, f"story #{saved.story_id}")
    assert shown["blocks"][0]["text"]["text"] == "Treaty ratified"
    for text, expected in [
        ("latest weather", "Unknown topic 'weather': choose one of treaty, troops, kcna."),
        ("latest 99", "Count must be between 1 and 20."),
        ("story abc", "Usage: /treaty story ID (a number, e.g. 12)"),
        ("story 999", "There is no story #999."),
        ("dance", "Unknown command 'dance': try /treaty help."),
    ]:
        answer = await ask(app, slack, text)
        assert answer == {"key": "1", "text": expected, "response_type": "ephemeral"}, text
    helped = await ask(app, slack, "help")
    assert helped["response_type"] == "ephemeral"
    assert "/treaty feeds list|add URL [name]|remove NAME|status" in str(helped["blocks"])
    asked = await ask(app, slack, "ask is there a mutual defence clause?")
    assert "Article 4" in str(asked["blocks"])
    digest = await ask(app, slack, "digest")
    assert digest["response_type"] == "ephemeral"
    assert digest["blocks"][0]["text"]["text"].startswith("Weekly digest, ")
    timeline = await ask(app, slack, "timeline")
    assert timeline["response_type"] == "in_channel" and len(timeline["blocks"]) > 3


async def test_a_failing_handler_answers_one_short_ephemeral_line(
    app: SlackApp, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(ctx: Context) -> Message:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(news, "troops", broken)
    answer = await ask(app, slack, "troops")
    assert answer == {"key": "1", "text": FAILED, "response_type": "ephemeral"}
    assert "disk on fire" in caplog.text  # the operator sees why; the user does not


async def test_socket_mode_answers_a_command_from_the_websocket(
    ctx: Context, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = SlackApp(ctx, bot_token=BOT_TOKEN, signing_secret=None, app_token=APP_TOKEN,
                   api_base=slack.api_base)
    task = await running(bot)
    try:
        await asyncio.wait_for(slack.socket_connected.wait(), 5)
        payload = dict(parse_qsl(command_body(slack, "timeline", "UMEMBER", "C0ALERTS1")))
        await slack.send_envelope({"envelope_id": "env-1", "type": "slash_commands",
                                   "accepts_response_payload": True, "payload": payload})
        [answer] = await slack.wait_responses(1)
        assert answer["response_type"] == "in_channel"
        # The ack may reach Slack after the answer: bolt polls for it every 10 ms.
        assert await slack.wait_socket_reply("env-1") == {"envelope_id": "env-1"}
        opened = slack.called("apps.connections.open")
        assert opened and opened[0].token == APP_TOKEN
        assert LEGACY_TOKEN not in caplog.text and APP_TOKEN not in caplog.text
    finally:
        await bot.close()
        await asyncio.wait_for(task, 5)


async def test_a_token_slack_refuses_stops_the_start_without_showing_it(
    ctx: Context, slack: FakeSlack
) -> None:
    wrong = "xoxb-9999-wrong-token-value"
    bot = SlackApp(ctx, bot_token=wrong, signing_secret=SIGNING_SECRET, app_token=None,
                   port=0, api_base=slack.api_base, host="127.0.0.1")
    with pytest.raises(SlackStartError) as raised:
        await bot.start()
    assert str(raised.value) == "Slack refused SLACK_BOT_TOKEN: invalid_auth"
    socket = SlackApp(ctx, bot_token=BOT_TOKEN, signing_secret=None,
                      app_token="xapp-wrong-app-token", api_base=slack.api_base)
    with pytest.raises(SlackStartError, match=r"^Slack refused SLACK_APP_TOKEN: invalid_auth$"):
        await socket.start()


def test_a_token_is_needed_and_one_way_in() -> None:
    ctx: Any = None
    with pytest.raises(ValueError, match="SLACK_BOT_TOKEN"):
        SlackApp(ctx, bot_token="", signing_secret="s", app_token=None)
    with pytest.raises(ValueError, match=r"SLACK_APP_TOKEN .* or SLACK_SIGNING_SECRET"):
        SlackApp(ctx, bot_token="xoxb-1", signing_secret=None, app_token=None)


def test_command_arguments_as_slack_escapes_them() -> None:
    assert channel_arg("<#C0123ABC|treaty-news>") == "C0123ABC"
    assert channel_arg("<#C0123ABC>") == "C0123ABC"
    assert channel_arg("#treaty-news") == "treaty-news"
    assert channel_arg("C0123ABC") == "C0123ABC"
    assert channel_arg("<@U123>") is None and channel_arg("news") is None
    assert url_arg("<https://a.example/rss?x=1&amp;y=2|a.example/rss>") == (
        "https://a.example/rss?x=1&y=2")
    assert url_arg("https://b.example/feed") == "https://b.example/feed"
    assert readable("what about <#C1|sanctions> &amp; <@U1|kim> &lt;3 <https://x.example>") == (
        "what about #sanctions & @kim <3 https://x.example")


# --- alerts -----------------------------------------------------------------------------------


async def test_an_alert_is_posted_once_then_updated_in_place_as_outlets_join(
    app: SlackApp, slack: FakeSlack, ctx: Context, clock: Clock
) -> None:
    store = ctx.store
    await store.subscribe(Subscription("slack", "alerts", "treaty", None, "command"))
    ids = await feed_ids(store)
    first = await store.save_item(new_item(ids["Yonhap"], "y1", title="N. Korea ratifies pact"),
                                  NOW)
    assert first is not None
    assert await deliver_pending(store, app.sender, clock, KNOWLEDGE.titles) == 1
    [(key, posted)] = slack.messages.items()
    assert posted.channel == "C0ALERTS1"  # posted by the name feeds.yaml would give
    assert posted.blocks[0]["text"]["text"] == "N. Korea ratifies pact"
    assert "*Outlet:* Yonhap" in str(posted.blocks)

    clock.now = NOW + timedelta(minutes=30)
    await store.save_item(new_item(ids["TASS"], "t1", title="КНДР ратифицировала договор",
                                   story_id=first.story_id), clock.now)
    assert await deliver_pending(store, app.sender, clock, KNOWLEDGE.titles) == 1
    assert len(slack.called("chat.postMessage")) == 1
    [update] = slack.called("chat.update")
    assert (update.params["channel"], update.params["ts"]) == key  # the id, not the name
    assert posted.edits == 1 and "*2 outlets:* Yonhap · TASS" in str(posted.blocks)
    assert [b["text"]["text"] for b in posted.blocks[-2]["elements"]] == ["Yonhap", "TASS"]
    assert await deliver_pending(store, app.sender, clock, KNOWLEDGE.titles) == 0


async def test_a_rate_limit_is_waited_out_and_the_alert_posted_once(
    slack: FakeSlack, ctx: Context, clock: Clock
) -> None:
    store = ctx.store
    await store.subscribe(Subscription("slack", "C0ALERTS1", "treaty", None, "command"))
    ids = await feed_ids(store)
    await store.save_item(new_item(ids["Yonhap"], "y1", title="Treaty in force"), NOW)
    slack.fail_next("chat.postMessage", 429, "ratelimited", **{"Retry-After": "1"})
    started = time.monotonic()
    assert await deliver_pending(store, sender(slack), clock) == 1
    assert time.monotonic() - started >= 1.0
    assert len(slack.called("chat.postMessage")) == 2 and len(slack.messages) == 1
    assert (await store.stats()).pending_deliveries == 0


@pytest.mark.parametrize("problem", ["channel_not_found", "is_archived", "not_in_channel"])
async def test_a_channel_slack_refuses_is_marked_broken_and_left_alone(
    slack: FakeSlack, ctx: Context, clock: Clock, problem: str
) -> None:
    store = ctx.store
    channel = {"channel_not_found": "C0GONE000", "is_archived": "C0OTHER01",
               "not_in_channel": "C0OTHER01"}[problem]
    slack.archived = {"C0OTHER01"} if problem == "is_archived" else set()
    slack.not_member = {"C0OTHER01"} if problem == "not_in_channel" else set()
    await store.subscribe(Subscription("slack", channel, "treaty", None, "command"))
    ids = await feed_ids(store)
    await store.save_item(new_item(ids["Yonhap"], "y1", title="Treaty"), NOW)
    assert await deliver_pending(store, sender(slack), clock) == 0
    [sub] = await store.subscriptions()
    assert sub.broken_at == clock.now
    assert (await store.stats()).pending_deliveries == 0
    await store.save_item(new_item(ids["TASS"], "t1", title="Treaty again"), NOW)
    assert await deliver_pending(store, sender(slack), clock) == 0
    assert len(slack.called("chat.postMessage")) == 1  # never tried again


async def test_feed_text_with_mentions_is_escaped_on_the_wire(
    slack: FakeSlack, ctx: Context, clock: Clock
) -> None:
    store = ctx.store
    await store.subscribe(Subscription("slack", "alerts", "treaty", None, "command"))
    ids = await feed_ids(store)
    await store.save_item(new_item(
        ids["Yonhap"], "y1", title="<!channel> Treaty <@U123> news",
        summary="Ratified & signed <!here> <http://evil.example|Reuters> <!subteam^S1>",
    ), NOW)
    await deliver_pending(store, sender(slack), clock)
    [call] = slack.called("chat.postMessage")
    body = call.params["blocks"][1]["text"]["text"]
    assert body == ("Ratified &amp; signed &lt;!here&gt; &lt;<http://evil.example>|Reuters&gt; "
                    "&lt;!subteam^S1&gt;")
    assert call.params["text"].startswith("&lt;!channel&gt; Treaty &lt;@U123&gt; news: ")
    assert call.params["unfurl_links"] is False


async def test_blocks_slack_refuses_fall_back_to_the_text(
    slack: FakeSlack, ctx: Context, clock: Clock
) -> None:
    store = ctx.store
    await store.subscribe(Subscription("slack", "C0ALERTS1", "treaty", None, "command"))
    ids = await feed_ids(store)
    await store.save_item(new_item(ids["Yonhap"], "y1", title="Treaty"), NOW)
    slack.fail_next("chat.postMessage", 200, "invalid_blocks")
    assert await deliver_pending(store, sender(slack), clock) == 1
    [posted] = slack.messages.values()
    assert posted.blocks == [] and posted.text.startswith("Treaty: ")


async def test_an_update_of_a_deleted_message_is_done_not_retried(
    slack: FakeSlack, ctx: Context, clock: Clock
) -> None:
    store = ctx.store
    await store.subscribe(Subscription("slack", "C0ALERTS1", "treaty", None, "command"))
    ids = await feed_ids(store)
    first = await store.save_item(new_item(ids["Yonhap"], "y1", title="Treaty"), NOW)
    assert first is not None
    await deliver_pending(store, sender(slack), clock)
    slack.messages.clear()  # someone deleted the alert in Slack
    await store.save_item(new_item(ids["TASS"], "t1", title="Treaty", story_id=first.story_id),
                          NOW)
    assert await deliver_pending(store, sender(slack), clock) == 1
    assert (await store.stats()).pending_deliveries == 0


async def test_a_post_carries_its_key_in_metadata_and_is_found_by_it(slack: FakeSlack) -> None:
    out = sender(slack)
    message = Message(title="Treaty", body="text")
    since = datetime.now(UTC) - timedelta(minutes=1)
    key = PostKey("Story #7", 12)
    assert await out.find("alerts", key, since) is None
    posted = await out.post("alerts", message, key=key, mention="role-ignored")
    [shown] = slack.shown("C0ALERTS1")
    assert shown.metadata == {"event_type": "treatywatch_post",
                              "event_payload": {"marker": "Story #7", "outbox_id": 12}}
    assert await out.find("alerts", key, since) == posted
    assert await SlackSender(out.client).find("#alerts", key, since) == posted  # a new process
    assert await out.find("other", key, since) is None
    assert await out.find("alerts", PostKey("Story #8"), since) is None
    [history, *_] = slack.called("conversations.history")
    assert history.params["include_all_metadata"] in ("1", "true", True)


async def test_a_channel_whose_history_the_bot_cannot_read_is_posted_to_not_marked_broken(
    slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    """chat:write.public posts to a public channel the bot is not in; its history needs
    the bot in the channel. A lost post there is made again, with a warning."""
    slack.not_member.add("C0ALERTS1")
    since = datetime.now(UTC) - timedelta(minutes=1)
    assert await sender(slack).find("alerts", PostKey("Story #7"), since) is None
    assert "invite the bot" in caplog.text


async def test_the_digest_chart_is_uploaded_to_the_channel(
    slack: FakeSlack, tmp_path: Path
) -> None:
    chart = tmp_path / "digest.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    out = sender(slack)
    message_id = await out.post("alerts", Message(title="Weekly digest, 23–30 Jun 2025",
                                                  body="12 stories this week.",
                                                  image=str(chart)))
    assert message_id.startswith("C0ALERTS1:")
    [(file_id, data)] = slack.uploads.items()
    assert data == chart.read_bytes()
    [shared] = slack.shared
    assert shared["channel_id"] == "C0ALERTS1"
    assert shared["files"] == [{"id": file_id, "title": "Weekly digest, 23–30 Jun 2025"}]
    # A chart that cannot be sent does not undo the post (it would be posted again).
    missing = await out.post("alerts", Message(title="Digest", image=str(tmp_path / "no.png")))
    assert missing.startswith("C0ALERTS1:") and len(slack.shared) == 1


async def test_no_token_or_secret_reaches_the_logs(
    app: SlackApp, slack: FakeSlack, ctx: Context, clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    body = command_body(slack, "troops", "UADMIN", "C0ALERTS1")
    stamp = int(time.time())
    bad = {"X-Slack-Request-Timestamp": str(stamp), "X-Slack-Signature": sign(body, stamp, "x")}
    assert (await send_command(app, slack, "troops", headers=bad))[0] == 401
    await ask(app, slack, "feeds list")
    await ctx.store.subscribe(Subscription("slack", "C0GONE000", "treaty", None, "command"))
    ids = await feed_ids(ctx.store)
    await ctx.store.save_item(new_item(ids["Yonhap"], "y1", title="Treaty"), NOW)
    slack.fail_next("chat.postMessage", 429, "ratelimited", **{"Retry-After": "0"})
    await deliver_pending(ctx.store, app.sender, clock)
    assert caplog.records
    for secret in (BOT_TOKEN, SIGNING_SECRET, APP_TOKEN, LEGACY_TOKEN):
        assert secret not in caplog.text


def test_the_manifest_declares_the_command_and_the_scopes_the_app_uses() -> None:
    manifest = yaml.safe_load((Path(__file__).parent.parent / "slack-manifest.yaml")
                              .read_text("utf-8"))
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/treaty" and command["should_escape"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    # chat.postMessage/update, /treaty, files_upload_v2, users.info, conversations.history
    # and .list (finding a post whose answer was lost)
    assert scopes >= {"chat:write", "commands", "files:write", "users:read",
                      "channels:history", "groups:history", "channels:read", "groups:read"}
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True  # the link buttons
