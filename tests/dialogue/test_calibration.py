"""Rubric calibration answers (scorer 2.6, issue 10): anchors for the level, not for the topic.

A reviewed answer at its reviewer's level pulls answers like it to that level; the question's
topic and floor still come from the script's exemplars only. Own inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from dialogue.assessment.anchors import anchors_for
from dialogue.embedding import Embed
from dialogue.scoring import AnswerInput, score_interview
from dialogue.script import load_script

RUBRIC = """\
    rubric:
      measures: how the candidate handles an upset caller
      levels: {1: no help, 2: little help, 3: some help, 4: good help, 5: fixes it kindly}
      exemplars:
        - {level: 5, text: "I apologise, listen, and send a replacement the same day."}
        - {level: 3, text: I would try to help them.}
        - {level: 1, text: I don't know.}
"""
CALIBRATION = """\
      calibration:
        - level: 5
          text: Honestly I'd hear them out, say sorry, and get a new one on the next van.
        - {level: 1, text: "I'd tell them to take it up with the courier."}
"""
_AFTER_STORY = "        if_missing: [calm]\n"


def _script(write_script: Callable[..., Path], calibrated: bool, name: str) -> Path:
    rubric = RUBRIC + (CALIBRATION if calibrated else "")
    return write_script((_AFTER_STORY, _AFTER_STORY + rubric), name=name)


def test_calibration_rows_anchor_the_level_but_not_the_topic(
    write_script: Callable[..., Path], embed: Embed
) -> None:
    plain = load_script(_script(write_script, False, "plain.yaml"))
    calibrated = load_script(_script(write_script, True, "calibrated.yaml"))
    assert plain.content_hash != calibrated.content_hash  # the hash covers them
    a, b = anchors_for(plain, embed), anchors_for(calibrated, embed)
    assert len(b.questions["story"].levels) == len(a.questions["story"].levels) + 2
    assert list(b.questions["story"].levels[-2:]) == [5, 1]
    np.testing.assert_allclose(b.topics["story"], a.topics["story"], atol=1e-6)
    assert b.questions["story"].topic_floor == a.questions["story"].topic_floor


def test_an_answer_like_a_calibration_answer_moves_to_its_level(
    write_script: Callable[..., Path], embed: Embed
) -> None:
    plain = load_script(_script(write_script, False, "plain.yaml"))
    calibrated = load_script(_script(write_script, True, "calibrated.yaml"))
    # Near the level-1 calibration answer in meaning, near nothing in the exemplars.
    text = "I'd say the courier broke it, so they should sort it out with the courier."

    def level(script: object) -> float:
        card = score_interview(script, [AnswerInput("story", text)], embed=embed)  # type: ignore[arg-type]
        scored = next(q for q in card.questions if q.question_id == "story")
        assert scored.level is not None
        return scored.level

    assert level(calibrated) <= level(plain) - 0.5
