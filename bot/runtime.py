"""`run`: the bot as a service — store, pipeline, scheduler and the platforms with a token."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path

from bot.commands.context import Context
from bot.commands.treaty import load_setup
from bot.config import Config
from bot.deliver import Sender
from bot.fetch import Fetcher
from bot.pipeline import Pipeline, fetch_limits, utc_now
from bot.scheduler import ALL_JOBS, build_scheduler
from bot.secrets import HOW_TO, Secrets, redact_logs
from bot.workers import Role, default_worker
from storage import SQLiteStore, StorageError, Subscription, open_store

log = logging.getLogger(__name__)
EXIT_USAGE = 2
SHARDS_ENV = "TREATYWATCH_DISCORD_SHARDS"  # "0,1/4": this process's shard ids / shard count


def config_subscriptions(config: Config) -> Iterator[Subscription]:
    """The channels feeds.yaml routes each topic to."""
    for topic, route in config.routes.items():
        role = str(route.discord_role) if route.discord_role else None
        for channel_id in route.discord:
            yield Subscription("discord", str(channel_id), topic, role, "config")
        for name in route.slack:
            yield Subscription("slack", name.lstrip("#"), topic, None, "config")


def discord_shards(value: str | None) -> tuple[list[int], int] | None:
    """TREATYWATCH_DISCORD_SHARDS, "0,1/4": the shards this gateway process runs, of 4.
    Unset: discord.py's own choice, every shard in this one process."""
    if not value:
        return None
    try:
        ids_text, count_text = value.split("/")
        ids, count = [int(i) for i in ids_text.split(",")], int(count_text)
    except ValueError:
        raise ValueError(f"{SHARDS_ENV}={value!r}: expected shard ids / count, as 0,1/4") from None
    if count < 1 or not ids or any(not 0 <= i < count for i in ids) or len(set(ids)) < len(ids):
        raise ValueError(f"{SHARDS_ENV}={value!r}: each shard id once, from 0 to count - 1")
    return ids, count


async def run(
    config_path: Path, database: str, secrets: Secrets, role: Role = Role.ALL, *,
    init: bool = False,
) -> int:
    """Run the bot, or one role of it. `database` is a URL (see storage.open_store)."""
    needs_platform = role is not Role.POLLER
    if needs_platform and not (secrets.discord or secrets.slack):
        print(f"error: {HOW_TO}", file=sys.stderr)
        return EXIT_USAGE
    try:
        shards = discord_shards(os.environ.get(SHARDS_ENV))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    redact_logs(secrets)
    config, knowledge = load_setup(config_path)  # an invalid file stops here, in one line
    async with AsyncExitStack() as stack:
        # From here on SIGINT/SIGTERM mean a clean stop, even during start-up.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
            stack.callback(loop.remove_signal_handler, sig)
        store = await open_store(database, init=init)
        stack.push_async_callback(store.close)
        if role is not Role.ALL and isinstance(store, SQLiteStore):
            raise StorageError(f"--role {role}: several workers need a PostgreSQL database; "
                               f"{store.where} is a SQLite file, for one process (--role all)")
        worker = default_worker()
        pipeline = Pipeline(config, store, treaty_index=knowledge.index, worker=worker)
        await pipeline.sync()
        await store.sync_config_subscriptions(config_subscriptions(config))
        ctx = Context(store, knowledge, config, utc_now)
        fetcher = await stack.enter_async_context(Fetcher(fetch_limits(config)))

        senders: list[Sender] = []
        platforms: list[asyncio.Task[None]] = []
        gateway = role in (Role.GATEWAY, Role.ALL)
        if secrets.discord and needs_platform:
            from bot.platforms.discord_bot import DiscordBot

            guild = secrets.get("DISCORD_GUILD_ID")
            discord_bot = DiscordBot(
                ctx, guild_id=int(guild) if guild else None,
                api_base=os.environ.get("TREATYWATCH_DISCORD_API_BASE"),  # a proxy, or tests
                shards=shards,
            )
            stack.push_async_callback(discord_bot.close)
            senders.append(discord_bot.sender)
            token = secrets.get("DISCORD_TOKEN") or ""
            platforms.append(asyncio.create_task(discord_bot.start(token, gateway=gateway),
                                                 name="discord"))

        if secrets.slack and needs_platform:
            from bot.platforms.slack_app import SlackApp

            slack_app = SlackApp(
                ctx, bot_token=secrets.get("SLACK_BOT_TOKEN") or "",
                signing_secret=secrets.get("SLACK_SIGNING_SECRET"),
                app_token=secrets.get("SLACK_APP_TOKEN"),
                port=int(secrets.get("SLACK_PORT") or 3000),
                api_base=os.environ.get("TREATYWATCH_SLACK_API_BASE"),  # a proxy, or tests
            )
            stack.push_async_callback(slack_app.close)
            senders.append(slack_app.sender)
            if gateway:  # a deliverer only calls the Web API
                platforms.append(asyncio.create_task(slack_app.start(), name="slack"))

        # Callbacks run in reverse: the platforms stop only after the scheduler's jobs end.
        stack.callback(lambda: [task.cancel() for task in platforms])
        # The digest and the feed notices go out once: from the gateway process that runs
        # shard 0 (or all shards), never from every gateway process.
        jobs = {Role.POLLER: {"poll"}, Role.DELIVERER: {"deliver"},
                Role.GATEWAY: {"feed-health", "digest"} if not shards or 0 in shards[0]
                else set()}.get(role, ALL_JOBS)
        scheduler = build_scheduler(pipeline, fetcher, senders, knowledge.titles, jobs=jobs,
                                    chart_dir=_chart_dir(store))
        scheduler.start()
        stack.push_async_callback(scheduler.stop)
        log.info("running as %s (%s): %d feeds, platforms: %s, jobs: %s", worker, role,
                 len(config.feeds), ", ".join(s.platform for s in senders) or "none",
                 ", ".join(sorted(jobs)) or "none")
        failed = await _until_stopped(stop, platforms)
    for name, error in failed:
        print(f"error: {name}: {secrets.redact(error)}", file=sys.stderr)
    return 1 if failed else 0


def _chart_dir(store: object) -> Path:
    """Beside a SQLite file; in the data directory for a database server."""
    if isinstance(store, SQLiteStore):
        return store.path.parent / "charts"
    from platformdirs import user_data_path

    return user_data_path("treatywatch", appauthor=False) / "charts"


async def _until_stopped(
    stop: asyncio.Event, platforms: list[asyncio.Task[None]]
) -> list[tuple[str, str]]:
    """Until SIGINT or SIGTERM, or a platform task ends (a bad token, say); returns the
    platforms that failed, with why."""
    waiter = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait([waiter, *platforms], return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    return [
        (task.get_name(), f"{type(exc).__name__}: {exc}")
        for task in done
        if task is not waiter and (exc := task.exception()) is not None
    ]
