"""Folding reports into stories: near-copies, shared concepts across languages, event types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.fold import (
    EVENT_THRESHOLD,
    Candidate,
    Features,
    cosine,
    decide,
    features,
    minhash,
    similarity,
)

T0 = datetime(2024, 11, 12, 6, 0, tzinfo=UTC)

# --- texts ------------------------------------------------------------------------------------

WIRE_TITLE = "North Korea ratifies defence treaty with Russia"
WIRE_SUMMARY = (
    "North Korea has ratified a mutual defence treaty with Russia, state media KCNA said on "
    "Tuesday. Kim Jong Un signed a decree ratifying the Comprehensive Strategic Partnership "
    "treaty, which Putin and Kim signed in Pyongyang in June. The treaty takes effect on the day "
    "the two sides exchange instruments of ratification, KCNA said."
)
# The same wire story as another outlet runs it: its own headline, one sentence added.
COPY_TITLE = "N. Korea's Kim ratifies mutual defence pact with Russia - KCNA"
COPY_SUMMARY = WIRE_SUMMARY + " Russia's parliament approved the treaty last week."

KO_TITLE = "북한 김정은, 북러 조약 비준…조선중앙통신 보도"
KO_SUMMARY = (
    "북한이 러시아와 체결한 포괄적 전략적 동반자 관계에 관한 조약을 비준했다고 조선중앙통신이 "
    "12일 보도했다. 김정은 국무위원장은 정령을 통해 조약을 비준했으며, 조약은 비준서를 교환하는 "
    "날부터 효력을 가진다고 통신은 전했다. 이 조약은 지난 6월 푸틴 대통령의 평양 방문 때 체결됐다."
)

UNRELATED_TITLE = "Seoul weather: heavy snow expected"
UNRELATED_SUMMARY = (
    "Heavy snow is forecast for Seoul and Gyeonggi province on Wednesday, the Korea "
    "Meteorological Administration said, urging drivers to take care on icy roads."
)

SIGN_TITLE = "Putin and Kim sign mutual defence pact in Pyongyang"
SIGN_SUMMARY = (
    "Russian President Vladimir Putin and North Korean leader Kim Jong Un signed a "
    "Comprehensive Strategic Partnership treaty in Pyongyang on Wednesday, pledging mutual "
    "military assistance if either is attacked."
)
TEXT_TITLE = "KCNA releases text of treaty with Russia"
TEXT_SUMMARY = (
    "North Korea's state media KCNA published the full text of the Comprehensive Strategic "
    "Partnership treaty that Kim Jong Un and Vladimir Putin concluded in Pyongyang, including "
    "an article on mutual military assistance."
)

RU_CONFIRMS_TITLE = "Russia confirms North Korean troops fought in Kursk"
RU_CONFIRMS_SUMMARY = (
    "Russia's General Staff chief Valery Gerasimov confirmed for the first time that North "
    "Korean troops took part in the liberation of the Kursk region, under the treaty signed "
    "with Kim Jong Un."
)
KP_CONFIRMS_TITLE = "North Korea confirms its troops fought in Kursk"
KP_CONFIRMS_SUMMARY = (
    "North Korea's Central Military Commission confirmed for the first time that its troops "
    "took part in the liberation of Russia's Kursk region, KCNA said, hailing the treaty and "
    "praising the General Staff of Russia."
)


def candidate(feats: Features, published: datetime = T0, *, item_id: int = 1,
              story_id: int = 10) -> Candidate:
    return Candidate(item_id, story_id, published, feats)


# --- near-copies ------------------------------------------------------------------------------


def test_a_wire_copy_with_another_headline_and_an_added_sentence_is_similar() -> None:
    a = minhash(f"{WIRE_TITLE} {WIRE_SUMMARY}")
    b = minhash(f"{COPY_TITLE} {COPY_SUMMARY}")
    assert similarity(a, b) >= 0.5


def test_unrelated_texts_are_not_similar() -> None:
    a = minhash(f"{WIRE_TITLE} {WIRE_SUMMARY}")
    b = minhash(f"{UNRELATED_TITLE} {UNRELATED_SUMMARY}")
    assert similarity(a, b) < 0.2


def test_a_text_is_identical_to_itself() -> None:
    a = minhash(WIRE_SUMMARY)
    assert similarity(a, minhash(WIRE_SUMMARY)) == 1.0


def test_similarity_ignores_case_and_punctuation() -> None:
    assert similarity(minhash(WIRE_SUMMARY), minhash(WIRE_SUMMARY.upper().replace(",", ""))) == 1.0


# --- concepts across languages ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["Putin", "푸틴", "Путин"])
def test_putin_in_any_language_is_the_concept_putin(name: str) -> None:
    assert "PUTIN" in features(f"{name} speaks", "").concepts


@pytest.mark.parametrize("name", ["Kursk", "쿠르스크", "Курской"])
def test_kursk_in_any_language_is_the_concept_kursk(name: str) -> None:
    assert "KURSK" in features(f"Troops in {name}", "").concepts


def test_a_concept_in_the_headline_weighs_more_than_in_the_body() -> None:
    in_head = features("Putin speaks", "")
    in_body = features("A speech", "x " * 600 + "Putin spoke.")
    assert in_head.concepts["PUTIN"] > in_body.concepts["PUTIN"] > 0


def test_troop_figures_become_concepts() -> None:
    assert features("Troops in Kursk", "", figures=[11000]).concepts["N:11000"] == 1.0


# --- event types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headline", "action"),
    [
        ("North Korea ratifies treaty with Russia", "RATIFY:KP"),
        ("Russia's Duma ratifies treaty with North Korea", "RATIFY:RU"),
        ("DPRK-Russia treaty ratified", "RATIFY:?"),
        ("Putin and Kim sign pact", "SIGN"),
        ("북한, 러시아와 조약 비준", "RATIFY:KP"),
        (RU_CONFIRMS_TITLE, "CONFIRM:RU"),
        (KP_CONFIRMS_TITLE, "CONFIRM:KP"),
        (TEXT_TITLE, "PUBLISH_TEXT"),
    ],
)
def test_the_action_comes_from_the_headline_with_the_acting_side(
    headline: str, action: str
) -> None:
    assert features(headline, "").action == action


def test_the_korean_pair_bukreo_names_both_sides() -> None:
    assert features("북러 조약 비준", "").action == "RATIFY:?"


def test_a_korean_headline_on_russias_ratification_of_the_bukreo_treaty_is_russian() -> None:
    assert features("북러 조약, 러시아 하원서 비준", "").action == "RATIFY:RU"


def test_without_an_action_in_the_headline_it_comes_from_the_lead() -> None:
    feats = features("Treaty news", "The State Duma ratified the treaty with North Korea.")
    assert feats.action == "RATIFY:RU"


def test_a_report_with_no_action_has_none() -> None:
    assert features(UNRELATED_TITLE, UNRELATED_SUMMARY).action is None


# --- decide -----------------------------------------------------------------------------------


def test_no_candidates_make_a_new_story() -> None:
    decision = decide(features(WIRE_TITLE, WIRE_SUMMARY), T0, [])
    assert decision.how == "new"
    assert decision.story_id is None


def test_a_near_identical_copy_is_syndicated_from_the_item_it_copies() -> None:
    original = candidate(features(WIRE_TITLE, WIRE_SUMMARY), item_id=7, story_id=3)
    copy = features(COPY_TITLE, COPY_SUMMARY)
    decision = decide(copy, T0 + timedelta(hours=1), [original])
    assert (decision.how, decision.story_id, decision.item_id) == ("syndicated", 3, 7)
    assert decision.score >= 0.5


def test_an_english_and_a_korean_report_of_the_ratification_within_a_day_are_one_event() -> None:
    english = candidate(features(WIRE_TITLE, WIRE_SUMMARY), story_id=4)
    korean = features(KO_TITLE, KO_SUMMARY)
    decision = decide(korean, T0 + timedelta(hours=5), [english])
    assert (decision.how, decision.story_id) == ("event", 4)
    assert {"PUTIN", "KIM_JONG_UN", "TREATY"} <= set(decision.detail["shared"])


def test_the_same_reports_ten_days_apart_are_two_stories() -> None:
    english = candidate(features(WIRE_TITLE, WIRE_SUMMARY), story_id=4)
    korean = features(KO_TITLE, KO_SUMMARY)
    assert decide(korean, T0 + timedelta(days=10), [english]).how == "new"


def test_signing_and_publishing_the_text_a_day_apart_are_two_stories() -> None:
    signing = features(SIGN_TITLE, SIGN_SUMMARY)
    text = features(TEXT_TITLE, TEXT_SUMMARY)
    assert (signing.action, text.action) == ("SIGN", "PUBLISH_TEXT")
    # They share enough to be one event but for the different event types.
    assert cosine(signing.concepts, text.concepts) >= EVENT_THRESHOLD
    assert decide(text, T0 + timedelta(days=1), [candidate(signing)]).how == "new"


def test_russias_and_north_koreas_confirmations_are_two_stories() -> None:
    russia = features(RU_CONFIRMS_TITLE, RU_CONFIRMS_SUMMARY)
    north_korea = features(KP_CONFIRMS_TITLE, KP_CONFIRMS_SUMMARY)
    assert (russia.action, north_korea.action) == ("CONFIRM:RU", "CONFIRM:KP")
    assert cosine(russia.concepts, north_korea.concepts) >= EVENT_THRESHOLD
    assert decide(north_korea, T0 + timedelta(hours=20), [candidate(russia)]).how == "new"


def test_a_ratification_by_an_unnamed_side_joins_either_sides_ratification() -> None:
    north_korea = candidate(features(WIRE_TITLE, WIRE_SUMMARY), story_id=4)
    unnamed = features(
        "DPRK-Russia treaty ratified",
        "Pyongyang's official news agency KCNA reported that leader Kim Jong Un issued a decree "
        "on the pact he concluded with Vladimir Putin in Pyongyang this summer; it will be "
        "valid once instruments of ratification are swapped.",
    )
    assert unnamed.action == "RATIFY:?"
    decision = decide(unnamed, T0 + timedelta(hours=2), [north_korea])
    assert (decision.how, decision.story_id) == ("event", 4)


def test_features_survive_a_json_round_trip() -> None:
    feats = features(WIRE_TITLE, WIRE_SUMMARY, figures=[10000])
    assert Features.from_json(feats.to_json()) == feats
