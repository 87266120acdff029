"""`python -m bot` / `treatywatch`: every scheduled job can also be run by hand."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

from platformdirs import user_data_path

from bot import __version__
from bot.commands import treaty as commands
from bot.commands.arguments import ArgumentError, integer
from bot.commands.treaty import Knowledge, Syntax, load_setup
from bot.config import DEFAULT_CONFIG, ConfigError, load_config
from bot.logs import FORMATS, setup_logging
from bot.official_text import OfficialTextError
from bot.pipeline import utc_now
from bot.render.console import render
from bot.treaty import ArticleRefError, TreatyDataError
from bot.workers import Role
from storage import DATABASE_ENV, SQLiteStore, StorageError, database_url

EXIT_USAGE = 2
BOT_DB = "treatywatch.sqlite"
DEMO_DB = "demo.sqlite"


def default_db(name: str) -> Path:
    return user_data_path("treatywatch", appauthor=False) / name


def _prog() -> str:
    """How the user started us, to name commands the way they type them."""
    started = Path(sys.argv[0])
    return "python -m bot" if started.parts[-2:] == ("bot", "__main__.py") else "treatywatch"


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions (wrapped by _sub) and examples as written; option help wrapped."""


def _common(subcommand: bool) -> argparse.ArgumentParser:
    """-v and --log-format, accepted before the command and after it. After it they use
    SUPPRESS as default, so an absent one leaves what was given before the command."""
    default = argparse.SUPPRESS if subcommand else None
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("logging")
    group.add_argument("-v", "--verbose", action="store_true",
                       default=default if subcommand else False,
                       help="log what happens: each poll cycle, post and edit, failing feed "
                            "(e.g. -v)")
    group.add_argument("--log-format", choices=FORMATS, default=default or "text",
                       help="log lines as text (default) or one JSON object a line, for log "
                            "shippers (e.g. --log-format json)")
    return common


def _db_option(parser: argparse.ArgumentParser, default: str, what: str = "database") -> None:
    parser.add_argument("--db", type=Path, metavar="FILE",
                        help=f"the SQLite {what} (default: {default}; e.g. --db ./tw.sqlite)")


def _config_option(parser: argparse.ArgumentParser, why: str, default: str) -> None:
    parser.add_argument("--config", type=Path, metavar="FILE", default=None,
                        help=f"feeds.yaml, {why} (default: {default}; "
                             "e.g. --config my-feeds.yaml)")


def _sub(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, summary: str,
    description: str, examples: Sequence[str],
) -> argparse.ArgumentParser:
    prog = _prog()
    epilog = "examples:\n" + "\n".join(f"  {prog} {e}" for e in examples)
    return sub.add_parser(name, help=summary, description=textwrap.fill(description, 88),
                          epilog=epilog,
                          formatter_class=_Formatter, parents=[_common(subcommand=True)])


