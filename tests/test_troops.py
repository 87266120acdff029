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


def test_a_total_of_losses_is_casualties_past_a_long_noun_phrase() -> None:
    (claim,) = claims("According to preliminary estimates, the number of killed and wounded "
                      "North Korean occupiers in Kursk has already exceeded 3,000 people.")
    assert (claim.figure, claim.qualifier, claim.kind) == (3000, "more than", "casualties")


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


@pytest.mark.parametrize(
    "text",
    [
        "국정원은 북한군이 다시 투입됐다고 밝혔다. 규모는 1천여 명에서 많게는 약 3천 명으로 "
        "추정된다.",
        "The NIS briefed lawmakers on Friday. About 3,000 more North Korean troops are estimated "
        "to have arrived in Russia.",
    ],
)
def test_an_estimate_with_no_estimator_is_the_outlets(text: str) -> None:
    assert claims(text)[-1].claimant == "Outlet"


def test_a_figure_that_reports_indicate_is_the_outlets() -> None:
    text = ("The soldiers were handed over to the Security Service of Ukraine. Reports indicate "
            "that around 11,000 North Korean troops are deployed in the Kursk region.")
    assert claims(text)[0].claimant == "Outlet"


def test_the_claimant_carries_over_to_the_next_sentence() -> None:
    text = ("North Korea will send troops to Russia, the NIS said on Friday. According to the "
            "spy agency, the North has decided to dispatch 12,000 troops.")
    assert claims(text)[0].claimant == "NIS"


def test_a_sentence_crediting_this_credits_the_sentence_before() -> None:
    text = ("Северная Корея с сентября направила в Россию около 5000 военных строителей. "
            "Об этом сообщил Зеленский.")
    assert claims(text)[0].claimant == "Zelensky"


def test_coordinated_parties_share_their_verb_and_the_first_named_is_the_claimant() -> None:
    text = ("South Korea, Ukraine and the United States say North Korea has deployed around "
            "10,000 troops to Russia.")
    assert claims(text)[0].claimant == "South Korea"


def test_a_country_is_its_body_named_in_the_same_report() -> None:
    text = ("Seoul says 300 North Korean soldiers were killed fighting Ukraine\nThe NIS told "
            "lawmakers about the losses in a closed-door briefing.")
    assert claims(text)[0].claimant == "NIS"


def test_a_treaty_sentence_lends_no_claimant_to_a_figure() -> None:
    text = ("The treaty entered into force, KCNA said. North Korea is believed to have sent "
            "more than 10,000 troops to Russia.")
    assert claims(text)[0].claimant == "Outlet"


@pytest.mark.parametrize(
    "text",
    [
        "우크라이나 보안국이 쿠르스크에서 생포한 북한군 2명의 심문 영상을 공개했다.",
        "Служба безопасности Украины сообщила, что взяла в плен двух солдат КНДР.",
    ],
)
def test_the_sbu_is_named_in_korean_and_russian(text: str) -> None:
    assert claims(text)[0].claimant == "SBU"


def test_north_korea_having_sent_its_troops_is_the_outlets_background_not_a_neighbours() -> None:
    text = ("Kim paid tribute to nine soldiers killed there, the Korean Central News Agency "
            "reported. Pyongyang sent about 1,000 engineer troops to Kursk in August.")
    assert [(c.figure, c.claimant) for c in claims(text)] == [(9, "KCNA"), (1000, "Outlet")]


def test_background_is_the_outlets_even_when_the_text_names_a_source_of_its_own() -> None:
    text = ("Nine soldiers died there, according to the human rights group Gyeore-eol Nation "
            "United. Pyongyang sent about 1,000 engineer troops to Kursk in August.")
    assert [(c.figure, c.claimant) for c in claims(text)] == [
        (9, "Gyeore-eol Nation United"), (1000, "Outlet")]


def test_a_neighbours_party_is_still_lent_to_a_figure_it_may_estimate() -> None:
    text = ("The NIS briefed lawmakers on Wednesday. About 1,000 North Korean engineer troops "
            "are in Kursk.")
    assert claims(text)[0].claimant == "NIS"


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("Two North Korean prisoners of war held in Ukraine have asked to resettle in South "
         "Korea, according to the human rights group Gyeore-eol Nation United.",
         "Gyeore-eol Nation United"),
        ("North Korea has lost 4,700 soldiers in Kursk, according to the Royal United "
         "Services Institute.", "Royal United Services Institute"),
        ("Об этом сообщает «Газета.Ru» со ссылкой на Reuters. В боях под Курском погибли "
         "около 600 солдат КНДР.", "Reuters"),
    ],
)
def test_a_source_outside_the_party_table_is_named_as_written(text: str, claimant: str
                                                               ) -> None:
    assert claims(text)[0].claimant == claimant


def test_a_modifier_before_an_unnamed_source_is_no_name() -> None:
    text = ("Two North Korean prisoners of war held in Ukraine want to defect, according to a "
            "South Korean lawmaker who met them.")
    assert claims(text)[0].claimant == "South Korea"


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("Two North Korean prisoners of war in Ukraine want to defect, according to a South "
         "Korean lawmaker who interviewed them. People Power Party Rep. Yu Yong-weon met the "
         "two soldiers on Tuesday.", "Yu Yong-weon"),
        ("Two North Korean prisoners of war in Ukraine asked to be brought to Seoul, an "
         "activist said Friday. Jang Se-yul, head of a defectors' group, disclosed the "
         "meeting.", "Jang Se-yul"),
        ("Two North Korean prisoners of war held in Ukraine want to live in Seoul, a human "
         "rights organisation told AFP. The film that the organisation, Gyeore-eol Nation "
         "United, helped coordinate will air soon.", "Gyeore-eol Nation United"),
    ],
)
def test_a_speaker_named_by_role_is_the_name_the_next_sentence_gives(text: str,
                                                                     claimant: str) -> None:
    assert claims(text)[0].claimant == claimant


def test_a_country_opening_the_next_sentence_is_no_speakers_name() -> None:
    text = ("Two North Korean prisoners of war in Ukraine want to defect, an activist said. "
            "North Korea, which denies sending troops, made no comment.")
    assert claims(text)[0].claimant == "Outlet"


def test_a_party_of_the_table_outranks_the_outlet_passing_it_on() -> None:
    text = ("Zelensky said 11,000 North Korean soldiers are in the region, News.Az reports "
            "citing CNN.")
    assert claims(text)[0].claimant == "Zelensky"


@pytest.mark.parametrize(
    "text",
    [
        "The Pentagon said, citing Seoul, that 11,000 North Korean soldiers are in Kursk.",
        "Пентагон со ссылкой на Сеул сообщил, что в Курской области 11 тысяч военных КНДР.",
    ],
)
def test_the_source_a_party_cites_is_the_claimant(text: str) -> None:
    assert claims(text)[0].claimant == "South Korea"


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("The Pentagon confirmed the NIS report that at least 100 North Korean soldiers were "
         "killed in Kursk.", "NIS"),
        ("미국 국방부는 북한군이 최소 100여 명 숨졌다는 국정원 보고를 공식 확인했습니다.", "NIS"),
        ("국방부 부대변인은 북한군 1천 명 이상이 숨지거나 다쳤다는 백악관의 발표를 언급했습니다.",
         "White House"),
        ("Пентагон подтвердил данные южнокорейской разведки о гибели 100 военных КНДР в "
         "Курской области.", "NIS"),
    ],
)
def test_a_party_whose_report_another_passes_on_is_the_claimant(text: str, claimant: str
                                                                 ) -> None:
    assert claims(text)[0].claimant == claimant


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


