"""Hostile feed servers and tools for the robustness tests, all on 127.0.0.1.

- handlers and bodies for tests.feedserver: servers that never answer, drip, flood, inflate,
  loop, throttle, and feeds that are broken in the ways real ones are;
- ``counting_server``: a raw TCP server that counts connections, to prove one never came;
- ``FakeResolver``: DNS answers from a table, never from the network;
- ``connect_tripwire``: records every outgoing connect and blocks any that would leave the host;
- ``run_cycle``: hostile feeds and good ones through one real ``Pipeline.poll``.

``python -m tests.hostile DIR`` runs the two cycles (every hostile feed; a 10,000-item feed
beside small ones) in a fresh process and prints what happened, with the process's peak memory,
as JSON: tests/test_hostile.py asserts on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import functools
import json
import random
import resource
import socket
import sys
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from xml.sax.saxutils import escape

from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.config import Config, Feed
from bot.embed import default_embedder
from bot.fetch import Fetcher, FetchResult
from bot.pipeline import Pipeline, fetch_limits
from bot.samples import bundled_config
from storage import SQLiteStore
from tests.feedserver import FeedServer, Handler, started_feed_server

MiB = 1024 * 1024
NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)

# Test-sized limits: every hostile feed ends in well under a second.
CONNECT_TIMEOUT = 0.3
TOTAL_TIMEOUT = 0.5
MAX_BYTES = 1 * MiB
RETRY_CAP = timedelta(hours=6)  # FetchLimits.max_retry_after and poll.max_backoff, both 6 h
JITTER_SEED = 17  # the polling jitter and backoff draws: the same schedule on every run

# --- hostile handlers ---------------------------------------------------------------------


async def never_answers(request: web.Request) -> web.StreamResponse:
    await asyncio.Event().wait()
    raise AssertionError("unreachable")


def drips(every: float = 1.0) -> Handler:
    """Headers at once, then one byte every ``every`` seconds: never idle, never done."""

    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await resp.prepare(request)
        while True:
            await resp.write(b"<")
            await asyncio.sleep(every)

    return handler


def floods(total: int = 64 * MiB) -> Handler:
    """``total`` bytes, chunked (no Content-Length to refuse up front)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await resp.prepare(request)
        chunk = b"<item>" + b"x" * (64 * 1024 - 6)
        for _ in range(total // len(chunk)):
            await resp.write(chunk)
        return resp

    return handler


@functools.cache
def gzip_bomb(size: int = 64 * MiB) -> bytes:
    """``size`` bytes of zeros, gzip-compressed to about a thousandth of that."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: the gzip container
    zeros = bytes(MiB)
    return b"".join(packer.compress(zeros) for _ in range(size // MiB)) + packer.flush()


async def inflates(request: web.Request) -> web.StreamResponse:
    return web.Response(
        body=gzip_bomb(),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"},
    )


def answers(status: int, **headers: str) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, headers={k.replace("_", "-"): v
                                                    for k, v in headers.items()})

    return handler


def http_date(when: datetime) -> str:
    return email.utils.format_datetime(when.astimezone(UTC), usegmt=True)


# --- bodies -------------------------------------------------------------------------------


def rss_document(items: str, *, title: str = "Wire", encoding: str = "utf-8",
                 head: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>{head}<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>https://wire.example/</link>{items}"
        "</channel></rss>"
    )


def rss_item(title: str, guid: str, *, date: str | None = None, summary: str = "") -> str:
    when = f"<pubDate>{escape(date)}</pubDate>" if date is not None else ""
    return (
        f"<item><title>{escape(title)}</title><guid isPermaLink=\"false\">{escape(guid)}</guid>"
        f"<link>https://wire.example/{escape(guid)}</link>{when}"
        f"<description>{escape(summary)}</description></item>"
    )


def good_feed(name: str) -> bytes:
    items = rss_item(f"North Korea ratifies defence treaty with Russia ({name})", f"{name}-1",
                     date=http_date(NOW - timedelta(hours=1)),
                     summary="KCNA said the Comprehensive Strategic Partnership treaty was "
                             "ratified, as 11,000 North Korean troops are reported in Kursk.")
    return rss_document(items, title=name).encode()


HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Under maintenance</title></head>"
             b"<body><p>We'll be back soon.</p></body></html>")


def truncated_feed() -> bytes:
    body = rss_document("".join(rss_item(f"Story {i}", f"t-{i}", summary="Text " * 20)
                                for i in range(5))).encode()
    return body[: int(len(body) * 0.6)]  # cut inside the third item


def invalid_utf8_feed() -> bytes:
    """Declared UTF-8, with bytes that are not UTF-8 in a title."""
    body = rss_document(rss_item("Kim meets Putin", "u-1") + rss_item("placeholder", "u-2"))
    return body.encode().replace(b"placeholder", b"Pyongyang \xff\xfe\xc3( report")


def wrongly_declared_feed() -> bytes:
    """Declared UTF-8, written in windows-1251: Russian bytes that are not UTF-8."""
    body = rss_document(rss_item("Договор КНДР и России вступил в силу", "w-1"))
    return body.encode("cp1251")


DATES = {
    "missing": None,
    "malformed": "Thu, 99 Foo 2025 25:61:00 XYZ",
    "words": "yesterday afternoon",
    "year-1": "Mon, 01 Jan 0001 00:00:00 GMT",
    "future": "Fri, 01 Jan 2100 00:00:00 GMT",
    "good": http_date(NOW - timedelta(days=1)),
}


def dates_feed() -> bytes:
    return rss_document("".join(rss_item(f"Dated {k}", f"d-{k}", date=v)
                                for k, v in DATES.items())).encode()


def duplicate_guids_feed() -> bytes:
    """Three guids, each twice (the copy with another title): stored once each."""
    items = [rss_item(f"Story {i}{' (copy)' * copy}", f"dup-{i}")
             for copy in (0, 1) for i in range(3)]
    return rss_document("".join(items)).encode()


def many_items_feed(n: int = 10_000) -> bytes:
    return rss_document("".join(f"<item><title>Item {i}</title><guid>m-{i}</guid></item>"
                                for i in range(n))).encode()


# --- the hostile cycle --------------------------------------------------------------------


class TimedFetcher(Fetcher):
    """A Fetcher that notes how long each fetch took, by URL."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seconds: dict[str, float] = {}

    async def fetch(self, url: str, *, etag: str | None = None,
                    last_modified: str | None = None) -> FetchResult:
        started = time.monotonic()
        try:
            return await super().fetch(url, etag=etag, last_modified=last_modified)
        finally:
            self.seconds[url] = time.monotonic() - started


class Clock:
    # tests.conftest has the same; importing it would load pytest into the process whose
    # memory this module measures.
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def trickles(body: bytes, pieces: int = 4, every: float = 0.04) -> Handler:
    """``body`` in ``pieces`` parts ``every`` seconds apart: done well within the timeout, but
    only if the event loop keeps turning the whole time."""

    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
        await resp.prepare(request)
        size = -(-len(body) // pieces)
        for start in range(0, len(body), size):
            await resp.write(body[start : start + size])
            await asyncio.sleep(every)
        return resp

    return handler


def hostile_routes(server: FeedServer) -> None:
    """Every hostile feed, each at its own path, and good ones."""
    server.add("/good-a", good_feed("good-a"))
    server.route("/trickle-ok", trickles(good_feed("trickle-ok")))
    server.add("/good-b", good_feed("good-b"))
    server.route("/silent", never_answers)
    server.route("/drip", drips(1.0))
    server.route("/flood", floods())
    gzip_bomb()  # compressed now, not inside the cycle: the server shares the client's loop
    server.route("/gzip-bomb", inflates)
    server.redirect("/loop-a", "/loop-b", status=302)
    server.redirect("/loop-b", "/loop-a", status=302)
    for i in range(12):
        server.redirect(f"/chain-{i}", f"/chain-{i + 1}", status=302)
    server.add("/chain-12", good_feed("chain"))
    server.route("/429-seconds", answers(429, Retry_After="120"))
    server.route("/503-date", answers(503, Retry_After=http_date(NOW + timedelta(hours=2))))
    server.route("/429-forever", answers(429, Retry_After="99999999999999999999"))
    server.add("/html", HTML_PAGE, content_type="text/html")
    server.add("/empty", b"")
    server.add("/truncated", truncated_feed())
    server.add("/invalid-utf8", invalid_utf8_feed())
    server.add("/wrong-encoding", wrongly_declared_feed())
    server.add("/dates", dates_feed())
    server.add("/duplicates", duplicate_guids_feed())
    server.add("/many", many_items_feed())


# Polled together in one cycle each.
HOSTILE = ("good-a", "good-b", "silent", "drip", "flood", "gzip-bomb", "loop-a", "chain-0",
           "429-seconds", "503-date", "429-forever", "html", "empty", "truncated",
           "invalid-utf8", "wrong-encoding", "dates", "duplicates")
# Parsing 10,000 items takes feedparser about a second of CPU: the feeds beside it must not
# notice (a body that trickles in over 0.16 s still arrives within the 0.5 s timeout).
HUGE = ("many", "good-a", "trickle-ok")
RETRY_FEEDS = ("429-seconds", "503-date", "429-forever")


def hostile_config(base_url: str, names: tuple[str, ...]) -> Config:
    base = bundled_config()
    fetch = base.fetch.model_copy(update={
        "connect_timeout": CONNECT_TIMEOUT, "total_timeout": TOTAL_TIMEOUT,
        "max_bytes": MAX_BYTES, "max_concurrency": 64, "per_host": 64,
        "allow_private": True,  # the hostile server is on 127.0.0.1
    })
    feeds = tuple(Feed(name=n, url=f"{base_url}/{n}") for n in names)
    return base.model_copy(update={"feeds": feeds, "fetch": fetch, "routes": {}})


@dataclass
class CycleRecord:
    """What one hostile cycle did; JSON-able, so a subprocess can hand it over."""

    seconds: float = 0.0
    fetch_seconds: dict[str, float] = field(default_factory=dict)
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    feeds: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: int = 0
    hits: dict[str, int] = field(default_factory=dict)
    # The second poll, due-only, one second before the earliest Retry-After feed's next poll.
    early_poll_at: str = ""
    early_hits: dict[str, int] = field(default_factory=dict)


def _feed_row(feed: Any) -> dict[str, Any]:
    return {"failures": feed.failures, "last_error": feed.last_error,
            "next_poll": feed.next_poll.isoformat() if feed.next_poll else None,
            "healthy": feed.healthy}


async def run_cycle(db: Path, names: tuple[str, ...]) -> CycleRecord:
    record = CycleRecord()
    clock = Clock(NOW)
    async with started_feed_server() as server:
        hostile_routes(server)
        config = hostile_config(server.url, names)
        store = await SQLiteStore.open(db)
        try:
            # Seeded: the early poll below relies on good-a's jittered next poll falling
            # before the Retry-After feeds' backoff, which an unseeded draw misses now and then.
            pipeline = Pipeline(config, store, clock=clock, rng=random.Random(JITTER_SEED))
            await pipeline.sync()
            async with TimedFetcher(fetch_limits(config), now=clock) as fetcher:
                started = time.monotonic()
                reports = await pipeline.poll(fetcher, keep_results=True)
                record.seconds = time.monotonic() - started
                record.fetch_seconds = {url.rsplit("/", 1)[1]: s
                                        for url, s in fetcher.seconds.items()}
                record.reports = {
                    r.feed: {"status": r.status, "error": r.error,
                             "stored": sum(x.item_id is not None for x in r.results),
                             "duplicates": sum(x.duplicate_of is not None for x in r.results),
                             "dated": {x.item.guid: [x.item.published.isoformat(),
                                                     x.item.date_from_feed]
                                       for x in r.results}}
                    for r in reports
                }
                rows = {f.name: f for f in await store.feeds()}
                record.feeds = {name: _feed_row(f) for name, f in rows.items()}
                record.items = (await store.stats()).items
                record.hits = {p: server.hits(f"/{p}") for p in names}
                retry = [rows[n].next_poll for n in RETRY_FEEDS if n in rows]
                if retry:  # no request before Retry-After: poll what is due just before it
                    clock.now = min(w for w in retry if w is not None) - timedelta(seconds=1)
                    record.early_poll_at = clock.now.isoformat()
                    await pipeline.poll(fetcher, only_due=True)
                    record.early_hits = {p: server.hits(f"/{p}") for p in names}
        finally:
            await store.close()
    return record


_STATUS = Path("/proc/self/status")


def reset_peak() -> None:
    """Linux keeps the parent's peak RSS across fork and exec: a test run that grew big
    would count as ours. Writing 5 to clear_refs starts the peak afresh."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def rss_mib() -> float:
    """This process's peak RSS since reset_peak (VmHWM), else since it started."""
    with contextlib.suppress(OSError):
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (MiB if sys.platform == "darwin" else 1024)  # bytes on macOS, KiB elsewhere


def main() -> None:
    folder = Path(sys.argv[1])
    # The sentence model is loaded once per process, at the first fold: loaded here, its
    # seconds and megabytes are not counted as the hostile feeds'.
    default_embedder().vectors(["warm-up"])
    reset_peak()
    baseline = rss_mib()  # everything imported and loaded, nothing run
    started = time.monotonic()
    cycles = {name: asyncio.run(run_cycle(folder / f"{name}.sqlite", feeds)).__dict__
              for name, feeds in (("hostile", HOSTILE), ("huge", HUGE))}
    print(json.dumps({"cycles": cycles, "seconds": time.monotonic() - started,
                      "baseline_rss_mib": baseline, "peak_rss_mib": rss_mib()}))


# --- connection counting, DNS and the tripwire --------------------------------------------


@dataclass
class CountingServer:
    url: str = ""
    connections: int = 0
    body: bytes = b""


@contextlib.asynccontextmanager
async def counting_server(body: bytes = b"") -> AsyncIterator[CountingServer]:
    """A raw TCP server on 127.0.0.1 that counts the connections it accepts.

    Each gets one HTTP/1.1 200 answer with ``body``: enough for a fetch or an XML parser that
    would read an external entity, and nothing in it hides a connection from the count.
    """
    state = CountingServer(body=body)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        with contextlib.suppress(Exception):
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 1)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
                         b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                         % (len(state.body), state.body))
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    state.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        yield state
    finally:
        server.close()
        await server.wait_closed()


