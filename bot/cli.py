"""`python -m bot` / `treatywatch`: every scheduled job can also be run by hand."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from platformdirs import user_data_path

from bot.commands import treaty as commands
from bot.commands.treaty import Knowledge, official_text_path
from bot.config import DEFAULT_CONFIG, ConfigError, load_config
from bot.official_text import OfficialTextError
from bot.pipeline import utc_now
from bot.render.console import render
from bot.treaty import ArticleRefError, TreatyDataError
from bot.workers import Role
from storage import DATABASE_ENV, SQLiteStore, StorageError, database_url

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

    article = sub.add_parser(
        "article", help="a treaty article and the news that cites it",
        description="Show an article of the treaty by number (4, IV, fourth, 제4조, статья 4, "
        "preamble) or by words: its title, our summary, the official wording if configured, "
        "and the stored stories that cite it.",
    )
    article.add_argument("ref", nargs="+", metavar="NUMBER_OR_WORDS")
    _knowledge_options(article, db_help="database with the news (default: the bot's)")

    ask = sub.add_parser("ask", help="which articles answer a plain-language question")
    ask.add_argument("question", nargs="+")
    ask.add_argument("--json", action="store_true", help="print the ranking as JSON")
    ask.add_argument("-k", type=int, default=5, help="how many articles (default 5)")
    ask.add_argument("--config", type=Path, default=None, help="feeds.yaml, for an official text")

    timeline = sub.add_parser("timeline", help="the treaty's dated steps and status")
    timeline.add_argument("--config", type=Path, default=None)

    run = sub.add_parser(
        "run", help="run the bot: poll, deliver, answer commands (needs a platform token)",
        description="Start the bot with the platforms whose tokens are set: DISCORD_TOKEN "
        "(and optionally DISCORD_GUILD_ID); SLACK_BOT_TOKEN with SLACK_APP_TOKEN or "
        "SLACK_SIGNING_SECRET. Tokens come from the environment or a .env file.",
    )
    run.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    run.add_argument("--db", metavar="FILE_OR_URL",
                     help="a SQLite file, sqlite:///file or postgresql://user@host/db (default: "
                     f"{DATABASE_ENV}, else feeds.yaml's database, else "
                     f"{default_db('treatywatch.sqlite')})")
    run.add_argument("--init", action="store_true",
                     help="start a new database if the SQLite file is empty or not "
                     "treatywatch's (the old file is renamed aside, never deleted)")
    run.add_argument("--role", choices=[r.value for r in Role], default=Role.ALL.value,
                     help="what this process runs: poller (polls due feeds), deliverer "
                     "(delivers the outbox), gateway (the platforms' gateways: commands, "
                     "digest, feed notices), or all (default). Several processes of each "
                     "role share one PostgreSQL database; see docs/scaling.md")

    migrate = sub.add_parser(
        "migrate-db", help="copy a SQLite installation's data into a new PostgreSQL database",
        description="Copy every table from a SQLite file into an empty PostgreSQL database in "
        "one transaction, checked before it commits (row counts, stories, deliveries): "
        "nothing is lost and nothing is posted again. The bot may keep running on the file "
        "meanwhile; stop it before starting it on PostgreSQL, and copy again if it wrote.",
    )
    migrate.add_argument("--from", dest="source", required=True, metavar="sqlite:///FILE")
    migrate.add_argument("--to", dest="target", required=True, metavar="postgresql://…")

    digest = sub.add_parser(
        "digest", help="print a week's digest and write its chart (no token needed)",
        description="Print the weekly digest of an ISO week from a database (the stories by "
        "topic, ranked by outlets; the treaty articles cited; the troop figures claimed; feed "
        "health) and write its chart, stories per day per topic over four weeks, as a PNG.",
    )
    digest.add_argument("--week", help="ISO week such as 2025-W18 (default: the last complete "
                        "week, the one the bot posts next)")
    digest.add_argument("--out", type=Path, default=Path("."),
                        help="directory for the chart (default: the current one)")
    digest.add_argument("--db", type=Path, help=f"default: {default_db('treatywatch.sqlite')}")
    digest.add_argument("--config", type=Path, default=None,
                        help="feeds.yaml, for the digest's time zone (default: ./feeds.yaml if "
                        "present, else UTC)")

    backup = sub.add_parser(
        "backup", help="a consistent copy of the database, safe while the bot runs",
        description="Copy the database with SQLite's online backup: a snapshot of one moment, "
        "made while the bot may be writing. The copy is checked before the command succeeds.",
    )
    backup.add_argument("path", type=Path, help="the new file to write (must not exist)")
    backup.add_argument("--db", type=Path, help=f"default: {default_db('treatywatch.sqlite')}")

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


def _knowledge_options(parser: argparse.ArgumentParser, db_help: str) -> None:
    parser.add_argument("--config", type=Path, default=None,
                        help="feeds.yaml, for treaty.official_text (default: ./feeds.yaml if "
                        "present)")
    parser.add_argument("--db", type=Path, help=db_help)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return asyncio.run(_dispatch(args))
    except (ConfigError, TreatyDataError, OfficialTextError, ArticleRefError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StorageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `| head`: the reader has gone, nothing more to say
        sys.stderr.close()
        return 0


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
        knowledge = _knowledge(args.config)
        return await run_poll(config, knowledge, args.db or default_db("treatywatch.sqlite"))
    if args.command == "run":
        from bot.runtime import run
        from bot.secrets import Secrets

        url = database_url(args.db, load_config(args.config).database,
                           default_db("treatywatch.sqlite"))
        return await run(args.config, url, Secrets.load(), Role(args.role), init=args.init)
    if args.command == "migrate-db":
        return await _migrate_db(args.source, args.target)
    if args.command in ("article", "ask", "timeline"):
        return await _treaty_command(args)
    if args.command == "backup":
        from storage.backup import backup

        source = args.db or default_db("treatywatch.sqlite")
        pages = await asyncio.to_thread(backup, source, args.path)
        print(f"{args.path}: copied {pages} pages from {source}, integrity ok")
        return 0
    if args.command == "digest":
        return await _digest(args)
    if args.command == "replay":
        from bot.replay import run_replay

        return await run_replay(args.sources, args.config, args.db, as_json=args.json)
    raise AssertionError(args.command)


async def _migrate_db(source: str, target: str) -> int:
    from storage.migrate import sqlite_to_postgres
    from storage.open import sqlite_path
    from storage.postgres import redacted

    path = sqlite_path(source)
    if path is None or not target.startswith(("postgresql://", "postgres://")):
        print("error: migrate-db copies --from sqlite:///FILE --to postgresql://…",
              file=sys.stderr)
        return EXIT_USAGE
    copied = await sqlite_to_postgres(path, target)
    tables = ", ".join(f"{table} {count}" for table, count in copied.rows.items())
    print(f"{redacted(target)}: copied from {path} and checked — {tables}; "
          f"{copied.stories} stories and {copied.deliveries} deliveries identical, "
          f"{copied.pending} deliveries still pending")
    return 0


async def _digest(args: argparse.Namespace) -> int:
    from zoneinfo import ZoneInfo

    from bot.digest import IsoWeek, last_complete_week, print_digest

    config_path = args.config or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    zone = ZoneInfo(load_config(config_path).digest.timezone if config_path else "UTC")
    try:
        week = IsoWeek.parse(args.week) if args.week else last_complete_week(utc_now(), zone)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    db_path = args.db or default_db("treatywatch.sqlite")
    if not db_path.exists():  # opening it would create an empty database
        print(f"error: {db_path}: no such database (run `python -m bot demo` or `poll` first, "
              "or give --db)", file=sys.stderr)
        return EXIT_USAGE
    titles = _knowledge(args.config).titles
    store = await SQLiteStore.open(db_path)
    try:
        await print_digest(store, week, zone, titles, args.out, sys.stdout)
    finally:
        await store.close()
    return 0


def _knowledge(config_path: Path | None) -> Knowledge:
    """The treaty, with the official text that feeds.yaml names, if any."""
    path = config_path or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)
    if path is None:
        return Knowledge.load()
    config = load_config(path)
    return Knowledge.load(official_text_path(config.treaty.official_text, path))


async def _treaty_command(args: argparse.Namespace) -> int:
    knowledge = _knowledge(args.config)
    if args.command == "timeline":
        print(render(commands.timeline(knowledge)))
        return 0
    if args.command == "ask":
        question = " ".join(args.question)
        if args.json:
            print(json.dumps(commands.ask_results(question, knowledge, args.k),
                             ensure_ascii=False))
            return 0
        message = commands.ask(question, knowledge, args.k)
    else:
        db_path = args.db or default_db("treatywatch.sqlite")
        store = await SQLiteStore.open(db_path) if db_path.exists() else None
        try:
            message = await commands.article(" ".join(args.ref), knowledge, store, utc_now())
        finally:
            if store is not None:
                await store.close()
    if message.ephemeral:  # an answer to a bad request: one line, usage status
        print(f"error: {message.title}", file=sys.stderr)
        return EXIT_USAGE
    print(render(message))
    return 0
