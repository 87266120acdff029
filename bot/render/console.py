"""Message → terminal text."""

from __future__ import annotations

import textwrap

from bot.models import Message
from bot.text import truncate

WIDTH = 96
BODY_CHARS = 480


def render(message: Message) -> str:
    lines = [f"■ {message.title}"]
    if message.link:
        lines.append(f"  {message.link}")
    if message.body:
        body = truncate(" ".join(message.body.split()), BODY_CHARS)
        lines += textwrap.wrap(body, WIDTH, initial_indent="  ", subsequent_indent="  ")
    for field in message.fields:
        values = field.value.splitlines()
        if len(values) == 1 and len(field.name) + len(values[0]) < WIDTH - 4:
            lines.append(f"  {field.name}: {values[0]}")
            continue
        lines.append(f"  {field.name}:")
        for value in values:
            hang = "      " if value.startswith("•") else "    "
            lines += textwrap.wrap(value, WIDTH, initial_indent="    ", subsequent_indent=hang)
    if message.footer:
        when = f" · {message.timestamp:%Y-%m-%d %H:%M} UTC" if message.timestamp else ""
        lines.append(f"  — {message.footer}{when}")
    return "\n".join(lines)
