"""Serve a folder of feed files on 127.0.0.1 with ETag/Last-Modified, as real feeds do.

The server can also play the feeds as they stood at an earlier moment (`as_of`): each feed
then holds only its items published by then, as if polled on that day. The demo polls the
samples day by day this way, so that reports joining a story already posted show as edits
of that post, as they do in a running bot.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from aiohttp import web

# A fixed date: the demo's second run must see the same validators and get 304s.
_LAST_MODIFIED = formatdate(1_735_689_600, usegmt=True)
_ENTRY = re.compile(rb"<(item|entry)\b.*?</\1\s*>", re.DOTALL)
_DATE = re.compile(rb"<(pubDate|published|dc:date|updated)>\s*([^<]+?)\s*</\1>")


def entry_date(block: bytes) -> datetime | None:
    """The publication date of one <item> or <entry>, if it gives one that parses."""
    match = _DATE.search(block)
    if match is None:
        return None
    text = match.group(2).decode("utf-8", "replace")
    try:
        when = (datetime.fromisoformat(text) if match.group(1) != b"pubDate"
                else parsedate_to_datetime(text))
    except (ValueError, TypeError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def as_of(body: bytes, moment: datetime) -> bytes:
    """The feed without the entries published after `moment` (or undated: first seen now)."""
    def keep(match: re.Match[bytes]) -> bytes:
        when = entry_date(match.group())
        return match.group() if when is not None and when <= moment else b""

    return _ENTRY.sub(keep, body)


def entry_dates(folder: Path) -> list[datetime]:
    """The publication dates of the folder's dated entries."""
    return [d for p in sorted(folder.glob("*.xml")) for m in _ENTRY.finditer(p.read_bytes())
            if (d := entry_date(m.group())) is not None]


@dataclass(slots=True)
class Clock:
    """The moment the served feeds stand at; None: everything."""

    moment: datetime | None = None


def _app(folder: Path, clock: Clock) -> web.Application:
    # Read once: the files are small, and serving from memory never touches other paths.
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix == ".xml"}

    async def serve(request: web.Request) -> web.StreamResponse:
        body = files.get(request.match_info["name"])
        if body is None:
            raise web.HTTPNotFound()
        if clock.moment is not None:
            body = as_of(body, clock.moment)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = {"ETag": etag, "Last-Modified": _LAST_MODIFIED}
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, content_type="application/xml", charset="utf-8",
                            headers=headers)

    app = web.Application()
    app.router.add_get("/{name}", serve)
    return app


@asynccontextmanager
async def serve_folder(folder: Path, clock: Clock | None = None) -> AsyncIterator[str]:
    """Yield the base URL (http://127.0.0.1:PORT) while the server runs."""
    runner = web.AppRunner(_app(folder, clock or Clock()), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
