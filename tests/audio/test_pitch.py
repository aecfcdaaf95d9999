"""F0 tracker accuracy on signals with a known fundamental, wideband and through the phone path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from audio.pitch import as_float_audio, frame_rms_db, track_pitch

Tone = Callable[..., npt.NDArray[np.float64]]
Phone = Callable[[npt.NDArray[np.float64], int], npt.NDArray[np.int16]]


def _semitone_spread(f0: npt.NDArray[np.float64]) -> float:
    voiced = f0[~np.isnan(f0)]
    return float(np.std(12 * np.log2(voiced / np.median(voiced))))


def _sine(freq: float, duration_s: float, sample_rate: int) -> npt.NDArray[np.float64]:
    return 0.3 * np.sin(2 * np.pi * freq * np.arange(round(duration_s * sample_rate)) / sample_rate)


@pytest.mark.parametrize("f0", [200.0, 120.0])
@pytest.mark.parametrize("signal", ["sine", "pulse_train"])
@pytest.mark.parametrize("path", ["16k", "8k_mulaw"])
def test_known_f0(f0: float, signal: str, path: str, tone: Tone, to_phone: Phone) -> None:
    sr = 16000
    x = _sine(f0, 1.5, sr) if signal == "sine" else tone(f0, 1.5, sr)
    pcm: npt.ArrayLike = x
    if path == "8k_mulaw":
        pcm, sr = to_phone(x, sr), 8000
    track = track_pitch(pcm, sr)
    median = float(np.nanmedian(track.f0))
    assert median == pytest.approx(f0, abs=5.0)
    # Far tighter than the 5 Hz requirement: sub-sample interpolation keeps every frame close.
    assert np.nanmax(np.abs(track.f0 - f0)) < 0.02 * f0
    assert track.voiced.mean() > 0.95  # only frames hanging over the ends may be unvoiced


def test_missing_fundamental_telephone_band(tone: Tone, to_phone: Phone) -> None:
    """A 120 Hz voice through a 300-3400 Hz channel has no energy at 120 Hz; YIN still finds it."""
    x = tone(120.0, 1.5, 16000, band=(300.0, 3400.0))
    track = track_pitch(to_phone(x, 16000), 8000)
    assert float(np.nanmedian(track.f0)) == pytest.approx(120.0, abs=2.0)


def test_glide_has_more_variability_than_steady_tone(tone: Tone) -> None:
    sr = 16000
    # +-4 semitones around 200 Hz at 0.5 Hz: the std of a sinusoid is amplitude / sqrt(2).
    glide = tone(lambda t: 200.0 * 2 ** (4 / 12 * np.sin(2 * np.pi * 0.5 * t)), 4.0, sr)
    steady = tone(200.0, 4.0, sr)
    glide_st = _semitone_spread(track_pitch(glide, sr).f0)
    steady_st = _semitone_spread(track_pitch(steady, sr).f0)
    assert steady_st < 0.05
    assert glide_st == pytest.approx(4 / np.sqrt(2), abs=0.15)
    assert glide_st > steady_st + 2.0


def test_noise_and_silence_are_unvoiced() -> None:
    sr = 16000
    noise = 0.1 * np.random.default_rng(1).standard_normal(sr)
    assert track_pitch(noise, sr).voiced.mean() < 0.02
    assert not track_pitch(np.zeros(sr, dtype=np.int16), sr).voiced.any()


def test_grid_and_edge_cases() -> None:
    track = track_pitch(np.zeros(16005), 16000)
    assert len(track.times) == len(track.f0) == len(track.aperiodicity) == 16005 // 160 + 1
    np.testing.assert_allclose(track.times[:3], [0.0, 0.01, 0.02])
    assert track.hop_s == pytest.approx(0.01)
    empty = track_pitch(np.zeros(0), 8000)
    assert len(empty.f0) == 0
    with pytest.raises(ValueError):
        track_pitch(np.zeros(100), 8000, fmax=4000.0)


def test_int16_and_float_inputs_agree(tone: Tone) -> None:
    x = tone(150.0, 0.5, 16000)
    pcm16 = np.round(x * 32767).astype(np.int16)
    a = track_pitch(x, 16000).f0
    b = track_pitch(pcm16, 16000).f0
    np.testing.assert_allclose(a, b, rtol=1e-3)
    assert as_float_audio(pcm16).dtype == np.float64
    with pytest.raises(ValueError):
        as_float_audio(np.zeros(10, dtype=np.int32))


def test_frame_rms_db_of_a_sine() -> None:
    sr = 8000
    level = frame_rms_db(_sine(440.0, 1.0, sr), sr)
    # 0.3 amplitude sine: RMS 0.3/sqrt(2) = -13.47 dBFS (away from the zero-padded edges).
    np.testing.assert_allclose(level[5:-5], 20 * np.log10(0.3 / np.sqrt(2)), atol=0.1)
    assert frame_rms_db(np.zeros(800), sr).min() == pytest.approx(-100.0)


def test_real_speech_survives_the_phone_path(
    piper_wavs: dict[str, Path], load_wav: Callable[[Path], Any], to_phone: Phone
) -> None:
    """No ground truth for synthetic speech, but wideband and 8 kHz mu-law tracks must agree."""
    pcm, sr = load_wav(piper_wavs["slow"])
    wide = track_pitch(pcm, sr)
    narrow = track_pitch(to_phone(as_float_audio(pcm), sr), 8000)
    n = min(len(wide.f0), len(narrow.f0))
    both = wide.voiced[:n] & narrow.voiced[:n]
    assert both.sum() > 100
    assert 70 < np.nanmedian(wide.f0) < 180  # an adult male voice
    err_st = np.abs(12 * np.log2(wide.f0[:n][both] / narrow.f0[:n][both]))
    assert np.median(err_st) < 0.1
    assert (err_st > 1.0).mean() < 0.02  # no octave flips between the two paths
    assert np.abs(np.log2(np.nanmedian(wide.f0) / np.nanmedian(narrow.f0))) * 12 < 0.2
