"""The treaty knowledge base: data loading, article references and ranked questions.

Pure Python, no storage and no platform code. ``load_treaty`` reads ``data/treaty.yaml``
(another treaty can be dropped in with the same schema), ``parse_article_ref`` turns what a
user types after ``/article`` into a number, and ``TreatyIndex`` answers ``/ask`` with a
BM25F ranking over the article fields and finds articles that news text quotes by wording.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.official_text import OfficialTextError, load_official_text

__all__ = [
    "DEFAULT_PATH",
    "Article",
    "ArticleRefError",
    "OfficialTextError",
    "TimelineEvent",
    "Treaty",
    "TreatyDataError",
    "TreatyIndex",
    "load_treaty",
    "parse_article_ref",
]

DEFAULT_PATH = Path(__file__).parent / "data" / "treaty.yaml"
STATUSES = ("solid", "partial", "weak", "not_found")


# --------------------------------------------------------------------------- model


class TreatyDataError(ValueError):
    """The treaty data file is malformed; message "<file>: <path.of.bad.entry>: <problem>"."""


class ArticleRefError(ValueError):
    """A text is not a usable article reference.

    ``not_a_number`` is True when the text does not look like a reference at all (so a
    caller can treat it as a question instead), False when it names an article that does
    not exist.
    """

    def __init__(self, message: str, *, not_a_number: bool) -> None:
        super().__init__(message)
        self.not_a_number = not_a_number


@dataclass(frozen=True)
class Article:
    number: int
    title: str
    summary: str
    status: str
    keywords: tuple[str, ...]
    phrasings: tuple[str, ...]
    note: str = ""
    official_text: str | None = None

    @property
    def label(self) -> str:
        return "Preamble" if self.number == 0 else f"Article {self.number}"


@dataclass(frozen=True)
class TimelineEvent:
    date: datetime.date
    step: str
    source: str = ""


@dataclass(frozen=True)
class Treaty:
    names: dict[str, str]
    signatories: tuple[str, ...]
    place: str
    signed: datetime.date
    status: str
    entry_into_force: datetime.date
    timeline: tuple[TimelineEvent, ...]
    articles: tuple[Article, ...]  # articles[0] is the preamble
    signed_note: str = ""
    press_labels: tuple[str, ...] = ()
    authentic_languages: tuple[str, ...] = ()
    duration: str = ""
    replaces: str = ""
    stopwords: tuple[str, ...] = ()
    synonyms: tuple[tuple[str, ...], ...] = ()
    source: str = ""  # the file it was loaded from, for messages

    @property
    def last_article(self) -> int:
        return len(self.articles) - 1

    def article(self, n: int) -> Article:
        if not 0 <= n <= self.last_article:
            raise ArticleRefError(_out_of_range(n, self), not_a_number=False)
        return self.articles[n]


# --------------------------------------------------------------------------- loading


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


NonEmpty = Annotated[str, Field(min_length=1)]


def _must_have_text(value: str) -> str:
    if not value.strip():
        raise ValueError("empty")
    return value.strip()


def _parse_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"bad date {value!r} (expected YYYY-MM-DD)") from None


class _Keywords(_Strict):
    en: list[NonEmpty] = []
    ko: list[NonEmpty] = []
    ru: list[NonEmpty] = []


class _Structure(_Strict):
    preamble: Literal[True]
    articles: int = Field(ge=1)


class _Metadata(_Strict):
    names: dict[str, NonEmpty]
    press_labels: list[NonEmpty] = []
    signatories: list[NonEmpty] = Field(min_length=1)
    place: NonEmpty
    signed: str
    signed_note: str = ""
    structure: _Structure
    authentic_languages: list[NonEmpty] = []
    status: NonEmpty
    entry_into_force: str
    duration: str = ""
    replaces: str = ""

    @field_validator("signed", "entry_into_force")
    @classmethod
    def _date(cls, value: str) -> str:
        _parse_date(value)
        return value

    @field_validator("names")
    @classmethod
    def _has_english(cls, value: dict[str, str]) -> dict[str, str]:
        if "en" not in value:
            raise ValueError("needs an 'en' entry")
        return value


class _Event(_Strict):
    date: str
    step: NonEmpty
    source: str = ""

    @field_validator("date")
    @classmethod
    def _date(cls, value: str) -> str:
        _parse_date(value)
        return value

    @field_validator("step")
    @classmethod
    def _text(cls, value: str) -> str:
        return _must_have_text(value)


class _Article(_Strict):
    number: int = Field(ge=0)
    title: NonEmpty
    summary: NonEmpty
    status: Literal["solid", "partial", "weak", "not_found"]
    note: str = ""
    keywords: _Keywords
    phrasings: list[NonEmpty]

    @field_validator("title", "summary")
    @classmethod
    def _text(cls, value: str) -> str:
        return _must_have_text(value)


class _Search(_Strict):
    stopwords: list[NonEmpty] = []
    synonyms: list[Annotated[list[NonEmpty], Field(min_length=2)]] = []


class _File(_Strict):
    schema_: int = Field(alias="schema")
    metadata: _Metadata
    timeline: list[_Event] = Field(min_length=1)
    articles: list[_Article] = Field(min_length=1)
    search: _Search = _Search()

    @field_validator("schema_")
    @classmethod
    def _known(cls, value: int) -> int:
        if value != 1:
            raise ValueError(f"unsupported schema {value} (this code reads schema 1)")
        return value


class _NoDatesLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as strings.

    PyYAML turns 2024-13-45 into a ValueError raised outside any YAML path; keeping the
    text lets validation report a bad date at the entry that holds it.
    """


_NoDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _loc(parts: Sequence[int | str]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + ("schema" if part == "schema_" else part)
    return out or "(top level)"


def _problem(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "missing"
    if kind == "extra_forbidden":
        return "unknown key (a typo?)"
    if kind == "literal_error" and error["loc"][-1] == "status":
        return f"{error['input']!r} is not one of {', '.join(STATUSES)}"
    if kind in ("too_short", "string_too_short"):
        return "empty"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _fail(file: str, where: str, problem: str) -> TreatyDataError:
    return TreatyDataError(f"{file}: {where}: {problem}")


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _fail(str(path), "(file)", f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise _fail(str(path), "(file)", "not valid UTF-8") from exc
    try:
        return yaml.load(text, Loader=_NoDatesLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise _fail(str(path), where, f"invalid YAML: {problem}") from exc


def _check_articles(file: str, data: _File) -> None:
    count = data.metadata.structure.articles
    seen: dict[int, int] = {}
    for i, art in enumerate(data.articles):
        if art.number > count:
            raise _fail(
                file,
                f"articles[{i}].number",
                f"{art.number} is past the last article ({count}, metadata.structure.articles)",
            )
        if art.number in seen:
            raise _fail(
                file,
                f"articles[{i}].number",
                f"duplicate article {art.number} (also articles[{seen[art.number]}])",
            )
        seen[art.number] = i
    missing = [n for n in range(count + 1) if n not in seen]
    if missing:
        listed = ", ".join(str(n) for n in missing)
        raise _fail(
            file, "articles", f"missing article number(s) {listed} (expected 0..{count} once each)"
        )
    phrase_owner: dict[str, int] = {}
    for i, art in enumerate(data.articles):
        if art.status == "not_found" and art.phrasings:
            raise _fail(
                file,
                f"articles[{i}].phrasings",
                "an article whose content was not found cannot claim news phrasings",
            )
        if art.status == "not_found" and not art.note.strip():
            raise _fail(file, f"articles[{i}].note", "missing (say what was and wasn't found)")
        for j, phrase in enumerate(art.phrasings):
            where = f"articles[{i}].phrasings[{j}]"
            if not _distinctive(phrase):
                raise _fail(file, where, f"{phrase!r} is too short to attribute a news text")
            key = _phrase_key(phrase)
            if key in phrase_owner and phrase_owner[key] != art.number:
                raise _fail(
                    file, where, f"{phrase!r} is also a phrasing of article {phrase_owner[key]}"
                )
            phrase_owner[key] = art.number


def load_treaty(path: Path | None = None, official_text: Path | None = None) -> Treaty:
    """Load and validate the treaty data; optionally merge an official text file.

    Every problem in the data is a TreatyDataError naming the entry; a bad official text
    file is an OfficialTextError naming the line.
    """
    path = Path(path) if path is not None else DEFAULT_PATH
    file = str(path)
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise _fail(file, "(top level)", "expected a mapping with metadata, timeline, articles")
    try:
        data = _File.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise _fail(file, _loc(first["loc"]), _problem(first) + more) from None
    _check_articles(file, data)

    count = data.metadata.structure.articles
    texts: dict[int, str] = {}
    if official_text is not None:
        texts = load_official_text(official_text, articles=count)

    articles = sorted(data.articles, key=lambda a: a.number)
    meta = data.metadata
    return Treaty(
        names=dict(meta.names),
        signatories=tuple(meta.signatories),
        place=meta.place,
        signed=_parse_date(meta.signed),
        status=meta.status,
        entry_into_force=_parse_date(meta.entry_into_force),
        timeline=tuple(
            TimelineEvent(_parse_date(e.date), " ".join(e.step.split()), e.source)
            for e in data.timeline
        ),
        articles=tuple(
            Article(
                number=a.number,
                title=a.title,
                summary=" ".join(a.summary.split()),
                status=a.status,
                keywords=tuple(a.keywords.en + a.keywords.ko + a.keywords.ru),
                phrasings=tuple(a.phrasings),
                note=" ".join(a.note.split()),
                official_text=texts.get(a.number),
            )
            for a in articles
        ),
        signed_note=" ".join(meta.signed_note.split()),
        press_labels=tuple(meta.press_labels),
        authentic_languages=tuple(meta.authentic_languages),
        duration=meta.duration,
        replaces=" ".join(meta.replaces.split()),
        stopwords=tuple(data.search.stopwords),
        synonyms=tuple(tuple(g) for g in data.search.synonyms),
        source=file,
    )


def with_official_text(treaty: Treaty, texts: Mapping[int, str]) -> Treaty:
    """A copy of ``treaty`` whose articles carry ``texts`` (as parsed by official_text)."""
    articles = tuple(replace(a, official_text=texts.get(a.number)) for a in treaty.articles)
    return replace(treaty, articles=articles)


# --------------------------------------------------------------------------- references


def _words(text: str) -> list[str]:
    """Split a word-list constant; lists stay readable blocks instead of long literals."""
    return text.split()


_EN_UNITS = _words(
    """
zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
fifteen sixteen seventeen eighteen nineteen
"""
)
_EN_ORDINALS = _words(
    """
zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth
thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth
"""
)
_RU_ORDINAL_STEMS = _words(
    """
перв втор трет четверт пят шест седьм восьм девят десят одиннадцат двенадцат тринадцат
четырнадцат пятнадцат шестнадцат семнадцат восемнадцат девятнадцат двадцат
"""
)


def _number_words() -> dict[str, int]:
    words: dict[str, int] = {}
    for n, (card, ordi) in enumerate(zip(_EN_UNITS, _EN_ORDINALS, strict=True)):
        words[card] = words[ordi] = n
    words["twenty"] = words["twentieth"] = 20
    for n in range(1, 10):
        for joiner in (" ", "-", ""):
            words[f"twenty{joiner}{_EN_UNITS[n]}"] = 20 + n
            words[f"twenty{joiner}{_EN_ORDINALS[n]}"] = 20 + n
    return words


_NUMBER_WORDS = _number_words()
_ROMAN = re.compile(r"^(x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_VALUES = {
    "": 0,
    "i": 1,
    "ii": 2,
    "iii": 3,
    "iv": 4,
    "v": 5,
    "vi": 6,
    "vii": 7,
    "viii": 8,
    "ix": 9,
}
_PREAMBLE_RE = re.compile(r"^(?:the\s+)?(?:preamble|preface|전문|преамбул[аыеуо]й?)$")
# Prefixes and suffixes that mark a reference ("Article 4", "제4조", "статьи 4", "4th").
_REF_PREFIX = re.compile(
    r"^(?:(?:the\s+)?art(?:icle)?s?\.?|(?:the\s+)?clause|§|#|no\.?|number|"
    r"стат(?:ья|ьи|ье|ью|ьей|ьёй)|ст\.?|제)\s*"
)
# Ordinal endings count only after digits: "first" must stay a word.
_REF_SUFFIX = re.compile(r"\s*(?:조|(?<=\d)(?:st|nd|rd|th)|(?<=\d)-?(?:я|й|ая|ой))$")


def _out_of_range(n: int, treaty: Treaty) -> str:
    return (
        f"Article {n} does not exist: the treaty has a preamble (0) "
        f"and articles 1–{treaty.last_article}."
    )


def _ref_number(text: str) -> int | None:
    """The number a bare reference token names ("4", "iv", "fourth", "четвертая"), or None."""
    if re.fullmatch(r"[-−]?\d{1,6}", text):
        return int(text.replace("−", "-"))
    if text in _NUMBER_WORDS:
        return _NUMBER_WORDS[text]
    roman = _ROMAN.match(text)
    if roman and text:
        return 10 * len(roman.group(1)) + _ROMAN_VALUES[roman.group(2)]
    for n, stem in enumerate(_RU_ORDINAL_STEMS, start=1):
        if re.fullmatch(stem + r"(?:ая|ой|ую|ый|ий|ого|ье|ья|ьей|ьему|ьего)", text):
            return n
    return None


def parse_article_ref(text: str, treaty: Treaty) -> int:
    """Turn an article reference into its number (0 = preamble).

    Accepts "4", "IV", "fourth", "4th", "article 4", "Art. 4", "제4조", "4조", "статья 4",
    "ст. 4", "preamble", "전문", "преамбула" and similar. Raises ArticleRefError, with
    ``not_a_number`` True when ``text`` is not a reference at all.
    """
    s = unicodedata.normalize("NFKC", text).strip().lower().replace("ё", "е")
    s = re.sub(r"\s+", " ", s).strip(" .,:;!?\"'()[]«»“”")
    if not s:
        raise ArticleRefError("Empty article reference.", not_a_number=True)
    if _PREAMBLE_RE.match(s):
        return 0
    if s in ("last", "final", "the last", "the final", "last article", "final article"):
        return treaty.last_article
    core = _REF_PREFIX.sub("", s, count=1)
    core = _REF_SUFFIX.sub("", core, count=1).strip(" .")
    # "fourth article", "статья четвертая", "четвертая статья"
    core = re.sub(r"\s+(?:article|статья)$", "", core)
    if _PREAMBLE_RE.match(core):
        return 0
    n = _ref_number(core)
    if n is None:
        raise ArticleRefError(
            f"{text.strip()!r} is not an article reference; try a number such as 4, "
            "'IV', 'article 4' or 'preamble'.",
            not_a_number=True,
        )
    if not 0 <= n <= treaty.last_article:
        raise ArticleRefError(_out_of_range(n, treaty), not_a_number=False)
    return n


# --------------------------------------------------------------------------- analysis

_HANGUL = re.compile(r"[가-힣]")
# Digits glued to Hangul stay in the word: "제3국" (third country) is one token.
_TOKEN = re.compile(r"[0-9]*[가-힣][가-힣0-9]*|[0-9]+|[a-z]+|[а-я]+")
_LATIN_BRITISH = {
    "defence": "defense",
    "offence": "offense",
    "licence": "license",
    "programme": "program",
    "organisation": "organization",
    "organisations": "organizations",
    "manoeuvres": "maneuvers",
}
_ARTICLES_EN = frozenset({"a", "an", "the"})

_STOP_EN = frozenset(
    _words(
        """
a about above after again against all am an and any are aren as at be because been before
being below between both but by can could did do does doing don down during each few for
from further had has have having he her here hers him his how i if in into is it its itself
just me more most my no nor not now of off on once only or other our ours out over own same
she should so some such than that the their theirs them then there these they this those
through to too under until up very was we were what when where which while who whom why will
with would you your yours yes ok okay please tell say says said mean means explain anything
something thing things there's what's whats does doesn't dont do they them whether also lol
lmao pls plz gonna gotta wanna hey hi hello know about any kind really actually
mention mentions mentioned contain contains include includes cover covers talk talks
"""
    )
)
_STOP_RU = frozenset(
    _words(
        """
и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только ее
мне было вот от меня еще нет о из ему теперь когда даже ну ли если уже или ни быть был него
до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где есть надо ней для
мы тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж тогда кто этот того
потому этого какой совсем ним здесь этом почти мой тем чтобы нее сейчас были куда зачем всех
никогда можно при наконец об другой хоть после над больше тот через эти нас про всего них
какая много разве эту моя впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой
им более всегда конечно всю между говорит сказано какие каков какова делать
"""
    )
)
_STOP_KO = frozenset(
    _words(
        """
무엇 뭐 뭔가 무슨 어떤 어떻게 언제 왜 어디 누가 내용 관련 대해 대한 있나 있는 있어 하는 이번
그리고 또는 그 이 저 것 수 등 및 좀 혹시 알려줘 알려 주세요
했나 하나 나요
"""
    )
)

_EN_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("ifications", "ifi"),
    ("ification", "ifi"),
    ("ations", ""),
    ("ation", ""),
    ("itions", ""),
    ("ition", ""),
    ("ements", ""),
    ("ement", ""),
    ("ments", ""),
    ("ment", ""),
    ("nesses", ""),
    ("ness", ""),
    ("ities", ""),
    ("ity", ""),
    ("ively", ""),
    ("ives", ""),
    ("ive", ""),
    ("ingly", ""),
    ("ings", ""),
    ("ing", ""),
    ("edly", ""),
    ("ions", ""),
    ("ion", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ily", "i"),
    ("ally", "al"),
    ("izes", ""),
    ("ized", ""),
    ("ize", ""),
    ("ises", ""),
    ("ised", ""),
    ("ise", ""),
    ("ates", ""),
    ("ated", ""),
    ("ate", ""),
    ("ers", ""),
    ("er", ""),
    ("ed", ""),
    ("al", ""),
    ("ly", ""),
    ("es", ""),
    ("s", ""),
    ("e", ""),
    ("y", "i"),
)
# Final y becomes i rather than going (as in Porter's stemmer), so that policy/police
# stay apart while ratify/ratification/ratified and party/parties still meet.
_EN_KEEP = frozenset({"us", "is", "its", "was", "has", "this", "ais", "sos", "news", "ics"})

_RU_ENDINGS = tuple(
    sorted(
        _words(
            """
остью ость ости ением ение ения ению ении анием ание ания анию ании иями ями ами иях иям ого
его ому ему ыми ими ией ием ать ять ить еть уть ала яла ила ели али или ует уют ают яют ает
яет ешь ит ят ут ют ет ой ей ий ый ая яя ое ее ые ие ую юю ых их ым им ом ем ам ям ах ях ов
ев ия ию ии ья ье ьи ью а я о е и ы у ю ь й
"""
        ),
        key=len,
        reverse=True,
    )
)

_KO_ENDINGS = tuple(
    sorted(
        _words(
            """
에서는 으로는 에게서 에서도 으로써 으로서 이라는 이라고 했나요 했어요 됐나요 됐어요 인가요
하나요 되나요 합니까 됩니까 습니까 있나요 에서 으로 에게 까지 부터
보다 처럼 이나 이랑 하고 에는 에도 와는 과는 었나 했나 됐나 했어 됐어 인가 인지 는지 나요
하나 되나 해요 할까 일까 하는 되는 했다 됐다 한다 된다 이다 있나
있어 없나 했니 하니 하면 되면 받으면 으면 은 는 이 가 을 를 의 에 로 와 과 도 만 나 랑 요 면
"""
        ),
        key=len,
        reverse=True,
    )
)


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower().replace("ё", "е")
    return text.replace("’", "'")


def _stem_en(word: str) -> str:
    word = _LATIN_BRITISH.get(word, word)
    if len(word) <= 3 or word in _EN_KEEP:
        return word
    # Two passes bring derived forms together ("sanctioned" -> "sanction" -> "sanct",
    # like "sanctions" -> "sanct"); the length floor keeps short words recognisable.
    for step in range(2):
        if step and len(word) >= 6 and word.endswith("ns"):
            # Latin -nd/-ns pairs once an ending is off: defense/defensive -> defens ->
            # defend, like respond/response (never on the whole word: "weapons").
            return word[:-1] + "d"
        for suffix, repl in _EN_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) + len(repl) >= 4:
                word = word[: len(word) - len(suffix)] + repl
                break
        else:
            break
    return word


def _stem_ru(word: str) -> str:
    if len(word) <= 3:
        return word
    for reflexive in ("ся", "сь"):
        if word.endswith(reflexive) and len(word) >= 6:
            word = word[:-2]
            break
    for ending in _RU_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _strip_ko(word: str) -> str:
    # Particles and polite verb endings are glued to Korean words; two passes remove
    # e.g. 하나 + 요. Stems keep at least two syllables so that nouns survive.
    for _ in range(2):
        for ending in _KO_ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 2:
                word = word[: -len(ending)]
                break
        else:
            break
    return word


@functools.lru_cache(maxsize=65536)  # the same few thousand words, item after item
def _stem(token: str) -> str:
    first = token[0]
    if "a" <= first <= "z":
        return _stem_en(token)
    if "а" <= first <= "я":
        return _stem_ru(token)
    if "가" <= first <= "힣":
        return _strip_ko(token)
    return token


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_normalize(text))


def _bigrams(stem: str) -> list[str]:
    if len(stem) < 2:
        return []
    pairs = (stem[i : i + 2] for i in range(len(stem) - 1))
    return [p for p in pairs if not p.isdigit()]


def _terms_of(stem: str) -> list[str]:
    """Index terms of one stem: Hangul as character bigrams, the rest as is.

    Bigrams make Korean compounds match whatever their spacing ("자동군사개입" and
    "자동 군사 개입" share 자동, 군사, 개입).
    """
    if _HANGUL.match(stem):
        return _bigrams(stem)
    return [stem]


def _phrase_key(phrase: str) -> tuple[str, ...]:
    if _HANGUL.search(phrase):
        return ("\0ko", re.sub(r"[\W_]+", "", _normalize(phrase)))
    return tuple(_stem(t) for t in _tokens(phrase) if t not in _ARTICLES_EN)


def _distinctive(phrase: str) -> bool:
    if _HANGUL.search(phrase):
        return len(re.sub(r"[\W_]+", "", phrase)) >= 3
    return len([t for t in _tokens(phrase) if t not in _ARTICLES_EN]) >= 2


# --------------------------------------------------------------------------- spelling


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment), stopping early past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _deletes(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def _max_edits(word: str) -> int:
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


class _Speller:
    """Corrects a word to a known word within one or two edits (SymSpell-style).

    Deletion variants of every known word are precomputed, so a lookup costs a few dict
    probes instead of a scan of the vocabulary.
    """

    def __init__(self, words: Mapping[str, int]) -> None:
        self._freq = dict(words)
        self._by_delete: dict[str, list[str]] = defaultdict(list)
        for word in self._freq:
            for variant in _deletes(word, _max_edits(word)):
                self._by_delete[variant].append(word)
        self._longest = max(map(len, self._freq), default=0)

    def knows(self, word: str) -> bool:
        return word in self._freq

    def correct(self, word: str) -> tuple[str, int] | None:
        limit = _max_edits(word)
        # A word longer than every known word by more than the edits allowed is within
        # reach of none; its deletion neighbourhood (cubic in its length) is never built,
        # so a query's cost is bounded by the vocabulary, not by what a stranger types.
        if limit == 0 or len(word) > self._longest + limit:
            return None
        best: tuple[int, int, str] | None = None
        seen: set[str] = set()
        for variant in _deletes(word, limit):
            for cand in self._by_delete.get(variant, ()):
                if cand in seen:
                    continue
                seen.add(cand)
                dist = _edit_distance(word, cand, min(limit, _max_edits(cand)))
                if dist > min(limit, _max_edits(cand)):
                    continue
                key = (dist, -self._freq[cand], cand)
                if best is None or key < best:
                    best = key
        return (best[2], best[0]) if best else None


# --------------------------------------------------------------------------- index

# Field weights and length normalisation (b) for BM25F. Titles and keywords are short and
# chosen by hand, so a hit there says more than one in a long summary; keyword and
# phrasing lists are sets of independent labels, so their length barely dilutes a hit;
# notes hold caveats and unconfirmed guesses, so they count least.
_FIELDS: dict[str, tuple[float, float]] = {
    "title": (3.0, 0.3),
    "keywords": (2.0, 0.2),
    "phrasings": (1.5, 0.2),
    "summary": (1.0, 0.75),
    "official_text": (0.8, 0.75),
    "note": (0.4, 0.75),
}
_K1 = 1.2
SPELLED_MAX = 12  # distinct unknown words of one query that spelling correction tries
_SYNONYM_WEIGHT = 0.6
_CORRECTION_WEIGHT = 0.8
_PREFIX_WEIGHT = 0.6
_PHRASE_BONUS = 0.5  # per article phrasing quoted whole in the query, times the top score
_EXPLICIT_REF_BONUS = 3.0
# The relevance floor. An answer must be worth half of one clear match (a word the question
# shares with a single article, at full weight), and must account for at least this share
# of what the question asks: its words weighted by how specific they are, a word that no
# article knows counting as the most specific of all. Below either, no article answers.
_FLOOR_MATCHES = 0.5
_FLOOR_COVERAGE = 0.3
_COMPOUND = re.compile(r"\w+(?:-\w+)+")
_EXPLICIT_REF = re.compile(
    r"(?:\b(?:article|art\.?|статья|статьи|статье|статью|ст\.)\s*(\d{1,3})\b"
    r"|제\s*(\d{1,3})\s*조|(\d{1,3})\s*조)"
)

# One query clause: a weight and alternative term lists. A document scores the weight
# times its best alternative, an alternative scoring its weakest term (an expression
# counts only where all its words are: "armed attack" is not "cyber attack"). A typed word
# is one clause with one single-term alternative; a synonym group is one clause whose
# alternatives are its expressions, so a group adds its meaning once however many
# expressions it lists.
_Clause = tuple[float, tuple[tuple[str, ...], ...]]
# Words of one query already repaired (their spelling and clause): each is repaired once.
_Repairs = dict[str, tuple[str, "_Clause | None"]]


def _idf(n_docs: int, df: int) -> float:
    return math.log(1 + (n_docs - df + 0.5) / (df + 0.5))


class TreatyIndex:
    """Ranked retrieval over the treaty's articles, built once per treaty."""

    def __init__(self, treaty: Treaty) -> None:
        self.treaty = treaty
        self._n = len(treaty.articles)
        self._stop_stems = {_stem(t) for s in treaty.stopwords for t in _tokens(s)}
        self._vectors = self._build_vectors(treaty.articles)
        self._vocab_sorted = sorted(self._vectors)
        self._phrase_first, self._phrase_ko = self._build_matcher(
            (phrase, a.number) for a in treaty.articles for phrase in a.phrasings
        )
        self._syn_first, self._syn_ko = self._build_matcher(
            (expr, gid) for gid, group in enumerate(treaty.synonyms) for expr in group
        )
        self._syn_alternatives = [
            tuple(t for t in (tuple(self._terms(expr)) for expr in group) if t)
            for group in treaty.synonyms
        ]
        self._speller = _Speller(self._surface_words(treaty))
        self._idf = {term: _idf(self._n, sum(v > 0 for v in vec))
                     for term, vec in self._vectors.items()}
        self._floor = _FLOOR_MATCHES * _idf(self._n, 1)

    # -- building

    @staticmethod
    def _field_texts(article: Article) -> dict[str, str]:
        return {
            "title": article.title,
            "keywords": " ; ".join(article.keywords),
            "phrasings": " ; ".join(article.phrasings),
            "summary": article.summary,
            "official_text": article.official_text or "",
            "note": article.note,
        }

    def _terms(self, text: str) -> list[str]:
        out: list[str] = []
        for token in _tokens(text):
            if not self._is_stop(token):
                out.extend(_terms_of(_stem(token)))
        return out

    def _is_stop(self, token: str) -> bool:
        if token in _STOP_EN or token in _STOP_RU:
            return True
        if len(token) == 1 and not token.isdigit():
            return True
        stem = _stem(token)
        # Korean stop words are listed bare; in a query they carry particles.
        return stem in self._stop_stems or stem in _STOP_KO

    def _build_vectors(self, articles: Sequence[Article]) -> dict[str, tuple[float, ...]]:
        """Per term, each article's BM25F score for it: the whole index, precomputed."""
        counts: list[dict[str, dict[str, int]]] = []
        lengths: dict[str, list[int]] = {f: [] for f in _FIELDS}
        for article in articles:
            per_field: dict[str, dict[str, int]] = {}
            for name, text in self._field_texts(article).items():
                terms = self._terms(text)
                tally: dict[str, int] = defaultdict(int)
                for term in terms:
                    tally[term] += 1
                per_field[name] = tally
                lengths[name].append(len(terms))
            counts.append(per_field)
        avg = {f: (sum(v) / len(v)) or 1.0 for f, v in lengths.items()}

        # BM25F: field frequencies are weighted and length-normalised first, then
        # saturated once, so a term repeated across fields does not count twice over.
        pseudo: list[dict[str, float]] = []
        df: dict[str, int] = defaultdict(int)
        for doc, per_field in enumerate(counts):
            tf: dict[str, float] = defaultdict(float)
            for name, tally in per_field.items():
                weight, b = _FIELDS[name]
                norm = 1 - b + b * lengths[name][doc] / avg[name]
                for term, count in tally.items():
                    tf[term] += weight * count / norm
            for term in tf:
                df[term] += 1
            pseudo.append(tf)

        n_docs = len(articles)
        vectors: dict[str, list[float]] = defaultdict(lambda: [0.0] * n_docs)
        for doc, tf in enumerate(pseudo):
            for term, value in tf.items():
                idf = _idf(n_docs, df[term])
                vectors[term][doc] = idf * value * (_K1 + 1) / (value + _K1)
        return {term: tuple(vec) for term, vec in vectors.items()}

    @staticmethod
    def _build_matcher(
        entries: Iterable[tuple[str, int]],
    ) -> tuple[dict[str, list[tuple[tuple[str, ...], int]]], list[tuple[str, int]]]:
        """Phrase lookup tables: stem sequences by first stem, and compact Hangul strings.

        Matching keeps stop words ("state of war") but not a/an/the, and compares stems,
        so "states of war" or Russian case endings still match. Korean is compared with
        spaces removed, since its spacing varies between outlets.
        """
        by_first: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        korean: list[tuple[str, int]] = []
        for phrase, owner in entries:
            key = _phrase_key(phrase)
            if key and key[0] == "\0ko":
                korean.append((key[1], owner))
            elif key:
                by_first[key[0]].append((key, owner))
        return dict(by_first), korean

    def _surface_words(self, treaty: Treaty) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        texts = [text for a in treaty.articles for text in self._field_texts(a).values()]
        texts.extend(expr for group in treaty.synonyms for expr in group)
        for text in texts:
            for token in _tokens(text):
                if not _HANGUL.match(token) and not token.isdigit():
                    counts[token] += 1
        return counts

    # -- matching

    @staticmethod
    def _find_spans(
        seq: Sequence[str], first: Mapping[str, list[tuple[tuple[str, ...], int]]]
    ) -> Iterator[tuple[int, int, int]]:
        """(owner, start, length) of every phrase of ``first`` found in ``seq``."""
        for i, stem in enumerate(seq):
            for key, owner in first.get(stem, ()):
                if tuple(seq[i : i + len(key)]) == key:
                    yield owner, i, len(key)

    @staticmethod
    def _compact(text: str) -> str:
        return re.sub(r"[\W_]+", "", _normalize(text))

    def _matches(
        self,
        text: str,
        seq: Sequence[str],
        first: Mapping[str, list[tuple[tuple[str, ...], int]]],
        korean: Sequence[tuple[str, int]],
    ) -> set[int]:
        found = {owner for owner, _, _ in self._find_spans(seq, first)}
        if korean and _HANGUL.search(text):
            compact = self._compact(text)
            found.update(owner for phrase, owner in korean if phrase in compact)
        return found

    def phrasing_citations(self, text: str) -> set[int]:
        """Articles that ``text`` points to by one of their distinctive phrasings.

        Citations by number ("Article 4") are not this method's business; it finds the
        paraphrases ("assistance without delay", "state of war", "전쟁상태에 처하게").
        """
        seq = [_stem(t) for t in _tokens(text) if t not in _ARTICLES_EN]
        return self._matches(text, seq, self._phrase_first, self._phrase_ko)

    def _repair(self, token: str, spell: bool = True) -> tuple[str, _Clause | None]:
        """A word the index doesn't know: its likely spelling and a clause for it.

        First (when `spell`) a known word one or two edits away; failing that a known stem
        that is a prefix of it, or that it is a prefix of ("sovereignty" / "sovereign",
        Russian case endings the ending list misses).
        """
        fixed = self._speller.correct(token) if spell else None
        if fixed is not None:
            word, dist = fixed
            terms = tuple(t for t in _terms_of(_stem(word)) if t in self._vectors)
            if terms:
                return word, (_CORRECTION_WEIGHT / dist, (terms,))
        stem = _stem(token)
        if len(stem) < 5:
            return token, None
        for cut in range(len(stem) - 1, max(3, len(stem) - 5), -1):
            if stem[:cut] in self._vectors:
                return token, (_PREFIX_WEIGHT, ((stem[:cut],),))
        i = bisect_left(self._vocab_sorted, stem)
        longer: list[tuple[str, ...]] = []
        while i < len(self._vocab_sorted) and self._vocab_sorted[i].startswith(stem):
            longer.append((self._vocab_sorted[i],))
            i += 1
        return token, ((_PREFIX_WEIGHT, tuple(longer[:5])) if longer else None)

    def _repaired(self, token: str, repaired: _Repairs) -> tuple[str, _Clause | None]:
        """`_repair`, once per word of a query: spelling correction costs about a
        millisecond a long word, so a query gets SPELLED_MAX of them, the rest the cheap
        prefix match alone."""
        if token not in repaired:
            repaired[token] = self._repair(token, len(repaired) < SPELLED_MAX)
        return repaired[token]

    def _clauses(self, text: str, repaired: _Repairs | None = None) -> list[_Clause]:
        # Spelling first, so that synonyms see "mutal defence" as "mutual defence".
        tokens = _tokens(text)
        repairs: dict[int, _Clause | None] = {}
        repaired = {} if repaired is None else repaired
        for i, token in enumerate(tokens):
            if self._needs_repair(token):
                tokens[i], repairs[i] = self._repaired(token, repaired)

        # Synonym phrases are matched with stop words still in ("how long" is all stop
        # words but one). A multi-word match stands for the words it covers: "how long"
        # means duration, and its "long" alone should not match "no longer in force".
        kept = [i for i, t in enumerate(tokens) if t not in _ARTICLES_EN]
        seq = [_stem(tokens[i]) for i in kept]
        spans = list(self._find_spans(seq, self._syn_first))
        covered: set[int] = set()
        groups: dict[int, float] = {}
        for gid, start, length in spans:
            if length > 1:
                covered.update(kept[start : start + length])
                groups[gid] = 1.0
        for gid, start, length in spans:
            # "attack" inside "cyber attack" is not also a military attack.
            if length == 1 and kept[start] not in covered:
                groups.setdefault(gid, _SYNONYM_WEIGHT)
        if self._syn_ko and _HANGUL.search(text):
            compact = self._compact(text)
            for expr, gid in self._syn_ko:
                if expr in compact:
                    groups.setdefault(gid, _SYNONYM_WEIGHT)

        clauses: list[_Clause] = []
        typed: set[str] = set()
        for i, token in enumerate(tokens):
            if i in covered or self._is_stop(token):
                continue
            if i in repairs:
                clause = repairs[i]
                if clause is not None:
                    clauses.append(clause)
                continue
            for term in _terms_of(_stem(token)):
                if term in self._vectors and term not in typed:
                    typed.add(term)
                    clauses.append((1.0, ((term,),)))
        for gid, weight in sorted(groups.items()):
            alternatives = tuple(
                alt
                for alt in self._syn_alternatives[gid]
                if all(t in self._vectors for t in alt) and not set(alt) <= typed
            )
            if alternatives:
                clauses.append((weight, alternatives))
        return clauses

    def _needs_repair(self, token: str) -> bool:
        if self._is_stop(token) or _HANGUL.match(token) or token.isdigit():
            return False
        if self._speller.knows(token):
            return False
        return not all(t in self._vectors for t in _terms_of(_stem(token)))

    def _score(self, clauses: Sequence[_Clause]) -> list[float]:
        scores = [0.0] * self._n
        for weight, alternatives in clauses:
            vectors = [[self._vectors[t] for t in alt] for alt in alternatives]
            for doc in range(self._n):
                best = max(min(v[doc] for v in alt) for alt in vectors)
                scores[doc] += weight * best
        return scores

    def ask(self, query: str, k: int = 5) -> list[tuple[Article, float]]:
        """Articles ranked for a plain-language question, best first, scores > 0; none when
        the best one falls below the relevance floor (see `unknown_words` for why)."""
        if k <= 0 or not query.strip():
            return []
        repaired: _Repairs = {}
        known, unknown = self._split_unknown(query, repaired)
        clauses = self._clauses(known, repaired)
        scores = self._score(clauses)
        top = max(scores)
        cited = self.phrasing_citations(query) if top > 0 else set()
        # Quoting an article's own press phrasing is stronger evidence than the same words
        # scattered through a question.
        for number in cited:
            scores[number] += _PHRASE_BONUS * top
        named: set[int] = set()
        for m in _EXPLICIT_REF.finditer(_normalize(query)):
            n = int(next(g for g in m.groups() if g))
            if 0 <= n < self._n:
                named.add(n)
                scores[n] += _EXPLICIT_REF_BONUS + max(scores)
        ranked = sorted(
            ((n, s) for n, s in enumerate(scores) if s > 0), key=lambda item: (-item[1], item[0])
        )
        if not ranked:
            return []
        best, best_score = ranked[0]
        # An article named by number or quoted by its phrasing answers whatever else is asked.
        if best not in named | cited and not self._answers(best, best_score, clauses, unknown):
            return []
        return [(self.treaty.articles[n], round(s, 4)) for n, s in ranked[:k]]

    def unknown_words(self, query: str) -> list[str]:
        """The words of a question that no article knows, even misspelled or shortened:
        what the treaty (as this data has it) does not speak of."""
        return self._split_unknown(query, {})[1]

    def _split_unknown(self, query: str, repaired: _Repairs) -> tuple[str, list[str]]:
        """The question without its unknown words, and those words. A hyphenated compound
        with an unknown part is unknown whole: in "visa-free", "free" is not freedom."""
        unknown: list[str] = []

        def known(text: str) -> bool:
            return all(not self._needs_repair(t) or self._repaired(t, repaired)[1] is not None
                       for t in _tokens(text))

        def drop(match: re.Match[str]) -> str:
            if known(match.group()):
                return match.group()
            unknown.append(match.group())
            return " "

        text = _COMPOUND.sub(drop, _normalize(query))
        unknown += [t for t in _tokens(text) if not known(t)]
        return text, list(dict.fromkeys(unknown))

    def _answers(
        self, doc: int, score: float, clauses: Sequence[_Clause], unknown: Sequence[str]
    ) -> bool:
        """Whether an article's score clears the relevance floor for these clauses."""
        if score < self._floor:
            return False
        asked = matched = 0.0
        for weight, alternatives in clauses:
            value = weight * max(min(self._idf[t] for t in alt) for alt in alternatives)
            asked += value
            if max(min(self._vectors[t][doc] for t in alt) for alt in alternatives) > 0:
                matched += value
        asked += len(unknown) * _idf(self._n, 0)
        return asked > 0 and matched / asked >= _FLOOR_COVERAGE