# --- numbers, more forms ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The NIS estimates that over a hundred North Korean soldiers have been killed in Russia.",
        "NIS Estimates 100+ North Korean Soldiers Killed in Russia",
    ],
)
def test_a_hundred_in_words_and_a_plus_sign_are_more_than_100(text: str) -> None:
    assert [(c.figure, c.qualifier) for c in claims(text)] == [(100, "more than")]


def test_both_ends_of_a_korean_range_are_figures() -> None:
    text = '젤렌스키 "북한이 러시아에 3만~4만명 더 데려올 듯"'
    assert figures(text) == [30000, 40000]


def test_both_ends_of_a_range_in_words_are_figures() -> None:
    text = "Ryder said there could be 11,000 to 12,000 North Korean troops inside of Russia."
    assert figures(text) == [11000, 12000]


@pytest.mark.parametrize(
    "text",
    [
        "The NIS says North Korea sent between 1,000 and 3,000 more North Korean soldiers.",
        "Пхеньян направил в Россию от 1 000 до 3 000 северокорейских военнослужащих.",
        "North Korea may send 1,000 or 3,000 more North Korean troops to Russia.",
    ],
)
def test_both_ends_of_a_range_joined_by_a_word_are_figures(text: str) -> None:
    assert figures(text) == [1000, 3000]


def test_a_hyphenated_thousand_is_a_figure() -> None:
    text = "North Korea is expected to send 25-thousand to 30-thousand troops to Russia."
    assert figures(text) == [25000, 30000]


def test_there_could_be_n_troops_estimates_a_presence_not_a_plan() -> None:
    text = "Ryder said there could be closer to 11,000 North Korean troops inside of Russia."
    assert [c.kind for c in claims(text)] == ["deployed"]


def test_troops_that_could_be_sent_are_planned() -> None:
    text = "Another 10,000 North Korean troops could be sent to Russia, the NIS said."
    assert [c.kind for c in claims(text)] == ["planned"]


def test_working_visas_are_no_personnel() -> None:
    text = "Ежегодно гражданам КНДР в России выдавали по 12-15 тысяч рабочих виз."
    assert figures(text) == []


def test_a_small_figure_at_the_inter_korean_front_is_no_figure_of_the_war() -> None:
    text = "합동참모본부에 따르면 북한군 20여명은 지난 19일 서부전선 비무장지대 내 MDL을 침범했다."
    assert figures(text) == []


# --- kinds, more forms ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "At least 100 North Korean troops deployed to Russia have been killed, the NIS said.",
        "По меньшей мере 100 северокорейских военных, дислоцированных в России, погибли.",
        "Фильм посвящен 101 северокорейскому солдату, отдавшим жизни в Курской области.",
    ],
)
def test_a_verb_of_loss_after_the_figures_noun_phrase_makes_casualties(text: str) -> None:
    assert [c.kind for c in claims(text)] == ["casualties"]


def test_a_figure_that_is_the_subject_of_being_wounded_is_found() -> None:
    text = "100 военных КНДР погибли в Курской области, а еще 1000 получили ранения."
    assert [(c.figure, c.kind) for c in claims(text)] == [(100, "casualties"),
                                                          (1000, "casualties")]


@pytest.mark.parametrize(
    "text",
    [
        "젤렌스키는 북한이 러시아에 3만명을 더 데려올 수 있다고 말했다.",
        "국정원은 북한이 러시아에 1만명을 더 데려갈 듯하다고 밝혔다.",
    ],
)
def test_the_korean_prospective_is_planned(text: str) -> None:
    assert [c.kind for c in claims(text)] == ["planned"]


def test_korean_figures_listed_before_one_verb_share_its_kind() -> None:
    text = '젤렌스키는 "북한은 러시아에 3만~4만명, 어쩌면 50만명을 더 데려올 수 있다"고 말했다.'
    assert [(c.figure, c.kind) for c in claims(text)] == [
        (30000, "planned"), (40000, "planned"), (500000, "planned")]


# --- qualifiers, more forms ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("N. Korea sent at least 3,000 more troops to Russia, the JCS said.", "at least"),
        ("North Korea sent around 3,000 additional troops to Russia, the JCS said.", "about"),
        ("합참은 북한이 약 3000명을 추가로 러시아에 보냈다고 밝혔다.", "about"),
    ],
)
def test_the_word_before_the_figure_is_its_qualifier_over_the_word_after(
    text: str, qualifier: str
) -> None:
    assert [c.qualifier for c in claims(text)] == [qualifier]


def test_as_high_as_is_up_to() -> None:
    text = "The NIS said the number could be as high as 12,000 North Korean soldiers in Russia."
    assert [c.qualifier for c in claims(text)] == ["up to"]


# --- claimants, general forms -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("В Курскую область переброшены 8 тысяч военных КНДР, заявил госсекретарь США "
         "Энтони Блинкен после встречи с НАТО.", "White House"),
        ("North Korea has sent 10,000 troops to Russia, said Pentagon spokeswoman Sabrina "
         "Singh, after talks with NATO.", "Pentagon"),
    ],
)
def test_a_speaker_after_the_verb_of_saying_is_credited(text: str, claimant: str) -> None:
    assert claims(text)[0].claimant == claimant


@pytest.mark.parametrize(
    "text",
    [
        "About 600 North Korean soldiers have been killed in Russia, the parliamentary "
        "intelligence committee was told on Wednesday.",
        "국회 정보위원회는 북한군 600여 명이 러시아에서 숨졌다고 밝혔다.",
        "Около 600 военных КНДР погибли в России, такие данные озвучили депутатам "
        "южнокорейского парламента представители разведки.",
    ],
)
def test_a_lawmaker_relaying_an_intelligence_briefing_credits_the_nis(text: str) -> None:
    assert claims(text)[0].claimant == "NIS"


@pytest.mark.parametrize(
    "text",
    [
        "Korean Central Television showed 101 North Korean soldiers killed in Russia.",
        "조선중앙TV는 러시아에서 전사한 북한군 101명을 소개했다.",
        "Сюжет Центрального телевидения Северной Кореи посвящен 101 солдату КНДР, погибшему "
        "в Курской области.",
    ],
)
def test_north_koreas_central_television_is_a_claimant(text: str) -> None:
    assert claims(text)[0].claimant == "KCTV"


def test_us_officials_are_the_us_government_not_one_office_the_item_names() -> None:
    text = ("As many as 8,000 North Korean troops are in Russia's Kursk region, top US officials "
            "announced Thursday.\nSecretary of State Antony Blinken spoke in Washington.")
    assert claims(text)[0].claimant == "US government"


def test_a_country_in_parentheses_is_an_aside_not_a_speaker() -> None:
    text = ('북한군 부대들이 (러시아) 쿠르스크 지역에 배치됐다는 것을 확인해줄 수 있다. '
            "러시아로 이동한 북한군 규모는 3천여 명으로 알려졌다.")
    assert claims(text)[0].claimant == "Outlet"


