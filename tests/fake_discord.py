"""A fake Discord on 127.0.0.1: the REST routes the bot uses and the gateway websocket.

The real discord.py client talks to it over real HTTP and a real websocket. It keeps the
state a test asserts on (messages per channel, registered commands, interaction answers),
records every request, checks what Discord would refuse (embed limits, command shapes,
tokens, privileged intents), and lets a test make it misbehave: 429 with retry_after,
channels that are gone (404) or forbidden (403), a response lost after the message was
created.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import zlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

API = "/api/v10"
MANAGE_GUILD = 1 << 5
ADMINISTRATOR = 1 << 3
MEMBER_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 31)  # view, send, ...
PRIVILEGED_INTENTS = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
EPHEMERAL = 1 << 6
OPTION_TYPES = {"subcommand": 1, "group": 2, "string": 3, "integer": 4, "channel": 7, "role": 8}
_NAME = re.compile(r"^[-_\w]{1,32}$")
NONCE_MEMORY = 300.0  # seconds of the fake's clock that a nonce deduplicates for
DISCORD_EPOCH_MS = 1_420_070_400_000


@dataclass
class Recorded:
    method: str
    path: str  # below /api/v10
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    at: float  # time.monotonic()
    status: int = 0
    files: list[Upload] = field(default_factory=list)


@dataclass
class Upload:
    field: str  # "files[0]", ...
    filename: str
    data: bytes


@dataclass
class Channel:
    id: str
    name: str
    status: int = 200  # 404: gone, 403: the bot may not see or post there


@dataclass
class InteractionRecord:
    """One interaction the test pushed, and everything the bot answered to it."""

    id: str
    token: str
    type: int
    channel_id: str
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    answered: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def answer(self) -> dict[str, Any]:
        """The message the user finally sees (the last one not deleted)."""
        shown = [m for m in [self.original, *self.followups] if m and not m.get("deleted")]
        assert shown, f"interaction {self.id} has no visible answer: {self.callbacks}"
        return shown[-1]

    @property
    def choices(self) -> list[dict[str, Any]]:
        [callback] = [c for c in self.callbacks if c["type"] == 8]
        return callback["data"]["choices"]


class BadRequest(Exception):
    def __init__(self, errors: Any) -> None:
        super().__init__(errors)
        self.errors = errors


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _embed_errors(embeds: list[dict[str, Any]]) -> list[str]:
    """What Discord's form validation says about these embeds (empty when it accepts)."""
    errors: list[str] = []
    total = 0
    for i, e in enumerate(embeds):
        limits = {"title": 256, "description": 4096}
        for key, limit in limits.items():
            value = e.get(key)
            if value is not None and not 1 <= len(value) <= limit:
                errors.append(f"embeds.{i}.{key}: length {len(value)} not in 1..{limit}")
            total += len(value or "")
        fields = e.get("fields", [])
        if len(fields) > 25:
            errors.append(f"embeds.{i}.fields: {len(fields)} > 25")
        for j, f in enumerate(fields):
            name, value = f.get("name", ""), f.get("value", "")
            if not name.strip() or len(name) > 256:
                errors.append(f"embeds.{i}.fields.{j}.name: length {len(name)}")
            if not value.strip() or len(value) > 1024:
                errors.append(f"embeds.{i}.fields.{j}.value: length {len(value)}")
            total += len(name) + len(value)
        footer = (e.get("footer") or {}).get("text", "")
        if len(footer) > 2048:
            errors.append(f"embeds.{i}.footer.text: length {len(footer)}")
        total += len(footer)
        author = (e.get("author") or {}).get("name", "")
        if len(author) > 256:
            errors.append(f"embeds.{i}.author.name: length {len(author)}")
        total += len(author)
        for key in ("url",):
            url = e.get(key)
            if url is not None and not re.match(r"^https?://[^\s/]+", url):
                errors.append(f"embeds.{i}.{key}: not a well formed URL: {url!r}")
        if not (e.get("title") or e.get("description") or fields or e.get("image")):
            errors.append(f"embeds.{i}: empty embed")
    if total > 6000:
        errors.append(f"embeds: {total} characters > 6000")
    return errors


