"""Logging: the setup, and the few lines an operator reads.

Our own loggers (`bot.*`) say one INFO line per poll cycle, one per post or edit, and one
WARNING when a feed starts failing (each later failure of the same run is DEBUG, its recovery
INFO). Libraries log at WARNING and above only: their INFO lines (APScheduler's "Running
job …" every few seconds) drowned ours. `--log-format json` writes one JSON object a line,
for log shippers.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Protocol, TextIO

LIBRARIES = ("apscheduler", "aiohttp", "aiosqlite", "asyncio", "discord", "slack_bolt",
             "slack_sdk", "matplotlib", "PIL")
FORMATS = ("text", "json")

poll_log = logging.getLogger("bot.poll")
deliver_log = logging.getLogger("bot.deliver")
feed_log = logging.getLogger("bot.feeds")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, and any
    `extra` fields the call gave."""

    _STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
        "message", "asctime", "taskName"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update((k, v) for k, v in vars(record).items() if k not in self._STANDARD)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(
    level: int, log_format: str = "text", stream: TextIO | None = None
) -> logging.Handler:
    """Our loggers at `level`, libraries at WARNING whatever `level` says; one handler on
    the root logger (replacing any earlier one of ours), writing to stderr."""
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "treatywatch", False)]:
        root.removeHandler(old)
    handler.treatywatch = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger("bot").setLevel(level)
    logging.getLogger("storage").setLevel(level)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    return handler


# --- the lines themselves ------------------------------------------------------------------


class _Report(Protocol):
    status: str
    new_items: int


def plural(n: int, noun: str) -> str:
    if n == 1:
        return f"1 {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") else f"{n} {noun}s"


def log_cycle(reports: Iterable[_Report], new_stories: int, seconds: float) -> str:
    """One INFO line per poll cycle; returns it (the CLI prints the same words)."""
    reports = list(reports)
    errors = sum(r.status == "error" for r in reports)
    items = sum(r.new_items for r in reports)
    line = (f"poll cycle: {plural(len(reports), 'feed')} polled, "
            f"{plural(items, 'new item')}, {plural(new_stories, 'new story')}, "
            f"{plural(errors, 'error')}, {seconds:.1f} s")
    poll_log.info(line, extra={"feeds": len(reports), "new_items": items,
                               "new_stories": new_stories, "errors": errors,
                               "seconds": round(seconds, 3)})
    return line


def log_delivery(
    platform: str, channel: str, new: bool, story_id: int, title: str, message_id: str
) -> None:
    """One INFO line per post (`new`) or edit that the platform accepted."""
    verb = "posted" if new else "edited"
    deliver_log.info("%s story #%d to %s %s (message %s): %s", verb, story_id, platform,
                     channel, message_id, title,
                     extra={"action": verb, "story": story_id, "platform": platform,
                            "channel": channel, "message_id": message_id})


def log_feed_failure(name: str, error: str, failures_before: int) -> None:
    """A feed's failure: a WARNING when it starts failing, DEBUG while it goes on (its
    backoff retries would repeat the same line every cycle)."""
    level = logging.WARNING if failures_before == 0 else logging.DEBUG
    feed_log.log(level, "feed %r failing: %s", name, error,
                 extra={"feed": name, "failures": failures_before + 1})


def log_feed_recovered(name: str, failures_before: int) -> None:
    if failures_before:
        feed_log.info("feed %r works again after %d failed polls", name, failures_before,
                      extra={"feed": name})