def test_an_attribution_of_this_anywhere_in_the_next_sentence_credits_the_figure() -> None:
    text = ("В войне против Украины погибли около 3800 военных КНДР. Как передает портал, "
            "такое заявление сделал президент Украины Владимир Зеленский.")
    assert claims(text)[0].claimant == "Zelensky"


def test_an_attribution_of_this_credits_every_sentence_before_it_that_credits_no_one() -> None:
    text = ("Курскую область будут восстанавливать 5 тысяч военных строителей КНДР\n"
            "Также КНДР направит в регион тысячу своих саперов. Об этом заявил секретарь "
            "Совбеза Сергей Шойгу.")
    assert [c.claimant for c in claims(text)] == ["Shoigu", "Shoigu"]


@pytest.mark.parametrize(
    "text",
    [
        "Blinken spoke to reporters in Washington on Thursday. \"We estimate that 10,000 "
        "North Korean soldiers are in Russia.\"",
        "Об этом сообщил госсекретарь США Энтони Блинкен. По нашим оценкам, в России "
        "находится около 10 000 северокорейских солдат.",
        "블링컨 국무장관이 기자들과 만났다. 그에 따르면 북한군 1만명이 러시아에 있다.",
    ],
)
def test_a_quotation_or_first_person_goes_on_in_the_last_speakers_words(text: str) -> None:
    assert claims(text)[0].claimant == "White House"


@pytest.mark.parametrize(
    "text",
    [
        "Troops will be dispatched soon, the NIS said, amid unconfirmed reports the number "
        "could be as high as 12,000 North Korean soldiers.",
        "국정원은 북한군이 전선에 다시 투입됐다고 밝혔다. 북한이 러시아에 1000명 넘는 "
        "병력을 추가 파병한 것으로 관측된다.",
        "По данным разведки Южной Кореи, КНДР готовит отправку войск. По неподтвержденным "
        "данным, в Россию прибыли 12 тысяч военных КНДР.",
    ],
)
def test_a_figure_credited_to_unnamed_reports_is_the_outlets(text: str) -> None:
    assert claims(text)[0].claimant == "Outlet"


def test_a_repeated_figure_takes_the_more_specific_party() -> None:
    text = ("Сеул: На войне против Украины убиты около 600 солдат КНДР\nОколо 600 "
            "северокорейских солдат погибли. Такие данные озвучили депутатам южнокорейского "
            "парламента представители разведки.")
    assert [c.claimant for c in claims(text)] == ["NIS"]


def test_a_country_keeps_its_figure_when_its_body_is_credited_with_another() -> None:
    text = ("В Сеуле говорят, что 10 000 военных КНДР развернуты вблизи границы\n"
            "КНДР направила в Россию около 5000 военных строителей. Об этом сообщил "
            "южнокорейский депутат после брифинга национальной разведывательной службы.")
    assert [(c.figure, c.claimant) for c in claims(text)] == [(10000, "South Korea"),
                                                              (5000, "NIS")]


@pytest.mark.parametrize(
    "text",
    [
        "Peskov declined to comment on reports of 10,000 North Korean troops in Kursk.",
        "Песков отказался комментировать сообщения о 10 тысячах военных КНДР в Курской области.",
        "크렘린은 북한군 1만명 파병 보도에 대한 확인을 거부했다.",
    ],
)
def test_a_party_that_refuses_to_comment_is_not_the_claimant(text: str) -> None:
    assert claims(text)[0].claimant == "Outlet"


@pytest.mark.parametrize(
    ("text", "claimants"),
    [
        ("North Korea sent 11,000 troops, US officials say, while Kyiv puts the number at "
         "12,000 soldiers.", ["US government", "Ukraine"]),
        ("국정원은 북한군 1만1000명이 러시아에 있다고 밝혔지만 젤렌스키 대통령은 북한군 "
         "1만2000명이라고 주장했다.", ["NIS", "Zelensky"]),
        ("По данным Пентагона, в России находятся 11 тысяч военных КНДР, а по данным Зеленского "
         "- 12 тысяч военных КНДР.", ["Pentagon", "Zelensky"]),
    ],
)
def test_each_figure_takes_the_attribution_of_its_own_clause(text: str,
                                                             claimants: list[str]) -> None:
    assert [c.claimant for c in claims(text)] == claimants


def test_the_us_defense_department_in_korean_is_the_pentagon_not_seouls_ministry() -> None:
    text = "미 국방부에 따르면 북한군 1만명이 러시아에서 훈련 중이다."
    assert claims(text)[0].claimant == "Pentagon"


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("According to South Korean and Western intelligence agencies, Pyongyang has sent "
         "10,000 troops to Russia.", "South Korea"),
        ("U.S. and Ukrainian intelligence say 12,000 North Korean troops are in Russia.", "US"),
        ("По данным украинской и южнокорейской разведок, в Россию прибыли 11 тысяч военных "
         "КНДР.", "Ukraine"),
    ],
)
def test_several_countries_intelligence_is_credited_to_the_first_named(
    text: str, claimant: str
) -> None:
    assert claims(text)[0].claimant == claimant


def test_several_countries_intelligence_is_not_one_body_the_item_names() -> None:
    text = ("South Korean and Western intelligence agencies say Pyongyang sent more than 10,000 "
            "troops to Russia. Lee said the NIS believes 6,000 more soldiers will go.")
    assert [c.claimant for c in claims(text)] == ["South Korea", "NIS"]


def test_a_korean_sentence_reporting_such_content_credits_the_figure_before_it() -> None:
    text = ("북한군 1만여 명이 러시아에 파병된 것으로 알려졌다. "
            "국정원은 이런 내용을 국회에 보고했다.")
    assert claims(text)[0].claimant == "NIS"


@pytest.mark.parametrize(
    "text",
    [
        "North Korea deploys 1,000 demining experts to Russia's Kursk region",
        "Pyongyang sent around 1,000 engineer troops to Kursk to clear mines",
        "North Korea sends 1,000 mine clearance specialists to Russia",
    ],
)
def test_a_figure_of_demining_experts_or_engineer_troops_is_counted(text: str) -> None:
    assert figures(text) == [1000]


def test_a_korean_figure_with_a_comma_after_man_is_read_whole() -> None:
    assert figures("북한은 총 1만5,000여명의 병력을 러시아에 파병했다.") == [15000]


def test_state_media_credits_north_koreas_agency() -> None:
    text = "Kim Jong Un honoured 9 soldiers killed in Russia's Kursk region, state media said."
    assert claims(text)[0].claimant == "KCNA"


def test_russian_state_media_is_not_north_koreas_agency() -> None:
    text = "Russian state media said 10,000 North Korean soldiers had arrived in Kursk."
    assert claims(text)[0].claimant != "KCNA"


def test_a_korean_casualty_word_in_the_next_clause_is_not_the_figures_kind() -> None:
    text = "북한은 러시아에 1만5000여 명을 파병했으며, 사망한 600명을 포함해 사상자가 발생했다."
    assert [(c.figure, c.kind) for c in claims(text)] == [(15000, "deployed"),
                                                          (600, "casualties")]


