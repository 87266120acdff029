"""Treaty data loading, article references, official text and phrasing citations."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.official_text import OfficialTextError, load_official_text, parse_official_text
from bot.treaty import (
    DEFAULT_PATH,
    ArticleRefError,
    Treaty,
    TreatyDataError,
    TreatyIndex,
    load_treaty,
    parse_article_ref,
)

SAMPLE = Path(__file__).parent / "data" / "official_text_sample.txt"


@pytest.fixture(scope="module")
def treaty() -> Treaty:
    return load_treaty()


@pytest.fixture(scope="module")
def index(treaty: Treaty) -> TreatyIndex:
    return TreatyIndex(treaty)


def _raw() -> dict[str, Any]:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "treaty.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _data_error(path: Path) -> str:
    with pytest.raises(TreatyDataError) as info:
        load_treaty(path)
    message = str(info.value)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- data file


def test_default_data_has_preamble_and_23_articles(treaty: Treaty) -> None:
    assert [a.number for a in treaty.articles] == list(range(24))
    assert treaty.articles[0].title == "Preamble"


def test_signature_date_is_19_june_with_18_june_discrepancy_noted(treaty: Treaty) -> None:
    assert treaty.signed == datetime.date(2024, 6, 19)
    assert "18 June" in treaty.signed_note


def test_treaty_is_in_force_since_4_december_2024(treaty: Treaty) -> None:
    assert treaty.entry_into_force == datetime.date(2024, 12, 4)
    assert treaty.status == "in force since 2024-12-04"


def test_names_cover_both_english_orders_korean_and_russian(treaty: Treaty) -> None:
    assert treaty.names["en"].endswith("and the Russian Federation")
    assert treaty.names["en_russia_first"].endswith("Democratic People's Republic of Korea")
    assert "조약" in treaty.names["ko"]
    assert treaty.names["ru"].startswith("Договор")


def test_timeline_is_chronological_from_announcement_to_publication(treaty: Treaty) -> None:
    dates = [e.date for e in treaty.timeline]
    assert dates == sorted(dates)
    assert datetime.date(2024, 12, 4) in dates
    assert dates[-1] == datetime.date(2024, 12, 5)


def test_every_article_has_a_known_status(treaty: Treaty) -> None:
    assert {a.status for a in treaty.articles} <= {"solid", "partial", "weak", "not_found"}


def test_articles_whose_content_was_not_found_say_so_in_a_note(treaty: Treaty) -> None:
    not_found = [a for a in treaty.articles if a.status == "not_found"]
    assert {a.number for a in not_found} == {9, 13, 14, 19, 21}
    assert all(a.note and not a.phrasings for a in not_found)


def test_probable_content_of_article_9_is_marked_unconfirmed(treaty: Treaty) -> None:
    assert "Unconfirmed" in treaty.article(9).note


def test_solid_and_partial_articles_have_korean_and_russian_keywords(treaty: Treaty) -> None:
    for article in treaty.articles:
        if article.status in ("solid", "partial"):
            assert any(re.search("[가-힣]", k) for k in article.keywords), article.number
            assert any(re.search("[а-яА-Я]", k) for k in article.keywords), article.number


def test_latin_and_cyrillic_phrasings_have_at_least_two_words(treaty: Treaty) -> None:
    for article in treaty.articles:
        for phrase in article.phrasings:
            if not re.search("[가-힣]", phrase):
                assert len(phrase.split()) >= 2, phrase


def test_article_lookup_returns_that_article(treaty: Treaty) -> None:
    assert treaty.article(4).number == 4
    assert "state of war" in treaty.article(4).summary


def test_article_lookup_out_of_range_raises_article_ref_error(treaty: Treaty) -> None:
    with pytest.raises(ArticleRefError, match="Article 24 does not exist"):
        treaty.article(24)


# --------------------------------------------------------------------------- bad data files


def test_missing_article_is_reported_by_number(tmp_path: Path) -> None:
    data = _raw()
    data["articles"] = [a for a in data["articles"] if a["number"] != 7]
    message = _data_error(_write(tmp_path, data))
    assert message.endswith(
        "treaty.yaml: articles: missing article number(s) 7 (expected 0..23 once each)"
    )


def test_duplicate_article_number_names_the_entry(tmp_path: Path) -> None:
    data = _raw()
    data["articles"][8]["number"] = 7
    message = _data_error(_write(tmp_path, data))
    assert "treaty.yaml: articles[8].number: duplicate article 7" in message


def test_article_past_the_last_is_rejected(tmp_path: Path) -> None:
    data = _raw()
    data["articles"][23]["number"] = 30
    assert "articles[23].number: 30 is past the last article" in _data_error(_write(tmp_path, data))


def test_bad_date_names_the_timeline_entry(tmp_path: Path) -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace(
        "date: 2024-06-17", "date: 2024-13-45", 1
    )
    path = tmp_path / "treaty.yaml"
    path.write_text(text, encoding="utf-8")
    message = _data_error(path)
    assert message.endswith(
        "treaty.yaml: timeline[0].date: bad date '2024-13-45' (expected YYYY-MM-DD)"
    )


def test_bad_signature_date_names_the_metadata_field(tmp_path: Path) -> None:
    data = _raw()
    data["metadata"]["signed"] = "19 June 2024"
    assert "treaty.yaml: metadata.signed: bad date" in _data_error(_write(tmp_path, data))


def test_missing_summary_names_the_article_entry(tmp_path: Path) -> None:
    data = _raw()
    del data["articles"][5]["summary"]
    assert _data_error(_write(tmp_path, data)).endswith("treaty.yaml: articles[5].summary: missing")


def test_blank_summary_is_reported_as_empty(tmp_path: Path) -> None:
    data = _raw()
    data["articles"][5]["summary"] = "   "
    assert _data_error(_write(tmp_path, data)).endswith("articles[5].summary: empty")


def test_unknown_status_lists_the_allowed_values(tmp_path: Path) -> None:
    data = _raw()
    data["articles"][3]["status"] = "maybe"
    message = _data_error(_write(tmp_path, data))
    assert "articles[3].status: 'maybe' is not one of solid, partial, weak, not_found" in message


def test_misspelled_key_is_rejected(tmp_path: Path) -> None:
    data = _raw()
    data["articles"][2]["sumary"] = data["articles"][2].pop("summary")
    message = _data_error(_write(tmp_path, data))
    assert "articles[2].summary: missing" in message


def test_not_found_article_may_not_claim_phrasings(tmp_path: Path) -> None:
    data = _raw()
    data["articles"][13]["phrasings"] = ["people-to-people exchanges"]
    assert "articles[13].phrasings: an article whose content was not found" in _data_error(
        _write(tmp_path, data)
    )


def test_phrasing_shared_by_two_articles_is_rejected(tmp_path: Path) -> None:
    data = _raw()
    data["articles"][5]["phrasings"].append("State of War")
    message = _data_error(_write(tmp_path, data))
    n = len(data["articles"][5]["phrasings"]) - 1
    assert f"articles[5].phrasings[{n}]: 'State of War' is also a phrasing of article 4" in message


def test_single_word_phrasing_is_rejected_as_not_distinctive(tmp_path: Path) -> None:
    data = _raw()
    data["articles"][4]["phrasings"].append("immediately")
    assert "too short to attribute a news text" in _data_error(_write(tmp_path, data))


def test_invalid_yaml_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "treaty.yaml"
    path.write_text("metadata:\n  names: [unclosed\n", encoding="utf-8")
    assert re.search(r"treaty\.yaml: line \d+, column \d+: invalid YAML", _data_error(path))


def test_missing_file_is_a_treaty_data_error(tmp_path: Path) -> None:
    assert "cannot read" in _data_error(tmp_path / "absent.yaml")


# --------------------------------------------------------------------------- article references

ACCEPTED = [
    ("4", 4),
    ("IV", 4),
    ("iv", 4),
    ("fourth", 4),
    ("4th", 4),
    ("article 4", 4),
    ("Article IV", 4),
    ("Art. 4", 4),
    ("art 4", 4),
    ("ARTICLE FOUR", 4),
    ("제4조", 4),
    ("제 4 조", 4),
    ("4조", 4),
    ("статья 4", 4),
    ("Статья 4", 4),
    ("статьи 4", 4),
    ("ст. 4", 4),
    ("статья четвертая", 4),
    ("четвёртая статья", 4),
    ("1st", 1),
    ("first", 1),
    ("second", 2),
    ("third", 3),
    ("XXIII", 23),
    ("twenty-third", 23),
    ("twenty three", 23),
    ("23", 23),
    ("0", 0),
    ("preamble", 0),
    ("The Preamble", 0),
    ("전문", 0),
    ("преамбула", 0),
    ("преамбулы", 0),
    ("  article 16. ", 16),
    ("last", 23),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_parse_article_ref_accepts_form(text: str, expected: int, treaty: Treaty) -> None:
    assert parse_article_ref(text, treaty) == expected


def test_parse_article_ref_out_of_range_message(treaty: Treaty) -> None:
    with pytest.raises(ArticleRefError) as info:
        parse_article_ref("30", treaty)
    assert str(info.value) == (
        "Article 30 does not exist: the treaty has a preamble (0) and articles 1–23."
    )
    assert info.value.not_a_number is False


def test_parse_article_ref_out_of_range_in_roman_and_korean(treaty: Treaty) -> None:
    for text in ("XXX", "제24조", "article 99"):
        with pytest.raises(ArticleRefError, match="does not exist") as info:
            parse_article_ref(text, treaty)
        assert info.value.not_a_number is False


@pytest.mark.parametrize("text", ["sanctions", "what does article 4 say", "artificial", "", "  "])
def test_parse_article_ref_marks_non_references_so_callers_can_ask(
    text: str, treaty: Treaty
) -> None:
    with pytest.raises(ArticleRefError) as info:
        parse_article_ref(text, treaty)
    assert info.value.not_a_number is True


# --------------------------------------------------------------------------- official text


def test_official_text_sample_parses_preamble_and_23_articles() -> None:
    blocks = load_official_text(SAMPLE)
    assert sorted(blocks) == list(range(24))


def test_official_text_keeps_paragraph_breaks_and_skips_comments() -> None:
    preamble = load_official_text(SAMPLE)[0]
    assert preamble.count("\n\n") == 1
    assert "SYNTHETIC" not in preamble


def test_official_text_accepts_russian_and_korean_headers() -> None:
    blocks = load_official_text(SAMPLE)
    assert "article 7;" in blocks[7]
    assert "article 12;" in blocks[12]


def test_load_treaty_merges_official_text_into_articles() -> None:
    treaty = load_treaty(official_text=SAMPLE)
    assert "quokkaquorum" in (treaty.article(16).official_text or "")
    assert load_treaty().article(16).official_text is None


def test_index_searches_official_text_when_present() -> None:
    index = TreatyIndex(load_treaty(official_text=SAMPLE))
    assert index.ask("quokkaquorum")[0][0].number == 16


def _sample_lines() -> list[str]:
    return SAMPLE.read_text(encoding="utf-8").splitlines()


def _official_error(tmp_path: Path, lines: list[str]) -> OfficialTextError:
    path = tmp_path / "official.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(OfficialTextError) as info:
        load_official_text(path)
    assert str(info.value).startswith(f"{path}:{info.value.line}: ")
    return info.value


def test_official_text_with_too_few_articles_reports_what_is_missing(tmp_path: Path) -> None:
    lines = _sample_lines()
    cut = lines.index("== Article 22 ==")
    error = _official_error(tmp_path, lines[:cut])
    assert error.line == cut
    assert error.problem.startswith("file ends after Article 21: Article 22, Article 23 missing")


def test_official_text_with_duplicate_header_reports_both_lines(tmp_path: Path) -> None:
    lines = _sample_lines()
    first = lines.index("== Article 4 ==")
    lines[first + 3 : first + 3] = ["== Article 4 ==", "Doubled placeholder.", ""]
    error = _official_error(tmp_path, lines)
    assert error.line == first + 4
    assert error.problem == f"duplicate header for Article 4 (first at line {first + 1})"


def test_official_text_with_text_before_first_header_reports_that_line(tmp_path: Path) -> None:
    lines = ["# a comment is fine", "", "Stray opening words.", *_sample_lines()]
    error = _official_error(tmp_path, lines)
    assert error.line == 3
    assert error.problem.startswith("text before the first header")


def test_official_text_with_a_gap_names_the_expected_article(tmp_path: Path) -> None:
    lines = _sample_lines()
    start = lines.index("== Article 5 ==")
    del lines[start : start + 3]
    error = _official_error(tmp_path, lines)
    assert error.line == start + 1
    assert error.problem.startswith("Article 6 found where Article 5 was expected")


def test_official_text_with_empty_block_reports_its_header(tmp_path: Path) -> None:
    lines = _sample_lines()
    start = lines.index("== Article 3 ==")
    del lines[start + 1]
    error = _official_error(tmp_path, lines)
    assert (error.line, error.problem) == (start + 1, "Article 3 has no text")


def test_official_text_with_article_24_is_out_of_range(tmp_path: Path) -> None:
    lines = [*_sample_lines(), "== Article 24 ==", "Extra."]
    assert "Article 24 is out of range" in _official_error(tmp_path, lines).problem


def test_official_text_with_mistyped_fenced_header_is_an_error(tmp_path: Path) -> None:
    lines = _sample_lines()
    i = lines.index("== Article 9 ==")
    lines[i] = "== Artcle 9 =="
    error = _official_error(tmp_path, lines)
    assert (error.line, error.problem[:22]) == (i + 1, "unrecognised header '=")


def test_official_text_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "official.txt"
    path.write_bytes(b"== Preamble ==\n" + "Статья".encode("cp1251"))
    with pytest.raises(OfficialTextError, match=r":2: not valid UTF-8"):
        load_official_text(path)


def test_official_text_without_headers_is_an_error() -> None:
    with pytest.raises(OfficialTextError, match=r"^x\.txt:1: no headers found"):
        parse_official_text("", file="x.txt")


def test_load_treaty_with_bad_official_text_raises_official_text_error(tmp_path: Path) -> None:
    path = tmp_path / "official.txt"
    path.write_text("== Preamble ==\nOnly a preamble.\n", encoding="utf-8")
    with pytest.raises(OfficialTextError, match="missing"):
        load_treaty(official_text=path)


# --------------------------------------------------------------------------- phrasing citations


def test_assistance_without_delay_in_news_points_to_article_4(index: TreatyIndex) -> None:
    text = (
        "It obligates both states to provide military assistance \u201cwithout delay\u201d in "
        "the case of an attack on the other"
    )
    assert index.phrasing_citations(text) == {4}


def test_consultations_on_a_direct_threat_point_to_article_3_not_4(index: TreatyIndex) -> None:
    text = (
        "If a direct threat of armed aggression arises against either side, the two will "
        "hold consultations without delay to coordinate their positions."
    )
    assert index.phrasing_citations(text) == {3}


def test_without_delay_alone_points_to_no_article(index: TreatyIndex) -> None:
    assert index.phrasing_citations("Putin said the talks were held without delay.") == set()


def test_state_of_war_matches_case_insensitively_and_by_whole_words(index: TreatyIndex) -> None:
    assert index.phrasing_citations("Placed in a STATE OF WAR by an armed attack") == {4}
    assert index.phrasing_citations("The estate of warfare was sold.") == set()


def test_article_number_alone_is_not_a_phrasing_citation(index: TreatyIndex) -> None:
    assert index.phrasing_citations("Putin pointed to Article 4 of the treaty.") == set()


def test_korean_article_4_wording_with_any_spacing_points_to_article_4(
    index: TreatyIndex,
) -> None:
    text = "타방은 지체없이 자기가 보유하고 있는 모든 수단으로 군사적 및 기타 원조를 제공한다"
    assert index.phrasing_citations(text) == {4}
    assert index.phrasing_citations("이른바 자동 군사 개입 조항") == {4}


def test_inflected_russian_wording_points_to_article_4(index: TreatyIndex) -> None:
    text = "другая сторона незамедлительно окажет военную и иную помощь всеми имеющимися средствами"
    assert index.phrasing_citations(text) == {4}


def test_unilateral_coercive_measures_point_to_article_16(index: TreatyIndex) -> None:
    assert index.phrasing_citations("Both oppose unilateral coercive measures.") == {16}


def test_news_paragraph_citing_several_clauses_finds_each(index: TreatyIndex) -> None:
    text = (
        "The agreement also commits to establishing a negotiation channel in response to "
        "direct threats and to joint measures to bolster defense capabilities."
    )
    assert index.phrasing_citations(text) == {3, 8}


# --------------------------------------------------------------------------- ask basics


def test_ask_puts_an_explicitly_named_article_first(index: TreatyIndex) -> None:
    assert index.ask("what does article 16 say about trade")[0][0].number == 16


def test_ask_corrects_a_misspelled_word(index: TreatyIndex) -> None:
    assert index.ask("ratifcation")[0][0].number == 22


def test_ask_on_gibberish_returns_nothing(index: TreatyIndex) -> None:
    assert index.ask("zzqx wvvk") == []
