"""feeds.yaml: validated settings. Errors are one line naming the file and the key path."""

from __future__ import annotations

import datetime as dt
import re
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

TOPICS = ("treaty", "troops", "kcna")
DEFAULT_CONFIG = Path("feeds.yaml")  # relative to the working directory, like git config

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ConfigError(Exception):
    """One line: `<file>: <key path>: <problem>`."""


def parse_duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 90s, 15m, 2h or 1d")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _DURATION.match(value)):
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    else:
        raise ValueError("expected a duration such as 90s, 15m, 2h or 1d")
    if seconds <= 0:
        raise ValueError("a duration must be positive")
    return timedelta(seconds=seconds)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value




class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Rule(_Strict):
    """Terms are matched case- and accent-insensitively on word boundaries.

    `re:` starts a regular expression; a trailing `*` matches any word ending
    (Russian inflections); Korean terms allow trailing particles by themselves.
    `a|b + c|d -- e|f` is a sentence term: one sentence holds one of each part's
    alternatives and none of the guard's (bot/match.py). `sources` match where an
    item comes from: its link's host, its outlet, its feed's title.
    """

    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    none: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @field_validator("any", "all", "none", "sources")
    @classmethod
    def _valid_terms(cls, terms: tuple[str, ...]) -> tuple[str, ...]:
        for term in terms:
            if not term:
                raise ValueError("empty term")
            if not term.startswith("re:") and ("+" in term or "|" in term or " -- " in term):
                positive, _, guard = term.partition(" -- ")
                parts = [p for p in positive.split(" + ")] + ([guard] if guard else [])
                if any(not alt.strip() for p in parts for alt in p.split("|")):
                    raise ValueError(f"empty alternative in sentence term {term!r}")
            elif term.startswith("re:"):
                try:
                    re.compile(term[3:])
                except re.error as exc:
                    raise ValueError(f"bad regex {term[3:]!r}: {exc}") from None
        return terms

    @model_validator(mode="after")
    def _not_empty(self) -> Rule:
        if not self.any and not self.all and not self.sources:
            raise ValueError("a topic needs at least one term under 'any', 'all' or 'sources'")
        return self


class Feed(_Strict):
    name: str = Field(min_length=1)
    url: str
    interval: Duration | None = None
    language: str = ""
    topics: tuple[str, ...] = ()  # every item of this feed has these topics
    # A news search or other aggregator: each item's outlet is its <source>, else its
    # link's host, else the feed's title -- never this feed's name.
    aggregator: bool = False

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("topics")
    @classmethod
    def _known_topics(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for topic in value:
            if topic not in TOPICS:
                raise ValueError(f"unknown topic {topic!r} (known: {', '.join(TOPICS)})")
        return value


class Route(_Strict):
    discord: tuple[int, ...] = ()
    slack: tuple[str, ...] = ()
    discord_role: int | None = None


class Poll(_Strict):
    interval: Duration = timedelta(minutes=15)
    max_age: Duration = timedelta(hours=48)
    jitter: float = Field(default=0.1, ge=0, le=0.5)
    max_backoff: Duration = timedelta(hours=6)


class Fetch(_Strict):
    connect_timeout: float = Field(default=10, gt=0)
    total_timeout: float = Field(default=30, gt=0)
    max_bytes: int = Field(default=5 * 1024 * 1024, gt=0)
    max_concurrency: int = Field(default=16, ge=1)
    per_host: int = Field(default=2, ge=1)
    # Off: a feed URL (/feeds add) must not reach loopback, the LAN or cloud metadata. On for
    # self-hosted feeds on a private network; metadata and 0.0.0.0 stay refused either way.
    allow_private: bool = False


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Digest(_Strict):
    day: str = "monday"
    time: dt.time = dt.time(9, 0)
    timezone: str = "UTC"
    # How late a digest missed while the bot was down is still posted on the next start.
    grace: Duration = timedelta(hours=12)

    @field_validator("grace")
    @classmethod
    def _grace(cls, value: timedelta) -> timedelta:
        # A week or more would reach back to the digest before, already posted or missed.
        if value >= timedelta(days=7):
            raise ValueError("must be shorter than a week")
        return value

    @field_validator("day")
    @classmethod
    def _day(cls, value: str) -> str:
        if value.lower()[:3] not in _DAYS:
            raise ValueError(f"not a day of the week: {value!r}")
        return value.lower()

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class Workers(_Strict):
    # How long a worker holds a feed or an outbox row it took: a worker that dies holds
    # them this long. Longer than a poll (fetch.total_timeout and the fold) and a send.
    lease: Duration = timedelta(minutes=5)


class TreatySettings(_Strict):
    # An official text of the treaty (docs/official-text.md); relative to feeds.yaml.
    official_text: str | None = None


class Headlines(_Strict):
    """Which report's headline a story shows: the first report in the first of these
    languages the story has, else its first report. `channels` sets it per channel,
    keyed "discord:<channel id>" or "slack:<channel>"."""

    languages: tuple[str, ...] = ("en",)
    channels: dict[str, tuple[str, ...]] = {}

    def for_channel(self, platform: str, channel: str) -> tuple[str, ...]:
        return self.channels.get(f"{platform}:{channel}", self.languages)


class Config(_Strict):
    # sqlite:///path/to/file (the default: the bot's data directory) or
    # postgresql://user@host/db; TREATYWATCH_DATABASE_URL overrides it (for a password).
    database: str | None = None
    workers: Workers = Workers()
    treaty: TreatySettings = TreatySettings()
    headlines: Headlines = Headlines()
    poll: Poll = Poll()
    fetch: Fetch = Fetch()
    digest: Digest = Digest()
    topics: dict[Literal["treaty", "troops", "kcna"], Rule]
    feeds: tuple[Feed, ...] = Field(min_length=1)
    routes: dict[Literal["treaty", "troops", "kcna"], Route] = {}

    @field_validator("feeds")
    @classmethod
    def _unique_feeds(cls, feeds: tuple[Feed, ...]) -> tuple[Feed, ...]:
        names: set[str] = set()
        urls: set[str] = set()
        for feed in feeds:
            if feed.name.casefold() in names:
                raise ValueError(f"duplicate feed name {feed.name!r}")
            if feed.url in urls:
                raise ValueError(f"duplicate feed URL {feed.url}")
            names.add(feed.name.casefold())
            urls.add(feed.url)
        return feeds

    def interval(self, feed: Feed) -> timedelta:
        return feed.interval or self.poll.interval


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif not path:
            path = str(part)
        elif part != "[key]" and not str(part).startswith(("function-", "lax-")):
            path += f".{part}"
    return path or "(top level)"


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "missing"
    if kind == "literal_error":
        return f"unknown topic (known: {', '.join(TOPICS)})"
    msg = str(error["msg"])
    return msg.removeprefix("Value error, ")


def parse_config(data: Any, source: str) -> Config:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: (top level): expected a mapping of settings")
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ConfigError(f"{source}: {_key_path(first['loc'])}: {_message(first)}") from None


def load_config(path: Path | str | None = None) -> Config:
    path = Path(path) if path else DEFAULT_CONFIG
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}: YAML syntax error: {problem}") from None
    return parse_config(data, str(path))