@pytest.mark.parametrize(
    "text",
    [
        "전투에 투입된 북한군이 최소 100여 명 숨졌다는 보고가 나왔다.",
        "쿠르스크에서 북한군 1천 명 이상이 숨지거나 다쳤다.",
    ],
)
def test_korean_verbs_of_dying_and_being_hurt_make_casualties(text: str) -> None:
    assert [c.kind for c in claims(text)] == ["casualties"]


def test_korean_figures_listed_with_a_spaced_counter_and_a_long_noun_share_the_verb() -> None:
    text = "북한이 건설 노동자 5000 명과 지뢰 제거 전문가 1000 명을 러시아에 파견하기로 합의했다."
    assert [(c.figure, c.kind) for c in claims(text)] == [(5000, "planned"), (1000, "planned")]


def test_a_korean_headlines_ellipsis_ends_the_figures_clause() -> None:
    text = '국정원 "北 3차 파병, 전투공병 1000명 러시아 현지 도착…전사자 2000여명 추산"'
    assert [(c.figure, c.kind) for c in claims(text)] == [(1000, "deployed"),
                                                          (2000, "casualties")]


def test_a_korean_casualty_word_in_the_clause_before_is_not_the_figures_kind() -> None:
    text = ('젤렌스키 대통령은 "북한에서 1만2000명을 파병했고 3800명이 죽거나 다쳤다"며 "그들은 '
            '향후 3만~4만명을 더 데려올 수 있다"고 말했다.')
    assert [(c.figure, c.kind) for c in claims(text)][1:3] == [(3800, "casualties"),
                                                               (30000, "planned")]


def test_a_long_noun_phrase_before_the_verb_of_loss_is_still_casualties() -> None:
    text = ("Around 2,000 North Korean soldiers deployed to help Russia fight against Ukrainian "
            "forces are believed to have been killed.")
    assert [c.kind for c in claims(text)] == ["casualties"]


def test_korean_at_most_before_about_is_up_to() -> None:
    text = "러시아에 파병된 북한군은 1천여 명에서 많게는 약 3천 명으로 추정된다."
    assert [(c.figure, c.qualifier) for c in claims(text)] == [(1000, "about"), (3000, "up to")]


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ('美국방부 "北, 러에 약 1만 명 파병"', "Pentagon"),
        ("러시아 국방부는 북한군 1천여 명이 쿠르스크에서 지뢰를 제거하고 있다고 밝혔다.", "Russia"),
        ("국방부는 북한군 1만 명이 러시아에 파병됐다고 밝혔다.", "South Korean military (JCS)"),
    ],
)
def test_a_korean_defence_ministry_is_the_country_that_names_it(text: str,
                                                                 claimant: str) -> None:
    assert claims(text)[0].claimant == claimant


@pytest.mark.parametrize(
    "text",
    [
        "More than 10,000 North Korean soldiers remain in Russia, said Vadym Skibitskyi, deputy "
        "head of the Main Intelligence Directorate.",
        "Более 10 000 солдат из Северной Кореи находятся в России. Об этом рассказал заместитель "
        "начальника Главного управления разведки Министерства обороны Вадим Скибицкий.",
    ],
)
def test_ukraines_military_intelligence_is_known_by_its_full_name(text: str) -> None:
    assert claims(text)[0].claimant == "Ukraine's GUR"


@pytest.mark.parametrize(
    "text",
    [
        "김정은 위원장은 “비록 9명의 안타까운 희생이 있었지만 모두가 돌아와주어 감사하다”고 "
        "밝혔다고 노동신문이 보도했다. 러시아 쿠르스크에 파병된 공병부대가 귀국했다.",
        "Nine North Korean sappers were killed in Russia's Kursk region, Rodong Sinmun reported.",
    ],
)
def test_rodong_sinmuns_figures_are_filed_under_kcna(text: str) -> None:
    assert claims(text)[0].claimant == "KCNA"


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("Two North Korean soldiers captured in Kursk want to go to the South, NK News "
         "reported.", "NK News"),
        ("우크라이나에 억류된 북한군 포로 2명이 한국으로 가고 싶다는 의사를 밝혔다고 미국의 북한 "
         "전문 매체 NK뉴스가 보도했다.", "NK News"),
        ("우크라이나군에 생포된 북한군 포로 2명이 한국에 가고 싶다는 뜻을 밝혔다. MBC 'PD수첩'의 "
         "방송에서 두 포로의 근황이 소개됐다.", "MBC"),
        ("북한군 사망자 수가 1000여명이라고 영국 공영 BBC 방송이 22일 보도했다.", "BBC"),
        ("CNN 방송에 따르면 북한군 1000여명이 숨졌다.", "CNN"),
    ],
)
def test_a_figure_from_another_mediums_report_is_that_mediums(text: str, claimant: str) -> None:
    assert claims(text)[0].claimant == claimant


def test_the_medium_an_outlet_carries_is_the_outlet() -> None:
    text = ("Two North Korean soldiers captured in Kursk want to go to the South, Yonhap News "
            "Agency reported.")
    assert troop_claims(text, "Korea Herald (Yonhap News Agency)")[0].claimant == (
        "Korea Herald (Yonhap News Agency)")


def test_a_weekday_before_reported_is_no_medium() -> None:
    text = "Two North Korean soldiers were captured in Kursk, local media on Saturday reported."
    assert claims(text)[0].claimant == "Outlet"


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("Kyiv and Seoul accused Pyongyang of preparing to send more than 10,000 military "
         "personnel to assist Russia.", "Ukraine"),
        ("The United States and South Korea have accused the North of sending more than 10,000 "
         "soldiers to help Russia fight Ukraine.", "US"),
        ("Сеул обвинил Пхеньян в отправке в Россию 10 тысяч военных.", "South Korea"),
    ],
)
def test_an_accusation_credits_its_accusers(text: str, claimant: str) -> None:
    assert claims(text)[0].claimant == claimant


def test_by_before_a_deeds_agent_credits_no_one() -> None:
    text = ("Pyongyang sent around 1,000 engineer troops to Kursk to remove mines that were "
            "planted by Ukraine soldiers.")
    assert claims(text)[0].claimant == "Outlet"


def test_by_after_a_report_credits_its_author() -> None:
    text = ("This move follows the confirmation by the U.S. of the deployment of up to 10,000 "
            "North Korean troops to Russia.")
    assert claims(text)[0].claimant == "US"


def test_north_koreans_in_russian_are_counted() -> None:
    text = "Ким Чен Ын решил направить в Курскую область для разминирования 6 тыс. северокорейцев."
    assert figures(text) == [6000]


def test_others_killed_or_injured_after_a_figure_are_casualties() -> None:
    text = ("At least 300 North Korean soldiers were killed in combat with Ukraine. Some 2,700 "
            "others were injured, the NIS told lawmakers.")
    assert [(c.figure, c.kind) for c in claims(text)] == [(300, "casualties"),
                                                          (2700, "casualties")]


@pytest.mark.parametrize(
    "text",
    [
        "Ukraine's special forces killed 50 North Korean soldiers and injured 47 others in "
        "three days of fighting.",
        "The video claims Ukrainian soldiers have killed 47 and wounded as many as 50 North "
        "Korean soldiers over three days.",
    ],
)
def test_two_losses_of_soldiers_named_once_are_both_casualties(text: str) -> None:
    assert sorted((c.figure, c.kind) for c in claims(text)) == [(47, "casualties"),
                                                               (50, "casualties")]


