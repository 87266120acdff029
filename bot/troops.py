"""Figures of North Korean personnel in a text: the figure, its qualifier, its kind, and who
the text credits for it.

A figure is a number written in any of the ways reports write one ("12,000", "12 000",
"12 thousand", "three-thousand", "1만2천", "1천500", "천5백", "12 тысяч", "1,5 тыс.",
"пяти тысяч") before a noun of personnel (troops, soldiers, builders, deminers, 명, военных,
саперов...), in a sentence about North Korea. Then, from the words around it:

- its qualifier: the word before (about, up to, more than, at least, additional) or, in
  Korean, after (여, 이상, 가량, 넘는);
- its kind: casualties when the words next to it say killed, wounded, captured, lost;
  planned when its clause says will, plans, expected, decided to; else deployed;
- its claimant: a party the sentence's grammar credits ("according to X", "X said",
  "X는 … 밝혔다", "по данным X", "X сообщил", a headline's "… - X"), never a party the
  sentence negates ("a claim the Kremlin has not confirmed") or a country that is only a
  place or an object ("the war against Ukraine"); the party whose report another passes on
  ("citing Seoul", "confirmed the NIS report"); a speaker named only by role, the name the
  next sentence gives them ("an activist said. Jang Se-yul, head of …"). A sentence that
  credits nobody takes the party the rest of the item credits; an item that credits no
  party of the table, the source it names as written ("according to Reuters"), else the
  outlet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.models import TroopClaim
from bot.terms import required_strings
from bot.text import fold, one_line, sentences


class _Sieved:
    """A pattern searched only in texts that hold one of the strings every match contains:
    a substring test is far cheaper than a search whose alternatives open with lookbehinds,
    and most texts and sentences hold none of them."""

    def __init__(self, pattern: re.Pattern[str]):
        self.pattern = pattern
        self.sieve = _sieve(pattern.pattern)

    def search(self, text: str) -> re.Match[str] | None:
        if self.sieve is not None and not self.sieve.search(text):
            return None
        return self.pattern.search(text)


def _sieve(pattern: str) -> re.Pattern[str] | None:
    """The strings every match of a pattern contains, as one alternation of literals (which
    the regex engine scans for in one pass), or None when there are none to tell."""
    needs = required_strings(pattern)
    return None if needs is None else re.compile("|".join(map(re.escape, needs)))


MIN_FIGURE, MAX_FIGURE = 1, 500_000
# Below this a figure counts only in a text about the war ("2 soldiers captured in Kursk"),
# not at the inter-Korean border ("30 soldiers crossed the MDL").
SMALL_FIGURE = 100

# --- numbers -------------------------------------------------------------------------------

_EN_SMALL = {
    "one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
}
# Russian number words by stem: every case form ("пять", "пяти", "пятью") starts with it.
_RU_SMALL = (
    ("одиннадцат", 11), ("двенадцат", 12), ("тринадцат", 13), ("четырнадцат", 14),
    ("пятнадцат", 15), ("шестнадцат", 16), ("семнадцат", 17), ("восемнадцат", 18),
    ("девятнадцат", 19), ("двадцат", 20), ("тридцат", 30), ("сорок", 40), ("пятьдесят", 50),
    ("пятидесят", 50), ("одн", 1), ("один", 1), ("дв", 2), ("тр", 3), ("четыр", 4), ("пят", 5),
    ("шест", 6), ("сем", 7), ("восем", 8), ("восьм", 8), ("девят", 9), ("десят", 10),
    ("четвер", 4), ("пятер", 5),
)
_RU_WORD = "|".join(stem for stem, _ in _RU_SMALL)
_EN_WORD = "|".join(w for w in _EN_SMALL if w != "a")
# Small Russian numbers whole ("двух солдат", "трое военных"), not every word that begins
# like one ("двинулись").
_RU_SMALL_FORMS = (
    r"(?:дв(?:а|е|ух|ое|оих|умя)|тр(?:и|ех|ое|оих|емя)|четыр(?:е|ех)|четвер(?:о|ых)|"
    r"пят(?:ь|и|еро|ерых)|шест(?:ь|и|еро|ерых)|сем(?:ь|и|еро)|восемь|восьми|девят(?:ь|и)|"
    # "более десятка": more than ten (not "десятки тысяч", tens of thousands)
    r"десят(?:ь|и|еро|ок|ка))(?!\w)"
)
# A sentence without any of these holds no figure.
_MAY_COUNT = re.compile(
    r"\d|[만천백]|thousand|hundred|тыс|(?<!\w)(?:" + _EN_WORD + r")(?!\w)|" + _RU_SMALL_FORMS
)

_NUMBER = re.compile(
    r"(?<![\w.,])(?:"
    # Korean compounds: 1만2천, 1만1000, 1만5,000, 만여, 1천500, 천5백, 3천
    r"(?P<ko>(?:\d+\s?)?만(?:\s?\d*천)?(?:\s?\d*백)?(?:\s?\d{1,3},\d{3}|\s?\d+)?"
    r"(?=\s?(?:여|명|이상|가량|정도|넘|[~∼]))"
    r"|(?:\d+)?천(?:\s?\d*백)?(?:\s?\d+)?(?=\s?(?:여|명|이상|가량|정도|넘))"
    r"|\d+백(?=\s?(?:여|명)))"
    # 12 thousand, 25-thousand, 1.5 thousand, 12k, 12 тысяч, 1,5 тыс.
    r"|(?P<thousands>\d+(?:[.,]\d+)?)[\s-]?(?:thousand|k(?!\w)|тысяч\w*|тыс(?:\.|(?!\w)))"
    # three-thousand, four-thousand-100, ten thousand, пяти тысяч
    r"|(?P<en_word>" + _EN_WORD + r")[-\s]thousand(?:[-\s](?:and\s)?(?P<en_rest>\d{1,3}))?"
    r"|(?P<ru_word>(?:" + _RU_WORD + r")\w*)\s+тысяч\w*"
    # 27-hundred, three hundred
    r"|(?P<hundreds>\d{1,2}|" + _EN_WORD + r")[-\s]hundred(?!\w)"
    # a thousand, тысячу, около тысячи (a bare тысячи is "thousands": a qualifier makes it one)
    r"|(?P<one_hundred>a\s+hundred)(?!\w)"
    r"|(?P<one_thousand>a\s+thousand|(?<=около\s)тысячи|(?<=порядка\s)тысячи"
    r"|(?<=до\s)тысячи|(?<=более\s)тысячи|(?<=свыше\s)тысячи|тысяч[ау](?!\w))"
    # two soldiers, двух солдат
    r"|(?P<en_small>" + _EN_WORD + r")(?=\s)"
    r"|(?P<ru_small>" + _RU_SMALL_FORMS + r")(?=\s)"
    # 12,000 / 12 000 / 12.000 / 1500 / 2
    r"|(?P<digits>\d{1,3}(?:(?:,|\u00a0|\u202f| |\.)\d{3})+|\d{1,6})"
    r")(?![\d])"
)


def _ko_value(raw: str) -> int | None:
    """Korean numerals: 만 (10,000), 천 (1,000), 백 (100), each after an optional digit count
    (none means one), then plain digits: 1만2천 = 12,000, 천5백 = 1,500, 1만1000 = 11,000."""
    raw = raw.replace(" ", "").replace(",", "")
    total = 0
    for unit, size in (("만", 10_000), ("천", 1_000), ("백", 100)):
        if unit in raw:
            head, raw = raw.split(unit, 1)
            total += (int(head) if head else 1) * size
    if raw:
        if not raw.isdigit():
            return None
        total += int(raw)
    return total


def _ru_small(word: str) -> int | None:
    if word.startswith("десятк"):  # "более десятка" is ten; "десятки тысяч" no figure
        return 10 if word in ("десяток", "десятка") else None
    for stem, value in _RU_SMALL:
        if word.startswith(stem):
            return value
    return None


def _value(m: re.Match[str]) -> int | None:
    if raw := m.group("ko"):
        return _ko_value(raw)
    if raw := m.group("thousands"):
        return round(float(raw.replace(",", ".")) * 1000)
    if raw := m.group("en_word"):
        return _EN_SMALL[raw] * 1000 + int(m.group("en_rest") or 0)
    if raw := m.group("ru_word"):
        value = _ru_small(raw)
        return value * 1000 if value else None
    if raw := m.group("hundreds"):
        return (int(raw) if raw.isdigit() else _EN_SMALL[raw]) * 100
    if m.group("one_hundred"):
        return 100
    if m.group("one_thousand"):
        return 1000
    if raw := m.group("en_small"):
        return _EN_SMALL[raw]
    if raw := m.group("ru_small"):
        return _ru_small(raw)
    digits = re.sub(r"[,\u00a0\u202f .]", "", m.group("digits"))
    return int(digits)


# --- what follows a number: a noun of personnel ----------------------------------------------

# Words allowed between a number and its noun: quantity words and modifiers of the soldiers,
# never another country's name ("50,000 enemy troops", "10,000 Russian soldiers").
_EN_MODIFIERS = (
    r"(?:(?:additional|more|extra|new|fresh|elite|special|operations?|operation|forces?|"
    r"north|korean|n\.|dprk|nk|kpa|military|combat|construction|engineering|engineer|"
    r"infantry|demining|mine-clearing|mine\s+clearance|"
    r"army|regular|trained|of|its|the|pyongyang'?s|reinforcement|reinforcements|"
    r"such|other|active|captured|wounded|-|\+)\s*){0,4}"
)
_EN_NOUN = (
    r"(?:troops|soldiers|servicemen|service\s*members|personnel|infantrymen|infantry|"
    r"fighters|forces|men|officers|builders|deminers|sappers|engineers|experts|specialists|"
    # workers only as military or construction workers: North Korea's labourers in Russian
    # factories are no troops
    r"construction\s+workers|"
    r"military\s+workers|casualties|troop|soldier|deaths|dead|"
    r"killed|injuries|injured|wounded|fatalities|captives|prisoners|pows|veterans)(?!\w)"
)
# "11,000 from North Korea have been deployed": the people, named by where they come from
_EN_AFTER = re.compile(rf"^\s*(?:{_EN_MODIFIERS}{_EN_NOUN}|from\s+(?:north\s+korea|n\.\s*korea|"
                       r"the\s+dprk|pyongyang)(?!\w))")
_KO_AFTER = re.compile(r"^\s?(?:여\s?)?(?:명|넘)")
_RU_ADJECTIVES = r"(?:[\w-]+(?:ых|их|ые|ие|ого|его|ому|ему|ои|еи|ыи|ии|ую|юю|ым|им)\s+){0,3}"
_RU_NOUN = (
    r"(?:военн\w*|военнослужащ\w*|солдат\w*|боиц\w*|человек|сапер\w*|строител\w*|"
    r"инженер\w*|специалист\w*|военных|пехотинц\w*|наемник\w*|пленн\w*|офицер\w*|"
    # рабочих as an adjective ("рабочих виз", "рабочие места") is no noun of people
    r"рабоч\w*(?!\w)(?!\s+(?:виз|мест|сил|дн|час|време|групп))|"
    r"погибш\w*|ранен\w*|убит\w*|ветеран\w*|северокореиц\w*|"
    r"тел\s+(?:военн\w*|военнослужащ\w*|солдат\w*|боиц\w*))"  # "30 тел военнослужащих"
)
_RU_AFTER = re.compile(rf"^\s*{_RU_ADJECTIVES}{_RU_NOUN}")
# Another side's soldiers counted ("12,000 Russian troops", "1,000 more Ukrainian
# soldiers"), not ours placed somewhere ("12,000 soldiers on Russian soil").
_OTHER_FORCES = re.compile(
    rf"^\s*(?:(?!{_EN_NOUN})\w+\s+){{0,2}}?(?:enemy|russian|ukrainian|american|u\.s\.|us|south\s+korean|"
    r"chinese|british|french|nato|россииск\w*|украинск\w*|вражеск\w*|противник\w*|"
    r"американск\w*|южнокореиск\w*)(?!\w)"
)


_LOSSES = r"casualt\w*|fatalit\w*|injuries|deaths|losses"
_ROUGHLY = r"(?:about|around|some|approximately|roughly|nearly|more\s+than|over|at\s+least|up\s+to)"
# A number with no noun after it that a sentence's troops lead up to: "bringing the number
# of Pyongyang's troops in Russia to 3,000", "the total likely to climb to around 10,000".
_TOTAL_BEFORE = re.compile(
    rf"(?:total|number|tally|count|contingent|deployment|strength|estimate|{_LOSSES}|"
    r"사상자|사망자|부상자|потер\w*)(?!\w)"
    r"(?:[^.;]|\.\.\.){0,100}?"  # an ellipsis ("…", folded) is no sentence end
    r"(?<!\w)(?:to|at|reach\w*|of|exceed\w*|surpass\w*|top\w*|hit|hits|stand\w*\s+at|"
    r"(?:risen|rose|rises?|increased|grown|grew|climbed)\s+by|"
    rf"stood\s+at|number\w*|totall?\w*|is|are|was|were|be)\s+(?:{_ROUGHLY}\s+)?$"
    # or a qualifier right after the loss: "with estimated casualties around 1,100"
    rf"|(?:{_LOSSES})\s+{_ROUGHLY}\s+$"
)


# "another 4,100 have been injured", "300 were killed", "some 2,700 others were injured", and
# "others" with the verb's auxiliary left out in a coordination ("300 have been killed and
# 2,700 others injured")
_CASUALTY_AFTER = re.compile(
    r"^\s*(?:(?:others\s+|more\s+)?(?:have|has|had|were|was|are|is)\s+"
    r"(?:been\s+|likely\s+been\s+)?|others\s+)"
    r"(?:killed|wounded|injured|captured|taken\s+prisoner)"
)
# The figure is the subject of a verb of loss after its noun phrase: "100 North Korean
# soldiers fighting on the side of Russia have been killed", "100 военных, дислоцированных
# в России, погибли", "еще 1000 получили ранения" (no other figure between).
_CASUALTY_VERB_AFTER = re.compile(
    rf"^\s*{_EN_MODIFIERS}{_EN_NOUN}[^,.;:\d]{{0,80}}?(?<!\w)(?:(?:have|has|had|were|was|are|is)"
    r"\s+(?:been\s+|likely\s+been\s+)?(?:killed|wounded|injured|captured|taken\s+prisoner)|"
    r"died)(?!\w)"
    rf"|^\s*(?:{_RU_ADJECTIVES}{_RU_NOUN}(?:,\s*[\w-]+(?:нных|вших|щих|мых|ных|нные|вшие|щие)"
    r"(?!\w)[^,.;:\d]{0,50},)?)?"
    r"\s*(?:погибл?\w*|убиты|были\s+убиты|ранены|были\s+ранены|получил\w*\s+ранени\w*|"
    r"попал\w*\s+в\s+плен|взяты\s+в\s+плен)(?!\w)"
)


# A figure right after a verb of loss whose soldiers are named once for two figures: "killed
# 77 and wounded as many as 40 North Korean soldiers", "killed 50 … and injured 47 others".
_LOSS_VERB = r"(?:killed|wounded|injured|captured)"
_LOSS_VERB_BEFORE = re.compile(
    rf"(?<!\w){_LOSS_VERB}\s+(?:about|around|some|as\s+many\s+as|up\s+to|more\s+than|over|"
    r"at\s+least|nearly|another)?\s*$")
# "killed 50 North Korean soldiers and injured another 47": the soldiers of the figure before
_ANOTHER_AFTER_LOSS = re.compile(rf"(?<!\w){_LOSS_VERB}\s+another\s*$")
_SOLDIERS_NAMED_ONCE = re.compile(
    rf"^\s*(?:others|more)(?!\w)|^\s*and\s+{_LOSS_VERB}\s+"
    rf"(?:[a-z]+\s+){{0,3}}?\d[\d,.]*\s*{_EN_MODIFIERS}{_EN_NOUN}")


def _personnel_after(after: str) -> bool:
    if _OTHER_FORCES.match(after):
        return False
    return bool(_EN_AFTER.match(after) or _KO_AFTER.match(after) or _RU_AFTER.match(after)
                or _CASUALTY_AFTER.match(after) or _CASUALTY_VERB_AFTER.match(after))


_CASUALTY_TOTAL = re.compile(
    rf"(?:{_LOSSES}|사상자|사망자|부상자|потер\w*)(?!\w)"
    r"[^.;]{0,60}$"
)
# Between two figures that share one verb: "1,000 sappers and", "тысячу саперов и".
_SHARED_VERB = re.compile(
    r"^\s*(?:[\w-]+\s+){1,4}?(?:and|и|및|과|와|,)\s*(?:about|some|около)?\s*$")
_TROOP_WORDS = re.compile(
    rf"{_EN_NOUN}|{_RU_NOUN}|병력|북한군|파병|\d\s?명|여\s?명|deploy|dispatch")


# A figure with no noun, the subject of a verb of sending: "after an estimated 14,000 were
# sent last year"
_SENT_AFTER = re.compile(
    r"^\s*(?:have|has|had|were|was|are|is)\s+(?:been\s+|already\s+been\s+)?"
    r"(?:sent|deployed|dispatched|stationed)(?!\w)")


def _total_of_troops(before: str, after: str, sentence_before: str) -> bool:
    """A figure with no noun of its own that counts the troops its sentence names before it."""
    return bool(_TOTAL_BEFORE.search(before) or _SENT_AFTER.match(after)) and bool(
        re.search(_EN_NOUN, sentence_before) or re.search(_RU_NOUN, sentence_before))


# A sentence about North Korea, or about dispatching troops, which in Korean is North Korea's.
# Every alternative opens with a literal, its word boundary checked behind it ("nk(?<!\wnk)"
# is "(?<!\w)nk"): then the regex engine skips ahead to the characters that can start one.
_NK = _Sieved(re.compile(
    r"north\s+korea|n\.\s*korea|nk(?<!\wnk)(?!\w)|dprk|pyongyang|kpa(?<!\wkpa)(?!\w)|"
    r"the(?<!\wthe)\s+north(?!\w)|kim\s+jong|북한|북(?<![가-힣]북)(?![가-힣])|北|파병|북측|북의|"
    r"кндр|северокореиск|северн\w*\s+коре|пхеньян|ким\s+чен"
))

_WAR = _Sieved(re.compile(
    r"russia|kursk|ukrain|moscow|kremlin|putin|러시아|러(?<![가-힣]러)(?![가-힣])|쿠르스크|"
    r"우크라이나|росси|курск|украин|москв|сво(?<!\wсво)(?!\w)|рф(?<!\wрф)(?!\w)|фронт|"
    r"전선(?<![가-힣]전선)"
))
_OTHER_SIDE = _Sieved(re.compile(
    r"ukrainian|russian|enemy|우크라이나군|러시아군|우크라이나\s군|러시아\s군|российск|украинск|"
    r"всу(?<!\wвсу)(?!\w)|вс\s+рф|противник"
))

# --- qualifiers --------------------------------------------------------------------------------

QUALIFIERS = ("about", "up to", "more than", "at least", "additional")

_BEFORE_QUALIFIER = (
    ("additional", re.compile(
        r"(?:additional|another|extra|further|more|추가로|추가적으로|추가|еще|ещё|"
        r"дополнительн\w*)(?:\s+(?:of|some|about|around|approximately))?\s*$")),
    # "많게는 약 3천 명" (at most about): the bound, not the about
    ("up to", re.compile(r"(?:up\s+to|as\s+many\s+as|as\s+high\s+as|(?:최대|많게는)(?:\s?약)?|"
                         r"до)\s*$")),
    ("more than", re.compile(
        # not a verb's "over" ("hand over two", "handed over 1,000")
        r"(?:more\s+than|(?<!hand\s)(?<!hands\s)(?<!handed\s)(?<!handing\s)(?<!turn\s)"
        r"(?<!turned\s)(?<!turning\s)over|upwards\s+of|in\s+excess\s+of|more\s+then|exceed\w*|"
        r"surpass\w*|более|свыше|больше|превыси\w*|более\s+чем)\s*$")),
    ("at least", re.compile(
        r"(?:at\s+least|최소|적어도|не\s+менее|по\s+меньшеи\s+мере|как\s+минимум)\s*$")),
    ("about", re.compile(
        r"(?:about|around|some|approximately|approx\.|roughly|nearly|almost|an\s+estimated|"
        r"estimated|close\s+to|약|대략|около|порядка|примерно|приблизительно|почти|"
        r"(?:an?\s+)?(?:total\s+of|overall)\s+(?:about|around|some))\s*$")),
)
_AFTER_QUALIFIER = (
    ("additional", re.compile(
        r"^\s*(?:additional|more|extra|further)(?!\w)|^(?:여\s?)?명?\w{0,2}\s?(?:을|를)?\s?"
        r"(?:추가|더\s)")),
    ("up to", re.compile(r"^\s?(?:여\s?)?명?\s?(?:까지)")),
    ("more than", re.compile(r"^\+|^\s?(?:여\s?)?(?:명\S{0,2})?\s?(?:이상|넘|초과)")),
    ("about", re.compile(r"^\s?(?:여|명?\s?(?:가량|정도|쯤|안팎))")),
)


def _qualifier(before: str, after: str) -> str | None:
    """The word before the figure ("at least 3,000 more" is at least), else the word after
    it (Korean puts its qualifiers there: 1만 명 이상, 3만~4만명 더)."""
    for found in ({name for name, rx in _BEFORE_QUALIFIER if rx.search(before[-40:])},
                  {name for name, rx in _AFTER_QUALIFIER if rx.search(after[:30])}):
        for name in ("additional", "up to", "more than", "at least", "about"):
            if name in found:
                return name
    return None


# --- kinds -----------------------------------------------------------------------------------

KINDS = ("deployed", "planned", "casualties")
_KIND_RANK = {kind: rank for rank, kind in enumerate(KINDS)}

_CASUALTY = re.compile(
    r"(?<!\w)(?:killed|dead|died|deaths?|wounded|injured|casualt\w*|captured|taken\s+prisoner|"
    r"prisoners?|pows?|losses|lost|kia|injur\w*|fatalit\w*|died|die|"
    r"погиб\w*|убит\w*|ранен\w*|потер\w*|пленн\w*|плен(?!\w)|пленен\w*|уничтож\w*|ликвидир\w*|пленил\w*|раненых|отдав\w*\s+жизн\w*|gave\s+their\s+lives)|사상자|사망|전사|부상|포로|생포|사상|"
    # Korean verbs of dying and being hurt: 숨졌다, 숨진, 숨지거나, 다쳤다, 다친
    r"목숨|숨지|숨졌|숨진|숨져|다쳤|다친|다치"
)
_PLANNED = re.compile(
    r"(?<!\w)(?:will|would|plans?\s+to|planned|planning|plan\s+to|intends?|expected|expects|"
    # "there could be 12,000 troops in Russia" estimates a presence; "could be sent" plans
    r"(?:may|might|could)(?!\s+(?:now\s+)?be\s+(?!sent|deployed|dispatched|transferred))|"
    r"to\s+be\s+(?:sent|deployed|dispatched)|decided\s+to|decides\s+to|deciding\s+to|is\s+set\s+to|"
    r"are\s+set\s+to|preparing\s+to|prepares\s+to|likely\s+to|by\s+(?:the\s+end|december|"
    r"year-end)|"
    r"планир\w*|намерен\w*|собира\w*|направят|отправят|направит|отправит|пошлет|пошлют|"
    r"поможет|помогут|должны|будут|будет|"
    r"ожида\w*|может|могут|решил\w*)|예정|예상|전망|계획|보낼|파병할|이를|결정|하기로|"
    # the Korean prospective (a syllable ending in ㄹ) before 것 / 수 있다 / 듯: 보낼 것, 올 듯
    rf"[{''.join(chr(c) for c in range(0xAC00, 0xD7A4) if (c - 0xAC00) % 28 == 8)}]"
    r"\s?(?:것|거|수\s?있|듯)"
)
_CLAUSE_END = re.compile(r",|;|\s(?:and|but|while|и|а|но)\s")


def _kind(before: str, after: str, korean: bool) -> str:
    # Casualty words sit next to the figure ("4,000 killed", "사상자 3000명", "погибли
    # 300 военных"); the rest of the sentence may be about deployment.
    # Korean: not past the figure's clause ("1만5000여 명을 파병했으며, 사망한 600명").
    ends = r"(?:며|고|으나|지만),?\s|했다\.|다\.|…|\.\.\."  # a headline's "…" parts two clauses
    near = (re.split(ends, before)[-1][-30:] + " " + re.split(ends, after[:40], maxsplit=1)[0]
            if korean else before[-30:] + " " + after[:40])
    if _CASUALTY.search(near):
        return "casualties"
    if _SENT_AFTER.match(after):
        return "deployed"  # its own verb, past or present: "after 14,000 were sent"
    # Whether the figure is planned is its clause's verb: before the figure in English and
    # Russian ("plans to send 10,000"), after it in Korean ("1만 명을 보낼 예정").
    if korean:
        # Korean: the figure's own clause, from the last clause ending before it to the
        # first after it ("…이동 중이며, …투입될 것으로" is two clauses).
        # A comma after the figure lists objects of the verb still to come ("3만~4만명,
        # 어쩌면 50만명을 더 데려올 수 있다"); before it, it ends a clause.
        clause = (re.split(f",|{ends}", before)[-1] + " "
                  + re.split(ends, after, maxsplit=1)[0])
    else:
        parts = _CLAUSE_END.split(before)
        own = re.split(r",|;|\s(?:and|but|while|that|which|who|и|а|но|что|которы\w*)\s",
                       after[:60], maxsplit=1)[0]
        clause = parts[-1] + " " + own
    return "planned" if _PLANNED.search(clause) else "deployed"


# --- claimants ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Party:
    name: str
    pattern: re.Pattern[str]
    country: bool  # a country's name: credited only by an attribution, never by mention
    estimates: bool  # an intelligence or military body, whose figures reports pass on
    sieve: re.Pattern[str] | None = None  # finds what every mention contains (None: unknown)


def _party(name: str, pattern: str, country: bool = False, estimates: bool = False) -> _Party:
    return _Party(name, re.compile(pattern), country, estimates, _sieve(pattern))


# "South Koreas intelligence": the possessive without its apostrophe, as some sites print it
_SOUTH = r"(?:south\s+korea(?:n|'s|’s|s)?|seoul(?:'s|’s)?|southern)"
_UKRAINE_ADJ = r"(?:ukrain\w*(?:'s|’s)?|kyiv(?:'s|’s)?)"
# Korean names of the countries whose ministries and services the news quotes, in full and
# short (美, 러), and of the West: a ministry or service after one is theirs.
_KO_COUNTRY = ("미국", "미", "美", "러시아", "러", "露", "우크라이나", "우크라", "烏", "영국", "英",
               "일본", "日", "중국", "中", "북한", "北", "프랑스", "佛", "독일", "獨", "폴란드",
               "캐나다", "호주", "서방")
_KO_UNQUALIFIED = "".join(rf"(?<!{c})(?<!{c}\s)" for c in _KO_COUNTRY)
# The defence ministries a Korean text names with their country ("미국 국방부"), by the
# party each is filed under; a bare 국방부 is Seoul's, unless the text names one of these.
_KO_MINISTRIES = {
    "Pentagon": r"(?:미|미국|美)\s?국방부",
    "Ukraine": r"(?:우크라이나|우크라|烏)\s?국방부",
    "Russia": r"(?:러시아|러|露)\s?국방부",
}
# Other governments' bodies, by one pattern for every country: country × body, in the
# three languages. Each nation: its short name, its English noun or adjective, its Korean
# names, its Russian adjective stem and genitive; the four countries of the war are the
# table's own parties above. The UK's intelligence speaks through its Defence Intelligence
# updates, which the Ministry of Defence publishes: filed under the ministry.
@dataclass(frozen=True, slots=True)
class _Nation:
    name: str
    en: str
    ko: str
    ru_adj: str
    ru_gen: str
    intelligence: str | None = None  # the party its intelligence is filed under


_NATIONS = (
    _Nation("UK", r"(?<!\w)u\.?k\.?|british|britain(?:'s|’s)?|united\s+kingdom(?:'s|’s)?",
            "영국|英", "британск", r"великобритани\w*|британи\w*",
            intelligence="UK Ministry of Defence"),
    _Nation("France", r"france(?:'s|’s)?|french", "프랑스|佛", "французск", r"франци\w*"),
    _Nation("Germany", r"germany(?:'s|’s)?|german", "독일|獨", "германск|немецк", r"германи\w*"),
    _Nation("Japan", r"japan(?:'s|’s)?|japanese", "일본|日", "японск", r"япони\w*"),
    _Nation("China", r"china(?:'s|’s)?|chinese", "중국|中", "китаиск", r"кита\w*"),
    _Nation("Poland", r"poland(?:'s|’s)?|polish", "폴란드", "польск", r"польш\w*"),
    _Nation("Canada", r"canada(?:'s|’s)?|canadian", "캐나다", "канадск", r"канад\w*"),
    _Nation("Australia", r"australia(?:'s|’s)?|australian", "호주", "австралииск",
            r"австрали\w*"),
)
_DEFENCE_MINISTRY_EN = (r"(?:ministry\s+of\s+defen[cs]e|defen[cs]e\s+ministry|defen[cs]e\s+"
                        r"intelligence|(?<!\w)mod(?!\w)|defen[cs]e\s+secretary)")
_DEFENCE_MINISTRY_RU = r"(?:министерств\w*\s+обороны|минобороны|военн\w*\s+ведомств\w*)"
_INTELLIGENCE_EN = r"(?:military\s+)?intelligence(?:\s+(?:agenc\w+|services?))?"
_OFFICIALS_EN = r"(?:government\s+|defen[cs]e\s+|security\s+)?officials?"
_OFFICIALS_KO = r"(?:정부\s?)?(?:당국자|관리|관계자)"
_OFFICIALS_RU = r"(?:чиновник\w*|официальн\w*\s+лиц\w*|источник\w*)"


def _nation_parties(n: _Nation) -> tuple[_Party, ...]:
    ministry = _party(
        f"{n.name} Ministry of Defence",
        rf"(?:{n.en})\s+{_DEFENCE_MINISTRY_EN}|(?:{n.ko})\s?국방(?:부|정보국)|"
        rf"{_DEFENCE_MINISTRY_RU}\s+(?:{n.ru_gen})|(?:{n.ru_adj})\w*\s+{_DEFENCE_MINISTRY_RU}",
        estimates=True)
    intelligence = _party(
        n.intelligence or f"{n.name} intelligence",
        rf"(?:{n.en})\s+{_INTELLIGENCE_EN}|(?:{n.ko})\s?(?:정보\s?당국|정보기관)|"
        rf"(?:{n.ru_adj})\w*\s+разведк\w*|разведк\w*\s+(?:{n.ru_gen})",
        estimates=True)
    officials = _party(
        f"{n.name} government",
        rf"(?:{n.en})\s+{_OFFICIALS_EN}(?!\w)|(?:{n.ko})\s?{_OFFICIALS_KO}|"
        rf"(?:{n.ru_adj})\w*\s+{_OFFICIALS_RU}", estimates=True)
    return ministry, intelligence, officials


# A group of governments, not one: its officials and its intelligence speak as the group.
_WESTERN = (
    _party("Western officials", rf"western\s+{_OFFICIALS_EN}(?!\w)|서방\s?{_OFFICIALS_KO}|"
                                rf"западн\w*\s+{_OFFICIALS_RU}", estimates=True),
    _party("Western intelligence", rf"western\s+{_INTELLIGENCE_EN}|서방\s?(?:정보\s?당국|정보기관)|"
                                   r"западн\w*\s+разведк\w*", estimates=True),
)


# A country's media as a group ("Ukrainian media reported", "우크라이나 매체들은", "украинские
# СМИ"): a source of its own, not the country; a medium it goes on to name ("the Ukrainian
# outlet the Kyiv Post") is that medium. Its state media are not this group.
_MEDIA_OF = (("Ukrainian", r"ukrainian|ukraine['’]s", "우크라이나|우크라", "украинск"),
             ("South Korean", r"south\s+korean|south\s+korea['’]s", "한국|국내", "южнокореиск"),
             ("Russian", r"russian|russia['’]s", "러시아", "российск"),
             ("Japanese", r"japanese|japan['’]s", "일본", "японск"),
             ("US", r"american|u\.s\.|us|america['’]s", "미국", "американск"),
             ("Western", "western", "서방", "западн"))
_MEDIA_GROUPS = tuple(
    _party(f"{name} media",
           rf"(?<!\w)(?:{en})\s+(?:news\s+)?(?:media|outlets|press)(?!\s+outlet)(?!\w)|"
           rf"(?:{ko})\s?(?:현지\s?)?(?:매체|언론)(?:들)?(?=은|는|이|가|도|에\s?따르면|\s?보도)|"
           rf"{ru}\w*\s+сми(?!\w)")
    for name, en, ko, ru in _MEDIA_OF
)
_MEDIA_GROUP_NAMES = frozenset(p.name for p in _MEDIA_GROUPS)


# The order is the order of preference when one span matches two parties.
_PARTIES = (
    _party("NIS", rf"(?<!\w)nis(?!\w)|national\s+intelligence\s+service|국정원|국가정보원|"
                  rf"{_SOUTH}\s+(?:\w+\s+)?(?:spy|intelligence)\s*(?:agency|service|chief|"
                  rf"officials?)?|(?<!\w)(?:the\s+)?spy\s+(?:agency|chief)|"
                  r"разведк\w*\s+южн\w*\s+коре\w*|южнокореиск\w*\s+разведк\w*|"
                  r"национальн\w*\s+разведывательн\w*\s+служб\w*|(?<!\w)нрс(?!\w)|"
                  # 정보당국 is Seoul's unless a country names it (英정보당국)
                  rf"{_KO_UNQUALIFIED}정보\s?당국|"
                  # a lawmaker relaying a briefing of the intelligence service
                  r"(?:parliamentary|parliament's|national\s+assembly's?)\s+intelligence\s+"
                  r"committee|(?<!\w)intelligence\s+committee|국회\s?정보위\w*|정보위원\w*|"
                  r"(?:парламентск\w*\s+)?комитет\w*\s+по\s+разведке|"
                  r"депутат\w*\s+(?:\w+\s+){0,2}представител\w*\s+разведк\w*|"
                  r"представител\w*\s+разведк\w*\s+(?:\w+\s+){0,2}депутат\w*",
           estimates=True),
    _party("South Korean military (JCS)",
           rf"joint\s+chiefs|(?<!\w)jcs(?!\w)|합참|합동참모본부|{_SOUTH}\s+military|"
           # 국방부 is Seoul's unless a country names it: 미국 국방부 is the Pentagon,
           # 러시아 국방부 Russia's
           rf"(?<!\w)군\s?당국|{_KO_UNQUALIFIED}국방부|"
           # a Korean text's unqualified military is Seoul's: "군 관계자", "군의 한 소식통"
           rf"{_KO_UNQUALIFIED}(?<!\w)군\s?(?:의\s?)?(?:한\s?)?(?:관계자|소식통)|"
           r"south\s+korean\s+defen[cs]e\s+ministry|"
           r"объединенн\w*\s+комитет\w*\s+начальник\w*", estimates=True),
    _party("Ukraine's GUR", rf"(?<!\w)(?:hur|gur)(?!\w)|budanov|{_UKRAINE_ADJ}\s+(?:military\s+)?"
                            r"intelligence|(?<!\w)гур(?!\w)|буданов|украинск\w*\s+разведк\w*|"
                            r"разведк\w*\s+украин\w*|(?:우크라이나|우크라)\s?(?:국방부\s?)?정보총국|정보총국|"
                            # 우크라이나 (국방)정보국, 우크라이나 정보 당국
                            r"우크라이나\s?(?:국방\s?)?정보\s?(?:당국|기관|국)|"
                            # the directorate by its full name ("ГУР" spelled out)
                            r"main\s+intelligence\s+directorate|"
                            # its English name: the Defence Intelligence of Ukraine
                            r"defen[cs]e\s+intelligence\s+of\s+ukraine|(?<!\w)diu(?!\w)|"
                            r"главн\w*\s+управлени\w*\s+разведки",
           estimates=True),
    _party("SBU", r"(?<!\w)sbu(?!\w)|(?<!\w)сбу(?!\w)|security\s+service\s+of\s+ukraine|"
                  r"служб\w*\s+безопасности\s+украин\w*|우크라이나\s?보안국",
           estimates=True),
    _party("Ukrainian General Staff", rf"{_UKRAINE_ADJ}\s+general\s+staff|генштаб\w*\s+всу|"
                                      r"генеральн\w*\s+штаб\w*\s+всу|우크라이나\s?총참모부",
           estimates=True),
    # Ukraine's special operations forces report their own battles ("the SSO said it killed
    # 21"); named with Ukraine, as Russia and North Korea have special forces too.
    _party("Ukraine's SSO", rf"{_UKRAINE_ADJ}\s+special\s+operations?\s+forces?|"
                            r"special\s+operations?\s+forces?\s+of\s+ukraine|(?<!\w)sso(?!\w)|"
                            r"(?:우크라이나|우크라)\s?(?:군\s?)?(?:제\s?\d+\s?)?특수\s?작전\s?(?:군|부대|사령부|연대|여단)|"
                            r"(?:우크라이나|우크라)\s?(?:군\s?)?특수\s?부대|"
                            r"특수\s?작전\s?군\s?\((?:sso|sof)\)|"
                            r"(?:(?<!\w)ссо|сил\w*\s+специальных\s+операци\w*)\s+(?:всу|зсу|украин\w*)|"
                            r"украинск\w*\s+(?:(?<!\w)ссо|сил\w*\s+специальных\s+операци\w*)",
           estimates=True),
    _party("Pentagon", r"pentagon|department\s+of\s+defen[cs]e|defen[cs]e\s+department|"
                       r"sabrina\s+singh|lloyd\s+austin|(?<!\w)austin(?!\w)|hegseth|펜타곤|"
                       rf"{_KO_MINISTRIES['Pentagon']}|пентагон\w*|"
                       r"(?:министерств\w*\s+обороны|минобороны)\s+сша|"
                       r"американск\w*\s+(?:министерств\w*\s+обороны|минобороны)",
           estimates=True),
    _party("Zelensky", r"zelensk\w*|зеленск\w*|젤렌스키"),
    _party("NATO", r"(?<!\w)nato(?!\w)|rutte|stoltenberg|나토|(?<!\w)нато(?!\w)|뤼터",
           estimates=True),
    # "state media" is North Korea's unless Russia's is named ("Russian state media")
    _party("KCNA", r"(?<!\w)kcna(?!\w)|korean\s+central\s+news\s+agency|조선중앙통신|"
                   r"(?<!russian\s)(?<!russia's\s)(?<!russia’s\s)(?<!russian\sand\s)"
                   r"(?<!\w)state(?:-run)?\s+media(?!\w)|"
                   r"(?<!\w)цтак(?!\w)|центральн\w*\s+телеграфн\w*\s+агентств\w*\s+коре\w*|"
                   # the party's paper, which carries the same accounts: filed under KCNA
                   r"rodong(?:\s+sinmun)?|[노로]동신문|(?:нодон|родон)\s+синмун"),
    _party("KCTV", r"(?<!\w)kctv(?!\w)|korean\s+central\s+(?:television|tv)|"
                   r"조선중앙\s?(?:tv|텔레비전)|"
                   r"центральн\w*\s+телевидени\w*\s+(?:северн\w*\s+)?(?:коре\w*|кндр)|"
                   r"(?<!\w)(?:тв|телевидени\w*)\s+кндр|"
                   r"центральн\w*\s+тв(?:-канал\w*)?\s+(?:кндр|северн\w*\s+коре\w*)"),
    _party("Kremlin", r"kremlin|peskov|кремл\w*|песков\w*|크렘린|페스코프"),
    _party("Russian General Staff", r"gerasimov|герасимов\w*|게라시모프|russian\s+general\s+staff"),
    _party("White House", r"white\s+house|kirby|jake\s+sullivan|백악관|"
                          r"бел(?:ыи|ого|ом|ому)\s+дом\w*|"
                          r"state\s+department|blinken|미\s?국무부|госдеп\w*|블링컨|блинкен\w*|"
                          r"secretary\s+of\s+state|госсекретар\w*\s+сша"),
    # officials of a government, no single office: not refined into one of its bodies
    _party("US government", r"(?<!\w)u\.?s\.?\s+officials?|american\s+officials?|"
                            r"washington\s+officials?|американск\w*\s+чиновник\w*|미\s?정부\s?당국자"),
    _party("Shoigu", r"shoigu|шоигу|쇼이구"),
    # the think tank whose daily assessments the war's news quotes most
    _party("ISW", r"institute\s+for\s+the\s+study\s+of\s+war|(?<!\w)isw(?!\w)|전쟁\s?연구소|"
                  r"институт\w*\s+(?:по\s+)?изучени\w*\s+войны", estimates=True),
    *_MEDIA_GROUPS,
    *(party for nation in _NATIONS for party in _nation_parties(nation)),
    *_WESTERN,
    _party("South Korea", rf"{_SOUTH}|남한|한국\s?정부|(?<![가-힣])한국(?![가-힣])|정부는|"
                          r"южн\w*\s+коре\w*|сеул\w*|대통령실", country=True),
    _party("US", r"united\s+states|washington|(?<!\w)u\.s\.(?!\w)|(?<!\w)us(?!\w)|america(?!n)|"
                 r"미국|сша|штат\w*", country=True),
    # Ukraine's forces speak when credited ("Ukraine's military said", "우크라이나군은 …
    # 밝혔다"); "fighting Ukrainian forces" is an object, as a country is
    _party("Ukrainian armed forces",
           rf"{_UKRAINE_ADJ}\s+(?:armed\s+forces|military|army|forces|troops)|"
           r"armed\s+forces\s+of\s+ukraine|(?<!\w)(?:всу|зсу)(?!\w)|"
           r"вооруженн\w*\s+сил\w*\s+украин\w*|украинск\w*\s+(?:военн\w*|арми\w*|сил\w*)|"
           r"(?:우크라이나|우크라)\s?군(?![가-힣])|(?:우크라이나|우크라)군(?=은|이|측|도)",
           country=True),
    # a medium named for a city ("the Kyiv Post", "The Moscow Times") is no country speaking
    # 우크라 is the short form headlines use ("우크라 \"…\"")
    _party("Ukraine", r"ukraine(?:'s|’s)?(?!\w)|kyiv(?:'s|’s)?(?!\w)(?!\s+(?:post|independent))|"
                      rf"{_KO_MINISTRIES['Ukraine']}|우크라이나|우크라(?![가-힣])|украин\w*|киев\w*",
           country=True),
    _party("Russia", r"russia(?:'s|’s)?(?!\w)|moscow(?:'s|’s)?(?!\w)(?!\s+times)|росси\w*|москв\w*|"
                    rf"{_KO_MINISTRIES['Russia']}|러시아",
           country=True),
)

_COUNTRIES = frozenset(p.name for p in _PARTIES if p.country)

# Speech and belief verbs that follow their subject: "X said", "X는 … 밝혔다", "X сообщил".
_SAYS = re.compile(
    r"(?<!\w)(?:said|says|say|told|tells|estimat\w*|believ\w*|reported|reports|claim\w*|"
    r"confirm\w*|announc\w*|assess\w*|stated|states|disclos\w*|revealed|reveals|noted|warned|"
    r"thinks|accus\w*|put\s+the\s+number|puts\s+the\s+number|added|has\s+said|have\s+said|"
    r"сообщ\w*|заяв\w*|обвин\w*|счита\w*|оцени\w*|утвержда\w*|подтверд\w*|пишет|передает|"
    r"информир\w*|говор\w*|сказал\w*|приводит|уточни\w*|рассказ\w*|отмети\w*|озвучи\w*)|밝혔|밝혀|밝힌|말했|전했|추정|판단|보고|예상|파악|분석|확인|발표|주장|설명|집계|"
    r"전망|내다[봤본보]"
)
_CREDIT_FRAME = (
    r"(?:according\s+to|citing|cited\s+by|quoting|per|as\s+reported\s+by|as\s+estimated\s+by|"
    r"reports\s+from|data\s+from|estimates\s+(?:by|from)|"
    # "by" credits a report's author ("the confirmation by the U.S."), not a deed's ("mines
    # planted by Ukraine soldiers", "Ukrainians held by Russia")
    r"(?:confirm\w*|announce\w*|assess\w*|estimat\w*|report\w*|statement|claim\w*|"
    r"analys\w*|said|stated|disclos\w*|revealed)\s+by|по\s+данным|по\s+оценкам|по\s+оценке|"
    r"по\s+информации|по\s+словам|со\s+ссылкои\s+на|ссылаясь\s+на|согласно|"
    # "данные от Генштаба", not "освобождение от ВСУ"
    r"(?:данн\w*|информаци\w*|сведени\w*|заявлени\w*|оценк\w*|сообщени\w*)\s+от)"
)
_CREDITS_BEFORE = re.compile(rf"{_CREDIT_FRAME}\s+(?:the\s+|a\s+|an\s+)?(?:[\w.'’-]+\s+){{0,3}}$")
# The frame right before a country: "according to Ukraine's special forces" credits it,
# though "to" before a country is otherwise a place ("sent to Russia").
_FRAMES_IT = re.compile(rf"(?<!\w){_CREDIT_FRAME}\s+(?:the\s+)?$")
_KO_CREDITS_AFTER = re.compile(
    r"^\s?(?:[가-힣]*\s?){0,3}?(?:에\s?따르면|측은|측에\s?따르면|은|는|이|가|도)(?![가-힣])")
_NEGATED_AFTER = re.compile(
    r"^[^.;:]{0,25}?(?:has\s+not|have\s+not|had\s+not|did\s+not|does\s+not|do\s+not|hasn't|"
    r"haven't|didn't|doesn't|don't|never|has\s+yet\s+to|have\s+yet\s+to|denied|denies|deny|"
    r"не\s+подтвер\w*|не\s+сообщ\w*|не\s+комментир\w*|отрица\w*|опроверг\w*|"
    r"확인하지|부인|인정하지|밝히지\s?않|"
    # a refusal: "Peskov declined to comment on reports of 10,000 troops"
    r"declined|refused|declines|refuses|отказал\w*|отказыва\w*|거부|거절)"
)
# A country after these is a place or an object ("the war against Ukraine", "sent to
# Russia"), not a speaker; "in Seoul, officials said" still credits Seoul.
_OBJECT_BEFORE = re.compile(
    r"(?:against|to|into|inside|near|toward|towards|on|with|for|from|over|across|of|by|"
    r"fight|fighting|invade|invaded|help|helping|support|supporting|"
    r"против|на|к|для|с|из|по)\s+(?:the\s+)?$"
)
_HEADLINE_CREDIT = re.compile(r"(?:\s[-–—:|]\s*|:\s*)(?P<who>[^-–—:|]{2,40})$")


@dataclass(frozen=True, slots=True)
class _Mention:
    party: _Party
    start: int
    end: int
    credited: bool  # in an attribution, not a mere mention
    cited: bool = False  # the source another party cites ("citing X", "со ссылкой на X")


# "U.S., South Korean and Ukrainian intelligence": several services, no single one, so the
# first-named country speaks for them (as "officials of one government" are that government).
_JOINT_INTELLIGENCE = re.compile(
    r"(?<!\w)(?P<list>(?:(?:u\.s\.|us|american|south\s+korean|ukrainian|western|british)"
    r"(?:,\s*|\s+)(?:and\s+)?){2,})intelligence(?:\s+(?:agencies|services|officials|reports))?"
)
_JOINT_INTELLIGENCE_RU = re.compile(
    r"(?P<list>(?:(?:южнокореиск|украинск|американск|западн|британск)\w*(?:,\s*|\s+и\s+|\s+)){2,})"
    r"разведо?к\w*"
)
_INTELLIGENCE_OF = {"южнокореиск": "South Korea", "украинск": "Ukraine", "американск": "US",
                    "западн": "Western intelligence", "британск": "British intelligence",
                    "u.s.": "US", "us": "US", "american": "US", "south korean": "South Korea",
                    "ukrainian": "Ukraine", "western": "Western intelligence",
                    "british": "British intelligence"}
_JOINT = (_JOINT_INTELLIGENCE, _JOINT_INTELLIGENCE_RU)
# Between two parties that share one verb: "South Korea, Ukraine and the United States say".
_COORDINATION = re.compile(r"^\s*(?:,|and|&|и|과|와|및|,\s*and)\s*(?:the\s+)?$")


# An attribution frame, then a name outside the party table: "according to the human rights
# group Gyeore-eol Nation United", "citing Reuters", "со ссылкой на Reuters". The name is the
# run of capitalised words that heads the frame's noun phrase, as written (not a modifier:
# "according to a South Korean lawmaker", "according to Monday's report").
_CALENDAR = (r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|"
             r"March|April|May|June|July|August|September|October|November|December)(?!\w)")
_NAMED_FRAME = re.compile(
    r"(?<!\w)(?i:according\s+to|citing|quoting|cited\s+by|as\s+reported\s+by|"
    r"со\s+ссылко[йи]\s+на|ссылаясь\s+на|по\s+данным|по\s+информации|по\s+словам|"
    r"согласно)"
    r"\s+[«\"“]?(?:[a-zа-яё][\w-]*\s+){0,4}?"
    rf"(?!{_CALENDAR})"  # "according to reports released Saturday": a day, no source
    r"(?P<name>[A-Z][\w'’&.-]*(?:\s+(?:(?:of|for|and|on)\s+(?:the\s+)?)?[A-Z][\w'’&.-]*)*)"
    r"[»\"”]?(?=\s*(?:$|[.,;:()]|\s(?:said|says|reported|reports|which|who|that|on|in|as|"
    r"and|в|и|о)(?!\w)))"
)
_CITING_BEFORE = re.compile(
    r"(?:citing|quoting|со\s+ссылкои\s+на|ссылаясь\s+на)\s+(?:the\s+|a\s+|an\s+)?"
    r"(?:[\w.'’«\"“-]+\s+){0,3}[«\"“]?$"
)
# A party whose report another party passes on: "citing X", "X를 인용해", "со ссылкой на
# X", and the report of X ("confirmed the NIS report", "국정원 보고를 확인", "백악관의 발표를
# 언급하며", "South Korean intelligence regarding …", "подтвердил данные разведки Южной Кореи").
_KO_CITED_AFTER = re.compile(
    r"^\s?(?:(?:[가-힣]*\s?){0,2}?(?:을|를)?\s?인용|의?\s?(?:보고|발표|주장|분석|평가|추정|집계)"
    r"(?:를|을|에|와|도|가|는|서)?(?![가-힣]))")
_REPORT_OF_AFTER = re.compile(
    r"^(?:'s|’s)?\s*(?:report|reports|estimate|estimates|assessment|assessments|data|figures|"
    r"findings|announcement|intelligence\s+regarding|regarding)(?!\w)")
_REPORT_OF_BEFORE = re.compile(
    r"(?:(?:report|reports|estimate|estimates|assessment|data|figures|findings)\s+(?:of|from|by)|"
    r"(?:данн|оценк|доклад|отчет|сведени|заявлени)\w*(?:\s+\w+(?:ои|ого|ых|их))?)\s+(?:the\s+)?$")


# Another medium whose report or programme a text passes on: "NK News reported", "MBC
# 'PD수첩'의 … 방송에서는", "NK뉴스가 보도했다", "AFP 통신에 따르면" (its Latin name; 뉴스 is
# "News"; 통신 and 방송 after it say agency and broadcaster: "BBC 방송이 보도했다"). A
# medium's name is an acronym or ends in a medium's noun (not "Thursday reported").
_MEDIUM = (r"(?:[A-Z][A-Za-z0-9'’&.-]*\s+){0,3}(?:News|Agency|Times|Post|Herald|Journal|Daily|"
           r"Press|TV|Radio|Television)(?![A-Za-z])|[A-Z]{2,6}(?![A-Za-z])")
_MEDIUM_KIND_EN = (r"(?:news\s+agency|newspaper|(?:news|media)\s+outlet|outlet|broadcaster|"
                   r"daily|website|weekly|(?:news\s+)?portal)")
_MEDIUM_KIND_KO = r"(?:매체|언론|일간지|일간|신문|방송|통신사|통신|뉴스\s?사이트)"
_REPORTED = re.compile(
    rf"(?<![\w'’.])(?P<name>{_MEDIUM})\s+(?:reported|reports|said\s+in\s+a\s+report)(?!\w)"
    # passive: "This was reported by Yonhap News Agency, according to UNN"
    rf"|(?:reported|published|revealed)\s+by\s+(?:the\s+)?(?P<passive>{_MEDIUM})"
    rf"|(?<![\w'’.])(?P<ko>{_MEDIUM})\s?(?P<news>뉴스)?(?:\s?(?:통신|방송))?\s?"
    r"(?:'[^']{1,40}'|‘[^’]{1,40}’)?"
    r"(?:가|이|은|는|의)\s(?:[^.]{0,60}?\s)?(?:보도|방송에서|방송을\s?통해)"
    rf"|(?<![\w'’.])(?P<by>{_MEDIUM})\s?(?P<by_news>뉴스)?(?:\s?(?:통신|방송))?\s?(?:보도)?에\s?따르면"
    # a medium by its kind, then its name: "агентство Yonhap, ссылаясь на …, сообщает",
    # "the news agency Yonhap said"
    # "Ukrainian media outlet the Kyiv Post said"
    r"|(?i:агентств\w*|издани\w*|газет\w*|телеканал\w*|портал\w*|"
    rf"{_MEDIUM_KIND_EN})\s+(?:the\s+)?[«\"“]?"
    r"(?P<kind>[A-ZА-ЯЁ][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})"
    # Korean, the name in Hangul after its kind: "현지매체인 키이우 포스트는 … 보도했다",
    # "러시아 매체 베도모스티가 … 보도했다", "월스트리트저널(WSJ)이" (its Latin short name)
    rf"|{_MEDIUM_KIND_KO}(?:인\s?|\s)(?P<hangul>[가-힣A-Za-z-]+?(?:\s[가-힣]+?)??)"
    r"(?:\((?P<latin>[A-Za-z]{2,6})\))?(?:(?:가|이|은|는)\s(?:[^.]{0,200}?\s)?보도|에\s?따르면)"
)


# A medium's credit closing a sentence: "…, CNN reports."; Russian puts the medium after its
# verb: "Об этом пишет Le Monde", "…, сообщает «Украинская правда»".
_CLOSING_MEDIUM = re.compile(
    rf",\s+(?P<en>{_MEDIUM})\s+(?:reports|reported|says|said)\W*$"
    r"|(?:пишет|сообщает|сообщил[аио]?|передает|передал[аио]?)\s+"
    r"(?:(?:издание|газета|агентство|телеканал|портал)\s+)?"
    r"(?:(?P<ru>[A-Z][\w'’&.-]*(?:\s+[A-Z][\w'’&.-]*){0,3})|[«\"“](?P<quoted>[^»\"”]{2,40})[»\"”])"
    r"\W*$"
)


def _closing_medium(sentence: str, mentions: list[_Mention]) -> str | None:
    """The medium a sentence's closing credit names, where it is the sentence's source: never
    over a party the sentence credits ("the NIS said …, Yonhap reported"); the English form
    over a party it only names ("… seized by Ukraine's special forces, CNN reports"); the
    Russian form only where it names no party, as its medium often relays one ("… после
    брифинга разведки, передает Euractiv"). With no party named, an English closing credit
    leaves the sentence to a neighbour's source, often the one the medium relays."""
    m = _CLOSING_MEDIUM.search(sentence)
    if m is None or any(x.credited for x in mentions):
        return None
    if m["en"]:
        name = m["en"] if mentions else None
    else:
        name = None if mentions else m["ru"] or m["quoted"]
    return _medium_name(name.rstrip(".")) if name else None


def _media_key(name: str) -> str:
    return re.sub(r"[\s-]", "", name.lower())


# Foreign media the news of this war cites, as Korean and Russian texts spell them: a credit
# shows the name its readers know in every channel ("키이우 포스트" is the Kyiv Post).
_MEDIA_NAMES = {
    _media_key(name): latin
    for latin, spellings in {
        "Kyiv Post": ("키이우포스트", "키예프포스트", "киевпост"),
        "Kyiv Independent": ("키이우인디펜던트", "киевиндепендент"),
        "Ukrainska Pravda": ("우크라인스카프라우다", "우크라이나프라우다", "украинскаяправда",
                             "украинськаправда"),
        "RBC-Ukraine": ("rbc우크라이나", "рбк-украина"),
        "Vedomosti": ("베도모스티", "ведомости"),
        "Kommersant": ("코메르산트", "коммерсант", "коммерсантъ"),
        "Izvestia": ("이즈베스티야", "известия"),
        "RIA Novosti": ("리아노보스티", "риановости"),
        "TASS": ("타스", "타스통신", "тасс"),
        "Interfax": ("인테르팍스", "интерфакс"),
        "Wall Street Journal": ("월스트리트저널", "уоллстритджорнэл", "wallstreetjournal"),
        "New York Times": ("뉴욕타임스", "뉴욕타임즈", "ньюйорктаймс", "newyorktimes"),
        "Washington Post": ("워싱턴포스트", "вашингтонпост", "washingtonpost"),
        "Financial Times": ("파이낸셜타임스", "файнэншлтаймс", "financialtimes"),
        "Bloomberg": ("블룸버그", "блумберг", "bloomberg"),
        "Reuters": ("로이터", "로이터통신", "рейтер", "reuters"),
        "CNN": ("cnn", "씨엔엔"),
        "BBC": ("bbc", "би-би-си"),
        "Kyodo": ("교도통신", "교도", "киодо"),
        "NHK": ("nhk",),
        "Yonhap": ("연합뉴스", "ренхап", "йонхап", "yonhap"),
    }.items()
    for name in spellings
}
_KNOWN_MEDIA = frozenset(_MEDIA_NAMES.values())  # "RBC-Ukraine" is a medium, not Ukraine


def _medium_name(name: str) -> str:
    latin = re.fullmatch(r"([A-Za-z][\w-]*)\s?뉴스", name)  # "NK뉴스" is NK News
    return f"{latin[1]} News" if latin else _MEDIA_NAMES.get(_media_key(name), name)


def _reported(original: str) -> list[str]:
    names: list[str] = []
    for m in _REPORTED.finditer(original):
        if m.group("name"):
            names.append(m.group("name"))
        elif m.group("passive"):
            names.append(re.sub(r"\s+(?:News\s+)?Agency$", "", m.group("passive")))
        elif m.group("kind"):
            names.append(_medium_name(m.group("kind")))
        elif m.group("hangul"):
            names.append(m.group("latin") or _medium_name(m.group("hangul")))
        elif m.group("ko"):
            names.append(f"{m.group('ko')} News" if m.group("news") else m.group("ko"))
        else:
            names.append(f"{m.group('by')} News" if m.group("by_news") else m.group("by"))
    return names


def _named(original: str) -> list[str]:
    """The sources outside the party table that a sentence's attribution frames name, and
    the media whose reports it passes on."""
    names = [*(m.group("name").rstrip(".") for m in _NAMED_FRAME.finditer(original)),
             *_reported(original)]
    return [n for n in names
            if n in _KNOWN_MEDIA or not any(p.pattern.search(fold(n)) for p in _PARTIES)]


# A speaker the sentence names by role only ("according to a South Korean lawmaker", "an
# activist said", "a human rights organisation told AFP"), whom the next sentence names.
_ROLE = (r"(?:lawmakers?|legislators?|activists?|analysts?|experts?|researchers?|governors?|"
         r"groups?|organi[sz]ations?|think\s+tanks?|institutes?|monitors?)")
_UNNAMED_SPEAKER = re.compile(
    rf"(?:according\s+to|citing)\s+(?:a|an)\s+(?:[\w'’-]+\s+){{0,4}}?{_ROLE}(?!\w)"
    rf"|(?<!\w)(?:a|an)\s+(?:[\w'’-]+\s+){{0,4}}?{_ROLE}\s+(?:said|says|told|tells|claimed|"
    r"claims|estimated|estimates)(?!\w)"
)
_PROPER = r"[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,3}"
# How the next sentence names them: after a title ("Rep. Yu Yong-weon met …"), as its subject
# in apposition ("Jang Se-yul, head of …"), or in apposition to the role ("the organisation,
# Gyeore-eol Nation United, helped …").
_IDENTIFIED = re.compile(
    rf"(?:(?<!\w)(?:Rep|Sen|Gov|Dr)\.\s+|(?i:{_ROLE}|governor|head|chief|director)\s+)"
    rf"(?P<titled>{_PROPER})(?=[\s,.])"
    rf"|^\W*(?P<subject>{_PROPER}),"
    rf"|(?i:{_ROLE}),\s+(?P<apposed>{_PROPER}),"
)


def _identified(sentence: str, following: str) -> str | None:
    """The name the following sentence gives a speaker this one names only by role."""
    if not _UNNAMED_SPEAKER.search(fold(sentence)):
        return None
    for m in _IDENTIFIED.finditer(following):
        name = next(g for g in m.groups() if g)
        folded = fold(name)
        # not a party of the table, nor a country of the war ("North Korea, which …")
        if not (_NK.search(folded) or _WAR.search(folded)
                or any(p.pattern.search(folded) for p in _PARTIES)):
            return name
    return None


# Another country's defence ministry named in full ("미국 국방부", "러시아 국방부"): a bare
# 국방부 elsewhere in the same text is that one, not Seoul's ("팻 라이더 국방부 대변인").
_FOREIGN_MINISTRY = re.compile("|".join(f"(?P<m{i}>{pattern})"
                                         for i, pattern in enumerate(_KO_MINISTRIES.values())))


def _foreign_ministry(folded: str) -> _Party | None:
    m = _FOREIGN_MINISTRY.search(folded)
    if m is None or m.lastgroup is None:
        return None
    name = tuple(_KO_MINISTRIES)[int(m.lastgroup[1:])]
    return next(p for p in _PARTIES if p.name == name)


def _mentions(sentence: str, ministry: _Party | None = None) -> list[_Mention]:
    """The parties a sentence names and does not negate, left to right, each span once; a
    bare 국방부 is `ministry` when the text names another country's."""
    found: list[_Mention] = []
    taken: list[tuple[int, int]] = []
    joint = [*_JOINT_INTELLIGENCE.finditer(sentence), *_JOINT_INTELLIGENCE_RU.finditer(sentence)]
    for m in joint:
        credited = _credited(sentence[: m.start()], sentence[m.end():])
        taken.append((m.start(), m.end()))
        first = re.match(r"u\.s\.|us(?!\w)|american|south\s+korean|ukrainian|western|british|"
                         r"южнокореиск|украинск|американск|западн|британск", m.group("list"))
        if first is not None:
            name = _INTELLIGENCE_OF[re.sub(r"\s+", " ", first.group())]
            found.append(_Mention(_Party(name, m.re, False, True), m.start(), m.end(),
                                  credited))
    for party in _PARTIES:
        if party.sieve is not None and not party.sieve.search(sentence):
            continue
        for m in party.pattern.finditer(sentence):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            before, after = sentence[: m.start()], sentence[m.end():]
            taken.append((m.start(), m.end()))
            if _NEGATED_AFTER.match(after) or _GLUED.search(before[-1:] + m.group()[:1]):
                continue
            who = ministry if ministry is not None and m.group() == "국방부" else party
            cited = bool(_CITING_BEFORE.search(before[-60:]) or _KO_CITED_AFTER.match(after)
                         or _REPORT_OF_AFTER.match(after)
                         or _REPORT_OF_BEFORE.search(before[-30:]))
            found.append(_Mention(who, m.start(), m.end(),
                                  cited or _credited(before, after, inverted=not who.country),
                                  cited))
    found.sort(key=lambda x: x.start)
    # A verb after the last of coordinated parties credits them all: "South Korea, Ukraine
    # and the United States say" (a comma alone is not a coordination: "in Ukraine, Seoul
    # says").
    chain_has_and = False
    for i in range(len(found) - 2, -1, -1):
        here, nxt = found[i], found[i + 1]
        link = sentence[here.end : nxt.start]
        if not _COORDINATION.match(link):
            chain_has_and = False
            continue
        chain_has_and = chain_has_and or link.strip() != ","
        if nxt.credited and chain_has_and:
            found[i] = _Mention(here.party, here.start, here.end, True, nxt.cited)
    return [m for m in found if not m.party.country or _speaks(sentence, m)]


# A Korean name glued to Latin letters is part of a longer name: "RBC우크라이나" is a medium.
_GLUED = re.compile(r"[a-z][가-힣]")
_LOCATIVE_BEFORE = re.compile(r"(?:in|at|в|во)\s+(?:the\s+)?$")
_PAIRED = re.compile(r"^[-–‐]\w|\w[-–‐]$")
# "러시아 측은", "한국 정부는", and its officials: "대통령실 관계자는", "정부 고위 당국자가"
_KO_COUNTRY_SPEAKS = re.compile(
    r"^\s?(?:측은|측이|측에\s?따르면|에\s?따르면|(?:정부\s?)?(?:고위\s?)?(?:관계자|당국자)(?:들)?"
    r"(?:은|는|이|가|에\s?따르면)|정부는|정부가|은|는)(?![가-힣])")


def _speaks(sentence: str, m: _Mention) -> bool:
    """Whether a country is a speaker, not a place or an object: credited, not after
    "against/to/with…", after "in" only right before its verb ("in Seoul, officials said"
    is not, "В Сеуле говорят" is), and in Korean only as the topic ("러시아 측은")."""
    before, after = sentence[: m.start], sentence[m.end :]
    if _PAIRED.search(before[-2:]) or _PAIRED.match(after):
        # one of a pair that names a war or a border ("the Russia-Ukraine war"), or a
        # modifier ("a report by the US-based ISW"), even in a frame that cites
        return False
    if m.cited:  # "citing Seoul", "со ссылкой на Сеул": a source, not an object
        return True
    if not m.credited or (_OBJECT_BEFORE.search(before[-24:])
                          and not _FRAMES_IT.search(before[-40:])):
        return False
    if before.endswith("(") and after.startswith(")"):  # an aside: "(러시아) 쿠르스크"
        return False
    if re.match(r"^\s?[가-힣]", after):
        return bool(_KO_COUNTRY_SPEAKS.match(after))
    if _LOCATIVE_BEFORE.search(before[-8:]):
        return any(_SAYS.match(w) for w in re.findall(r"[\w’'-]+", after)[:2])
    return True


_BRACKETED = re.compile(r"^\s?\([a-z]{2,8}\)(?=[가-힣])")


def _credited(before: str, after: str, inverted: bool = False) -> bool:
    if _CREDITS_BEFORE.search(before[-60:]):
        return True
    # a name's Latin short form in brackets comes before its particle: "전쟁연구소(ISW)는"
    after = _BRACKETED.sub("", after, count=1)
    if re.match(r"^\s?[가-힣]", after) or re.search(r"[가-힣]\s?$", before[-2:]):
        # Korean puts the verb last: "국정원은 … 밝혔다", "젤렌스키 대통령은 … 주장했다".
        return bool(_KO_CREDITS_AFTER.match(after)) and bool(_SAYS.search(after))
    if re.match(r"^\s?[\"'“‘«:]", after):  # a headline's 국정원 "…", "Зеленский: …"
        # …but a pair with North Korea before a colon is the headline's subject ("КНДР и
        # Россия: …", "North Korea and Russia: …"), not a speaker
        return not _WITH_NORTH_KOREA.search(before[-30:])
    # The verb follows its subject within a few words: "the Pentagon said", "South Korea's
    # military estimates", "Зеленский заявил", "NIS director Cho told".
    head = re.split(r"[.;:,\"“]", after, maxsplit=1)[0]
    if any(_SAYS.match(w) for w in re.findall(r"[\w’'-]+", head)[:6]) or _PUTS.match(head):
        return True
    # Or comes before it, a speaker's title between: "Об этом сообщил госсекретарь США
    # Энтони Блинкен", "заявил секретарь Совбеза Сергей Шойгу", "said Pentagon spokesman".
    return inverted and bool(_SAYS_BEFORE.search(before[-60:]))


_WITH_NORTH_KOREA = re.compile(
    r"(?:кндр|северн\w*\s+коре\w*|north\s+korea|pyongyang|북한|북)\s*(?:и|and|&|과|와|,)\s*$")
# "Kyiv puts the number at 12,000": an estimate in two words that are no verb of saying alone.
_PUTS = re.compile(r"^\s*(?:\S+\s+){0,2}?(?:puts?|putting)\s+(?:the\s+)?(?:number|figure|toll|"
                   r"total|count)(?!\w)")
# A verb of saying, then up to four words of a title, then the party (not "said that …").
_SAYS_BEFORE = re.compile(
    r"(?<!\w)(?:said|says|told|заяви\w*|сообщи\w*|озвучи\w*|сказал\w*|рассказа\w*|"
    r"отмети\w*|уточни\w*|подтверди\w*|признал\w*|сделал\w*|привел\w*|назвал\w*)"
    r"(?:\s+(?!that\s|что\s|чтобы\s)[\w.’'-]+){0,4}\s+$"
)


def _chosen(mentions: list[_Mention]) -> list[_Mention]:
    """Who a sentence credits: the sources cited ("the Pentagon said, citing Seoul": the most
    specific), else the parties in attributions, else the specific parties it names
    (agencies and people, not countries)."""
    return ([m for m in mentions if m.cited] or [m for m in mentions if m.credited]
            or [m for m in mentions if not m.party.country])


# A country's bodies: a report that credits the country and names its body means the body
# ("Seoul says …; the NIS told lawmakers …" is the NIS).
_BODIES = {"South Korea": ("NIS", "South Korean military (JCS)"),
           "Ukraine": ("Zelensky", "Ukraine's GUR", "SBU", "Ukrainian General Staff",
                       "Ukraine's SSO", "Ukrainian armed forces"),
           "US": ("Pentagon", "White House", "US intelligence"),
           "Russia": ("Kremlin", "Shoigu", "Russian General Staff")}


def _joined(names: list[str]) -> str | None:
    """Parties credited together: the first named that is not a body of another (a figure
    credited to two governments jointly is the first's)."""
    names = list(dict.fromkeys(names))
    if not names:
        return None
    kept = [n for n in names if not any(a in names for a in _BODIES.get(n, ()))]
    return kept[0]


def _refined(claimant: str, named: list[str]) -> str:
    """A lone country as claimant is its body that the item names, if any."""
    bodies = [n for n in named if n in _BODIES.get(claimant, ())]
    return bodies[0] if bodies else claimant


def _headline_claimant(title: str) -> str | None:
    """A headline's source after a dash or colon: "… to Russia - NIS", "…: KCNA"."""
    m = _HEADLINE_CREDIT.search(title)
    if m is None:
        return None
    names = [p.name for p in _PARTIES if p.pattern.search(m.group("who"))]
    return names[0] if names else None


# --- claims ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Figure:
    value: int
    qualifier: str | None
    kind: str
    start: int  # where it stands in its sentence


# "11,000 to 12,000", "between 1,000 and 3,000", "от 1 000 до 3 000", "10,000 or 12,000"
_RANGE = re.compile(r"\s?[~∼–-]\s?|\s(?:to|and|or|до|или)\s")
_KO_LIST = re.compile(
    r"^\s?(?:여\s?)?명?\s?(?:[,~∼]|과|와|및|또는|혹은|내지)\s?(?:[가-힣]+\s){0,3}$")


# Korean names the counted noun before the figure ("노동자 1만 2천 명") or after it, with 의
# or without ("1만2000명의 여성 근로자", "180명 유학생"): civilians counted are no troops;
# nor are the people a place lodges ("2만 명 숙박 능력").
_KO_CIVILIANS_BEFORE = re.compile(
    r"(?:개인|주민|관광객|선원|학생|탈북민|민간인|외교관|대표단|선수단|예술단|여성|"
    r"(?<!건설)(?<!건설\s)(?:노동자|근로자))\s?$")
_KO_CIVILIANS_AFTER = re.compile(
    r"^\s?(?:여\s?)?명(?:의?\s(?:[가-힣]+\s)?[가-힣]*(?:노동자|근로자|주민|관광객|학생|여성)"
    r"|\s?(?:숙박|수용))")


def _civilians(sentence: str, m: re.Match[str]) -> bool:
    return bool(_KO_CIVILIANS_BEFORE.search(sentence[max(0, m.start() - 12) : m.start()])
                or _KO_CIVILIANS_AFTER.match(sentence[m.end() : m.end() + 20]))


def _civilian_values(sentences: list[str]) -> set[int]:
    """The numbers a text counts as civilians anywhere in it."""
    return {v for s in sentences if _MAY_COUNT.search(s)
            for m in _NUMBER.finditer(s) if _civilians(s, m) and (v := _value(m)) is not None}


_PARTITIVE = re.compile(
    r"^\s+of\s+(?:the|them|those|these|its|their)(?!\w)|^\s+из\s+(?:них|этих)(?!\w)")


# A total that includes North Koreans is no North Korean figure: "over 20 military
# personnel, including the North Korean officers, were killed", "사망한 20여명 중 북한군 장교
# 6명이 포함됐다", "18명이 사망하고 33명이 다쳤는데 부상자 중에는 북한군 3명", "в том числе".
_INCLUDES_NK = re.compile(
    r"^[^.;]{0,80}?(?:(?:(?<!\w)(?:including|among\s+them|among\s+whom|of\s+whom|"
    r"в\s+том\s+числе|среди\s+(?:них|которых)|из\s+них|включая)(?!\w)"
    r"[^.;]{0,40}?(?:north\s+korean|n\.\s*korean|северокореиск|кндр))|"
    # Korean names the part right after 중 ("20여명 중 북한군"); "A를 포함해 B" is B's parts
    r"(?<=[가-힣\d\s])중(?:에는|에서|에|엔)?\s?(?:북한|北))"
)


def _figures(sentence: str) -> list[_Figure]:
    found: list[_Figure] = []
    matches = [m for m in _NUMBER.finditer(sentence)]
    for i, m in enumerate(matches):
        value = _value(m)
        if value is None or not MIN_FIGURE <= value <= MAX_FIGURE:
            continue
        after = sentence[m.end():]
        nxt = matches[i + 1] if i + 1 < len(matches) else None
        if nxt is not None and _RANGE.fullmatch(sentence[m.end() : nxt.start()]):
            # "3만~4만명", "10–12 тысяч военных": the first end reads the words of the last
            after = sentence[nxt.end():]
            last = _value(nxt)
            # and shares its thousands: "11 to 12,000", "10–12 тысяч" (not "300 to 2,700")
            if last is not None and value < 1000 and last // 10 < value * 1000 < last:
                value *= 1000
        prev_end = matches[i - 1].end() if i else 0
        partitive = bool(_PARTITIVE.match(after))
        if partitive and value < SMALL_FIGURE:
            continue  # "one of the prisoners": some of a group, not a count
        if _civilians(sentence, m) or _INCLUDES_NK.match(sentence[m.end():]):
            continue
        before = sentence[prev_end : m.start()]
        shares_noun = bool(
            (_LOSS_VERB_BEFORE.search(before) and _SOLDIERS_NAMED_ONCE.match(after))
            or (found and _ANOTHER_AFTER_LOSS.search(before)))
        # "more than 3,000 of them have been moved to the front": a count of the troops
        personnel = _personnel_after(after) or partitive or shares_noun
        # the last end of a range whose first end is a figure ("closer to 11 to 12,000")
        ends_range = bool(found) and found[-1].start == matches[i - 1].start() and bool(
            _RANGE.fullmatch(before))
        if not (personnel or ends_range
                or _total_of_troops(before, after, sentence[: m.start()])):
            continue
        next_start = nxt.start() if nxt is not None else len(sentence)
        korean = bool(m.group("ko")) or bool(re.match(r"^\s?(?:여\s?)?명", after))
        # Korean puts the verb after every figure it governs: the clause runs on past a
        # list of figures ("3만~4만명, 어쩌면 50만명을 더 데려올 수 있다").
        listed = korean and _KO_LIST.match(sentence[m.end() : next_start])
        kind = _kind(before, after if listed else sentence[m.end():next_start], korean)
        total = None if personnel else _TOTAL_BEFORE.search(before)
        if (shares_noun or _CASUALTY_TOTAL.search(before) or _CASUALTY_AFTER.match(after)
                or _CASUALTY_VERB_AFTER.match(after)
                # a total of losses: "the number of killed and wounded … exceeded 3,000"
                or (total is not None and _CASUALTY.search(total.group()))):
            kind = "casualties"
        elif found and (ends_range or _SHARED_VERB.match(before)):
            kind = found[-1].kind  # "will send 1,000 sappers and 5,000 builders"
        qualifier = _qualifier(before, after)
        if ends_range and (qualifier is None or _RANGE.fullmatch(before)):
            # "around 11 to 12,000": both about; "от 1 000 до 3 000": до joins, no "up to"
            qualifier = found[-1].qualifier
        found.append(_Figure(value, qualifier, kind, m.start()))
    return found


def troop_claims(text: str, outlet: str) -> tuple[TroopClaim, ...]:
    """North Korean personnel figures in a text (title, then summary), each figure once,
    with its qualifier, its kind and who claims it (else the outlet)."""
    folded = fold(text)
    if not _NK.search(folded):
        return ()
    parts = _sentences(text)
    folded_parts = [fold(s) for s in parts]
    # The item is about North Korea's troops: a sentence that names no other side's forces
    # is about them too ("공병 1천여 명은 … 지뢰 제거 임무를 수행 중").
    found = [
        _figures(s) if _MAY_COUNT.search(s) and (_NK.search(s) or not _OTHER_SIDE.search(s))
        else [] for s in folded_parts
    ]
    if not any(found):
        return ()  # most texts: no party need be looked for
    # a headline's bare "1만2000명 파견" is the lead's "노동자 1만2000명": civilians there too
    civilian = _civilian_values(folded_parts)
    if civilian:
        found = [[f for f in figures if f.value not in civilian] for figures in found]
        if not any(found):
            return ()
    title = fold(text.split("\n", 1)[0])
    # A sentence lends its claimant to its neighbours when it is about the troops or names
    # a body that estimates them (not "…, KCNA said" of the treaty beside a figure).
    own: list[str | None] = []
    lent: list[str | None] = []
    named: list[str] = []
    speakers: list[list[tuple[int, str]]] = []  # where each sentence credits whom
    several: list[bool] = []  # whether a sentence credits several countries' intelligence
    anaphoric = [bool(_ANAPHORA.search(s)) for s in folded_parts]
    ministry = _foreign_ministry(folded)
    for original, s, refers in zip(parts, folded_parts, anaphoric, strict=True):
        every = _mentions(s, ministry)
        if not refers:  # "Об этом сообщил X" names X for the sentence before, not the item
            named += [m.party.name for m in every]
        mentions = _chosen(every)
        own.append(_closing_medium(original, every)
                   or _joined([m.party.name for m in mentions]))
        several.append(bool(mentions) and all(m.party.pattern in _JOINT for m in mentions))
        lends = _TROOP_WORDS.search(s) or any(m.party.estimates for m in mentions)
        # a country's media as a group lend no one: the next sentence often names the medium
        lent.append(own[-1] if lends and own[-1] not in _MEDIA_GROUP_NAMES else None)
        speakers.append([(m.start, m.party.name) for m in every if m.credited])
    headline = _headline_claimant(title)
    # A text that credits no party of the table may still name its source: "according to
    # the human rights group Gyeore-eol Nation United", "…, сообщает X со ссылкой на Reuters".
    # Below every party of the table: "X reports citing CNN" passes on Zelensky's figure.
    # A medium the outlet carries ("Yonhap" in "Korea Herald (Yonhap)") is the outlet.
    source = next((n for p in parts for n in _named(p) if n.lower() not in outlet.lower()),
                  outlet)
    at_war = bool(_WAR.search(folded))

    def specificity(claimant: str) -> int:
        """The outlet credits no one; a country's media are someone; a medium it names is
        more ("…로 전해졌다. 매체 X는 …", "우크라이나 매체가 보도했다. … 매체 X는"); a party
        the text credits is more still."""
        if claimant == outlet:
            return 0
        if claimant in _MEDIA_GROUP_NAMES:
            return 1
        return 2 if claimant == source else 3

    def claimant_of(at: int, figure: _Figure) -> str:
        sentence = folded_parts[at]
        claimant = _own_clause(sentence, figure.start, speakers[at]) or own[at]
        # a later sentence that names who said "this" names who the unnamed reports are
        # ("… reports indicating over a thousand … This information was revealed by X")
        referred = None if claimant else _referred(own, folded_parts, anaphoric, at)
        claimant = claimant or referred
        if claimant is None or claimant in _COUNTRIES:
            # a speaker named by role, then by name: the name, not the country of the role
            following = parts[at + 1] if at + 1 < len(parts) else ""
            claimant = _identified(parts[at], following) or claimant
        if referred is None and _anonymous(sentence, figure.start,
                                           [s for s, _ in speakers[at]], claimant is not None):
            return outlet
        if claimant is None and (_BACKGROUND.match(sentence)
                                 or _KO_BACKGROUND.search(sentence)):
            return outlet  # the outlet's own background, no neighbour's estimate
        claimant = claimant or _nearest(lent, at) or headline
        if several[at] and claimant == own[at]:
            return claimant  # several countries' services: no one body of the first
        return _refined(claimant, named) if claimant else source

    claims: list[TroopClaim] = []
    for at, (sentence, figures) in enumerate(zip(parts, found, strict=True)):
        for figure in figures:
            if figure.value < SMALL_FIGURE and not at_war:
                continue
            same = _same_claim(claims, figure)
            if same is not None:
                # The same figure again: the first report's qualifier, the strongest kind
                # (a title's "sends 6,000" is the summary's "decided to send 6,000"), the
                # most specific claimant ("Seoul: …" then "the NIS told lawmakers …").
                first = claims[same]
                if _KIND_RANK[figure.kind] > _KIND_RANK[first.kind]:
                    first = replace(first, kind=figure.kind)
                again = claimant_of(at, figure)
                if again in _BODIES.get(first.claimant, ()) or (
                        specificity(again) > specificity(first.claimant)):
                    first = replace(first, claimant=again)
                claims[same] = first
                continue
            claims.append(TroopClaim(figure.value, claimant_of(at, figure),
                                     one_line(sentence), figure.qualifier, figure.kind))
    return tuple(claims)


# A sentence that credits "this" to someone credits the sentences before it: a pronoun
# that opens it, or an attribution of "this" anywhere ("Как передает портал, такое
# заявление сделал X").
_ANAPHORA = re.compile(
    r"^\W*(?:this|these|that|such|это|такие|эти|이같이|이\s?같은|이는|이를|이와)(?!\w)"
    r"|(?<!\w)(?:об\s+этом|так(?:ое|ие|ую|ои)\s+(?:заявлени\w*|данн\w*|информаци\w*|оценк\w*)|"
    r"эти\s+данн\w*|these\s+(?:figures|estimates|numbers)|this\s+(?:figure|estimate|number))"
    r"(?!\w)|이같이|이\s?같은\s?(?:내용|사실)|이런\s?(?:내용|사실)"
)
# A sentence that opens with North Korea having sent its troops states the outlet's
# background ("Pyongyang sent around 1,000 engineer troops to Kursk …", "North Korea has
# sent more than 10,000 troops …"): no neighbour's party is lent to it.
_BACKGROUND = re.compile(
    r"\W*(?:north\s+korea|pyongyang|the\s+north)\s+(?:has\s+|had\s+)?(?:also\s+)?"
    r"(?:sent|dispatched|deployed)(?!\w)"
)
# The same in Korean, where the deed is a clause before North Korea: "6천 명을 추가 파병하기로
# 한 북한이 … 자평했다", "병력을 보낸 북한은 …".
_KO_BACKGROUND = re.compile(
    r"(?:(?:파병|파견|투입|배치)(?:한|했던|하기로\s?한|시킨)|보낸|보내기로\s?한)\s(?:북한|북)(?:이|은|의|과)?(?![가-힣])")
# A sentence that goes on in the last speaker's words: a quotation opening it, or a first
# person ("По нашим оценкам, …", "We estimate …").
_CONTINUES = re.compile(
    r"^\W*[«\"“„]|(?<!\w)(?:по\s+(?:нашим|его|ее)\s+(?:оценкам|данным|сведениям|словам)|"
    r"our\s+(?:estimates?|assessment|intelligence|data)|we\s+(?:estimate|believe|assess|"
    r"know)|according\s+to\s+(?:him|her))(?!\w)|그에\s?따르면"
)
# Attribution to no one: "amid unconfirmed reports", "reports indicate", "reportedly",
# "…로 알려졌다", "…한 것으로 관측된다", "сообщается", "по неподтвержденным данным"; an
# estimate with no estimator ("is estimated to", "…으로 추정된다", "оценивается в").
_ANONYMOUS = re.compile(
    r"(?<!\w)(?:reportedly|unconfirmed\s+reports?|(?:media|press|news)\s+reports?|"
    r"reports\s+(?:say|said|suggest\w*|indicat\w*|show\w*)|according\s+to\s+reports|"
    r"rumou?r\w*|(?:is|are|was|were)\s+(?:believed|"
    r"understood|thought|rumou?red|estimated)\s+to|сообщается|по\s+(?:имеющимся|неподтвержденным|"
    r"некоторым|неофициальным)\s+(?:данным|сведениям)|по\s+данным\s+сми|оценива\w*ся|"
    # a figure reported by no one: "with 4,000 casualties reported"
    r"(?:casualt\w*|deaths|losses|dead|troops|soldiers)\s+(?:were\s+|have\s+been\s+)?"
    r"reported(?!\s+(?:by|that|to)))(?!\w)|"
    r"알려졌|알려진다|관측된|관측되|전해졌|전해진다|추정된다|추정됐다"
)


# Where a sentence turns to another voice: "…, US officials say, while Kyiv puts the number
# at 12,000", "…, as Russia's media reported that …", "…, а в Киеве называют 12 тысяч",
# "…고 밝혔지만 …", a Korean clause's comma
# ("…달라지지 않은 것으로, 미국 국방부도 … 밝힌 바 있다").
_CONTRAST = re.compile(
    r"(?:,\s*|\s)(?:while|whereas|but|however|although|though|а|но|тогда\s+как|"
    r"в\s+то\s+время\s+как)\s|,\s*as\s|;|반면|지만\s|으나\s|(?<=[가-힣]),\s"
)


def _own_clause(sentence: str, figure_at: int, speakers: list[tuple[int, str]]) -> str | None:
    """When a sentence credits parties on both sides of a turn to another voice, the figure
    is credited by those of its own clause (the nearest attribution, not a distant one)."""
    if len({name for _, name in speakers}) < 2:
        return None
    lo, hi = 0, len(sentence)
    for m in _CONTRAST.finditer(sentence):
        if m.end() <= figure_at:
            lo = m.end()
        elif m.start() >= figure_at:
            hi = m.start()
            break
    inside = [name for at, name in speakers if lo <= at < hi]
    if not inside or len(inside) == len(speakers):
        return None
    return _joined(inside)


# A figure that unnamed reports give, which a party then speaks of ("a report of 500 North
# Korean soldiers being killed", "сообщения о 500 погибших"); not a party's own report
# ("the NIS's report of …").
_REPORTS_OF = re.compile(
    r"(?<!'s\s)(?<!’s\s)(?<!\w)(?:a\s+)?(?:reports?|claims?|сообщени\w*)\s+(?:of|about|о|об)\s+"
    r"(?:[\w-]+\s+){0,2}$")


def _anonymous(sentence: str, figure_at: int, credited_at: list[int], has_own: bool) -> bool:
    """Whether the figure is credited to no one: its sentence attributes it to no party but
    to unnamed reports, or its clause does so after the sentence's last party ("…, the NIS
    said, amid unconfirmed reports the number could be as high as 12,000")."""
    if _REPORTS_OF.search(sentence[max(0, figure_at - 60) : figure_at]):
        return True  # "clarifies reports of about 11,000 troops": the reports' figure
    frames = [m.start() for m in _ANONYMOUS.finditer(sentence)]
    if not frames:
        return False
    if not has_own:
        return True
    last_party = max(credited_at, default=-1)
    return any(last_party < f < figure_at for f in frames)


# A full stop after these does not end a sentence ("1,5 тыс. военных", "SEOUL, Oct. 18").
_ABBREVIATION = re.compile(
    r"(?<!\w)(?:тыс|млн|ст|г|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|no|gen|lt|col|rep|"
    r"sen|mr|ms|dr|st|vs|approx|est|u\.s|u\.n)\.$", re.IGNORECASE
)


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    for piece in sentences(text):
        # Only the end can hold the abbreviation: no search through the whole sentence.
        if out and (_ABBREVIATION.search(out[-1][-12:]) or piece[:1].islower()):
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def _same_claim(claims: list[TroopClaim], figure: _Figure) -> int | None:
    """The claim a figure repeats: the same number, unless one is an increment ("another
    5,000 will go") and the other a total of another kind ("about 5,000 are there")."""
    for i, claim in enumerate(claims):
        if claim.figure == figure.value and not (
            (claim.qualifier == "additional") != (figure.qualifier == "additional")
            and claim.kind != figure.kind
        ):
            return i
    return None


def _referred(own: list[str | None], folded: list[str], anaphoric: list[bool],
              at: int) -> str | None:
    """The claimant of a later sentence that credits "this" ("Об этом сообщил X") with no
    other attribution between, else the last speaker when the sentence goes on in their
    words ("По его словам, …", a quotation)."""
    for j in range(at + 1, min(at + 4, len(own))):
        if own[j]:
            if anaphoric[j]:
                return own[j]
            break
    if _CONTINUES.search(folded[at]):
        for j in range(at - 1, -1, -1):
            if own[j]:
                return own[j]
    return None


def _nearest(claimants: list[str | None], at: int) -> str | None:
    """The claimant of the nearest sentence before, else after: attribution carries over
    ("According to the spy agency, …" after "…, the NIS said")."""
    for i in (at - 1, at - 2, at + 1, at + 2):
        if 0 <= i < len(claimants) and claimants[i]:
            return claimants[i]
    return None
