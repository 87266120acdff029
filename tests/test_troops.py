"""Troop figures: the number in every form, its qualifier, its kind, and who claims it."""

from __future__ import annotations

import pytest

from bot.models import TroopClaim
from bot.troops import troop_claims


def claims(text: str) -> tuple[TroopClaim, ...]:
    return troop_claims(text, "Outlet")


def figures(text: str) -> list[int]:
    return [c.figure for c in claims(text)]


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("국정원은 북한군 1천500명이 러시아로 이동했다고 밝혔다.", 1500),
        ("국정원은 북한군 1만2천 명이 러시아에 있다고 밝혔다.", 12000),
        ("북한군 천5백여 명이 러시아로 이동했다.", 1500),
        ("북한군 1만1000여 명이 러시아 쿠르스크에 배치됐다.", 11000),
        ("국정원은 연말까지 만여 명이 러시아로 파병될 것으로 예상했다.", 10000),
    ],
)
def test_korean_compound_numerals_are_read_whole(text: str, figure: int) -> None:
    assert figures(text) == [figure]


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("В Курской области находятся 12 тысяч военных КНДР.", 12000),
        ("КНДР направила в Россию 1,5 тыс. военнослужащих.", 1500),
        ("КНДР отправит в Россию пять тысяч военных строителей.", 5000),
        ("КНДР направит в Россию тысячу саперов.", 1000),
        ("Около 11 000 северокорейских военных находятся в Курской области.", 11000),
    ],
)
def test_russian_figures_in_digits_and_words(text: str, figure: int) -> None:
    assert figures(text) == [figure]


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("The NIS says North Korea sent some three-thousand troops to Russia.", 3000),
        ("Some 300 North Korean soldiers were killed and roughly 27-hundred wounded in "
         "Russia.", 2700),
    ],
)
def test_english_number_words(text: str, figure: int) -> None:
    assert figure in figures(text)


def test_tens_of_thousands_is_no_figure() -> None:
    assert figures("В Россию прибыли десятки тысяч военных КНДР.") == []


def test_a_bare_plural_thousands_is_no_figure() -> None:
    assert figures("КНДР отправит в Россию тысячи военнослужащих.") == []


# --- non-combat personnel --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("North Korea will send 1,000 deminers and 5,000 military builders to Russia.", 5000),
        ("North Korea has sent 1,000 sappers to Russia's Kursk region.", 1000),
        ("Около тысячи северокорейских саперов перебросили в Россию.", 1000),
        ("КНДР направит в Курскую область пять тысяч военных строителей.", 5000),
        ("국정원은 북한 공병 1천여 명이 러시아에서 지뢰 제거 임무를 수행 중이라고 밝혔다.", 1000),
    ],
)
def test_builders_deminers_and_sappers_are_counted(text: str, figure: int) -> None:
    assert figure in figures(text)


# --- kinds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Some 300 North Korean soldiers have been killed fighting for Russia, the NIS said.",
        "Ukraine captured 2 North Korean soldiers in Russia's Kursk region.",
        "국정원은 러시아에 파병된 북한군 사상자가 3000명을 넘었다고 밝혔다.",
        "ВСУ взяли в плен двух солдат КНДР в Курской области.",
        "North Korean troop fatalities and injuries exceed 3,000 in Ukraine, Seoul says.",
    ],
)
def test_casualties_are_their_own_kind(text: str) -> None:
    assert [c.kind for c in claims(text)] == ["casualties"]


@pytest.mark.parametrize(
    "text",
    [
        "North Korea plans to send 10,000 more troops to Russia, the NIS said.",
        "국정원은 북한이 연말까지 러시아에 1만여 명의 병력을 보낼 것으로 예상했다.",
        "КНДР направит в Россию 5 тысяч военных строителей, заявил Шойгу.",
    ],
)
def test_figures_still_to_be_sent_are_planned(text: str) -> None:
    assert [c.kind for c in claims(text)] == ["planned"]


def test_a_sentence_can_hold_a_deployed_and_a_planned_figure() -> None:
    text = ("North Korea has sent 1,500 more soldiers to Russia, Seoul's spy agency told "
            "lawmakers, with 10,000 troops expected to be deployed by December.")
    assert [(c.figure, c.kind) for c in claims(text)] == [(1500, "deployed"),
                                                          (10000, "planned")]


# --- qualifiers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("North Korea has sent about 10,000 troops to Russia, the Pentagon said.", "about"),
        ("Up to 12,000 North Korean soldiers are in Russia, NATO said.", "up to"),
        ("More than 10,000 North Korean troops are in Kursk, Zelensky said.", "more than"),
        ("At least 11,000 North Korean troops are in Russia, the Pentagon said.", "at least"),
        ("North Korea sent an additional 3,000 troops to Russia, the JCS said.", "additional"),
        ("국정원은 북한군 약 3000명이 러시아로 이동했다고 밝혔다.", "about"),
        ("국정원은 북한군 1만 명 이상이 러시아에 있다고 밝혔다.", "more than"),
        ("국정원은 북한이 3000여 명을 추가로 러시아에 보냈다고 밝혔다.", "additional"),
        ("Около 11 тысяч военных КНДР находятся в Курской области.", "about"),
        ("Более 10 тысяч военных КНДР находятся в России.", "more than"),
        ("КНДР отправила в Россию еще 5000 военных.", "additional"),
    ],
)
def test_the_qualifier_is_kept(text: str, qualifier: str) -> None:
    assert [c.qualifier for c in claims(text)] == [qualifier]


