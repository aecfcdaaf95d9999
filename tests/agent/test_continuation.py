"""The continuation rule: speech that resumes right after an end-of-answer decision is more of
that answer (a thinking pause after a whole sentence), not a reply to a question barely heard.

The conductor runs in a real pipecat pipeline with the real interview engine and the shipped
script; the test plays the ASR stage, answering each end-of-answer request with a transcript.
VAD frames say where speech is, and the conductor's clock is the audio it has received, so the
timings below are exact at any machine load.
"""

from __future__ import annotations

from typing import Any

import pytest
from pipecat.frames.frames import Frame, InterruptionFrame, OutputTransportMessageUrgentFrame
from pipecat.tests.utils import SleepFrame, run_test

from agent.settings import AudioSettings
from audio.frames import TurnTranscriptFrame
from dialogue.engine import Interview
from dialogue.events import BargeIn
from dialogue.script import load_script
from tests.agent.conductor_kit import audio, conductor, speech

SCRIPT = load_script("cs_home_en")
END_SILENCE_S = SCRIPT.timing.end_silence_s  # cs_experience is an open question
FIRST = "I worked three years at a bank."
REST = "Then two years at a call centre, answering customer calls all day."


def _said(text: str, turn: int, reason: str = "silence") -> list[Frame]:
    """The ASR stage's answer to end-of-answer request ``turn`` (it echoes the reason)."""
    transcript = TurnTranscriptFrame(text=text, turn=turn, reason=reason)
    return [SleepFrame(sleep=0.05), transcript, SleepFrame(sleep=0.05)]


async def _interview(
    resume_after_s: float,
    again: list[Frame],
    texts: list[str],
    reason: str = "silence",
    continuation_s: float = AudioSettings().continuation_s,
) -> Any:
    """Consent, then the experience answer; ``resume_after_s`` of audio after the decision
    the candidate makes the sound ``again`` (transcribed as ``texts``, turn 3 on; a sound
    that ends before it could be confirmed as speech is a ``barge_check``)."""
    engine = Interview(SCRIPT)
    cond = conductor(engine, "c-cont", smart_turn=False, continuation_s=continuation_s)
    # The decision falls on the first frame at END_SILENCE_S of silence after the voice ended
    # (VAD reports the stop vad_stop_s late); the new sound's VAD start comes vad_start_s in.
    silence_before = END_SILENCE_S - 0.3 + resume_after_s - 0.1
    frames: list[Frame] = [
        *audio(0.2),
        *speech(1.0),  # "Yes, sure." to the consent question
        *audio(2.0),
        *_said("Yes, sure.", 1),
        *speech(3.0),  # the first part of the answer, a whole sentence
        *audio(silence_before),
        *again,
        *audio(3.0),
        *_said(FIRST, 2),
    ]
    for turn, text in enumerate(texts, start=3):
        frames += _said(text, turn, reason if turn == 3 else "silence")
    down, _up = await run_test(cond, frames_to_send=frames)
    return engine, cond.record, cond, down


async def test_speech_right_after_the_decision_continues_the_answer() -> None:
    engine, record, conductor, down = await _interview(0.6, speech(2.0), [REST])
    assert conductor.continuations == 1
    # One answer, both parts, as if the pause had not ended it.
    assert engine.answers["cs_experience"].texts == [f"{FIRST} {REST}"]
    said = [(t.question_id, t.text) for t in record.turns if t.speaker == "candidate"]
    assert said[1:] == [("cs_experience", FIRST), ("cs_experience", REST)]
    # The reply to the first part was stopped (recorded as interrupted), and the interview
    # went on from the whole answer: it was not taken as a barge-in.
    turns = record.turns
    first = next(i for i, t in enumerate(turns) if t.text == FIRST)
    rest = next(i for i, t in enumerate(turns) if t.text == REST)
    reply = turns[first + 1 : rest]
    assert reply and all(t.speaker == "interviewer" and t.interrupted for t in reply)
    after = turns[rest + 1 :]
    assert after and not any(t.interrupted for t in after)  # the reply to the whole answer
    assert not any(isinstance(s.event, BargeIn) for s in engine.history)
    assert "barge_ins" not in record.records
    assert any(isinstance(f, InterruptionFrame) for f in down)
    sent = [f.message for f in down if isinstance(f, OutputTransportMessageUrgentFrame)]
    assert {"type": "answer_continued", "question_id": "cs_experience"} in sent
    # The engine's step for the first part alone was taken back: its history holds the
    # whole answer once.
    texts = [getattr(s.event, "text", None) for s in engine.history]
    assert FIRST not in texts and f"{FIRST} {REST}" in texts


async def test_a_short_continuation_after_the_speech_stops_is_joined_too() -> None:
    """Shorter than the barge-in confirmation: its transcript decides (not a backchannel)."""
    engine, _record, conductor, _down = await _interview(
        0.4, speech(0.6), ["and I liked it."], "barge_check"
    )
    assert conductor.continuations == 1
    assert engine.answers["cs_experience"].texts == [f"{FIRST} and I liked it."]


async def test_a_backchannel_right_after_the_decision_changes_nothing() -> None:
    engine, record, conductor, down = await _interview(0.4, speech(0.4), ["Mm-hm."], "barge_check")
    assert conductor.continuations == 0
    assert engine.answers["cs_experience"].texts == [FIRST]
    assert not any(t.interrupted for t in record.turns if t.speaker == "interviewer")
    # The reply was held while the sound was judged, then went on (nothing cleared).
    assert not any(isinstance(f, InterruptionFrame) for f in down)


@pytest.mark.parametrize(("resume_after_s", "window"), [(2.0, 1.0), (0.6, 0.0)])
async def test_speech_after_the_window_answers_the_next_question(
    resume_after_s: float, window: float
) -> None:
    """Too late to be the same answer, or the rule switched off (``continuation_s`` 0)."""
    engine, _record, conductor, _down = await _interview(
        resume_after_s, speech(2.0), [REST], continuation_s=window
    )
    assert conductor.continuations == 0
    # Two answers: the first part as it was, the rest as the reply to what was asked next
    # (here the question's follow-up, whose answer the engine keeps with the question).
    assert engine.answers["cs_experience"].texts == [FIRST, REST]
    assert FIRST in [getattr(s.event, "text", None) for s in engine.history]
