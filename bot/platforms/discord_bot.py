"""The Discord adapter: slash commands in, embeds out, and the Sender that delivers alerts.

Only parsing and rendering live here; every answer comes from a handler in bot.commands.
It uses discord.py's sharded client, which asks Discord (GET /gateway/bot) for the gateway
and the shard count, so one process serves one guild or many. It asks for no privileged
intent: slash commands and posting need only the guilds intent.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import inspect
import io
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import discord
from discord import app_commands
from discord.http import Route

from bot.commands import admin, arguments, news, treaty
from bot.commands.arguments import error
from bot.commands.context import Caller, Context
from bot.commands.failure import failed
from bot.commands.ratelimit import RateLimiter
from bot.deliver import ChannelGone, PostKey
from bot.models import Message
from bot.render.discord import (
    CHOICE,
    cut,
    is_line,
    one_line,
    render,
    render_line,
    safe_url,
)

log = logging.getLogger(__name__)

PLATFORM = "discord"
DEFER_AFTER = 2.0  # Discord drops an interaction not answered within 3 s
LOGIN_WAIT = 30.0  # how long a delivery waits for the client to log in before it is retried
LATEST_MAX = news.MAX_LATEST
# Discord's JSON error codes that mean the channel itself is out of reach.
UNKNOWN_MESSAGE = 10008
# Under every guild's upload limit for bots.
MAX_UPLOAD = 8 * 1024 * 1024
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9_.-]")
NONCE_LENGTH = 25  # Discord's longest nonce
HISTORY_LIMIT = 100  # messages read after a lost post's first attempt to find it

Handler = Callable[[], Awaitable[Message] | Message]
Choices = list[app_commands.Choice[str]]
# String options as registered: Discord's client enforces the caps; the handlers check
# them again, since an interaction's data is not trusted.
ArticleText = app_commands.Range[str, 1, arguments.ARTICLE_MAX]
QuestionText = app_commands.Range[str, 1, arguments.QUESTION_MAX]
TopicText = app_commands.Range[str, 1, arguments.TOPIC_MAX]
UrlText = app_commands.Range[str, 1, arguments.URL_MAX]
FeedName = app_commands.Range[str, 1, arguments.FEED_NAME_MAX]


class NotConnected(Exception):
    """The client is not logged in (yet); the delivery is retried later."""


def _choices(make: Callable[[], list[tuple[str, str]]]) -> Choices:
    """Autocomplete must answer whatever happens: a failure offers nothing."""
    try:
        pairs = make()
    except Exception:
        log.exception("autocomplete failed")
        return []
    out: Choices = []
    for label, value in pairs[:25]:
        name = one_line(label, CHOICE)
        if name and value and len(value) <= CHOICE:
            out.append(app_commands.Choice(name=name, value=value))
    return out


def _read(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(MAX_UPLOAD + 1)


async def attachment(message: Message) -> discord.File | None:
    """The message's image when it is a local file (the digest's chart), to upload with
    it. A file that cannot be read is left out: the message goes without its picture."""
    image = message.image
    if not isinstance(image, str) or not image or safe_url(image):
        return None  # none, or a link the embed shows by itself
    path = Path(image)
    try:
        data = await asyncio.to_thread(_read, path)
    except OSError as exc:
        log.warning("image %s not readable, sent without it: %s", path.name, exc)
        return None
    if len(data) > MAX_UPLOAD:
        log.warning("image %s larger than %d bytes, sent without it", path.name, MAX_UPLOAD)
        return None
    name = _UNSAFE_FILENAME.sub("_", path.name) or "image.png"
    return discord.File(io.BytesIO(data), filename=name)


async def rendered(message: Message) -> tuple[discord.Embed, discord.File | None]:
    """The embed, and the file its image refers to when the image is uploaded with it."""
    embed = render(message)
    file = await attachment(message)
    if file is not None:
        embed.set_image(url=f"attachment://{file.filename}")
    return embed, file


def nonce(channel: str, key: PostKey) -> str:
    """The same for every attempt of one post to one channel, and different per channel:
    the digest posts one key to several channels."""
    digest = hashlib.sha256(f"{channel}\n{key.marker}".encode()).hexdigest()
    return f"tw{digest}"[:NONCE_LENGTH]


def marked(message: Message, key: PostKey | None) -> Message:
    """The message with its footer starting with the key's marker (an alert's does
    already): the renderer cuts a footer from its end, so the marker stays."""
    if key is None or _starts_with_marker(message.footer, key.marker):
        return message
    footer = f"{key.marker} · {message.footer}" if message.footer else key.marker
    return dataclasses.replace(message, footer=footer)


def _starts_with_marker(footer: str, marker: str) -> bool:
    return footer == marker or footer.startswith(f"{marker} ")


class DiscordSender:
    """The Sender of bot.deliver for Discord: channel and message ids as strings."""

    platform = PLATFORM

    def __init__(self, client: discord.Client, logged_in: asyncio.Event) -> None:
        self._client = client
        self._logged_in = logged_in

    async def _channel(self, channel: str) -> discord.PartialMessageable:
        if not (channel.isascii() and channel.isdigit()):
            raise ChannelGone(f"not a Discord channel id: {channel!r}")
        try:
            await asyncio.wait_for(self._logged_in.wait(), LOGIN_WAIT)
        except TimeoutError:
            raise NotConnected("Discord client not logged in") from None
        return self._client.get_partial_messageable(int(channel))

    async def post(
        self, channel: str, message: Message, *, mention: str | None = None,
        key: PostKey | None = None,
    ) -> str:
        target = await self._channel(channel)
        content: str | None = None
        allowed = discord.AllowedMentions.none()
        if mention and mention.isascii() and mention.isdigit():
            # The configured role is the one mention that may ping; feed text never does.
            content = f"<@&{mention}>"
            allowed = discord.AllowedMentions(everyone=False, users=False, replied_user=False,
                                              roles=[discord.Object(int(mention))])
        embed, file = await rendered(marked(message, key))
        try:
            sent = await target.send(
                content=content, embed=embed, file=file, allowed_mentions=allowed,
                # With a nonce, discord.py sets enforce_nonce: a retry within Discord's few
                # minutes of nonce memory returns the message already created.
                nonce=nonce(channel, key) if key else None,
            )
        except (discord.NotFound, discord.Forbidden) as exc:
            raise ChannelGone(f"{exc.status} {exc.text or ''}".strip()) from exc
        return str(sent.id)

    async def find(self, channel: str, key: PostKey, since: datetime) -> str | None:
        """Our message posted with `key` since `since`: its footer starts with the key's
        marker. The first HISTORY_LIMIT messages after `since` are read, oldest first."""
        target = await self._channel(channel)
        me = self._client.user
        try:
            async for sent in target.history(limit=HISTORY_LIMIT, after=since):
                if me is not None and sent.author.id != me.id:
                    continue
                if any(_starts_with_marker(e.footer.text or "", key.marker) for e in sent.embeds):
                    return str(sent.id)
        except discord.NotFound as exc:
            raise ChannelGone(f"{exc.status} {exc.text or ''}".strip()) from exc
        except discord.Forbidden:
            # Posting may still work: the bot lacks Read Message History only. Without it
            # the nonce alone guards the retry, for Discord's few minutes.
            log.warning("discord: cannot read the history of %s to find %s (Read Message "
                        "History permission): posting it again", channel, key.marker)
        return None

    async def edit(self, channel: str, message_id: str, message: Message) -> None:
        target = await self._channel(channel)
        embed, file = await rendered(message)
        try:
            await target.get_partial_message(int(message_id)).edit(
                embed=embed, attachments=[file] if file else discord.utils.MISSING,
                allowed_mentions=discord.AllowedMentions.none())
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_MESSAGE:
                # Someone removed the alert by hand: respect that rather than post it again.
                log.info("discord message %s in %s was deleted; not updated", message_id,
                         channel)
                return
            raise ChannelGone(f"{exc.status} {exc.text or ''}".strip()) from exc
        except discord.Forbidden as exc:
            raise ChannelGone(f"{exc.status} {exc.text or ''}".strip()) from exc


class _Client(discord.AutoShardedClient):
    def __init__(self, owner: DiscordBot, **options: Any) -> None:
        super().__init__(**options)
        self._owner = owner

    async def setup_hook(self) -> None:
        self._owner._logged_in.set()
        if self._owner._gateway:  # a deliverer only posts: the gateway process syncs
            await self._owner._sync_commands()

    async def on_ready(self) -> None:
        self._owner._ready.set()
        log.info("discord: connected as %s to %d guild(s)", self.user, len(self.guilds))


class DiscordBot:
    """discord.py's client and command tree around the platform-neutral handlers.

    `start(token)` runs until `close()` (or a fatal error, such as a bad token, which it
    raises). `api_base` points the REST API (and so the gateway discovery) elsewhere, for
    tests and proxies; it is a process-wide setting of discord.py, restored on close.
    """

    def __init__(
        self,
        ctx: Context,
        *,
        guild_id: int | None,
        api_base: str | None = None,
        guild_ready_timeout: float = 2.0,
        defer_after: float = DEFER_AFTER,  # 0: always defer first
        shards: tuple[list[int], int] | None = None,  # (this process's shard ids, count)
    ) -> None:
        self.ctx = ctx
        self.guild_id = guild_id
        self._api_base = api_base.rstrip("/") if api_base else None
        self._saved_base: str | None = None
        self._defer_after = defer_after
        self._logged_in = asyncio.Event()
        self._ready = asyncio.Event()
        self._gateway = True
        # The bot never joins voice: its missing voice libraries are not worth a warning.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        intents = discord.Intents.none()
        intents.guilds = True
        self.client = _Client(
            self, intents=intents, allowed_mentions=discord.AllowedMentions.none(),
            chunk_guilds_at_startup=False, guild_ready_timeout=guild_ready_timeout,
            shard_ids=shards[0] if shards else None, shard_count=shards[1] if shards else None,
        )
        self.tree = app_commands.CommandTree(self.client)
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        self.limiter = RateLimiter(ctx.config.rate_limit)
        self.sender = DiscordSender(self.client, self._logged_in)
        self._add_commands()

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self, token: str, *, gateway: bool = True) -> None:
        """Without `gateway`, only log in to the REST API (a deliverer posts and edits; it
        takes no shard, so any number of deliverers run beside the gateway processes)."""
        if self._api_base and self._saved_base is None:
            self._saved_base = Route.BASE
            Route.BASE = self._api_base
        self._gateway = gateway
        if gateway:
            await self.client.start(token)
            return
        await self.client.login(token)
        await asyncio.Event().wait()  # until cancelled

    async def wait_until_ready(self) -> None:
        """Until the gateway session is ready (guilds received); commands are synced before."""
        await self._ready.wait()

    async def close(self) -> None:
        try:
            await self.client.close()
        finally:
            self._logged_in.clear()
            self._ready.clear()
            if self._saved_base is not None:
                Route.BASE = self._saved_base
                self._saved_base = None

    async def _sync_commands(self) -> None:
        """To the guild of DISCORD_GUILD_ID (usable at once), else globally (may take up to
        an hour to show). A failure leaves alerts working, so it is logged, not raised."""
        try:
            if self.guild_id:
                guild = discord.Object(self.guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                where = f"guild {self.guild_id}"
            else:
                synced = await self.tree.sync()
                where = "all guilds"
        except discord.HTTPException as exc:
            log.error("discord: could not register the slash commands (%s %s); was the bot "
                      "invited with the applications.commands scope?", exc.status, exc.text)
            return
        log.info("discord: %d slash commands registered for %s", len(synced), where)

    # --- answering ------------------------------------------------------------------------

    @staticmethod
    def caller(interaction: discord.Interaction) -> Caller:
        perms = interaction.permissions
        return Caller(
            platform=PLATFORM, user_id=str(interaction.user.id),
            channel_id=str(interaction.channel_id or ""),
            is_admin=bool(perms.administrator or perms.manage_guild),
        )

    async def _answer(
        self, interaction: discord.Interaction, handler: Handler, *, private: bool = False
    ) -> None:
        """Run a handler and show its Message; every way this ends answers the interaction.

        The rate limit comes first. A slow handler gets a deferral (shown privately when
        the command's answers are private) so that Discord keeps waiting; any failure,
        the handler's or the answer's, becomes one line with a reference id."""
        try:
            refusal = self.limiter.check(str(interaction.user.id),
                                         str(interaction.channel_id or ""))
            if refusal is not None:
                await self._show(interaction, error(refusal), deferred=False,
                                 deferred_private=private)
                return
            task = asyncio.ensure_future(self._run(interaction, handler))
            deferred = False
            if self._defer_after > 0:
                await asyncio.wait({task}, timeout=self._defer_after)
            if not task.done():  # with defer_after 0, always
                await interaction.response.defer(ephemeral=private, thinking=True)
                deferred = True
            message = await task
            await self._show(interaction, message, deferred=deferred, deferred_private=private)
        except Exception as exc:
            await self._report(interaction, failed(log, _name(interaction), exc).title)

    async def _run(self, interaction: discord.Interaction, handler: Handler) -> Message:
        try:
            result = handler()
            if inspect.isawaitable(result):
                result = await result
            return result
        except Exception as exc:
            return failed(log, _name(interaction), exc)

    async def _show(
        self, interaction: discord.Interaction, message: Message, *, deferred: bool,
        deferred_private: bool,
    ) -> None:
        none = discord.AllowedMentions.none()
        missing = discord.utils.MISSING
        content: str | None = None
        embed: discord.Embed | None = None
        file: discord.File | None = None
        if is_line(message):
            content = render_line(message)
        else:
            embed, file = await rendered(message)
        if not deferred:
            await interaction.response.send_message(
                content=content, embeds=[embed] if embed else [], file=file or missing,
                ephemeral=message.ephemeral, allowed_mentions=none)
        elif message.ephemeral and not deferred_private:
            # A public "thinking…" cannot turn private: remove it and answer privately.
            await interaction.delete_original_response()
            await interaction.followup.send(
                content=content or missing, embeds=[embed] if embed else missing,
                file=file or missing, ephemeral=True, allowed_mentions=none)
        else:
            await interaction.edit_original_response(
                content=content, embed=embed, attachments=[file] if file else missing,
                allowed_mentions=none)

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """A bad argument or a failure: one short private line."""
        if isinstance(error, app_commands.TransformerError):
            kind = error.type
            if kind is discord.AppCommandOptionType.channel:
                text = "I cannot use that channel: choose a text channel of this server."
            elif kind is discord.AppCommandOptionType.role:
                text = "I cannot find that role in this server."
            else:
                text = f"Invalid value: {one_line(str(error.value), 100)}"
        elif isinstance(error, app_commands.CheckFailure):
            text = "You cannot use this command here."
        else:
            text = failed(log, _name(interaction), error).title
        await self._report(interaction, text)

    async def _report(self, interaction: discord.Interaction, text: str) -> None:
        """One private line, whatever state the interaction is in: the first response, or
        in place of a "thinking…" placeholder, or else as a follow-up."""
        line = cut(one_line(text, 300), 300)
        none = discord.AllowedMentions.none()
        try:
            if not interaction.response.is_done():
                await interaction.response.send_message(line, ephemeral=True,
                                                        allowed_mentions=none)
                return
            try:
                await interaction.edit_original_response(content=line, embed=None,
                                                          attachments=[], allowed_mentions=none)
            except discord.HTTPException:  # the original is gone: a follow-up instead
                await interaction.followup.send(line, ephemeral=True, allowed_mentions=none)
        except discord.HTTPException as exc:
            log.warning("discord: could not report an error to the user: %s", exc)

    # --- the commands ---------------------------------------------------------------------

    def _add_commands(self) -> None:
        ctx = self.ctx
        tree = self.tree
        answer = self._answer
        caller = self.caller

        @app_commands.command(name="article",
                              description="A treaty article by number, or the one your words fit")
        @app_commands.describe(number_or_words="1–23, 0 for the preamble, IV, 제4조… or words")
        async def article(interaction: discord.Interaction, number_or_words: ArticleText) -> None:
            await answer(interaction, lambda: treaty.article_cmd(ctx, number_or_words))

        @article.autocomplete("number_or_words")
        async def article_auto(interaction: discord.Interaction, current: str) -> Choices:
            return _choices(lambda: treaty.article_choices(ctx, current))

        @app_commands.command(name="ask", description="Which treaty articles answer a question")
        @app_commands.describe(question="A question in plain words (English, Korean, Russian)")
        async def ask(interaction: discord.Interaction, question: QuestionText) -> None:
            await answer(interaction, lambda: treaty.ask_cmd(ctx, question))

        @app_commands.command(name="latest", description="The latest stories, of one topic or all")
        @app_commands.describe(topic="treaty, troops or kcna", count=f"How many (1–{LATEST_MAX})")
        async def latest(
            interaction: discord.Interaction, topic: TopicText | None = None,
            count: app_commands.Range[int, 1, LATEST_MAX] = 5,
        ) -> None:
            await answer(interaction, lambda: news.latest(ctx, topic, count))

        @app_commands.command(name="story", description="One story in full: sources, figures")
        @app_commands.describe(story_id="The story's number, as in its footer")
        @app_commands.rename(story_id="id")
        async def story(
            interaction: discord.Interaction,
            story_id: app_commands.Range[int, 1, arguments.STORY_ID_MAX],
        ) -> None:
            await answer(interaction, lambda: news.story(ctx, story_id))

        @app_commands.command(name="troops",
                              description="North Korean troop figures and who claims them")
        async def troops(interaction: discord.Interaction) -> None:
            await answer(interaction, lambda: news.troops(ctx))

        @app_commands.command(name="digest", description="A private preview of the weekly digest")
        async def digest(interaction: discord.Interaction) -> None:
            await answer(interaction, lambda: news.digest_preview(ctx), private=True)

        @app_commands.command(name="timeline", description="The treaty's steps, from signing on")
        async def timeline(interaction: discord.Interaction) -> None:
            await answer(interaction, lambda: treaty.timeline_cmd(ctx))

        @app_commands.command(name="subscribe",
                              description="Post a topic's new stories in a channel (admins)")
        @app_commands.describe(topic="treaty, troops or kcna", channel="Default: this channel",
                               role="A role to mention with each new story")
        @app_commands.default_permissions(manage_guild=True)
        @app_commands.guild_only()
        async def subscribe(
            interaction: discord.Interaction, topic: TopicText,
            channel: discord.TextChannel | None = None, role: discord.Role | None = None,
        ) -> None:
            who = caller(interaction)
            where = str(channel.id) if channel else None
            mention = str(role.id) if role else None
            await answer(interaction, lambda: admin.subscribe(ctx, who, topic, where, mention),
                         private=True)

        @app_commands.command(name="unsubscribe",
                              description="Stop posting a topic in a channel (admins)")
        @app_commands.describe(topic="treaty, troops or kcna", channel="Default: this channel")
        @app_commands.default_permissions(manage_guild=True)
        @app_commands.guild_only()
        async def unsubscribe(
            interaction: discord.Interaction, topic: TopicText,
            channel: discord.TextChannel | None = None,
        ) -> None:
            who = caller(interaction)
            where = str(channel.id) if channel else None
            await answer(interaction, lambda: admin.unsubscribe(ctx, who, topic, where),
                         private=True)

        async def topic_auto(interaction: discord.Interaction, current: str) -> Choices:
            return _choices(lambda: news.topic_choices(current))

        for command in (latest, subscribe, unsubscribe):
            command.autocomplete("topic")(topic_auto)

        feeds = app_commands.Group(
            name="feeds", description="The watched feeds (admins)", guild_only=True,
            default_permissions=discord.Permissions(manage_guild=True),
        )

        @feeds.command(name="list", description="The feeds watched")
        async def feeds_list(interaction: discord.Interaction) -> None:
            who = caller(interaction)
            await answer(interaction, lambda: admin.feeds_list(ctx, who), private=True)

        @feeds.command(name="add", description="Watch one more feed")
        @app_commands.describe(url="The feed's http(s) URL", name="Default: the site's name")
        async def feeds_add(
            interaction: discord.Interaction, url: UrlText, name: FeedName | None = None
        ) -> None:
            who = caller(interaction)
            await answer(interaction, lambda: admin.feeds_add(ctx, who, url, name), private=True)

        @feeds.command(name="remove", description="Stop watching a feed added by command")
        @app_commands.describe(name="The feed's name, as /feeds list shows it")
        async def feeds_remove(interaction: discord.Interaction, name: FeedName) -> None:
            who = caller(interaction)
            await answer(interaction, lambda: admin.feeds_remove(ctx, who, name), private=True)

        @feeds.command(name="status", description="Each feed's health: last success, failures")
        async def feeds_status(interaction: discord.Interaction) -> None:
            who = caller(interaction)
            await answer(interaction, lambda: admin.feeds_status(ctx, who), private=True)

        for command in (article, ask, latest, story, troops, digest, timeline, subscribe,
                        unsubscribe, feeds):
            tree.add_command(command)


def _name(interaction: discord.Interaction) -> str:
    command = interaction.command
    return f"discord /{command.qualified_name if command else 'command'}"
