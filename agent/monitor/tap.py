"""Both sides of one call's audio on the call's audio clock: recorded, mixed for listeners,
and, during a take-over, the QA person's voice sent to the caller instead of the interviewer's.

Two pipeline stages share one :class:`CallAudio`: :class:`CandidateTap` right after the
transport's input sees the caller's audio, :class:`InterviewerTap` right before the transport's
output sees what the caller hears. The interviewer's audio is queued and taken out in step with
the caller's audio, so each block of caller audio is paired with what was playing meanwhile
(the output transport plays in real time, and the caller's audio is the call's clock). Nothing
here waits: a listener gets frames through the bus's bounded queues.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any

import numpy as np
import soxr
from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    InterruptionFrame,
    OutputAudioRawFrame,
    StartFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from agent.monitor.bus import MonitorBus
from agent.monitor.recording import StereoWavWriter
from audio.frames import PromptAudioFrame

log = logging.getLogger(__name__)

#: The QA microphone's format on the wire (``/ws/monitor/listen``): PCM16 mono at this rate.
MIC_RATE = 16000
#: Interviewer audio queued beyond this (seconds) is old news: dropped, never buffered for ever.
MAX_PENDING_S = 5.0
#: QA microphone frames queued beyond this many (20 ms each) are dropped.
MAX_MIC_FRAMES = 50


def _int16(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2")


class _Resampled:
    """int16 PCM at any rate -> int16 at ``rate``, one stream per source rate. Quick (cubic)
    quality: the better filters hold back ~50-100 ms, which listen-in and take-over feel."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._streams: dict[int, soxr.ResampleStream] = {}

    def __call__(self, pcm: bytes, rate: int) -> np.ndarray:
        samples = _int16(pcm)
        if rate == self.rate:
            return samples
        stream = self._streams.get(rate)
        if stream is None:
            stream = soxr.ResampleStream(rate, self.rate, 1, dtype="int16", quality="QQ")
            self._streams[rate] = stream
        return np.asarray(stream.resample_chunk(samples), dtype="<i2")


class CallAudio:
    """One call's two sides: recording, listen-in mix, take-over microphone."""

    def __init__(
        self,
        call_id: str,
        rate: int,
        out_rate: int,
        bus: MonitorBus,
        writer: StereoWavWriter | None = None,
    ) -> None:
        self.call_id = call_id
        self.rate = rate
        self.out_rate = out_rate
        self.bus = bus
        self.writer = writer
        self.taken_over = False
        # One resampler per side: each keeps its own stream state.
        self._left = _Resampled(rate)
        self._right = _Resampled(rate)
        self._to_out = _Resampled(out_rate)
        self._pending: deque[np.ndarray] = deque()
        self._pending_n = 0
        self.mic_frames: asyncio.Queue[bytes] = asyncio.Queue(MAX_MIC_FRAMES)
        self.listened_frames = 0

    # -- the two taps ----------------------------------------------------------------------

    def candidate(self, pcm: bytes, rate: int) -> None:
        """A block of the caller's audio: pair it with what was playing, record, mix."""
        left = self._left(pcm, rate)
        right = self._take(len(left))
        if self.writer is not None:
            try:
                self.writer.write(left, right)
            except OSError as exc:  # a full disk ends the recording, not the call
                log.error("call %s: recording stopped: %s", self.call_id, exc)
                self.writer.close()
                self.writer = None
        if self.bus.listening(self.call_id):
            mixed = np.clip(left.astype(np.int32) + right, -32768, 32767).astype("<i2")
            self.bus.publish_audio(self.call_id, mixed.tobytes())
            self.listened_frames += 1

    def interviewer(self, pcm: bytes, rate: int) -> None:
        """Audio the caller is about to hear (the interviewer's or the QA person's)."""
        samples = self._right(pcm, rate)
        if not len(samples):
            return
        self._pending.append(samples)
        self._pending_n += len(samples)
        while self._pending_n > MAX_PENDING_S * self.rate and self._pending:
            self._pending_n -= len(self._pending.popleft())

    def interrupt(self) -> None:
        """Queued interviewer audio will not be played (barge-in, take-over)."""
        self._pending.clear()
        self._pending_n = 0

    def _take(self, n: int) -> np.ndarray:
        out = np.zeros(n, dtype="<i2")
        filled = 0
        while filled < n and self._pending:
            head = self._pending[0]
            used = min(n - filled, len(head))
            out[filled : filled + used] = head[:used]
            filled += used
            if used == len(head):
                self._pending.popleft()
            else:
                self._pending[0] = head[used:]
        self._pending_n -= filled
        return out

    # -- take-over microphone --------------------------------------------------------------

    def mic(self, pcm: bytes) -> None:
        """A frame of the QA person's voice (``MIC_RATE`` PCM16), while the call is taken over."""
        if not self.taken_over or not pcm:
            return
        # The pipeline is behind when full: a lost 20 ms beats a growing delay.
        with contextlib.suppress(asyncio.QueueFull):
            self.mic_frames.put_nowait(pcm[:8192])

    def to_out(self, pcm: bytes) -> bytes:
        """QA microphone audio at the call's output rate."""
        return self._to_out(pcm, MIC_RATE).tobytes()

    def close(self) -> None:
        """Finish the recording."""
        if self.writer is not None:
            self.writer.close()


class CandidateTap(FrameProcessor):
    """After the transport's input: hands each block of caller audio to :class:`CallAudio`."""

    def __init__(self, audio: CallAudio, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._audio = audio

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            self._audio.candidate(frame.audio, frame.sample_rate)
        await self.push_frame(frame, direction)


class InterviewerTap(FrameProcessor):
    """Before the transport's output: hands what the caller hears to :class:`CallAudio`; while
    the call is taken over, drops the interviewer's audio and plays the QA person's instead."""

    def __init__(self, audio: CallAudio, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._audio = audio
        self._pump: asyncio.Task[None] | None = None

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, StartFrame) and self._pump is None:
            await self.push_frame(frame, direction)
            self._pump = self.create_task(self._play_mic(), name="qa-mic")
            return
        if direction == FrameDirection.DOWNSTREAM:
            if isinstance(frame, (OutputAudioRawFrame, PromptAudioFrame)):
                if self._audio.taken_over:
                    return  # the AI is silent while a person has the call
                if isinstance(frame, OutputAudioRawFrame):
                    self._audio.interviewer(frame.audio, frame.sample_rate)
            elif isinstance(frame, InterruptionFrame):
                self._audio.interrupt()
        await self.push_frame(frame, direction)

    async def _play_mic(self) -> None:
        audio = self._audio
        while True:
            pcm = await audio.mic_frames.get()
            if not audio.taken_over:
                continue
            out = audio.to_out(pcm)
            audio.interviewer(out, audio.out_rate)
            await self.push_frame(
                OutputAudioRawFrame(audio=out, sample_rate=audio.out_rate, num_channels=1)
            )

    async def cleanup(self) -> None:
        await super().cleanup()
        if self._pump is not None:
            await self.cancel_task(self._pump)
            self._pump = None
