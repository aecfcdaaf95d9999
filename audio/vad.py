"""Silero VAD on a session shared by every call.

pipecat's ``SileroVADAnalyzer`` opens its own ONNX Runtime session per instance. The session is
stateless (Silero's recurrent state is an explicit input), so all calls can share one session
from the model registry while each keeps its own state and context window.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipecat.audio.vad.silero import SileroOnnxModel, SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADAnalyzer, VADParams

if TYPE_CHECKING:
    import onnxruntime


class _SharedSileroModel(SileroOnnxModel):
    """pipecat's Silero wrapper, minus the per-instance session load."""

    def __init__(self, session: onnxruntime.InferenceSession) -> None:
        self.session = session
        self.reset_states()
        self.sample_rates = [8000, 16000]


class SharedSileroVAD(SileroVADAnalyzer):
    """A ``SileroVADAnalyzer`` whose ONNX session comes from the model registry."""

    def __init__(
        self,
        session: onnxruntime.InferenceSession,
        *,
        sample_rate: int | None = None,
        params: VADParams | None = None,
    ) -> None:
        # Skip SileroVADAnalyzer.__init__ (it loads the model file again); set up what it would.
        VADAnalyzer.__init__(self, sample_rate=sample_rate, params=params)
        self._model = _SharedSileroModel(session)
        self._windows_since_reset = 0
        self._low_confidence_windows = 0
