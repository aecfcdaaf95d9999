"""Streaming transcription of long answers on a shared faster-whisper model.

Whisper is not a streaming model and pads every call to a 30 s window, so transcribing a 60 s
answer after it ends costs seconds. Instead the answer is cut into chunks at the candidate's own
short pauses (VAD "stopped" events) and each chunk is transcribed in the background while the
candidate keeps talking. Cuts fall in silence, so no word is split and nothing overlaps: the
chunks' texts simply join. A pause too short to commit a chunk still gets a *speculative*
transcription of the pending audio; if the candidate does not speak again before the interview
decides the answer is over, that result is the tail and the final transcript is ready at once.

``TurnBuffer`` is the pure part (audio bookkeeping and cut policy); ``StreamingWhisperSTT`` is the
pipecat processor around it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    InterimTranscriptionFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from audio.frames import (
    EndOfTurnFrame,
    PauseTranscriptFrame,
    TranscriptSegment,
    TurnTranscriptFrame,
)
from audio.pcm import StreamResampler, pcm16_to_float

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from faster_whisper import WhisperModel

log = logging.getLogger(__name__)

ASR_RATE = 16000
# Whisper (base most of all) can loop on bad audio, repeating one phrase dozens of times: cap the
# tokens a chunk may produce by its length (fast Mandarin is ~6 characters, ~10 tokens, a second)
# and drop a segment that stays repetitive (gzip ratio) after faster-whisper's temperature retries.
COMPRESSION_RATIO_MAX = 2.4
TOKENS_PER_S = 12
# faster-whisper refuses prompt + new tokens over 448; the prompt is cut to 223 tokens plus 4
# special ones, so at most 200 new tokens always fit (about 20 s of fast Mandarin).
MAX_NEW_TOKENS = 200


class TurnBuffer:
    """Audio of the open candidate turn at 16 kHz, and where it has been cut into chunks.

    Positions are sample indices on the call's 16 kHz audio clock (0 = call start).
    """

    def __init__(
        self,
        *,
        min_chunk_s: float = 4.0,
        max_chunk_s: float = 20.0,
        preroll_s: float = 1.0,
        rate: int = ASR_RATE,
    ) -> None:
        self.rate = rate
        self.min_chunk = int(min_chunk_s * rate)
        self.max_chunk = int(max_chunk_s * rate)
        self.preroll = int(preroll_s * rate)
        self._parts: list[np.ndarray] = []
        self.start = 0  # clock position of the first buffered sample
        self.end = 0  # clock position after the last buffered sample
        self.committed = 0  # clock position up to which audio is assigned to committed chunks
        self.speech_seen = False

    def append(self, audio: np.ndarray) -> None:
        """Add audio; before any speech, keep only a short pre-roll (speech onset lags VAD)."""
        if audio.size == 0:
            return
        self._parts.append(audio)
        self.end += audio.size
        if not self.speech_seen and self.end - self.start > 2 * self.preroll:
            keep = self.slice(self.end - self.preroll, self.end)
            self._parts = [keep]
            self.start = self.committed = self.end - self.preroll

    def slice(self, start: int, end: int) -> np.ndarray:
        """Audio between two clock positions (clamped to what is buffered)."""
        if len(self._parts) > 1:
            self._parts = [np.concatenate(self._parts)]
        if not self._parts:
            return np.zeros(0, np.float32)
        lo = max(start, self.start) - self.start
        hi = max(min(end, self.end) - self.start, lo)
        return self._parts[0][lo:hi]

    @property
    def pending(self) -> int:
        """Samples not yet assigned to a committed chunk."""
        return self.end - self.committed

    def commit(self, until: int | None = None) -> tuple[int, int] | None:
        """Assign [committed, until) to a new chunk; None when nothing is pending."""
        until = self.end if until is None else until
        if until <= self.committed:
            return None
        span = (self.committed, until)
        self.committed = until
        return span

    def forced_cut_point(self) -> int | None:
        """For a run of speech longer than ``max_chunk``: the quietest 50 ms in its last 3 s."""
        if self.pending < self.max_chunk:
            return None
        window = self.rate // 20
        search_from = max(self.committed + self.min_chunk, self.end - 3 * self.rate)
        tail = self.slice(search_from, self.end)
        n = tail.size // window
        if n == 0:
            return self.end
        energy = np.square(tail[: n * window].reshape(n, window)).mean(axis=1)
        return search_from + int(np.argmin(energy)) * window + window // 2

    def reset(self) -> None:
        """Start a new turn from the current clock position."""
        self._parts = []
        self.start = self.committed = self.end
        self.speech_seen = False


def transcribe_chunk(
    model: WhisperModel, audio: np.ndarray, language: str, prompt: str, offset_s: float
) -> list[TranscriptSegment]:
    """Transcribe one chunk (blocking; run it in the inference pool)."""
    segments, _info = model.transcribe(
        audio,
        language=language,
        beam_size=1,
        vad_filter=False,  # our Silero VAD already chose the span
        condition_on_previous_text=False,
        initial_prompt=prompt or None,
        without_timestamps=False,
        compression_ratio_threshold=COMPRESSION_RATIO_MAX,
        max_new_tokens=min(MAX_NEW_TOKENS, 16 + int(TOKENS_PER_S * audio.size / ASR_RATE)),
    )
    out: list[TranscriptSegment] = []
    for seg in segments:
        # Whisper invents text ("Thank you.") for noise; drop segments it itself doubts.
        if seg.no_speech_prob > 0.6 and seg.avg_logprob < -1.0:
            continue
        if seg.compression_ratio > COMPRESSION_RATIO_MAX:
            log.warning("dropped a looping ASR segment: %.60s", seg.text)
            continue
        text = seg.text.strip()
        if text:
            out.append(
                TranscriptSegment(
                    text, offset_s + seg.start, offset_s + seg.end, float(seg.avg_logprob)
                )
            )
    return out


def join_text(segments: list[TranscriptSegment], language: str) -> str:
    """Join segment texts: with spaces, or without for languages written without them."""
    sep = "" if language.startswith("zh") else " "
    return sep.join(s.text for s in segments).strip()


@dataclass
class _Job:
    start: int
    end: int
    task: asyncio.Task[list[TranscriptSegment]]


class StreamingWhisperSTT(FrameProcessor):
    """Turns candidate audio into per-turn transcripts, transcribing as the candidate talks."""

    def __init__(
        self,
        *,
        model_getter: Callable[[], WhisperModel],
        executor: Executor,
        language: str = "en",
        min_chunk_s: float = 4.0,
        max_chunk_s: float = 20.0,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._model_getter = model_getter
        self._executor = executor
        self._language = language
        self._buffer = TurnBuffer(min_chunk_s=min_chunk_s, max_chunk_s=max_chunk_s)
        self._resampler: StreamResampler | None = None
        self._jobs: list[_Job] = []  # committed chunks of the open turn, in order
        self._speculative: _Job | None = None
        self._speaking = False
        self._voiced_since_commit = False
        self._pause_count = 0
        self.chunks_transcribed = 0

    # -- jobs -----------------------------------------------------------------------------

    def _start_job(self, start: int, end: int) -> _Job:
        previous = self._jobs[-1] if self._jobs else None
        audio = self._buffer.slice(start, end).copy()
        task = self.create_task(self._transcribe(previous, audio, start / ASR_RATE))
        return _Job(start, end, task)

    async def _transcribe(
        self, previous: _Job | None, audio: np.ndarray, offset_s: float
    ) -> list[TranscriptSegment]:
        prompt = ""
        if previous is not None:
            # Chunks run one after another so each can use the text before it as context.
            prompt = join_text(await previous.task, self._language)[-200:]
        loop = asyncio.get_running_loop()
        model = self._model_getter()
        result = await loop.run_in_executor(
            self._executor, transcribe_chunk, model, audio, self._language, prompt, offset_s
        )
        self.chunks_transcribed += 1
        return result

    def _commit(self, until: int | None = None) -> None:
        span = self._buffer.commit(until)
        self._voiced_since_commit = self._speaking
        if span is not None:
            job = self._start_job(*span)
            self._jobs.append(job)
            self.create_task(self._push_interim(job))

    async def _push_interim(self, job: _Job) -> None:
        await job.task
        done = [j for j in self._jobs if j.task.done()]
        segments = [s for j in done for s in j.task.result()]
        text = join_text(segments, self._language)
        if text:
            await self.push_frame(
                InterimTranscriptionFrame(text=text, user_id="candidate", timestamp="")
            )

    # -- frames ---------------------------------------------------------------------------

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            self._on_audio(frame)
        elif isinstance(frame, VADUserStartedSpeakingFrame):
            self._speaking = True
            self._voiced_since_commit = True
            self._buffer.speech_seen = True
            self._speculative = None  # the pause was not the end; its guess is stale
            self._pause_count += 1
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self._speaking = False
            self._on_pause()
        elif isinstance(frame, EndOfTurnFrame):
            self.create_task(self._finalize(frame.reason))
            return  # consumed here
        await self.push_frame(frame, direction)

    def _on_audio(self, frame: InputAudioRawFrame) -> None:
        if self._resampler is None or self._resampler.from_rate != frame.sample_rate:
            self._resampler = StreamResampler(frame.sample_rate, ASR_RATE)
        self._buffer.append(self._resampler.process(pcm16_to_float(frame.audio)))
        if self._speaking:
            cut = self._buffer.forced_cut_point()
            if cut is not None:
                self._commit(cut)

    def _on_pause(self) -> None:
        if not self._buffer.speech_seen:
            return
        if self._buffer.pending >= self._buffer.min_chunk:
            self._commit()
            tail = self._jobs[-1]
        else:
            tail = self._speculative = self._start_job(self._buffer.committed, self._buffer.end)
        self._pause_count += 1
        self.create_task(self._push_pause_text(tail, self._pause_count))

    async def _push_pause_text(self, tail: _Job, pause: int) -> None:
        """The words just before the pause, for the interview's end-of-answer decision."""
        segments = await tail.task
        if pause == self._pause_count and not self._speaking:
            await self.push_frame(PauseTranscriptFrame(text=join_text(segments, self._language)))

    async def _finalize(self, reason: str) -> None:
        buffer = self._buffer
        audio_start = buffer.start
        audio = buffer.slice(buffer.start, buffer.end).copy()
        speculative = self._speculative
        if buffer.speech_seen:
            if (
                speculative is not None
                and not self._speaking
                and speculative.start == buffer.committed
            ):
                # Nothing voiced since the pause: the speculative result is the tail, and what
                # came after it is silence not worth a transcription.
                buffer.commit(buffer.end)
                self._jobs.append(speculative)
            elif buffer.pending > 0 and (self._speaking or self._voiced_since_commit):
                self._commit()
        jobs, self._jobs, self._speculative = self._jobs, [], None
        chunks = len(jobs)
        buffer.reset()
        self._voiced_since_commit = False
        segments = [s for job in jobs for s in await job.task]
        await self.push_frame(
            TurnTranscriptFrame(
                text=join_text(segments, self._language),
                segments=segments,
                audio=audio,
                audio_start_s=audio_start / ASR_RATE,
                chunks=chunks,
                reason=reason,
                ready_at=time.monotonic(),
            )
        )
