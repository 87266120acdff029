# ruff: noqa: E501  (sentence templates read better unbroken)
"""Deterministic news items in English, Korean and Russian, and RSS documents of them.

The items look like the project's feeds: reports on the treaty, the troops and KCNA (with
troop figures, article references, names of people, places and bodies), other reports
from the same outlets that mention none of it, and syndicated near copies. Several reports
in several languages describe one event, so folding finds real work to do.

Everything depends only on the seed, so two runs (and the two sides of a comparison) see
the same bytes.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

# Share of languages in the stream, as in the default watch list (mostly English).
LANGUAGES = (("en", 0.6), ("ko", 0.2), ("ru", 0.2))
TOPICAL_SHARE = 0.4  # reports on the treaty, the troops or KCNA; the rest is other news
REPORT_SHARE = 0.3  # another outlet's report of a recent event
COPY_SHARE = 0.08  # a syndicated copy of a recent item, lightly edited
MIN_BYTES, MAX_BYTES = 500, 1500  # UTF-8 size of title + summary

# [a|b|c] in a template: one of the wordings, so that reports of one event and boilerplate
# sentences differ as real outlets' do.
_ALTERNATIVE = re.compile(r"\[([^\]]*)\]")

# --- slot values ---------------------------------------------------------------------------

_FIGURES = (1500, 3000, 8000, 10_000, 11_000, 12_000, 15_000, 3_500, 2_000, 100_000)
_ARTICLES = (1, 2, 3, 4, 4, 4, 7, 8, 10, 12, 15, 18, 20, 23)
_CLAIMANTS_EN = ("the National Intelligence Service", "the Pentagon", "President Zelensky",
                 "Ukraine's military intelligence", "NATO chief Mark Rutte", "the White House",
                 "South Korea's Joint Chiefs of Staff", "US officials")
_CLAIMANTS_KO = ("국가정보원", "미 국방부", "젤렌스키 대통령", "우크라이나 정보총국", "합참", "백악관")
_CLAIMANTS_RU = ("разведки Южной Кореи", "Пентагона", "Зеленского", "Буданова", "НАТО", "Сеула")
_CITIES_EN = ("Seoul", "Busan", "Vladivostok", "Khabarovsk", "Tokyo", "Beijing", "Berlin",
              "Warsaw", "Kyiv", "Kharkiv", "Incheon", "Daegu", "Novosibirsk", "Kazan", "Minsk")
_CITIES_KO = ("서울", "부산", "인천", "대구", "광주", "대전", "울산", "수원", "청주", "제주")
_CITIES_RU = ("Москве", "Владивостоке", "Хабаровске", "Казани", "Новосибирске", "Екатеринбурге",
              "Самаре", "Ростове", "Курске", "Белгороде")
_REGIONS_EN = ("Kursk", "Belgorod", "Bryansk", "Donetsk", "Zaporizhzhia", "Primorsky")
_UNITS_EN = ("artillery", "special operations", "air defense", "tank", "drone", "navy")
_UNITS_KO = ("포병", "특수작전", "방공", "전차", "무인기", "해군")
_UNITS_RU = ("артиллерийскую", "танковую", "зенитную", "инженерную", "мотострелковую")
_COMPANIES = ("Samsung Electronics", "Hyundai Motor", "SK Hynix", "LG Energy", "Naver", "Kakao",
              "Gazprom", "Sberbank", "Rosneft", "Lukoil", "Toyota", "Sony", "Posco", "Kia")
_TEAMS = ("Ulsan", "Jeonbuk", "Pohang", "Seoul FC", "Daegu FC", "Zenit", "Spartak", "CSKA",
          "Dynamo", "Lokomotiv", "Gangwon", "Incheon United")
_DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAYS_KO = ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일")
_DAYS_RU = ("в понедельник", "во вторник", "в среду", "в четверг", "в пятницу", "в субботу")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
_MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря")
_NAMES_EN = ("Kim Min-jun", "Lee Seo-yeon", "Park Ji-hoon", "Choi Yu-na", "John Miller",
             "Anna Petrova", "Sergei Ivanov", "Olena Kovalenko", "David Chen", "Maria Lopez",
             "Han Dong-hyun", "Yoon Ji-woo", "Ivan Sokolov", "Tomasz Nowak", "Emma Schmidt")
_NAMES_KO = ("김민준", "이서연", "박지훈", "최유나", "정하늘", "한동현", "윤지우", "강도윤", "조서아")
_NAMES_RU = ("Иван Соколов", "Анна Петрова", "Сергей Иванов", "Ольга Смирнова", "Дмитрий Козлов",
             "Мария Волкова", "Андрей Новиков", "Елена Морозова")
_TOPICS_EN = ("housing prices", "semiconductor exports", "the minimum wage", "pension reform",
              "the birth rate", "electricity tariffs", "tourism", "the budget deficit",
              "fine dust", "medical school quotas", "the property tax", "youth unemployment")
_TOPICS_KO = ("집값", "반도체 수출", "최저임금", "연금 개혁", "출산율", "전기요금", "관광", "재정 적자",
              "미세먼지", "의대 정원", "재산세", "청년 실업")
_TOPICS_RU = ("цены на жилье", "экспорт зерна", "минимальный размер оплаты труда", "пенсионную реформу",
              "рождаемость", "тарифы ЖКХ", "туризм", "дефицит бюджета", "ипотеку", "инфляцию")

# --- sentence templates --------------------------------------------------------------------
# {fig} a troop figure as that language writes it, {art} an article number, {who} a claimant,
# {city}, {region}, {unit}, {day}, {month}, {n}, {pct}, {co}, {team}, {team2}, {name}, {topic}.

_EN_TOPICAL = (
    "North Korea has [sent|deployed|dispatched] [about|around|some|roughly] {fig} troops to Russia, {who} [said|told lawmakers|told reporters|announced] on {day}.",
    "[According to|Citing] {who}, [some|about|at least] {fig} North Korean soldiers are [now|currently|already] [deployed|stationed|fighting] in the {region} region.",
    "Article {art} of the treaty on comprehensive strategic partnership [obliges|requires|commits] the two sides "
    "to [provide|offer|give] military assistance [without delay|immediately] if either is [attacked|invaded].",
    "The treaty, signed by Putin and Kim Jong Un in Pyongyang in June 2024, entered into "
    "force in December after both sides exchanged instruments of ratification.",
    "KCNA [said|reported] Kim Jong Un [inspected|visited|toured] a {unit} unit on {day} and called for [stronger|greater|full] combat "
    "readiness against what it [called|described as] hostile forces.",
    "Russian President Vladimir Putin met North Korean officials in {city} on {day} to "
    "discuss military cooperation under the pact.",
    "Kremlin spokesman Dmitry Peskov [declined|refused] to comment on the [reports|claims] {day}, saying [cooperation|ties] "
    "with Pyongyang [was|were] [a matter|an affair] for the two countries.",
    "Ukrainian intelligence said {fig} North Korean troops had been killed or wounded in the "
    "{region} region since {month}.",
    "South Korea's Joint Chiefs of Staff said the North had also supplied artillery shells "
    "and short-range ballistic missiles to Moscow.",
    "Rodong Sinmun carried a commentary on {day} praising the alliance with Russia as a "
    "bulwark against the United States.",
    "The defense ministers of the two countries met in {city} to review the implementation "
    "of Article {art} of the defense pact.",
    "Lawmakers in the State Duma voted unanimously for the ratification of the treaty with "
    "North Korea on {day}.",
    "The Korean Central News Agency reported that a delegation led by Choe Son Hui arrived in "
    "Moscow on {day} for talks with Sergei Lavrov.",
    "Satellite images published by {who} showed about {fig} soldiers at a training ground "
    "near {city}.",
    "Officials in {city} said {who} had briefed lawmakers on the deployment of North Korean "
    "forces to Russia.",
)
_EN_BACKGROUND = (
    "The two countries have [deepened|expanded|strengthened] [ties|cooperation|relations] since Russia's full-scale invasion of Ukraine in "
    "February 2022, {name} [noted|said|wrote].",
    "[Analysts|Experts|Diplomats in {city}] say the [deal|pact|agreement] [marks|is] the [closest|strongest|deepest] link between Moscow and Pyongyang since the end "
    "of the Cold War.",
    "Seoul and Washington have [condemned|denounced|criticized] the [cooperation|arms trade|deployment] as a [violation|breach] of UN Security "
    "Council resolutions, {name} [said|noted] in {city}.",
    "The claim could not be independently verified, and {co} officials declined to comment.",
    "{name}, a researcher at a {city} institute, said the move would raise tensions in the "
    "region for years.",
    "The next round of talks is expected in {month}, officials in {city} said.",
)
_EN_OTHER = (
    "The central bank kept its benchmark rate at {pct} percent on {day}, citing slowing "
    "inflation and weak domestic demand.",
    "Shares in {co} rose {pct} percent after the company reported a quarterly profit of "
    "{n} billion won.",
    "Heavy rain caused flooding in {city}, forcing {n} residents to leave their homes on {day}.",
    "The government announced a package worth {n} billion won to support small businesses "
    "hit by {topic}.",
    "{team} beat {team2} {score} in {city} on {day}, extending their unbeaten run to {k} games.",
    "The festival drew {n} visitors over {k} days, organizers in {city} said.",
    "Officials said the new subway line in {city} would open in {month} after years of delay.",
    "The minister resigned on {day} after weeks of criticism over {topic}.",
    "A survey by {co} found that {pct} percent of respondents were worried about {topic}.",
    "{name}, a spokesperson for the city of {city}, said the measures would take effect in "
    "{month}.",
    "Police in {city} arrested {k} people on {day} in connection with a fraud scheme worth "
    "{n} million won.",
    "Exports of {topic} rose {pct} percent in {month} from a year earlier, trade data showed.",
    "The court in {city} sentenced a former executive of {co} to {k} years in prison on {day}.",
    "Temperatures in {city} reached {k} degrees on {day}, the weather agency said.",
)
_EN_TITLES_TOPICAL = (
    "{who_t} says {fig} North Korean troops in Russia",
    "N. Korea, Russia hold talks on treaty implementation in {city}",
    "KCNA: Kim Jong Un inspects {unit} unit, vows support for Russia",
    "Putin, Kim pact: what Article {art} means for the region",
    "North Korean soldiers reported near {region}, {who_t} says",
    "Russia ratifies strategic partnership treaty with North Korea",
)
_EN_TITLES_OTHER = (
    "{co} shares rise {pct}% on strong quarterly results",
    "Flooding forces {n} residents from homes in {city}",
    "{team} beat {team2} {score}",
    "Government unveils support package over {topic}",
    "Minister resigns amid criticism over {topic}",
    "New subway line in {city} to open in {month}",
)

_KO_TOPICAL = (
    "국가정보원은 {day} 북한군 {fig}명이 러시아에 파병됐다고 밝혔다.",
    "북한과 러시아는 포괄적 전략적 동반자 관계에 관한 조약 제{art}조에 따라 지체 없이 군사 원조를 제공하기로 했다.",
    "조선중앙통신은 김정은 국무위원장이 {day} {unit} 부대를 방문해 전투태세 강화를 지시했다고 보도했다.",
    "푸틴 대통령은 {day} 북러 조약 비준 법안에 서명했다.",
    "{who}은 쿠르스크 지역에 북한군 약 {fig}명이 배치됐다고 말했다.",
    "[합참은|군 당국은|{name} 대변인은] 북한이 러시아에 [포탄과 단거리 탄도미사일도|포탄 수백만 발을|미사일과 방사포를] [제공했다고|넘겼다고|보냈다고] 밝혔다.",
    "노동신문은 {day} 러시아와의 동맹을 강조하는 논평을 실었다.",
    "최선희 외무상은 {day} 모스크바에서 라브로프 외무장관과 회담했다.",
    "{who}은 북한군 사상자가 {fig}명을 넘었다고 추산했다.",
    "북러 양국 국방장관은 {city}에서 만나 조약 제{art}조 이행 방안을 논의했다.",
)
_KO_BACKGROUND = (
    "[전문가들은|{name} 연구위원은|{city}의 한 외교관은] 북러 관계가 냉전 종식 이후 가장 [가까워졌다고|밀착했다고|긴밀해졌다고] [평가했다|분석했다|말했다].",
    "[정부는|외교부는|국방부는|통일부는] {day} 관련 동향을 [면밀히|예의] 주시하고 있다고 [밝혔다|말했다|전했다].",
    "{name} {city}대 교수는 이번 조치가 한반도 긴장을 높일 것이라고 말했다.",
    "[한미 양국은|한미일 3국은|{name} 대변인은] 이를 유엔 안보리 결의 위반이라고 [규탄했다|비판했다|지적했다].",
)
_KO_OTHER = (
    "한국은행은 {day} 기준금리를 연 {pct}%로 동결했다.",
    "{city}에 집중호우가 내려 주민 {n}명이 대피했다.",
    "{co} 주가는 {day} {pct}% 올랐다.",
    "정부는 {topic} 대책으로 {n}억원 규모의 지원책을 발표했다.",
    "{team}은 {day} 경기에서 {team2}를 {score}로 이겼다.",
    "{city} 축제에는 {k}일 동안 {n}명이 다녀갔다고 주최 측이 밝혔다.",
    "{name} 장관은 {topic} 논란 끝에 {day} 사퇴했다.",
    "설문조사에서 응답자의 {pct}%가 {topic}을 걱정한다고 답했다.",
    "{city} 경찰은 {day} 사기 혐의로 {k}명을 체포했다.",
    "기상청은 {city}의 낮 기온이 {k}도까지 올랐다고 밝혔다.",
)
_KO_TITLES_TOPICAL = (
    "국정원 \"북한군 {fig}명 러시아 파병\"",
    "북러, {city}서 조약 이행 논의",
    "김정은, {unit} 부대 방문…\"러시아 지지\"",
    "북러 조약 제{art}조, 무엇을 뜻하나",
)
_KO_TITLES_OTHER = (
    "{co} 주가 {pct}% 상승",
    "{city} 집중호우로 {n}명 대피",
    "{team}, {team2}에 {score} 승리",
    "정부, {topic} 대책 발표",
)

_RU_TOPICAL = (
    "По данным {who}, в Курской области находятся около {fig} военных КНДР.",
    "Статья {art} договора о всеобъемлющем стратегическом партнерстве предусматривает "
    "незамедлительную военную помощь в случае нападения.",
    "Путин подписал закон о ратификации договора с КНДР {day}.",
    "ЦТАК сообщило, что Ким Чен Ын посетил {unit} часть {day}.",
    "Госдума [единогласно|в четверг] ратифицировала договор с Пхеньяном, [сообщил|напомнил] {name}.",
    "Песков [отказался|не стал] [комментировать|обсуждать] сообщения о северокорейских военных в Курской области {day}.",
    "Лавров и Чве Сон Хи провели переговоры в Москве {day}.",
    "По оценке {who}, потери северокорейских военных превысили {fig} человек.",
    "Министры обороны двух стран обсудили в {city} выполнение статьи {art} договора.",
)
_RU_BACKGROUND = (
    "Отношения Москвы и Пхеньяна [заметно|значительно|резко] [укрепились|окрепли] после 2022 года, [отмечает|считает|говорит] {name}.",
    "Сеул и Вашингтон [назвали|считают] [сотрудничество|поставки оружия|эти шаги] нарушением резолюций Совбеза ООН, [сообщил|заявил] {name}.",
    "{name}, эксперт из {city}, считает, что это надолго изменит баланс сил в регионе.",
)
_RU_OTHER = (
    "Центробанк сохранил ключевую ставку на уровне {pct}% {day}.",
    "В {city} из-за ливней эвакуировали {n} жителей.",
    "Акции {co} выросли на {pct}% после публикации квартальной отчетности.",
    "Правительство выделит {n} млн рублей на {topic}.",
    "{team} обыграл {team2} со счетом {score} {day}.",
    "Фестиваль в {city} за {k} дней посетили {n} человек.",
    "{name} заявил, что новые правила вступят в силу в {month_ru}.",
    "По данным опроса, {pct}% россиян беспокоит {topic}.",
    "Полиция в {city} задержала {k} человек по делу о мошенничестве.",
    "Температура в {city} поднялась до {k} градусов {day}.",
)
_RU_TITLES_TOPICAL = (
    "{who_t}: в России около {fig} военных КНДР",
    "Путин подписал закон о ратификации договора с КНДР",
    "ЦТАК: Ким Чен Ын посетил {unit} часть",
    "Что означает статья {art} договора России и КНДР",
)
_RU_TITLES_OTHER = (
    "Акции {co} выросли на {pct}%",
    "В {city} эвакуировали {n} жителей",
    "{team} обыграл {team2}",
    "Правительство выделит средства на {topic}",
)

# Wordings that outlets vary, applied to every template that does not vary them already.
_SYNONYMS = {
    "en": {" said": " [said|told reporters|announced|stated]", " rose ": " [rose|climbed|jumped] ",
           " on ": " [on|late on|early on] ", " after ": " [after|as|following] ",
           "percent": "[percent|per cent]", " officials": " [officials|authorities]",
           " new ": " [new|planned] ", " over ": " [over|amid anger over|amid concern over] "},
    "ko": {"밝혔다": "[밝혔다|전했다|말했다|발표했다]", "올랐다": "[올랐다|상승했다|뛰었다]",
           "이겼다": "[이겼다|꺾었다|제압했다]", "했다": "[했다|한 것으로 알려졌다]",
           "주민": "[주민|시민|이재민]", "정부는": "[정부는|당국은]"},
    "ru": {"заявил": "[заявил|сообщил|отметил]", "выросли": "[выросли|подорожали|поднялись]",
           "эвакуировали": "[эвакуировали|вывезли|переселили]",
           "человек": "[человек|людей]", "Правительство": "[Правительство|Кабмин|Минфин]"},
}


def _varied(templates: tuple[str, ...], language: str) -> tuple[str, ...]:
    out = []
    for template in templates:
        for word, choice in _SYNONYMS[language].items():
            if "[" not in template:
                template = template.replace(word, choice, 1)
        out.append(template)
    return tuple(out)


_EN_OTHER, _EN_TOPICAL = _varied(_EN_OTHER, "en"), _varied(_EN_TOPICAL, "en")
_KO_OTHER, _KO_TOPICAL = _varied(_KO_OTHER, "ko"), _varied(_KO_TOPICAL, "ko")
_RU_OTHER, _RU_TOPICAL = _varied(_RU_OTHER, "ru"), _varied(_RU_TOPICAL, "ru")

_TEMPLATES = {
    "en": (_EN_TITLES_TOPICAL, _EN_TOPICAL, _EN_BACKGROUND, _EN_TITLES_OTHER, _EN_OTHER),
    "ko": (_KO_TITLES_TOPICAL, _KO_TOPICAL, _KO_BACKGROUND, _KO_TITLES_OTHER, _KO_OTHER),
    "ru": (_RU_TITLES_TOPICAL, _RU_TOPICAL, _RU_BACKGROUND, _RU_TITLES_OTHER, _RU_OTHER),
}


def _figure(value: int, language: str) -> str:
    if language == "ko":
        return f"{value:,}"
    if language == "ru":
        return f"{value // 1000} тысяч" if value % 1000 == 0 else f"{value:,}".replace(",", " ")
    return f"{value:,}"


# What sets one event apart from another of its kind: two of these, named in its lead.
_FOCUS = (
    ("Kursk", "쿠르스크", "Курской области"), ("Kazan", "카잔", "Казани"), ("BRICS", "브릭스", "БРИКС"),
    ("the State Duma", "러시아 하원", "Госдумы"), ("the Federation Council", "연방평의회", "Совета Федерации"),
    ("the State Affairs Commission", "국무위원회", "комиссии государственных дел"),
    ("a decree", "정령", "указа"), ("the instruments of ratification", "비준서", "ратификационных грамот"),
    ("Gerasimov", "게라시모프", "Герасимова"), ("the General Staff", "총참모부", "Генштаба"),
    ("the Central Military Commission", "중앙군사위원회", "Центральной военной комиссии"),
    ("Shoigu", "쇼이구", "Шойгу"), ("Rudenko", "루덴코", "Руденко"), ("Kim Jong Gyu", "김정규", "Ким Чен Гю"),
    ("Kumsusan", "금수산", "Кымсусан"), ("satellite images", "위성사진", "спутниковых снимков"),
    ("the recaptured villages", "탈환", "освобождения"), ("the casualties", "사상자", "потерь"),
    ("a unanimous vote", "만장일치", "единогласного решения"), ("Lavrov", "라브로프", "Лаврова"),
)
_FOCUS_SENTENCE = {
    "en": "[Officials|Reports|Sources] [said|say] the [move|step|development] [concerns|involves] {f1} and {f2}.",
    "ko": "이번 [사안은|발표는] {f1}, {f2}와 [관련된|연관된] 것으로 [알려졌다|전해졌다].",
    "ru": "[Речь|Как сообщается, речь] идет [также|в том числе] о {f1} и {f2}.",
}

_LANGUAGE_INDEX = {"en": 0, "ko": 1, "ru": 2}
THEMES = ("troops", "treaty", "kcna")
# Which topical titles and sentences tell which kind of event, per language: a report keeps
# to its event's theme, as real reports do, so that reports of one event share concepts.
_THEME_TEMPLATES: dict[str, dict[str, tuple[tuple[int, ...], tuple[int, ...]]]] = {
    "en": {"troops": ((0, 4), (0, 1, 6, 7, 8, 13, 14)), "treaty": ((1, 3, 5), (2, 3, 5, 10, 11)),
           "kcna": ((2,), (4, 8, 9, 12))},
    "ko": {"troops": ((0,), (0, 4, 5, 8)), "treaty": ((1, 3), (1, 3, 9)), "kcna": ((2,), (2, 6, 7))},
    "ru": {"troops": ((0,), (0, 5, 7)), "treaty": ((1, 3), (1, 2, 4, 8)), "kcna": ((2,), (3, 6))},
}


@dataclass(frozen=True, slots=True)
class Event:
    """What several reports describe: fixed slot values, so they share names and figures."""

    id: int
    topical: bool
    theme: str
    when: datetime
    slots: dict[str, object]


@dataclass(frozen=True, slots=True)
class GenItem:
    guid: str
    link: str
    title: str
    summary: str
    published: datetime
    language: str
    event: int
    topical: bool
    copy_of: str | None = None  # the guid it is a syndicated copy of


def _slots(rng: random.Random) -> dict[str, object]:
    return {
        "fig_value": rng.choice(_FIGURES), "art": rng.choice(_ARTICLES),
        "who_i": rng.randrange(8), "city_i": rng.randrange(15), "region": rng.choice(_REGIONS_EN),
        "unit_i": rng.randrange(6), "day_i": rng.randrange(7), "month_i": rng.randrange(12),
        "n": rng.choice((120, 350, 1_200, 4_500, 23_000, 87_000)) + rng.randrange(100),
        "pct": f"{rng.uniform(0.5, 9.5):.1f}", "co": rng.choice(_COMPANIES),
        "team": rng.choice(_TEAMS), "team2": rng.choice(_TEAMS),
        "score": f"{rng.randrange(5)}-{rng.randrange(4)}", "k": rng.randrange(2, 40),
        "name_i": rng.randrange(20), "topic_i": rng.randrange(12),
        "f1_i": rng.randrange(len(_FOCUS)), "f2_i": rng.randrange(len(_FOCUS)),
    }


def _fill(
    template: str, slots: dict[str, object], language: str, rng: random.Random
) -> str:
    def pick(values: tuple[str, ...], key: str) -> str:
        return values[int(slots[key]) % len(values)]  # type: ignore[call-overload]

    who = {"en": _CLAIMANTS_EN, "ko": _CLAIMANTS_KO, "ru": _CLAIMANTS_RU}[language]
    values = {
        **{k: v for k, v in slots.items() if not k.endswith("_i")},
        "fig": _figure(int(slots["fig_value"]), language),  # type: ignore[call-overload]
        "who": pick(who, "who_i"),
        "who_t": pick(who, "who_i").removeprefix("the ").split(" ")[0].capitalize()
        if language == "en" else pick(who, "who_i"),
        "city": pick({"en": _CITIES_EN, "ko": _CITIES_KO, "ru": _CITIES_RU}[language], "city_i"),
        "unit": pick({"en": _UNITS_EN, "ko": _UNITS_KO, "ru": _UNITS_RU}[language], "unit_i"),
        "day": pick({"en": _DAYS_EN, "ko": _DAYS_KO, "ru": _DAYS_RU}[language], "day_i"),
        "month": pick(_MONTHS_EN, "month_i"), "month_ru": pick(_MONTHS_RU, "month_i"),
        "name": pick({"en": _NAMES_EN, "ko": _NAMES_KO, "ru": _NAMES_RU}[language], "name_i"),
        "topic": pick({"en": _TOPICS_EN, "ko": _TOPICS_KO, "ru": _TOPICS_RU}[language], "topic_i"),
        "f1": _FOCUS[int(slots["f1_i"])][_LANGUAGE_INDEX[language]],  # type: ignore[call-overload]
        "f2": _FOCUS[int(slots["f2_i"])][_LANGUAGE_INDEX[language]],  # type: ignore[call-overload]
    }
    chosen = _ALTERNATIVE.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    return chosen.format(**values)


class World:
    """The events of a period. Topical events are few and widely reported; other news is
    plentiful. Made lazily as streams move forward in time, from one seed."""

    def __init__(self, seed: int, start: datetime, *, topical_per_day: float = 15.0,
                 other_per_day: float = 60.0) -> None:
        self.rng = random.Random(seed)
        self.rates = {True: topical_per_day, False: other_per_day}
        self.events: dict[bool, list[Event]] = {True: [], False: []}
        self.until: dict[bool, datetime] = {True: start - timedelta(days=1),
                                            False: start - timedelta(days=1)}
        self.wires: dict[tuple[int, str], GenItem] = {}  # the first report, which others copy
        self.count = 0

    def event(self, when: datetime, topical: bool, rng: random.Random) -> Event:
        """An event of the last day before `when` (reports follow events)."""
        events = self.events[topical]
        step = timedelta(days=1) / self.rates[topical]
        while self.until[topical] <= when:
            self.until[topical] += step * self.rng.uniform(0.2, 1.8)
            self.count += 1
            events.append(Event(self.count, topical, self.rng.choice(THEMES),
                                self.until[topical], _slots(self.rng)))
        # Old events are never reported again: keep the list short.
        while len(events) > 64 and events[0].when < when - timedelta(days=2):
            stale = events.pop(0)
            for language, _ in LANGUAGES:
                self.wires.pop((stale.id, language), None)
        recent = [e for e in events if when - timedelta(days=1) <= e.when <= when] or events[-1:]
        return rng.choice(recent)


class Stream:
    """A seeded stream of one outlet's items (or of many outlets'): reports of the world's
    events in its own words, and syndicated copies of others' reports."""

    def __init__(self, seed: int, world: World, start: datetime, *, per_day: float = 100.0,
                 language: str | None = None, topical_share: float = TOPICAL_SHARE) -> None:
        self.rng = random.Random(seed)
        self.topical_share = topical_share
        self.seed = seed
        self.world = world
        self.clock = start
        self.step = timedelta(days=1) / per_day
        self.language = language  # a feed's language; None: the mix of LANGUAGES
        self.count = 0

    def _language(self) -> str:
        if self.language:
            return self.language
        roll, total = self.rng.random(), 0.0
        for language, share in LANGUAGES:
            total += share
            if roll < total:
                return language
        return LANGUAGES[0][0]

    def __iter__(self) -> Iterator[GenItem]:
        return self

    def __next__(self) -> GenItem:
        rng = self.rng
        self.clock += self.step * rng.uniform(0.2, 1.8)
        self.count += 1
        event = self.world.event(self.clock, rng.random() < self.topical_share, rng)
        language = self._language()
        wire = self.world.wires.get((event.id, language))
        if wire is not None and rng.random() < COPY_SHARE / REPORT_SHARE:
            return self._copy(wire)
        item = self._report(event, language)
        self.world.wires.setdefault((event.id, language), item)
        return item

    def _report(self, event: Event, language: str) -> GenItem:
        rng = self.rng
        titles_t, topical, background, titles_o, other = _TEMPLATES[language]
        slots = dict(event.slots)
        # A little per-report variety, as outlets round and date things differently.
        slots["day_i"] = int(slots["day_i"]) + (rng.random() < 0.2)  # type: ignore[call-overload]
        if event.topical:
            title_ids, sentence_ids = _THEME_TEMPLATES[language][event.theme]
            title = _fill(titles_t[rng.choice(title_ids)], slots, language, rng)
            theme = tuple(topical[i] for i in sentence_ids)
            pools = (theme, theme, background, other)
        else:
            title = _fill(rng.choice(titles_o), slots, language, rng)
            pools = (other, other, other, background if rng.random() < 0.1 else other)
        target = rng.randint(MIN_BYTES + 40, MAX_BYTES) - len(title.encode())
        sentences: list[str] = []
        if event.topical:  # the lead names what sets the event apart
            sentences.append(_fill(_FOCUS_SENTENCE[language], slots, language, rng))
        used: set[str] = set()
        size = len(sentences[0].encode()) if sentences else 0
        while size < target:
            pool = rng.choice(pools)
            template = rng.choice([t for t in pool if t not in used] or list(pool))
            used.add(template)
            sentence = _fill(template, _vary(rng, slots), language, rng)
            sentences.append(sentence)
            size += len(sentence.encode()) + 1
        summary = _trim(" ".join(sentences), target)
        n = self.count
        return GenItem(
            guid=f"urn:bench:{self.seed}:{n}", link=f"https://news{self.seed}.example/{n}",
            title=title, summary=summary, published=self.clock, language=language,
            event=event.id, topical=event.topical,
        )

    def _copy(self, original: GenItem) -> GenItem:
        """A syndicated copy: the same text with an outlet's edits (a dateline, the last
        sentences cut)."""
        rng = self.rng
        summary = original.summary
        if len(summary.encode()) > 800 and rng.random() < 0.5:
            words = summary.split(" ")
            summary = " ".join(words[: len(words) - rng.randrange(5, 20)])
        if rng.random() < 0.5:
            summary = f"({rng.choice(_CITIES_EN)}) {summary}"
        n = self.count
        return GenItem(
            guid=f"urn:bench:{self.seed}:{n}", link=f"https://news{self.seed}.example/{n}",
            title=original.title, summary=summary, published=self.clock,
            language=original.language, event=original.event, topical=original.topical,
            copy_of=original.guid,
        )


