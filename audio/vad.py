"""Silero VAD on a session shared by every call.

pipecat's ``SileroVADAnalyzer`` opens its own ONNX Runtime session and its own worker thread per
instance. The session is stateless (Silero's recurrent state is an explicit input), so all calls
can share one session from the model registry while each keeps its own state and context window,
and run on one shared pool instead of a thread per call (a call's windows stay in order: each
frame's analysis is awaited before the next frame is processed).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Executor
from typing import TYPE_CHECKING

import numpy as np
from pipecat.audio.vad.silero import SileroOnnxModel, SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADAnalyzer, VADParams, VADState

if TYPE_CHECKING:
    import onnxruntime

#: A window quieter than this (RMS, full scale 1.0; about -48 dBFS) is line silence, not sound.
SOUND_RMS = 0.004
#: After this much line silence the model's recurrent state is reset at every quiet window, so
#: speech always meets the same state whatever came long before it (deterministic VAD events,
#: hence deterministic chunk cut points, at any load and any history).
QUIET_RESET_S = 0.5
#: Skipping line silence is only exact when the speech threshold is above what Silero gives
#: silence from a reset state (at most 0.25 measured on hiss, tests/audio/test_vad_silence.py).
SKIP_MIN_CONFIDENCE = 0.5


class _SharedSileroModel(SileroOnnxModel):
    """pipecat's Silero wrapper, minus the per-instance session load."""

    def __init__(self, session: onnxruntime.InferenceSession) -> None:
        self.session = session
        self.reset_states()
        self.sample_rates = [8000, 16000]


class SharedSileroVAD(SileroVADAnalyzer):
    """A ``SileroVADAnalyzer`` whose ONNX session comes from the model registry."""

    #: Leave line silence after a state reset unscored (see :meth:`voice_confidence`).
    skip_line_silence = True

    def __init__(
        self,
        session: onnxruntime.InferenceSession,
        *,
        executor: Executor | None = None,
        sample_rate: int | None = None,
        params: VADParams | None = None,
    ) -> None:
        # Skip SileroVADAnalyzer.__init__ (it loads the model file again); set up what it would.
        VADAnalyzer.__init__(self, sample_rate=sample_rate, params=params)
        self._model = _SharedSileroModel(session)
        self._windows_since_reset = 0
        self._low_confidence_windows = 0
        self._shared_executor = executor
        self._quiet_windows = 0

    def voice_confidence(self, buffer: bytes) -> float:
        """pipecat's confidence, with the recurrent state reset during long line silence.

        Once the state has been reset, a further window of line silence is not run through
        the model: it would score it from the reset state and be reset again, so nothing
        changes but the returned confidence, 0 in its place. Silero scores line silence from
        a reset state at 0.1-0.25, so this holds only for a speech threshold of at least
        SKIP_MIN_CONFIDENCE (the default is 0.6). Most of a call is such silence (the
        candidate listening), and the model was the largest cost of an idle call."""
        audio = np.frombuffer(buffer, np.int16).astype(np.float32) / 32768.0
        quiet = audio.size == 0 or float(np.sqrt(np.mean(np.square(audio)))) <= SOUND_RMS
        skip = self.skip_line_silence and self._params.confidence >= SKIP_MIN_CONFIDENCE
        if quiet and skip and self._reset_due():
            self._quiet_windows += 1
            return 0.0
        confidence = super().voice_confidence(buffer)
        self._quiet_windows = self._quiet_windows + 1 if quiet else 0
        if self._reset_due():
            self._model.reset_states()
            # pipecat's own periodic reset then counts from here too, not from the call start.
            self._windows_since_reset = 0
            self._low_confidence_windows = 0
        return confidence

    def _reset_due(self) -> bool:
        """Whether the quiet windows so far reach QUIET_RESET_S (the state is reset)."""
        return self._quiet_windows * self.num_frames_required() >= QUIET_RESET_S * self.sample_rate

    async def analyze_audio(self, buffer: bytes) -> VADState:
        """pipecat's analysis, on the shared pool when one is given."""
        if self._shared_executor is None:
            return await super().analyze_audio(buffer)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._shared_executor, self._run_analyzer, buffer)
