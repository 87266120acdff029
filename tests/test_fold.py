"""Folding reports into stories: near copies, sentence vectors across languages, acts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count

import numpy as np
import pytest

from bot.embed import default_embedder, embed_text
from bot.fold import (
    CROSS_SCRIPT_ALLOWANCE,
    PLAIN_THRESHOLD,
    Candidate,
    Decision,
    Features,
    decide,
    default_acts,
    features,
    minhash,
    similarity,
    veto,
    without_dateline,
)

T0 = datetime(2024, 11, 12, 6, 0, tzinfo=UTC)
_ids = count(1)

# --- texts ------------------------------------------------------------------------------------

WIRE = (
    "North Korea ratifies defence treaty with Russia",
    "North Korea has ratified a mutual defence treaty with Russia, state media KCNA said on "
    "Tuesday. Kim Jong Un signed a decree ratifying the Comprehensive Strategic Partnership "
    "treaty, which Putin and Kim signed in Pyongyang in June.",
)
# The same wire story as another outlet runs it: its own headline, one sentence added.
COPY = (
    "N. Korea's Kim ratifies mutual defence pact with Russia - KCNA",
    WIRE[1] + " Russia's parliament approved the treaty last week.",
)
KOREAN = (
    "북한 김정은, 북러 조약 비준…조선중앙통신 보도",
    "북한이 러시아와 체결한 포괄적 전략적 동반자 관계에 관한 조약을 비준했다고 조선중앙통신이 "
    "12일 보도했다. 김정은 국무위원장은 정령을 통해 조약을 비준했다.",
)
RUSSIAN = (
    "КНДР ратифицировала договор о стратегическом партнерстве с Россией",
    "Председатель госдел КНДР Ким Чен Ын подписал указ о ратификации договора о всеобъемлющем "
    "стратегическом партнерстве с Россией, сообщило ЦТАК.",
)
UNRELATED = (
    "Seoul weather: heavy snow expected",
    "Heavy snow is forecast for Seoul and Gyeonggi province on Wednesday, the Korea "
    "Meteorological Administration said, urging drivers to take care on icy roads.",
)
SIGNINGS = [
    ("Putin and Kim sign mutual defence pact in Pyongyang",
     "Russian President Vladimir Putin and North Korean leader Kim Jong Un signed a "
     "Comprehensive Strategic Partnership treaty in Pyongyang on Wednesday."),
    ("Путин и Ким Чен Ын подписали договор о всеобъемлющем стратегическом партнерстве",
     "Президент России и лидер КНДР подписали договор в Пхеньяне."),
    ("북러 정상, 포괄적 전략적 동반자 관계 조약 서명",
     "푸틴 대통령과 김정은 국무위원장이 평양에서 조약에 서명했다."),
]
TEXT = (
    "KCNA releases full text of treaty with Russia",
    "North Korea's state media KCNA published the full text of the Comprehensive Strategic "
    "Partnership treaty that Kim Jong Un and Vladimir Putin signed in Pyongyang, including an "
    "article on mutual military assistance.",
)


def item(text: tuple[str, str]) -> tuple[Features, np.ndarray]:
    title, summary = text
    return features(title, summary), default_embedder().vectors([embed_text(title, summary)])[0]


def report(text: tuple[str, str], story_id: int, published: datetime = T0) -> Candidate:
    feats, vector = item(text)
    return Candidate(next(_ids), story_id, published, feats, vector, story_first=published)


def main_act(headline: str, lead: str = "") -> str | None:
    return default_acts().read(headline, lead)[0]


def fold(text: tuple[str, str], published: datetime, *stories: Candidate) -> Decision:
    feats, vector = item(text)
    return decide(feats, vector, published, stories)


# --- near copies ------------------------------------------------------------------------------


def test_a_wire_copy_with_another_headline_and_an_added_sentence_is_similar() -> None:
    assert similarity(minhash(" ".join(WIRE)), minhash(" ".join(COPY))) >= 0.5


def test_unrelated_texts_are_not_similar() -> None:
    assert similarity(minhash(" ".join(WIRE)), minhash(" ".join(UNRELATED))) < 0.2


def test_similarity_ignores_case_and_punctuation() -> None:
    text = WIRE[1]
    assert similarity(minhash(text), minhash(text.upper().replace(",", ""))) == 1.0


def test_a_near_copy_joins_the_story_of_the_item_it_copies() -> None:
    original = report(WIRE, story_id=3)
    decision = fold(COPY, T0 + timedelta(hours=1), original)
    assert (decision.how, decision.story_id, decision.item_id) == (
        "syndicated", 3, original.item_id)


def test_only_a_report_found_by_a_near_copy_key_is_taken_for_a_copy() -> None:
    feats, vector = item(WIRE)
    seen_by_time = Candidate(next(_ids), 3, T0, feats, vector, story_first=T0, by_key=False)
    decision = fold(COPY, T0 + timedelta(hours=1), seen_by_time)
    assert (decision.how, decision.story_id) == ("event", 3)


# --- the headline's act -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headline", "act"),
    [
        ("North Korea ratifies treaty with Russia", "RATIFY:KP"),
        ("Russia's Duma ratifies treaty with North Korea", "RATIFY:RU"),
        ("Russia's upper house approves pact with Pyongyang", "RATIFY:RU"),
        ("Putin signs into law defence treaty with N Korea", "RATIFY:RU"),
        ("DPRK-Russia treaty ratified", "RATIFY:?"),
        ("북한, 러시아와 조약 비준", "RATIFY:KP"),
        ("Госдума ратифицировала договор с КНДР", "RATIFY:RU"),
        ("Дума ратифицировала договор о партнерстве РФ и КНДР", "RATIFY:RU"),
        ("Putin and Kim sign pact", "SIGN"),
        ("Путин и Ким Чен Ын подписали договор", "SIGN"),
        ("KCNA releases full text of treaty with Russia", "PUBLISH_TEXT"),
        ("북러 조약 전문 공개", "PUBLISH_TEXT"),
        ("Russia-N. Korea treaty comes into force", "ENTER_FORCE"),
        ("Договор между Россией и КНДР вступил в силу", "ENTER_FORCE"),
        ("북·러조약 비준서 교환 \"4일부터 효력 발생\"", "ENTER_FORCE"),
        ("North Korea sends 1,500 special forces to Russia", "DEPLOY"),
        ("Ukraine captures 2 North Korean soldiers in Russia", "CAPTURE"),
        ("북한, 동해상으로 탄도미사일 발사", "LAUNCH"),
        ("Russia confirms North Korean troops fought in Kursk", "CONFIRM:RU"),
    ],
)
def test_the_act_is_the_headlines_main_act_in_english_korean_and_russian(
    headline: str, act: str
) -> None:
    assert main_act(headline) == act


@pytest.mark.parametrize(
    "headline",
    [
        "First direct flight from Moscow lands in Pyongyang",
        "Первый прямой авиарейс из Москвы приземлился в Пхеньяне",
        "모스크바발 첫 직항편, 평양 착륙",
    ],
)
def test_a_landing_is_an_arrival(headline: str) -> None:
    assert main_act(headline) == "ARRIVE"


@pytest.mark.parametrize(
    "headline",
    [
        "North Korean service members have arrived in Russia, Austin says",
        "Северокорейские военные прибыли в Курскую область",
        "북한군 병력, 러시아 쿠르스크에 도착",
    ],
)
def test_soldiers_arriving_are_deployed(headline: str) -> None:
    assert main_act(headline) == "DEPLOY"


def test_an_envoys_arrival_and_a_troop_dispatch_the_same_day_are_two_events() -> None:
    arrives = features("Shoigu arrives in Pyongyang on Putin's orders", "")
    dispatch = features("North to dispatch 6,000 military engineers to Russia", "")
    assert veto(arrives, dispatch, timedelta(hours=4)) == "ARRIVE vs DEPLOY"


def test_a_leader_receiving_a_visitor_is_a_meeting() -> None:
    # 접견: Kim receives Russia's defence minister; another event than his arrival.
    assert main_act("김정은, 러 국방장관 접견…\"평양은 모스크바와 함께 있을 것\"") == "MEET"


def test_an_earlier_act_in_a_clause_of_the_headline_is_not_its_act() -> None:
    assert main_act("Russia ratifies treaty signed in June") == "RATIFY:RU"
    assert main_act("6월 체결한 북러 조약, 러시아 하원서 비준") == "RATIFY:RU"


def test_a_participle_after_the_treaty_it_describes_is_no_act() -> None:
    headline = ("North Korean servicemen took part in the operation in accordance with the "
                "partnership treaty signed in June 2024, Zakharova said")
    assert main_act(headline) is None


def test_before_a_colon_is_a_label_and_the_act_is_read_after_it() -> None:
    assert main_act("Pyongyang talks: Russia and North Korea sign defence pact") == "SIGN"
    assert main_act("Russia ratifies treaty: what it means") == "RATIFY:RU"


def test_a_korean_headline_names_the_acting_side_by_its_subject_particle() -> None:
    # "Following Russia, North Korea too ratifies…": 북한도 is the subject.
    assert main_act("러시아 이어 북한도 북·러 조약 비준…김정은 서명") == "RATIFY:KP"


def test_a_korean_topic_names_the_acting_side_over_the_subject_of_a_clause() -> None:
    # "As Russia claims Kursk retaken, the North confirms its dispatch": 러시아가 is the
    # subject of the clause, 북한은 (the topic) the one who confirms.
    headline = "러시아가 쿠르스크 탈환을 주장한 가운데 북한은 파병 사실을 공식 확인"
    assert main_act(headline) == "CONFIRM:KP"


def test_a_korean_headlines_topic_before_a_comma_names_the_acting_side() -> None:
    # "The North, confirms its dispatch to Russia": 北 is the subject, "北, 러" no pair.
    assert main_act("北, 러시아 파병·전사자 첫 공식 확인") == "CONFIRM:KP"
    assert main_act("북, 러 파병 공식 확인") == "CONFIRM:KP"


@pytest.mark.parametrize(
    ("headline", "act"),
    [
        ("Putin gifts Kim Jong Un a Russian-made limousine", "GIFT:RU"),
        ("Kim Jong Un gifts Putin a pair of Pungsan dogs", "GIFT:KP"),
        ("Ким Чен Ын подарил президенту Путину двух охотничьих собак", "GIFT:KP"),
        ("푸틴, 북 평양동물원에 사자·불곰 등 동물 70여 마리 선물", "GIFT:RU"),
    ],
)
def test_a_gift_is_its_givers_act(headline: str, act: str) -> None:
    assert main_act(headline) == act


@pytest.mark.parametrize(
    "headline",
    [
        "Russia detains 18 North Korean soldiers who fled their posts",
        "러시아서 근무지 이탈한 북한군 18명 붙잡혀 구금",
        "В Курской области задержали 18 северокорейских военных",
    ],
)
def test_a_detention_is_a_capture(headline: str) -> None:
    assert main_act(headline) == "CAPTURE"


@pytest.mark.parametrize(
    "headline",
    [
        "North Korea launches ballistic missile toward East Sea",
        "북한, 서해상으로 전략순항미사일 발사",
        "КНДР запустила баллистическую ракету",
        "Russia launched direct passenger flights to Pyongyang",
    ],
)
def test_a_launch_is_of_what_is_fired_or_set_going(headline: str) -> None:
    assert main_act(headline) == "LAUNCH"


@pytest.mark.parametrize(
    "headline",
    [
        "Russian schoolchildren in Pyongyang launched lanterns in honour of the soldiers",
        "Российские школьники запустили фонарики в честь подвига солдат КНДР",
    ],
)
def test_lanterns_set_afloat_are_no_launch(headline: str) -> None:
    assert main_act(headline) != "LAUNCH"


def test_a_side_after_to_receives_the_act_and_does_not_do_it() -> None:
    assert main_act("More than 70 animals gifted to North Korea") == "GIFT:?"


def test_without_an_act_in_the_headline_the_leads_first_sentence_names_it() -> None:
    act = main_act(
        "Treaty news", "The State Duma ratified the treaty with North Korea. Putin signed it.")
    assert act == "RATIFY:RU"


def test_a_signing_recalled_in_the_lead_is_background_not_the_act() -> None:
    act = main_act(
        "A new era for the pact", "The treaty Putin and Kim signed in June is a turning point.")
    assert act is None


def test_a_briefings_voice_is_who_gives_it() -> None:
    assert features("North Korea sent 3,000 troops to Russia, NIS says", "").voices == (
        "KR-INTEL",)
    assert features("DPRK sends 3000 troops to Russia - White House", "").voices == (
        "US-WHITE-HOUSE",)


@pytest.mark.parametrize(
    ("headline", "voice"),
    [
        ("NATO chief Rutte confirms North Korean troops in Kursk", "INTL-NATO"),
        ("나토 수장 \"북한군 러 쿠르스크 배치 확인\"", "INTL-NATO"),
        ("Генсек НАТО заявил о переброске военных КНДР в Курскую область", "INTL-NATO"),
        ("Pentagon says 10,000 North Korean troops in Russia", "US-DEFENSE"),
        ("美 국방 \"북한 병력 러시아에 있다\"", "US-DEFENSE"),
        ("В Пентагоне заявили о военных КНДР в Курской области", "US-DEFENSE"),
        ("Blinken: 8,000 North Korean troops in Kursk", "US-STATE"),
    ],
)
def test_an_international_body_and_each_us_department_are_voices_of_their_own(
    headline: str, voice: str
) -> None:
    assert features(headline, "").voices == (voice,)


@pytest.mark.parametrize(
    ("headline", "voice"),
    [
        ("Japan voices grave concern over new Russia-N. Korea treaty", "JP"),
        ("일본, 북·러 군사결속에 \u201c안보 관점서 심각히 우려\u201d", "JP"),
        ("В Японии выразили обеспокоенность договором России и КНДР", "JP"),
        ("China says it has no comment on the Russia-North Korea pact", "CN"),
        ("대통령실, 북러 조약 규탄", "KR-PRESIDENT"),
        ("South Korea summons Russian ambassador", "KR-DIPLOMACY"),
        ("외교부, 주한 러 대사 초치", "KR-DIPLOMACY"),
    ],
)
def test_other_governments_and_seouls_offices_are_voices_of_their_own(
    headline: str, voice: str
) -> None:
    assert features(headline, "").voices == (voice,)


@pytest.mark.parametrize(
    ("headline", "voice"),
    [
        ("Kremlin spokesman Peskov says the treaty is not aimed at anyone", "RU-KREMLIN"),
        ("Лавров провел переговоры с главой МИД КНДР", "RU-MFA"),
        ("라브로프 러시아 외무장관, 최선희와 회담", "RU-MFA"),
        ("Russian Defense Minister Belousov arrives in Pyongyang", "RU-DEFENSE"),
        ("Медведев встретился с Ким Чен Ыном", "RU-SECURITY-COUNCIL"),
        ("김정은, 러 메드베데프 접견", "RU-SECURITY-COUNCIL"),
    ],
)
def test_russias_institutions_besides_its_president_are_voices_of_their_own(
    headline: str, voice: str
) -> None:
    assert features(headline, "").voices == (voice,)


@pytest.mark.parametrize(
    "headline",
    [
        "North Korea's foreign ministry accuses Seoul of flying drones over Pyongyang",
        "북한 외무성, 남한 무인기 평양 침범 주장",
        "Министерство иностранных дел КНДР обвинило Сеул в запуске беспилотников",
    ],
)
def test_north_koreas_foreign_ministry_is_a_voice_of_its_own(headline: str) -> None:
    assert features(headline, "").voices == ("KP-MFA",)


def test_north_koreas_foreign_minister_on_a_visit_is_no_voice() -> None:
    assert features("최선희 북한 외무상, 러시아 방문", "").voices == ()


def test_a_metonym_for_russia_is_no_voice() -> None:
    assert features("Северная Корея продолжает поставлять Кремлю ракеты", "").voices == ()


def test_two_visitors_met_the_same_day_are_two_events() -> None:
    chinese = features("North Korean leader Kim Jong-un met with Chinese Premier Li Qiang", "")
    russian = features("Медведев встретился с Ким Чен Ыном в Пхеньяне", "")
    assert veto(chinese, russian, timedelta(hours=6)) is not None


def test_two_governments_reactions_to_one_treaty_are_two_events() -> None:
    japan = features("Japan voices grave concern over new Russia-N. Korea treaty", "")
    seoul = features("외교부, 주한 러 대사 초치…\"북러 조약, 한러관계에 부정적 영향\"", "")
    assert veto(japan, seoul, timedelta(hours=12)) is not None


@pytest.mark.parametrize(
    ("headline", "act"),
    [
        ("North Korea welcomes engineer troops' return from Russia's Kursk region", "RETURN"),
        ("쿠르스크 파병 북한 공병부대 귀국", "RETURN"),
        ("Северокорейские саперы вернулись из Курской области", "RETURN"),
    ],
)
def test_troops_coming_home_is_a_return(headline: str, act: str) -> None:
    assert features(headline, "").action == act


def test_a_return_is_another_event_than_a_deployment() -> None:
    home = features("North Korea welcomes engineer troops' return from Kursk", "")
    sent = features("North Korea sends 1,000 sappers to Kursk", "")
    assert veto(home, sent, timedelta(hours=12)) is not None


def test_a_third_governments_reaction_is_another_event_than_the_act() -> None:
    vote = features("Госдума ратифицировала договор с КНДР", "")
    seoul = features("외교부, 러 하원 북·러 조약 비준에 \"엄중 우려\"", "")
    assert veto(vote, seoul, timedelta(hours=12)) is not None


def test_the_state_departments_comment_is_another_event_than_the_act() -> None:
    confirmed = features("North Korea confirms sending troops to Russia", "")
    comment = features("State Department voices concern over North Korea's role in Kursk", "")
    assert veto(confirmed, comment, timedelta(hours=12)) == "US-STATE reacts vs the news itself"


def test_a_briefing_by_a_source_may_join_the_act_it_reports() -> None:
    nis = features("North Korea sent 3,000 troops to Russia, NIS says", "")
    kcna = features("North Korea sends troops to Russia", "")
    assert veto(nis, kcna, timedelta(hours=12)) is None


def test_the_city_a_meeting_is_held_in_is_no_voice() -> None:
    assert "CN" not in features("Путин встретился с Ким Чен Ыном в Пекине", "").voices


@pytest.mark.parametrize(
    "headline",
    [
        "Putin says deploying North Korean troops is Russia's own business",
        "푸틴 \"북한군 파병, 우리가 알아서 할 일\"",
        "Путин прокомментировал заявления о снимках северокорейских военных",
    ],
)
def test_the_russian_president_named_in_the_headline_is_a_voice(headline: str) -> None:
    assert features(headline, "").voices == ("RU-PRESIDENT",)


def test_the_russian_president_named_only_in_the_lead_is_no_voice() -> None:
    lead = "The treaty Putin and Kim Jong Un signed in June has entered into force."
    assert features("Russia-North Korea treaty takes effect", lead).voices == ()


def test_the_presidents_word_and_the_pentagons_the_same_day_are_two_events() -> None:
    putin = features("Putin does not deny North Korean troops are in Russia", "")
    pentagon = features("Pentagon confirms North Korean troops in Russia", "")
    assert veto(putin, pentagon, timedelta(hours=12)) is not None


@pytest.mark.parametrize(
    "lead",
    [
        "TOKYO, December 5. /TASS/. The treaty has entered into force.",
        "BEIJING. Dec 5 (Interfax) - The treaty has entered into force.",
        "SEOUL (Reuters) - The treaty has entered into force.",
        "ТОКИО, 5 декабря. /ТАСС/. Договор вступил в силу.",
    ],
)
def test_a_leads_dateline_is_not_a_voice(lead: str) -> None:
    assert features("Russia-North Korea treaty takes effect", lead).voices == ()


@pytest.mark.parametrize(
    "lead",
    [
        "(서울=뉴스1) 유민주 기자 = 북러 조약이 발효됐다.",
        "[서울=뉴시스] 변해정 기자 = 북러 조약이 발효됐다.",
    ],
)
def test_a_korean_agencys_dateline_is_cut_from_the_lead(lead: str) -> None:
    assert without_dateline(lead) == "북러 조약이 발효됐다."


def test_a_leads_act_is_read_after_its_dateline() -> None:
    lead = "SEOUL, December 13. /TASS/. North Korea has ratified the treaty with Russia."
    assert features("A new chapter for Pyongyang and Moscow", lead).action == "RATIFY:KP"


def test_a_capitalised_name_with_a_bracket_is_no_dateline() -> None:
    lead = "North Korea (DPRK) has ratified the treaty with Russia."
    assert features("A new chapter", lead).action == "RATIFY:KP"


@pytest.mark.parametrize(
    "headline",
    [
        "Russian Senate committee recommends approving treaty with North Korea",
        "러시아 상원 국제위원회, 북러 조약 비준 권고",
        "Комитет Совфеда рекомендовал ратифицировать договор с КНДР",
        "Federation Council will discuss the ratification of the treaty on Wednesday",
        "Putin, Kim expected to sign partnership treaty",
        "북러 정상, 포괄적 동반자 조약 서명 예정",
        "Совет Федерации рассмотрит ратификацию договора с КНДР",
    ],
)
def test_a_committees_step_or_a_plan_reports_the_act_not_done(headline: str) -> None:
    assert features(headline, "").undone


@pytest.mark.parametrize(
    "headline",
    [
        "Zelensky says he is ready to hand over captured North Korean soldiers",
        "Зеленский готов передать пленных солдат КНДР в обмен на украинцев",
        "젤렌스키, 북한군 포로 교환 용의",
    ],
)
def test_an_offer_reports_the_act_not_done(headline: str) -> None:
    assert features(headline, "").undone


@pytest.mark.parametrize(
    "headline",
    [
        "Austin cannot confirm reports of North Korean troops in Russia",
        "В США еще не подтверждают отправку Северной Кореей военных в Россию",
        "미 국방부, 북한군 러시아 파병 확인 못해",
    ],
)
def test_a_denied_act_is_not_done(headline: str) -> None:
    assert features(headline, "").undone


@pytest.mark.parametrize(
    "headline",
    [
        "Federation Council ratifies treaty with North Korea",
        "러시아 상원, 북러 조약 비준",
        "Совет Федерации ратифицировал договор с КНДР",
        # A plan elsewhere in the headline is not the act's.
        "Putin and Kim sign treaty; the two will hold talks again next year",
    ],
)
def test_an_act_reported_done_is_done(headline: str) -> None:
    assert not features(headline, "").undone


# --- vetoes -----------------------------------------------------------------------------------


def feats(action: str | None, voices: tuple[str, ...] = ()) -> Features:
    return Features(action, (), voices)


def test_different_acts_veto_a_join() -> None:
    assert veto(feats("SIGN"), feats("PUBLISH_TEXT"), timedelta(hours=3)) is not None


def test_one_sides_act_and_the_other_sides_veto_a_join() -> None:
    assert veto(feats("RATIFY:RU"), feats("RATIFY:KP"), timedelta(hours=3)) is not None


def test_an_unknown_side_joins_either_side_within_a_day_and_never_later() -> None:
    assert veto(feats("RATIFY:?"), feats("RATIFY:KP"), timedelta(hours=20)) is None
    assert veto(feats("RATIFY:?"), feats("RATIFY:KP"), timedelta(hours=30)) is not None


def test_gifts_of_two_givers_veto_a_join() -> None:
    assert veto(feats("GIFT:RU"), feats("GIFT:KP"), timedelta(hours=20)) is not None


def test_a_gift_at_talks_does_not_veto_the_talks() -> None:
    # "Lavrov hands Choe flowers" and "Lavrov's talks with Choe begin": one visit
    assert veto(feats("GIFT:RU"), feats("MEET"), timedelta(hours=2)) is None


def test_a_confirmation_of_an_act_does_not_veto_the_act() -> None:
    assert veto(feats("CONFIRM:?"), feats("DEPLOY"), timedelta(hours=3)) is None
    confirms_deployment = Features("CONFIRM:KR", (), (), named=("CONFIRM", "DEPLOY"))
    assert veto(confirms_deployment, feats("DEPLOY"), timedelta(hours=3)) is None


def test_a_confirmation_that_names_another_act_vetoes_a_third() -> None:
    # "Zelensky confirms deadly clashes": a confirmation of casualties, not of a ratification.
    confirms_clashes = Features("CONFIRM:UA", (), (), named=("CASUALTIES", "CONFIRM"))
    assert veto(confirms_clashes, feats("RATIFY:RU"), timedelta(hours=20)) is not None


def test_reports_whose_main_acts_differ_but_that_both_name_an_act_do_not_veto() -> None:
    # "Troops deployed to Russia killed" read as a deployment, "3,000 killed" as casualties.
    deployed_killed = Features("DEPLOY", (), (), named=("CASUALTIES", "DEPLOY"))
    killed = Features("CASUALTIES", (), (), named=("CASUALTIES",))
    assert veto(deployed_killed, killed, timedelta(hours=3)) is None


def test_an_act_recalled_as_background_does_not_make_two_acts_one() -> None:
    # "KCNA publishes the text of the treaty signed on Wednesday" is not the signing.
    text = Features("PUBLISH_TEXT", (), (), named=("PUBLISH_TEXT", "SIGN"))
    signing = Features("SIGN", (), (), named=("SIGN",))
    assert veto(text, signing, timedelta(hours=12)) == "PUBLISH_TEXT vs SIGN"


def test_what_is_background_comes_from_the_acts_the_features_were_read_with() -> None:
    text = Features("PUBLISH_TEXT", (), (), named=("PUBLISH_TEXT", "SIGN"))
    signing = Features("SIGN", (), (), named=("SIGN",))
    no_background = replace(default_acts(), background=frozenset())
    assert veto(text, signing, timedelta(hours=12), no_background) is None


def test_a_committees_recommendation_and_the_chambers_vote_veto_a_join() -> None:
    committee = features("Russian Senate committee recommends approving treaty with DPRK", "")
    vote = features("Federation Council ratifies treaty with North Korea", "")
    assert (committee.action, vote.action) == ("RATIFY:RU", "RATIFY:RU")
    assert veto(committee, vote, timedelta(hours=20)) == "RATIFY:RU not done vs RATIFY:RU done"


def test_two_reports_of_one_plan_do_not_veto_each_other() -> None:
    a = features("Putin, Kim expected to sign partnership treaty", "")
    b = features("Путин и Ким Чен Ын планируют подписать договор", "")
    assert veto(a, b, timedelta(hours=2)) is None


def test_two_briefings_by_different_voices_veto_a_join() -> None:
    assert veto(feats("DEPLOY", ("KR-INTEL",)), feats("DEPLOY", ("US-DEFENSE",)),
                timedelta(hours=2))
    assert veto(feats("DEPLOY", ("KR-INTEL",)), feats("DEPLOY", ()), timedelta(hours=2)) is None


def test_natos_figure_and_the_pentagons_the_same_day_stay_apart() -> None:
    nato = features("NATO chief Rutte says North Korean troops deployed to Kursk", "")
    pentagon = features("Pentagon says North Korean troops deployed to Kursk", "")
    assert veto(nato, pentagon, timedelta(hours=3)) == "INTL-NATO vs US-DEFENSE said"


def test_the_white_house_and_the_pentagon_the_same_day_stay_apart() -> None:
    white_house = features("DPRK sends about 3000 troops to Russia - White House", "")
    pentagon = features("펜타곤 \"북한군 1만명 러시아에 파병\"", "")
    assert veto(white_house, pentagon, timedelta(hours=3)) is not None


# --- decide -----------------------------------------------------------------------------------


def test_no_candidates_make_a_new_story() -> None:
    assert fold(WIRE, T0).how == "new"


def test_reports_of_one_ratification_in_english_korean_and_russian_are_one_story() -> None:
    english = report(WIRE, story_id=4)
    korean = fold(KOREAN, T0 + timedelta(hours=5), english)
    assert (korean.how, korean.story_id) == ("event", 4)
    russian = fold(RUSSIAN, T0 + timedelta(hours=8), english,
                   report(KOREAN, 4, T0 + timedelta(hours=5)))
    assert (russian.how, russian.story_id) == ("event", 4)
    assert russian.detail["nearest"]  # the why: the members it is closest to


def test_the_same_reports_ten_days_apart_are_two_stories() -> None:
    assert fold(KOREAN, T0 + timedelta(days=10), report(WIRE, story_id=4)).how == "new"


def test_signing_and_publishing_the_text_a_day_later_are_two_stories() -> None:
    signing = [report(text, story_id=1) for text in SIGNINGS]
    decision = fold(TEXT, T0 + timedelta(days=1), *signing)
    assert decision.how == "new"
    assert decision.detail["vetoed"][0]["veto"] == "PUBLISH_TEXT vs SIGN"


def test_a_story_is_compared_through_all_its_reports_not_its_nearest() -> None:
    # A story that already holds the ratification and two unrelated reports: close to one
    # of its reports is not close to the story.
    mixed = [report(WIRE, 5), report(UNRELATED, 5),
             report(("Bank of Korea holds rates", "The central bank kept its base rate."), 5)]
    assert fold(KOREAN, T0 + timedelta(hours=2), *mixed).how == "new"


def test_a_story_takes_no_report_more_than_two_days_after_its_first() -> None:
    # Its reports of the last day are close, but the story began three days ago: the
    # report cannot chain it on (and its first reports, out of view, could not veto).
    late = Candidate(next(_ids), 6, T0 + timedelta(days=2), *item(WIRE),
                     story_first=T0 - timedelta(days=1))
    assert fold(KOREAN, T0 + timedelta(days=2, hours=2), late).how == "new"


def test_a_report_dated_the_day_after_a_storys_first_joins_it() -> None:
    # Reports dated to the day only are taken at noon: the next day's is 24 hours on.
    first = report(WIRE, story_id=9, published=T0)
    decision = fold(KOREAN, T0 + timedelta(days=1), first)
    assert (decision.how, decision.story_id) == ("event", 9)


def test_a_report_late_on_the_day_after_a_storys_first_joins_it() -> None:
    # Counted in days, not hours: 40 hours on, but still the first report's next day.
    first = report(WIRE, story_id=11, published=T0)
    decision = fold(KOREAN, T0 + timedelta(hours=40), first)
    assert (decision.how, decision.story_id) == ("event", 11)


def test_a_report_dated_two_days_after_a_storys_first_is_a_new_story() -> None:
    # Dated to the day only, the third day's report is 48 hours on: another day's event
    # (the return flight, the next statement), even when the story's last report is of
    # the day before.
    first = report(WIRE, story_id=10, published=T0)
    later = Candidate(next(_ids), 10, T0 + timedelta(days=1), *item(KOREAN), story_first=T0)
    assert fold(RUSSIAN, T0 + timedelta(days=2), first, later).how == "new"


def test_two_stories_are_merged_only_when_both_are_in_view() -> None:
    # The item is close to both stories; the English one's first report is out of view (in
    # a burst storage returns the reports nearest in time only), so they are not merged.
    english = Candidate(next(_ids), 7, T0 + timedelta(hours=30), *item(WIRE),
                        story_first=T0 + timedelta(hours=20))
    korean = report(KOREAN, story_id=8, published=T0 + timedelta(hours=31))
    third = ("Pyongyang ratifies strategic partnership treaty with Moscow",
             "North Korean leader Kim Jong Un ratified the treaty with Russia by decree, the "
             "Korean Central News Agency reported.")
    decision = fold(third, T0 + timedelta(hours=32), english, korean)
    assert decision.how == "event"
    assert decision.also == ()
    assert fold(third, T0 + timedelta(hours=32), english, korean, report(
        WIRE, story_id=7, published=T0 + timedelta(hours=20))).also != ()


def test_a_late_report_close_to_two_stories_does_not_merge_them() -> None:
    signing = [report(text, story_id=1) for text in SIGNINGS]
    text = [report(TEXT, story_id=2, published=T0 + timedelta(hours=20))]
    late = ("Russia and North Korea pledge mutual military aid in new treaty",
            "The Comprehensive Strategic Partnership treaty of Russia and North Korea commits "
            "each to help the other if attacked.")
    decision = fold(late, T0 + timedelta(hours=22), *signing, *text)
    assert decision.how == "event"
    assert decision.also == ()
    assert decision.detail["not_merged"]


def test_a_report_close_to_two_stories_of_one_event_merges_them() -> None:
    # Two outlets' reports of the ratification that began two stories (each came in first
    # somewhere), and a third report close to both: they are one event.
    english, korean = report(WIRE, story_id=7), report(KOREAN, story_id=8)
    third = ("Pyongyang ratifies strategic partnership treaty with Moscow",
             "North Korean leader Kim Jong Un ratified the treaty with Russia by decree, the "
             "Korean Central News Agency reported.")
    decision = fold(third, T0 + timedelta(hours=3), english, korean)
    assert decision.how == "event"
    assert {decision.story_id, *decision.also} == {7, 8}


def _leaning(script: str, event: int) -> np.ndarray:
    """A unit vector of an event with a part its script's reports share, as a multilingual
    encoder's vectors have: one axis per script, one per event."""
    axes = np.eye(16)
    vector = 1.5 * axes[{"latin": 0, "hangul": 1}[script]] + axes[event]
    return vector / np.linalg.norm(vector)