def _vary(rng: random.Random, slots: dict[str, object]) -> dict[str, object]:
    """Background sentences name other cities, people and numbers than the event's own."""
    if rng.random() < 0.5:
        return slots
    varied = dict(slots)
    for key in ("city_i", "name_i", "topic_i", "k", "n", "co", "team2", "month_i"):
        if rng.random() < 0.5:
            varied[key] = _slots(rng)[key]
    return varied


def _trim(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[:limit].decode(errors="ignore").rsplit(" ", 1)[0]


# --- feeds -----------------------------------------------------------------------------------


def feed_language(index: int) -> str:
    """Feed i's language: 60 % English, 20 % Korean, 20 % Russian, interleaved."""
    return ("en", "ko", "en", "ru", "en")[index % 5]


def farm_world(
    feeds: int, count: int, newest: datetime, topical_share: float = TOPICAL_SHARE
) -> World:
    """The events a farm's feeds report: a subject's few events a day (widely reported), and
    other news that grows with the number of outlets."""
    start = newest - timedelta(hours=30)
    other = max(10.0, feeds * count * (1 - topical_share) / 1.5)
    return World(7, start, topical_per_day=30.0, other_per_day=other)


def _html(summary: str) -> str:
    # Feeds carry HTML in <description>: paragraphs of two or three sentences.
    sentences = summary.split(". ")
    paragraphs = [". ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    return "".join(f"<p>{p}</p>" for p in paragraphs)


def _author(guid: str) -> str:
    return _NAMES_EN[zlib.crc32(guid.encode()) % len(_NAMES_EN)]


def rss(title: str, site: str, language: str, entries: list[GenItem]) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">\n<channel>\n'
        f"<title>{escape(title)}</title>\n<link>{escape(site)}</link>\n"
        f"<description>{escape(title)} news</description>\n<language>{language}</language>\n"
    ]
    for it in entries:
        parts.append(
            "<item>\n"
            f"  <title>{escape(it.title)}</title>\n"
            f"  <link>{escape(it.link)}?utm_source=rss&amp;utm_medium=feed</link>\n"
            f'  <guid isPermaLink="false">{escape(it.guid)}</guid>\n'
            f"  <pubDate>{format_datetime(it.published)}</pubDate>\n"
            f"  <dc:creator>{escape(_author(it.guid))}</dc:creator>\n"
            f"  <description>{escape(_html(it.summary))}</description>\n"
            "</item>\n"
        )
    parts.append("</channel>\n</rss>\n")
    return "".join(parts).encode()


def feed_xmls(feeds: int, count: int, newest: datetime) -> list[bytes]:
    """The farm's documents. Feeds are generated side by side, a few items at a time, so that
    they report the same events (the world only moves forward)."""
    return [rss(f"Bench outlet {i}", f"https://outlet{i}.example/", feed_language(i),
                list(reversed(entries)))
            for i, entries in enumerate(_farm_items(feeds, count, newest))]


def feed_generations(
    feeds: int, count: int, newest: datetime, topical_share: float = TOPICAL_SHARE
) -> tuple[list[bytes], list[bytes]]:
    """The farm's documents now, and after one more report in every feed: `count` items each,
    the second the first with its oldest item gone and a new one on top."""
    made = _farm_items(feeds, count + 1, newest, topical_share)
    return tuple(  # type: ignore[return-value]
        [rss(f"Bench outlet {i}", f"https://outlet{i}.example/", feed_language(i),
             list(reversed(entries[window])))
         for i, entries in enumerate(made)]
        for window in (slice(0, count), slice(1, count + 1))
    )


def _farm_items(
    feeds: int, count: int, newest: datetime, topical_share: float = TOPICAL_SHARE
) -> list[list[GenItem]]:
    world = farm_world(feeds, count, newest, topical_share)
    start = newest - timedelta(hours=30)
    streams = [Stream(10_000 + i, world, start, per_day=count, language=feed_language(i),
                      topical_share=topical_share)
               for i in range(feeds)]
    made: list[list[GenItem]] = [[] for _ in range(feeds)]
    for _ in range(count):
        # The stream whose clock is furthest behind goes next: one world clock for all.
        for i in sorted(range(feeds), key=lambda i: streams[i].clock):
            made[i].append(next(streams[i]))
    return made
