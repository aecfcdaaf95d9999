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
from collections import deque
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
    PauseCueFrame,
    PauseTranscriptFrame,
    TranscriptSegment,
    TurnTranscriptFrame,
)
from audio.pcm import StreamResampler, pcm16_to_float
from audio.vad import SOUND_RMS
from models.pools import Job, Priority, PriorityPool

if TYPE_CHECKING:
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
#: Audio kept before a turn's first sound, and after the last sound before a cut.
CHUNK_LEAD_S = 0.5
CHUNK_TAIL_S = 0.15


class TurnBuffer:
    """Audio of the open candidate turn at 16 kHz, and where it has been cut into chunks.

    Positions are sample indices on the call's 16 kHz audio clock (0 = call start). Every cut
    point is a function of the audio and its VAD events alone: a turn starts where the interview
    ended the last one, its first chunk starts ``preroll`` before the first speech, chunks end at
    pauses or at the quietest spot of a long run of speech.
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
        self.window = rate // 100  # 10 ms energy windows on the absolute clock grid
        self.lead = int(CHUNK_LEAD_S * rate)
        self.tail = int(CHUNK_TAIL_S * rate)
        self.min_chunk = int(min_chunk_s * rate)
        self.max_chunk = int(max_chunk_s * rate)
        self.preroll = int(preroll_s * rate)
        self._parts: list[np.ndarray] = []
        self.start = 0  # clock position of the first buffered sample
        self.end = 0  # clock position after the last buffered sample
        self.turn_start = 0  # where the open turn began
        self.committed = 0  # clock position up to which audio is assigned to committed chunks
        self.speech_seen = False

    def append(self, audio: np.ndarray) -> None:
        """Add audio; before any speech, keep only what a pre-roll may need (memory bound)."""
        if audio.size == 0:
            return
        self._parts.append(audio)
        self.end += audio.size
        if not self.speech_seen and self.end - self.start > 3 * self.preroll:
            self.drop_before(self.end - 2 * self.preroll)

    def drop_before(self, position: int) -> None:
        """Forget audio before ``position`` (never audio of the open turn's chunks)."""
        position = min(max(position, self.start), self.end)
        if position > self.start:
            keep = self.slice(position, self.end)
            self._parts = [keep] if keep.size else []
            self.start = position

    def mark_speech(self, position: int) -> None:
        """VAD heard speech start (confirmed at ``position``): the first chunk starts where
        the audio says the speech began, since onset precedes the confirmation."""
        if not self.speech_seen:
            self.speech_seen = True
            self.committed = max(self.committed, self.chunk_start(position))

    def _sounding(self, start: int, end: int) -> tuple[int, np.ndarray]:
        """(first window position, per-window "sound" flags) for the grid windows in range."""
        w = self.window
        lo = max(start, self.start)
        lo += -lo % w
        hi = min(end, self.end)
        hi -= hi % w
        if hi <= lo:
            return lo, np.zeros(0, bool)
        audio = self.slice(lo, hi)
        rms = np.sqrt(np.square(audio.reshape(-1, w)).mean(axis=1))
        return lo, rms > SOUND_RMS  # 10 ms windows; the VAD's line-silence level

    def chunk_start(self, speech_at: int) -> int:
        """Where a turn's first chunk starts for speech VAD confirmed at ``speech_at``: a fixed
        lead before the audio's own onset (the end of the last quiet run of 200 ms before it),
        so the cut does not move with the VAD's window phase or recurrent state."""
        lo, sound = self._sounding(speech_at - self.preroll, speech_at)
        onset = speech_at - self.preroll
        quiet_run = 0
        for i in range(sound.size - 1, -1, -1):
            quiet_run = 0 if sound[i] else quiet_run + 1
            if quiet_run >= 20:
                onset = lo + (i + quiet_run) * self.window
                break
        return max(self.turn_start, onset - self.lead)

    def has_sound(self, start: int, end: int) -> bool:
        """Whether any 10 ms window in [start, end) is louder than line silence."""
        return bool(self._sounding(start, end)[1].any())

    def snap_cut(self, position: int) -> int:
        """A cut in the quiet before ``position`` (a VAD "stopped" or decision point): a fixed
        tail after the last sound, so it depends on the audio, not on when VAD noticed."""
        lo, sound = self._sounding(max(self.committed, position - self.rate), position)
        voiced = np.flatnonzero(sound)
        if voiced.size == 0:
            return position
        return min(position, lo + (int(voiced[-1]) + 1) * self.window + self.tail)

    def slice(self, start: int, end: int) -> np.ndarray:
        """Audio between two clock positions (clamped to what is buffered)."""
        if len(self._parts) > 1:
            self._parts = [np.concatenate(self._parts)]
        if not self._parts:
            return np.zeros(0, np.float32)
        lo = max(start, self.start) - self.start
        hi = max(min(end, self.end) - self.start, lo)
        return self._parts[0][lo:hi]

    def pending_at(self, position: int) -> int:
        """Samples before ``position`` not yet assigned to a committed chunk."""
        return position - self.committed

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

    def reset(self, at: int | None = None) -> None:
        """Start a new turn at clock position ``at`` (default: the end of what is buffered);
        audio already received after ``at`` stays for the new turn."""
        at = self.end if at is None else min(max(at, self.start), self.end)
        self.drop_before(at)
        self.turn_start = self.committed = at
        self.speech_seen = False


def transcribe_chunk(
    model: WhisperModel, audio: np.ndarray, language: str, prompt: str, offset_s: float
) -> list[TranscriptSegment]:
    """Transcribe one chunk (blocking; run it in the inference pool)."""
    segments, _info = model.transcribe(
        audio,
        language=language,
        beam_size=1,
        # faster-whisper's temperature fallback stays on: greedy decoding alone loops on some
        # chunks (". . . ." for a whole chunk). Its sampling runs only for such chunks.
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
    """One transcription of the span [start, end) of the open turn."""

    start: int
    end: int
    task: asyncio.Task[list[TranscriptSegment]]
    priority: Priority
    pool_job: Job | None = None
    pause_at: int | None = None  # VAD "stopped" position of the pause a speculative job is for
    # A speculative job waits for this before it queues: most pauses are breaths the candidate
    # talks on after, and each decode costs a full 30 s Whisper window (bench/asr_batching.py).
    release: asyncio.Event | None = None


async def _result(job: _Job) -> list[TranscriptSegment]:
    """A job's segments; none when it was dropped (unless the caller itself is cancelled).

    Shielded: a task cancelled while it awaits another task cancels that task too. A pause's
    speculative text awaits the chunk before it for its prompt, so dropping the guess when the
    candidate spoke on used to cancel that chunk, and its words vanished from the answer; more
    often under load, when the chunk was still queued."""
    try:
        return await asyncio.shield(job.task)
    except asyncio.CancelledError:
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise
        return []


@dataclass(frozen=True)
class _VadEvent:
    position: int  # 16 kHz clock position where the STT saw it
    started: bool
    pause: int  # for a stop: the pause number (1, 2, ... since the call started)


class StreamingWhisperSTT(FrameProcessor):
    """Turns candidate audio into per-turn transcripts, transcribing as the candidate talks.

    Work goes to a :class:`PriorityPool`: a turn's final tail first, committed chunks next,
    speculative pause texts last (cancelled when the candidate speaks again, promoted when the
    interview waits on them). A turn ends where the interview's :class:`EndOfTurnFrame` says,
    on the audio clock, so audio this stage has already seen past that point, and any chunk
    or pause it started there, is redone as part of the next turn.
    """

    def __init__(
        self,
        *,
        model_getter: Callable[[], WhisperModel],
        pool: PriorityPool,
        language: str = "en",
        min_chunk_s: float = 4.0,
        max_chunk_s: float = 20.0,
        pause_text_on_demand: bool = False,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        # Hold each pause's speculative job until the interview asks for it (prepare/needed).
        self._on_demand = pause_text_on_demand
        self._model_getter = model_getter
        self._pool = pool
        self._language = language
        self._buffer = TurnBuffer(min_chunk_s=min_chunk_s, max_chunk_s=max_chunk_s)
        self._resampler: StreamResampler | None = None
        self._jobs: list[_Job] = []  # committed chunks of the open turn, in order
        self._speculative: _Job | None = None
        self._pause_jobs: dict[int, _Job] = {}  # pause number -> job giving its text
        self._pause_tasks: dict[int, asyncio.Task[None]] = {}
        self._events: list[_VadEvent] = []  # VAD events of the open turn
        self._marks: deque[tuple[float, int]] = deque()  # (input clock s, 16 kHz position)
        self._in_clock = 0.0
        self._speaking = False
        self._speaking_at_turn_start = False
        self._pauses = 0
        self.chunks_transcribed = 0

    # -- jobs -----------------------------------------------------------------------------

    def _start_job(self, start: int, end: int, priority: Priority, held: bool = False) -> _Job:
        """Transcribe [start, end); ``held``: only once the interview asks for it (a pause's
        speculative text: see PauseCueFrame.prepare)."""
        previous = self._jobs[-1] if self._jobs else None
        audio = self._buffer.slice(start, end).copy()
        job = _Job(start, end, None, priority)  # type: ignore[arg-type]
        job.release = asyncio.Event() if held else None
        job.task = self.create_task(self._transcribe(job, previous, audio, start / ASR_RATE))
        return job

    async def _transcribe(
        self, job: _Job, previous: _Job | None, audio: np.ndarray, offset_s: float
    ) -> list[TranscriptSegment]:
        prompt = ""
        if previous is not None:
            # Chunks run one after another so each can use the text before it as context.
            prompt = join_text(await _result(previous), self._language)[-200:]
        if job.release is not None:
            await job.release.wait()
        model = self._model_getter()
        language = self._language
        log.debug(
            "transcribe %.2f-%.2f s (%s)",
            offset_s,
            offset_s + audio.size / ASR_RATE,
            job.priority.name,
        )
        job.pool_job = self._pool.submit(
            job.priority, lambda: transcribe_chunk(model, audio, language, prompt, offset_s)
        )
        try:
            result: list[TranscriptSegment] = await asyncio.wrap_future(job.pool_job.future)
        except asyncio.CancelledError:
            self._pool.cancel(job.pool_job)
            raise
        self.chunks_transcribed += 1
        return result

    def _promote(self, job: _Job, priority: Priority) -> None:
        """Make ``job`` (and the chunks before it, whose text it waits for) more urgent."""
        for earlier in [*self._jobs, job]:
            if earlier.start > job.start:
                break
            if priority < earlier.priority:
                earlier.priority = priority
                if earlier.release is not None:
                    earlier.release.set()
                if earlier.pool_job is not None:
                    self._pool.promote(earlier.pool_job, priority)

    def _drop(self, job: _Job) -> None:
        if not job.task.done():
            job.task.cancel()

    def _commit(self, until: int, priority: Priority = Priority.CHUNK) -> _Job | None:
        span = self._buffer.commit(until)
        if span is None:
            return None
        job = self._start_job(*span, priority)
        self._jobs.append(job)
        self.create_task(self._push_interim(job))
        return job

    async def _push_interim(self, job: _Job) -> None:
        await _result(job)
        if job.task.cancelled():
            return
        done = [j for j in self._jobs if j.task.done() and not j.task.cancelled()]
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
            event = _VadEvent(self._buffer.end, True, 0)
            self._events.append(event)
            self._apply_start(event)
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self._pauses += 1
            event = _VadEvent(self._buffer.end, False, self._pauses)
            self._events.append(event)
            self._apply_stop(event)
        elif isinstance(frame, EndOfTurnFrame):
            self._finalize(frame.reason, frame.at_s, frame.turn)
            return  # consumed here
        elif isinstance(frame, PauseCueFrame):
            job = self._pause_jobs.get(frame.pause)
            if job is None:
                return
            if frame.prepare:
                if job.release is not None:
                    job.release.set()  # queued now, still at its own (speculative) priority
            elif frame.needed:
                self._promote(job, Priority.FINAL)
            elif job.priority == Priority.SPECULATIVE:
                # The candidate spoke again before this pause could end the answer.
                self._drop(job)
            return
        await self.push_frame(frame, direction)

    def _on_audio(self, frame: InputAudioRawFrame) -> None:
        if self._resampler is None or self._resampler.from_rate != frame.sample_rate:
            self._resampler = StreamResampler(frame.sample_rate, ASR_RATE)
        self._buffer.append(self._resampler.process(pcm16_to_float(frame.audio)))
        self._in_clock += len(frame.audio) / 2 / frame.sample_rate
        self._marks.append((self._in_clock, self._buffer.end))
        while self._marks[0][1] < self._buffer.start:
            self._marks.popleft()
        if self._speaking:
            cut = self._buffer.forced_cut_point()
            if cut is not None:
                self._commit(cut)

    def _apply_start(self, event: _VadEvent) -> None:
        self._speaking = True
        self._buffer.mark_speech(event.position)
        # The pause's guess is no tail any more; the interview says whether its text is still
        # needed (PauseCueFrame), because only it knows if the pause outlasted the question's
        # end-of-answer silence.
        self._speculative = None

    def _apply_stop(self, event: _VadEvent) -> None:
        self._speaking = False
        buffer = self._buffer
        if not buffer.speech_seen:
            tail = None
        elif buffer.pending_at(event.position) >= buffer.min_chunk:
            tail = self._commit(buffer.snap_cut(event.position))
        else:
            cut = buffer.snap_cut(event.position)
            tail = self._speculative = self._start_job(
                buffer.committed, cut, Priority.SPECULATIVE, held=self._on_demand
            )
            tail.pause_at = event.position
        if tail is not None:
            self._pause_jobs[event.pause] = tail
        self._pause_tasks[event.pause] = self.create_task(self._push_pause_text(tail, event.pause))

    async def _push_pause_text(self, tail: _Job | None, pause: int) -> None:
        """The words just before the pause, for the interview's end-of-answer decision.

        Sent for every pause, also when the candidate has spoken again since: whether that
        speech came before the interview's decision point is the interview's to judge on its
        audio clock, not a race between this transcription and the next VAD event."""
        text = ""
        if tail is not None:
            text = join_text(await _result(tail), self._language)
            if tail.task.cancelled() and self._pause_tasks.get(pause) is not asyncio.current_task():
                return  # replaced by a redo of this pause in the next turn
            # (else dropped as stale, the candidate spoke again right away: no text)
        await self.push_frame(PauseTranscriptFrame(text=text, pause=pause))

    def _position_of(self, at_s: float | None) -> int:
        """The 16 kHz position of input-clock time ``at_s`` (the end of what is buffered for
        None, or for a time this stage has not reached, which cannot happen downstream of it)."""
        if at_s is None:
            return self._buffer.end
        for clock, pos in reversed(self._marks):
            if clock <= at_s + 1e-6:
                return pos
        return self._buffer.turn_start

    def _finalize(self, reason: str, at_s: float | None, turn: int | None = None) -> None:
        buffer = self._buffer
        at = max(self._position_of(at_s), buffer.turn_start)
        before = [e for e in self._events if e.position <= at]
        after = [e for e in self._events if e.position > at]
        # Anything started from audio past the decision point belongs to the next turn.
        kept = [j for j in self._jobs if j.end <= at]
        for job in self._jobs[len(kept) :]:
            self._drop(job)
        speculative = self._speculative
        if speculative is not None and (speculative.pause_at or 0) > at:
            self._drop(speculative)
            speculative = None
        # The interview needs no cue of a pause before its decision any more; pauses after it
        # are redone below.
        self._pause_jobs.clear()
        self._pause_tasks = {k: t for k, t in self._pause_tasks.items() if not t.done()}
        self._jobs = kept
        speaking = before[-1].started if before else self._speaking_at_turn_start
        first_start = next((e.position for e in before if e.started), None)
        buffer.speech_seen = first_start is not None or self._speaking_at_turn_start
        buffer.committed = kept[-1].end if kept else buffer.turn_start
        if not kept and first_start is not None and not self._speaking_at_turn_start:
            buffer.committed = buffer.chunk_start(first_start)
        # Voice after the last cut: speaking at the decision, or sound in the audio since.
        voiced = speaking or buffer.has_sound(buffer.committed, at)
        if kept:
            audio_start = kept[0].start
        elif buffer.speech_seen:
            audio_start = buffer.committed
        else:
            audio_start = max(buffer.start, at - buffer.preroll)
        audio = buffer.slice(audio_start, at).copy()
        tail: _Job | None = None
        if buffer.speech_seen:
            last_stop = before[-1] if before and not before[-1].started else None
            if (
                speculative is not None
                and last_stop is not None
                and speculative.start == buffer.committed
                and speculative.pause_at == last_stop.position
            ):
                # Nothing voiced since the pause: the speculative result is the tail, and what
                # came after it is silence not worth a transcription.
                buffer.commit(at)
                self._jobs.append(speculative)
                tail = speculative
            elif voiced and buffer.pending_at(at) > 0:
                tail = self._commit(buffer.snap_cut(at), Priority.FINAL)
        jobs, self._jobs, self._speculative = self._jobs, [], None
        if tail is not None:
            self._promote(tail, Priority.FINAL)
        for job in jobs:
            if job.release is not None:
                job.release.set()  # part of the final transcript now
            if job.priority > Priority.FINAL:
                job.priority = Priority.FINAL
                if job.pool_job is not None:
                    self._pool.promote(job.pool_job, Priority.FINAL)
        self.create_task(self._push_turn(jobs, audio, audio_start, reason, turn))
        # The next turn starts at the decision point; replay what was already heard past it.
        buffer.reset(at)
        while self._marks and self._marks[0][1] < at:
            self._marks.popleft()
        self._events = []
        self._speaking_at_turn_start = speaking
        self._speaking = speaking
        if speaking:
            buffer.speech_seen = True
        for event in after:
            self._events.append(event)
            if event.started:
                self._apply_start(event)
            else:
                self._apply_stop(event)

    async def _push_turn(
        self,
        jobs: list[_Job],
        audio: np.ndarray,
        audio_start: int,
        reason: str,
        turn: int | None = None,
    ) -> None:
        segments = [s for job in jobs for s in await _result(job)]
        await self.push_frame(
            TurnTranscriptFrame(
                text=join_text(segments, self._language),
                segments=segments,
                audio=audio,
                audio_start_s=audio_start / ASR_RATE,
                chunks=len(jobs),
                reason=reason,
                turn=turn,
                ready_at=time.monotonic(),
            )
        )
