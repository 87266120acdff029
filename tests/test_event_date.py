"""Reading the day a report's event happened from its text, in English, Korean and Russian."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.event_date import event_day

# A Thursday.
THU = datetime(2024, 10, 24, 3, 0, tzinfo=UTC)


def test_a_weekday_is_the_latest_such_day_not_after_publication() -> None:
    assert event_day("N. Korea slams drills", "North Korea said on Tuesday", THU) == date(
        2024, 10, 22)


def test_the_publication_days_own_weekday_is_that_day() -> None:
    assert event_day("Kim visits base", "Kim visited the base on Thursday.", THU) == date(
        2024, 10, 24)


def test_a_day_of_the_month_alone_is_the_latest_such_date_not_after_publication() -> None:
    # The 30th is in the month before.
    nov2 = datetime(2024, 11, 2, 3, 0, tzinfo=UTC)
    assert event_day("북한, 30일 탄도미사일 발사", "", nov2, "ko") == date(2024, 10, 30)


def test_a_month_and_day_in_english() -> None:
    assert event_day("Kim meets Shoigu", "The two met on Oct. 23 in Pyongyang.", THU) == date(
        2024, 10, 23)


def test_korean_yesterday_and_the_day_before() -> None:
    assert event_day("김정은, 어제 군부대 방문", "", THU, "ko") == date(2024, 10, 23)
    lead = "김정은 위원장이 전날 부대를 방문했다고 보도했다."
    assert event_day("노동신문 보도", lead, THU, "ko") == date(2024, 10, 23)


def test_russian_date_and_weekday() -> None:
    assert event_day("Песков ответил на вопрос", "Песков 23 октября заявил, что", THU,
                     "ru") == date(2024, 10, 23)
    assert event_day("Лавров прибыл в Пхеньян в среду", "", THU, "ru") == date(2024, 10, 23)


def test_korean_today_is_read_in_korean_time() -> None:
    # 16:00 UTC on the 24th is already the 25th in Seoul.
    late = datetime(2024, 10, 24, 16, 0, tzinfo=UTC)
    assert event_day("북한, 오늘 담화 발표", "", late, "ko") == date(2024, 10, 25)
    assert event_day("Kim issues statement today", "", late, "en") == date(2024, 10, 24)


def test_the_headline_is_read_before_the_lead() -> None:
    assert event_day("Kim met Lavrov on Wednesday", "Kim spoke on Tuesday.", THU) == date(
        2024, 10, 23)


def test_a_date_after_an_earlier_act_is_background() -> None:
    lead = "The treaty signed on Oct. 22 entered into force, state media said."
    assert event_day("Treaty in force", lead, THU) is None


def test_a_date_after_the_main_verb_is_the_events() -> None:
    lead = "Kim Jong Un signed the decree on Tuesday."
    assert event_day("Kim ratifies treaty", lead, THU) == date(2024, 10, 22)


def test_a_russian_participles_date_is_background() -> None:
    lead = "Договор, подписанный в Пхеньяне 22 октября, вступил в силу."
    assert event_day("Договор вступил в силу", lead, THU, "ru") is None


def test_a_korean_date_before_an_attributive_act_is_background() -> None:
    assert event_day("북러 조약 발효", "지난 22일 체결한 조약이 발효됐다.", THU, "ko") is None


def test_a_date_older_than_a_few_days_is_recalled_not_the_event() -> None:
    assert event_day("Kim speaks", "Kim, who met Putin on Oct. 10, spoke again.", THU) is None


def test_no_date_no_day() -> None:
    assert event_day("Kim inspects factory", "Kim Jong Un inspected a factory.", THU) is None
