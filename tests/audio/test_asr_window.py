"""The short Whisper encoder window (models.asr_window_s, 15 s by default): its size is a
function of the chunk's length alone, the encoder really gets fewer frames, the words survive,
and 30 keeps Whisper's full window."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from audio.asr import ASR_RATE, join_text, transcribe_chunk
from audio.pcm import resample
from audio.tts import as_engine
from models.config import ModelSettings
from models.registry import ModelRegistry, embedded_whisper_path
from models.whisper_window import FULL_FRAMES, WindowedWhisper, content_frames, window_frames
from tests.helpers import cer

SENTENCE = "I would apologize, listen to the customer, and arrange a replacement right away."


def test_window_is_the_audio_plus_a_margin_rounded_up_and_bounded() -> None:
    assert window_frames(250, 15.0) == 1500  # a 2.5 s pause text: the minimum
    assert window_frames(1400, 15.0) == 1600  # 14 s + 2 s margin
    assert window_frames(1401, 15.0) == 1700  # rounded up to whole seconds
    assert window_frames(2900, 15.0) == FULL_FRAMES  # never more than Whisper's window
    assert window_frames(250, 30.0) == FULL_FRAMES  # 30: always the full window


class _Spy(WindowedWhisper):
    """Records the encoder's output length (half the frames it was given)."""

    positions: list[int]

    def encode(self, features: np.ndarray) -> Any:
        out = super().encode(features)
        self.positions.append(int(out.shape[1]))
        return out


@pytest.fixture(scope="module")
def speech() -> np.ndarray:
    registry = ModelRegistry()
    try:
        pieces = [
            resample(a, r, ASR_RATE) for a, r in as_engine(registry.voice("en")).speak(SENTENCE)
        ]
    finally:
        registry.close()
    return np.concatenate(pieces).astype(np.float32)


def test_a_short_window_encodes_fewer_frames_and_keeps_the_words(speech: np.ndarray) -> None:
    model = _Spy(str(embedded_whisper_path()), device="cpu", compute_type="int8", min_window_s=10)
    model.positions = []
    assert content_frames(model.feature_extractor(speech)[None]) == speech.size // 160 + 1
    short = join_text(transcribe_chunk(model, speech, "en", "", 0.0), "en")
    model.min_window_s = 30.0
    full = join_text(transcribe_chunk(model, speech, "en", "", 0.0), "en")
    assert model.positions == [500, FULL_FRAMES // 2]  # under 8 s of speech: the 10 s minimum
    # Letters, not words: Whisper's int8 kernels differ by CPU, and one machine hears "arrange"
    # as "a Ranger" (two word errors, 3% of the letters). A window that cut the audio short
    # loses whole words: without its last half second ("away") the sentence is 6% off.
    assert cer(SENTENCE, short, "en") <= 0.05, short
    assert cer(SENTENCE, full, "en") <= 0.05, full


def test_the_registry_uses_the_15_s_window_unless_told_30() -> None:
    windowed = ModelRegistry()
    plain = ModelRegistry(ModelSettings(asr_window_s=30))
    try:
        model = windowed.asr("en")
        assert isinstance(model, WindowedWhisper) and model.min_window_s == 15
        assert not isinstance(plain.asr("en"), WindowedWhisper)
    finally:
        plain.close()
        windowed.close()


def test_mandarin_keeps_the_full_window_unless_told_otherwise() -> None:
    """Per-language windows (``models.asr_windows``): Mandarin's base model stays at 30 s."""
    assert ModelSettings().window_s("zh") == 30.0 and ModelSettings().window_s("en") == 15.0
    assert ModelSettings(asr_windows={}).window_s("zh") == 15.0
    assert ModelSettings(asr_windows={"zh": 20}).window_s("zh") == 20.0
    with pytest.raises(ValueError, match="less than or equal to 30"):
        ModelSettings(asr_windows={"zh": 45})