@pytest.mark.parametrize(
    "text",
    [
        "North Korea is believed to have sent thousands of soldiers to Russia, with estimated "
        "casualties around 1,100, the NIS said.",
        "North Korea has sent thousands of troops to Russia, with the number of casualties "
        "estimated to be around 1,100, according to the NIS.",
    ],
)
def test_a_loss_estimated_around_a_figure_is_casualties(text: str) -> None:
    assert [(c.figure, c.qualifier, c.kind) for c in claims(text)] == [
        (1100, "about", "casualties")]


def test_a_figure_after_an_estimate_of_troops_is_counted() -> None:
    text = ("North Korea has sent some 10,000 troops to train in Russia, the Pentagon said, "
            "raising Washington's previous estimate of 3,000 from last week.")
    assert figures(text) == [10000, 3000]


def test_a_rise_by_a_figure_in_the_number_of_troops_is_counted() -> None:
    text = ("The number of North Korean troops in Russia's Kursk region has risen by about "
            "2,000, the Pentagon said.")
    assert [(c.figure, c.qualifier, c.kind) for c in claims(text)] == [
        (2000, "about", "deployed")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("В Россию прибыли 10–12 тысяч военных КНДР.", [10000, 12000]),
        ("There could be 11 to 12,000 North Korean troops in Russia.", [11000, 12000]),
        ("Between 300 to 2,700 North Korean soldiers were wounded in Kursk.", [300, 2700]),
    ],
)
def test_a_ranges_first_end_shares_the_thousands_of_the_last(text: str,
                                                             expected: list[int]) -> None:
    assert figures(text) == expected


def test_an_ellipsis_between_the_number_of_troops_and_its_figure_is_no_sentence_end() -> None:
    text = "The total number of DPRK forces in Russia … could be closer to around 11,000."
    assert [(c.figure, c.qualifier) for c in claims(text)] == [(11000, "about")]


def test_the_last_end_of_a_range_is_a_figure_with_the_first_ends_kind_and_qualifier() -> None:
    text = "The total number of DPRK forces in Russia could be closer to around 11 to 12,000."
    assert [(c.figure, c.qualifier, c.kind) for c in claims(text)] == [
        (11000, "about", "deployed"), (12000, "about", "deployed")]


def test_a_verbs_over_is_no_qualifier() -> None:
    text = ("Zelensky says he is willing to hand over 2 North Korean soldiers captured in Kursk "
            "in exchange for Ukrainian prisoners of war in Russia.")
    assert [(c.figure, c.qualifier) for c in claims(text)] == [(2, None)]


def test_captured_or_wounded_before_the_noun_still_counts_the_soldiers() -> None:
    text = ("Zelensky says he is willing to hand over two captured soldiers from North Korea "
            "in exchange for Ukrainian prisoners of war in Russia.")
    assert [(c.figure, c.qualifier, c.kind) for c in claims(text)] == [(2, None, "casualties")]


def test_the_number_of_troops_may_lead_a_long_way_up_to_its_figure() -> None:
    text = ("The Pentagon estimates the number of soldiers that Kim Jong-un's regime has sent to "
            "Russian territory for training at 10,000.")
    assert [(c.figure, c.claimant) for c in claims(text)] == [(10000, "Pentagon")]


def test_one_of_a_group_is_no_count() -> None:
    text = ("South Korea's NIS confirmed the capture of 2 North Korean soldiers in Kursk, adding "
            "that one of the prisoners admitted heavy losses.")
    assert figures(text) == [2]


def test_a_bare_defence_ministry_is_the_one_the_text_names_in_full() -> None:
    text = ('미국 국방부가 북한군의 쿠르스크 이동을 확인했다. 팻 라이더 국방부 대변인은 "최소 1만 '
            '명의 북한군이 쿠르스크에 있다"고 말했다.')
    assert claims(text)[0].claimant == "Pentagon"


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("North Korea has lost 6,000 troops in Kursk, the UK Defence Ministry said.",
         "UK Ministry of Defence"),
        ("According to Britain's defence ministry, about 6,000 North Korean soldiers were "
         "killed or wounded in Kursk.", "UK Ministry of Defence"),
        ("영국 국방부는 북한군 6000명이 쿠르스크에서 사상했다고 밝혔다.", "UK Ministry of Defence"),
        ("Минобороны Великобритании сообщило, что КНДР потеряла 6000 военных.",
         "UK Ministry of Defence"),
        ("Japan's defense ministry said 3,000 more North Korean soldiers were sent to Russia.",
         "Japan Ministry of Defence"),
        ("Министерство обороны Франции считает, что в России находятся 12 тысяч военных КНДР.",
         "France Ministry of Defence"),
    ],
)
def test_any_countrys_defence_ministry_is_a_claimant(text: str, claimant: str) -> None:
    assert claims(text)[0].claimant == claimant


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("By British intelligence estimates, 6,000 North Korean troops have been lost.",
         "UK Ministry of Defence"),
        ("По данным британской разведки, КНДР потеряла 6000 военных.", "UK Ministry of Defence"),
        ("German intelligence believes 12,000 North Korean soldiers are in Russia.",
         "Germany intelligence"),
        ("По данным разведки Польши, в Курской области воюют 11 тысяч военных КНДР.",
         "Poland intelligence"),
    ],
)
def test_any_countrys_intelligence_is_a_claimant(text: str, claimant: str) -> None:
    assert claims(text)[0].claimant == claimant


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("About 1,000 North Korean soldiers have been killed, the BBC reported, citing "
         "Western officials.", "Western officials"),
        ("BBC는 서방 당국자들을 인용해 북한군 약 1000명이 숨졌다고 보도했다.", "Western officials"),
        ("Западные чиновники заявили, что погибли около 1000 военных КНДР.", "Western officials"),
        ("French officials said 2,000 North Korean troops had been wounded.",
         "France government"),
    ],
)
def test_unnamed_officials_of_a_named_group_are_the_claimant(text: str, claimant: str) -> None:
    assert claims(text)[0].claimant == claimant


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("英정보당국은 북한군 사상자가 6000명을 넘었다고 밝혔다.", "UK Ministry of Defence"),
        ("서방 정보당국은 북한군 1만1000명이 파병됐다고 밝혔다.", "Western intelligence"),
        ("정보당국은 북한군 1만1000명이 파병됐다고 밝혔다.", "NIS"),
    ],
)
def test_korean_intelligence_authorities_are_seouls_unless_a_country_is_named(
        text: str, claimant: str) -> None:
    assert claims(text)[0].claimant == claimant



def test_a_korean_figure_in_north_koreas_own_deed_is_the_outlets_background() -> None:
    text = ("러시아에 공병 6천 명을 추가 파병하기로 한 북한이 조약 1주년을 맞았습니다. 양국은 "
            "평양에서 연회를 열었습니다. 노동신문은 북한군의 쿠르스크 참전이 조약의 모범적 "
            "실천이라고 밝혔습니다.")
    assert claims(text)[0].claimant == "Outlet"


def test_the_white_house_is_a_claimant_in_every_russian_case() -> None:
    text = "По данным Белого дома, КНДР потеряла за неделю около 1000 военных."
    assert claims(text)[0].claimant == "White House"


