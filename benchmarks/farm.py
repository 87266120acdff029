"""A feed farm: N deterministic RSS feeds on 127.0.0.x, with ETag and Last-Modified.

Runs as its own process (`python -m benchmarks.farm`), so that serving never competes with
the poller for its interpreter. The feeds are spread over several loopback addresses
(127.0.0.1 to 127.0.0.16), which HTTP clients count as different hosts: real feeds live on
many hosts, and the fetcher's per-host limit would otherwise serialise the whole farm.

Protocol: parameters as JSON on stdin's first line; the farm prints one JSON line
{"urls": [...], "bytes": total} once it listens, then serves until stdin closes. Each line
"next" on stdin publishes one more report in every feed (new ETag and Last-Modified); the
farm answers "ok" once it serves them.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from aiohttp import web

from benchmarks.corpus import TOPICAL_SHARE, feed_generations

HOSTS = 16


@dataclass(frozen=True, slots=True)
class Body:
    plain: bytes
    gzipped: bytes
    etag: str


def build(
    feeds: int, items: int, newest: datetime, topical_share: float = TOPICAL_SHARE
) -> list[dict[str, Body]]:
    """The feeds' bodies now and after one more report each, by path."""
    return [
        {f"/feed/{i}.xml": _body(plain) for i, plain in enumerate(generation)}
        for generation in feed_generations(feeds, items, newest, topical_share)
    ]


def _body(plain: bytes) -> Body:
    # Compressed once here: real servers send gzip, and compressing per request would spend
    # the farm's CPU, which shares the machine with the poller.
    return Body(plain, gzip.compress(plain, 6, mtime=0),
                '"' + hashlib.sha256(plain).hexdigest()[:20] + '"')


@dataclass(slots=True)
class Published:
    """What the farm serves at the moment: one generation of the feeds."""

    bodies: dict[str, Body]
    last_modified: datetime


def app(published: Published) -> web.Application:
    async def serve(request: web.Request) -> web.StreamResponse:
        body = published.bodies.get(request.path)
        if body is None:
            raise web.HTTPNotFound()
        last_modified = published.last_modified
        headers = {"ETag": body.etag, "Last-Modified": format_datetime(last_modified,
                                                                       usegmt=True)}
        if _not_modified(request, body.etag, last_modified):
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = "application/rss+xml; charset=utf-8"
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            headers["Content-Encoding"] = "gzip"
            return web.Response(body=body.gzipped, headers=headers)
        return web.Response(body=body.plain, headers=headers)

    application = web.Application()
    application.router.add_get("/feed/{name}", serve)
    return application


def _not_modified(request: web.Request, etag: str, last_modified: datetime) -> bool:
    if (match := request.headers.get("If-None-Match")) is not None:
        return etag in (m.strip() for m in match.split(","))
    if since := request.headers.get("If-Modified-Since"):
        try:
            return parsedate_to_datetime(since) >= last_modified.replace(microsecond=0)
        except (TypeError, ValueError):
            return False
    return False


async def serve(params: dict[str, object]) -> None:
    feeds = int(params["feeds"])  # type: ignore[call-overload]
    items = int(params.get("items", 20))  # type: ignore[call-overload]
    newest = datetime.fromtimestamp(float(params["newest"]), UTC)  # type: ignore[arg-type]
    share = float(params.get("topical_share", TOPICAL_SHARE))  # type: ignore[arg-type]
    now, later = build(feeds, items, newest, share)
    published = Published(now, newest)
    runner = web.AppRunner(app(published), access_log=None)
    await runner.setup()
    ports: dict[int, int] = {}
    for host in range(1, min(HOSTS, feeds) + 1):
        site = web.TCPSite(runner, f"127.0.0.{host}", 0, backlog=1024)
        await site.start()
        ports[host] = runner.addresses[-1][1]
    urls = [
        f"http://127.0.0.{1 + i % len(ports)}:{ports[1 + i % len(ports)]}/feed/{i}.xml"
        for i in range(feeds)
    ]
    total = sum(len(b.plain) for b in now.values())
    print(json.dumps({"urls": urls, "bytes": total}), flush=True)
    # Serve until the parent closes our stdin (or dies, which closes it too).
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        if line.strip() == "next":
            published.bodies = later
            published.last_modified = newest + timedelta(minutes=1)
            print("ok", flush=True)
    await runner.cleanup()


def main() -> None:
    params = json.loads(sys.stdin.readline())
    asyncio.run(serve(params))


if __name__ == "__main__":
    main()
