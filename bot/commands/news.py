"""/latest, /story, /troops, /digest: what the stored news says."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.alerts import TOPIC_LABELS, group_claims, story_message
from bot.commands import arguments
from bot.commands.arguments import ArgumentError, error, refusing
from bot.commands.context import Context
from bot.config import TOPICS
from bot.models import Field, Message
from bot.text import truncate

MAX_LATEST = arguments.COUNT_MAX
TROOP_CLAIMS_SHOWN = 15


def topic_choices(prefix: str) -> list[tuple[str, str]]:
    try:
        prefix = arguments.text(prefix, "text", arguments.AUTOCOMPLETE_MAX).casefold()
    except ArgumentError:
        return []
    return [(f"{TOPIC_LABELS[t]} ({t})", t) for t in TOPICS if t.startswith(prefix)
            or TOPIC_LABELS[t].casefold().startswith(prefix)]


def check_topic(topic: str | None) -> str | None:
    """The topic's name, or None when it is not one we know."""
    if topic is None:
        return None
    topic = topic.strip().casefold()
    return topic if topic in TOPICS else None


def topic_arg(topic: object) -> str:
    """A topic argument as one of TOPICS; ArgumentError naming them otherwise."""
    clean = arguments.text(topic, "topic", arguments.TOPIC_MAX)
    name = check_topic(clean)
    if name is None:
        raise ArgumentError(
            f"Unknown topic {arguments.quoted(clean)}: choose one of {', '.join(TOPICS)}.")
    return name


@refusing
async def latest(ctx: Context, topic: str | None, count: int | str = 5) -> Message:
    name = topic_arg(topic) if topic is not None and str(topic).strip() else None
    count = arguments.integer(count, "count", 1, MAX_LATEST)
    stories = await ctx.store.latest_stories(name, count)
    what = TOPIC_LABELS[name] if name else "all topics"
    if not stories:
        return Message(title=f"No stories yet ({what}).", ephemeral=True)
    fields = tuple(
        Field(
            truncate(f"#{s.id} · {s.title}", 256),
            f"{s.first_published:%d %b %Y %H:%M} UTC · {len(s.outlets)} outlet"
            f"{'s' if len(s.outlets) != 1 else ''} · {', '.join(s.topics)}\n{s.link}",
        )
        for s in stories
    )
    return Message(title=f"Latest stories — {what}", fields=fields,
                   footer="/story ID shows one story in full.")


@refusing
async def story(ctx: Context, story_id: int | str) -> Message:
    story_id = arguments.integer(story_id, "story number", 1, arguments.STORY_ID_MAX)
    found = await ctx.store.story(story_id)
    if found is None:
        return error(f"There is no story #{story_id}.")
    return story_message(found, ctx.knowledge.titles)


async def troops(ctx: Context) -> Message:
    claims = group_claims(await ctx.store.troop_claims(TROOP_CLAIMS_SHOWN * 10))
    lines = [f"{claim.text()} (story #{claim.first.story_id}) {claim.first.link}".rstrip()
             for claim in claims[:TROOP_CLAIMS_SHOWN]]
    if not lines:
        return Message(title="No troop figures stored yet.", ephemeral=True)
    return Message(
        title="North Korean troops in Russia: the latest figures",
        body="\n".join(lines),
        footer="Figure, kind (deployed, planned, casualties) — who the report credits, else "
               "the outlet · the outlets that reported it.",
    )


async def digest_preview(ctx: Context) -> Message:
    """The coming digest, for the caller alone: the last seven days so far."""
    from bot.digest import build_digest, digest_message  # the digest builds on the store

    now = ctx.clock()
    digest = await build_digest(ctx.store, now - timedelta(days=7), now, ctx.knowledge.titles)
    return replace(digest_message(digest), ephemeral=True)
