"""The fetch layer, against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import functools
import socket
import time
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web

from bot.fetch import USER_AGENT, Fetcher, FetchLimits
from tests.feedserver import started_feed_server

pytestmark = pytest.mark.asyncio

MiB = 1024 * 1024
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def fetcher(**limits: float) -> Fetcher:
    """A Fetcher with test-sized limits and a fixed clock."""
    defaults: dict[str, float] = {"connect_timeout": 0.5, "total_timeout": 0.5}
    # allow_private: the test servers listen on 127.0.0.1 (tests/test_ssrf.py covers refusals).
    return Fetcher(FetchLimits(**(defaults | limits), allow_private=True),  # type: ignore[arg-type]
                   now=lambda: NOW)


@functools.cache
def gzip_bomb() -> bytes:
    """50 MiB of zeros, gzip-compressed to about 50 KiB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: gzip container
    zeros = bytes(MiB)
    return b"".join(packer.compress(zeros) for _ in range(50)) + packer.flush()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- plain and conditional GET ------------------------------------------------------------


async def test_200_returns_body_and_validators() -> None:
    async with started_feed_server() as server, fetcher() as f:
        server.add("/feed", RSS, etag='"v1"', last_modified="Sun, 01 Jun 2025 10:00:00 GMT")
        result = await f.fetch(server.url + "/feed")
    assert result.status == "ok"
    assert result.http_status == 200
    assert result.body == RSS
    assert result.content_type == "application/rss+xml"
    assert result.etag == '"v1"'
    assert result.last_modified == "Sun, 01 Jun 2025 10:00:00 GMT"
    assert result.url == server.url + "/feed"
    assert result.permanent_url is None
    assert result.error is None


async def test_first_fetch_sends_no_conditional_headers() -> None:
    async with started_feed_server() as server, fetcher() as f:
        server.add("/feed", RSS)
        await f.fetch(server.url + "/feed")
    headers = server.requests[0].headers
    assert "If-None-Match" not in headers
    assert "If-Modified-Since" not in headers


async def test_conditional_get_sends_stored_etag_and_last_modified() -> None:
    async with started_feed_server() as server, fetcher() as f:
        server.add("/feed", RSS)
        await f.fetch(server.url + "/feed", etag='"abc"', last_modified="Sun, 01 Jun 2025 GMT")
    headers = server.requests[0].headers
    assert headers["If-None-Match"] == '"abc"'
    assert headers["If-Modified-Since"] == "Sun, 01 Jun 2025 GMT"


async def test_304_is_not_modified_without_body() -> None:
    async with started_feed_server() as server, fetcher() as f:
        server.add("/feed", RSS)
        first = await f.fetch(server.url + "/feed")
        again = await f.fetch(server.url + "/feed", etag=first.etag, last_modified=None)
    assert again.status == "not_modified"
    assert again.http_status == 304
    assert again.body is None
    assert again.etag == first.etag
    assert again.error is None


async def test_304_on_last_modified_alone_is_not_modified() -> None:
    async with started_feed_server() as server, fetcher() as f:
        server.add("/feed", RSS, etag=None)
        first = await f.fetch(server.url + "/feed")
        again = await f.fetch(server.url + "/feed", last_modified=first.last_modified)
    assert again.status == "not_modified"
    assert again.last_modified == first.last_modified


async def test_changed_feed_is_returned_despite_old_validators() -> None:
    async with started_feed_server() as server, fetcher() as f:
        server.add("/feed", RSS)
        first = await f.fetch(server.url + "/feed")
        server.add("/feed", RSS + b"<!-- new -->")
        again = await f.fetch(
            server.url + "/feed", etag=first.etag, last_modified=first.last_modified
        )
    assert again.status == "ok"
    assert again.body == RSS + b"<!-- new -->"
    assert again.etag != first.etag


async def test_user_agent_is_sent() -> None:
    async with started_feed_server() as server, fetcher() as f:
        server.add("/feed", RSS)
        await f.fetch(server.url + "/feed")
    assert server.requests[0].headers["User-Agent"] == USER_AGENT


async def test_custom_user_agent_is_sent() -> None:
    async with started_feed_server() as server, Fetcher(
        FetchLimits(allow_private=True), user_agent="probe/1"
    ) as f:
        server.add("/feed", RSS)
        await f.fetch(server.url + "/feed")
    assert server.requests[0].headers["User-Agent"] == "probe/1"


# --- compression and size -----------------------------------------------------------------


