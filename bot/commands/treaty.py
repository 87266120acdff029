"""/article, /ask and /timeline: the treaty knowledge base, linked to the news."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.commands import arguments
from bot.commands.arguments import ArgumentError, error
from bot.commands.budget import OverBudget, off_loop
from bot.models import Field, Message
from bot.text import truncate
from bot.treaty import (
    Article,
    ArticleRefError,
    Treaty,
    TreatyIndex,
    load_treaty,
    parse_article_ref,
)
from storage import ArticleNews, SQLiteStore

if TYPE_CHECKING:
    from bot.commands.context import Context

SUMMARY_CHARS = 600
NEWS_SHOWN = 5
STATUS_LABELS = {
    "solid": "confirmed by several sources",
    "partial": "content confirmed, details thin",
    "weak": "from a single or weak source",
    "not_found": "content not found in any source we saw",
}


@dataclass(frozen=True, slots=True)
class Knowledge:
    treaty: Treaty
    index: TreatyIndex

    @classmethod
    def load(cls, official_text: Path | None = None) -> Knowledge:
        treaty = load_treaty(official_text=official_text)
        return cls(treaty, TreatyIndex(treaty))

    @property
    def titles(self) -> dict[int, str]:
        return {a.number: a.title for a in self.treaty.articles}


def official_text_path(setting: str | None, config_file: Path) -> Path | None:
    """feeds.yaml's `treaty.official_text`, relative to the feeds.yaml that names it."""
    if not setting:
        return None
    path = Path(setting).expanduser()
    return path if path.is_absolute() else config_file.parent / path


def too_slow(exc: OverBudget) -> Message:
    return error(f"That took longer than {exc.budget:g} s to work out; try fewer words.")


def _heading(article: Article) -> str:
    return f"{article.label} — {article.title}"


def _news_field(news: ArticleNews) -> Field:
    lines = [
        f"{news.last_7_days} in 7 days · {news.last_30_days} in 30 days · "
        f"{news.all_time} in all"
    ]
    for story in news.stories[:NEWS_SHOWN]:
        how = "by number" if story.how == "number" else "by its wording"
        lines.append(f"• {story.title} ({story.cited_at:%d %b %Y}, {how}) {story.link}".rstrip())
    return Field("Stories citing it", "\n".join(lines))


async def article(
    query: str, knowledge: Knowledge, store: SQLiteStore | None, now: datetime
) -> Message:
    """An article by number in any accepted form, or the article that best fits words."""
    try:
        query = arguments.text(query, "article reference", arguments.ARTICLE_MAX)
        if not query:
            raise ArgumentError("Give an article: a number such as 4, 'preamble', or words.")
        number = await off_loop(_resolve, query, knowledge)
    except (ArgumentError, ArticleRefError) as exc:
        return error(str(exc))
    except OverBudget as exc:
        return too_slow(exc)
    item = knowledge.treaty.article(number)
    body = truncate(item.summary, SUMMARY_CHARS * 2)
    fields = [Field("Status", STATUS_LABELS.get(item.status, item.status), True)]
    if item.note:
        fields.append(Field("Note", truncate(item.note, SUMMARY_CHARS)))
    if item.official_text:
        fields.append(Field("Official text", truncate(item.official_text, 1000)))
    if store is not None:
        fields.append(_news_field(await store.article_news(number, now)))
    return Message(
        title=_heading(item), body=body, fields=tuple(fields),
        footer=knowledge.treaty.names.get("en_short", "DPRK–Russia treaty"),
    )


def _resolve(query: str, knowledge: Knowledge) -> int:
    try:
        return parse_article_ref(query, knowledge.treaty)
    except ArticleRefError as exc:
        if not exc.not_a_number or not query.strip():
            raise
    results = knowledge.index.ask(query, k=1)
    if not results:
        raise ArticleRefError(
            f"No article matches {arguments.quoted(query)}: give a number (0 for the preamble, 1–"
            f"{knowledge.treaty.last_article}) or ask a question with /ask.",
            not_a_number=True,
        )
    return results[0][0].number


ASK_K_MAX = 10


def question(query: object) -> str:
    """A question as /ask takes it; ArgumentError when it is refused."""
    clean = arguments.text(query, "question", arguments.QUESTION_MAX)
    if not clean:
        raise ArgumentError(
            "Ask a question, e.g. /ask what does the treaty say about sanctions?")
    return clean


def ask_results(query: str, knowledge: Knowledge, k: int = 5) -> dict[str, Any]:
    """The ranked answer as data: what `ask --json` prints. ArgumentError for a refused
    question or count."""
    query = question(query)
    k = arguments.integer(k, "number of articles", 1, ASK_K_MAX)
    return {
        "query": query,
        "results": [
            {"article": a.number, "title": a.title, "score": round(score, 3)}
            for a, score in knowledge.index.ask(query, k=k)
        ],
    }


def ask(query: str, knowledge: Knowledge, k: int = 3) -> Message:
    try:
        query = question(query)
        k = arguments.integer(k, "number of articles", 1, ASK_K_MAX)
    except ArgumentError as exc:
        return error(str(exc))
    results = knowledge.index.ask(query, k=k)
    if not results:
        return error(f"No article of the treaty matches {arguments.quoted(query)}.")
    fields = tuple(
        Field(f"{_heading(a)} · score {score:.2f}", truncate(a.summary, SUMMARY_CHARS))
        for a, score in results
    )
    return Message(title=f"Best matches: {truncate(query, 200)}", fields=fields,
                   footer="Summaries in our own words; /article N for the full entry.")


def timeline(knowledge: Knowledge) -> Message:
    treaty = knowledge.treaty
    steps = tuple(Field(f"{event.date:%d %b %Y}", event.step) for event in treaty.timeline)
    return Message(
        title=treaty.names.get("en_short", "Treaty timeline"),
        body=f"Status: {treaty.status}. Duration: {treaty.duration}.",
        fields=steps,
    )


# --- the handlers as the platform adapters call them --------------------------------------

CHOICES = 25  # Discord's limit for autocomplete choices


async def article_cmd(ctx: Context, query: str) -> Message:
    return await article(query, ctx.knowledge, ctx.store, ctx.clock())


async def ask_cmd(ctx: Context, question: str) -> Message:
    try:
        return await off_loop(ask, question, ctx.knowledge)
    except OverBudget as exc:
        return too_slow(exc)


def timeline_cmd(ctx: Context) -> Message:
    return timeline(ctx.knowledge)


def article_choices(ctx: Context, prefix: str) -> list[tuple[str, str]]:
    """(label, value) pairs for autocomplete: numbers or title words that fit the prefix.
    A refused prefix is offered nothing."""
    try:
        prefix = arguments.text(prefix, "text", arguments.AUTOCOMPLETE_MAX).casefold()
    except ArgumentError:
        return []
    choices = [
        (truncate(f"{a.label}: {a.title}", 100), str(a.number))
        for a in ctx.knowledge.treaty.articles
        if not prefix or str(a.number).startswith(prefix) or prefix in a.title.casefold()
        or prefix in a.label.casefold()
    ]
    return choices[:CHOICES]
