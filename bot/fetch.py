"""The HTTP fetch layer: polite, bounded conditional GETs that never raise for network trouble.

Every failure becomes a ``FetchResult`` with ``status == "error"`` and a one-line ``error``, so
the pipeline can record it per feed and carry on with the others.
"""

from __future__ import annotations

import asyncio
import email.utils
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Literal, Self

import aiohttp
from aiohttp.abc import AbstractResolver
from aiohttp.resolver import DefaultResolver
from multidict import CIMultiDictProxy
from yarl import URL

from bot.netguard import AddressPolicy, BlockedAddress, GuardedResolver, host_refusal

USER_AGENT = "treatywatch/0.1 (+https://github.com/treatywatch/treatywatch)"

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
# Said explicitly: aiohttp would also offer br/zstd whenever their optional packages happen to be
# installed, and the size cap is only tested against what we ask for.
ACCEPT_ENCODING = "gzip, deflate"

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_PERMANENT = frozenset({301, 308})
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_CHUNK = 64 * 1024
_MAX_ERROR_CHARS = 200


@dataclass(frozen=True, slots=True)
class FetchLimits:
    connect_timeout: float = 10.0
    total_timeout: float = 30.0
    max_bytes: int = 5 * 1024 * 1024  # counted after decompression
    max_redirects: int = 5
    max_concurrency: int = 16  # all requests
    per_host: int = 2  # per host
    max_retry_after: float = 6 * 3600  # cap on a server's Retry-After
    # Private, loopback and link-local addresses are refused unless this is set (feeds.yaml
    # fetch.allow_private): a feed URL is user input and must not reach the bot's own network.
    allow_private: bool = False


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # the URL requested
    status: Literal["ok", "not_modified", "error"]
    http_status: int | None = None
    body: bytes | None = None
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    # Set when every hop of the redirect chain was permanent (301/308): store this URL instead.
    permanent_url: str | None = None
    # From a 429/503 Retry-After (seconds or HTTP date), capped by max_retry_after.
    retry_after: datetime | None = None
    error: str | None = None  # one line, e.g. "HTTP 500", "timed out after 30 s"


class _Failure(Exception):
    """An expected failure, already phrased as the one-line ``FetchResult.error``."""


@dataclass(frozen=True, slots=True)
class _Hop:
    """One response of the redirect chain, with its body read if it is the final one."""

    status: int
    headers: CIMultiDictProxy[str]
    body: bytes | None = None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _size(n: int) -> str:
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit}"
    return f"{n} bytes"


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MAX_ERROR_CHARS else line[: _MAX_ERROR_CHARS - 1] + "…"


def _check_url(url: URL, policy: AddressPolicy) -> None:
    if url.scheme not in ("http", "https"):
        raise _Failure(
            f"unsupported URL scheme {url.scheme!r}" if url.scheme else "not an absolute URL"
        )
    if not url.raw_host:
        raise _Failure("URL has no host")
    # aiohttp connects to literal addresses without asking the resolver, so they are judged here;
    # names are judged by GuardedResolver on what they resolve to.
    if refusal := host_refusal(url.raw_host, policy):
        raise _Failure(f"refused: {refusal.reason}")


def parse_retry_after(value: str | None, now: datetime, cap: float) -> datetime | None:
    """Read Retry-After as delta-seconds or an HTTP date; clamp it to [now, now + cap]."""
    if value is None:
        return None
    value = value.strip()
    latest = now + timedelta(seconds=cap)
    if re.fullmatch(r"[0-9]+", value):
        # Clamp before building the timedelta: a hostile "99999999999999" would overflow it.
        return now + timedelta(seconds=min(int(value), cap))
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:  # "-0000" means UTC with no claim about local time
            when = when.replace(tzinfo=UTC)
        when = when.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):  # garbage, or a year like 0001
        return None
    return min(max(when, now), latest)


