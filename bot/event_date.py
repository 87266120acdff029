"""The day a report's event happened, as its headline or lead says it, in English, Korean or
Russian: "on Wednesday", "on Oct. 23", "yesterday", "23일", "지난 19일", "어제", "23 октября",
"в среду", "накануне". Resolved against the day the report was published (in its language's
home time: Korea's, Moscow's, else UTC): a weekday is the latest such day not after it, a
day of the month the latest such date not after it, "yesterday" the day before. Folding
counts a story's days from it (bot/fold.py): a report filed two days after the event, or
dated only to the day, still says which day's news it is.

A date that is background is not the event's: one after a word of an earlier act ("the
treaty signed on June 19", "지난 6월 19일 체결한", "подписанный 19 июня"), or more than a
few days before publication (a date recalled, not the news). The day a medium reported the
event ("KCNA said Saturday") is taken as it comes: a day after the event at most.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from bot.text import sentences

# A report's own event is at most this many days old; an older date is one it recalls.
RECENT_DAYS = 3
# Words before a date that make it an earlier act's, not the report's event's: a participle
# right before it ("the treaty signed on June 19"; Russian's may stand a few words off,
# "подписанного в Пхеньяне 19 июня"), or a preposition of time ("since June 19").
_BACKGROUND = re.compile(
    r"(?:(?:^|\W)(?:signed|agreed|concluded|adopted|ratified)(?:\s+(?:in|on))?"
    r"|(?:^|\W)(?:since|after|before|until|from|после|с|до)(?:\s+(?:the|on))?"
    r"|(?:^|\W)(?:подписанн|заключенн|заключённ)\w*(?:\s+\S+){0,3})\s*$",
    re.IGNORECASE,
)
# Korean names the date first, then the act: "지난 6월 19일 체결한 조약" (the treaty signed on).
_KO_BACKGROUND = re.compile(r"^\s*(?:\S+\s+)?\S*(?:체결|서명|맺|채택|합의)(?:한|된|은)(?:\s|$)")
_ABBREVIATED_MONTH = re.compile(r"\b(?:jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\.$",
                                re.IGNORECASE)
_HOME_HOURS = {"ko": 9, "ru": 3}

_EN_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_RU_MONTHS = ("январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр",
              "октябр", "ноябр", "декабр")
_EN_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RU_DAYS = ("понедельник", "вторник", "сред", "четверг", "пятниц", "суббот", "воскресень")
_KO_DAYS = ("월요일", "화요일", "수요일", "목요일", "금요일", "토요일", "일요일")

_EN_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_RU_MONTH = (r"(январ|феврал|март|апрел|ма|июн|июл|август|сентябр|октябр|ноябр|декабр)"
             r"(?:я|а)\b")
_EXPRESSIONS = re.compile(
    "|".join([
        rf"\b(?P<en_md>{_EN_MONTH})\s+(?P<en_md_d>\d{{1,2}})(?:st|nd|rd|th)?\b",
        rf"\b(?P<en_dm_d>\d{{1,2}})\s+(?P<en_dm>{_EN_MONTH})(?=\W|$)",
        r"\b(?P<en_wd>monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
        r"\b(?P<en_rel>yesterday|today|tonight|last night)\b",
        rf"\b(?P<ru_d>\d{{1,2}})\s+(?P<ru_m>{_RU_MONTH})",
        r"\bв(?:о)?\s+(?P<ru_wd>понедельник|вторник|среду|четверг|пятницу|субботу|воскресенье)\b",
        r"\b(?P<ru_rel>вчера|сегодня|накануне)\b",
        r"(?:(?P<ko_m>\d{1,2})월\s*)?(?<!\d)(?P<ko_d>\d{1,2})일(?!간|동안|만|째|부터|까지|이후)",
        r"(?P<ko_wd>[월화수목금토일]요일)",
        r"(?<![가-힣])(?P<ko_rel>어제|오늘|전날)(?![가-힣])",
    ]),
    re.IGNORECASE,
)


def event_day(headline: str, lead: str, published: datetime, language: str = "") -> date | None:
    """The day the headline's event happened, else the lead's first sentence's, as the text
    says it; None where neither says, or says only background."""
    today = (published + timedelta(hours=_HOME_HOURS.get(language, 0))).date()
    for line in (headline, _first_sentence(lead)):
        day = _first_day(line, today)
        if day is not None:
            return day
    return None


def _first_sentence(lead: str) -> str:
    """The lead's first sentence, not cut at a month's abbreviation ("on Oct. 23")."""
    parts = sentences(lead)
    first = parts[0] if parts else ""
    for part in parts[1:]:
        if not _ABBREVIATED_MONTH.search(first):
            break
        first = f"{first} {part}"
    return first


def _first_day(line: str, today: date) -> date | None:
    for m in _EXPRESSIONS.finditer(line):
        if _BACKGROUND.search(line[: m.start()][-40:]) or _KO_BACKGROUND.match(
                line[m.end():]):
            continue
        day = _resolve(m, today)
        # A date older than the last few days is recalled: the event is named elsewhere.
        if day is not None and today - day <= timedelta(days=RECENT_DAYS):
            return day
    return None


def _resolve(m: re.Match[str], today: date) -> date | None:
    g = m.groupdict()
    if g["en_md"] or g["en_dm"]:
        month = _EN_MONTHS.index((g["en_md"] or g["en_dm"])[:3].lower()) + 1
        return _month_day(today, month, int(g["en_md_d"] or g["en_dm_d"]))
    if g["ru_m"]:
        month = _RU_MONTHS.index(g["ru_m"].lower()[:-1]) + 1  # less its ending (я, а)
        return _month_day(today, month, int(g["ru_d"]))
    if g["ko_d"]:
        month = int(g["ko_m"]) if g["ko_m"] else None
        return _month_day(today, month, int(g["ko_d"]))
    for name, days in (("en_wd", _EN_DAYS), ("ru_wd", _RU_DAYS), ("ko_wd", _KO_DAYS)):
        if g[name]:
            weekday = next(i for i, d in enumerate(days) if g[name].lower().startswith(d))
            return today - timedelta(days=(today.weekday() - weekday) % 7)
    rel = (g["en_rel"] or g["ru_rel"] or g["ko_rel"] or "").lower()
    if rel in ("yesterday", "last night", "вчера", "накануне", "어제", "전날"):
        return today - timedelta(days=1)
    if rel:
        return today
    return None


def _month_day(today: date, month: int | None, day: int) -> date | None:
    """The latest date with that day (of that month) not after `today`."""
    if not 1 <= day <= 31:
        return None
    for back in range(13):
        year, index = divmod(today.month - 1 - back, 12)
        if month is not None and index + 1 != month:
            continue
        try:
            found = date(today.year + year, index + 1, day)
        except ValueError:  # no such day in that month (31 June)
            continue
        if found <= today:
            return found
    return None
