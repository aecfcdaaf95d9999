"""PCM helpers shared by every stage: int16 bytes <-> float arrays, resampling, levels."""

from __future__ import annotations

import numpy as np
import soxr


def pcm16_to_float(pcm: bytes) -> np.ndarray:
    """Little-endian signed 16-bit PCM bytes -> float32 in [-1, 1)."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def float_to_pcm16(audio: np.ndarray) -> bytes:
    """Float audio in [-1, 1] -> little-endian signed 16-bit PCM bytes (clipped)."""
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def resample(audio: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample a whole float32 signal (high quality, no state)."""
    if from_rate == to_rate:
        return audio.astype(np.float32, copy=False)
    return np.asarray(soxr.resample(audio, from_rate, to_rate, quality="HQ"), dtype=np.float32)


class StreamResampler:
    """Stateful resampler for a live stream of chunks (no clicks at chunk joins)."""

    def __init__(self, from_rate: int, to_rate: int) -> None:
        self.from_rate = from_rate
        self.to_rate = to_rate
        self._stream = (
            None if from_rate == to_rate else soxr.ResampleStream(from_rate, to_rate, 1, "float32")
        )

    def process(self, audio: np.ndarray) -> np.ndarray:
        """Resample the next chunk."""
        if self._stream is None:
            return audio.astype(np.float32, copy=False)
        return np.asarray(self._stream.resample_chunk(audio.astype(np.float32)), np.float32)


def rms_dbfs(audio: np.ndarray) -> float:
    """Root-mean-square level in dBFS (-120 for digital silence)."""
    if audio.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    return 20.0 * float(np.log10(max(rms, 1e-6)))
