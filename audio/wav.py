"""Reading PCM WAV files (recorded prompts, recorded answers, ``screenline mic --input``)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


class WavError(ValueError):
    """A file is not a readable PCM WAV; the message names the file and the problem."""


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A PCM wav file (8/16/24/32-bit integer, any channel count) as mono float32 and its rate."""
    try:
        with wave.open(str(path), "rb") as w:
            width, channels, rate = w.getsampwidth(), w.getnchannels(), w.getframerate()
            raw = w.readframes(w.getnframes())
    except (OSError, wave.Error, EOFError) as exc:
        raise WavError(f"cannot read {path}: {exc}") from exc
    if width == 1:  # 8-bit wav is unsigned
        audio = (np.frombuffer(raw, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 3:
        b = np.frombuffer(raw, np.uint8).reshape(-1, 3).astype(np.int32)
        ints = (b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8  # sign-extend 24 bits
        audio = ints.astype(np.float32) / 2**23
    elif width in (2, 4):
        dtype = "<i2" if width == 2 else "<i4"
        audio = np.frombuffer(raw, dtype).astype(np.float32) / float(2 ** (8 * width - 1))
    else:
        raise WavError(f"{path}: unsupported sample width {width} bytes")
    if channels > 1:
        audio = audio.reshape(-1, channels).mean(axis=1)
    return audio.astype(np.float32), rate


def write_wav(path: Path, audio: np.ndarray, rate: int) -> None:
    """Write mono float audio as 16-bit PCM wav."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