def pings(content: str, allowed: dict[str, Any] | None) -> dict[str, list[str]]:
    """Who a message's content would notify, under Discord's allowed_mentions rules."""
    parse = ["users", "roles", "everyone"] if allowed is None else allowed.get("parse", [])
    roles_allowed = [] if allowed is None else [str(r) for r in allowed.get("roles", [])]
    users_allowed = [] if allowed is None else [str(u) for u in allowed.get("users", [])]
    roles = re.findall(r"<@&(\d+)>", content)
    users = re.findall(r"<@!?(\d+)>", content)
    return {
        "roles": [r for r in roles if "roles" in parse or r in roles_allowed],
        "users": [u for u in users if "users" in parse or u in users_allowed],
        "everyone": ["everyone"] if "everyone" in parse and re.search(r"@(everyone|here)",
                                                                       content) else [],
    }


class FakeDiscord:
    """One guild with three text channels and a role, one application and its bot user.

    `messages[channel][id]` is what each channel shows now; `requests` is every REST call;
    `interact()` plays a user running a slash command and returns what the bot answered.
    """

    def __init__(
        self,
        *,
        token: str = "fake-token",
        guild_id: str = "700000000000000001",
        channels: tuple[str, ...] = ("800000000000000001", "800000000000000002",
                                     "800000000000000003"),
        role_id: str = "900000000000000001",
    ) -> None:
        self.token = token
        self.guild_id = guild_id
        self.app_id = "600000000000000001"
        self.bot_id = self.app_id
        self.role_id = role_id
        self.channels = {c: Channel(c, f"channel-{n}") for n, c in enumerate(channels, 1)}
        self.requests: list[Recorded] = []
        self.messages: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in channels}
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or a guild id
        self.interactions: dict[str, InteractionRecord] = {}
        self.bad_requests: list[tuple[str, Any]] = []
        self.identify: list[dict[str, Any]] = []
        self.gateway_queries: list[dict[str, str]] = []
        self.identified = asyncio.Event()
        self.heartbeats = 0
        self._rate_limits: list[tuple[str, str, float]] = []  # method, path regex, retry_after
        self._lost: list[tuple[str, str, int]] = []  # method, path regex, status
        self._nonces: dict[tuple[str, str], tuple[str, float]] = {}  # → (message, when)
        self._ids = itertools.count(1)
        self._last_id = 0
        self.offset = 0.0  # seconds the fake's clock is ahead of the wall clock
        self._holds: list[tuple[str, str, Callable[[], float]]] = []
        self.holding = 0  # answers created and held back right now
        self.hold_started = asyncio.Event()
        self._sessions: list[_Session] = []
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- control, for tests ---------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def rate_limit(self, method: str, path: str, retry_after: float) -> None:
        """The next request matching `path` (a regex on the path below /api/v10) gets a
        429 asking to wait `retry_after` seconds."""
        self._rate_limits.append((method, path, retry_after))

    def lose_response(self, method: str, path: str, status: int = 502) -> None:
        """The next matching request is carried out, but the bot gets `status` back."""
        self._lost.append((method, path, status))

    def clock(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock on: nonces older than NONCE_MEMORY are forgotten."""
        self.offset += seconds

    def hold(self, method: str, path: str, delay: Callable[[], float]) -> None:
        """Every matching request is carried out at once, and its answer is sent `delay()`
        seconds later: a bot killed meanwhile never learns what became of it."""
        self._holds.append((method, path, delay))

    def add_unannounced_channel(self, channel_id: str, name: str) -> None:
        """A channel that exists, but that the bot was never told about (no
        GUILD_CREATE or CHANNEL_CREATE carried it)."""
        self.channels[channel_id] = Channel(channel_id, name)
        self.messages[channel_id] = {}

    def matching(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and re.fullmatch(path, r.path)]

    def posts(self, channel: str) -> list[Recorded]:
        return [r for r in self.matching("POST", rf"/channels/{channel}/messages")
                if r.status == 200]

    def snowflake(self) -> str:
        """A new id: the wall clock's milliseconds since Discord's epoch, shifted 22 bits."""
        stamp = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._last_id = max(self._last_id + 1, stamp)
        return str(self._last_id)

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        for session in list(self._sessions):
            with suppress(Exception):
                await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- the gateway ----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.gateway_queries.append(dict(request.query))
        compress = request.query.get("compress")
        if request.query.get("v") != "10" or request.query.get("encoding") != "json" or (
            compress not in (None, "zlib-stream")
        ):
            await ws.close(code=4012, message=b"Invalid API version or encoding")
            return ws
        session = _Session(ws, compress == "zlib-stream")
        await session.send({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            op = payload.get("op")
            if op == 1:
                self.heartbeats += 1
                await session.send({"op": 11, "d": None, "s": None, "t": None})
            elif op == 2:
                await self._on_identify(session, payload["d"])
            elif op == 6:
                await session.send({"op": 9, "d": False, "s": None, "t": None})
        if session in self._sessions:
            self._sessions.remove(session)
        return ws

    async def _on_identify(self, session: _Session, data: dict[str, Any]) -> None:
        self.identify.append(data)
        if data.get("token") != self.token:
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        if data.get("intents", 0) & PRIVILEGED_INTENTS:
            await session.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self._sessions.append(session)
        await session.dispatch("READY", {
            "v": 10, "user": self._bot_user(), "guilds": [{"id": self.guild_id,
                                                           "unavailable": True}],
            "session_id": f"session-{len(self.identify)}", "resume_gateway_url": self.gateway_url,
            "shard": data.get("shard", [0, 1]),
            "application": {"id": self.app_id, "flags": 0},
        })
        await session.dispatch("GUILD_CREATE", self._guild())
        self.identified.set()

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._sessions, "no bot is connected to the gateway"
        for session in self._sessions:
            await session.dispatch(event, data)

    # --- interactions, as a user would start them ------------------------------------------

    def _command(self, name: str) -> dict[str, Any]:
        for scope in (self.guild_id, "global"):
            for command in self.commands.get(scope, []):
                if command["name"] == name:
                    return command
        raise AssertionError(f"/{name} is not registered: {self.commands}")

    def _options(
        self, schema: list[dict[str, Any]], values: dict[str, Any], focused: str | None
    ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        options: list[dict[str, Any]] = []
        resolved: dict[str, Any] = {}
        by_name = {o["name"]: o for o in schema}
        for name, value in values.items():
            spec = by_name.get(name)
            assert spec is not None, f"no option {name!r} in {list(by_name)}"
            option: dict[str, Any] = {"name": name, "type": spec["type"], "value": value}
            if name == focused:
                option.update(type=OPTION_TYPES["string"], value=str(value), focused=True)
            elif spec["type"] == OPTION_TYPES["channel"]:
                channel = self.channels[str(value)]
                resolved.setdefault("channels", {})[channel.id] = {
                    **self._channel(channel), "permissions": str(MEMBER_PERMISSIONS)}
            elif spec["type"] == OPTION_TYPES["role"]:
                resolved.setdefault("roles", {})[str(value)] = self._role(str(value), "watchers")
            options.append(option)
        return options, resolved

    async def interact(
        self,
        command: str,
        options: dict[str, Any] | None = None,
        *,
        sub: str | None = None,
        focused: str | None = None,
        admin: bool = True,
        user_id: str = "500000000000000001",
        channel_id: str | None = None,
        wait: float = 5.0,
    ) -> InteractionRecord:
        """Run a slash command (or its autocomplete, with `focused`) and wait for the answer."""
        spec = self._command(command)
        schema = spec.get("options", [])
        opts, resolved = self._options(
            next(o for o in schema if o["name"] == sub).get("options", []) if sub else schema,
            options or {}, focused)
        if sub:
            opts = [{"name": sub, "type": OPTION_TYPES["subcommand"], "options": opts}]
        data: dict[str, Any] = {"id": spec["id"], "name": command, "type": 1, "options": opts,
                                "guild_id": self.guild_id}
        if resolved:
            data["resolved"] = resolved
        kind = 4 if focused else 2
        channel = self.channels[channel_id or next(iter(self.channels))]
        record = InteractionRecord(self.snowflake(), f"itoken-{next(self._ids)}", kind,
                                   channel.id)
        self.interactions[record.id] = record
        perms = MEMBER_PERMISSIONS | (MANAGE_GUILD if admin else 0)
        await self.dispatch("INTERACTION_CREATE", {
            "id": record.id, "application_id": self.app_id, "type": kind, "data": data,
            "guild_id": self.guild_id, "channel_id": channel.id,
            "channel": {**self._channel(channel)},
            "member": {
                "user": {"id": user_id, "username": "analyst", "discriminator": "0",
                         "global_name": "Analyst", "avatar": None},
                "roles": [], "joined_at": _now(), "deaf": False, "mute": False,
                "permissions": str(perms), "flags": 0, "nick": None, "avatar": None,
                "pending": False, "premium_since": None, "communication_disabled_until": None,
            },
            "token": record.token, "version": 1, "app_permissions": str(MEMBER_PERMISSIONS),
            "locale": "en-US", "guild_locale": "en-US", "entitlements": [],
            "authorizing_integration_owners": {"0": self.guild_id}, "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        })
        await asyncio.wait_for(record.answered.wait(), wait)
        return record

    # --- REST -----------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        files: list[Upload] = []
        body: Any = None
        if request.content_type.startswith("multipart/"):
            # Messages with files: the JSON in "payload_json", the files in "files[n]".
            reader = await request.multipart()
            while (part := await reader.next()) is not None:
                assert isinstance(part, BodyPartReader)
                data = await part.read()
                if part.name == "payload_json":
                    body = json.loads(data)
                else:
                    files.append(Upload(str(part.name), part.filename or "", bytes(data)))
        else:
            raw = await request.read()
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
        rec = Recorded(request.method, path, dict(request.query), body, dict(request.headers),
                       time.monotonic(), files=files)
        self.requests.append(rec)
        response = await self._answer(request, rec)
        rec.status = response.status
        delay = next((d for m, p, d in self._holds
                      if m == rec.method and re.fullmatch(p, rec.path)), None)
        if delay is not None and response.status == 200:
            self.holding += 1
            self.hold_started.set()
            try:
                await asyncio.sleep(delay())
            finally:
                self.holding -= 1
        return response

    def _take(self, rules: list[tuple[str, str, Any]], rec: Recorded) -> Any:
        for index, (method, path, value) in enumerate(rules):
            if method == rec.method and re.fullmatch(path, rec.path):
                del rules[index]
                return value
        return None

    async def _answer(self, request: web.Request, rec: Recorded) -> web.Response:
        retry_after = self._take(self._rate_limits, rec)  # type: ignore[arg-type]
        if retry_after is not None:
            return self._json({"message": "You are being rate limited.",
                               "retry_after": retry_after, "global": False}, 429, {
                "Retry-After": str(max(1, round(retry_after))),
                "X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": "fake-bucket", "X-RateLimit-Scope": "user"})
        public = rec.path.startswith(("/interactions/", "/webhooks/"))
        if not public and request.headers.get("Authorization") != f"Bot {self.token}":
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        try:
            status, data = self._route(rec)
        except BadRequest as exc:
            self.bad_requests.append((rec.path, exc.errors))
            return self._json({"message": "Invalid Form Body", "code": 50035,
                               "errors": exc.errors}, 400)
        except _Status as exc:
            return self._json(exc.body, exc.status)
        lost = self._take(self._lost, rec)  # type: ignore[arg-type]
        if lost is not None:
            return self._json({"message": "upstream connect error"}, lost)
        if status == 204:
            return web.Response(status=204, headers=self._limits())
        return self._json(data, status)

    def _limits(self) -> dict[str, str]:
        # Never exhausted, so that discord.py does not pause on its own between requests.
        return {"X-RateLimit-Limit": "50", "X-RateLimit-Remaining": "49",
                "X-RateLimit-Reset": f"{time.time() + 1:.3f}", "X-RateLimit-Reset-After": "1.000",
                "X-RateLimit-Bucket": "fake-bucket"}

    def _json(self, data: Any, status: int = 200, headers: dict[str, str] | None = None
              ) -> web.Response:
        extra = {"Via": "1.1 google", **(headers or (self._limits() if status < 400 else {}))}
        # Exactly this content type, as Discord sends it: discord.py compares it verbatim.
        return web.Response(body=json.dumps(data).encode(), status=status, headers={
            **extra, "Content-Type": "application/json"})

    def _route(self, rec: Recorded) -> tuple[int, Any]:
        m, p, body = rec.method, rec.path, rec.body
        if (m, p) == ("GET", "/users/@me"):
            return 200, self._bot_user()
        if (m, p) == ("GET", "/gateway/bot"):
            return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": {
                "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}
        if (m, p) == ("GET", "/oauth2/applications/@me"):
            return 200, self._application()
        routes: list[tuple[str, str, Callable[[re.Match[str]], tuple[int, Any]]]] = [
            ("PUT", r"/applications/(\d+)(?:/guilds/(\d+))?/commands",
             lambda g: (200, self._register(g[1], g[2] or "global", body))),
            ("GET", r"/channels/(\d+)", lambda g: (200, self._channel(self._usable(g[1])))),
            ("POST", r"/channels/(\d+)/messages",
             lambda g: (200, self._create(self._usable(g[1]), body, rec.files))),
            ("GET", r"/channels/(\d+)/messages",
             lambda g: (200, self._history(self._usable(g[1]), rec.query))),
            ("PATCH", r"/channels/(\d+)/messages/(\d+)",
             lambda g: (200, self._edit(self._usable(g[1]), g[2], body, rec.files))),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback",
             lambda g: self._callback(g[1], g[2], body, rec.query, rec.files)),
        ]
        for method, pattern, handle in routes:
            if method == m and (match := re.fullmatch(pattern, p)):
                return handle(match)
        if match := re.fullmatch(r"/webhooks/(\d+)/([^/]+)(?:/messages/(@original|\d+))?", p):
            return self._webhook(m, match[2], match[3], body, rec.files)
        return 404, {"message": "404: Not Found", "code": 0}

    # --- channels and messages --------------------------------------------------------------

    def _usable(self, channel_id: str) -> Channel:
        channel = self.channels.get(channel_id)
        if channel is None or channel.status == 404:
            raise _Status(404, {"message": "Unknown Channel", "code": 10003})
        if channel.status == 403:
            raise _Status(403, {"message": "Missing Access", "code": 50001})
        return channel

    def _check_message(self, body: dict[str, Any]) -> None:
        errors = _embed_errors(body.get("embeds") or [])
        if len(body.get("content") or "") > 2000:
            errors.append("content: longer than 2000")
        if len(body.get("embeds") or []) > 10:
            errors.append("embeds: more than 10")
        if errors:
            raise BadRequest(errors)

    def _attachments(self, files: list[Upload]) -> list[dict[str, Any]]:
        return [{"id": self.snowflake(), "filename": f.filename, "size": len(f.data),
                 "url": f"https://cdn.fake.example/{f.filename}",
                 "proxy_url": f"https://media.fake.example/{f.filename}",
                 "content_type": "image/png" if f.data.startswith(b"\x89PNG") else None}
                for f in files]

    def _message(self, channel_id: str, body: dict[str, Any], flags: int = 0,
                 files: list[Upload] | None = None) -> dict[str, Any]:
        content = body.get("content") or ""
        allowed = body.get("allowed_mentions")
        return {
            "id": self.snowflake(), "channel_id": channel_id, "guild_id": self.guild_id,
            "author": self._bot_user(), "content": content, "timestamp": _now(),
            "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
            "mention_roles": pings(content, allowed)["roles"],
            "attachments": self._attachments(files or []),
            "embeds": body.get("embeds") or [], "pinned": False, "type": 0,
            "flags": flags | (body.get("flags") or 0), "components": [],
            "nonce": body.get("nonce"), "allowed_mentions": allowed,
            "pings": pings(content, allowed),
        }

    def _create(self, channel: Channel, body: dict[str, Any], files: list[Upload]
                ) -> dict[str, Any]:
        self._check_message(body)
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            # Discord returns the message already created with this nonce, not a second one,
            # for a few minutes.
            known = self._nonces.get((channel.id, str(nonce)))
            if (known is not None and known[0] in self.messages[channel.id]
                    and self.clock() - known[1] < NONCE_MEMORY):
                return self.messages[channel.id][known[0]]
        message = self._message(channel.id, body, files=files)
        self.messages[channel.id][message["id"]] = message
        if nonce is not None:
            self._nonces[(channel.id, str(nonce))] = (message["id"], self.clock())
        return message

    def _history(self, channel: Channel, query: dict[str, str]) -> list[dict[str, Any]]:
        """GET /channels/{id}/messages: newest first; with `after`, the `limit` messages
        right after it; with `before`, those right before it. No nonces: Discord keeps
        them only in the answer to the post."""
        limit = min(int(query.get("limit", 50)), 100)
        ids = sorted(self.messages[channel.id], key=int)
        if "after" in query:
            ids = [i for i in ids if int(i) > int(query["after"])][:limit]
        else:
            if "before" in query:
                ids = [i for i in ids if int(i) < int(query["before"])]
            ids = ids[-limit:]
        return [{k: v for k, v in self.messages[channel.id][i].items() if k != "nonce"}
                for i in reversed(ids)]

    def _edit(self, channel: Channel, message_id: str, body: dict[str, Any],
              files: list[Upload]) -> dict[str, Any]:
        message = self.messages[channel.id].get(message_id)
        if message is None:
            raise _Status(404, {"message": "Unknown Message", "code": 10008})
        self._check_message(body)
        for key in ("content", "embeds", "allowed_mentions"):
            if key in body:
                message[key] = body[key]
        if "attachments" in body:
            message["attachments"] = self._attachments(files)
        message["edited_timestamp"] = _now()
        message["edits"] = message.get("edits", 0) + 1
        return message

    def delete_message(self, channel_id: str, message_id: str) -> None:
        del self.messages[channel_id][message_id]

    # --- interactions ---------------------------------------------------------------------

    def _callback(self, interaction_id: str, token: str, body: dict[str, Any],
                  query: dict[str, str], files: list[Upload]) -> tuple[int, Any]:
        record = self.interactions.get(interaction_id)
        if record is None or record.token != token:
            raise _Status(404, {"message": "Unknown interaction", "code": 10062})
        if record.callbacks:
            raise _Status(400, {"message": "Interaction has already been acknowledged.",
                                "code": 40060})
        kind = body["type"]
        data = body.get("data") or {}
        if kind == 8:
            choices = data.get("choices", [])
            errors = [f"choices.{i}" for i, c in enumerate(choices)
                      if not 1 <= len(c["name"]) <= 100 or len(str(c["value"])) > 100]
            if len(choices) > 25 or errors:
                raise BadRequest(errors or ["choices: more than 25"])
        if kind == 4:
            self._check_message(data)
        record.callbacks.append(body)
        if kind == 8:
            record.answered.set()
            return 204, None
        message = self._message(record.channel_id, data if kind == 4 else {},
                                flags=(data.get("flags") or 0), files=files)
        message["interaction_loading"] = kind == 5
        record.original = message
        if kind == 4:
            record.answered.set()
        if query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        return 200, {
            "interaction": {"id": record.id, "type": record.type,
                            "response_message_id": message["id"],
                            "response_message_loading": kind == 5,
                            "response_message_ephemeral": bool(message["flags"] & EPHEMERAL)},
            "resource": {"type": kind, "message": message},
        }

    def _webhook(self, method: str, token: str, target: str | None, body: Any,
                 files: list[Upload]) -> tuple[int, Any]:
        record = next((r for r in self.interactions.values() if r.token == token), None)
        if record is None or not record.callbacks:
            raise _Status(404, {"message": "Unknown Webhook", "code": 10015})
        if target is None and method == "POST":
            self._check_message(body)
            message = self._message(record.channel_id, body, files=files)
            record.followups.append(message)
            record.answered.set()
            return 200, message
        message = record.original if target == "@original" else next(
            (f for f in record.followups if f["id"] == target), None)
        if message is None or message.get("deleted"):
            raise _Status(404, {"message": "Unknown Message", "code": 10008})
        if method == "PATCH":
            self._check_message(body)
            for key in ("content", "embeds", "allowed_mentions"):
                if key in body:
                    message[key] = body[key]
            if "attachments" in body:
                message["attachments"] = self._attachments(files)
            message["interaction_loading"] = False
            record.answered.set()
            return 200, message
        if method == "DELETE":
            message["deleted"] = True
            return 204, None
        return 200, message

    # --- payloads -------------------------------------------------------------------------

    def _register(self, app_id: str, scope: str, commands: list[dict[str, Any]]
                  ) -> list[dict[str, Any]]:
        if app_id != self.app_id:
            raise _Status(403, {"message": "Missing Access", "code": 50001})
        errors = _command_errors(commands)
        if errors:
            raise BadRequest(errors)
        old = {c["name"]: c["id"] for c in self.commands.get(scope, [])}
        # Discord answers with permissions as a string, whichever the bot sent.
        stored = [
            {**c, "default_member_permissions": None if c.get("default_member_permissions")
             is None else str(c["default_member_permissions"]),
             "id": old.get(c["name"]) or self.snowflake(), "application_id": self.app_id,
             "version": self.snowflake(), "type": c.get("type", 1),
             **({"guild_id": scope} if scope != "global" else {})}
            for c in commands
        ]
        self.commands[scope] = stored
        return stored

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "username": "treatywatch", "discriminator": "0",
                "global_name": None, "avatar": None, "bot": True, "flags": 0,
                "mfa_enabled": False, "verified": True}

    def _application(self) -> dict[str, Any]:
        return {"id": self.app_id, "name": "treatywatch", "icon": None, "description": "",
                "rpc_origins": [], "bot_public": True, "bot_require_code_grant": False,
                "owner": {"id": "400000000000000001", "username": "owner", "discriminator": "0",
                          "global_name": None, "avatar": None},
                "team": None, "verify_key": "0" * 64, "flags": 0, "summary": "",
                "interactions_endpoint_url": None, "tags": []}

    def _role(self, role_id: str, name: str) -> dict[str, Any]:
        perms = MEMBER_PERMISSIONS if role_id == self.guild_id else 0
        return {"id": role_id, "name": name, "color": 0, "hoist": False, "icon": None,
                "unicode_emoji": None, "position": 0 if role_id == self.guild_id else 1,
                "permissions": str(perms), "managed": False, "mentionable": True, "flags": 0}

    def _channel(self, channel: Channel) -> dict[str, Any]:
        return {"id": channel.id, "type": 0, "guild_id": self.guild_id, "name": channel.name,
                "position": 0, "permission_overwrites": [], "nsfw": False, "parent_id": None,
                "topic": None, "last_message_id": None, "rate_limit_per_user": 0, "flags": 0}

    def _guild(self) -> dict[str, Any]:
        return {
            "id": self.guild_id, "name": "OSINT watchers", "icon": None, "splash": None,
            "discovery_splash": None, "owner_id": "400000000000000001", "afk_channel_id": None,
            "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
            "explicit_content_filter": 0, "features": [], "mfa_level": 0,
            "application_id": None, "system_channel_id": None, "system_channel_flags": 0,
            "rules_channel_id": None, "vanity_url_code": None, "description": None,
            "banner": None, "premium_tier": 0, "preferred_locale": "en-US",
            "public_updates_channel_id": None, "nsfw_level": 0, "premium_progress_bar_enabled":
            False, "roles": [self._role(self.guild_id, "@everyone"),
                             self._role(self.role_id, "watchers")],
            "emojis": [], "stickers": [], "joined_at": _now(), "large": False,
            "unavailable": False, "member_count": 2, "voice_states": [], "members": [],
            "channels": [self._channel(c) for c in self.channels.values()], "threads": [],
            "presences": [], "stage_instances": [], "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


class _Status(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def _command_errors(commands: list[dict[str, Any]]) -> list[str]:
    """What Discord refuses in a bulk overwrite of application commands."""
    errors: list[str] = []
    if len(commands) > 100:
        errors.append("more than 100 commands")

    def check(where: str, spec: dict[str, Any], depth: int) -> None:
        name, desc = spec.get("name", ""), spec.get("description", "")
        if not _NAME.match(name) or name != name.lower():
            errors.append(f"{where}.name: {name!r}")
        if not 1 <= len(desc) <= 100:
            errors.append(f"{where}.description: length {len(desc)}")
        options = spec.get("options") or []
        if len(options) > 25:
            errors.append(f"{where}.options: more than 25")
        seen_optional = False
        for i, option in enumerate(options):
            if option["type"] in (1, 2):
                if depth >= 2:
                    errors.append(f"{where}.options.{i}: nested too deep")
                check(f"{where}.options.{i}", option, depth + 1)
                continue
            check(f"{where}.options.{i}", {**option, "options": []}, depth + 1)
            if option.get("required"):
                if seen_optional:
                    errors.append(f"{where}.options.{i}: required after optional")
            else:
                seen_optional = True
            if option.get("autocomplete") and option.get("choices"):
                errors.append(f"{where}.options.{i}: autocomplete with choices")

    for index, command in enumerate(commands):
        check(str(index), command, 0)
    names = [c.get("name") for c in commands]
    if len(names) != len(set(names)):
        errors.append("duplicate command names")
    return errors


class _Session:
    """One gateway connection; zlib-stream compressed when the client asked for it."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self.seq = 0
        self._zlib = zlib.compressobj() if compress else None

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        if self._zlib is None:
            await self.ws.send_str(text)
        else:
            data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(data)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        self.seq += 1
        await self.send({"op": 0, "t": event, "s": self.seq, "d": data})


@asynccontextmanager
async def started_fake_discord(**kwargs: Any) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(**kwargs)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()

