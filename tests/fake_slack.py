"""A fake Slack on 127.0.0.1 for tests: the Web API methods the bot calls, response URLs,
file uploads and a Socket Mode WebSocket, all over real HTTP.

    async with started_fake_slack() as slack:
        client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_base)

It answers as Slack does: `{"ok": false, "error": ...}` for a bad token, an unknown,
archived or unjoined channel, and for blocks that break Block Kit's limits (checked by
`block_problems`, written from Slack's reference, not from the renderer). A test queues
failures with `fail_next` (a 429 with Retry-After, say), and holds back the answers to
chat.postMessage with `hold` (the bot may die while it waits). Messages keep their
metadata, and conversations.history returns it when asked to (`include_all_metadata`).
Timestamps are the wall clock's, as Slack's are, so `oldest` works.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

BOT_TOKEN = "xoxb-1111-2222-fAkEbOtToKeN"
APP_TOKEN = "xapp-1-A111-2222-fAkEaPpToKeN"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
WAIT = 5.0  # seconds a test waits for the app before failing


def _size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _text_problems(where: str, obj: Any, limit: int, kinds: tuple[str, ...]) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        return [f"{where}: not a {'/'.join(kinds)} text object"]
    text = obj.get("text")
    if not isinstance(text, str) or not text.strip():
        return [f"{where}: empty text"]
    if _size(text) > limit:
        return [f"{where}: {_size(text)} > {limit}"]
    return []


def block_problems(blocks: Any) -> list[str]:
    """What Slack would refuse in a message's blocks (empty when it would accept them)."""
    if not isinstance(blocks, list):
        return ["blocks: not a list"]
    problems: list[str] = []
    if len(blocks) > 50:
        problems.append(f"blocks: {len(blocks)} > 50")
    action_ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"blocks[{i}]"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "header":
            problems += _text_problems(where, block.get("text"), 150, ("plain_text",))
        elif kind == "section":
            text, fields = block.get("text"), block.get("fields")
            if text is None and not fields:
                problems.append(f"{where}: a section needs text or fields")
            if text is not None:
                problems += _text_problems(where, text, 3000, ("mrkdwn", "plain_text"))
            if fields is not None:
                if not isinstance(fields, list) or not 1 <= len(fields) <= 10:
                    problems.append(f"{where}: 1 to 10 fields")
                else:
                    for j, f in enumerate(fields):
                        problems += _text_problems(f"{where}.fields[{j}]", f, 2000,
                                                   ("mrkdwn", "plain_text"))
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
                problems.append(f"{where}: 1 to 10 context elements")
            else:
                for j, e in enumerate(elements):
                    problems += _text_problems(f"{where}.elements[{j}]", e, 3000,
                                               ("mrkdwn", "plain_text"))
        elif kind == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
                problems.append(f"{where}: 1 to 25 action elements")
                continue
            for j, e in enumerate(elements):
                at = f"{where}.elements[{j}]"
                problems += _text_problems(at, e.get("text"), 75, ("plain_text",))
                url = e.get("url")
                if url is not None and (not isinstance(url, str) or _size(url) > 3000
                                        or not re.match(r"https?://", url)):
                    problems.append(f"{at}: bad url")
                action_id = e.get("action_id", "")
                if not action_id or len(action_id) > 255 or action_id in action_ids:
                    problems.append(f"{at}: action_id missing, long or repeated")
                action_ids.add(action_id)
        elif kind == "image":
            url, alt = block.get("image_url"), block.get("alt_text")
            if not isinstance(url, str) or _size(url) > 3000:
                problems.append(f"{where}: bad image_url")
            if not isinstance(alt, str) or not alt or _size(alt) > 2000:
                problems.append(f"{where}: bad alt_text")
        else:
            problems.append(f"{where}: unknown block type {kind!r}")
    return problems


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    token: str | None


@dataclass
class Posted:
    channel: str  # the channel's id
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    edits: int = 0
    metadata: dict[str, Any] | None = None


@dataclass
class Failure:
    status: int
    error: str
    headers: dict[str, str] = field(default_factory=dict)


