"""The relevance floor of `ask`: below it, no article answers, and the answer says so.

The unanswerable questions are about things the treaty (as our data has it) never speaks
of; the answerable ones are the whole ranking set of test_treaty_questions.py.
"""

from __future__ import annotations

import json

import pytest

from bot.cli import main
from bot.treaty import TreatyIndex, load_treaty
from tests.test_treaty_questions import QUESTIONS

UNANSWERABLE = [
    "visa-free travel?",
    "does it mention Ukraine?",
    "is japan mentioned",
    "what about climate change",
    "does it say anything about the olympics",
    "is there a visa waiver",
    "what about oil exports",
    "football",
]


@pytest.fixture(scope="module")
def index() -> TreatyIndex:
    return TreatyIndex(load_treaty())


@pytest.mark.parametrize("question", UNANSWERABLE)
def test_a_question_no_article_answers_gets_no_article(
    index: TreatyIndex, question: str
) -> None:
    assert index.ask(question, k=5) == []


def test_the_floor_keeps_every_answerable_question(index: TreatyIndex) -> None:
    refused = [q for q, _ in QUESTIONS if not index.ask(q, k=3)]
    assert refused == []


@pytest.mark.parametrize(("question", "unknown"), [
    ("visa-free travel?", ["visa-free"]),  # "free" inside it is not freedom
    ("does it mention Ukraine?", ["ukraine"]),  # "mention" frames the question
    ("peace-loving foreign policy", []),
])
def test_the_words_no_article_knows_are_named(
    index: TreatyIndex, question: str, unknown: list[str]
) -> None:
    assert index.unknown_words(question) == unknown


def test_an_article_named_by_number_answers_whatever_else_is_asked(index: TreatyIndex) -> None:
    assert index.ask("does article 4 cover ukraine?")[0][0].number == 4


def test_the_cli_says_it_found_no_article_and_why(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "visa-free travel?"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("■ No answer: visa-free travel?\n")
    assert "I found no article of the treaty that answers this." in out
    assert "'visa-free'" in out
    assert main(["ask", "--json", "does it mention Ukraine?"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["results"] == [] and data["unknown"] == ["ukraine"]