def test_unnamed_reports_are_the_party_a_later_sentence_credits_with_this() -> None:
    text = ("North Korean forces are enduring heavy losses, with reports indicating over a "
            "thousand troops were killed or wounded in the past week. This information was "
            "revealed by White House spokesperson John Kirby on Friday.")
    assert claims(text)[0].claimant == "White House"


def test_unnamed_reports_alone_are_the_outlets() -> None:
    text = ("North Korean forces are enduring heavy losses, with reports indicating over a "
            "thousand troops were killed or wounded in the past week.")
    assert claims(text)[0].claimant == "Outlet"


def test_a_country_in_a_hyphenated_pair_names_a_war_not_a_speaker() -> None:
    text = ("North Korean casualties in the Russia-Ukraine war are estimated to have exceeded "
            "6,000, according to the UK Defence Intelligence.")
    assert [c.claimant for c in claims(text)] == ["UK Ministry of Defence"]


def test_a_headline_pair_with_north_korea_before_a_colon_is_no_speaker() -> None:
    text = ("КНДР и Россия: разведка Южной Кореи заявила об усилении армии\n"
            "По информации разведчиков, около 10 тысяч военных КНДР развернуты у границы.")
    assert [c.claimant for c in claims(text)] == ["NIS"]


def test_a_weekday_after_according_to_is_no_source() -> None:
    text = ("North Korea honoured nine soldiers killed in Kursk, according to reports released "
            "Saturday.")
    assert [c.claimant for c in claims(text)] == ["Outlet"]


def test_a_korean_clause_after_a_comma_credits_its_own_party() -> None:
    text = ("북한군의 규모는 우크라이나 측이 언급해온 인원과 비슷한 것으로, 미국 국방부도 북한이 "
            "러시아로 1만여명의 병력을 파견했다고 밝혔다.")
    assert [c.claimant for c in claims(text)] == ["Pentagon"]


def test_a_figure_of_unnamed_reports_a_party_speaks_of_is_the_outlets() -> None:
    text = ("The Pentagon's statement clarifies reports of approximately 11,000 North Korean "
            "troops amassing in Russia's Kursk Oblast.")
    assert [c.claimant for c in claims(text)] == ["Outlet"]


def test_a_partys_own_report_of_a_figure_is_the_partys() -> None:
    text = "Lawmakers discussed the NIS's report of 3,000 North Korean troops in Russia."
    assert [c.claimant for c in claims(text)] == ["NIS"]


def test_a_medium_named_after_its_kind_is_the_source() -> None:
    text = ("Южнокорейское информационное агентство Yonhap, ссылаясь на разведданные, сообщает, "
            "что Пхеньян направил в Россию от 1 000 до 3 000 военнослужащих КНДР.")
    assert [c.claimant for c in claims(text)] == ["Yonhap", "Yonhap"]


def test_a_russian_range_joined_by_do_takes_no_up_to() -> None:
    text = "Пхеньян направил в Россию от 1 000 до 3 000 военнослужащих КНДР."
    assert [c.qualifier for c in claims(text)] == [None, None]


def test_casualties_reported_by_no_one_are_the_outlets() -> None:
    text = ("The NIS confirmed that North Korea has sent more troops.\n"
            "This follows heavy losses, with 4,000 North Korean casualties reported.")
    assert [c.claimant for c in claims(text)] == ["Outlet"]


@pytest.mark.parametrize(
    "text",
    [
        "우크라이나 정보 당국은 북한이 2만5천명의 병력을 추가로 파견할 것으로 예상했다.",
        "우크라이나 국방정보국은 북한 병사 7천명 이상이 배치됐다고 전했다.",
    ],
)
def test_ukraines_intelligence_in_korean_is_the_gur(text: str) -> None:
    assert [c.claimant for c in claims(text)] == ["Ukraine's GUR"]


def test_north_koreas_central_tv_channel_in_russian_is_kctv() -> None:
    text = ("Северная Корея потеряла 101 солдата в боях за Курскую область.\n"
            "Об этом сообщают «Вести» со ссылкой на эфир центрального ТВ-канала КНДР.")
    assert [c.claimant for c in claims(text)] == ["KCTV"]


def test_a_korean_count_of_civilians_is_no_troop_figure() -> None:
    assert figures("정부, 북한 노동자 송출 관여한 러시아 기관 2곳·개인 2명 독자제재") == []


@pytest.mark.parametrize(
    "text",
    [
        "Russia plans to bring 12,000 workers from North Korea to its drone plant.",
        "북한이 러시아 드론 공장에 노동자 1만2000명을 보낼 것이라고 우크라이나가 발표했다.",
        "북한이 이곳에 약 1만2000명의 여성 근로자를 파견할 전망이라고 38노스가 보도했다.",
        "북한 원산 갈마 관광지구는 2만 명 숙박 능력의 호텔을 갖췄다.",
    ],
)
def test_north_korean_workers_and_guests_are_no_troop_figures(text: str) -> None:
    assert figures(text) == []


def test_construction_workers_sent_with_sappers_are_troop_figures() -> None:
    text = "북한이 건설 노동자 5000 명과 지뢰 제거 전문가 1000 명을 러시아에 파견하기로 합의했다."
    assert figures(text) == [5000, 1000]


def test_a_headline_figure_the_lead_counts_as_workers_is_no_troop_figure() -> None:
    text = ("북한 연내 러 드론 공장에 1만2000명 파견 예정\n"
            "북한이 러시아 드론 공장에 노동자 1만2000명을 보낼 것이라고 우크라이나가 발표했다.")
    assert figures(text) == []


def test_bodies_of_soldiers_are_a_figure_credited_to_the_statement_they_come_from() -> None:
    text = ("Представителя Кремля просили прокомментировать заявление военной разведки Украины "
            "о том, что в Курской области обнаружили 30 тел военнослужащих КНДР.")
    assert [(c.figure, c.claimant) for c in claims(text)] == [(30, "Ukraine's GUR")]


def test_a_medium_named_for_a_city_is_no_country_speaking() -> None:
    text = ("Еще трое военнослужащих КНДР были ранены.\n"
            "Об этом сообщает РБК-Украина со ссылкой на Kyiv Post.")
    assert [c.claimant for c in claims(text)] == ["Kyiv Post"]


@pytest.mark.parametrize(
    "text",
    [
        "Six North Korean officers were killed in a missile strike in Russia's Kursk region.",
        "В Курской области погибли шесть офицеров из Северной Кореи.",
    ],
)
def test_officers_are_personnel(text: str) -> None:
    assert figures(text) == [6]


@pytest.mark.parametrize(
    ("text", "claimant"),
    [
        ("현지 매체인 키이우 포스트는 전날 공격으로 북한군 120명이 사망했다고 보도했다.",
         "Kyiv Post"),
        ("러시아 일간지 코메르산트가 북한군 공병 2000명이 곧 도착한다고 보도했다.", "Kommersant"),
        ("미국 일간 뉴욕타임스(NYT)가 북한군 500명이 전사했다고 보도했다.", "NYT"),
        ("The Ukrainian news outlet the Kyiv Independent said 40 North Korean soldiers were "
         "killed.", "Kyiv Independent"),
        ("Газета Ведомости сообщила, что в Россию прибудут 1000 военных строителей КНДР.",
         "Vedomosti"),
    ],
)
def test_a_medium_named_after_its_kind_is_credited_by_the_name_its_readers_know(
    text: str, claimant: str
) -> None:
    assert [c.claimant for c in claims(text)] == [claimant]


