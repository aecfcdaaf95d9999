"""Yes/no answers the engine used to misread (issue 10, blind8), on own inputs.

- A yes or no in another language opens the answer ("Ναι, ...", "Evet", "ได้ค่ะ"): the
  candidate has answered, and the call goes on (the scorer flags the language); before, the
  consent question was asked until the call ended as ``no_response``.
- "Carry on" / "proceed" is an English yes.
- 算有吧，就是楼下有时候装修会吵一点 (a hedged yes, an occasional noise) is worth asking about,
  not a no that is confirmed and knocks the candidate out.
"""

from __future__ import annotations

import pytest

from dialogue.engine import Interview
from dialogue.events import Outcome, Utterance
from dialogue.intents import Intent, read_yes_no
from dialogue.script import load_script

QUIET_ZH = "这是一个居家办公的岗位。请问您家里有没有一个安静、独立、接电话不会被打扰的地方？"


@pytest.mark.parametrize(
    ("text", "language", "answer"),
    [
        ("Ναι, βεβαίως.", "en", Intent.YES),
        ("Evet, tabii ki.", "en", Intent.YES),
        ("Tak, oczywiście.", "en", Intent.YES),
        ("Όχι, δεν έχω.", "en", Intent.NO),
        ("ใช่ค่ะ", "zh", Intent.YES),
        ("ไม่ใช่ค่ะ", "zh", Intent.NO),
        ("Boleh saja.", "zh", Intent.YES),
        ("Sure, carry on.", "en", Intent.YES),
        ("Please proceed.", "en", Intent.YES),
    ],
)
def test_a_yes_or_no_said_first_in_any_language_answers(
    text: str, language: str, answer: Intent
) -> None:
    reading = read_yes_no(text, language)  # type: ignore[arg-type]
    assert reading.answer == answer and reading.sure


@pytest.mark.parametrize(
    "text", ["算有吧，就是楼下有时候装修会吵一点。", "有的，就是隔壁偶尔有点吵。"]
)
def test_a_yes_with_an_occasional_noise_is_asked_about(text: str) -> None:
    reading = read_yes_no(text, "zh", QUIET_ZH)
    assert reading.answer == Intent.YES and not reading.sure


def test_a_plain_no_with_a_noise_is_still_a_no() -> None:
    reading = read_yes_no("没有，家里孩子天天在吵。", "zh", QUIET_ZH)
    assert reading.answer == Intent.NO and reading.sure


@pytest.mark.parametrize(
    ("lang", "consent"), [("en", "Evet, devam edelim."), ("zh", "네, 좋아요.")]
)
def test_consent_in_another_language_starts_the_interview(lang: str, consent: str) -> None:
    iv = Interview(load_script(f"cs_home_{lang}"))
    iv.start()
    iv.handle(Utterance(consent))
    assert iv.records["consent"] is True and iv.state == "q:cs_experience"


def test_a_hedged_yes_given_twice_is_flagged_not_knocked_out() -> None:
    iv = Interview(load_script("cs_home_zh"))
    iv.start()
    iv.handle(Utterance("可以。"))
    while iv.state != "q:quiet_space":
        iv.handle(Utterance("我在电信营业厅做过一年多营业员，每天接待几十位顾客。"))
        assert not iv.ended
    for _ in range(2):
        iv.handle(Utterance("算有吧，就是楼下有时候装修会吵一点。"))
    assert iv.state != "q:quiet_space" and not iv.ended
    assert iv.outcome != Outcome.INELIGIBLE
