"""The continuation rule: speech that resumes right after an end-of-answer decision is more of
that answer (a thinking pause after a whole sentence), not a reply to a question barely heard.

The conductor runs in a real pipecat pipeline with the real interview engine and the shipped
script; the test plays the ASR stage, answering each end-of-answer request with a transcript.
VAD frames say where speech is, and the conductor's clock is the audio it has received, so the
timings below are exact at any machine load.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    InterruptionFrame,
    OutputTransportMessageUrgentFrame,
)
from pipecat.tests.utils import SleepFrame, run_test

from agent.calls.conductor import InterviewConductor
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
        *audio(2.2),  # the next answer starts well outside the consent's window
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


async def test_speech_at_the_edge_of_the_window_still_continues_the_answer() -> None:
    """The window is inclusive on the call's clock in whole milliseconds: the float error of a
    clock summed from 20 ms frames does not move speech at the edge out of it."""
    window = AudioSettings().continuation_s
    engine, _record, conductor, _down = await _interview(window, speech(2.0), [REST])
    assert conductor.continuations == 1
    assert engine.answers["cs_experience"].texts == [f"{FIRST} {REST}"]


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


class _SlowStep(InterviewConductor):
    """Applies the engine's step for the answer's first part slowly (a busy event loop, a slow
    store): pipecat hands audio and VAD events in on another task meanwhile."""

    async def _apply(self, actions: Any) -> None:
        if self._turn_seq == 2:
            await asyncio.sleep(0.3)
        await super()._apply(actions)


def _frames_to_decision(frames_before: int, end_silence_s: float) -> int:
    """Audio frames after the VAD stop until the decision, on the conductor's own float clock
    (the test must end the audio on the very frame the answer is decided)."""
    clock = 0.0
    for _ in range(frames_before):
        clock += 0.02
    last_voice_end = clock - 0.3
    n = 0
    while clock - last_voice_end < end_silence_s:
        clock += 0.02
        n += 1
    return n


async def test_speech_that_comes_in_while_the_answer_is_acted_on_continues_it() -> None:
    """The continuation's VAD start arrives while the first part's step is being applied,
    with nothing held before it: it is held too, and judged once that step has set up the
    take-back (under load this was taken as a barge-in over the next question)."""
    engine = Interview(SCRIPT)
    cond = conductor(engine, "c-slow", _SlowStep, smart_turn=False)
    before = [*audio(0.2), *speech(1.0), *audio(2.2)]
    answer = speech(3.0)
    audio_frames = sum(1 for f in [*before, *answer] if isinstance(f, InputAudioRawFrame))
    frames: list[Frame] = [
        *before,
        *_said("Yes, sure.", 1),
        *answer,
        *audio(0.02 * _frames_to_decision(audio_frames, END_SILENCE_S)),
        SleepFrame(sleep=0.05),
        TurnTranscriptFrame(text=FIRST, turn=2, reason="silence"),
        SleepFrame(sleep=0.1),  # the step is being applied now, nothing is held
        *audio(0.3),
        *speech(2.0),
        *audio(3.0),
        SleepFrame(sleep=0.5),
        *_said(REST, 3),
    ]
    await run_test(cond, frames_to_send=frames)
    assert cond.continuations == 1
    assert engine.answers["cs_experience"].texts == [f"{FIRST} {REST}"]
    assert not any(isinstance(s.event, BargeIn) for s in engine.history)
