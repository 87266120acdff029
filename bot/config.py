"""feeds.yaml: validated settings. Errors are one line naming the file and the key path."""

from __future__ import annotations

import datetime as dt
import locale
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
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise ValueError(f"a URL cannot hold spaces (write %20 for one): {value!r}")
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:  # a bad port, an unclosed [IPv6 literal
        hostname = None
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not hostname:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


# Two-letter ISO 639-1 codes, as the C library's locale table knows them.
LANGUAGES = frozenset(
    code for alias in locale.locale_alias.values()
    if len(code := alias.split("_")[0].split(".")[0].split("@")[0]) == 2 and code.isalpha()
)


def _language(value: str) -> str:
    """"en", "ko", "RU", "en-US" → the bare language code; anything else is refused."""
    code = value.strip().replace("_", "-").split("-")[0].lower()
    if value and code not in LANGUAGES:
        raise ValueError(f"unknown language {value!r}: use a two-letter code such as en, ko "
                         "or ru")
    return code


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Rule(_Strict):
    """Terms are matched case- and accent-insensitively on word boundaries.

    `re:` starts a regular expression; a trailing `*` matches any word ending
    (Russian inflections); Korean terms allow trailing particles by themselves.
    `a|b + c|d -- e|f` is a sentence term: one sentence holds one of each part's
    alternatives and none of the guard's (bot/match.py); `text: a|b + c|d -- e|f` is the
    same over the whole text, its parts in any sentences; `re:x -- e|f` is a regex
    whose sentence holds none of the guard's alternatives. `sources` match where an
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
                pattern, guarded, guard = term[3:].partition(" -- ")
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"bad regex {pattern!r}: {exc}") from None
                if guarded and any(not alt.strip() for alt in guard.split("|")):
                    raise ValueError(f"empty alternative in the guard of {term!r}")
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

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        return _language(value)

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


class RateLimit(_Strict):
    """Slash commands each person, and each channel, may run per `window` (Discord and
    Slack alike); one more is refused politely, with when to try again."""

    per_user: int = Field(default=6, ge=1, le=10_000)
    per_channel: int = Field(default=30, ge=1, le=100_000)
    window: Duration = timedelta(minutes=1)

    @field_validator("window")
    @classmethod
    def _window(cls, value: timedelta) -> timedelta:
        if not timedelta(seconds=1) <= value <= timedelta(days=1):
            raise ValueError("must be between 1s and 1d")
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
    rate_limit: RateLimit = RateLimit()
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


# The validation library's error types, in the words of someone editing a YAML file.
_PLAIN = {
    "tuple_type": "expected a list (lines starting with '- ', or [a, b])",
    "list_type": "expected a list (lines starting with '- ', or [a, b])",
    "dict_type": "expected a mapping (indented 'key: value' lines)",
    "model_type": "expected a mapping (indented 'key: value' lines)",
    "model_attributes_type": "expected a mapping (indented 'key: value' lines)",
    "string_type": "expected text",
    "int_type": "expected a whole number (an integer)",
    "int_parsing": "expected a whole number (an integer)",
    "int_from_float": "expected a whole number (an integer)",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "time_type": "expected a time of day such as 09:00",
    "time_parsing": "expected a time of day such as 09:00",
    "string_too_short": "cannot be empty",
    "too_short": "cannot be empty",
}
_BOUNDS = {"greater_than": "more than {gt}", "greater_than_equal": "at least {ge}",
           "less_than": "less than {lt}", "less_than_equal": "at most {le}"}


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "missing"
    if kind == "literal_error":
        return f"unknown topic (known: {', '.join(TOPICS)})"
    if kind in _PLAIN:
        got = error.get("input")
        shown = f", not {got!r}" if isinstance(got, str | int | float) and not kind.startswith(
            ("string_too", "too_")) else ""
        return _PLAIN[kind] + shown
    if kind in _BOUNDS:
        return "must be " + _BOUNDS[kind].format(**error.get("ctx", {}))
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
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader: no arbitrary objects
    except _DuplicateKey as exc:
        raise ConfigError(f"{path}:{exc.line}: duplicate key {exc.key!r} (also on line "
                          f"{exc.first}): the second would silently replace the first") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ConfigError(f"{where}: YAML syntax error: {problem}") from None
    return parse_config(data, str(path))


class _DuplicateKey(Exception):
    def __init__(self, key: object, line: int, first: int) -> None:
        super().__init__(key)
        self.key, self.line, self.first = key, line, first


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys without a word; a duplicated `feeds:` or
    `routes:` would drop half a file. Refused instead, with both lines."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[object, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if isinstance(key, str | int | float | bool) or key is None:
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise _DuplicateKey(key, line, seen[key])
                seen[key] = line
        return super().construct_mapping(node, deep=deep)
