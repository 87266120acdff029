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
        nearest = ", ".join(f"item {n['item']} {n['cosine']}" for n in fold["nearest"])
        how += f" as story {fold['story']} (score {fold['score']}; nearest {nearest})"
    elif how == "new story" and "closest" in fold:
        closest = ", ".join(f"story {c['story']} {c['score']}" for c in fold["closest"])
        how += f" (closest: {closest or 'none'})"
    if vetoed := fold.get("vetoed"):
        how += "; vetoed " + ", ".join(f"story {v['story']} ({v['veto']})" for v in vetoed)
    if fold.get("merged_stories"):
        how += f"; merged stories {', '.join(map(str, fold['merged_stories']))}"
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
    seen: list[tuple[int | None, dict[str, Any]]] = []  # (item id, record) in replay order
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
                    seen.append((result.item_id or result.duplicate_of, record))
                    if as_json:
                        print(json.dumps(record, ensure_ascii=False), file=out)
                    else:
                        print(as_line(record), file=out)
        await _print_final(store, seen, out, as_json=as_json)
    finally:
        await store.close()
    return status


async def _print_final(
    store: SQLiteStore, seen: list[tuple[int | None, dict[str, Any]]], out: TextIO, *,
    as_json: bool,
) -> None:
    """Each item's story once every item is in: a later report can merge two stories, and
    the partition a user ends up with is this one, not the stories as first assigned."""
    rows = await store.item_rows([item_id for item_id, _ in seen if item_id is not None])
    for item_id, record in seen:
        final = rows[item_id]["story"] if item_id in rows else record["story"]
        if as_json:
            print(json.dumps({"final_story": final, "guid": record["guid"],
                              "feed": record["feed"]}, ensure_ascii=False), file=out)
        elif final != record["story"]:
            print(f"{record['title']}\n  now story {final} (merged)", file=out)


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


