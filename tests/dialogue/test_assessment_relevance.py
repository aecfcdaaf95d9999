"""Relevance to the question (scorer 2.4, issue 10), on inputs written for this file.

- an answer to another question (the schedule told to the stress question) is nearer that
  question's topic than its own: capped, flagged ``off_topic`` with the question it answers;
- an answer that says the question back is flagged ``restates_question`` and capped, while a
  real answer that reuses the prompt's words is not;
- an answer about people in general that never says what the candidate does is off topic; an
  answer with the candidate in it, or with the subject dropped (Mandarin), is not.
"""

from __future__ import annotations

import pytest

from dialogue.assessment.guards import impersonal
from dialogue.embedding import Embed
from dialogue.scoring import GUARD_CAP, AnswerInput, QuestionScore, score_interview
from dialogue.script import load_script


def _question(language: str, qid: str, text: str, embed: Embed) -> QuestionScore:
    script = load_script(f"cs_home_{language}")
    card = score_interview(script, [AnswerInput(qid, text)], embed=embed)
    return next(q for q in card.questions if q.question_id == qid)


def _kinds(scored: QuestionScore) -> list[str]:
    return [f["kind"] for f in scored.flags]


# --- people in general, on text --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Everybody gets stressed at work nowadays, people just have too much on.", "en"),
        ("I believe most people shop on their phones now, the malls are empty.", "en"),
        ("很多人上班压力都很大，年轻人尤其累。", "zh"),
        ("我认为现在的人都喜欢网购，商场都没人了。", "zh"),
    ],
)
def test_people_in_general_without_the_candidate_is_impersonal(text: str, language: str) -> None:
    found = impersonal(text, language)  # type: ignore[arg-type]
    assert found is not None and found.kind == "off_topic"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I think everybody needs a break, so I take five minutes after a hard call.", "en"),
        ("Customers want to be heard, so listen first and then fix it.", "en"),
        ("我觉得大家都会累，所以我每隔一小时起来走走。", "zh"),
        ("先深呼吸，再把要紧的单子排在前面。", "zh"),  # no subject, no people in general
    ],
)
def test_the_candidate_or_a_dropped_subject_is_not_impersonal(text: str, language: str) -> None:
    assert impersonal(text, language) is None  # type: ignore[arg-type]


# --- the scorer, with the real model ---------------------------------------------------------

OTHER_QUESTION = [
    (
        "en",
        "stress",
        "I'm free weekday mornings and evenings, plus Saturdays and Sundays, any shift from "
        "eight to ten.",
        "availability",
    ),
    ("zh", "stress", "我周一到周日都能上班，早班晚班都行，节假日也可以排。", "availability"),
]


@pytest.mark.parametrize(("language", "qid", "text", "answers"), OTHER_QUESTION)
def test_an_answer_to_another_question_is_capped_and_says_which(
    language: str, qid: str, text: str, answers: str, embed: Embed
) -> None:
    scored = _question(language, qid, text, embed)
    assert scored.score <= GUARD_CAP
    assert scored.topic_margin is not None and scored.topic_margin < 0
    reasons = [f["reason"] for f in scored.flags if f["kind"] == "off_topic"]
    assert any(answers in r for r in reasons), scored.flags
    # The same words answer the question they belong to.
    assert _question(language, answers, text, embed).score > 50


RESTATED = [
    (
        "en",
        "angry_customer",
        "Right, a customer rings up really upset because their sofa came damaged and their emails "
        "got no answer, and what would I say and what would I do about it.",
        "I'd apologise that the sofa came damaged and that nobody answered their emails, then "
        "book a replacement with a pickup of the broken one and call them when it's confirmed.",
    ),
    (
        "zh",
        "angry_customer",
        "就是说有位顾客很生气地打电话来，新买的沙发送到家就坏了，之前留言也一直没人回，问我会怎么说怎么处理是吧。",
        "我会先为沙发损坏和留言没人回复道歉，然后马上安排换新并上门取回坏的，确定时间后再打电话告诉他。",
    ),
]


@pytest.mark.parametrize(("language", "qid", "restated", "answer"), RESTATED)
def test_saying_the_question_back_is_no_answer(
    language: str, qid: str, restated: str, answer: str, embed: Embed
) -> None:
    said_back = _question(language, qid, restated, embed)
    assert "restates_question" in _kinds(said_back)
    assert said_back.score <= GUARD_CAP
    # A real answer that reuses the prompt's words is not a restatement.
    real = _question(language, qid, answer, embed)
    assert "restates_question" not in _kinds(real)
    assert real.score > 60


def test_the_topic_margin_is_in_the_report(embed: Embed) -> None:
    script = load_script("cs_home_en")
    text = "I'd say sorry, listen, and send a new sofa the same week."
    card = score_interview(script, [AnswerInput("angry_customer", text)], embed=embed)
    row = next(q for q in card.to_dict()["questions"] if q["question_id"] == "angry_customer")
    assert row["topic_margin"] > 0


@pytest.mark.parametrize(("language", "qid", "restated", "answer"), RESTATED)
def test_a_typed_interview_with_a_restatement_gives_a_valid_report(
    language: str, qid: str, restated: str, answer: str, embed: Embed
) -> None:
    from agent.calls.typed import parse_answers, score_typed
    from agent.reports.schema import schema_problems

    script = load_script(f"cs_home_{language}")
    report = score_typed(script, parse_answers({qid: restated}, script), embed=embed)
    assert schema_problems(report) == []
    kinds = [f["kind"] for f in report["scores"]["flags"]]
    assert "restates_question" in kinds
