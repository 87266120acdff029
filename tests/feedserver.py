"""A real HTTP server on 127.0.0.1 for tests: serves feeds with validators, or hostile handlers.

    async with started_feed_server() as server:
        server.add("/feed.xml", b"<rss/>")
        result = await fetcher.fetch(server.url + "/feed.xml")
        assert server.requests[0].headers["User-Agent"] == USER_AGENT

Routes may be added or replaced while the server runs (one catch-all route dispatches them).
"""

from __future__ import annotations

import email.utils
import gzip as gzip_module
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from aiohttp import web
from multidict import CIMultiDict

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# "auto" Last-Modified values count up from here, one second per add(): deterministic, and a
# replaced body is always newer than the one it replaces.
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


class Seen(NamedTuple):
    """One request as the server received it."""

    path: str
    headers: CIMultiDict[str]


@dataclass(frozen=True, slots=True)
class _Feed:
    body: bytes
    content_type: str
    etag: str | None
    last_modified: str | None
    gzip: bool


class FeedServer:
    """Use through ``started_feed_server()``; ``url`` is only valid once it has started."""

    def __init__(self) -> None:
        self.url = ""
        self.requests: list[Seen] = []
        self.in_flight = 0  # requests being handled right now
        self.max_in_flight = 0  # the most ever handled at once
        self._feeds: dict[str, _Feed] = {}
        self._handlers: dict[str, Handler] = {}
        self._adds = 0

    def add(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str = "application/rss+xml",
        etag: str | None = "auto",
        last_modified: str | None = "auto",
        gzip: bool = False,
    ) -> None:
        """Serve ``body`` at ``path``, answering 304 to matching conditional requests.

        "auto" validators are derived from the body (ETag) and from the order of add() calls
        (Last-Modified), so replacing the body changes both; None leaves the header out.
        ``gzip`` sends the body gzip-compressed with Content-Encoding: gzip.
        """
        self._adds += 1
        if etag == "auto":
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if last_modified == "auto":
            stamp = _EPOCH + timedelta(seconds=self._adds)
            last_modified = email.utils.format_datetime(stamp, usegmt=True)
        self._handlers.pop(path, None)
        self._feeds[path] = _Feed(body, content_type, etag, last_modified, gzip)

    def route(self, path: str, handler: Handler) -> None:
        """Answer ``path`` with a custom aiohttp handler (for hostile or odd behaviour)."""
        self._feeds.pop(path, None)
        self._handlers[path] = handler

    def redirect(self, path: str, to: str, *, status: int = 301) -> None:
        """Answer ``path`` with a redirect to ``to`` (a path on this server or a full URL)."""

        async def handler(request: web.Request) -> web.StreamResponse:
            return web.Response(status=status, headers={"Location": to})

        self.route(path, handler)

    def hits(self, path: str) -> int:
        """How many requests ``path`` received."""
        return sum(1 for seen in self.requests if seen.path == path)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(Seen(request.path, CIMultiDict(request.headers)))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if request.path in self._handlers:
                return await self._handlers[request.path](request)
            if request.path in self._feeds:
                return _serve(self._feeds[request.path], request)
            return web.Response(status=404, text="no such feed")
        finally:
            self.in_flight -= 1


def _serve(feed: _Feed, request: web.Request) -> web.Response:
    headers = {}
    if feed.etag is not None:
        headers["ETag"] = feed.etag
    if feed.last_modified is not None:
        headers["Last-Modified"] = feed.last_modified
    if _not_modified(feed, request):
        return web.Response(status=304, headers=headers)
    body = feed.body
    if feed.gzip:
        body = gzip_module.compress(body)
        headers["Content-Encoding"] = "gzip"
    headers["Content-Type"] = feed.content_type
    return web.Response(body=body, headers=headers)


def _not_modified(feed: _Feed, request: web.Request) -> bool:
    # RFC 9110 13.2.2: If-None-Match, when present, decides alone.
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        if feed.etag is None:
            return False
        tags = {_weak_strip(tag) for tag in if_none_match.split(",")}
        return "*" in tags or _weak_strip(feed.etag) in tags
    since = request.headers.get("If-Modified-Since")
    if since is None or feed.last_modified is None:
        return False
    try:
        return email.utils.parsedate_to_datetime(since) >= email.utils.parsedate_to_datetime(
            feed.last_modified
        )
    except (TypeError, ValueError):
        return False


def _weak_strip(tag: str) -> str:
    tag = tag.strip()
    return tag.removeprefix("W/")


@asynccontextmanager
async def started_feed_server() -> AsyncIterator[FeedServer]:
    """A running FeedServer on 127.0.0.1 and a free port, torn down on exit."""
    server = FeedServer()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server._dispatch)
    # Short shutdown and cancellation on disconnect: hostile handlers (never answer, drip
    # forever) must not hold up the end of a test.
    runner = web.AppRunner(app, shutdown_timeout=0.1, handler_cancellation=True, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        server.url = f"http://127.0.0.1:{port}"
        yield server
    finally:
        await runner.cleanup()
