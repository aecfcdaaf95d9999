"""Declining to answer, the question said back, and denials that the named things help
(scorer 2.7, issue 10), on own inputs.

- An answer that only declines ("I'd sooner not get into my last job", 这个我不方便透露) or only
  says the question back ("... and you want to know what I'd do", 您是问我遇到这种情况怎么办)
  answers nothing, though its words are the question's. What comes after the frame is the
  answer: "I'd rather not say much, but I'd apologise and send a new one" is not flagged.
- "Music, walks, lists: none of that helps me" (听歌、散步，这些对我都不管用) denies that the things
  it names help: the model reads the answer without them, and a wholly negative answer says no.
"""

from __future__ import annotations

import pytest

from dialogue.assessment.guards import affirmative_reading, framed_only, negated_stance
from dialogue.embedding import Embed
from dialogue.scoring import GUARD_CAP, AnswerInput, score_interview
from dialogue.script import load_script


@pytest.mark.parametrize(
    ("text", "language", "kind"),
    [
        ("I'd prefer not to discuss my old jobs, thank you.", "en", "refusal"),
        ("Can we skip this one? Next question please.", "en", "refusal"),
        ("No comment.", "en", "refusal"),
        ("这个我不方便透露。", "zh", "refusal"),
        ("我不想聊这个，换个问题吧。", "zh", "refusal"),
        (
            "A shopper phones in cross because the lamp they ordered came smashed and no one "
            "answered their emails, and you want to know what I'd do.",
            "en",
            "restates_question",
        ),
        ("您是问我顾客东西坏了又没人回复的时候，我会怎么处理。", "zh", "restates_question"),
    ],
)
def test_a_decline_or_the_question_back_alone_is_flagged(
    text: str, language: str, kind: str
) -> None:
    found = framed_only(text, language)  # type: ignore[arg-type]
    assert found is not None and found.kind == kind


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I'd rather not say much, but I'd apologise and send a new lamp the same day.", "en"),
        ("You want to know what I'd do? I'd listen, apologise and book a replacement.", "en"),
        ("I'd rather not keep them on hold, so I'd check the order while we talk.", "en"),
        ("Stay calm, sort the queue, then move on to the next caller.", "en"),
        ("您是问我怎么处理吗？我会先道歉，再马上安排补发。", "zh"),
        ("忙的时候我把这一通处理完，喝口水，再接下一个。", "zh"),
        ("顾客不想说订单号的话，我会换个方式帮他查。", "zh"),
    ],
)
def test_an_answer_beside_the_frame_is_not_flagged(text: str, language: str) -> None:
    assert framed_only(text, language) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language", "read"),
    [
        ("Music, walks, to-do lists: none of that helps me, I just panic.", "en", "I just panic"),
        (
            "Being rude back, that never helps, so I take a breath and listen.",
            "en",
            "I take a breath",
        ),
        ("听歌、散步、列清单，这些对我都不管用，一忙我就慌。", "zh", "一忙我就慌"),
    ],
)
def test_a_denial_that_the_named_things_help_takes_them_out_of_the_reading(
    text: str, language: str, read: str
) -> None:
    reading = affirmative_reading(text, language)  # type: ignore[arg-type]
    assert read in reading
    assert "walks" not in reading and "散步" not in reading and "rude" not in reading


def test_nothing_but_that_denial_says_no() -> None:
    found = negated_stance("Lists, breaks, deep breaths, none of that works for me.", "en")
    assert found is not None and found.kind == "negated"


@pytest.mark.parametrize(
    ("language", "qid", "text"),
    [
        ("en", "cs_experience", "I'd prefer not to discuss my old jobs, thank you."),
        (
            "en",
            "angry_customer",
            "A shopper phones in cross because the lamp they ordered came smashed and no one "
            "answered their emails, and you want to know what I'd do.",
        ),
        ("zh", "cs_experience", "这个我不方便透露，我们换个问题吧。"),
        ("zh", "angry_customer", "您是问我顾客东西坏了又没人回复的时候，我会怎么处理。"),
    ],
)
def test_the_scorer_caps_them(language: str, qid: str, text: str, embed: Embed) -> None:
    script = load_script(f"cs_home_{language}")
    card = score_interview(script, [AnswerInput(qid, text)], embed=embed)
    scored = next(q for q in card.questions if q.question_id == qid)
    assert scored.score <= GUARD_CAP
    assert {f["kind"] for f in scored.flags} & {"refusal", "restates_question"}
