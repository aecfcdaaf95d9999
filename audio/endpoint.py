"""End-of-turn prediction with Smart Turn v3.2 (bundled with pipecat; ONNX, no torch).

At each pause the last 8 s of the candidate's audio is scored: the probability that the answer is
finished. The interview ends a finished-sounding answer after the question's end-of-answer
silence, and holds the floor open longer through a pause that sounds mid-thought.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING

import numpy as np
from pipecat.audio.turn.smart_turn._whisper_features import compute_whisper_log_mel_features
from pipecat.frames.frames import Frame, InputAudioRawFrame, VADUserStoppedSpeakingFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from audio.frames import TurnCompletionFrame
from audio.pcm import StreamResampler, pcm16_to_float

if TYPE_CHECKING:
    import onnxruntime

MODEL_RATE = 16000
WINDOW_S = 8


def completion_probability(session: onnxruntime.InferenceSession, audio: np.ndarray) -> float:
    """Probability (0-1) that speech ending at the end of ``audio`` (16 kHz) is a finished turn."""
    n = WINDOW_S * MODEL_RATE
    audio = audio[-n:] if audio.size >= n else np.pad(audio, (n - audio.size, 0))
    features = compute_whisper_log_mel_features(audio.astype(np.float32), do_normalize=True)
    out = session.run(None, {"input_features": np.expand_dims(features, 0)})
    return float(np.asarray(out[0]).reshape(-1)[0])


class EndOfTurnPredictor(FrameProcessor):
    """Scores each pause (VAD "stopped") and pushes a :class:`TurnCompletionFrame`."""

    def __init__(
        self,
        *,
        session_getter: Callable[[], onnxruntime.InferenceSession],
        executor: Executor,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._session_getter = session_getter
        self._executor = executor
        self._ring = np.zeros(WINDOW_S * MODEL_RATE, np.float32)
        self._resampler: StreamResampler | None = None
        self._pause = 0  # VAD "stopped" events so far: a score names the pause it belongs to

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            if self._resampler is None or self._resampler.from_rate != frame.sample_rate:
                self._resampler = StreamResampler(frame.sample_rate, MODEL_RATE)
            audio = self._resampler.process(pcm16_to_float(frame.audio))
            if audio.size:
                self._ring = np.concatenate([self._ring[audio.size :], audio[-self._ring.size :]])
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self._pause += 1
            self.create_task(self._score(self._pause, self._ring.copy()))
        await self.push_frame(frame, direction)

    async def _score(self, pause: int, audio: np.ndarray) -> None:
        loop = asyncio.get_running_loop()
        probability = await loop.run_in_executor(
            self._executor, completion_probability, self._session_getter(), audio
        )
        # Sent even when the candidate has spoken since: the interview, on its audio clock,
        # knows whether this pause still matters (the decision may not depend on a race).
        await self.push_frame(TurnCompletionFrame(probability=probability, pause=pause))
