"""What every handler gets: the app's state, and who is asking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.commands.treaty import Knowledge
from bot.config import Config
from storage import SQLiteStore


@dataclass(frozen=True, slots=True)
class Context:
    store: SQLiteStore
    knowledge: Knowledge
    config: Config
    clock: Callable[[], datetime]


@dataclass(frozen=True, slots=True)
class Caller:
    """The person behind a command, as the platform adapter found them."""

    platform: str  # "discord", "slack", "console"
    user_id: str
    channel_id: str
    is_admin: bool  # Manage Server on Discord; workspace admin or owner on Slack
