"""`python -m bot` / `treatywatch`: every scheduled job can also be run by hand."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from platformdirs import user_data_path

from bot.config import DEFAULT_CONFIG, ConfigError, load_config
from storage import StorageError

EXIT_USAGE = 2


def default_db(name: str) -> Path:
    return user_data_path("treatywatch", appauthor=False) / name


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="treatywatch",
        description="News alerts on the DPRK–Russia treaty, North Korean troops in Russia "
        "and KCNA, for Discord and Slack.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo", help="run the whole pipeline on the bundled sample feeds (no token needed)",
        description="Serve the bundled sample feeds on 127.0.0.1, poll them through the real "
        "fetch path into a SQLite file, and print each new story alert and a summary.",
    )
    demo.add_argument("--db", type=Path, help=f"SQLite file (default: {default_db('demo.sqlite')})")
    demo.add_argument("--fresh", action="store_true", help="delete the demo database first")

    check = sub.add_parser("check-config", help="validate a feeds.yaml file")
    check.add_argument("file", nargs="?", type=Path, default=DEFAULT_CONFIG)

    poll = sub.add_parser("poll", help="poll the feeds of feeds.yaml once and print new alerts")
    poll.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    poll.add_argument("--db", type=Path, help=f"default: {default_db('treatywatch.sqlite')}")

    replay = sub.add_parser(
        "replay", help="explain what the pipeline makes of feed files or URLs",
        description="Run feed files (or URLs) through parse → match → fold against a database "
        "and print, per item, its topics, story, articles, troop figures and why. "
        "Replay never queues alerts.",
    )
    replay.add_argument("sources", nargs="+", metavar="FILE_OR_URL")
    replay.add_argument("--config", type=Path, default=None,
                        help="feeds.yaml for the topic rules (default: ./feeds.yaml if present, "
                        "else the bundled default)")
    replay.add_argument("--db", type=Path, help="database to fold against (default: a new "
                        "temporary one)")
    replay.add_argument("--json", action="store_true", help="one JSON object per item")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return asyncio.run(_dispatch(args))
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


async def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "check-config":
        config = load_config(args.file)
        print(f"{args.file}: OK — {len(config.feeds)} feeds, topics: {', '.join(config.topics)}")
        return 0
    if args.command == "demo":
        from bot.demo import run_demo

        return await run_demo(args.db or default_db("demo.sqlite"), fresh=args.fresh)
    if args.command == "poll":
        from bot.demo import run_poll

        config = load_config(args.config)
        return await run_poll(config, args.db or default_db("treatywatch.sqlite"))
    if args.command == "replay":
        from bot.replay import run_replay

        return await run_replay(args.sources, args.config, args.db, as_json=args.json)
    raise AssertionError(args.command)