class FakeSlack:
    """Use through ``started_fake_slack()``; URLs are valid once it has started."""

    def __init__(self) -> None:
        self.url = ""
        self.bot_token = BOT_TOKEN
        self.app_token = APP_TOKEN
        self.users: dict[str, dict[str, Any]] = {
            "UADMIN": {"is_admin": True},
            "UOWNER": {"is_owner": True},
            "UMEMBER": {},
        }
        self.channels: dict[str, str] = {"C0ALERTS1": "alerts", "C0OTHER01": "other"}
        self.archived: set[str] = set()
        self.not_member: set[str] = set()
        self.calls: list[Call] = []
        self.messages: dict[tuple[str, str], Posted] = {}
        self.responses: list[dict[str, Any]] = []
        self.uploads: dict[str, bytes] = {}
        self.shared: list[dict[str, Any]] = []  # completed uploads: files and channel
        self.socket_replies: list[dict[str, Any]] = []
        self._fail: dict[str, list[Failure]] = {}
        self._ts = 0.0
        self._holds: dict[str, Callable[[], float]] = {}
        self.holding = 0  # answers made and held back right now
        self.hold_started = asyncio.Event()
        self._files = 0
        self._sockets: list[web.WebSocketResponse] = []
        self.socket_connected = asyncio.Event()
        self.responded = asyncio.Event()
        self.socket_replied = asyncio.Event()

    # --- what tests look at ---------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, key: str = "1") -> str:
        return f"{self.url}/response/{key}"

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def hold(self, method: str, delay: Callable[[], float]) -> None:
        """Every call of `method` is carried out at once and answered `delay()` seconds
        later: a bot killed meanwhile never learns what became of it."""
        self._holds[method] = delay

    def shown(self, channel: str) -> list[Posted]:
        """The messages a channel shows, oldest first."""
        return sorted((p for (cid, _), p in self.messages.items() if cid == channel),
                      key=lambda p: float(p.ts))

    def fail_next(self, method: str, status: int, error: str, **headers: str) -> None:
        self._fail.setdefault(method, []).append(Failure(status, error, dict(headers)))

    async def wait_responses(self, count: int) -> list[dict[str, Any]]:
        """Once `count` answers came to the response URLs (at most WAIT seconds)."""
        async with asyncio.timeout(WAIT):
            while len(self.responses) < count:
                self.responded.clear()
                await self.responded.wait()
        return self.responses

    async def wait_socket_reply(self, envelope_id: str) -> dict[str, Any]:
        """The app's acknowledgement of a Socket Mode envelope (at most WAIT seconds)."""
        async with asyncio.timeout(WAIT):
            while True:
                for reply in self.socket_replies:
                    if reply.get("envelope_id") == envelope_id:
                        return reply
                self.socket_replied.clear()
                await self.socket_replied.wait()

    async def send_envelope(self, envelope: dict[str, Any]) -> None:
        """Push a Socket Mode envelope to the connected app."""
        await self._sockets[-1].send_str(json.dumps(envelope))

    # --- the server ----------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/response/{key}", self._response)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        return app

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json())
            else:
                params.update(parse_qsl((await request.read()).decode("utf-8"),
                                        keep_blank_values=True))
        for key in ("blocks", "files", "metadata"):
            if isinstance(params.get(key), str) and params[key]:
                params[key] = json.loads(params[key])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await self._params(request)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
        self.calls.append(Call(method, params, token))
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        if token != expected:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if failures := self._fail.get(method):
            failure = failures.pop(0)
            return web.json_response({"ok": False, "error": failure.error},
                                     status=failure.status, headers=failure.headers)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        body = handler(params)
        if (delay := self._holds.get(method)) is not None and "error" not in body:
            self.holding += 1
            self.hold_started.set()
            try:
                await asyncio.sleep(delay())
            finally:
                self.holding -= 1
        return web.json_response({"ok": "error" not in body, **body})

    def _channel(self, value: str) -> tuple[str | None, str | None]:
        """(channel id, error): by id, or by name with or without "#"."""
        if value in self.channels:
            cid = value
        else:
            name = value.lstrip("#")
            cid = next((c for c, n in self.channels.items() if n == name), None)
        if cid is None:
            return None, "channel_not_found"
        if cid in self.archived:
            return None, "is_archived"
        if cid in self.not_member:
            return None, "not_in_channel"
        return cid, None

    def _auth_test(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": "https://fake.slack.com/", "team": "Fake", "user": "treatywatch",
                "team_id": "T0FAKE", "user_id": "UBOT", "bot_id": "B0BOT"}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(params.get("user")))
        if user is None:
            return {"error": "user_not_found"}
        return {"user": {"id": params["user"], "is_admin": False, "is_owner": False, **user}}

    def _apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.url.replace("http://", "ws://") + "/socket"}

    def _message(self, params: dict[str, Any]) -> tuple[str, list[dict[str, Any]], str | None]:
        text, blocks = str(params.get("text") or ""), params.get("blocks") or []
        if problems := block_problems(blocks):
            return text, blocks, "invalid_blocks: " + "; ".join(problems[:3])
        if not text and not blocks:
            return text, blocks, "no_text"
        return text, blocks, None

    def _chat_postMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        cid, problem = self._channel(str(params.get("channel", "")))
        if problem:
            return {"error": problem}
        text, blocks, problem = self._message(params)
        if problem:
            return {"error": problem.partition(":")[0], "detail": problem}
        metadata = params.get("metadata")
        if metadata is not None and not (isinstance(metadata, dict)
                                         and isinstance(metadata.get("event_type"), str)
                                         and isinstance(metadata.get("event_payload"), dict)):
            return {"error": "invalid_metadata_format"}
        self._ts = max(self._ts + 0.000001, time.time())
        ts = f"{self._ts:.6f}"
        assert cid is not None
        self.messages[(cid, ts)] = Posted(cid, ts, text, blocks, metadata=metadata)
        return {"channel": cid, "ts": ts, "message": {"text": text, "blocks": blocks}}

    def _conversations_history(self, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, from `oldest` on; metadata only with include_all_metadata."""
        cid = str(params.get("channel", ""))
        if cid not in self.channels:  # an id, never a name
            return {"error": "channel_not_found"}
        if cid in self.not_member:
            return {"error": "not_in_channel"}
        oldest = float(params.get("oldest") or 0)
        limit = int(params.get("limit") or 100)
        start = int(params.get("cursor") or 0)
        with_meta = str(params.get("include_all_metadata")).lower() in ("1", "true")
        found = [p for p in reversed(self.shown(cid)) if float(p.ts) > oldest]
        page = found[start : start + limit]
        more = start + limit < len(found)
        return {
            "messages": [{"type": "message", "ts": p.ts, "text": p.text, "bot_id": "B0BOT",
                          **({"metadata": p.metadata} if with_meta and p.metadata else {})}
                         for p in page],
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _conversations_list(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"channels": [{"id": cid, "name": name, "is_archived": cid in self.archived}
                             for cid, name in self.channels.items()],
                "response_metadata": {"next_cursor": ""}}

    def _chat_update(self, params: dict[str, Any]) -> dict[str, Any]:
        cid = str(params.get("channel", ""))
        if cid not in self.channels:  # chat.update takes an id, never a name
            return {"error": "channel_not_found"}
        posted = self.messages.get((cid, str(params.get("ts"))))
        if posted is None:
            return {"error": "message_not_found"}
        text, blocks, problem = self._message(params)
        if problem:
            return {"error": problem.partition(":")[0], "detail": problem}
        posted.text, posted.blocks, posted.edits = text, blocks, posted.edits + 1
        return {"channel": cid, "ts": posted.ts, "text": text}

    def _files_getUploadURLExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        self._files += 1
        file_id = f"F{self._files:08d}"
        return {"file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}

    def _files_completeUploadExternal(self, params: dict[str, Any]) -> dict[str, Any]:
        files = params.get("files") or []
        if any(f.get("id") not in self.uploads for f in files):
            return {"error": "file_not_found"}
        channel = params.get("channel_id")
        if channel is not None:
            cid, problem = self._channel(str(channel))
            if problem or cid != channel:
                return {"error": problem or "channel_not_found"}
        self.shared.append({"files": files, "channel_id": channel})
        return {"files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text=f"OK - {len(self.uploads[request.match_info['file_id']])}")

    async def _response(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.responses.append({"key": request.match_info["key"], **body})
        self.responded.set()
        return web.Response(text="ok")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"type": "hello", "num_connections": 1}))
        self.socket_connected.set()
        async for message in ws:
            if message.type == web.WSMsgType.TEXT:
                self.socket_replies.append(json.loads(message.data))
                self.socket_replied.set()
        return ws


@asynccontextmanager
async def started_fake_slack() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack()
    runner = web.AppRunner(slack.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    slack.url = f"http://127.0.0.1:{port}"
    try:
        yield slack
    finally:
        for ws in list(slack._sockets):
            await ws.close()
        await runner.cleanup()
