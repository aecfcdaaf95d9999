"""The conductor's end-of-answer rule for long replies to yes/no questions (issue 10), decided on
the audio clock: a short "yes" ends after the question's 0.8 s; a reply that has run past
``long_answer_s`` needs ``long_end_silence_s``. The socket-level test is test_yes_no_long_reply."""

from __future__ import annotations

import pytest

from agent.calls.conductor import InterviewConductor
from dialogue.events import Listen
from tests.agent.conductor_kit import conductor

YES_NO = Listen(end_silence_s=0.8, long_answer_s=3.0, long_end_silence_s=1.2)


def _conductor() -> InterviewConductor:
    return conductor(None, "c-1")  # only the timing rule is exercised: no engine


# (seconds talked, seconds of silence since, words before the pause, the answer is over)
CASES = [
    (0.6, 0.9, "Yes.", True),  # a short yes ends at the question's 0.8 s
    (0.6, 0.5, "Yes.", False),
    (14.0, 0.9, "I have a small spare bedroom.", False),  # a story is not cut at 0.9 s
    (14.0, 1.1, "I have a small spare bedroom.", False),
    (14.0, 1.3, "So the room is private.", True),  # ... but ends like an open answer
    (14.0, 1.3, "and then, um,", False),  # unless it sounds unfinished (hold)
    (14.0, 3.3, "and then, um,", True),  # the hold has a limit
    (2.5, 0.9, "Yes, I do.", True),  # under long_answer_s it is still short
]


@pytest.mark.parametrize(("talked", "silence", "words", "over"), CASES)
def test_long_replies_need_the_long_silence(
    talked: float, silence: float, words: str, over: bool
) -> None:
    conductor = _conductor()
    conductor._speech_start = 0.0
    conductor._last_voice_end = talked
    conductor.clock = talked + silence
    conductor._pauses = 1  # the cues of the pause that began this silence have arrived
    conductor._pause_texts[1] = words
    conductor._completions[1] = 0.0
    assert conductor._answer_over(YES_NO) is over