def _describe(exc: BaseException, limits: FetchLimits) -> str:
    """Turn an aiohttp/OS exception into the one-line error the pipeline stores."""
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return f"connect timed out after {_seconds(limits.connect_timeout)}"
    if isinstance(exc, TimeoutError):
        return f"timed out after {_seconds(limits.total_timeout)}"
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, BlockedAddress):
        return _one_line(f"refused: {exc.os_error}")
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"DNS lookup failed for {exc.host}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return _one_line(f"TLS certificate error: {exc.certificate_error}")
    if isinstance(exc, aiohttp.ClientSSLError):
        return _one_line(f"TLS error: {exc}")
    if isinstance(exc, aiohttp.ClientConnectorError):
        if isinstance(exc.os_error, ConnectionRefusedError):
            return "connection refused"
        return _one_line(
            f"cannot connect to {exc.host}:{exc.port}: {exc.os_error.strerror or exc.os_error}"
        )
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "server disconnected"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return _one_line(f"broken response body: {exc}")
    if isinstance(exc, aiohttp.ClientResponseError):
        return _one_line(f"bad response: {exc.message}")
    return _one_line(f"{type(exc).__name__}: {exc}")


class Fetcher:
    """Fetches feeds within ``FetchLimits``; use as ``async with Fetcher() as f``.

    ``allow_addresses`` lets exact private addresses through (a test's server on 127.0.0.1)
    without opening the whole private range; ``resolver`` replaces the system DNS
    resolver (tests). Either way, every address connected to passes the policy.
    """

    def __init__(
        self,
        limits: FetchLimits | None = None,
        *,
        user_agent: str = USER_AGENT,
        now: Callable[[], datetime] = _utc_now,
        allow_addresses: Iterable[str] = (),
        resolver: AbstractResolver | None = None,
    ) -> None:
        self.limits = limits or FetchLimits()
        self.user_agent = user_agent
        self.policy = AddressPolicy.build(self.limits.allow_private, allow_addresses)
        self._now = now
        self._inner_resolver = resolver
        self._resolver: GuardedResolver | None = None
        self._session: aiohttp.ClientSession | None = None
        self._all = asyncio.Semaphore(self.limits.max_concurrency)
        # Grows by one entry per distinct host; the feed list is small and fixed, so never pruned.
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Self:
        self._session = self._make_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._resolver is not None:  # the connector closes only a resolver it made itself
            await self._resolver.close()
            self._resolver = None

    def _make_session(self) -> aiohttp.ClientSession:
        # The one place the session is built: every connection it makes goes to an address the
        # guarded resolver let through (names) or _check_url did (literal addresses).
        self._resolver = GuardedResolver(
            self.policy, self._inner_resolver or DefaultResolver()
        )
        connector = aiohttp.TCPConnector(
            limit=self.limits.max_concurrency, resolver=self._resolver
        )
        return aiohttp.ClientSession(
            connector=connector,
            headers={
                "User-Agent": self.user_agent,
                "Accept": ACCEPT,
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            timeout=aiohttp.ClientTimeout(
                total=self.limits.total_timeout, sock_connect=self.limits.connect_timeout
            ),
            # Feeds are anonymous: cookies from one must not follow us to the next poll.
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
        )

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchResult:
        """GET ``url`` conditionally, following redirects; never raises for network trouble."""
        if self._session is None:
            raise RuntimeError("Fetcher.fetch() called outside 'async with Fetcher()'")
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            final_url, hop, permanent = await self._follow(URL(url), headers)
        except _Failure as exc:
            return FetchResult(url=url, status="error", error=str(exc))
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError) as exc:
            return FetchResult(url=url, status="error", error=_describe(exc, self.limits))
        moved = str(final_url) if permanent else None
        return self._result(url, hop, moved, etag, last_modified)

    async def _follow(self, url: URL, headers: dict[str, str]) -> tuple[URL, _Hop, bool]:
        """Walk the redirect chain by hand to learn whether it was all permanent (3rd value).

        The third value is False when there was no redirect at all: nothing moved.
        """
        seen = {url}
        redirected = False
        all_permanent = True
        # One budget for the whole chain, spent only while talking to servers: time queued
        # behind our own semaphores must not make a fetch time out.
        budget = self.limits.total_timeout
        for _ in range(self.limits.max_redirects + 1):
            _check_url(url, self.policy)
            hop, spent = await self._hop(url, headers, budget)
            budget -= spent
            if hop.status not in _REDIRECTS:
                return url, hop, redirected and all_permanent
            redirected = True
            all_permanent = all_permanent and hop.status in _PERMANENT
            url = self._location(url, hop)
            if url in seen:
                raise _Failure(f"redirect loop at {url}")
            seen.add(url)
        raise _Failure(f"too many redirects (>{self.limits.max_redirects})")

    @staticmethod
    def _location(url: URL, hop: _Hop) -> URL:
        location = hop.headers.get("Location")
        if not location:
            raise _Failure(f"HTTP {hop.status} without Location")
        return url.join(URL(location)).with_fragment(None)

    async def _hop(self, url: URL, headers: dict[str, str], budget: float) -> tuple[_Hop, float]:
        """One request, bounded by the per-host and global limits; returns it and time spent."""
        if budget <= 0:
            raise TimeoutError
        host = self._host_slots(url.host or "")
        # Host first, then global: a request queued for a busy host must not hold a global slot.
        async with host, self._all:
            loop = asyncio.get_running_loop()
            started = loop.time()
            async with asyncio.timeout(budget):
                hop = await self._request(url, headers, budget)
            return hop, loop.time() - started

    def _host_slots(self, host: str) -> asyncio.Semaphore:
        if host not in self._hosts:
            self._hosts[host] = asyncio.Semaphore(self.limits.per_host)
        return self._hosts[host]

    async def _request(self, url: URL, headers: dict[str, str], budget: float) -> _Hop:
        assert self._session is not None
        # asyncio.timeout around us is what enforces the budget; aiohttp's own timeout is here for
        # sock_connect, which lets a dead host be reported as a connect timeout.
        timeout = aiohttp.ClientTimeout(total=budget, sock_connect=self.limits.connect_timeout)
        async with self._session.get(
            url, headers=headers, allow_redirects=False, timeout=timeout
        ) as resp:
            if not 200 <= resp.status < 300:
                return _Hop(resp.status, resp.headers)
            return _Hop(resp.status, resp.headers, await self._read_capped(resp))

    async def _read_capped(self, resp: aiohttp.ClientResponse) -> bytes:
        cap = self.limits.max_bytes
        too_big = _Failure(f"response over {_size(cap)}")
        declared = resp.content_length
        if declared is not None and declared > cap and "Content-Encoding" not in resp.headers:
            resp.close()
            raise too_big
        body = bytearray()
        # aiohttp hands us decompressed chunks, so this also stops a small gzip bomb early.
        async for chunk in resp.content.iter_chunked(_CHUNK):
            body += chunk
            if len(body) > cap:
                resp.close()  # drop the connection rather than drain the rest into the pool
                raise too_big
        return bytes(body)

    def _result(
        self,
        url: str,
        hop: _Hop,
        moved: str | None,
        etag: str | None,
        last_modified: str | None,
    ) -> FetchResult:
        h = hop.headers
        if hop.status == 304:
            # A 304 may refresh the validators; otherwise the caller's stay valid.
            return FetchResult(
                url=url,
                status="not_modified",
                http_status=304,
                etag=h.get("ETag", etag),
                last_modified=h.get("Last-Modified", last_modified),
                permanent_url=moved,
            )
        if 200 <= hop.status < 300:
            return FetchResult(
                url=url,
                status="ok",
                http_status=hop.status,
                body=hop.body,
                content_type=h.get("Content-Type"),
                etag=h.get("ETag"),
                last_modified=h.get("Last-Modified"),
                permanent_url=moved,
            )
        retry_after = None
        if hop.status in _RETRY_AFTER_STATUSES:
            retry_after = parse_retry_after(
                h.get("Retry-After"), self._now(), self.limits.max_retry_after
            )
        return FetchResult(
            url=url,
            status="error",
            http_status=hop.status,
            permanent_url=moved,
            retry_after=retry_after,
            error=f"HTTP {hop.status}",
        )