def _reported(item_id: int, story_id: int, script: str, vector: np.ndarray) -> Candidate:
    return Candidate(item_id, story_id, T0, Features(None, (), script=script), vector,
                     story_first=T0)


def test_each_scripts_own_mean_is_taken_out_so_an_event_joins_across_languages() -> None:
    # A busy window: twelve reports, each script's sharing its part. The Korean report of
    # event 2 joins the English report of event 2, not the Korean report of event 3.
    window = [_reported(1, 1, "latin", _leaning("latin", 2)),
              _reported(2, 2, "hangul", _leaning("hangul", 3))]
    window += [_reported(10 + k, 10 + k, "latin" if k % 2 else "hangul",
                         _leaning("latin" if k % 2 else "hangul", 4 + k)) for k in range(10)]
    korean = Features(None, (), script="hangul")
    decision = decide(korean, _leaning("hangul", 2), T0 + timedelta(hours=1), window)
    assert (decision.how, decision.story_id) == ("event", 1)


def test_with_few_reports_a_cosine_across_scripts_gets_an_allowance() -> None:
    # Too few reports for a background: plain cosines, just under the threshold.
    cosine = PLAIN_THRESHOLD - CROSS_SCRIPT_ALLOWANCE / 2
    vector = np.array([cosine, np.sqrt(1 - cosine**2)])
    english = _reported(1, 1, "latin", np.array([1.0, 0.0]))
    korean, other = Features(None, (), script="hangul"), Features(None, (), script="latin")
    assert decide(korean, vector, T0, [english]).story_id == 1
    assert decide(other, vector, T0, [english]).how == "new"