def _parser() -> argparse.ArgumentParser:
    prog = _prog()
    bot_db, demo_db = default_db(BOT_DB), default_db(DEMO_DB)
    parser = argparse.ArgumentParser(
        prog=prog, formatter_class=_Formatter, parents=[_common(subcommand=False)],
        description="News alerts on the DPRK–Russia treaty, North Korean troops in Russia\n"
        "and KCNA, for Discord and Slack.",
        epilog=f"start here:\n  {prog} demo              the whole pipeline on bundled "
        f"samples, no token\n  {prog} COMMAND --help    each command's options, with "
        "examples",
    )
    parser.add_argument("--version", action="version", version=f"treatywatch {__version__}",
                        help="print the version and exit (e.g. --version)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = _sub(sub, "demo", "run the whole pipeline on the bundled sample feeds (no token)",
                "Serve the bundled sample feeds on 127.0.0.1 and replay them day by day "
                "through the real fetch path into a SQLite file: each new story alert is "
                "printed, in publication order, and each later report joining a story "
                "already posted is shown as an edit of that post. Ends with a summary and "
                "the weekly digest of the samples' last week, with its chart.",
                ["demo", "demo --fresh", "demo --db /tmp/demo.sqlite"])
    _db_option(demo, str(demo_db))
    demo.add_argument("--fresh", action="store_true",
                      help="delete the demo database first, to see every alert again "
                           "(e.g. --fresh)")

    check = _sub(sub, "check-config", "validate a feeds.yaml file, as `run` would",
                 "Check a feeds.yaml exactly as `run` and `poll` load it (the official text "
                 "it names included). Prints OK, or the first problem on one line with the "
                 "file, the key path and the problem; exit status 2 then.",
                 ["check-config", "check-config my-feeds.yaml"])
    check.add_argument("file", nargs="?", type=Path, default=DEFAULT_CONFIG,
                       help=f"the file to check (default: ./{DEFAULT_CONFIG}; "
                            "e.g. my-feeds.yaml)")

    poll = _sub(sub, "poll", "poll the feeds of feeds.yaml once and print new alerts",
                "Poll every feed of feeds.yaml once, print the new story alerts and a summary. "
                "Progress goes to stderr: a bar on a terminal, a line per feed otherwise. Exit "
                "status 1 when no feed at all could be fetched.",
                ["poll", "poll --config my-feeds.yaml --db ./tw.sqlite"])
    poll.add_argument("--config", type=Path, metavar="FILE", default=DEFAULT_CONFIG,
                      help=f"the feeds to poll (default: ./{DEFAULT_CONFIG}; "
                           "e.g. --config my-feeds.yaml)")
    _db_option(poll, str(bot_db))

    article = _sub(sub, "article", "a treaty article and the news that cites it",
                   "Show an article of the treaty by number (4, IV, fourth, 제4조, статья 4, "
                   "preamble) or by words: its title, our summary, the official wording if "
                   "configured, and the stored stories that cite it.",
                   ["article 4", "article preamble", "article mutual defence",
                    "article 4 --db ~/demo.sqlite"])
    article.add_argument("ref", nargs="+", metavar="NUMBER_OR_WORDS",
                         help="a whole number 0–23, a roman numeral, an ordinal, or words "
                              "(e.g. 4)")
    _config_option(article, "for treaty.official_text", "./feeds.yaml if present")
    _db_option(article, f"{bot_db}, else the demo's {demo_db}", "database with the news")

    ask = _sub(sub, "ask", "which articles answer a plain-language question",
               "Rank the treaty's articles for a question in English, Korean or Russian. Below "
               "a relevance floor it says that no article answers, and which words of the "
               "question no article speaks of.",
               ['ask "is there a mutual defence clause?"', 'ask -k 3 "sanctions"',
                'ask --json "когда вступил в силу"'])
    ask.add_argument("question", nargs="+", help='the question (e.g. "who can leave the '
                     'treaty, and how?")')
    ask.add_argument("--json", action="store_true",
                     help='print {"query", "results": [{"article", "title", "score"}], '
                          '"unknown"} (e.g. --json)')
    ask.add_argument("-k", type=_count(commands.ASK_K_MAX), default=5, metavar="N",
                     help=f"how many articles, 1–{commands.ASK_K_MAX} (default 5; e.g. -k 3)")
    _config_option(ask, "for an official text to search too", "./feeds.yaml if present")

    timeline = _sub(sub, "timeline", "the treaty's dated steps and status",
                    "The treaty's dated steps, from signing to entry into force, and its status.",
                    ["timeline"])
    _config_option(timeline, "for treaty.official_text", "./feeds.yaml if present")

    run = _sub(sub, "run", "run the bot: poll, deliver, answer commands (needs a token)",
               "Start the bot with the platforms whose tokens are set: DISCORD_TOKEN (and "
               "optionally DISCORD_GUILD_ID); SLACK_BOT_TOKEN with SLACK_APP_TOKEN or "
               "SLACK_SIGNING_SECRET. Tokens come from the environment or a .env file. Logs "
               "one line per poll cycle, post, edit and failing feed at the default level.",
               ["run", "run --config my-feeds.yaml --log-format json",
                "run --db postgresql://tw@db.example/tw --role poller"])
    run.add_argument("--config", type=Path, metavar="FILE", default=DEFAULT_CONFIG,
                     help=f"feeds, topics, routes (default: ./{DEFAULT_CONFIG}; "
                          "e.g. --config my-feeds.yaml)")
    run.add_argument("--db", metavar="FILE_OR_URL",
                     help="a SQLite file, sqlite:///file or postgresql://user@host/db (default: "
                          f"{DATABASE_ENV}, else feeds.yaml's database, else {bot_db}; "
                          "e.g. --db ./tw.sqlite)")
    run.add_argument("--init", action="store_true",
                     help="start a new database if the SQLite file is empty or not "
                          "treatywatch's (the old file is renamed aside, never deleted; "
                          "e.g. --init)")
    run.add_argument("--role", choices=[r.value for r in Role], default=Role.ALL.value,
                     help="what this process runs: poller (polls due feeds), deliverer "
                          "(delivers the outbox), gateway (the platforms' gateways: commands, "
                          "digest, feed notices), or all (default). Several processes of each "
                          "role share one PostgreSQL database; see docs/scaling.md "
                          "(e.g. --role poller)")

    migrate = _sub(sub, "migrate-db",
                   "copy a SQLite installation's data into a new PostgreSQL database",
                   "Copy every table from a SQLite file into an empty PostgreSQL database in "
                   "one transaction, checked before it commits (row counts, stories, "
                   "deliveries): nothing is lost and nothing is posted again. The bot may keep "
                   "running on the file meanwhile; stop it before starting it on PostgreSQL, "
                   "and copy again if it wrote.",
                   ["migrate-db --from sqlite:///tw.sqlite --to postgresql://tw@localhost/tw"])
    migrate.add_argument("--from", dest="source", required=True, metavar="sqlite:///FILE",
                         help="the SQLite file (e.g. --from sqlite:///tw.sqlite)")
    migrate.add_argument("--to", dest="target", required=True, metavar="postgresql://…",
                         help="an empty PostgreSQL database "
                              "(e.g. --to postgresql://tw@localhost/tw)")

    digest = _sub(sub, "digest", "print a week's digest and write its chart (no token)",
                  "Print the weekly digest of an ISO week from a database (the stories by "
                  "topic, each once under its main topic, ranked by outlets; the treaty "
                  "articles they cite; the troop figures claimed; feed health) and write its "
                  "chart as a PNG: new stories per day and topic over four weeks, the digest's "
                  "week shaded. A week without stories gets no chart.",
                  ["digest", "digest --week 2025-W17", "digest --week 2025-W17 --out charts"])
    digest.add_argument("--week", metavar="YYYY-Www",
                        help="the ISO week (default: the last complete week, the one the bot "
                             "posts next; e.g. --week 2025-W17)")
    digest.add_argument("--out", type=Path, default=Path("."), metavar="DIR",
                        help="an existing directory for the chart (default: the current one; "
                             "e.g. --out charts)")
    _db_option(digest, f"{bot_db}, else the demo's {demo_db}")
    _config_option(digest, "for the digest's time zone", "./feeds.yaml if present, else UTC")

    backup = _sub(sub, "backup", "a consistent copy of the database, safe while the bot runs",
                  "Copy the database with SQLite's online backup: a snapshot of one moment, "
                  "made while the bot may be writing. The copy is checked before the command "
                  "succeeds. It never overwrites a file, nor creates a directory.",
                  ["backup ~/backups/tw-2025-05-01.sqlite"])
    backup.add_argument("path", type=Path,
                        help="the new file, in an existing directory (e.g. ./tw-copy.sqlite)")
    _db_option(backup, str(bot_db))

    replay = _sub(sub, "replay", "explain what the pipeline makes of feed files or URLs",
                  "Run feed files (or URLs) through parse → match → fold against a database "
                  "and print, per item, its topics, story, articles, troop figures and why. "
                  "Replay never queues alerts.",
                  ["replay bot/samples/dawn.xml", "replay feed.xml --db ./tw.sqlite --json"])
    replay.add_argument("sources", nargs="+", metavar="FILE_OR_URL",
                        help="feed files or http(s) URLs (e.g. bot/samples/dawn.xml)")
    _config_option(replay, "for the topic rules", "./feeds.yaml if present, else the bundled "
                   "default")
    replay.add_argument("--db", type=Path, metavar="FILE",
                        help="database to fold against (default: a new temporary one; "
                             "e.g. --db ./tw.sqlite)")
    replay.add_argument("--json", action="store_true",
                        help="one JSON object per item (e.g. --json)")
    return parser


