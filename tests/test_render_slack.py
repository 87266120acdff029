"""Message → Block Kit: an alert's parts, escaping of feed text, and Slack's limits held
whatever the Message holds."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from typing import Any

from bot.alerts import story_message
from bot.models import Field, Message
from bot.render.slack import escape, mrkdwn, render, response, size
from storage import Story, StoryItem, TroopRecord
from tests.fake_slack import block_problems

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
# What we write ourselves into mrkdwn: links and dates. Anything else in <...> is a leak.
_OURS = re.compile(r"<https?://[^<>|\s]+>|<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^<>|]+>")


def story(title: str = "North Korea ratifies treaty with Russia", **changes: Any) -> Story:
    items = [
        StoryItem(1, "Yonhap", title, "https://yonhap.example/1", NOW, "en"),
        StoryItem(2, "TASS", "КНДР ратифицировала договор", "https://tass.example/2", NOW, "ru"),
    ]
    troops = [TroopRecord(11000, "NIS", "11,000 troops, the NIS said.", 1, 7, NOW,
                          "https://yonhap.example/1")]
    base: dict[str, Any] = {
        "id": 7, "title": title, "link": "https://yonhap.example/1",
        "summary": "Pyongyang ratified the pact, KCNA said.", "created_at": NOW,
        "updated_at": NOW, "first_published": NOW, "topics": ["treaty", "troops"],
        "articles": [4], "items": items, "troops": troops,
    }
    return Story(**{**base, **changes})


def mrkdwn_texts(payload: dict[str, Any]) -> list[str]:
    """Every mrkdwn string of a payload, the fallback text included."""
    found = [payload["text"]]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(payload.get("blocks", []))
    return found


def leaks(payload: dict[str, Any]) -> list[str]:
    """Control characters Slack would parse, outside the links and dates we wrote."""
    return [t for t in mrkdwn_texts(payload) if re.search(r"[<>]", _OURS.sub("", t))]


def test_an_alert_has_a_header_summary_topics_articles_buttons_and_outlets() -> None:
    payload = render(story_message(story(), {4: "Mutual assistance"}))
    assert block_problems(payload["blocks"]) == []
    kinds = [b["type"] for b in payload["blocks"]]
    assert kinds == ["header", "section", "section", "section", "section", "actions",
                     "context"]
    blocks = payload["blocks"]
    assert blocks[0]["text"] == {"type": "plain_text",
                                 "text": "North Korea ratifies treaty with Russia"}
    assert blocks[1]["text"]["text"] == "Pyongyang ratified the pact, KCNA said."
    assert blocks[2]["fields"][0]["text"] == "*Topics*\nTreaty, Troops"
    assert blocks[3]["text"]["text"] == "*Treaty articles*\nArticle 4 (Mutual assistance)"
    assert "11,000 deployed — NIS" in blocks[4]["text"]["text"]
    buttons = blocks[5]["elements"]
    assert [(b["text"]["text"], b["url"]) for b in buttons] == [
        ("Yonhap", "https://yonhap.example/1"), ("TASS", "https://tass.example/2"),
    ]
    context = [e["text"] for e in blocks[6]["elements"]]
    assert context[0] == "*2 outlets:* Yonhap · TASS"
    assert context[1] == "Story #7 · 2 outlets"
    assert context[2].startswith("<!date^1751371200^")
    # The outlets are the context line, not a field as well.
    assert not any("*Outlets*" in t for t in mrkdwn_texts(payload))
    assert payload["text"].startswith("North Korea ratifies treaty with Russia: Pyongyang")


def test_feed_text_cannot_mention_or_mask_a_link() -> None:
    hostile = "<!channel> <!here|here> <@U123> <#C123|general> <http://evil.example|Reuters>"
    message = story_message(story(
        title=f"Treaty {hostile}",
        summary=f"Troops & tanks {hostile} > quoted",
        items=[StoryItem(1, f"Wire {hostile}", "t", "https://wire.example/1", NOW, "en")],
    ))
    payload = render(message)
    assert block_problems(payload["blocks"]) == []
    assert leaks(payload) == []
    body = payload["blocks"][1]["text"]["text"]
    assert body.startswith("Troops &amp; tanks &lt;!channel&gt; &lt;!here|here&gt; &lt;@U123&gt;")
    # The URL inside stays a plain link to where it really goes, its label shown as text.
    assert "&lt;<http://evil.example>|Reuters&gt;" in body
    assert body.endswith("&gt; quoted")
    # plain_text is never parsed by Slack: the header shows the characters as they are.
    assert payload["blocks"][0]["text"]["text"] == f"Treaty {hostile}"
    assert all(t["verbatim"] for b in payload["blocks"] if b["type"] == "section"
               for t in [b.get("text") or b["fields"][0]] if t["type"] == "mrkdwn")


def test_urls_in_text_become_links_with_ampersands_escaped() -> None:
    text = mrkdwn("See https://a.example/x?a=1&b=2. Or (https://b.example/y).", 3000)
    assert text == "See <https://a.example/x?a=1&amp;b=2>. Or (<https://b.example/y>)."
    assert mrkdwn("bad scheme javascript:alert(1) stays text", 100).startswith("bad scheme")
    assert mrkdwn("(see https://en.example/wiki/Foo_(bar)).", 100) == (
        "(see <https://en.example/wiki/Foo_(bar)>).")


def test_a_cut_never_splits_an_entity_or_a_link() -> None:
    for limit in range(1, 40):
        text = mrkdwn("&" * 50, limit)
        assert size(text) <= limit
        assert re.fullmatch(r"(&amp;)*…?", text), text
    linked = mrkdwn("word " * 5 + "https://example.org/" + "a" * 60, 40)
    assert "<https" not in linked and linked.endswith("…")


def test_many_links_become_at_most_two_rows_of_five_buttons() -> None:
    links = tuple((f"Outlet {i} " + "x" * 100, f"https://o{i}.example/{i}") for i in range(14))
    bad = (("ftp", "ftp://x.example/f"), ("long", "https://l.example/" + "a" * 3100),
           ("js", "javascript:alert(1)"))
    payload = render(Message(title="Sources", links=bad + links[:2] + (("dup", links[1][1]),)
                             + links[2:]))
    rows = [b["elements"] for b in payload["blocks"] if b["type"] == "actions"]
    assert [len(r) for r in rows] == [5, 5]
    urls = [e["url"] for r in rows for e in r]
    assert urls == [f"https://o{i}.example/{i}" for i in range(10)]
    assert all(size(e["text"]["text"]) <= 75 for r in rows for e in r)
    assert block_problems(payload["blocks"]) == []


def test_too_many_fields_end_with_how_many_were_left_out() -> None:
    fields = tuple(Field(f"Feed {i}", f"OK, last success {i}") for i in range(80))
    payload = render(Message(title="Feeds", body="b", fields=fields, footer="f"))
    assert len(payload["blocks"]) == 50
    assert payload["blocks"][-2]["text"]["text"] == "+34 more not shown"
    assert block_problems(payload["blocks"]) == []


def test_inline_fields_sit_side_by_side_ten_to_a_section() -> None:
    fields = tuple(Field(f"F{i}", "v", inline=True) for i in range(23))
    sections = [b for b in render(Message(title="t", fields=fields))["blocks"]
                if "fields" in b]
    assert [len(s["fields"]) for s in sections] == [10, 10, 3]


def test_a_one_line_answer_is_text_alone_and_for_the_caller() -> None:
    reply = response(Message(title="There is no story #9 <!channel>.", ephemeral=True))
    assert reply == {"text": "There is no story #9 &lt;!channel&gt;.",
                     "response_type": "ephemeral"}
    public = response(Message(title="Latest", fields=(Field("a", "b"),)))
    assert public["response_type"] == "in_channel" and public["blocks"]


def test_an_image_url_is_a_block_and_a_local_file_is_not() -> None:
    by_url = render(Message(title="Digest", image="https://img.example/c.png"))
    assert by_url["blocks"][-1] == {"type": "image", "image_url": "https://img.example/c.png",
                                    "alt_text": "Digest"}
    local = render(Message(title="Digest", image="/tmp/chart.png"))
    assert all(b["type"] != "image" for b in local["blocks"])


def test_a_long_body_is_split_at_line_ends_into_sections() -> None:
    body = "\n".join(f"{i:,} — claim line " + "w " * 40 for i in range(200))
    blocks = render(Message(title="Troops", body=body))["blocks"]
    sections = [b for b in blocks if b["type"] == "section"]
    assert len(sections) == 4
    assert all(not s["text"]["text"].startswith((" ", "\n")) for s in sections)
    assert block_problems(blocks) == []


_PIECES = [
    "", " ", "\n\n", "word", "North Korea", "북한군 1만1000명", "КНДР", "&", "<", ">", "&amp;",
    "<!channel>", "<@U0123>", "<http://x|y>", "*bold*", "_i_", "`code`", "> quote", "|",
    "😀", "👩🏽‍🚀", "e\u0301", "\x00", "\x07", "\ud800", "\u2028", "\t", "\r\n",
    "https://example.org/path?q=1&r=<2>", "http://" + "h" * 3100 + ".example/",
    "https://한국.example/기사", "x" * 3500, "& " * 2000, "😀" * 2000,
]


def _random_text(rng: random.Random, most: int) -> str:
    return "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, most)))


def test_any_message_renders_within_slacks_limits_and_leaks_nothing() -> None:
    rng = random.Random(5)
    for _ in range(300):
        message = Message(
            title=_random_text(rng, 6),
            body=_random_text(rng, 8),
            link=rng.choice([None, "https://a.example/x", _random_text(rng, 2)]),
            fields=tuple(Field(_random_text(rng, 3), _random_text(rng, 5), rng.random() < 0.4)
                         for _ in range(rng.randint(0, 70))),
            outlets=tuple(_random_text(rng, 2) for _ in range(rng.randint(0, 30))),
            footer=_random_text(rng, 3),
            image=rng.choice([None, "https://img.example/a.png", _random_text(rng, 2)]),
            timestamp=rng.choice([None, NOW, datetime(2024, 1, 1)]),  # noqa: DTZ001
            ephemeral=rng.random() < 0.2,
            links=tuple((_random_text(rng, 2), rng.choice([*_PIECES, "https://ok.example/1"]))
                        for _ in range(rng.randint(0, 20))),
        )
        payload = render(message)
        assert block_problems(payload["blocks"]) == [], message
        assert 1 <= size(payload["text"]) <= 3000
        assert leaks(payload) == [], message
        json.dumps(payload).encode("utf-8")  # no lone surrogate reaches the wire


def test_escape_is_only_the_three_control_characters() -> None:
    assert escape("a & b < c > d \"e\" 'f'") == "a &amp; b &lt; c &gt; d \"e\" 'f'"
