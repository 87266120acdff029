"""Message → terminal text.

The terminal has no length limit, so nothing is cut: summaries are shown whole. Lines are
wrapped between words only, so that a URL (or any long word) is never broken across lines
and stays clickable and copyable; such a word gets a line of its own, however long.
"""

from __future__ import annotations

import textwrap

from bot.models import Message

WIDTH = 96


def _wrap(text: str, indent: str, hang: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=hang,
                         break_long_words=False, break_on_hyphens=False)


def render(message: Message) -> str:
    lines = [f"■ {message.title}"]
    if message.link:
        lines.append(f"  {message.link}")
    if message.body:
        lines += _wrap(" ".join(message.body.split()), "  ", "  ")
    for field in message.fields:
        values = field.value.splitlines()
        if len(values) == 1 and len(field.name) + len(values[0]) < WIDTH - 4:
            lines.append(f"  {field.name}: {values[0]}")
            continue
        lines.append(f"  {field.name}:")
        for value in values:
            lines += _wrap(value, "    ", "      " if value.startswith("•") else "    ")
    if message.footer:
        when = f" · {message.timestamp:%Y-%m-%d %H:%M} UTC" if message.timestamp else ""
        lines.append(f"  — {message.footer}{when}")
    return "\n".join(lines)
