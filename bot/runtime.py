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
from bot.scheduler import build_scheduler
from bot.secrets import HOW_TO, Secrets, redact_logs
from storage import SQLiteStore, Subscription

log = logging.getLogger(__name__)
EXIT_USAGE = 2


def config_subscriptions(config: Config) -> Iterator[Subscription]:
    """The channels feeds.yaml routes each topic to."""
    for topic, route in config.routes.items():
        role = str(route.discord_role) if route.discord_role else None
        for channel_id in route.discord:
            yield Subscription("discord", str(channel_id), topic, role, "config")
        for name in route.slack:
            yield Subscription("slack", name.lstrip("#"), topic, None, "config")


async def run(config_path: Path, db_path: Path, secrets: Secrets, *, init: bool = False) -> int:
    if not (secrets.discord or secrets.slack):
        print(f"error: {HOW_TO}", file=sys.stderr)
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
        store = await SQLiteStore.open(db_path, init=init)
        stack.push_async_callback(store.close)
        pipeline = Pipeline(config, store, treaty_index=knowledge.index)
        await pipeline.sync()
        await store.sync_config_subscriptions(config_subscriptions(config))
        ctx = Context(store, knowledge, config, utc_now)
        fetcher = await stack.enter_async_context(Fetcher(fetch_limits(config)))

        senders: list[Sender] = []
        platforms: list[asyncio.Task[None]] = []
        if secrets.discord:
            from bot.platforms.discord_bot import DiscordBot

            guild = secrets.get("DISCORD_GUILD_ID")
            discord_bot = DiscordBot(
                ctx, guild_id=int(guild) if guild else None,
                api_base=os.environ.get("TREATYWATCH_DISCORD_API_BASE"),  # a proxy, or tests
            )
            stack.push_async_callback(discord_bot.close)
            senders.append(discord_bot.sender)
            token = secrets.get("DISCORD_TOKEN") or ""
            platforms.append(asyncio.create_task(discord_bot.start(token), name="discord"))

        if secrets.slack:
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
            platforms.append(asyncio.create_task(slack_app.start(), name="slack"))

        # Callbacks run in reverse: the platforms stop only after the scheduler's jobs end.
        stack.callback(lambda: [task.cancel() for task in platforms])
        scheduler = build_scheduler(pipeline, fetcher, senders, knowledge.titles)
        scheduler.start()
        stack.push_async_callback(scheduler.stop)
        log.info("running: %d feeds, platforms: %s", len(config.feeds),
                 ", ".join(s.platform for s in senders))
        failed = await _until_stopped(stop, platforms)
    for name, error in failed:
        print(f"error: {name}: {secrets.redact(error)}", file=sys.stderr)
    return 1 if failed else 0


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