def test_features_name_the_script_of_most_of_the_headlines_and_leads_letters() -> None:
    assert [features(*text).script for text in (WIRE, KOREAN, RUSSIAN)] == [
        "latin", "hangul", "cyrillic"]


def test_features_survive_a_json_round_trip() -> None:
    f = features(*WIRE)
    assert Features.from_json(f.to_json()) == f


def test_a_report_filed_two_days_on_joins_the_story_of_the_day_its_text_names() -> None:
    # Published on the third day, but it says the decree was signed on the story's first
    # day: a late report of that event, not the third day's news.
    first = report(WIRE, story_id=12, published=T0)
    title = RUSSIAN[0]
    lead = RUSSIAN[1].replace("Ким Чен Ын подписал", "Ким Чен Ын 12 ноября подписал")
    late = T0 + timedelta(days=2)
    feats = features(title, lead, published=late, language="ru")
    vector = default_embedder().vectors([embed_text(title, lead)])[0]
    decision = decide(feats, vector, late, [first])
    assert (decision.how, decision.story_id) == ("event", 12)
    assert decision.detail["event_day"] == "2024-11-12"


def test_features_read_no_event_day_without_a_publication_time() -> None:
    assert features("Kim signs decree", "Kim Jong Un signed the decree on Tuesday.").day is None


