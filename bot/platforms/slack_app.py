"""The Slack adapter: alerts through the Web API, commands as one slash command, `/treaty`.

Socket Mode when an app-level token (SLACK_APP_TOKEN) is given, so that a workspace can
run the bot behind a firewall; otherwise HTTP on /slack/events, where bolt checks each
request's signature with SLACK_SIGNING_SECRET (401 for a missing, wrong or stale one).
The handlers are the platform-neutral ones of bot.commands; this module only parses
Slack's request and renders the Message with bot.render.slack.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.commands import admin, news
from bot.commands.context import Caller, Context
from bot.commands.treaty import article_cmd, ask_cmd, error, timeline_cmd
from bot.deliver import ChannelGone, PostKey
from bot.models import Message
from bot.render.slack import SOURCE_ACTION, cut, one_line, render, response

log = logging.getLogger(__name__)

PLATFORM = "slack"
PATH = "/slack/events"
COMMAND = "/treaty"
# Errors after which posting to the channel cannot work until someone acts.
GONE = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "channel_is_archived",
    "restricted_action", "restricted_action_read_only_channel",
    "restricted_action_thread_only_channel", "restricted_action_non_threadable_channel",
})
# The message an update was for is gone, or not ours: there is nothing left to update.
NOTHING_TO_UPDATE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})
# Slack refused the blocks themselves: the plain text still gets the news out.
BLOCKS_REFUSED = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long"})
RATE_LIMIT_TRIES = 5
MAX_RETRY_AFTER = 60.0  # a longer wait would hold every other delivery back
# A post's key travels in the message's metadata: conversations.history finds it again.
EVENT_TYPE = "treatywatch_post"
HISTORY_PAGE = 200
HISTORY_PAGES = 5  # messages read, at most, to find a post whose answer was lost
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
_CHANNEL_REF = re.compile(r"^<#([CGD][A-Z0-9]+)(?:\|[^>]*)?>$")
_LINK_REF = re.compile(r"^<((?:https?)://[^|>]+)(?:\|[^>]*)?>$", re.IGNORECASE)
_SPECIAL = re.compile(r"<([^<>]*)>")

FAILED = "Something went wrong answering that; it has been logged."
ADMIN_COMMANDS = frozenset({"subscribe", "unsubscribe", "feeds"})
HELP = (
    ("article N", "a treaty article (4, IV, preamble, or words) and the news citing it"),
    ("ask QUESTION", "the articles that best answer a question"),
    ("latest [topic] [count]", "the newest stories; topic: treaty, troops or kcna"),
    ("story ID", "one story in full"),
    ("troops", "the latest North Korean troop figures and who claims them"),
    ("digest", "the coming weekly digest, for you alone"),
    ("timeline", "the treaty's dated steps"),
    ("subscribe topic [#channel]", "admins: alerts of a topic in a channel"),
    ("unsubscribe topic [#channel]", "admins: stop them"),
    ("feeds list|add URL [name]|remove NAME|status", "admins: the watched feeds"),
)


class SlackStartError(RuntimeError):
    """Slack refused a token at start: the one line says which, never its value."""


class SlackDeliveryError(RuntimeError):
    """Slack refused a call for a reason other than a gone channel or a rate limit."""

    def __init__(self, method: str, status: int | str, code: str) -> None:
        super().__init__(f"{method} failed (HTTP {status}): {code or 'no error code'}")
        self.code = code


# --- secrets stay out of logs -----------------------------------------------------------------


class _Redact(logging.Filter):
    """Blanks the tokens and signing secrets, and the fields of a refused request that
    grant access (bolt logs a refused request's body, with its response_url)."""

    # As a form body (token=...), and as JSON or a dict ("token": "...") in Socket Mode.
    _FIELDS = re.compile(
        r"""((?:\btoken|response_url|trigger_id)['"]?\s*[=:]\s*['"]?)[^&\s'",}]+"""
    )

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a broken record is not ours to fix
            return True
        clean = self._FIELDS.sub(r"\1[redacted]", text)
        for secret in self.secrets:
            clean = clean.replace(secret, "[redacted]")
        if clean != text:
            record.msg, record.args = clean, None
        return True


# One filter for every SlackApp: bolt copies its base logger's filters onto its own,
# process-wide, loggers once, so the filter must know the secrets of all of them.
_REDACT = _Redact()
_bolt_log = logging.getLogger(f"{__name__}.bolt")
_bolt_log.addFilter(_REDACT)
_sdk_log = logging.getLogger(f"{__name__}.sdk")
_sdk_log.addFilter(_REDACT)


def _error_code(exc: SlackApiError) -> str:
    data = exc.response.data if exc.response is not None else None
    return str(data.get("error", "")) if isinstance(data, Mapping) else ""


def _retry_after(exc: SlackApiError) -> float | None:
    """Seconds to wait when Slack rate-limits the call (HTTP 429 or `ratelimited`)."""
    if exc.response is None or (exc.response.status_code != 429
                                and _error_code(exc) != "ratelimited"):
        return None
    headers = exc.response.headers or {}
    value = next((v for k, v in headers.items() if str(k).lower() == "retry-after"), "1")
    if isinstance(value, list):
        value = value[0] if value else "1"
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _target(channel: str) -> str:
    """What chat.postMessage takes: a channel id as it is, a name with its "#"."""
    channel = channel.strip()
    return channel if _CHANNEL_ID.match(channel) else "#" + channel.lstrip("#")


def _read_file(path: Path) -> bytes | None:
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


# --- delivery ---------------------------------------------------------------------------------


class SlackSender:
    """The Sender of bot.deliver for Slack. A message id is "CHANNEL_ID:ts": chat.update
    needs the channel's id, and a route in feeds.yaml may give only its name."""

    platform = PLATFORM

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client
        self._ids: dict[str, str] = {}  # channel name → id, as chat.postMessage answered

    async def post(
        self, channel: str, message: Message, *, mention: str | None = None,
        key: PostKey | None = None,
    ) -> str:
        # Slack has no role to mention per topic: `mention` is ignored, by design.
        # chat.postMessage has no idempotency key: the metadata lets `find` see the post.
        extra: dict[str, Any] = {}
        if key is not None:
            extra["metadata"] = {"event_type": EVENT_TYPE, "event_payload": {
                "marker": key.marker, "outbox_id": key.outbox_id}}
        data = await self._call(
            self.client.chat_postMessage, "chat.postMessage", channel=_target(channel),
            unfurl_links=False, unfurl_media=False, **render(message), **extra,
        )
        channel_id, ts = str(data.get("channel") or channel), str(data["ts"])
        self._ids[channel.strip().lstrip("#")] = channel_id
        if message.image:
            await self._upload(channel_id, message)
        return f"{channel_id}:{ts}"

    async def find(self, channel: str, key: PostKey, since: datetime) -> str | None:
        """Our message with `key` in its metadata, posted to `channel` since `since`."""
        channel_id = await self._channel_id(channel)
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            try:
                data = await self._call(
                    self.client.conversations_history, "conversations.history",
                    channel=channel_id, oldest=f"{since.timestamp():.6f}",
                    include_all_metadata=True, limit=HISTORY_PAGE,
                    **({"cursor": cursor} if cursor else {}),
                )
            except ChannelGone as exc:
                if str(exc) != "not_in_channel":
                    raise
                # chat:write.public posts to a public channel the bot is not in, but reading
                # its history needs the bot in it.
                log.warning("slack: cannot read the history of %s to find %s (invite the "
                            "bot to the channel): posting it again", channel, key.marker)
                return None
            for found in data.get("messages") or []:
                meta = found.get("metadata") or {}
                payload = meta.get("event_payload") or {}
                if meta.get("event_type") == EVENT_TYPE and payload.get("marker") == key.marker:
                    return f"{channel_id}:{found['ts']}"
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not data.get("has_more") or not cursor:
                break
        return None

    async def _channel_id(self, channel: str) -> str:
        """conversations.history takes an id; a route in feeds.yaml may give a name."""
        channel = channel.strip().lstrip("#")
        if _CHANNEL_ID.match(channel):
            return channel
        if channel in self._ids:
            return self._ids[channel]
        cursor: str | None = None
        while True:
            data = await self._call(
                self.client.conversations_list, "conversations.list", limit=1000,
                types="public_channel,private_channel", exclude_archived=True,
                **({"cursor": cursor} if cursor else {}),
            )
            for found in data.get("channels") or []:
                if found.get("name") == channel:
                    self._ids[channel] = str(found["id"])
                    return self._ids[channel]
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                raise ChannelGone("channel_not_found")

    async def edit(self, channel: str, message_id: str, message: Message) -> None:
        channel_id, _, ts = message_id.rpartition(":")
        try:
            await self._call(self.client.chat_update, "chat.update",
                             channel=channel_id or channel, ts=ts, **render(message))
        except SlackDeliveryError as exc:
            if exc.code not in NOTHING_TO_UPDATE:
                raise
            log.info("slack message %s in %s is gone (%s): nothing to update",
                     ts, channel_id or channel, exc.code)

    async def _upload(self, channel_id: str, message: Message) -> None:
        """The digest's chart, uploaded to the channel right after its message. The message
        is out already, so a failed upload is logged, not raised: raising would post the
        message again."""
        image = str(message.image)
        if image.startswith(("http://", "https://")):
            return  # the renderer shows it as an image block
        path = Path(image)
        data = await asyncio.to_thread(_read_file, path)
        if data is None:
            log.warning("image %s not readable: message posted without it", path.name)
            return
        try:
            await self._call(
                self.client.files_upload_v2, "files.upload", channel=channel_id,
                file=data, filename=path.name,
                title=cut(one_line(message.title), 200) or path.name,
            )
        except Exception as exc:  # the message is out; only the chart is missing
            log.warning("could not upload %s to %s: %s", path.name, channel_id, exc)

    async def _call(self, method: Callable[..., Awaitable[Any]], name: str,
                    **kwargs: Any) -> Mapping[str, Any]:
        """One Web API call: rate limits waited out, a gone channel as ChannelGone, and
        blocks Slack refuses replaced by the plain text."""
        tries = 0
        while True:
            tries += 1
            try:
                result = await method(**kwargs)
                return result.data if isinstance(result.data, Mapping) else {}
            except SlackApiError as exc:
                code = _error_code(exc)
                wait = _retry_after(exc)
                if wait is not None and tries < RATE_LIMIT_TRIES:
                    log.info("slack %s rate-limited: retrying in %.0f s", name, wait)
                    await asyncio.sleep(wait)
                    continue
                if code in GONE:
                    raise ChannelGone(code) from None
                if code in BLOCKS_REFUSED and kwargs.get("blocks"):
                    log.warning("slack %s refused the blocks (%s): sending the text alone",
                                name, code)
                    # chat.update needs [] to drop the old blocks; a post needs none at all.
                    if name == "chat.update":
                        kwargs["blocks"] = []
                    else:
                        del kwargs["blocks"]
                    continue
                status = exc.response.status_code if exc.response is not None else "?"
                raise SlackDeliveryError(name, status, code) from None


# --- the slash command ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Who:
    """The person behind a command; whether they are an admin is asked only when it
    matters (an admin command), since it costs a users.info call."""

    user_id: str
    channel_id: str
    is_admin: Callable[[], Awaitable[bool]]

    async def caller(self) -> Caller:
        return Caller(PLATFORM, self.user_id, self.channel_id, await self.is_admin())


def readable(text: str) -> str:
    """Slack's escaped command text as the person typed it: <#C1|name> → #name,
    <@U1|name> → @name, <url|label> → url, entities back to characters."""

    def plain(m: re.Match[str]) -> str:
        inner = m.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("#"):
            return f"#{label or target[1:]}"
        if target.startswith("@"):
            return f"@{label or target[1:]}"
        if target.startswith("!"):
            return f"@{label or target[1:].split('^')[0]}"
        return target

    return html.unescape(_SPECIAL.sub(plain, text))


def channel_arg(token: str) -> str | None:
    """A channel argument: <#C123|name> (what Slack sends for #name) → "C123"; a plain
    #name or id as given. None for anything else."""
    token = token.strip()
    if m := _CHANNEL_REF.match(token):
        return m.group(1)
    if token.startswith("#") and re.fullmatch(r"#[\w.-]{1,80}", token):
        return token[1:]
    if _CHANNEL_ID.match(token):
        return token
    return None


def url_arg(token: str) -> str:
    """A URL argument: Slack wraps a typed link as <url> or <url|as typed>."""
    m = _LINK_REF.match(token.strip())
    return html.unescape(m.group(1) if m else token.strip())


def help_message() -> Message:
    lines = [f"`{COMMAND} {form}` — {what}" for form, what in HELP]
    return Message(title="treatywatch commands", body="\n".join(lines),
                   footer="Alerts arrive in subscribed channels; admins manage them.",
                   ephemeral=True)


def usage(text: str) -> Message:
    return error(f"Usage: {COMMAND} {text}")


async def answer(ctx: Context, text: str, who: Who) -> Message:
    """The Message for `/treaty TEXT`, from the platform-neutral handlers."""
    parts = text.split(maxsplit=1)
    sub = parts[0].casefold() if parts else ""
    rest = parts[1].strip() if len(parts) > 1 else ""
    if sub in ADMIN_COMMANDS:
        caller = await who.caller()
        if not caller.is_admin:  # before usage errors: a member learns nothing more
            return error(admin.ADMIN_ONLY)
        return await _admin(ctx, caller, sub, rest)
    if sub in ("", "help"):
        return help_message()
    if sub == "article":
        query = readable(rest)
        return await article_cmd(ctx, query) if query else usage("article N (e.g. 4)")
    if sub == "ask":
        return ask_cmd(ctx, readable(rest))
    if sub == "latest":
        return await _latest(ctx, readable(rest).split())
    if sub == "story":
        number = readable(rest).lstrip("#")
        if not number.isdigit():
            return usage("story ID (a number, e.g. 12)")
        return await news.story(ctx, int(number))
    if sub == "troops":
        return await news.troops(ctx)
    if sub == "digest":
        return await news.digest_preview(ctx)
    if sub == "timeline":
        return timeline_cmd(ctx)
    return error(f"Unknown command {cut(readable(sub), 40)!r}: try {COMMAND} help.")


async def _latest(ctx: Context, args: list[str]) -> Message:
    topic: str | None = None
    count = 5
    numbers = [a for a in args if a.isdigit()]
    words = [a for a in args if not a.isdigit()]
    if len(numbers) > 1 or len(words) > 1:
        return usage("latest [topic] [count]")
    if words:
        topic = words[0]
    if numbers:
        count = int(numbers[0])
    return await news.latest(ctx, topic, count)


async def _admin(ctx: Context, caller: Caller, sub: str, rest: str) -> Message:
    args = rest.split()
    if sub in ("subscribe", "unsubscribe"):
        if not 1 <= len(args) <= 2:
            return usage(f"{sub} topic [#channel]")
        channel = None
        if len(args) == 2 and (channel := channel_arg(args[1])) is None:
            return error(f"{readable(args[1])!r} is not a channel: give it as #channel.")
        if sub == "subscribe":
            return await admin.subscribe(ctx, caller, readable(args[0]), channel, None)
        return await admin.unsubscribe(ctx, caller, readable(args[0]), channel)
    action = args[0].casefold() if args else ""
    if action == "list" and len(args) == 1:
        return await admin.feeds_list(ctx, caller)
    if action == "status" and len(args) == 1:
        return await admin.feeds_status(ctx, caller)
    if action == "add" and len(args) >= 2:
        name = readable(" ".join(args[2:])).strip() or None
        return await admin.feeds_add(ctx, caller, url_arg(args[1]), name)
    if action == "remove" and len(args) >= 2:
        return await admin.feeds_remove(ctx, caller, readable(" ".join(args[1:])))
    return usage("feeds list|add URL [name]|remove NAME|status")


# --- the app ----------------------------------------------------------------------------------


class SlackApp:
    """Bolt's AsyncApp in Socket Mode (with `app_token`) or over HTTP on `port`."""

    def __init__(
        self,
        ctx: Context,
        *,
        bot_token: str,
        signing_secret: str | None,
        app_token: str | None,
        port: int = 3000,
        api_base: str | None = None,
        host: str = "0.0.0.0",  # Slack (or a proxy in front) must reach it
    ) -> None:
        if not bot_token:
            raise ValueError("Slack needs SLACK_BOT_TOKEN")
        if not (app_token or signing_secret):
            raise ValueError(
                "Slack needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP)"
            )
        _REDACT.secrets.update(s for s in (bot_token, signing_secret, app_token) if s)
        self.ctx = ctx
        self.host = host
        self.port = port
        self._app_token = app_token
        base = (api_base or AsyncWebClient.BASE_URL).rstrip("/") + "/"
        self.client = AsyncWebClient(token=bot_token, base_url=base, logger=_sdk_log)
        self.sender = SlackSender(self.client)
        self.bolt = AsyncApp(
            client=self.client,
            # Socket Mode needs no signature; "" also keeps bolt from reading the env.
            signing_secret=signing_secret or "",
            logger=_bolt_log,
            name="treatywatch",
        )
        self.bolt.command(COMMAND)(self._on_command)
        self.bolt.action(re.compile(f"^{SOURCE_ACTION}"))(self._on_link)
        self.ready = asyncio.Event()  # set once Slack can reach the app
        self._stop = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._socket: AsyncSocketModeHandler | None = None

    async def start(self) -> None:
        """Serve until cancelled or closed; a token Slack refuses raises SlackStartError."""
        try:
            await self._check_bot_token()
            if self._app_token:
                await self._start_socket_mode()
            else:
                await self._start_http()
            self.ready.set()
            log.info("slack: %s", "Socket Mode connected" if self._app_token
                     else f"listening on {self.host}:{self.port}{PATH}")
            await self._stop.wait()
        finally:
            await self._shutdown()

    async def close(self) -> None:
        self._stop.set()
        await self._shutdown()

    async def _check_bot_token(self) -> None:
        try:
            await self.client.auth_test()
        except SlackApiError as exc:
            raise SlackStartError(
                f"Slack refused SLACK_BOT_TOKEN: {_error_code(exc) or 'error'}"
            ) from None

    async def _start_http(self) -> None:
        server = self.bolt.server(port=self.port, path=PATH, host=self.host)
        self._runner = web.AppRunner(server.web_app)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        for address in self._runner.addresses:  # the port Slack reaches, when 0 was asked
            if isinstance(address, tuple):
                self.port = int(address[1])
                break

    async def _start_socket_mode(self) -> None:
        # Made here, not in __init__: the socket client starts a task on the running loop.
        self._socket = socket = AsyncSocketModeHandler(self.bolt, app_token=self._app_token,
                                                       logger=_sdk_log)
        try:
            # The SDK retries a refused connection forever; asked once here, a bad app
            # token stops the start instead.
            socket.client.wss_uri = await socket.client.issue_new_wss_url()
        except SlackApiError as exc:
            raise SlackStartError(
                f"Slack refused SLACK_APP_TOKEN: {_error_code(exc) or 'error'}"
            ) from None
        await socket.connect_async()

    async def _shutdown(self) -> None:
        socket, self._socket = self._socket, None
        if socket is not None:
            try:
                await socket.close_async()
            except Exception as exc:  # closing must go on to the rest
                log.debug("slack socket close: %s", exc)
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _is_admin(self, user_id: str) -> bool:
        try:
            found = await self.client.users_info(user=user_id)
        except SlackApiError as exc:
            log.warning("users.info for %s failed (%s): treated as a member",
                        user_id, _error_code(exc))
            return False
        user = found.get("user") or {}
        return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))

    async def _on_command(self, ack: AsyncAck, command: dict[str, Any],
                          respond: AsyncRespond) -> None:
        await ack()  # first: Slack gives up after 3 s; the answer goes to the response URL
        text = str(command.get("text") or "")
        user_id = str(command.get("user_id") or "")
        who = Who(user_id, str(command.get("channel_id") or ""),
                  lambda: self._is_admin(user_id))
        try:
            message = await answer(self.ctx, text, who)
        except Exception:
            log.exception("%s %s failed", COMMAND, text.partition(" ")[0][:40])
            message = error(FAILED)
        try:
            sent = await respond(**response(message))
        except Exception as exc:
            log.warning("could not answer %s: %s", COMMAND, type(exc).__name__)
            return
        if sent.status_code != 200:
            log.warning("Slack refused the answer to %s: HTTP %s %s", COMMAND,
                        sent.status_code, str(sent.body)[:100])

    async def _on_link(self, ack: AsyncAck) -> None:
        # A link button opens its URL in the browser; Slack still wants the click acked.
        await ack()


__all__ = ["ChannelGone", "SlackApp", "SlackSender", "SlackStartError", "answer", "render"]
