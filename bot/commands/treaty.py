"""/article, /ask and /timeline: the treaty knowledge base, linked to the news."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.commands import arguments
from bot.commands.arguments import ArgumentError, error
from bot.commands.budget import OverBudget, off_loop
from bot.config import Config, ConfigError, load_config
from bot.models import Field, Message
from bot.official_text import OfficialTextError
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


@dataclass(frozen=True, slots=True)
class Syntax:
    """How the user types the commands where the answer is read, for hints in answers: the
    slash commands by default; the CLI gives its own."""

    ask: str = "/ask QUESTION"
    article: str = "/article N"


SLASH = Syntax()


def official_text_path(setting: str | None, config_file: Path) -> Path | None:
    """feeds.yaml's `treaty.official_text`, relative to the feeds.yaml that names it."""
    if not setting:
        return None
    path = Path(setting).expanduser()
    return path if path.is_absolute() else config_file.parent / path


def too_slow(exc: OverBudget) -> Message:
    return error(f"That took longer than {exc.budget:g} s to work out; try fewer words.")


def load_setup(config_file: Path) -> tuple[Config, Knowledge]:
    """feeds.yaml and the treaty with the official text it names: the one path by which
    `run`, `poll` and `check-config` load them, so that all three refuse the same files
    with the same line."""
    config = load_config(config_file)
    try:
        text = official_text_path(config.treaty.official_text, config_file)
        return config, Knowledge.load(text)
    except OfficialTextError as exc:
        raise ConfigError(f"{config_file}: treaty.official_text: {exc}") from None



def _heading(article: Article) -> str:
    return f"{article.label} — {article.title}"


def _news_field(news: ArticleNews) -> Field:
    lines = [
        f"{news.last_7_days} in 7 days · {news.last_30_days} in 30 days · "
        f"{news.all_time} in all"
    ]
    shown = news.stories[:NEWS_SHOWN]
    for story in shown:
        how = "by number" if story.how == "number" else "by its wording"
        lines.append(f"• {story.title} ({story.cited_at:%d %b %Y}, {how}) {story.link}".rstrip())
    if len(shown) < news.all_time:
        lines.append(f"(the {len(shown)} newest of {news.all_time} stories)")
    return Field("Stories citing it", "\n".join(lines))


async def article(
    query: str, knowledge: Knowledge, store: SQLiteStore | None, now: datetime,
    syntax: Syntax = SLASH,
) -> Message:
    """An article by number in any accepted form, or the article that best fits words.
    Texts are whole: each renderer cuts them to its platform's limits."""
    try:
        query = arguments.text(query, "article reference", arguments.ARTICLE_MAX)
        if not query:
            raise ArgumentError("Give an article: a number such as 4, 'preamble', or words.")
        number = await off_loop(_resolve, query, knowledge, syntax)
    except (ArgumentError, ArticleRefError) as exc:
        return error(str(exc))
    except OverBudget as exc:
        return too_slow(exc)
    item = knowledge.treaty.article(number)
    fields = [Field("Status", STATUS_LABELS.get(item.status, item.status), True)]
    if item.note:
        fields.append(Field("Note", item.note))
    if item.official_text:
        fields.append(Field("Official text", item.official_text))
    if store is not None:
        fields.append(_news_field(await store.article_news(number, now)))
    return Message(
        title=_heading(item), body=item.summary, fields=tuple(fields),
        footer=knowledge.treaty.names.get("en_short", "DPRK–Russia treaty"),
    )


# A number that is not a whole one ("4.5", "4,5", "1/2"): never words to search for.
_NOT_WHOLE = re.compile(r"\d\s*[.,/:]\s*\d")


def _resolve(query: str, knowledge: Knowledge, syntax: Syntax) -> int:
    last = knowledge.treaty.last_article
    if _NOT_WHOLE.search(query):
        raise ArticleRefError(
            f"{query.strip()!r} is not an article number: articles are whole numbers, "
            f"0 (the preamble) to {last}.", not_a_number=False,
        )
    try:
        return parse_article_ref(query, knowledge.treaty)
    except ArticleRefError as exc:
        if not exc.not_a_number or not query.strip():
            raise
    results = knowledge.index.ask(query, k=1)
    if not results:
        raise ArticleRefError(
            f"No article matches {arguments.quoted(query)}: give a number (0 for the "
            f"preamble, 1–{last}) or ask a question with {syntax.ask}.",
            not_a_number=True,
        )
    return results[0][0].number


ASK_K_MAX = 10


def question(query: object, syntax: Syntax = SLASH) -> str:
    """A question as /ask takes it; ArgumentError when it is refused."""
    clean = arguments.text(query, "question", arguments.QUESTION_MAX)
    if not clean:
        example = syntax.ask.replace("QUESTION", "what does the treaty say about sanctions?")
        raise ArgumentError(f"Ask a question, e.g. {example}")
    return clean


def ask_results(query: str, knowledge: Knowledge, k: int = 5) -> dict[str, Any]:
    """The ranked answer as data: what `ask --json` prints. ArgumentError for a refused
    question or count. No results: no article answers; `unknown` lists the words of
    the question that no article speaks of."""
    query = question(query)
    k = arguments.integer(k, "number of articles", 1, ASK_K_MAX)
    return {
        "query": query,
        "results": [
            {"article": a.number, "title": a.title, "score": round(score, 3)}
            for a, score in knowledge.index.ask(query, k=k)
        ],
        "unknown": knowledge.index.unknown_words(query),
    }


def ask(query: str, knowledge: Knowledge, k: int = 3, syntax: Syntax = SLASH) -> Message:
    try:
        query = question(query, syntax)
        k = arguments.integer(k, "number of articles", 1, ASK_K_MAX)
    except ArgumentError as exc:
        return error(str(exc))
    results = knowledge.index.ask(query, k=k)
    if not results:
        return no_answer(query, knowledge)
    fields = tuple(
        Field(f"{_heading(a)} · score {score:.2f}", a.summary) for a, score in results
    )
    return Message(title=f"Best matches: {truncate(query, 200)}", fields=fields,
                   footer=f"Summaries in our own words; {syntax.article} for the full entry.")


def no_answer(query: str, knowledge: Knowledge) -> Message:
    """A question that no article answers is answered, not refused: saying so is the answer."""
    unknown = knowledge.index.unknown_words(query)
    body = "I found no article of the treaty that answers this."
    if unknown:
        words = ", ".join(arguments.quoted(w) for w in unknown)
        body += f" No article, as our data has them, speaks of {words}."
    return Message(title=f"No answer: {truncate(query, 200)}", body=body,
                   footer="Summaries in our own words, from the sources we saw.")


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
