"""Ranking quality of TreatyIndex.ask over plain-language questions.

The questions were written before the index was tuned, in the words users type (short,
long, misspelled, slang, Korean, Russian). They must not be copied into the data: when one
fails, improve the method (stemming, synonyms, field weights), not the YAML.
"""

from __future__ import annotations

import pytest

from bot.treaty import Treaty, TreatyIndex, load_treaty

# (question, expected article); 0 is the preamble.
QUESTIONS: list[tuple[str, int]] = [
    # Preamble
    ("what does the preamble say about the unipolar world", 0),
    ("what's the stated purpose behind signing this thing", 0),
    ("преамбула договора о чем", 0),
    ("전문에는 어떤 내용이 있나", 0),
    ("do they mention hegemonic ambitions anywhere in the intro?", 0),
    # Article 1
    ("do they promise not to meddle in each other's internal affairs", 1),
    ("is the partnership meant to be permanent?", 1),
    ("equality between the two states, which principle is that", 1),
    ("두 나라가 내정 간섭을 하지 않기로 했나", 1),
    # Article 2
    ("do kim and putin have to hold regular summits?", 2),
    ("how do they exchange views on world affairs", 2),
    ("정상회담 정례화 조항", 2),
    ("переговоры лидеров и обмен мнениями", 2),
    # Article 3
    ("what happens if there's just a threat of attack but no war yet", 3),
    ("are they required to consult if one side feels threatened", 3),
    ("imminent danger of aggression - what do they do", 3),
    ("직접적 위협이 생기면 협의하나", 3),
    ("что делать при угрозе агрессии", 3),
    # Article 4
    ("is this a mutual defense pact?", 4),
    ("will north korea send troops if russia is attacked", 4),
    ("automatic military intervention clause", 4),
    ("does russia have to help north korea in a war", 4),
    ("what if one of them gets invaded", 4),
    ("mutal defence obligaton", 4),
    ("북한이 공격받으면 러시아가 군사 지원하나", 4),
    ("자동 군사 개입 조항", 4),
    ("военная помощь при нападении", 4),
    ("do they gotta fight for each other lol", 4),
    ("which clause did they use to justify north korean soldiers in kursk", 4),
    # Article 5
    ("can north korea let a third country use its territory against russia", 5),
    ("are they banned from joining alliances against each other", 5),
    ("deals with other countries aimed at the partner, allowed?", 5),
    ("제3국과 상대방을 겨냥한 협정 금지", 5),
    ("третьи страны и использование территории", 5),
    # Article 6
    ("peace-loving foreign policy", 6),
    ("just and multipolar new world order", 6),
    ("정의로운 세계질서 건설", 6),
    # Article 7
    ("will russia help north korea join the SCO?", 7),
    ("cooperation at the united nations", 7),
    ("backing each other's bids to join regional bodies", 7),
    ("вступление в международные организации", 7),
    # Article 8
    ("joint military drills legal basis", 8),
    ("do they build up each other's defensive capacity", 8),
    ("방위력 강화 공동 조치", 8),
    ("совместное укрепление обороны", 8),
    # Article 9 (content unconfirmed, but the probable topic should still lead there)
    ("is there anything on energy security?", 9),
    # Article 10
    ("space and nuclear technology cooperation", 10),
    ("do they work together on AI", 10),
    ("trade and investment", 10),
    ("우주 기술 협력", 10),
    ("научно-техническое сотрудничество в космосе", 10),
    ("sattelite and space reserch", 10),
    # Article 11
    ("cooperation between regions near the border", 11),
    # Article 12
    ("tourism and sport exchanges", 12),
    ("healthcare and education cooperation", 12),
    ("관광 교류", 12),
    # Article 15
    ("do their cops work together?", 15),
    ("police cooperation", 15),
    # Article 16
    ("sanctions", 16),
    ("do they promise to help each other dodge western sanctions", 16),
    ("unilateral coercive measures", 16),
    ("제재 공동 대응", 16),
    ("санкции запада", 16),
    ("sanktions", 16),
    # Article 17
    ("counter-terrorism cooperation", 17),
    ("money laundering and human trafficking", 17),
    ("테러 대응 협력", 17),
    ("борьба с терроризмом", 17),
    # Article 18
    ("cybersecurity", 18),
    ("cyber attacks and hackers", 18),
    ("사이버 보안", 18),
    ("кибербезопасность", 18),
    # Article 20
    ("fake news", 20),
    ("propaganda and disinformation fight", 20),
    ("do their media outlets cooperate", 20),
    ("가짜뉴스 대응", 20),
    ("фейки и дезинформация", 20),
    # Article 22
    ("when did it enter into force", 22),
    ("when was it ratified", 22),
    ("exchange of ratification instruments", 22),
    ("what happened to the 2000 friendship treaty", 22),
    ("발효일", 22),
    ("когда вступил в силу", 22),
    # Article 23
    ("how long does the treaty last", 23),
    ("can either side pull out of the treaty", 23),
    ("is there an expiry date", 23),
    ("조약 유효기간", 23),
    ("срок действия договора", 23),
]


@pytest.fixture(scope="module")
def index() -> TreatyIndex:
    treaty: Treaty = load_treaty()
    return TreatyIndex(treaty)


def test_question_set_is_large_enough() -> None:
    assert len(QUESTIONS) >= 60


def test_question_set_covers_every_article_with_content() -> None:
    treaty = load_treaty()
    with_content = {a.number for a in treaty.articles if a.status != "not_found"}
    assert with_content <= {n for _, n in QUESTIONS}


def test_ranking_accuracy_over_question_set(index: TreatyIndex) -> None:
    top1 = top3 = 0
    misses: list[str] = []
    for question, expected in QUESTIONS:
        ranked = [a.number for a, _ in index.ask(question, k=3)]
        if ranked[:1] == [expected]:
            top1 += 1
        else:
            misses.append(f"{question!r}: expected {expected}, got {ranked}")
        if expected in ranked:
            top3 += 1
    n = len(QUESTIONS)
    print(f"\ntop-1 {top1}/{n} = {top1 / n:.1%}; top-3 {top3}/{n} = {top3 / n:.1%}")
    print("\n".join(misses))
    assert top1 / n >= 0.90, "\n".join(misses)
    assert top3 / n >= 0.97, "\n".join(misses)


def test_entry_into_force_question_ranks_article_22_first(index: TreatyIndex) -> None:
    assert index.ask("when did it enter into force")[0][0].number == 22


def test_duration_question_ranks_article_23_first(index: TreatyIndex) -> None:
    assert index.ask("how long does the treaty last")[0][0].number == 23


def test_unipolar_question_ranks_preamble_first(index: TreatyIndex) -> None:
    assert index.ask("what does the preamble say about the unipolar world")[0][0].number == 0


def test_ask_returns_only_positive_scores_best_first(index: TreatyIndex) -> None:
    ranked = index.ask("sanctions and military assistance", k=10)
    scores = [s for _, s in ranked]
    assert scores == sorted(scores, reverse=True)
    assert all(s > 0 for s in scores)


def test_ask_on_empty_query_returns_nothing(index: TreatyIndex) -> None:
    assert index.ask("") == []
    assert index.ask("   ") == []


def test_ask_on_stopwords_only_returns_nothing(index: TreatyIndex) -> None:
    assert index.ask("what is the") == []


def test_ask_respects_k(index: TreatyIndex) -> None:
    assert len(index.ask("cooperation", k=2)) <= 2
