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


class AudioRing:
    """The last ``size`` samples of a stream (zeros before it starts), written in place.

    Every 20 ms frame used to rebuild the whole 8 s window (a 512 KB copy per frame per call,
    about a tenth of the server's CPU with 16 silent calls); now a frame costs its own size and
    the window is assembled only when a pause is scored."""

    def __init__(self, size: int) -> None:
        self._buf = np.zeros(size, np.float32)
        self._pos = 0  # where the next sample goes; also the oldest sample

    def push(self, audio: np.ndarray) -> None:
        """Append ``audio``, forgetting the oldest samples."""
        size = self._buf.size
        if audio.size >= size:
            self._buf[:] = audio[-size:]
            self._pos = 0
            return
        end = self._pos + audio.size
        if end <= size:
            self._buf[self._pos : end] = audio
        else:
            split = size - self._pos
            self._buf[self._pos :] = audio[:split]
            self._buf[: end - size] = audio[split:]
        self._pos = end % size

    def window(self) -> np.ndarray:
        """A copy of the last ``size`` samples, oldest first."""
        return np.concatenate([self._buf[self._pos :], self._buf[: self._pos]])


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
        self._ring = AudioRing(WINDOW_S * MODEL_RATE)
        self._resampler: StreamResampler | None = None
        self._pause = 0  # VAD "stopped" events so far: a score names the pause it belongs to

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            if self._resampler is None or self._resampler.from_rate != frame.sample_rate:
                self._resampler = StreamResampler(frame.sample_rate, MODEL_RATE)
            audio = self._resampler.process(pcm16_to_float(frame.audio))
            self._ring.push(audio)
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self._pause += 1
            self.create_task(self._score(self._pause, self._ring.window()))
        await self.push_frame(frame, direction)

    async def _score(self, pause: int, audio: np.ndarray) -> None:
        loop = asyncio.get_running_loop()
        probability = await loop.run_in_executor(
            self._executor, completion_probability, self._session_getter(), audio
        )
        # Sent even when the candidate has spoken since: the interview, on its audio clock,
        # knows whether this pause still matters (the decision may not depend on a race).
        await self.push_frame(TurnCompletionFrame(probability=probability, pause=pause))
