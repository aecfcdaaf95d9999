"""Scoring: ranking of answer qualities in both languages, evidence, bounds and the guards."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dialogue.scoring import (
    DELIVERY_METRICS,
    MAX_DELIVERY_WEIGHT,
    SCORER_VERSION,
    UNSCORED_METRICS,
    AnswerInput,
    ComponentWeights,
    ScoreCard,
    score_interview,
)
from dialogue.script import Script, load_script
from tests.dialogue.scoring_answers import ANSWERS, EXTREME_DELIVERY, TYPICAL_DELIVERY

LANGUAGES = ("en", "zh")
QUALITIES = ("strong", "mediocre", "poor")
# Words that would describe feelings or traits instead of measurements (decision 8).
EMOTION_WORDS = re.compile(
    r"\b(confident|nervous|anxious|happy|sad|angry|enthusias\w*|emotion\w*|excited|"
    r"stressed|calm voice|passionate|friendly|warm|cold|fear\w*)\b",
    re.IGNORECASE,
)


@pytest.fixture(scope="module", params=LANGUAGES)
def language(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def script(language: str) -> Script:
    return load_script(f"cs_home_{language}")


def _inputs(
    language: str, quality: str, features: Mapping[str, float | None] | None = None
) -> list[AnswerInput]:
    delivery = TYPICAL_DELIVERY[language] if features is None else features
    return [
        AnswerInput(qid, text, delivery, language)
        for qid, text in ANSWERS[language][quality].items()
    ]


def _card(script: Script, language: str, quality: str, **kw: object) -> ScoreCard:
    return score_interview(script, _inputs(language, quality), **kw)  # type: ignore[arg-type]


def test_strong_outranks_mediocre_outranks_poor(script: Script, language: str) -> None:
    cards = {q: _card(script, language, q) for q in QUALITIES}
    totals = {q: c.total for q, c in cards.items()}
    assert totals["strong"] > totals["mediocre"] + 15 > totals["poor"] + 30, totals
    assert cards["strong"].tier == "strong_recommend"
    assert cards["poor"].tier == "reject"
    # Per dimension too: a better answer set never scores lower on any dimension.
    for better, worse in (("strong", "mediocre"), ("mediocre", "poor")):
        for hi, lo in zip(cards[better].dimensions, cards[worse].dimensions, strict=True):
            assert hi.score >= lo.score, (hi.id, better, worse)


@pytest.mark.parametrize("quality", QUALITIES)
def test_every_dimension_is_explained(script: Script, language: str, quality: str) -> None:
    card = _card(script, language, quality)
    assert [d.id for d in card.dimensions] == [d.id for d in script.dimensions]
    for dim in card.to_dict()["dimensions"]:
        evidence = dim["evidence"]
        assert evidence["matched_concepts"] or evidence["missing_concepts"], dim["id"]
        assert evidence["answers"], dim["id"]
        assert [m["metric"] for m in evidence["metrics"]] == [m.key for m in DELIVERY_METRICS]
        assert dim["rationale"].startswith("Covered "), dim["rationale"]
        assert "\n" not in dim["rationale"]
        assert not EMOTION_WORDS.search(dim["rationale"]), dim["rationale"]
        for quote in evidence["quotes"]:
            # Quotes are verbatim clauses of the candidate's own answer.
            assert quote["quote"] in ANSWERS[language][quality][quote["question_id"]]
        for metric in evidence["metrics"]:
            assert metric["low"] < metric["high"]
            assert metric["metric"] not in UNSCORED_METRICS
    if quality == "strong":
        assert all(d.quotes for d in card.dimensions)


def test_rationale_cites_counts_and_ranges(script: Script, language: str) -> None:
    card = _card(script, language, "strong")
    communication = card.dimensions[0]
    hit = len(communication.matched)
    assert communication.rationale.startswith(
        f"Covered {hit} of {communication.points_total} expected points"
    )
    unit = "words/min" if language == "en" else "chars/min"
    rate = TYPICAL_DELIVERY[language]["speech_rate_per_min"]
    assert f"speech rate {rate:.0f} {unit} within" in communication.rationale


def test_card_records_versions_and_recommendation(script: Script, language: str) -> None:
    data = _card(script, language, "mediocre").to_dict()
    assert data["scorer_version"] == SCORER_VERSION
    assert data["script"] == {
        "id": script.id,
        "version": script.version,
        "content_hash": script.content_hash,
    }
    assert data["recommendation"] == data["tier"] == script.tiers.tier_for(data["total"])
    assert data["auto_reject_final"] is False and data["requires_human_review"] is True
    assert data["unscored_metrics"] == list(UNSCORED_METRICS)
    json.dumps(data)  # JSON-ready


def test_reject_is_final_only_when_the_deployment_allows_it(script: Script, language: str) -> None:
    assert _card(script, language, "poor").auto_reject_final is False
    assert _card(script, language, "poor", auto_reject=True).auto_reject_final is True
    # Allowing automatic rejection never makes a better tier final.
    assert _card(script, language, "strong", auto_reject=True).auto_reject_final is False


def test_unanswered_questions_score_zero_and_are_listed(script: Script, language: str) -> None:
    answers = [a for a in _inputs(language, "strong") if a.question_id != "angry_customer"]
    card = score_interview(script, answers)
    assert card.unanswered == ["angry_customer"]
    empathy = next(d for d in card.dimensions if d.id == "empathy")
    assert empathy.coverage == 0.0 and empathy.substance == 0.0
    assert {m["question_id"] for m in empathy.missing} == {"angry_customer"}
    assert "1 question unanswered" in empathy.rationale
    full = _card(script, language, "strong")
    assert card.total < full.total - 10


def test_negated_mentions_do_not_count(script: Script, language: str) -> None:
    said = {"en": "I would never apologize to them.", "zh": "我不会道歉。"}[language]
    card = score_interview(script, [AnswerInput("angry_customer", said)])
    empathy = next(d for d in card.dimensions if d.id == "empathy")
    assert not empathy.matched and not empathy.quotes
    assert [n["concept_id"] for n in empathy.negated] == ["apologize"]


def test_text_only_interview_renormalises_without_delivery(script: Script, language: str) -> None:
    card = score_interview(script, _inputs(language, "strong", features={}))
    assert all(d.delivery is None for d in card.dimensions)
    assert all("no delivery metrics measured" in d.rationale for d in card.dimensions)
    assert card.tier == "strong_recommend"


def test_delivery_weight_is_bounded(script: Script, language: str) -> None:
    typical = _card(script, language, "strong").total
    extreme = score_interview(script, _inputs(language, "strong", EXTREME_DELIVERY)).total
    # Every metric far outside its range costs at most the delivery share of the total.
    assert 0 < typical - extreme <= 100 * MAX_DELIVERY_WEIGHT + 0.1
    with pytest.raises(ValueError, match="delivery weight"):
        ComponentWeights(coverage=0.5, substance=0.3, delivery=0.2)


def test_scoring_is_deterministic(script: Script, language: str) -> None:
    first = _card(script, language, "mediocre").to_dict()
    assert _card(script, language, "mediocre").to_dict() == first


def test_language_mismatch_is_an_error(script: Script, language: str) -> None:
    other = "zh" if language == "en" else "en"
    with pytest.raises(ValueError, match="language"):
        score_interview(script, [AnswerInput("stress", "text", {}, other)])


@settings(max_examples=40, deadline=None)
@given(
    f0=st.one_of(st.none(), st.floats(50, 500)),
    f0_var=st.one_of(st.none(), st.floats(0, 12)),
    loudness=st.one_of(st.none(), st.floats(-60, 0)),
    loudness_var=st.one_of(st.none(), st.floats(0, 20)),
    voiced=st.floats(0, 1),
)
def test_pitch_and_loudness_never_change_a_score(
    f0: float | None,
    f0_var: float | None,
    loudness: float | None,
    loudness_var: float | None,
    voiced: float,
) -> None:
    script = load_script("cs_home_en")
    base = score_interview(script, _inputs("en", "mediocre")).to_dict()
    voice = {
        "f0_median_hz": f0,
        "f0_variability_st": f0_var,
        "loudness_mean_dbfs": loudness,
        "loudness_variability_db": loudness_var,
        "voiced_ratio": voiced,
    }
    features = {**TYPICAL_DELIVERY["en"], **voice}
    assert score_interview(script, _inputs("en", "mediocre", features)).to_dict() == base