def test_a_medium_named_in_korean_with_latin_letters_keeps_them() -> None:
    text = "현지 매체 NK뉴스는 북한군 300명이 추가로 도착했다고 보도했다."
    assert [c.claimant for c in claims(text)] == ["NK News"]


def test_the_medium_a_passive_names_is_the_source_not_the_outlet_that_relays_it() -> None:
    text = ("Kyiv left 20 North Korean prisoners out of its exchange with Russia.\n"
            "This was reported by the Kyodo News Agency, according to Outlet.")
    assert [c.claimant for c in claims(text)] == ["Kyodo"]


def test_a_korean_texts_unqualified_military_official_is_seouls() -> None:
    text = "군 관계자에 따르면 북한은 지난달 2천명이 넘는 병력을 러시아로 보냈다."
    assert [c.claimant for c in claims(text)] == ["South Korean military (JCS)"]


def test_another_countrys_military_official_is_not_seouls() -> None:
    text = "미국 군 관계자에 따르면 북한은 지난달 2천명이 넘는 병력을 러시아로 보냈다."
    assert [c.claimant for c in claims(text)] != ["South Korean military (JCS)"]


def test_a_figure_first_reported_by_no_one_goes_to_the_medium_that_reports_it_next() -> None:
    text = ("북한군 70명이 공습으로 사망한 것으로 전해졌다. 우크라이나 매체 RBC우크라이나는 "
            "공습으로 북한군 70명이 사망했다고 보도했다.")
    assert [c.claimant for c in claims(text)] == ["RBC-Ukraine"]


@pytest.mark.parametrize(
    "text",
    [
        "Ukrainian drone operators killed 30 North Korean soldiers in Kursk, according to "
        "Ukraine's Special Operations Forces.",
        "우크라이나 특수작전군은 쿠르스크에서 북한군 30명을 사살했다고 밝혔다.",
        "우크라이나 제8특수작전연대는 드론 공격으로 북한군 30명을 사살했다며 영상을 공개했다.",
        "ССО ВСУ сообщили, что в Курской области уничтожены 30 военных КНДР.",
    ],
)
def test_ukraines_special_forces_battle_report_is_theirs(text: str) -> None:
    assert [c.claimant for c in claims(text)] == ["Ukraine's SSO"]


def test_north_koreas_special_operations_forces_are_not_ukraines() -> None:
    text = "North Korea's special operations forces sent 3,000 soldiers to Kursk."
    assert [c.claimant for c in claims(text)] == ["Outlet"]


def test_ukraines_military_credited_speaks_for_its_figure() -> None:
    text = "Ukraine's military said 50 North Korean soldiers were killed in Kursk."
    assert [c.claimant for c in claims(text)] == ["Ukrainian armed forces"]


def test_soldiers_captured_by_ukrainian_forces_are_not_a_figure_of_ukraines_forces() -> None:
    text = ("One of the two North Korean soldiers captured by Ukrainian forces has reportedly "
            "asked to go to Seoul.")
    assert [c.claimant for c in claims(text)] == ["Outlet"]


def test_liberation_from_ukraines_forces_credits_no_one() -> None:
    text = ("Телевидение КНДР показало репортаж об освобождении от ВСУ Курской области, "
            "где погибли 101 военный КНДР.")
    assert [c.claimant for c in claims(text)] == ["KCTV"]


def test_according_to_a_country_credits_it() -> None:
    text = "About 500 North Korean soldiers were killed this week, according to Ukraine."
    assert [c.claimant for c in claims(text)] == ["Ukraine"]


def test_a_medium_closing_a_sentence_is_its_source_in_place_of_a_party_it_only_names() -> None:
    text = ("Three North Korean soldiers were killed and their papers were seized by "
            "Ukraine's special operations forces, CNN reports.")
    assert [c.claimant for c in claims(text)] == ["CNN"]


def test_a_medium_closing_a_sentence_leaves_a_party_the_sentence_credits() -> None:
    text = "The NIS said 1,100 North Korean soldiers were killed, Yonhap reported."
    assert [c.claimant for c in claims(text)] == ["NIS"]


@pytest.mark.parametrize(
    "text",
    [
        "Ukrainian media reported that six North Korean officers were killed near Donetsk.",
        "우크라이나 매체들은 북한군 장교 6명이 도네츠크 인근에서 사망했다고 보도했다.",
        "Украинские СМИ сообщили о гибели шести офицеров КНДР под Донецком.",
    ],
)
def test_a_countrys_media_as_a_group_are_the_source(text: str) -> None:
    assert [c.claimant for c in claims(text)] == ["Ukrainian media"]


def test_a_medium_named_after_a_countrys_media_is_the_source() -> None:
    text = ("북한 장교 6명이 사망했다고 우크라이나 매체가 보도했다. 우크라이나 매체 키이우포스트는 "
            "북한 장교 6명을 포함해 20명이 숨졌다고 보도했다.")
    assert [c.claimant for c in claims(text)][:1] == ["Kyiv Post"]


def test_a_countrys_state_media_are_not_its_media_as_a_group() -> None:
    text = "Russian state media reported that 500 North Korean soldiers arrived in Kursk."
    assert [c.claimant for c in claims(text)] == ["Outlet"]


def test_ukraines_defence_intelligence_by_its_english_acronym_is_the_gur() -> None:
    text = "The DIU said 30 North Korean soldiers were killed or wounded in Kursk."
    assert [c.claimant for c in claims(text)] == ["Ukraine's GUR"]


def test_a_possessive_printed_without_its_apostrophe_still_names_seouls_spy_agency() -> None:
    text = "South Koreas intelligence said 100 North Korean soldiers had died in Kursk."
    assert [c.claimant for c in claims(text)] == ["NIS"]


def test_a_countrys_media_are_their_own_source_not_the_country() -> None:
    text = ("The exact size remains unknown, but South Korean media, citing anonymous sources, "
            "estimate it at 1,000 to 3,000 soldiers from North Korea.")
    assert {c.claimant for c in claims(text)} == {"South Korean media"}


@pytest.mark.parametrize(
    "text",
    [
        "Over 20 military personnel, including six North Korean officers, were killed in "
        "Russia's Kursk region.",
        "러시아 쿠르스크에서 미사일 공격으로 사망한 20여명 중 북한군 장교 6명이 포함됐다.",
        "В Курской области погибли более 20 военных, в том числе шесть офицеров КНДР.",
    ],
)
def test_a_total_that_includes_north_koreans_is_no_north_korean_figure(text: str) -> None:
    assert figures(text) == [6]


def test_a_korean_total_after_its_parts_keeps_them_all() -> None:
    text = ("정보총국은 장교 500명과 장성 3명을 포함해 약 1만2000명의 북한 군인들이 "
            "러시아에 있다고 밝혔다.")
    assert sorted(figures(text)) == [3, 500, 12000]


def test_a_north_korean_total_with_its_own_parts_is_kept() -> None:
    text = "North Korea sent 11,000 North Korean troops to Russia, including 500 officers."
    assert sorted(figures(text)) == [500, 11000]