class FakeResolver(AbstractResolver):
    """DNS from a table: ``answers[name]`` is the list of addresses a lookup returns.

    An unknown name fails as NXDOMAIN does; nothing is ever asked of real DNS.
    """

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.lookups: list[str] = []

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.lookups.append(host)
        if host not in self.answers:
            raise OSError(f"fake DNS: no such name {host!r}")
        return [ResolveResult(hostname=host, host=a, port=port,
                              family=socket.AF_INET6 if ":" in a else socket.AF_INET,
                              proto=0, flags=0)
                for a in self.answers[host]]

    async def close(self) -> None:
        pass


_LOCAL = ("127.0.0.1", "::1", "::ffff:127.0.0.1")


@contextlib.contextmanager
def connect_tripwire() -> Iterator[list[Any]]:
    """Record every socket connect; refuse any to a non-loopback address.

    Even if the code under test were wrong, no test traffic leaves this host.
    """
    attempts: list[Any] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def check(address: Any) -> None:
        attempts.append(address)
        host = address[0] if isinstance(address, tuple) else address
        if host not in _LOCAL:
            raise ConnectionRefusedError(f"tripwire: test tried to connect to {address!r}")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    with mock.patch.object(socket.socket, "connect", connect), \
            mock.patch.object(socket.socket, "connect_ex", connect_ex):
        yield attempts


if __name__ == "__main__":
    main()
