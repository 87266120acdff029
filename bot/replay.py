"""`replay`: what the pipeline makes of given feeds, item by item, and why."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from bot.commands.treaty import Knowledge
from bot.config import DEFAULT_CONFIG, Config, load_config
from bot.fetch import Fetcher
from bot.parse import ParseError, parse_feed
from bot.pipeline import ItemResult, Pipeline, fetch_limits, utc_now
from bot.samples import bundled_config
from storage import SQLiteStore


def replay_config(path: Path | None) -> Config:
    if path is not None:
        return load_config(path)
    if DEFAULT_CONFIG.exists():
        return load_config(DEFAULT_CONFIG)
    return bundled_config()


def as_record(result: ItemResult) -> dict[str, Any]:
    item, analysis = result.item, result.analysis
    return {
        "guid": item.guid,
        "link": item.link,
        "title": item.title,
        "feed": item.feed,
        "topics": list(analysis.topic_names),
        "story": result.story_id,
        "new_story": result.new_story,
        "articles": list(analysis.articles),
        "troops": [c.figure for c in analysis.troops],
        "why": result.why,
    }


def as_line(record: dict[str, Any]) -> str:
    why = record["why"]
    fold = why.get("fold", {})
    how = fold.get("how", "?")
    if how == "syndicated copy":
        how += f" of item {fold['of_item']} (similarity {fold['similarity']})"
    elif how == "same event":
        shared = ", ".join(fold["shared"])
        how += f" as story {fold['story']} (score {fold['score']}; shared {shared})"
    elif how == "same link or guid":
        how += f" as item {fold['of_item']}"
    topics = ", ".join(
        f"{topic} [{'; '.join(terms)}]" for topic, terms in why.get("topics", {}).items()
    ) or "none"
    lines = [
        f"{record['title']}",
        f"  feed {record['feed']} · story {record['story']}"
        f"{' (new)' if record['new_story'] else ''} · {how}",
        f"  topics: {topics}",
    ]
    if record["articles"]:
        lines.append(f"  articles: {', '.join(map(str, record['articles']))}")
    if phrased := why.get("articles_by_phrasing"):
        lines.append(f"  articles by their wording: {', '.join(map(str, phrased))}")
    if record["troops"]:
        lines.append(f"  troops: {', '.join(f'{n:,}' for n in record['troops'])}")
    lines.append(f"  alert: {why.get('alert', '?')}")
    return "\n".join(lines)


async def _load(source: str, fetcher: Fetcher) -> bytes:
    if source.startswith(("http://", "https://")):
        result = await fetcher.fetch(source)
        if result.status != "ok" or result.body is None:
            raise ParseError(result.error or f"HTTP {result.http_status}")
        return result.body
    try:
        return await asyncio.to_thread(Path(source).read_bytes)
    except OSError as exc:
        raise ParseError(f"cannot read: {exc.strerror or exc}") from None


def _feed_name(config: Config, source: str) -> str:
    for feed in config.feeds:
        if feed.url == source:
            return feed.name
    return Path(source).name if "://" not in source else source


async def replay(
    sources: list[str], config: Config, db_path: Path, out: TextIO, *, as_json: bool
) -> int:
    store = await SQLiteStore.open(db_path)
    status = 0
    try:
        pipeline = Pipeline(config, store, treaty_index=Knowledge.load().index)
        # The operator names these URLs on their own command line (a local test server, say):
        # not user input reaching the bot, so private addresses are allowed.
        limits = replace(fetch_limits(config), allow_private=True)
        async with Fetcher(limits) as fetcher:
            for source in sources:
                name = _feed_name(config, source)
                try:
                    parsed = parse_feed(await _load(source, fetcher), name, utc_now())
                except ParseError as exc:
                    print(f"error: {source}: {exc}", file=sys.stderr)
                    status = 1
                    continue
                await store.sync_feeds([(name, source)], utc_now())
                feed_id = next(f.id for f in await store.feeds() if f.name == name)
                for result in await pipeline.ingest(feed_id, parsed.items, deliver=False):
                    record = as_record(result)
                    if as_json:
                        print(json.dumps(record, ensure_ascii=False), file=out)
                    else:
                        print(as_line(record), file=out)
    finally:
        await store.close()
    return status


async def run_replay(
    sources: list[str], config_path: Path | None, db_path: Path | None, *, as_json: bool,
    out: TextIO | None = None,
) -> int:
    config = replay_config(config_path)
    out = out or sys.stdout
    if db_path is not None:
        return await replay(sources, config, db_path, out, as_json=as_json)
    with tempfile.TemporaryDirectory(prefix="treatywatch-replay-") as tmp:
        return await replay(sources, config, Path(tmp) / "replay.sqlite", out, as_json=as_json)


