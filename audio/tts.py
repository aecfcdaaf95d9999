"""Piper TTS with a prompt cache shared by every call.

Interview prompts are mostly fixed text, so each (voice, text, rate) is synthesized once per
process and replayed from memory afterwards; start-up pre-warms the active scripts' prompts.
Dynamic text is synthesized sentence by sentence so the first sentence plays while the next is
being made.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from typing import TYPE_CHECKING

import numpy as np
from pipecat.frames.frames import Frame, InterruptionFrame, TTSAudioRawFrame, TTSStoppedFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor, FrameProcessorSetup

from audio.frames import PlaybackControlFrame, PromptAudioFrame, PromptDoneFrame, PromptFrame
from audio.pcm import float_to_pcm16, resample

if TYPE_CHECKING:
    from piper import PiperVoice

log = logging.getLogger(__name__)

# How much audio one pushed frame carries: the granularity of pausing a prompt.
PUSH_CHUNK_S = 0.02


def synthesize_sentences(voice: PiperVoice, text: str, rate: int) -> Iterator[bytes]:
    """Yield PCM16 at ``rate`` for each sentence of ``text`` as Piper produces it (blocking)."""
    for chunk in voice.synthesize(text):
        audio = chunk.audio_float_array.astype(np.float32)
        yield float_to_pcm16(resample(audio, chunk.sample_rate, rate))


class PromptCache:
    """Byte-bounded LRU of synthesized prompts, keyed by (voice, text, sample rate)."""

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[tuple[str, str, int], bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, str, int]) -> bytes | None:
        """Cached audio for ``key``, or None (counts a hit or a miss)."""
        with self._lock:
            audio = self._items.get(key)
            if audio is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return audio

    def put(self, key: tuple[str, str, int], audio: bytes) -> None:
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

    def warm(self, voice_key: str, voice: PiperVoice, texts: list[str], rate: int) -> int:
        """Synthesize every text not cached yet (blocking); returns how many were made."""
        made = 0
        for text in texts:
            key = (voice_key, text, rate)
            with self._lock:
                known = key in self._items
            if not known:
                self.put(key, b"".join(synthesize_sentences(voice, text, rate)))
                made += 1
        return made


class CachedPiperTTS(FrameProcessor):
    """Speaks ``PromptFrame``s: cached audio at once, uncached text sentence by sentence.

    It paces its own output at real time with a small lead, so the interview can *pause* a
    prompt when the candidate makes a sound (playback stops within the lead) and *resume* it
    if that sound was only a cough or a backchannel. A real barge-in is an ``InterruptionFrame``,
    which cancels the prompt here and flushes the transport's queue.
    """

    def __init__(
        self,
        *,
        voice_getter: Callable[[], PiperVoice],
        voice_key: str,
        cache: PromptCache,
        executor: Executor,
        lead_s: float = 0.06,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._voice_getter = voice_getter
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
        cached = self._cache.get(key) if frame.prompt_id is not None else None
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
        sentences = synthesize_sentences(self._voice_getter(), frame.text, key[2])
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
