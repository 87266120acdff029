"""Matching: topics by feeds.yaml rules, treaty article references, troop figures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import terms
from bot.config import Config, Rule
from bot.match import Matcher, article_refs, troop_claims
from bot.models import Item
from bot.terms import TermSet, Text


def item(title: str, summary: str = "", feed: str = "Test") -> Item:
    return Item("g", "", title, summary, datetime(2024, 11, 12, tzinfo=UTC), feed, "en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The key is Article 4, which states", (4,)),
        ("Art. 4 of the pact", (4,)),
        ("Articles 3 and 4 of the treaty", (3, 4)),
        ("articles 3, 4 and 5", (3, 4, 5)),
        ("the fourth article obliges", (4,)),
        ("article four of the treaty", (4,)),
        ("조약 제4조는 자동군사개입을", (4,)),
        ("‘유사시 개입’ 북러조약 4조 발동", (4,)),
        ("статья 4 договора", (4,)),
        ("статьи 4 и 5 договора", (4, 5)),
        ("Article 22 says it enters into force", (22,)),
    ],
)
def test_article_references_in_every_form(text: str, expected: tuple[int, ...]) -> None:
    assert article_refs(text) == expected


def test_a_bare_korean_jo_after_the_treaty_is_an_article_but_money_is_not() -> None:
    assert article_refs("조약 체결 뒤 삼성이 4조 원을 투자했다") == ()



@pytest.mark.parametrize(
    "text",
    [
        "in accordance with Article 51 of the UN Charter",
        "Article 51 of the United Nations Charter",
        "It mirrors Article 1 of the 1961 South-North Korea treaty",
        "NATO's Article 5 guarantee",
        "Article 5 of the North Atlantic Treaty",
        "유엔헌장 제51조에 따라",
        "статья 51 Устава ООН",
        "Article 99 of the treaty",  # the treaty has 23
        "4조 원 규모의 투자",  # 4 trillion won, not an article
    ],
)
def test_other_documents_articles_are_not_ours(text: str) -> None:
    assert article_refs(text) == ()


def test_our_article_next_to_another_documents_is_kept() -> None:
    text = (
        "Article 4 of the new treaty mirrors Article 1 of the 1961 treaty, adding "
        "Article 51 of the United Nations Charter."
    )
    assert article_refs(text) == (4,)


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("Zelensky said 11,000 North Korean troops had been deployed.", 11000),
        ("Up to 12,000 North Korean soldiers are in Kursk.", 12000),
        ("North Korea has deployed around 10,000 troops to Russia.", 10000),
        ("북한군 1만1000명이 쿠르스크에 배치됐다.", 11000),
        ("국정원은 북한군 약 1만2000명이 파병됐다고 밝혔다.", 12000),
        ("Около 11 тысяч военных КНДР находятся в Курской области.", 11000),
        ("11 000 северокорейских военных прибыли.", 11000),
        ("Pyongyang sent 3,000 more troops, Seoul said.", 3000),
    ],
)
def test_troop_figures_in_every_language(text: str, figure: int) -> None:
    assert [c.figure for c in troop_claims(text, "Outlet")] == [figure]


@pytest.mark.parametrize(
    "text",
    [
        "Zelensky said about 50,000 enemy troops were engaged in the Kharkiv region.",
        "The Duma voted 397-0 for the treaty.",
        "North Korea fired 10 missiles; 2,000 people watched.",
        "Russia has 600,000 troops in Ukraine.",
    ],
)
def test_other_numbers_are_not_troop_figures(text: str) -> None:
    assert troop_claims(text, "Outlet") == ()


def test_both_figures_of_one_sentence_are_told_apart() -> None:
    text = (
        "Zelensky claimed that about 50,000 enemy troops were engaged in the Kharkiv region, "
        "and that 11,000 North Korean troops had been deployed there."
    )
    claims = troop_claims(text, "Outlet")
    assert [(c.figure, c.claimant) for c in claims] == [(11000, "Zelensky")]


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("South Korea's NIS says 10,000 North Korean troops are in Russia.", "NIS"),
        ("The Pentagon said 11,000 North Korean soldiers are in Kursk.", "Pentagon"),
        ("Some 12,000 North Korean troops are in Russia, KCNA said.", "KCNA"),
        ("Some 12,000 North Korean troops are fighting.", "Outlet"),
    ],
)
def test_troop_claimant_is_who_the_sentence_names_else_the_outlet(
    text: str, claimant: str
) -> None:
    assert troop_claims(text, "Outlet")[0].claimant == claimant


def test_topics_follow_the_config_rules_with_the_terms_that_matched(config: Config) -> None:
    analysis = Matcher(config.topics, {}).analyse(
        item("North Korea ratifies defence treaty with Russia",
             "KCNA said the deal was ratified, as 10,000 North Korean troops are in Kursk.")
    )
    topics = {t.topic: t.terms for t in analysis.topics}
    assert set(topics) == {"treaty", "troops", "kcna"}
    assert "kcna" in [t.casefold() for t in topics["kcna"]]


def test_topics_match_korean_with_particles_and_russian_inflections(config: Config) -> None:
    matcher = Matcher(config.topics, {})
    ko = matcher.analyse(item("북한, 북러 조약을 비준…조선중앙통신 보도"))
    ru = matcher.analyse(
        item("КНДР ратифицировала договор о всеобъемлющем стратегическом партнерстве")
    )
    assert {"treaty", "kcna"} <= set(ko.topic_names)
    assert "treaty" in ru.topic_names


def test_matching_ignores_case_and_accents() -> None:
    matcher = Matcher({"kcna": Rule(any=("Rodong Sinmun",))}, {})
    assert matcher.analyse(item("RÔDONG SINMUN says")).topic_names == ("kcna",)


def test_word_boundaries_stop_partial_words() -> None:
    matcher = Matcher({"kcna": Rule(any=("KCNA",))}, {})
    assert matcher.analyse(item("KCNAWatch mirror")).topic_names == ()


def test_a_latin_name_with_a_korean_particle_is_the_name() -> None:
    matcher = Matcher({"kcna": Rule(any=("KCNA",))}, {})
    assert matcher.analyse(item("북한 통신사 KCNA가 보도한 내용")).topic_names == ("kcna",)


def test_none_terms_veto_a_topic() -> None:
    matcher = Matcher({"troops": Rule(any=("troops",), none=("South Korean troops",))}, {})
    assert matcher.analyse(item("South Korean troops drill")).topic_names == ()


def test_all_terms_must_all_match() -> None:
    matcher = Matcher({"treaty": Rule(all=("treaty", "russia"))}, {})
    assert matcher.analyse(item("a treaty")).topic_names == ()
    assert matcher.analyse(item("a treaty with Russia")).topic_names == ("treaty",)


def test_a_feed_can_give_all_its_items_a_topic() -> None:
    matcher = Matcher({"kcna": Rule(any=("KCNA",))}, {"KCNA Watch": ("kcna",)})
    analysis = matcher.analyse(item("Kim visits a farm", feed="KCNA Watch"))
    assert analysis.topics[0].terms == ("feed:KCNA Watch",)


def test_terms_are_found_alike_when_the_memory_of_words_overflows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(terms, "_WORDS_REMEMBERED", 2)
    found = TermSet.build(["договор*", "north korea*", "조약", "state media"])
    texts = ["Договора с КНДР нет", "North Korean state media", "조약을 비준했다",
             "Договором North Koreans", "state of the media"]
    assert [found.found(Text.of(t)) for t in texts] * 2 == [
        found.found(Text.of(t)) for t in texts * 2] == [
        ["договор*"], ["north korea*", "state media"], ["조약"], ["договор*", "north korea*"],
        []] * 2
