"""Whisper with a shorter encoder window for short audio (``models.asr_window_s``, 15 s by
default; 30 turns it off).

faster-whisper pads every chunk's log-mel features to Whisper's 30 s window (3000 frames), and on
CPU the encoder's cost grows faster than linearly with the window: for tiny.en, int8, one thread,
3000 frames cost about 0.37 CPU-s, 1500 frames 0.10 s, 1000 frames 0.05 s. Most chunks and pause
texts are 1-8 s, so most of each decode is spent encoding padding.

:class:`WindowedWhisper` cuts the padded features before they reach the encoder: to the audio
plus a fixed margin, rounded up to whole seconds, and never under ``min_window_s``. The window is
a function of the chunk's length alone, so the same audio always gets the same window and text,
at any load. It is not free: Whisper was trained on full windows, and with too little padding
after the words it repeats them ("Added, added, added"); ``bench/asr_window.py`` measures text,
WER and CPU-seconds against the full window.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from faster_whisper import WhisperModel

#: Whisper's own window, in log-mel frames (10 ms each).
FULL_FRAMES = 3000
#: Padding kept after the last frame of audio, and the step windows are rounded up to.
MARGIN_FRAMES = 200
STEP_FRAMES = 100


def window_frames(content_frames: int, min_window_s: float) -> int:
    """Encoder frames for a chunk of ``content_frames`` frames (pure: audio length only)."""
    wanted = -(-(content_frames + MARGIN_FRAMES) // STEP_FRAMES) * STEP_FRAMES
    return min(FULL_FRAMES, max(int(min_window_s * 100), wanted))


def content_frames(features: np.ndarray) -> int:
    """Frames before faster-whisper's zero padding (its normalised log-mel of real audio, even
    of digital silence, is never an all-zero column)."""
    used = np.flatnonzero(np.any(features[0] != 0, axis=0))
    return int(used[-1]) + 1 if used.size else 0


class WindowedWhisper(WhisperModel):
    """A ``WhisperModel`` whose encoder sees at most the audio plus a margin (see module doc)."""

    def __init__(self, *args: Any, min_window_s: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.min_window_s = min_window_s

    def encode(self, features: np.ndarray) -> Any:
        """Encode ``features`` (padded to 3000 frames by faster-whisper) cut to the window."""
        batch = features if features.ndim == 3 else features[None]
        frames = window_frames(content_frames(batch), self.min_window_s)
        if frames < batch.shape[-1]:
            batch = np.ascontiguousarray(batch[..., :frames])
        return super().encode(batch)
