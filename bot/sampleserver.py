"""Serve a folder of feed files on 127.0.0.1 with ETag/Last-Modified, as real feeds do."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.utils import formatdate
from pathlib import Path

from aiohttp import web

# A fixed date: the demo's second run must see the same validators and get 304s.
_LAST_MODIFIED = formatdate(1_735_689_600, usegmt=True)


def _app(folder: Path) -> web.Application:
    # Read once: the files are small, and serving from memory never touches other paths.
    files = {p.name: p.read_bytes() for p in folder.iterdir() if p.suffix == ".xml"}

    async def serve(request: web.Request) -> web.StreamResponse:
        body = files.get(request.match_info["name"])
        if body is None:
            raise web.HTTPNotFound()
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
async def serve_folder(folder: Path) -> AsyncIterator[str]:
    """Yield the base URL (http://127.0.0.1:PORT) while the server runs."""
    runner = web.AppRunner(_app(folder), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