def test_a_figure_without_a_qualifier_has_none() -> None:
    assert claims("Zelensky said 11,000 North Korean troops are in Kursk.")[0].qualifier is None


# --- one claim per figure ---------------------------------------------------------------------


def test_a_figure_repeated_in_title_and_summary_is_one_claim_with_the_stronger_kind() -> None:
    text = ("김정은, 러시아에 공병 6천명 보낸다\n북한이 러시아 쿠르스크에 공병 6000명을 "
            "파견하기로 결정했다고 쇼이구 서기가 밝혔다.")
    assert [(c.figure, c.kind) for c in claims(text)] == [(6000, "planned")]


def test_an_increment_stays_apart_from_a_total_of_another_kind() -> None:
    text = ("КНДР направила в Россию около пяти тысяч военных строителей. Еще пять тысяч "
            "военных направят позже, сообщила разведка Южной Кореи.")
    assert sorted((c.qualifier or "", c.kind) for c in claims(text)) == [
        ("about", "deployed"), ("additional", "planned")]


# --- claimants ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("According to the NIS, North Korea has sent 12,000 troops to Russia.", "NIS"),
        ("The Pentagon said 11,000 North Korean soldiers are in Kursk.", "Pentagon"),
        ("South Korea's military estimates that the North has sent 14,000 troops to Russia.",
         "South Korean military (JCS)"),
        ("국정원은 북한군 1만2000명이 러시아에 파병됐다고 밝혔다.", "NIS"),
        ('젤렌스키 "북한군 1만1000명 쿠르스크에 배치"', "Zelensky"),
        ("По данным южнокорейской разведки, в Россию прибыли 12 тысяч военных КНДР.", "NIS"),
        ("Зеленский сообщил, что в Курской области находятся 11 тысяч военных КНДР.",
         "Zelensky"),
        ("N. Korea decides to send 12,000 troops to Russia: NIS", "NIS"),
    ],
)
def test_the_claimant_is_who_the_sentence_credits(text: str, claimant: str) -> None:
    assert claims(text)[0].claimant == claimant


def test_a_party_the_sentence_negates_is_not_the_claimant() -> None:
    text = ("The vote came after South Korea's National Intelligence Service said Pyongyang "
            "had decided to send about 12,000 troops to Russia, a claim the Kremlin has not "
            "confirmed.")
    assert claims(text)[0].claimant == "NIS"


def test_a_country_that_is_only_an_object_is_not_the_claimant() -> None:
    text = "North Korea has sent more than 10,000 troops to support Russia's war against Ukraine."
    assert claims(text)[0].claimant == "Outlet"


def test_a_negated_party_in_russian_is_not_the_claimant() -> None:
    text = ("По данным разведки Южной Кореи, КНДР отправила 12 тысяч военных, что Кремль не "
            "подтвердил.")
    assert claims(text)[0].claimant == "NIS"


def test_the_outlet_claims_what_nobody_is_credited_with() -> None:
    text = "북한은 러시아에 1만여 명의 병력을 파병한 것으로 알려졌다."
    assert claims(text)[0].claimant == "Outlet"


def test_the_claimant_carries_over_to_the_next_sentence() -> None:
    text = ("North Korea will send troops to Russia, the NIS said on Friday. According to the "
            "spy agency, the North has decided to dispatch 12,000 troops.")
    assert claims(text)[0].claimant == "NIS"


def test_a_sentence_crediting_this_credits_the_sentence_before() -> None:
    text = ("Северная Корея с сентября направила в Россию около 5000 военных строителей. "
            "Об этом сообщил Зеленский.")
    assert claims(text)[0].claimant == "Zelensky"


def test_coordinated_parties_share_their_verb() -> None:
    text = ("South Korea, Ukraine and the United States say North Korea has deployed around "
            "10,000 troops to Russia.")
    assert claims(text)[0].claimant == "South Korea, Ukraine, US"


def test_a_country_is_its_body_named_in_the_same_report() -> None:
    text = ("Seoul says 300 North Korean soldiers were killed fighting Ukraine\nThe NIS told "
            "lawmakers about the losses in a closed-door briefing.")
    assert claims(text)[0].claimant == "NIS"


def test_a_treaty_sentence_lends_no_claimant_to_a_figure() -> None:
    text = ("The treaty entered into force, KCNA said. North Korea is believed to have sent "
            "more than 10,000 troops to Russia.")
    assert claims(text)[0].claimant == "Outlet"


# --- not figures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Zelensky said about 50,000 enemy troops were engaged near Kursk, North Korea aside.",
        "Russia has 600,000 troops in Ukraine, while North Korea watches.",
        "북한군 30여명이 군사분계선을 넘었다가 돌아갔다.",
    ],
)
def test_other_forces_and_the_inter_korean_border_give_no_figure(text: str) -> None:
    assert figures(text) == []
