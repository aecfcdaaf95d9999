"""A story about relatives in which the candidate is never the subject (scorer 2.6, issue 10).

"Last spring my aunt's fridge broke, my uncle rang the shop and they apologised": the words are
the rubric's and the model ranks it high, but nobody in it is the candidate doing the job. Such
a story is capped however high the model ranks it; one where the candidate acts is not. Own
inputs, both languages.
"""

from __future__ import annotations

import pytest

from dialogue.assessment.guards import self_as_subject
from dialogue.embedding import Embed
from dialogue.scoring import GUARD_CAP, AnswerInput, score_interview
from dialogue.script import load_script

STORIES = [
    (  # scorer 2.5 gave this 92.2: the model put it at level 4.7, nearer the job than home
        "en",
        "When my mum's new sofa came torn, she was furious, so my brother called the store, "
        "they listened, said sorry, gave her a full refund and a voucher, and followed up the "
        "week after.",
    ),
    (
        "zh",
        "我妈买的沙发送到家是坏的，她特别生气，商家客服先跟她道歉，说完全理解她的心情，"
        "马上安排免费换一张新的，坏的上门拉走，还补偿了优惠券，送到以后又打电话回访。",
    ),
]
OWN_ACTS = [
    (
        "en",
        "My family ran a furniture shop, so I'd do what I did there: say sorry, listen, and "
        "send a new one with a free pickup of the broken one, then ring them after delivery.",
    ),
    (
        "zh",
        "我家以前开家具店，我会像在店里一样，先给顾客道歉，听他说完，马上安排换新的，坏的免费上门取走，送到后我再打电话回访。",
    ),
]


@pytest.mark.parametrize(("language", "text"), STORIES)
def test_a_relatives_story_never_names_the_candidate(language: str, text: str) -> None:
    assert not self_as_subject(text, language)  # type: ignore[arg-type]


@pytest.mark.parametrize(("language", "text"), OWN_ACTS)
def test_the_candidate_acting_is_named(language: str, text: str) -> None:
    assert self_as_subject(text, language)  # type: ignore[arg-type]


def _angry(language: str, text: str, embed: Embed) -> tuple[float, set[str]]:
    script = load_script(f"cs_home_{language}")
    card = score_interview(script, [AnswerInput("angry_customer", text)], embed=embed)
    scored = next(q for q in card.questions if q.question_id == "angry_customer")
    return scored.score, {f["kind"] for f in scored.flags}


@pytest.mark.parametrize(("language", "text"), STORIES)
def test_the_story_is_capped(language: str, text: str, embed: Embed) -> None:
    score, kinds = _angry(language, text, embed)
    assert score <= GUARD_CAP and "off_topic" in kinds


@pytest.mark.parametrize(("language", "text"), OWN_ACTS)
def test_the_candidates_own_answer_is_not(language: str, text: str, embed: Embed) -> None:
    score, kinds = _angry(language, text, embed)
    assert score >= 60 and "off_topic" not in kinds, (score, kinds)
