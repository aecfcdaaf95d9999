"""Smart Turn's 8 s window, kept in place: the window is exactly the last samples heard."""

from __future__ import annotations

import numpy as np

from audio.endpoint import AudioRing


def test_the_window_is_the_last_samples_in_order_whatever_the_frame_sizes() -> None:
    rng = np.random.default_rng(7)
    ring = AudioRing(1000)
    heard = np.zeros(1000, np.float32)  # before the stream starts: silence
    for size in [0, 160, 320, 999, 1, 1000, 1500, *rng.integers(0, 700, 200).tolist()]:
        audio = rng.standard_normal(size).astype(np.float32)
        ring.push(audio)
        heard = np.concatenate([heard, audio])
        assert np.array_equal(ring.window(), heard[-1000:])
    window = ring.window()
    ring.push(np.ones(10, np.float32))
    assert np.array_equal(window, heard[-1000:])  # a window is a copy, not a view
