"""Absolute relevance (scorer 2.5, issue 10), on inputs written for this file.

An answer about something that is no question's topic (a hobby, the weather, a job in another
field) is near no other question either, so the relative check of scorer 2.4 cannot see it. Each
question's *topic floor* is the least similarity one of the script's good exemplars has to the
rest of its topic; an answer well under it is capped and flagged ``off_topic``. Real answers,
weak ones included, and answers in another language (whose similarities run lower, and which
have their own cap) are not.
"""

from __future__ import annotations

import numpy as np
import pytest

from dialogue.assessment.anchors import anchors_for, topic_floor
from dialogue.embedding import Embed
from dialogue.scoring import GUARD_CAP, AnswerInput, QuestionScore, score_interview
from dialogue.script import load_script


def _question(language: str, qid: str, text: str, embed: Embed) -> QuestionScore:
    script = load_script(f"cs_home_{language}")
    card = score_interview(script, [AnswerInput(qid, text)], embed=embed)
    return next(q for q in card.questions if q.question_id == qid)


def _floor_flags(scored: QuestionScore) -> list[dict[str, object]]:
    return [
        f
        for f in scored.flags
        if f["kind"] == "off_topic" and "something else" in str(f.get("reason", ""))
    ]


# --- the floor itself, on vectors --------------------------------------------------------------


def test_the_floor_is_the_least_held_out_similarity_of_a_good_exemplar() -> None:
    angle = np.radians([0.0, 10.0, 25.0, 40.0])  # prompt, then three good exemplars
    topic = np.stack([np.cos(angle), np.sin(angle)], axis=1).astype(np.float32)
    # held out: 10 deg -> nearest 0 deg (10); 25 -> 10 (15); 40 -> 25 (15)
    assert topic_floor(topic, 3) == pytest.approx(np.cos(np.radians(15.0)), abs=1e-6)


def test_with_one_good_exemplar_there_is_no_floor() -> None:
    topic = np.eye(2, dtype=np.float32)
    assert topic_floor(topic, 1) == -1.0


def test_every_rubric_question_of_the_shipped_scripts_has_a_floor(embed: Embed) -> None:
    for language in ("en", "zh"):
        anchors = anchors_for(load_script(f"cs_home_{language}"), embed)
        for qid, question in anchors.questions.items():
            assert 0.8 < question.topic_floor < 1.0, (language, qid)


# --- the scorer, with the real model ---------------------------------------------------------

ABOUT_SOMETHING_ELSE = [
    ("en", "cs_experience", "I play bass in a covers band, we do weddings most Saturdays."),
    ("en", "angry_customer", "It's so windy today that my neighbour's bins rolled down the hill."),
    ("en", "ecommerce", "I spent six years laying bricks on building sites around the city."),
    ("zh", "angry_customer", "我年轻的时候在渔船上干过，一出海就是半个月。"),
    ("zh", "ecommerce", "我业余时间喜欢下象棋，公园里的大爷都下不过我。"),
    ("zh", "availability", "我业余时间喜欢下象棋，公园里的大爷都下不过我。"),
    pytest.param(
        "zh",
        "stress",
        "昨天下了一整天的雪，路上的车都开得特别慢。",
        # Known gap: slow traffic in the snow lies 0.024 under the stress question's floor, inside
        # the 0.025 margin that keeps real dev answers (down to 0.022 under) uncapped.
        marks=pytest.mark.xfail(
            strict=True,
            reason=(
                "issue 10, known scorer limit: this off-topic Mandarin answer lies 0.024 under "
                "its topic floor, inside the 0.025 margin that keeps real answers uncapped; "
                "strict, so a scorer that catches it must drop the mark"
            ),
        ),
    ),
]


@pytest.mark.parametrize(("language", "qid", "text"), ABOUT_SOMETHING_ELSE)
def test_an_answer_about_something_else_is_capped_and_flagged(
    language: str, qid: str, text: str, embed: Embed
) -> None:
    scored = _question(language, qid, text, embed)
    assert scored.score <= GUARD_CAP
    assert _floor_flags(scored), scored.flags


REAL_ANSWERS = [
    ("en", "cs_experience", "I was a waiter for two years, so I dealt with customers every night."),
    ("en", "ecommerce", "Not much, I packed a few eBay orders for a friend's shop."),
    ("en", "stress", "I stay calm and take it one call at a time."),
    ("zh", "cs_experience", "我在餐厅当过两年服务员，天天跟客人打交道。"),
    ("zh", "ecommerce", "不太多，帮朋友的网店打包过一些订单。"),
    ("zh", "stress", "我会保持冷静，一个一个电话来。"),
]


@pytest.mark.parametrize(("language", "qid", "text"), REAL_ANSWERS)
def test_a_real_answer_is_above_the_floor(language: str, qid: str, text: str, embed: Embed) -> None:
    scored = _question(language, qid, text, embed)
    assert not _floor_flags(scored), scored.flags


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "我在一家网店做过两年客服，每天接五十个左右的电话。"),
        ("zh", "I did two years of phone support for an online shop, about fifty calls a day."),
    ],
)
def test_an_answer_in_the_other_language_is_not_held_to_the_floor(
    language: str, text: str, embed: Embed
) -> None:
    scored = _question(language, "cs_experience", text, embed)
    assert not _floor_flags(scored), scored.flags
    assert any(f["kind"] == "other_language" for f in scored.flags)


def test_a_real_answer_just_under_the_floor_keeps_part_of_its_score(embed: Embed) -> None:
    """Scorer 2.8: just under the line good and poor answers mix, so where the floor is the only
    guard that fired the answer keeps a share of its score, falling to the cap with depth; the
    flag stays for the recruiter. (Capped at 5 by 2.7, as a 5-labelled held-out paraphrase was.)"""
    text = (
        "I was the voice on the line for a boiler repair outfit, folk would ring with no heating "
        "and I'd get an engineer round."
    )
    scored = _question("en", "cs_experience", text, embed)
    assert _floor_flags(scored), scored.flags
    assert scored.score > 30
