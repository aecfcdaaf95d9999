"""Silero VAD skips line silence once its state is reset: the same speech decisions, the same
confidences wherever the model runs, and far fewer model runs over a call's quiet stretches."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from pipecat.audio.vad.vad_analyzer import VADParams

from audio.pcm import float_to_pcm16, resample
from audio.tts import as_engine
from audio.vad import SKIP_MIN_CONFIDENCE, SOUND_RMS, SharedSileroVAD
from models.registry import ModelRegistry


class _Counting:
    """An ONNX session that counts its runs."""

    def __init__(self, session: Any) -> None:
        self.session, self.runs = session, 0

    def run(self, *args: Any, **kwargs: Any) -> Any:
        self.runs += 1
        return self.session.run(*args, **kwargs)


class _AlwaysRun(SharedSileroVAD):
    """The analyzer as it was: the model scores every window."""

    skip_line_silence = False


@pytest.fixture(scope="module")
def call_audio() -> bytes:
    """Silence, an answer, a thinking pause, more answer, silence, at 16 kHz PCM16."""
    registry = ModelRegistry()
    try:
        voice = as_engine(registry.voice("en"))
        speech = [
            np.concatenate([resample(a, r, 16000) for a, r in voice.speak(text)])
            for text in ("I worked three years in a call center.", "Mostly billing questions.")
        ]
    finally:
        registry.close()
    rng = np.random.default_rng(3)
    hiss = lambda s: (rng.standard_normal(int(s * 16000)) * SOUND_RMS / 4).astype(np.float32)  # noqa: E731
    parts = [hiss(3.0), speech[0], hiss(0.4), speech[1], hiss(3.0), speech[0], hiss(1.0)]
    return float_to_pcm16(np.concatenate(parts))


def _analyze(cls: type[SharedSileroVAD], audio: bytes) -> tuple[list[Any], list[float], int]:
    registry = ModelRegistry()
    session = _Counting(registry.vad_session())
    vad = cls(session, sample_rate=16000, params=VADParams(confidence=0.6, stop_secs=0.3))  # type: ignore[arg-type]
    vad.set_sample_rate(16000)
    confidences: list[float] = []
    original = vad.voice_confidence

    def record(buffer: bytes) -> float:
        confidences.append(float(np.asarray(original(buffer)).reshape(-1)[0]))
        return confidences[-1]

    vad.voice_confidence = record  # type: ignore[method-assign]
    states = [vad._run_analyzer(audio[i : i + 640]) for i in range(0, len(audio), 640)]
    registry.close()
    return states, confidences, session.runs


def test_a_low_speech_threshold_scores_every_window(call_audio: bytes) -> None:
    registry = ModelRegistry()
    session = _Counting(registry.vad_session())
    vad = SharedSileroVAD(session, sample_rate=16000, params=VADParams(confidence=0.3))  # type: ignore[arg-type]
    vad.set_sample_rate(16000)
    windows = len(call_audio) // 1024
    for i in range(0, len(call_audio), 640):
        vad._run_analyzer(call_audio[i : i + 640])
    registry.close()
    assert session.runs == windows


def test_silence_is_skipped_with_the_same_decisions(call_audio: bytes) -> None:
    states, confidences, runs = _analyze(SharedSileroVAD, call_audio)
    ref_states, ref_confidences, ref_runs = _analyze(_AlwaysRun, call_audio)
    assert states == ref_states
    assert "SPEAKING" in {s.name for s in states}  # the audio has speech the VAD hears
    skipped = [i for i, c in enumerate(confidences) if c == 0.0 and ref_confidences[i] != 0.0]
    assert ref_runs == len(ref_confidences) and runs == ref_runs - len(skipped)
    assert len(skipped) > 0.4 * len(confidences)  # about 6 of the 12 s are line silence
    assert max(ref_confidences[i] for i in skipped) < SKIP_MIN_CONFIDENCE
    kept = [i for i in range(len(confidences)) if i not in set(skipped)]
    assert [confidences[i] for i in kept] == [ref_confidences[i] for i in kept]
