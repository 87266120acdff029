"""The default topic rules of feeds.yaml, and the sentence terms and sources they are written
with: general forms (stems, parts in one sentence, a guard), in English, Korean and Russian."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.config import Config, Rule
from bot.match import Matcher
from bot.models import Item


def item(title: str, summary: str = "", *, link: str = "", outlet: str = "",
         channel: str = "") -> Item:
    return Item("g", link, title, summary, datetime(2024, 11, 12, tzinfo=UTC), "Test", "en",
                outlet=outlet, channel=channel)


@pytest.fixture
def matcher(config: Config) -> Matcher:
    return Matcher(config.topics, {})


def topics(matcher: Matcher, title: str, summary: str = "", **kw: str) -> set[str]:
    return set(matcher.analyse(item(title, summary, **kw)).topic_names)


# --- the engine ---------------------------------------------------------------------------------


def test_a_sentence_term_needs_every_part_in_one_sentence() -> None:
    m = Matcher({"treaty": Rule(any=("treaty|pact + russia + north korea",))}, {})
    assert m.analyse(item("Russia and North Korea sign a pact")).topic_names == ("treaty",)
    assert m.analyse(item("Russia signs a pact.", "North Korea watches.")).topic_names == ()


def test_a_sentence_term_matches_its_parts_in_any_order() -> None:
    m = Matcher({"treaty": Rule(any=("treaty + russia + north korea",))}, {})
    assert m.analyse(item("North Korea's treaty with Russia")).topic_names == ("treaty",)


def test_a_guard_in_the_sentence_vetoes_the_term() -> None:
    m = Matcher({"kcna": Rule(any=("kcna -- did not report",))}, {})
    assert m.analyse(item("KCNA did not report the visit")).topic_names == ()
    assert m.analyse(item("KCNA reported the visit")).topic_names == ("kcna",)


def test_a_guard_vetoes_a_regex_in_its_sentence_only() -> None:
    m = Matcher({"troops": Rule(any=("re:north korean? (troops|soldiers) -- dmz|border",))}, {})
    assert m.analyse(item("North Korean soldiers crossed the DMZ")).topic_names == ()
    assert m.analyse(item("Seoul watches the DMZ.", "North Korean troops are in Kursk.")
                     ).topic_names == ("troops",)


def test_a_text_term_takes_its_parts_from_any_sentences() -> None:
    m = Matcher({"treaty": Rule(any=("text: treaty + russia + north korea -- iran",))}, {})
    assert m.analyse(item("Russia signs a treaty.", "North Korea watches.")
                     ).topics[0].terms == ("text: treaty + russia + north korea",)
    assert m.analyse(item("Russia signs a treaty.", "Iran and North Korea watch.")
                     ).topic_names == ()


def test_a_text_term_of_one_part_is_that_part_anywhere() -> None:
    m = Matcher({"kcna": Rule(any=("text: kcna",))}, {})
    assert m.analyse(item("Pyongyang said.", "KCNA reported it.")).topic_names == ("kcna",)


def test_the_why_shows_the_alternatives_that_matched() -> None:
    m = Matcher({"treaty": Rule(any=("treaty|pact + russia* + north korea|dprk",))}, {})
    assert m.analyse(item("DPRK signs pact with Russian side")).topics[0].terms == (
        "pact + russia* + dprk",)


def test_a_source_gives_the_topic_by_host_outlet_or_feed_title() -> None:
    m = Matcher({"kcna": Rule(sources=("kcna.kp", "KCNA"))}, {})
    assert m.analyse(item("Kim visits a farm", link="http://www.kcna.kp/en/a/1")).topic_names \
        == ("kcna",)
    assert m.analyse(item("Kim visits a farm", outlet="KCNA")).topic_names == ("kcna",)
    assert m.analyse(item("Kim visits a farm", channel="KCNA Watch")).topic_names == ("kcna",)
    assert m.analyse(item("Kim visits a farm", link="https://nknews.org/a")).topic_names == ()


def test_an_aggregators_own_title_is_no_source_when_the_item_has_an_outlet() -> None:
    m = Matcher({"kcna": Rule(sources=("KCNA",))}, {})
    analysis = m.analyse(item("Kim visits a farm", outlet="Reuters",
                              channel='"KCNA Russia" - Google News'))
    assert analysis.topic_names == ()


# --- kcna ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("Kim Jong Un inspects a factory", ""),
    ],
)
def test_kcna_by_its_hosts(matcher: Matcher, title: str, summary: str) -> None:
    for link in ("http://www.kcna.kp/en/article/1", "http://rodong.rep.kp/en/1",
                 "https://kcnawatch.org/newstream/1"):
        assert "kcna" in topics(matcher, title, summary, link=link)


@pytest.mark.parametrize(
    "text",
    [
        "North Korea ratified the pact with Russia, state media reported on Tuesday.",
        "북한 관영 조선중앙통신은 조약이 발효됐다고 보도했다.",
        "ЦТАК КНДР сообщило о вступлении договора в силу.",
        "North Korea's state TV KCTV aired the ceremony.",
        "Сюжет показали в эфире Центрального телевидения Северной Кореи.",
        "На ТВ КНДР впервые вышел репортаж о церемонии.",
        "«Родон Синмун», главная газета Трудовой партии Кореи, опубликовала статью о договоре.",
        "Kim Jong-un received a Russian military delegation, the Voice of Korea reported.",
        "Об этом сообщила радиостанция «Голос Кореи».",
        "북한 통신사가 인용한 성명서에서 이같이 밝혔다.",
        "Об этом сообщают «Вести» со ссылкой на эфир центрального ТВ-канала КНДР.",
        "Церемония состоялась в Пхеньяне, сообщило Центральное информационное агентство Кореи.",
        "North Korea fired cruise missiles, according to a state-run Korean news agency.",
        "한국 중앙 통신에 따르면, 김정은은 러시아 대사관을 방문했다.",
        "김정은 총비서가 핵잠수함 건조현장을 둘러봤다고 노동 신문이 보도했습니다.",
        "Kim Jong Un met Sergei Shoigu in Pyongyang.\nThey discussed the war in Kursk, "
        "according to state media reports on Wednesday.",
    ],
)
def test_kcna_when_north_koreas_state_media_speak(matcher: Matcher, text: str) -> None:
    assert "kcna" in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "Putin signed the law, Russian state media reported, as North Korea looked on.",
        "KCNA did not report the deployment of North Korean troops.",
        "ЦТАК не сообщило о визите.",
    ],
)
def test_not_kcna_for_russian_state_media_or_silence(matcher: Matcher, text: str) -> None:
    assert "kcna" not in topics(matcher, text)


def test_kcna_when_state_media_of_both_countries_speak(matcher: Matcher) -> None:
    text = "North Korean and Russian state media said Kim and Shoigu discussed the war."
    assert "kcna" in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "The Russian state news agency TASS reported that North Korea ratified the treaty.",
        "Российское телевидение показало репортаж о КНДР.",
        "Xi wished North Korea well on its founding anniversary, Chinese state media reported.",
        "중국 관영 매체는 시진핑 주석이 북한에 축전을 보냈다고 보도했다.",
        "Си Цзиньпин и Ким Чен Ын встретились в Пекине, сообщило Центральное телевидение Китая.",
        "Chinese President Xi Jinping and Kim Jong Un met for talks in Beijing, state media "
        "reported.",
        "Russia's defence minister arrived in North Korea, TASS said.\nState media showed "
        "him at the airport.",
    ],
)
def test_not_kcna_when_russias_or_chinas_agency_or_television_is_named(matcher: Matcher,
                                                                       text: str) -> None:
    assert "kcna" not in topics(matcher, text)


# --- treaty ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Moscow and Pyongyang's defence deal takes effect",
        "The agreement between North Korea and Russia entered into force",
        "Putin, Kim sign strategic partnership treaty",
        "러시아와 북한이 맺은 조약이 발효됐다",
        "Договор между КНДР и Россией вступил в силу",
        "Россия ратифицировала соглашение с Пхеньяном",
    ],
)
def test_treaty_when_a_pact_and_both_parties_share_a_sentence(matcher: Matcher, text: str) -> None:
    assert "treaty" in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "В разведке заявили о договоренности между РФ и КНДР направить 6000 военных.",
        "Россия и КНДР договорились о развитии туризма.",
    ],
)
def test_an_arrangement_or_agreeing_is_no_treaty(matcher: Matcher, text: str) -> None:
    assert "treaty" not in topics(matcher, text)


def test_an_organisation_named_for_a_treaty_is_no_treaty(matcher: Matcher) -> None:
    text = ("The North Atlantic Treaty Organization confirmed that the North Korean regime "
            "deployed troops to Russia.")
    assert "treaty" not in topics(matcher, text)


def test_the_treaty_in_russian_is_found_in_its_cases(matcher: Matcher) -> None:
    assert "treaty" in topics(matcher, "Путин подписал закон о ратификации договора с КНДР.")


@pytest.mark.parametrize(
    "text",
    [
        "They vowed to uphold the mutual defense treaty of the two countries, Pyongyang said.",
        "양국이 맺은 조약을 지키겠다고 북한이 밝혔다.",
        "КНДР заявила, что договор двух стран будет исполняться.",
    ],
)
def test_treaty_when_the_two_countries_stand_for_russia_beside_north_korea(
    matcher: Matcher, text: str
) -> None:
    assert "treaty" in topics(matcher, text)


def test_the_two_countries_of_the_1961_treaty_with_china_are_not_the_treaty(
    matcher: Matcher
) -> None:
    text = "Pyongyang marked the treaty of the two countries with China, signed in 1961."
    assert "treaty" not in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "Russia and Iran sign a comprehensive strategic partnership treaty",
        "Россия и Белоруссия подписали договор о гарантиях безопасности",
        "The 1961 treaty between Moscow and Pyongyang lapsed in the 1990s",
        "러시아와 이란이 포괄적 전략적 동반자 조약에 서명했다",
        "Russia signs a treaty with Belarus. North Korea tests a missile.",
    ],
)
def test_other_treaties_are_not_the_treaty(matcher: Matcher, text: str) -> None:
    assert "treaty" not in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "We fought beside the Russian army in keeping with our obligations under this agreement.",
        "Путин напомнил, что это соответствует нашему новому договору.",
        "Северокорейские военные действовали по двусторонним соглашениям.",
    ],
)
def test_treaty_when_a_leader_names_our_treaty_beside_one_party(
    matcher: Matcher, text: str
) -> None:
    assert "treaty" in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    ["Putin said our treaty with Iran holds",
     "Russia will sign this agreement with Ukraine only after a ceasefire"],
)
def test_our_treaty_beside_another_country_is_not_the_treaty(matcher: Matcher, text: str) -> None:
    assert "treaty" not in topics(matcher, text)


@pytest.mark.parametrize("text", [
    "푸틴, 북러협정은 방어적",
    "북한 대표는 \"북·러조약 의무에 충실할 것\"",
])
def test_treaty_by_its_korean_short_name_written_as_one_word(matcher: Matcher, text: str) -> None:
    assert "treaty" in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "The deal marks Russia's fourth such agreement in two years, following similar pacts "
        "with China, North Korea and Iran.",
        "Это четвертый подобный документ после аналогичных договоров с Китаем, КНДР и Ираном.",
    ],
)
def test_treaty_when_russias_pacts_are_listed_with_north_korea_among_their_parties(
    matcher: Matcher, text: str
) -> None:
    assert "treaty" in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "Путин ответил на вопрос о КНДР. Сегодня ратифицирован договор, где есть статья о "
        "военной помощи.",
        '김정은, 푸틴 생일에 축전. "6월 신조약, 불패의 동맹관계로 승격"',
        "Kim met Russia's Shoigu in Pyongyang. He vowed to observe a mutual defense treaty "
        "signed by the two leaders.",
    ],
)
def test_treaty_when_a_text_names_a_treaty_and_both_parties_in_different_sentences(
    matcher: Matcher, text: str
) -> None:
    assert "treaty" in topics(matcher, text)


def test_a_text_naming_another_treatys_party_is_not_the_treaty_by_its_sentences_apart(
    matcher: Matcher,
) -> None:
    text = ("Putin met Kim Jong Un in Pyongyang. Russia ratified its treaty with Iran on "
            "Tuesday.")
    assert "treaty" not in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "Kim vows to solidify the comprehensive strategic partnership with Russia: KCNA",
        "Захарова: противники пытаются помешать стратегическому партнерству с КНДР",
        "김정은, 러시아와 포괄적 전략적 동반자 관계 강화 다짐",
    ],
)
def test_a_strategic_partnership_with_no_treaty_named_is_not_the_treaty(
    matcher: Matcher, text: str
) -> None:
    assert "treaty" not in topics(matcher, text)


def test_treaty_when_a_korean_agreement_names_both_parties(matcher: Matcher) -> None:
    text = "북한이 러시아와 맺은 상호 협약에 따라 정규군을 파견할 가능성이 높다."
    assert "treaty" in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "The Comprehensive Strategic Partnership Treaty with the DPRK took effect in December",
        "Госдума ратифицировала договор о всеобъемлющем стратегическом партнерстве с КНДР",
        "북한, 포괄적 전략적 동반자 조약 이행 강조",
        "북한이 공개한 '포괄적 전략 동반자 조약'은 모두 23조로 이뤄져 있다.",
    ],
)
def test_the_strategic_partnership_treaty_beside_the_dprk_alone_is_the_treaty(
    matcher: Matcher, text: str
) -> None:
    assert "treaty" in topics(matcher, text)


def test_pacts_listed_without_north_korea_are_not_the_treaty(matcher: Matcher) -> None:
    text = "Russia signed the deal following similar pacts with China and Iran."
    assert "treaty" not in topics(matcher, text)


# --- troops -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Pyongyang sends more troops to Russia",
        "North Korea is shipping soldiers to Russia's Kursk front",
        "Thousands of soldiers were deployed to help Russia, N. Korea confirms",
        "N. Korean troops spotted in Kursk",
        "북한군, 러시아 쿠르스크에서 첫 교전",
        "러시아에 파병된 북한 병력이 늘었다",
        "Северокорейские военные прибыли в Курскую область",
        "Солдаты КНДР воюют в Курской области",
        "КНДР направила в Россию военных строителей",
        "조선은 이것으로 로씨야 파병작전을 처음 확인했다",
        "조선 무력부대가 로씨야 쿠르스크지역 수복작전에 참가했다",
        "North Korea has already lost 4,000 soldiers in the Russian war against Ukraine.",
        "Putin Lauds N.Korean Troops 'feat' In Helping Regain Territory In Kursk",
        "Speakers in Security Council Raise Alarm over Involvement of Pyongyang’s Troops in War",
        "Putin thanked units of the Korean People's Army for their help in liberating the Kursk "
        "Region, North Korea's leader said.",
        "Вопрос размещения военнослужащих Северной Кореи в зоне спецоперации следует "
        "переадресовать в Минобороны.",
        "North Korean general wounded in Ukrainian missile strike on Kursk region: WSJ",
    ],
)
def test_troops_in_verb_forms_word_orders_and_inflections(matcher: Matcher, text: str) -> None:
    assert "troops" in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "Russia could deploy troops to support North Korea in a crisis",
        "북한군 30여명이 군사분계선을 넘었다가 돌아갔다",
        "South Korea fires warning shots after North Korean soldiers briefly cross the border",
        "Around 20 North Korean troops briefly crossed into the Demilitarized Zone",
        "Северокорейские военные пересекли линию разграничения в демилитаризованной зоне",
        "South Korean troops train near the border with North Korea",
        "The North Korean Workers' Party newspaper said Russia is a friend",
    ],
)
def test_not_troops_for_other_forces_or_the_inter_korean_border(
    matcher: Matcher, text: str
) -> None:
    assert "troops" not in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "합동참모본부는 북한군이 우리 군의 경고사격에 바로 북상했다는 점에서 단순 침범으로 "
        "판단하고 있다.",
        "북한군 일부가 MDL을 내려온 것은 지난해 6월 이후 처음이다.",
        "About 10 armed North Korean soldiers returned to the North after the South Korean "
        "military fired warning shots in an eastern front-line area",
    ],
)
def test_not_troops_for_north_korean_soldiers_turned_back_at_the_border(
    matcher: Matcher, text: str
) -> None:
    assert "troops" not in topics(matcher, text)


def test_not_troops_for_soldiers_in_a_headline_whose_lead_names_the_inter_korean_border(
    matcher: Matcher
) -> None:
    assert "troops" not in topics(
        matcher, "North Korean soldiers cross border: injured",
        "Several North Korean soldiers were injured by mines while working near the military "
        "demarcation line, Seoul's military said.")


def test_troops_when_a_headline_names_soldiers_and_the_lead_russia(matcher: Matcher) -> None:
    assert "troops" in topics(
        matcher, "North Korean soldiers reach the front",
        "Thousands of them were moved to Russia's Kursk region this week.")


@pytest.mark.parametrize(
    "text",
    [
        "Военные КНДР пересекли границу с Южной Кореей",
        "Военнослужащие КНДР пересекли границу с Республикой Корея.\nГруппа северокорейских "
        "солдат вернулась назад после предупредительного огня.",
        "Солдаты Корейской народной армии перешли границу с Южной Кореей",
    ],
)
def test_not_troops_for_north_korean_soldiers_at_the_border_in_russian(
    matcher: Matcher, text: str
) -> None:
    assert "troops" not in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "Kim Jong Un greets the officers of the overseas operations units",
        "North Korea builds a museum of its overseas military operations",
        "김정은, 해외 작전 부대 지휘관들에게 축전",
        "Ким Чен Ын почтил участников зарубежных военных операций",
    ],
)
def test_troops_when_the_dprk_names_its_overseas_operations(matcher: Matcher, text: str) -> None:
    assert "troops" in topics(matcher, text)


def test_not_troops_for_the_dprks_overseas_operations_of_workers(matcher: Matcher) -> None:
    text = "North Korea's overseas operations earn money through IT workers in China"
    assert "troops" not in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "North Korean combat engineers cleared mines in the Kursk region",
        "Pyongyang welcomes its soldiers returning from Russia",
        "North Korea says its soldiers participated in the liberation of Kursk",
    ],
)
def test_troops_for_engineers_returning_or_taking_part(matcher: Matcher, text: str) -> None:
    assert "troops" in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "В Курске установят памятник боевому братству КНДР и России",
        "A monument to the combat brotherhood of North Korea and Russia in Kursk",
        "Специалисты из КНДР разминировали поля в Курской области",
    ],
)
def test_troops_for_the_combat_brotherhood_and_the_dprks_specialists(
    matcher: Matcher, text: str
) -> None:
    assert "troops" in topics(matcher, text)


def test_the_north_korean_military_is_troops_beside_the_war(matcher: Matcher) -> None:
    assert "troops" in topics(matcher, "The North Korean military fought in Russia's Kursk region")


@pytest.mark.parametrize(
    "text",
    [
        "The North Korean military test-fired a ballistic missile",
        "Russia's defence minister held talks with North Korean military and political leaders",
        "Договор о взаимной военной помощи России и КНДР вступил в силу",
        "Kim Jong Un watched the training of special operation units of the Korean People's "
        "Army",
    ],
)
def test_not_troops_for_the_military_as_an_institution(matcher: Matcher, text: str) -> None:
    assert "troops" not in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "Russia is recruiting foreign fighters for its war, enlisting Cubans, North Koreans and "
        "migrants",
        "Россия вербует для войны против Украины кубинцев, северокорейцев и мигрантов",
    ],
)
def test_troops_for_north_koreans_among_russias_foreign_recruits(matcher: Matcher,
                                                                 text: str) -> None:
    assert "troops" in topics(matcher, text)


def test_not_troops_for_north_koreans_recruited_as_workers(matcher: Matcher) -> None:
    text = "Russia is recruiting North Koreans as construction workers for its factories"
    assert "troops" not in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "Россия никогда не забудет помощи КНДР в разминировании Курской области",
        "Korean fighters who helped liberate the Kursk region will be remembered, Pyongyang "
        "said",
    ],
)
def test_troops_for_the_dprks_part_in_clearing_and_liberating_kursk(matcher: Matcher,
                                                                    text: str) -> None:
    assert "troops" in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "Lavrov: Russia is grateful to the DPRK for its allied help in liberating the Kursk region",
        "Лавров: РФ признательна КНДР за помощь в освобождении Курской области",
        "Россия признательна КНДР за помощь в освобождении Курской области от бойцов "
        "вооруженных сил Украины",
    ],
)
def test_not_troops_for_thanks_for_the_dprks_help_in_liberating_kursk_naming_no_soldiers(
    matcher: Matcher, text: str
) -> None:
    assert "troops" not in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "The militaries of Russia and the DPRK showed their brotherhood in liberating the "
        "Kursk Region",
        "Военнослужащие КНДР участвовали в освобождении Курской области",
    ],
)
def test_troops_for_the_dprks_soldiers_named_in_liberating_kursk(matcher: Matcher,
                                                                 text: str) -> None:
    assert "troops" in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "The number of North Korean killed or wounded in Kursk now exceeds 3,000",
        "The number of North Korean occupiers killed in Kursk has grown",
    ],
)
def test_troops_for_north_korean_losses_and_occupiers(matcher: Matcher, text: str) -> None:
    assert "troops" in topics(matcher, text)


def test_a_russian_thousand_abbreviated_does_not_end_the_sentence(matcher: Matcher) -> None:
    text = "КНДР направит в Курскую область 1 тыс. саперов для разминирования."
    assert "troops" in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "Путин отметил мужество и героизм воинов КНДР.",
        "Kim attended a welcome ceremony for a North Korean engineering unit that had returned "
        "home.",
    ],
)
def test_troops_as_warriors_or_as_one_engineering_unit(matcher: Matcher, text: str) -> None:
    assert "troops" in topics(matcher, text)


def test_russian_soldiers_from_north_korea_are_troops(matcher: Matcher) -> None:
    text = "Кубинцы станут самым большим контингентом, превысив количество солдат из КНДР."
    assert "troops" in topics(matcher, text)


def test_soldiers_of_north_korea_in_the_russian_genitive_are_troops(matcher: Matcher) -> None:
    # Ukraine's soldiers named in the same sentence do not make them Ukraine's
    text = ("Двое солдат Северной Кореи, которые воевали на стороне России и которых "
            "военнослужащие ВСУ взяли в плен, хотят переехать в Южную Корею.")
    assert "troops" in topics(matcher, text)


def test_not_troops_for_soldiers_of_north_korea_at_the_border_in_the_genitive(
    matcher: Matcher,
) -> None:
    text = "Солдаты Северной Кореи пересекли демаркационную линию и вернулись назад."
    assert "troops" not in topics(matcher, text)


def test_north_korean_prisoners_of_ukraine_are_troops_in_korean(matcher: Matcher) -> None:
    text = "우크라이나군에 포로로 잡힌 북한군 중 한 명이 한국으로 귀순하고 싶다는 의사를 밝혔다."
    assert "troops" in topics(matcher, text)


def test_by_military_means_is_no_soldiers(matcher: Matcher) -> None:
    text = ("Договор России с КНДР — предупреждение для стран, решающих проблемы региона "
            "военным путем.")
    assert "troops" not in topics(matcher, text)


def test_a_north_korean_military_delegation_is_no_troops_in_korean(matcher: Matcher) -> None:
    text = "모스크바 열병식에 참석한 북한군 대표단이 푸틴과 악수했다."
    assert "troops" not in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "A delegation from a North Korean military school has departed for Russia.",
        "The KPA military education delegation led by its president left for Russia.",
    ],
)
def test_a_delegation_of_north_koreas_military_is_no_troops(matcher: Matcher,
                                                            text: str) -> None:
    assert "troops" not in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "N. Korea, Russia sign agreement to enhance sports exchanges: KCNA",
        "북한과 러시아가 의료 협력 확대를 위한 협정을 체결했다.",
        "КНДР и Россия подписали соглашение о сотрудничестве в области образования.",
    ],
)
def test_a_sectoral_agreement_of_the_two_countries_is_not_the_treaty(
    matcher: Matcher, text: str
) -> None:
    assert "treaty" not in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "Russia and North Korea sign a partnership agreement that includes mutual defence.",
        "A sports delegation flew in as Russia's pact with North Korea took effect.",
    ],
)
def test_an_agreement_with_no_field_or_a_pact_beside_one_is_the_treaty(
    matcher: Matcher, text: str
) -> None:
    assert "treaty" in topics(matcher, text)


def test_building_a_bridge_is_no_builders(matcher: Matcher) -> None:
    text = "Россия и КНДР запустили строительство автомобильного моста через реку Туманную"
    assert "troops" not in topics(matcher, text)


def test_military_builders_of_the_dprk_in_russia_are_troops(matcher: Matcher) -> None:
    text = "КНДР направит в Курскую область тысячу военных строителей для помощи России"
    assert "troops" in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "I betrayed my homeland: North Korean soldier leaves last words in Kursk",
        "North Korea's suicide soldiers pose new challenge for Ukraine in war with Russia",
    ],
)
def test_troops_for_one_north_korean_soldier_or_soldiers_with_a_modifier(
    matcher: Matcher, text: str
) -> None:
    assert "troops" in topics(matcher, text)


def test_north_koreas_television_named_in_russian_in_full_is_kcna(matcher: Matcher) -> None:
    text = ("Центральное телевидение Корейской Народно-Демократической Республики показало "
            "фильм. Об этом сообщает агентство Yonhap, на которое ссылается ТАСС.")
    assert "kcna" in topics(matcher, text)


@pytest.mark.parametrize(
    "text",
    [
        "The camp opened on Wednesday and was touted as a triumph in the North Korean press.",
        "북한 매체들은 러시아 어린이들의 야영소 도착을 크게 보도했다.",
    ],
)
def test_north_koreas_media_by_another_name_are_kcna(matcher: Matcher, text: str) -> None:
    assert "kcna" in topics(matcher, text)


def test_russias_state_run_media_on_north_korea_are_not_kcna(matcher: Matcher) -> None:
    text = "A Russian tour group will visit North Korea next month, Russia's state-run media said."
    assert "kcna" not in topics(matcher, text)


def test_the_dprks_overseas_operation_area_names_its_troops(matcher: Matcher) -> None:
    text = "북한 노동신문은 해외작전지역에 출병하였던 조선인민군 공병부대가 귀국했다고 보도했다."
    assert "troops" in topics(matcher, text)
