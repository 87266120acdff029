"""/subscribe, /unsubscribe, /feeds: for server admins only; refused otherwise, writing nothing."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from yarl import URL

from bot.commands import arguments
from bot.commands.arguments import ArgumentError, error, refusing
from bot.commands.context import Caller, Context
from bot.commands.news import topic_arg
from bot.models import Field, Message
from bot.netguard import AddressPolicy, host_refusal
from storage import FeedExistsError, Subscription

ADMIN_ONLY = (
    "This command is for admins only (Manage Server on Discord; workspace admins and "
    "owners on Slack)."
)
_NAME = re.compile(r"^[\w .,'()&/+-]{1,80}$")


def _refuse(caller: Caller) -> Message | None:
    return None if caller.is_admin else error(ADMIN_ONLY)


def _channel(channel: str | None, caller: Caller) -> str:
    """The channel named, or the caller's own; both as the platform gave them."""
    target = arguments.text(channel or caller.channel_id, "channel", arguments.CHANNEL_MAX)
    if not target:
        raise ArgumentError("Give a channel.")
    return target


def _optional(value: str | None, what: str, limit: int) -> str | None:
    if value is None:
        return None
    return arguments.text(value, what, limit) or None


@refusing
async def subscribe(
    ctx: Context, caller: Caller, topic: str, channel: str | None, role: str | None
) -> Message:
    if refused := _refuse(caller):  # before anything else: a member learns nothing more
        return refused
    name = topic_arg(topic)
    target = _channel(channel, caller)
    role = _optional(role, "role", arguments.CHANNEL_MAX)
    await ctx.store.subscribe(Subscription(caller.platform, target, name, role, "command"))
    mention = f", mentioning role {role}" if role else ""
    return Message(title=f"Subscribed {target} to {name}{mention}.", ephemeral=True)


@refusing
async def unsubscribe(ctx: Context, caller: Caller, topic: str, channel: str | None) -> Message:
    if refused := _refuse(caller):
        return refused
    name = topic_arg(topic)
    target = _channel(channel, caller)
    if not await ctx.store.unsubscribe(caller.platform, target, name):
        return error(f"{arguments.quoted(target)} is not subscribed to {name}.")
    return Message(title=f"Unsubscribed {target} from {name}.", ephemeral=True)


async def feeds_list(ctx: Context, caller: Caller) -> Message:
    if refused := _refuse(caller):
        return refused
    feeds = await ctx.store.feeds()
    lines = [f"{f.name} — {f.url}{' (added by command)' if f.source == 'command' else ''}"
             for f in feeds]
    return Message(title=f"{len(feeds)} feeds watched", body="\n".join(lines), ephemeral=True)


def _check_url(url: str, allow_private: bool) -> str | None:
    try:
        parsed = URL(url)  # as the fetcher will read it, so both judge the same host
    except ValueError:
        parsed = None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.raw_host:
        return "Give an http:// or https:// feed URL."
    # Judged here from the URL alone (no DNS from a command handler); every fetch judges again
    # the addresses actually connected to, on every redirect hop, so a name that resolves (or
    # later rebinds) to a private address fails there, with the reason in /feeds status.
    refusal = host_refusal(parsed.raw_host, AddressPolicy.build(allow_private))
    if refusal is None:
        return None
    hint = ""
    if refusal.private_only:
        hint = " (fetch.allow_private in feeds.yaml allows self-hosted ones)"
    return f"Not added: {refusal.reason}; feeds must be on public addresses{hint}."


@refusing
async def feeds_add(ctx: Context, caller: Caller, url: str, name: str | None) -> Message:
    if refused := _refuse(caller):
        return refused
    url = arguments.text(url, "feed URL", arguments.URL_MAX)
    name = _optional(name, "feed name", arguments.FEED_NAME_MAX)
    if problem := _check_url(url, ctx.config.fetch.allow_private):
        return error(problem)
    name = (name or urlsplit(url).hostname or url).strip()
    if not _NAME.match(name):
        return error("A feed name is 1–80 letters, digits, spaces or simple punctuation.")
    try:
        await ctx.store.add_feed(name, url, ctx.clock())
    except FeedExistsError as exc:
        return error(f"Not added: {exc}.")
    return Message(title=f"Added feed {name!r}; it is polled from the next cycle.",
                   ephemeral=True)


@refusing
async def feeds_remove(ctx: Context, caller: Caller, name: str) -> Message:
    if refused := _refuse(caller):
        return refused
    name = arguments.text(name, "feed name", arguments.FEED_NAME_MAX)
    if not name:
        raise ArgumentError("Give the feed's name, as /feeds list shows it.")
    if await ctx.store.deactivate_feed(name):
        return Message(title=f"Removed feed {name!r}; its stories stay.", ephemeral=True)
    if any(f.name == name for f in ctx.config.feeds):
        return error(f"{arguments.quoted(name)} comes from feeds.yaml: remove it there.")
    return error(f"No feed added by command is named {arguments.quoted(name)} "
                 "(see /feeds list).")


async def feeds_status(ctx: Context, caller: Caller) -> Message:
    if refused := _refuse(caller):
        return refused
    feeds = await ctx.store.feeds()
    fields = []
    for f in feeds:
        if f.healthy:
            when = f"{f.last_success:%d %b %H:%M} UTC" if f.last_success else "not polled yet"
            state = f"OK, last success {when}"
        else:
            state = f"FAILING ×{f.failures}: {f.last_error}"
        fields.append(Field(f.name, state))
    unhealthy = sum(not f.healthy for f in feeds)
    return Message(title=f"Feeds: {len(feeds) - unhealthy} healthy, {unhealthy} failing",
                   fields=tuple(fields), ephemeral=True)