def test_the_event_day_survives_a_json_round_trip() -> None:
    f = features("Kim signs decree", "Kim Jong Un signed the decree on Tuesday.",
                 published=T0 + timedelta(days=1))
    assert f.day is not None
    assert Features.from_json(f.to_json()) == f


# --- a newspaper's own reporting --------------------------------------------------------------


def voices(headline: str) -> tuple[str, ...]:
    return default_acts().read(headline)[1]


@pytest.mark.parametrize("headline", [
    "North Korean troops withdrawn from frontline after heavy losses - NYT",
    "Media: North Korean troops withdrawn from Kursk front line after heavy losses",
])
def test_a_newspapers_own_report_is_its_voice(headline: str) -> None:
    assert voices(headline) == ("MEDIA",)


@pytest.mark.parametrize("headline", [
    "North Korea test-fires long-range cruise missiles: state media",
    "North Korean media say Kim oversaw the launch",
])
def test_the_parties_own_media_are_no_newspapers_voice(headline: str) -> None:
    assert voices(headline) == ()


def test_a_newspapers_report_and_an_officials_statement_the_next_day_veto_a_join() -> None:
    paper = features("North Korean troops withdrawn from frontline after heavy losses - NYT", "")
    official = features("North Korean troops withdrawn from Kursk front after heavy losses, "
                        "says Ukraine", "")
    assert veto(paper, official, timedelta(hours=20)) is not None