def _count(high: int) -> Callable[[str], int]:
    """An argparse type: the command arguments' own check, so the CLI refuses alike."""

    def parse(value: str) -> int:
        try:
            return integer(value, "count", 1, high)
        except ArgumentError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return parse



def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Our own lines (a poll cycle, a post) are what `run` is for; the one-shot commands
    # print their results, so they log warnings only, unless asked with -v.
    level = logging.INFO if args.verbose or args.command == "run" else logging.WARNING
    setup_logging(level, args.log_format)
    try:
        return asyncio.run(_dispatch(args))
    except (ConfigError, TreatyDataError, OfficialTextError, ArticleRefError,
            ArgumentError) as exc:
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
        config, _ = load_setup(args.file)
        text = " and its official text" if config.treaty.official_text else ""
        print(f"{args.file}: OK — {len(config.feeds)} feeds, topics: "
              f"{', '.join(config.topics)}{text}")
        return 0
    if args.command == "demo":
        from bot.demo import run_demo

        return await run_demo(args.db or default_db(DEMO_DB), fresh=args.fresh)
    if args.command == "poll":
        from bot.demo import run_poll

        config, knowledge = load_setup(args.config)
        return await run_poll(config, knowledge, args.db or default_db(BOT_DB))
    if args.command == "run":
        from bot.runtime import run
        from bot.secrets import Secrets

        url = database_url(args.db, load_config(args.config).database,
                           default_db(BOT_DB))
        return await run(args.config, url, Secrets.load(), Role(args.role), init=args.init)
    if args.command == "migrate-db":
        return await _migrate_db(args.source, args.target)
    if args.command in ("article", "ask", "timeline"):
        return await _treaty_command(args)
    if args.command == "backup":
        from storage.backup import backup

        source = args.db or default_db(BOT_DB)
        pages = await asyncio.to_thread(backup, source, args.path)
        print(f"{args.path}: copied {pages} pages from {source}, integrity ok")
        return 0
    if args.command == "digest":
        return await _digest(args)
    if args.command == "replay":
        from bot.replay import run_replay

        return await run_replay(args.sources, args.config, args.db, as_json=args.json)
    raise AssertionError(args.command)