def test_a_figure_named_by_where_its_people_come_from_is_a_troop_figure() -> None:
    text = "Zelensky says 11,000 from North Korea have been deployed in Russia's Kursk region."
    assert [(c.figure, c.claimant) for c in claims(text)] == [(11000, "Zelensky")]


def test_a_korean_countrys_official_speaks_for_it() -> None:
    text = "대통령실 관계자는 러시아에 파병된 북한군이 최소 1만1천명이라고 밝혔다."
    assert [c.claimant for c in claims(text)] == ["South Korea"]


def test_the_short_korean_name_of_ukraine_in_a_headline_quote_credits_it() -> None:
    text = "우크라 “러 파병 북한군 18명 부대 이탈”"
    assert [c.claimant for c in claims(text)] == ["Ukraine"]


def test_a_medium_named_after_its_kind_with_according_to_is_the_source() -> None:
    text = "우크라이나 매체 키이우 인디펜던트에 따르면 러시아 당국은 북한군 병사 18명을 구금했다."
    assert [c.claimant for c in claims(text)] == ["Kyiv Independent"]


def test_ukraines_special_unit_in_korean_is_its_special_operations_forces() -> None:
    text = "우크라이나 특수부대가 러시아 쿠르스크주에서 북한군 17명을 사살했다고 매체가 전했다."
    assert [c.claimant for c in claims(text)] == ["Ukraine's SSO"]


def test_a_russian_sentence_of_this_written_by_a_medium_credits_the_sentence_before() -> None:
    text = ("Двое солдат КНДР, взятых в плен в Курской области, хотят уехать в Южную Корею. "
            "Об этом пишет Le Monde.")
    assert [c.claimant for c in claims(text)] == ["Le Monde"]


def test_a_russian_medium_relaying_a_party_the_sentence_names_leaves_the_party() -> None:
    text = ("Северная Корея направила в Россию около 5000 военных строителей. Об этом сообщил "
            "депутат после брифинга национальной разведывательной службы, передает Euractiv.")
    assert [c.claimant for c in claims(text)] == ["NIS"]


def test_a_large_count_of_them_is_a_troop_figure() -> None:
    text = ("At least 11,000 North Korean troops have been sent to Russia and more than 3,000 "
            "of them have been moved close to the front lines.")
    assert sorted(figures(text)) == [3000, 11000]


def test_one_of_them_is_no_troop_figure() -> None:
    text = "Two North Korean soldiers were captured in Kursk; one of them was wounded."
    assert figures(text) == [2]


def test_soldiers_on_russian_soil_are_north_koreas_not_russias() -> None:
    text = ("Zelensky warned Pyongyang may soon have as many as 12,000 soldiers on Russian "
            "soil.")
    assert figures(text) == [12000]


def test_russian_soldiers_counted_are_no_north_korean_figure() -> None:
    text = "North Korea's troops fight beside 50,000 Russian soldiers in Kursk."
    assert figures(text) == []


def test_more_than_a_ten_in_russian_is_ten() -> None:
    text = "Более десятка военных офицеров Северной Кореи вернулись домой из России."
    assert [(c.figure, c.qualifier) for c in claims(text)] == [(10, "more than")]


def test_tens_of_thousands_in_russian_is_no_figure() -> None:
    assert figures("Десятки тысяч военных КНДР могут прибыть в Россию.") == []


def test_a_turn_to_another_voice_with_as_credits_the_figure_after_it_to_that_voice() -> None:
    text = ("The NIS told lawmakers that North Korea is likely to send more troops to Russia "
            "in July, as Russia's media reported that Pyongyang will send 5,000 military "
            "construction workers.")
    assert [(c.figure, c.claimant) for c in claims(text)] == [(5000, "Russian media")]


def test_a_figure_before_the_turn_keeps_the_first_voice() -> None:
    text = ("The NIS said North Korea has sent 11,000 troops to Russia, as Moscow prepares "
            "a new offensive in Kursk.")
    assert [(c.figure, c.claimant) for c in claims(text)] == [(11000, "NIS")]


@pytest.mark.parametrize(
    "text",
    [
        "About 12,000 North Korean soldiers in Kursk could all be dead or wounded by April, "
        "according to the Institute for the Study of War.",
        "미 전쟁연구소(ISW)는 북한군 1만2000명이 4월까지 모두 사상할 수 있다고 전망했다.",
    ],
)
def test_the_institute_for_the_study_of_war_is_a_party(text: str) -> None:
    assert [c.claimant for c in claims(text)] == ["ISW"]


def test_a_country_hyphened_to_a_word_is_a_modifier_even_in_a_citing_frame() -> None:
    text = ("An estimated 12,000 North Korean soldiers in Kursk could all be dead or wounded "
            "by April, according to a report by the US-based Institute for the Study of War.")
    assert [c.claimant for c in claims(text)] == ["ISW"]


def test_a_korean_country_name_glued_to_latin_letters_is_part_of_a_mediums_name() -> None:
    text = ("RBC우크라이나에 따르면 전쟁연구소(ISW)는 16일 발간한 보고서에서 약 1만2000명의 "
            "북한군 병력이 모두 전사하거나 부상할 수 있다고 내다봤다.")
    assert [c.claimant for c in claims(text)] == ["ISW"]


def test_a_korean_forecast_verb_credits_its_subject() -> None:
    text = "한국 정부는 북한이 3000명을 추가 파병할 것으로 내다봤다."
    assert [c.claimant for c in claims(text)] == ["South Korea"]


def test_two_services_joined_in_korean_credit_the_first_named() -> None:
    text = ("국정원과 우크라이나 국방부 정보총국(HUR)은 북한군 1만1000명 중 4000여명의 "
            "사상자가 발생했다고 전했다.")
    assert [c.claimant for c in claims(text)] == ["NIS", "NIS"]


@pytest.mark.parametrize(
    "text",
    [
        "국정원은 북한이 지난해 러시아에 1000여명 노동자를 파견했다고 밝혔다.",
        "북한과 러시아 대학들이 협력해 180명 유학생에 단기 연수까지 제공한다.",
    ],
)
def test_civilians_named_right_after_a_korean_count_are_no_troop_figure(text: str) -> None:
    assert figures(text) == []


def test_others_injured_without_an_auxiliary_are_casualties() -> None:
    text = ("About 300 North Korean troops have been killed and 2,700 others injured while "
            "fighting for Russia, South Korean lawmakers said.")
    assert [(c.figure, c.kind) for c in claims(text)] == [(300, "casualties"),
                                                         (2700, "casualties")]


def test_another_figure_after_a_verb_of_loss_counts_the_soldiers_before() -> None:
    text = ("Ukrainian drone operators killed 50 North Korean soldiers and injured another 47 "
            "over three days in Kursk.")
    assert [(c.figure, c.kind) for c in claims(text)] == [(50, "casualties"),
                                                         (47, "casualties")]


def test_a_bare_figure_that_was_sent_counts_the_troops_its_sentence_names() -> None:
    text = ("That would triple the number of North Korean soldiers supporting Russia after "
            "an estimated 14,000 were sent last year to Kursk.")
    assert [(c.figure, c.kind, c.qualifier) for c in claims(text)] == [
        (14000, "deployed", "about")]
