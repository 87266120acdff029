"""Message → Discord embed: every limit kept, text cut cleanly, feed text inert."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import discord
import pytest

from bot.alerts import story_message
from bot.models import Field, Message
from bot.render.discord import (
    EMPTY,
    SOURCES,
    cut,
    fits_limits,
    is_line,
    render,
    render_line,
    safe_url,
)
from storage import Story, StoryItem, TroopRecord

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


def sizes(embed: discord.Embed) -> dict[str, Any]:
    data = embed.to_dict()
    return {
        "title": len(data.get("title", "")),
        "description": len(data.get("description", "")),
        "fields": len(data.get("fields", [])),
        "names": max((len(f["name"]) for f in data.get("fields", [])), default=0),
        "values": max((len(f["value"]) for f in data.get("fields", [])), default=0),
        "footer": len(data.get("footer", {}).get("text", "")),
        "total": len(embed),
    }


def sendable(embed: discord.Embed) -> bool:
    """What discord.py would put on the wire encodes as UTF-8 JSON."""
    json.dumps(embed.to_dict(), ensure_ascii=False).encode("utf-8")
    return True


def story(outlets: int = 2) -> Story:
    items = [StoryItem(n, f"Outlet {n}", f"Headline {n}", f"https://o{n}.example/a", NOW, "en")
             for n in range(1, outlets + 1)]
    troops = [TroopRecord(11000, "NIS", "The NIS said 11,000 troops.", 1, 7, NOW,
                          "https://o1.example/a")]
    return Story(7, "North Korea ratifies treaty with Russia", "https://o1.example/a",
                 "Pyongyang ratified the treaty, KCNA said.", NOW, NOW, NOW,
                 ["treaty", "troops"], [4], items, troops)


# --- a story alert ----------------------------------------------------------------------------


def test_a_story_alert_has_title_link_summary_fields_sources_and_time() -> None:
    embed = render(story_message(story(), {4: "Mutual military assistance"}))
    data = embed.to_dict()
    assert data["title"] == "North Korea ratifies treaty with Russia"
    assert data["url"] == "https://o1.example/a"
    assert data["description"] == "Pyongyang ratified the treaty, KCNA said."
    fields = {f["name"]: f["value"] for f in data["fields"]}
    assert fields["Topics"] == "Treaty, Troops"
    assert fields["Treaty articles"] == "Article 4 (Mutual military assistance)"
    assert fields["North Korean troops claimed"] == "11,000 deployed — NIS · 01 Jul 2025"
    assert fields["Outlets"] == "2: Outlet 1, Outlet 2"
    assert fields[SOURCES] == ("[Outlet 1](https://o1.example/a)\n"
                               "[Outlet 2](https://o2.example/a)")
    assert data["footer"]["text"] == "Story #7 · 2 outlets"
    assert embed.timestamp == NOW
    assert fits_limits(embed)


def test_many_sources_show_whole_links_then_how_many_more() -> None:
    embed = render(story_message(story(outlets=60)))
    value = next(f.value for f in embed.fields if f.name == SOURCES)
    lines = value.split("\n")
    assert len(value) <= 1024
    assert lines[-1].startswith("+") and lines[-1].endswith(" more")
    shown = len(lines) - 1
    assert int(lines[-1][1:].split()[0]) == 60 - shown
    assert all(line.startswith("[Outlet ") and line.endswith("/a)") for line in lines[:-1])


def test_a_source_label_or_link_cannot_break_the_markdown() -> None:
    message = Message(title="t", links=(("Evil](https://phish.example) [x", "https://a.example/p(1)"),
                                        ("bad", "javascript:alert(1)")))
    value = next(f.value for f in render(message).fields if f.name == SOURCES)
    assert value == "[Evil)(https://phish.example) (x](https://a.example/p%281%29)"


# --- each limit -------------------------------------------------------------------------------


def test_every_part_is_cut_to_its_own_limit() -> None:
    message = Message(
        title="T" * 300, body="word " * 1000,
        fields=(Field("n" * 300, "v" * 2000),), footer="f" * 3000,
    )
    got = sizes(render(message))
    assert got["title"] == 256 and got["names"] == 256 and got["values"] == 1024
    assert got["description"] <= 4096 and got["footer"] <= 2048
    assert got["total"] <= 6000


def test_more_than_25_fields_keep_24_and_say_how_many_more() -> None:
    message = Message(title="t", fields=tuple(Field(f"f{n}", "v") for n in range(30)))
    embed = render(message)
    assert len(embed.fields) == 25
    assert embed.fields[-1].value == "+6 more not shown"
    assert embed.fields[23].name == "f23"


def test_the_whole_embed_stays_within_6000_characters() -> None:
    message = Message(
        title="T" * 256, body="summary " * 600,
        fields=tuple(Field(f"Field {n} " + "n" * 200, "value " * 200) for n in range(25)),
        footer="Story #1 · 3 outlets",
    )
    embed = render(message)
    got = sizes(embed)
    assert got["total"] <= 6000
    assert got["description"] >= 1000  # the summary is squeezed last, not first
    assert got["fields"] == 25  # values are shortened before any field is dropped
    assert embed.footer.text == "Story #1 · 3 outlets"
    assert fits_limits(embed)


def test_a_huge_footer_gives_way_before_fields_are_dropped() -> None:
    message = Message(title="t", body="b" * 1000, footer="f" * 2048,
                      fields=tuple(Field(f"n{n}", "v" * 300) for n in range(25)))
    embed = render(message)
    assert len(embed.fields) == 25 and len(embed) <= 6000


# --- cutting cleanly --------------------------------------------------------------------------


def test_text_is_cut_at_a_word_boundary_with_an_ellipsis() -> None:
    assert cut("alpha beta gamma delta", 13) == "alpha beta…"
    assert cut("short", 10) == "short"
    assert cut("x" * 20, 10) == "x" * 9 + "…"


@pytest.mark.parametrize("text", [
    "e\u0301" * 30,  # letters with combining accents
    "\U0001f469\u200d\U0001f52c" * 20,  # emoji joined by ZWJ
    "\U0001f44d\U0001f3fd" * 20,  # emoji with skin tones
    "\u1100\u1161\u11a8" * 20,  # decomposed Hangul syllables
    "\U0001f1f0\U0001f1f5" * 20,  # flags: pairs of regional indicators
], ids=["accents", "zwj", "skin-tones", "jamo", "flags"])
def test_a_cut_never_splits_a_character_sequence(text: str) -> None:
    for limit in range(2, 40):
        out = cut(text, limit)
        assert len(out) <= limit
        body = out.removesuffix("…")
        assert text.startswith(body)
        assert body == "" or text[len(body)] not in "\u0301\u200d\U0001f3fd\u1161\u11a8"
        assert not body.endswith("\u200d")
        if text.startswith("\U0001f1f0"):
            assert len(body) % 2 == 0


def test_a_cut_never_leaves_a_lone_escape_before_the_ellipsis() -> None:
    out = cut("ab\\\\\\cd", 6)
    assert out == "ab\\\\…"


# --- feed text is inert -----------------------------------------------------------------------


def test_markdown_in_feed_text_is_escaped() -> None:
    message = Message(title="**Breaking**", body="# Heading\n[click](https://phish.example) _x_",
                      fields=(Field("`code`", "> quote ~~gone~~"),))
    data = render(message).to_dict()
    assert data["title"] == "\\*\\*Breaking\\*\\*"
    assert data["description"].startswith("\\# Heading")
    assert "\\[click](https://phish.example)" in data["description"]
    assert "\\_x\\_" in data["description"]
    assert data["fields"][0] == {"name": "\\`code\\`", "value": "\\> quote \\~\\~gone\\~\\~",
                                 "inline": False}


def test_urls_in_text_stay_clickable() -> None:
    data = render(Message(title="t", body="see https://a.example/x_y_z now")).to_dict()
    assert data["description"] == "see https://a.example/x_y_z now"


@pytest.mark.parametrize(("url", "kept"), [
    ("https://a.example/x", True), ("http://a.example", True),
    ("javascript:alert(1)", False), ("ftp://a.example/x", False), ("https://", False),
    ("https://a.example/x y", False), ("//a.example/x", False), ("", False),
    ("https://a.example/" + "x" * 3000, False),
])
def test_only_well_formed_http_links_are_used(url: str, kept: bool) -> None:
    embed = render(Message(title="t", link=url, image=url))
    assert (embed.url == url) is kept
    assert (embed.image.url == url) is kept
    assert (safe_url(url) == url) is kept


# --- whatever the input -----------------------------------------------------------------------


def test_control_characters_and_lone_surrogates_are_removed() -> None:
    embed = render(Message(title="a\x00b\ud800c", body="x\x07y\r\nz\u2028w"))
    assert embed.title == "abc"
    assert embed.description == "xy\nzw"
    assert sendable(embed)


def test_an_empty_message_is_still_a_valid_embed() -> None:
    embed = render(Message(title=""))
    assert embed.description == EMPTY and fits_limits(embed)
    empty_fields = render(Message(title="t", fields=(Field("", ""), Field("  ", "\n"))))
    assert [(f.name, f.value) for f in empty_fields.fields] == [(EMPTY, EMPTY)] * 2


def test_a_naive_timestamp_is_taken_as_utc() -> None:
    embed = render(Message(title="t", timestamp=datetime(2025, 7, 1, 12, 0)))  # noqa: DTZ001
    assert embed.timestamp == NOW


def test_malformed_messages_never_raise() -> None:
    odd: list[Any] = [
        Message(title=None, body=123, fields=("not a field", None),  # type: ignore[arg-type]
                links=(("only-label",), None, 5), timestamp="yesterday"),  # type: ignore[arg-type]
        Message(title="t", fields=None, links=None, link=42),  # type: ignore[arg-type]
        None,
        "a string",
    ]
    for message in odd:
        embed = render(message)
        assert isinstance(embed, discord.Embed) and fits_limits(embed) and sendable(embed)


def _random_text(rng: random.Random, longest: int) -> str:
    alphabet = ("abc xyz ЖЫ 가나다 *_~`|>#[]()\\@<>\n\t\x00\u0301\u200d\ud800\U0001f469"
                "https://a.example/ ")
    return "".join(rng.choices(alphabet, k=rng.randint(0, longest)))


def test_random_messages_always_fit() -> None:
    rng = random.Random(20240619)  # the treaty's signing date: the run is reproducible
    for _ in range(300):
        message = Message(
            title=_random_text(rng, 400), body=_random_text(rng, 7000),
            link=rng.choice([None, "https://a.example/x", _random_text(rng, 30)]),
            fields=tuple(Field(_random_text(rng, 300), _random_text(rng, 1500),
                               rng.random() < 0.5) for _ in range(rng.randint(0, 40))),
            footer=_random_text(rng, 2500), timestamp=NOW,
            links=tuple((_random_text(rng, 40), f"https://s{n}.example/{n}")
                        for n in range(rng.randint(0, 50))),
        )
        embed = render(message)
        assert fits_limits(embed), sizes(embed)
        assert sendable(embed)


# --- the check itself, and plain lines --------------------------------------------------------


def test_fits_limits_refuses_what_discord_would() -> None:
    assert fits_limits(discord.Embed(title="ok"))
    assert not fits_limits(discord.Embed(title="x" * 257))
    assert not fits_limits(discord.Embed(description="x" * 4097))
    assert not fits_limits(discord.Embed())
    too_many = discord.Embed(title="t")
    for n in range(26):
        too_many.add_field(name=str(n), value="v")
    assert not fits_limits(too_many)
    too_long = discord.Embed(title="t", description="d" * 4000)
    too_long.add_field(name="n", value="v" * 1024).add_field(name="n", value="v" * 1024)
    assert not fits_limits(too_long)
    assert not fits_limits(discord.Embed(title="t").add_field(name="", value="v"))
    assert not fits_limits(discord.Embed(title="t", url="javascript:x"))
    assert not fits_limits("not an embed")


def test_a_private_title_only_message_is_one_plain_line() -> None:
    refusal = Message(title="Only for *admins*\n(Manage Server).", ephemeral=True)
    assert is_line(refusal)
    assert render_line(refusal) == "Only for \\*admins\\* (Manage Server)."
    assert not is_line(Message(title="Public answer"))
    assert not is_line(Message(title="Digest", body="...", ephemeral=True))
    assert len(render_line(Message(title="x" * 5000, ephemeral=True))) == 2000
