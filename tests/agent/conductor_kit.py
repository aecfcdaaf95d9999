"""Pieces for driving the interview conductor in a bare pipecat pipeline: no transport, VAD or
ASR, so a test plays those stages with frames (VAD events, 20 ms audio, transcripts)."""

from __future__ import annotations

from typing import Any

from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)

from agent.calls.conductor import InterviewConductor
from agent.reports.report import CallRecord
from agent.settings import AudioSettings

RATE = 16000


def audio(seconds: float, level: int = 0) -> list[Frame]:
    """20 ms frames of a constant 16-bit sample (only VAD frames say where speech is)."""
    frame = level.to_bytes(2, "little", signed=True) * (RATE // 50)
    return [
        InputAudioRawFrame(audio=frame, sample_rate=RATE, num_channels=1)
        for _ in range(round(seconds * 50))
    ]


def speech(seconds: float) -> list[Frame]:
    """``seconds`` of voice between VAD's start and stop events."""
    return [VADUserStartedSpeakingFrame(), *audio(seconds, 3000), VADUserStoppedSpeakingFrame()]


async def _report(record: CallRecord) -> str:
    return record.call_id


def conductor(
    engine: Any, call_id: str, cls: type[InterviewConductor] = InterviewConductor, **timing: Any
) -> InterviewConductor:
    """A conductor (``cls``) for a typed-transport call (``call_id``) with VAD at 0.1 s / 0.3 s
    and the given :class:`AudioSettings` overrides; its report id is the call id."""
    record = CallRecord(
        call_id=call_id,
        candidate_id="k-1",
        script_id="cs_home_en",
        script_version="1",
        script_hash="h",
        language="en",
        transport="text",
    )
    return cls(
        engine=engine,
        record=record,
        on_end=_report,
        audio=AudioSettings(vad_start_s=0.1, vad_stop_s=0.3, **timing),
    )
