"""Platform tokens: from the environment, or a git-ignored `.env` file. Never logged."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

NAMES = (
    "DISCORD_TOKEN", "DISCORD_GUILD_ID",
    "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_PORT",
)
HOW_TO = (
    "no platform token set: set DISCORD_TOKEN (and optionally DISCORD_GUILD_ID) for Discord, "
    "or SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP) for "
    "Slack, in the environment or a .env file"
)


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; # comments; optional quotes. Only the names we know are taken."""
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return values
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if key in NAMES:
            values[key] = value
    return values


@dataclass(frozen=True)
class Secrets:
    values: Mapping[str, str] = field(repr=False)  # never printed, not even by repr()

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, dotenv: Path = Path(".env")) -> Secrets:
        env = os.environ if env is None else env
        merged = read_dotenv(dotenv)
        merged.update({k: env[k] for k in NAMES if env.get(k)})  # the environment wins
        return cls(merged)

    def get(self, name: str) -> str | None:
        return self.values.get(name) or None

    @property
    def discord(self) -> bool:
        return bool(self.get("DISCORD_TOKEN"))

    @property
    def slack(self) -> bool:
        return bool(self.get("SLACK_BOT_TOKEN")) and bool(
            self.get("SLACK_APP_TOKEN") or self.get("SLACK_SIGNING_SECRET")
        )

    def redact(self, text: str) -> str:
        """`text` with every secret value replaced, for error messages and logs."""
        for value in self.values.values():
            if len(value) >= 6:
                text = text.replace(value, "[redacted]")
        return text


class RedactingFilter(logging.Filter):
    """Replaces secret values in every log record a handler writes (defence in depth:
    no code of ours logs a token, but a library's message might quote one)."""

    def __init__(self, secrets: Secrets) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.secrets.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def redact_logs(secrets: Secrets) -> None:
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactingFilter(secrets))