def news_db(given: Path | None) -> Path | None:
    """The database to read the news from: the one given; else the bot's; else, when the
    bot has none yet, the demo's (the first thing a new user has). None: neither exists."""
    if given is not None:
        return given
    for path in (default_db(BOT_DB), default_db(DEMO_DB)):
        if path.exists():
            return path
    return None


def _no_database(given: Path | None) -> str:
    if given is not None:
        return f"{given}: no such database"
    return (f"no database yet: neither the bot's ({default_db(BOT_DB)}) nor the demo's "
            f"({default_db(DEMO_DB)}) exists. Run `{_prog()} demo` or `{_prog()} poll` "
            "first, or give --db FILE")


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

    config_path = _config_path(args.config)
    zone = ZoneInfo(load_setup(config_path)[0].digest.timezone if config_path else "UTC")
    try:
        week = IsoWeek.parse(args.week) if args.week else last_complete_week(utc_now(), zone)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.out.is_dir():
        print(f"error: {args.out}: no such directory (create it, or give --out DIR)",
              file=sys.stderr)
        return EXIT_USAGE
    db_path = news_db(args.db)
    if db_path is None or not db_path.exists():  # opening it would create an empty database
        print(f"error: {_no_database(args.db)}", file=sys.stderr)
        return EXIT_USAGE
    titles = _knowledge(args.config).titles
    store = await SQLiteStore.open(db_path)
    try:
        await print_digest(store, week, zone, titles, args.out, sys.stdout)
    finally:
        await store.close()
    return 0


def _config_path(given: Path | None) -> Path | None:
    return given or (DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None)


def _knowledge(config_path: Path | None) -> Knowledge:
    """The treaty, with the official text that feeds.yaml names, if any."""
    path = _config_path(config_path)
    return load_setup(path)[1] if path is not None else Knowledge.load()


def cli_syntax() -> Syntax:
    prog = _prog()
    return Syntax(ask=f'{prog} ask "QUESTION"', article=f"{prog} article N")


async def _treaty_command(args: argparse.Namespace) -> int:
    knowledge = _knowledge(args.config)
    syntax = cli_syntax()
    if args.command == "timeline":
        print(render(commands.timeline(knowledge)))
        return 0
    if args.command == "ask":
        question = " ".join(args.question)
        if args.json:
            print(json.dumps(commands.ask_results(question, knowledge, args.k),
                             ensure_ascii=False))
            return 0
        message = commands.ask(question, knowledge, args.k, syntax)
    else:
        # The article is the answer; the news citing it comes from a database if there is
        # one (opening a missing file would create an empty one).
        db_path = news_db(args.db)
        found = db_path is not None and db_path.exists()
        store = await SQLiteStore.open(db_path) if found and db_path else None
        try:
            message = await commands.article(" ".join(args.ref), knowledge, store, utc_now(),
                                             syntax)
        finally:
            if store is not None:
                await store.close()
        if store is None and not message.ephemeral:
            print(f"note: {_no_database(args.db)}; the stories citing the article are not "
                  "shown", file=sys.stderr)
    if message.ephemeral:  # an answer to a bad request: one line, usage status
        print(f"error: {message.title}", file=sys.stderr)
        return EXIT_USAGE
    print(render(message))
    return 0
