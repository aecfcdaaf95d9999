"""The no after the word and refusals worded afresh (scorer 2.5, issue 10), on own inputs.

- A clause that points back to what was named first and denies it ("Live chat, phone queues,
  none of that have I worked on", 退货、换货，这些我没处理过) negates the part before it: an
  answer made only of such denials says no as a whole. A pointing-back clause that says *how*
  ("those I never take personally", 这种事我不会往心里去) or that nothing is a problem is no no.
- Refusal frames in either language: the problem left to the customer, the contact ended, the
  work walked away from, the treatment not put up with. A good answer that ends the call after
  fixing it, or never walks out, is no refusal.
"""

from __future__ import annotations

import pytest

from dialogue.assessment.guards import negated_stance, refusal
from dialogue.embedding import Embed
from dialogue.scoring import GUARD_CAP, AnswerInput, score_interview
from dialogue.script import load_script


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Live chat, phone queues, email tickets, none of those have I worked on.", "en"),
        ("Refunds for a broken table, that I wouldn't agree to.", "en"),
        ("Night shifts and Sundays, that isn't something I can do.", "en"),
        ("退货、换货、查物流，这些我都没处理过。", "zh"),
        ("给顾客道歉，这个我不会做。", "zh"),
        ("周末的班，这个我不答应。", "zh"),
    ],
)
def test_a_denial_that_points_back_says_no(text: str, language: str) -> None:
    found = negated_stance(text, language)  # type: ignore[arg-type]
    assert found is not None and found.kind == "negated"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Angry callers, those I never take personally, I just help them.", "en"),
        ("Returns and exchanges, none of that is a problem for me.", "en"),
        ("Order tracking and refunds, that I did every day for two years.", "en"),
        ("I'd apologise first, that never hurts, then send a new one.", "en"),
        ("顾客发火，这种事我不会往心里去，我会先听他说完。", "zh"),
        ("订单、退货，这些我以前天天处理。", "zh"),
        ("我会马上安排换货，这个很简单。", "zh"),
        ("我会马上安排换货，这些我不会拖。", "zh"),
        ("Regular customers' names, those I never forget.", "en"),
    ],
)
def test_a_pointing_back_clause_that_does_not_deny_is_no_no(text: str, language: str) -> None:
    assert negated_stance(text, language) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("They can sort the refund out with the warehouse themselves.", "en"),
        ("I'd explain it's the courier's job and then just end the call.", "en"),
        ("If the queue got long I'd walk out, I'm not here to be yelled at.", "en"),
        ("I'm not putting up with rude people, I'd log off early.", "en"),
        ("让顾客自己去联系商家解决。", "zh"),
        ("他要是一直骂，我就直接结束通话。", "zh"),
        ("班上太累我就撂挑子，这种气我不受。", "zh"),
        ("我可不是来挨骂的，说不通就走人。", "zh"),
    ],
)
def test_refusal_frames_worded_afresh_are_refusals(text: str, language: str) -> None:
    found = refusal(text, language)  # type: ignore[arg-type]
    assert found is not None


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I'd book the new delivery, and before I end the call I'd give my extension.", "en"),
        ("I never walk out on a busy queue, I take one caller at a time.", "en"),
        ("I'd let them choose themselves between a refund and a new sofa.", "en"),
        ("我会让他自己选是换货还是退款，然后马上安排。", "zh"),
        ("我会先把问题解决，确认他满意了再结束通话。", "zh"),
    ],
)
def test_good_answers_with_those_words_are_no_refusals(text: str, language: str) -> None:
    assert refusal(text, language) is None  # type: ignore[arg-type]


# A refusal named as what not to do, or taken back by the clause after it, is the opposite of
# a refusal (scorer 2.9: good answers that quoted "call back later" were capped as refusals).
PROHIBITED = [
    ("The last thing an upset caller needs is to be told to call back later.", "en"),
    ("The worst thing would be to hang up on them, so I'd stay on the line.", "en"),
    ("Asking them to call back later, I wouldn't do that; I'd sort it there and then.", "en"),
    ("I'd never tell a customer it's not my problem, I'd own it.", "en"),
    ("您不必晚点再打，我现在就帮您查。", "zh"),
    ("这时候千万别说“晚点再打”，我会马上帮他登记换货。", "zh"),
]
STILL_REFUSALS = [
    ("I'd hang up, and I wouldn't feel bad about it.", "en"),
    ("Tell them to call back later, I'm on my break.", "en"),
    ("不用担心，你晚点再打吧。", "zh"),
]


@pytest.mark.parametrize(("text", "language"), PROHIBITED)
def test_a_refusal_named_as_what_not_to_do_is_none(text: str, language: str) -> None:
    assert refusal(text, language) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "language"), STILL_REFUSALS)
def test_a_refusal_with_a_negation_elsewhere_still_counts(text: str, language: str) -> None:
    assert refusal(text, language) is not None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("language", "qid", "text"),
    [
        ("en", "ecommerce", "Marketplace orders, parcels, returns, none of that have I done."),
        ("en", "angry_customer", "I'd say they should take it up with the courier themselves."),
        ("zh", "ecommerce", "网上的订单、快递、退换货，这些我一样也没做过。"),
        ("zh", "angry_customer", "我会让他自己去找快递公司，然后把电话结束掉。"),
    ],
)
def test_the_scorer_caps_them(language: str, qid: str, text: str, embed: Embed) -> None:
    script = load_script(f"cs_home_{language}")
    card = score_interview(script, [AnswerInput(qid, text)], embed=embed)
    scored = next(q for q in card.questions if q.question_id == qid)
    assert scored.score <= GUARD_CAP
    assert {f["kind"] for f in scored.flags} & {"negated", "refusal", "dismissal"}
