"""The terminal renderer: nothing cut, and no URL ever broken across lines."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.models import Field, Message
from bot.render.console import WIDTH, render

settings.register_profile("console", derandomize=True, database=None, deadline=None,
                          max_examples=200)

URLS = st.builds(
    lambda host, path: f"https://{host}.example/{path}",
    st.text("abcdefghij", min_size=1, max_size=12),
    st.text("abcdefghij-_/?=&%.", min_size=0, max_size=160),
)
WORDS = st.text("abcdefgh -", min_size=1, max_size=14)
TEXTS = st.lists(st.one_of(WORDS, URLS), min_size=1, max_size=30).map(" ".join)


@settings(settings.get_profile("console"))
@given(TEXTS, st.lists(TEXTS, max_size=4))
def test_every_url_is_whole_on_one_line(body: str, values: list[str]) -> None:
    message = Message(title="t", body=body,
                      fields=tuple(Field(f"f{n}", value) for n, value in enumerate(values)))
    lines = render(message).splitlines()
    for text in (body, *values):
        for word in text.split():
            if word.startswith("https://"):
                assert any(word in line.split() for line in lines), word


def test_a_long_summary_is_shown_whole_and_wrapped_between_words() -> None:
    body = " ".join(f"word{n}" for n in range(400))
    out = render(Message(title="t", body=body))
    assert " ".join(out.split()[2:]) == body
    assert all(len(line) <= WIDTH for line in out.splitlines())
