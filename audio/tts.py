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
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from typing import TYPE_CHECKING

import numpy as np
from pipecat.frames.frames import Frame, TTSAudioRawFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor, FrameProcessorSetup

from audio.frames import PromptDoneFrame, PromptFrame
from audio.pcm import float_to_pcm16, resample

if TYPE_CHECKING:
    from piper import PiperVoice

log = logging.getLogger(__name__)

# How much audio one pushed frame carries. The output transport paces playback itself; smaller
# pieces only add frames, larger ones delay the first audio of uncached text.
PUSH_CHUNK_S = 0.2


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
    """Speaks ``PromptFrame``s: cached audio at once, uncached text sentence by sentence."""

    def __init__(
        self,
        *,
        voice_getter: Callable[[], PiperVoice],
        voice_key: str,
        cache: PromptCache,
        executor: Executor,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._voice_getter = voice_getter
        self._voice_key = voice_key
        self._cache = cache
        self._executor = executor
        self._rate = 16000

    async def setup(self, setup: FrameProcessorSetup) -> None:  # type: ignore[override]
        await super().setup(setup)
        self._rate = setup.audio_out_sample_rate

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, PromptFrame):
            # Runs in this processor's interruptible task: an InterruptionFrame cancels it.
            await self._speak(frame)
        else:
            await self.push_frame(frame, direction)

    async def _speak(self, frame: PromptFrame) -> None:
        rate = self._rate
        key = (self._voice_key, frame.text, rate)
        audio = self._cache.get(key) if frame.prompt_id is not None else None
        if audio is not None:
            await self._push_audio(audio, rate)
            await self.push_frame(PromptDoneFrame(text=frame.text, cached=True))
            return
        loop = asyncio.get_running_loop()
        voice = self._voice_getter()
        sentences = synthesize_sentences(voice, frame.text, rate)
        parts: list[bytes] = []
        while True:
            part = await loop.run_in_executor(self._executor, next, sentences, None)
            if part is None:
                break
            parts.append(part)
            await self._push_audio(part, rate)
        if frame.prompt_id is not None:
            self._cache.put(key, b"".join(parts))
        await self.push_frame(PromptDoneFrame(text=frame.text, cached=False))

    async def _push_audio(self, audio: bytes, rate: int) -> None:
        step = int(PUSH_CHUNK_S * rate) * 2
        for i in range(0, len(audio), step):
            await self.push_frame(
                TTSAudioRawFrame(audio=audio[i : i + step], sample_rate=rate, num_channels=1)
            )
