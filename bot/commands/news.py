"""/latest, /story, /troops, /digest: what the stored news says."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from bot.alerts import TOPIC_LABELS, group_claims, story_message
from bot.commands.context import Context
from bot.commands.treaty import error
from bot.config import TOPICS
from bot.models import Field, Message
from bot.text import truncate

MAX_LATEST = 20
TROOP_CLAIMS_SHOWN = 15


def topic_choices(prefix: str) -> list[tuple[str, str]]:
    prefix = prefix.strip().casefold()
    return [(f"{TOPIC_LABELS[t]} ({t})", t) for t in TOPICS if t.startswith(prefix)
            or TOPIC_LABELS[t].casefold().startswith(prefix)]


def check_topic(topic: str | None) -> str | None:
    """The topic's name, or None when it is not one we know."""
    if topic is None:
        return None
    topic = topic.strip().casefold()
    return topic if topic in TOPICS else None


async def latest(ctx: Context, topic: str | None, count: int = 5) -> Message:
    if topic is not None and check_topic(topic) is None:
        return error(f"Unknown topic {topic!r}: choose one of {', '.join(TOPICS)}.")
    if not 1 <= count <= MAX_LATEST:
        return error(f"Count must be between 1 and {MAX_LATEST}.")
    stories = await ctx.store.latest_stories(check_topic(topic), count)
    what = TOPIC_LABELS[check_topic(topic) or ""] if topic else "all topics"
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


async def story(ctx: Context, story_id: int) -> Message:
    found = await ctx.store.story(story_id) if story_id > 0 else None
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