async def test_gzip_body_is_decompressed() -> None:
    async with started_feed_server() as server, fetcher() as f:
        server.add("/feed", RSS, gzip=True)
        result = await f.fetch(server.url + "/feed")
    assert "gzip" in server.requests[0].headers["Accept-Encoding"]
    assert result.status == "ok"
    assert result.body == RSS


async def test_body_exactly_at_cap_is_accepted() -> None:
    async with started_feed_server() as server, fetcher(max_bytes=1000) as f:
        server.add("/feed", b"x" * 1000)
        result = await f.fetch(server.url + "/feed")
    assert result.status == "ok"
    assert result.body == b"x" * 1000


async def test_declared_length_over_cap_is_refused_before_the_body_arrives() -> None:
    async def promise_much(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.content_length = 10 * MiB
        await resp.prepare(request)
        await asyncio.Event().wait()  # the body never comes: only the header can fail us fast
        raise AssertionError("unreachable")

    async with started_feed_server() as server, fetcher(max_bytes=1000) as f:
        server.route("/feed", promise_much)
        result = await f.fetch(server.url + "/feed")
    assert result.status == "error"
    assert result.error == "response over 1000 bytes"
    assert result.body is None


async def test_oversize_stream_is_cut_off_without_reading_it_all() -> None:
    total = 50 * MiB
    sent = 0

    async def endless(request: web.Request) -> web.StreamResponse:
        nonlocal sent
        resp = web.StreamResponse()  # chunked: no Content-Length to refuse up front
        await resp.prepare(request)
        chunk = b"x" * (64 * 1024)
        while sent < total:
            await resp.write(chunk)
            sent += len(chunk)
        return resp

    async with started_feed_server() as server, fetcher(max_bytes=MiB, total_timeout=2) as f:
        server.route("/feed", endless)
        result = await f.fetch(server.url + "/feed")
        sent_when_done = sent
    assert result.status == "error"
    assert result.error == "response over 1 MiB"
    assert sent_when_done < total // 5  # at most the cap plus socket buffers, not 50 MiB


async def test_gzip_bomb_is_stopped_at_cap_without_inflating_it_all() -> None:
    bomb = gzip_bomb()

    async def bomb_handler(request: web.Request) -> web.StreamResponse:
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip"})

    async with started_feed_server() as server, fetcher(max_bytes=MiB, total_timeout=2) as f:
        server.route("/feed", bomb_handler)
        tracemalloc.start()
        try:
            result = await f.fetch(server.url + "/feed")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(bomb) < 100 * 1024
    assert result.status == "error"
    assert result.error == "response over 1 MiB"
    assert peak < 16 * MiB  # inflating the whole bomb would need 50 MiB


# --- HTTP errors and network failures -----------------------------------------------------


async def test_http_500_is_an_error() -> None:
    async def broken(request: web.Request) -> web.StreamResponse:
        return web.Response(status=500, text="oops")

    async with started_feed_server() as server, fetcher() as f:
        server.route("/feed", broken)
        result = await f.fetch(server.url + "/feed")
    assert result.status == "error"
    assert result.http_status == 500
    assert result.error == "HTTP 500"
    assert result.body is None
    assert result.retry_after is None


async def test_http_404_is_an_error() -> None:
    async with started_feed_server() as server, fetcher() as f:
        result = await f.fetch(server.url + "/missing")
    assert result.status == "error"
    assert result.error == "HTTP 404"


async def test_corrupt_gzip_body_is_an_error() -> None:
    async def corrupt(request: web.Request) -> web.StreamResponse:
        return web.Response(body=b"not gzip at all", headers={"Content-Encoding": "gzip"})

    async with started_feed_server() as server, fetcher() as f:
        server.route("/feed", corrupt)
        result = await f.fetch(server.url + "/feed")
    assert result.status == "error"
    assert result.error is not None and result.error.startswith("broken response body")
    assert "\n" not in result.error


async def test_server_hanging_up_without_answer_is_an_error() -> None:
    async def hang_up(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        request.transport.close()
        await asyncio.sleep(1)
        raise AssertionError("unreachable")

    async with started_feed_server() as server, fetcher() as f:
        server.route("/feed", hang_up)
        result = await f.fetch(server.url + "/feed")
    assert result.status == "error"
    assert result.error == "server disconnected"


async def test_server_that_never_answers_times_out() -> None:
    async def silent(request: web.Request) -> web.StreamResponse:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async with started_feed_server() as server, fetcher(total_timeout=0.3) as f:
        server.route("/feed", silent)
        started = time.monotonic()
        result = await f.fetch(server.url + "/feed")
        elapsed = time.monotonic() - started
    assert result.status == "error"
    assert result.error == "timed out after 0.3 s"
    assert elapsed < 1.0


async def test_slow_drip_is_cut_at_total_timeout() -> None:
    async def drip(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        await resp.prepare(request)
        for _ in range(100):  # a byte every 0.2 s: never idle long enough for a read timeout
            await resp.write(b"<")
            await asyncio.sleep(0.2)
        return resp

    async with started_feed_server() as server, fetcher(total_timeout=0.5) as f:
        server.route("/feed", drip)
        started = time.monotonic()
        result = await f.fetch(server.url + "/feed")
        elapsed = time.monotonic() - started
    assert result.status == "error"
    assert result.error == "timed out after 0.5 s"
    assert elapsed < 1.0


async def test_connection_refused_is_an_error() -> None:
    async with fetcher() as f:
        result = await f.fetch(f"http://127.0.0.1:{free_port()}/feed")
    assert result.status == "error"
    assert result.error == "connection refused"
    assert result.http_status is None


async def test_unresponsive_connect_times_out() -> None:
    # A listener whose accept queue is full and never drained: Linux drops further SYNs, so
    # the next connect hangs the way it does against a firewalled host.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address = listener.getsockname()
        fillers = [socket.socket() for _ in range(3)]
        for filler in fillers:
            filler.setblocking(False)
            filler.connect_ex(address)  # just the SYN: whether it lands or hangs is irrelevant
        try:
            async with fetcher(connect_timeout=0.2, total_timeout=1.5) as f:
                started = time.monotonic()
                result = await f.fetch(f"http://127.0.0.1:{address[1]}/feed")
                elapsed = time.monotonic() - started
        finally:
            for filler in fillers:
                filler.close()
    assert result.status == "error"
    assert result.error == "connect timed out after 0.2 s"
    assert elapsed < 1.0


@pytest.mark.parametrize(
    "url",
    ["ftp://127.0.0.1/feed", "file:///etc/passwd", "javascript:alert(1)", "feed.example/rss"],
)
async def test_non_http_url_is_an_error(url: str) -> None:
    async with fetcher() as f:
        result = await f.fetch(url)
    assert result.status == "error"
    assert result.error is not None
    assert "scheme" in result.error or "absolute" in result.error


# --- redirects ----------------------------------------------------------------------------


async def test_permanent_redirect_chain_sets_permanent_url() -> None:
    async with started_feed_server() as server, fetcher() as f:
        server.redirect("/old", "/older", status=301)
        server.redirect("/older", server.url + "/new", status=308)
        server.add("/new", RSS)
        result = await f.fetch(server.url + "/old")
    assert result.status == "ok"
    assert result.body == RSS
    assert result.url == server.url + "/old"
    assert result.permanent_url == server.url + "/new"


async def test_temporary_redirect_leaves_permanent_url_unset() -> None:
    async with started_feed_server() as server, fetcher() as f:
        server.redirect("/old", "/new", status=302)
        server.add("/new", RSS)
        result = await f.fetch(server.url + "/old")
    assert result.status == "ok"
    assert result.body == RSS
    assert result.permanent_url is None


async def test_chain_with_one_temporary_hop_is_not_permanent() -> None:
    async with started_feed_server() as server, fetcher() as f:
        server.redirect("/a", "/b", status=301)
        server.redirect("/b", "/c", status=307)
        server.add("/c", RSS)
        result = await f.fetch(server.url + "/a")
    assert result.status == "ok"
    assert result.permanent_url is None


async def test_conditional_headers_follow_the_redirect() -> None:
    async with started_feed_server() as server, fetcher() as f:
        server.redirect("/old", "/new", status=301)
        server.add("/new", RSS, etag='"same"')
        result = await f.fetch(server.url + "/old", etag='"same"')
    assert result.status == "not_modified"
    assert result.permanent_url == server.url + "/new"


async def test_redirect_loop_is_an_error() -> None:
    async with started_feed_server() as server, fetcher() as f:
        server.redirect("/a", "/b")
        server.redirect("/b", "/a")
        result = await f.fetch(server.url + "/a")
    assert result.status == "error"
    assert result.error is not None and result.error.startswith("redirect loop")
    assert server.hits("/a") == 1
    assert result.permanent_url is None


async def test_chain_of_exactly_max_redirects_is_followed() -> None:
    async with started_feed_server() as server, fetcher(max_redirects=2) as f:
        server.redirect("/r0", "/r1", status=302)
        server.redirect("/r1", "/feed", status=302)
        server.add("/feed", RSS)
        result = await f.fetch(server.url + "/r0")
    assert result.status == "ok"


async def test_chain_longer_than_max_redirects_is_an_error() -> None:
    async with started_feed_server() as server, fetcher(max_redirects=2) as f:
        for i in range(3):
            server.redirect(f"/r{i}", f"/r{i + 1}", status=302)
        server.add("/r3", RSS)
        result = await f.fetch(server.url + "/r0")
    assert result.status == "error"
    assert result.error == "too many redirects (>2)"
    assert server.hits("/r3") == 0


async def test_redirect_to_non_http_scheme_is_an_error() -> None:
    async with started_feed_server() as server, fetcher() as f:
        server.redirect("/feed", "file:///etc/passwd", status=302)
        result = await f.fetch(server.url + "/feed")
    assert result.status == "error"
    assert result.error == "unsupported URL scheme 'file'"


async def test_redirect_without_location_is_an_error() -> None:
    async def no_location(request: web.Request) -> web.StreamResponse:
        return web.Response(status=301)

    async with started_feed_server() as server, fetcher() as f:
        server.route("/feed", no_location)
        result = await f.fetch(server.url + "/feed")
    assert result.status == "error"
    assert result.error == "HTTP 301 without Location"


# --- Retry-After --------------------------------------------------------------------------


def answer(status: int, retry_after: str) -> web.Response:
    return web.Response(status=status, headers={"Retry-After": retry_after})


async def test_429_retry_after_seconds_sets_retry_after() -> None:
    async def slow_down(request: web.Request) -> web.StreamResponse:
        return answer(429, "120")

    async with started_feed_server() as server, fetcher() as f:
        server.route("/feed", slow_down)
        result = await f.fetch(server.url + "/feed")
    assert result.status == "error"
    assert result.error == "HTTP 429"
    assert result.retry_after == NOW + timedelta(seconds=120)


async def test_503_retry_after_http_date_sets_retry_after() -> None:
    async def down(request: web.Request) -> web.StreamResponse:
        return answer(503, "Sun, 01 Jun 2025 13:30:00 GMT")

    async with started_feed_server() as server, fetcher() as f:
        server.route("/feed", down)
        result = await f.fetch(server.url + "/feed")
    assert result.error == "HTTP 503"
    assert result.retry_after == datetime(2025, 6, 1, 13, 30, tzinfo=UTC)


async def test_retry_after_is_capped_by_max_retry_after() -> None:
    async def go_away(request: web.Request) -> web.StreamResponse:
        return answer(429, "99999999999999999999")

    async with started_feed_server() as server, fetcher(max_retry_after=3600) as f:
        server.route("/feed", go_away)
        result = await f.fetch(server.url + "/feed")
    assert result.retry_after == NOW + timedelta(hours=1)


async def test_unparsable_retry_after_is_ignored() -> None:
    async def garbled(request: web.Request) -> web.StreamResponse:
        return answer(429, "soon")

    async with started_feed_server() as server, fetcher() as f:
        server.route("/feed", garbled)
        result = await f.fetch(server.url + "/feed")
    assert result.error == "HTTP 429"
    assert result.retry_after is None


# --- concurrency --------------------------------------------------------------------------


async def slow_feed(request: web.Request) -> web.StreamResponse:
    await asyncio.sleep(0.1)
    return web.Response(body=RSS)


async def test_per_host_concurrency_bound_is_respected() -> None:
    async with started_feed_server() as server, fetcher(per_host=2, total_timeout=2) as f:
        server.route("/feed", slow_feed)
        results = await asyncio.gather(*(f.fetch(server.url + "/feed") for _ in range(6)))
    assert [r.status for r in results] == ["ok"] * 6
    assert server.max_in_flight == 2


async def test_global_concurrency_bound_is_respected() -> None:
    limits = {"per_host": 10, "max_concurrency": 3, "total_timeout": 2}
    async with started_feed_server() as server, fetcher(**limits) as f:
        server.route("/feed", slow_feed)
        results = await asyncio.gather(*(f.fetch(server.url + "/feed") for _ in range(6)))
    assert [r.status for r in results] == ["ok"] * 6
    assert server.max_in_flight == 3
