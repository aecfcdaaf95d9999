"""A final transcript that never comes (issue 11): the conductor stops waiting after
``transcript_timeout_s``, asks once more, and drops the transcript if it turns up later.

The conductor runs in a real pipecat pipeline with the real interview engine; the stage that
should answer its end-of-answer request (ASR) is left out, which is the stall being tested.
"""

from __future__ import annotations

from pipecat.frames.frames import Frame
from pipecat.tests.utils import SleepFrame, run_test

from audio.frames import EndOfTurnFrame, PromptFrame, TurnTranscriptFrame
from dialogue.engine import Interview
from dialogue.events import Unheard, Utterance
from dialogue.script import load_script
from tests.agent.conductor_kit import audio, conductor, speech

TIMEOUT_S = 0.4


def _answer() -> list[Frame]:
    """One spoken answer, then enough silence for the greeting's end of answer."""
    return [*speech(1.0), *audio(2.0)]


async def test_a_missing_transcript_is_unheard_and_its_late_text_dropped() -> None:
    engine = Interview(load_script("cs_home_en"))
    cond = conductor(engine, "c-timeout", smart_turn=False, transcript_timeout_s=TIMEOUT_S)
    record = cond.record
    frames: list[Frame] = [
        *audio(0.2),  # the transport is live: the greeting starts
        *_answer(),  # ... an answer whose transcript never comes
        SleepFrame(sleep=TIMEOUT_S * 4),
        # Its transcript arrives after all (turn 1): too late, dropped.
        TurnTranscriptFrame(text="No.", turn=1),
        *_answer(),
        SleepFrame(sleep=0.2),
        TurnTranscriptFrame(text="Yes, sure.", turn=2),
        SleepFrame(sleep=0.2),
    ]
    down, up = await run_test(cond, frames_to_send=frames)

    ends = [f for f in up if isinstance(f, EndOfTurnFrame)]
    assert [f.turn for f in ends] == [1, 2]
    prompts = [f.prompt_id for f in down if isinstance(f, PromptFrame)]
    asked_again = prompts.index("cs_home_en:sys:not_heard")
    assert "cs_home_en:greeting:consent" in prompts[asked_again + 1 :]  # asked again
    assert cond.unheard_turns == 1
    events = [type(step.event) for step in engine.history if step.event is not None]
    assert events == [Unheard, Utterance]  # the late "No." never reached the interview
    assert record.records.get("consent") is True and engine.state == "q:cs_experience"
    said = [t.text for t in record.turns if t.speaker == "candidate"]
    assert said == ["Yes, sure."]
