"""What the candidate could do, then that they won't (scorer 2.11, issue 10), on own inputs.

"I know how to calm them down and send a new one, but I won't bother": every rubric word is
there and no clause but the last is negated, so neither the model nor the negation guards saw
it. A contrast that withholds something bad, a no with an object of its own, or a plan after
the no is an answer, not a no.
"""

from __future__ import annotations

import pytest

from dialogue.assessment.guards import withheld
from dialogue.concept_match import find_concepts
from dialogue.embedding import Embed
from dialogue.scoring import GUARD_CAP, AnswerInput, score_interview
from dialogue.script import load_script


def _withheld(language: str, qid: str, text: str) -> bool:
    question = next(q for q in load_script(f"cs_home_{language}").questions if q.id == qid)
    matches = find_concepts(text, question.concepts, language)  # type: ignore[arg-type]
    return withheld(text, language, matches) is not None  # type: ignore[arg-type]


WITHHELD = [
    ("en", "angry_customer", "I know how to say sorry and send a replacement, but I won't bother."),
    (
        "en",
        "angry_customer",
        "We can apologise and offer a refund, but we're not going to, it's their fault.",
    ),
    ("en", "stress", "I could stop for a breather and stay calm, though I don't, really."),
    ("zh", "angry_customer", "先道歉再给他退款，这些我都能做，可我不想做，谁让他态度那么差。"),
    ("zh", "stress", "休息一下、深呼吸，这些办法我知道，不过我懒得用。"),
]
ANSWERS = [
    # what is withheld is bad
    (
        "en",
        "angry_customer",
        "I could argue with them, but I won't; I apologise and arrange a refund.",
    ),
    ("en", "angry_customer", "I could shout back, but I won't."),
    # a plan after the no
    (
        "en",
        "angry_customer",
        "I can offer a refund, but I won't do it straight away, I'd listen first.",
    ),
    (
        "en",
        "stress",
        "I could take a long break, but I won't, instead I step away for two minutes.",
    ),
    # the no has an object of its own: it says how
    (
        "en",
        "angry_customer",
        "I can apologise and offer a refund, but I won't promise a date I can't keep.",
    ),
    ("zh", "angry_customer", "我会先道歉，然后给他换货，但是我不会承诺做不到的事。"),
    ("zh", "angry_customer", "道歉我会，但不会光道歉，我会马上给他安排换货。"),
    ("zh", "stress", "我能休息一下就休息一下，深呼吸，保持冷静。"),
]


@pytest.mark.parametrize(("language", "qid", "text"), WITHHELD)
def test_what_could_be_done_then_is_not_is_flagged(language: str, qid: str, text: str) -> None:
    assert _withheld(language, qid, text)


@pytest.mark.parametrize(("language", "qid", "text"), ANSWERS)
def test_a_contrast_that_answers_is_not_flagged(language: str, qid: str, text: str) -> None:
    assert not _withheld(language, qid, text)


@pytest.mark.parametrize(("language", "qid", "text"), WITHHELD[:2] + WITHHELD[3:4])
def test_the_scorer_caps_a_withheld_answer(
    language: str, qid: str, text: str, embed: Embed
) -> None:
    script = load_script(f"cs_home_{language}")
    card = score_interview(script, [AnswerInput(qid, text)], embed=embed)
    scored = next(q for q in card.questions if q.question_id == qid)
    assert scored.score <= GUARD_CAP
    assert any(f["kind"] == "negated" for f in scored.flags)
