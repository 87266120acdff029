"""Text normalization: plain text from HTML, folding, sentences and truncation."""

from __future__ import annotations

import pytest

from bot.text import fold, script, sentences, strip_html, truncate

# --- strip_html -----------------------------------------------------------------------------


def test_strip_html_removes_tags() -> None:
    assert strip_html('<b>Kim</b> met <a href="https://x.example/">Putin</a>') == "Kim met Putin"


def test_strip_html_keeps_a_korean_publication_in_angle_brackets() -> None:
    assert strip_html("<b>북한</b> 노동당 기관지 <로동신문>은 보도했다") == (
        "북한 노동당 기관지 <로동신문>은 보도했다"
    )


def test_strip_html_unescapes_entities() -> None:
    assert strip_html("Kim &amp; Putin &quot;allies&quot; &#8212; &lt;pact&gt;") == (
        'Kim & Putin "allies" — <pact>'
    )


def test_strip_html_turns_paragraphs_and_line_breaks_into_lines() -> None:
    assert strip_html("<p>First paragraph.</p><p>Second<br>line<br/>three</p>") == (
        "First paragraph.\nSecond\nline\nthree"
    )


def test_strip_html_drops_scripts_and_styles_with_their_content() -> None:
    markup = "<p>Text</p><script type='text/javascript'>var x = '<b>';</script>" \
        "<STYLE>p { color: red }</STYLE><p>More</p>"
    assert strip_html(markup) == "Text\nMore"


def test_strip_html_normalizes_whitespace() -> None:
    assert strip_html("  Kim\t\tmet \n\n  Putin&nbsp;&nbsp;today  ") == "Kim met\nPutin today"


def test_strip_html_drops_empty_lines() -> None:
    assert strip_html("<p>One</p><p>  </p><div></div><p>Two</p>") == "One\nTwo"


# --- fold -------------------------------------------------------------------------------------


def test_fold_ignores_case() -> None:
    assert fold("KCNA Reports") == fold("kcna reports") == "kcna reports"


def test_fold_drops_accents() -> None:
    assert fold("Rôdong") == "rodong"
    assert fold("Rôdong Sinmun") == fold("Rodong Sinmun")


def test_fold_keeps_korean_text_whole() -> None:
    assert fold("조선중앙통신") == "조선중앙통신"
    assert fold("북러 조약을 비준했다") == "북러 조약을 비준했다"


def test_fold_turns_russian_yo_into_ye() -> None:
    assert fold("ещё") == "еще"
    assert fold("Ёлка") == "елка"


def test_fold_lower_cases_cyrillic() -> None:
    assert fold("Путин и Ким") == "путин и ким"


# --- sentences --------------------------------------------------------------------------------


def test_sentences_split_on_a_full_stop_and_a_space() -> None:
    assert sentences("Kim met Putin. They signed a treaty.") == [
        "Kim met Putin.", "They signed a treaty."
    ]


def test_sentences_split_on_other_end_marks() -> None:
    assert sentences("Is it ratified? Yes! It is.") == ["Is it ratified?", "Yes!", "It is."]


def test_sentences_split_on_newlines() -> None:
    assert sentences("A headline\nA second line without a stop") == [
        "A headline", "A second line without a stop"
    ]


def test_sentences_do_not_split_n_korea() -> None:
    assert sentences("N. Korea sent troops to Kursk. Seoul said so.") == [
        "N. Korea sent troops to Kursk.", "Seoul said so."
    ]


def test_sentences_do_not_split_u_s() -> None:
    assert sentences("The U.S. condemned the pact. Moscow did not reply.") == [
        "The U.S. condemned the pact.", "Moscow did not reply."
    ]


def test_sentences_keep_a_closing_quote_with_its_sentence() -> None:
    assert sentences('"It is an alliance." Analysts agree.') == [
        '"It is an alliance."', "Analysts agree."
    ]


def test_sentences_of_blank_text_are_none() -> None:
    assert sentences("  \n ") == []


# --- truncate ---------------------------------------------------------------------------------

TEXT = "North Korea ratified the treaty with Russia on Tuesday"


def test_truncate_leaves_a_short_text_alone() -> None:
    assert truncate(TEXT, len(TEXT)) == TEXT
    assert truncate(TEXT, 200) == TEXT


@pytest.mark.parametrize("limit", [10, 20, 25, 33, 40, len(TEXT) - 1])
def test_truncate_fits_the_limit_including_the_ellipsis(limit: int) -> None:
    cut = truncate(TEXT, limit)
    assert len(cut) <= limit
    assert cut.endswith("…")


@pytest.mark.parametrize("limit", [20, 25, 33, 40, len(TEXT) - 1])
def test_truncate_cuts_at_a_word_boundary(limit: int) -> None:
    kept = truncate(TEXT, limit).removesuffix("…")
    assert TEXT.startswith(kept)
    assert TEXT[len(kept)] == " "


def test_truncate_cuts_inside_a_word_rather_than_keep_less_than_half() -> None:
    assert truncate("Comprehensive strategic partnership", 12) == "Comprehensi…"


def test_truncate_honours_a_longer_ellipsis() -> None:
    cut = truncate(TEXT, 30, ellipsis=" [...]")
    assert len(cut) <= 30
    assert cut.endswith(" [...]")
    assert TEXT.startswith(cut.removesuffix(" [...]"))


def test_truncate_to_no_more_than_the_ellipsis_just_cuts() -> None:
    assert truncate(TEXT, 1) == "N"


def test_truncate_drops_trailing_punctuation_before_the_ellipsis() -> None:
    assert truncate("Kim, Putin, Lavrov, Shoigu and others", 22) == "Kim, Putin, Lavrov…"


def test_truncate_keeps_a_word_that_ends_exactly_at_the_cut() -> None:
    assert truncate("alpha beta gamma", 11) == "alpha beta…"


def test_sentences_split_after_a_korean_declarative_ending_without_a_full_stop() -> None:
    text = "젤렌스키 대통령은 사상자가 발생했다고 밝혔습니다 이는 국정원이 밝힌 것보다 높습니다."
    assert sentences(text) == ["젤렌스키 대통령은 사상자가 발생했다고 밝혔습니다",
                               "이는 국정원이 밝힌 것보다 높습니다."]


def test_sentences_do_not_split_a_korean_quotative_ending() -> None:
    text = "국정원은 북한군이 이동했다고 밝혔다."
    assert sentences(text) == [text]


@pytest.mark.parametrize(("text", "expected"), [
    ("North Korea ratifies treaty", "latin"),
    ("북한, 조약 비준 (KCNA)", "hangul"),
    ("КНДР ратифицировала договор с РФ (KCNA, Reuters)", "cyrillic"),
    ("2024.11.12 — 12:00", ""),
])
def test_a_texts_script_is_that_of_most_of_its_letters(text: str, expected: str) -> None:
    assert script(text) == expected
