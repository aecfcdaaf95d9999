"""The default Mandarin voice: Kokoro-82M from its PyPI wheels, verified, intelligible."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from audio.asr import join_text, transcribe_chunk
from audio.pcm import resample
from dialogue.text import normalize_transcript
from models.config import ModelSettings
from models.errors import ModelError
from models.kokoro_voice import (
    DEFAULT_VOICE,
    MAX_TOKENS,
    MODEL_FILE,
    MODEL_SHA256,
    SAMPLE_RATE,
    kokoro_dir,
    split_tokens,
    voice_name,
)
from models.registry import ModelRegistry
from tests.helpers import cer


def test_the_voice_setting_names_a_bundled_voice() -> None:
    assert voice_name("kokoro") == DEFAULT_VOICE
    assert voice_name("kokoro:jm_kumo") == "jm_kumo"
    with pytest.raises(ModelError) as info:
        voice_name("kokoro:nobody")
    assert "jf_tebukuro" in str(info.value)  # the fix lists the voices there are


def test_no_piece_exceeds_the_model_context_and_clauses_stay_whole() -> None:
    vocab = {"a": 1, "b": 2, ",": 3, " ": 4}
    clause = "ab" * 150 + ","  # 301 tokens with its trailing space: two fit in no piece
    pieces = split_tokens(" ".join([clause] * 3), vocab)
    assert len(pieces) == 3
    assert all(len(p.tokens) <= MAX_TOKENS for p in pieces)
    assert [p.tokens[-2:] for p in pieces] == [[3, 4]] * 3
    # One clause longer than the context is cut where it overflows; nothing is lost.
    long = split_tokens("a" * 1200, vocab)
    assert [len(p.tokens) for p in long] == [510, 510, 181]
    # Symbols the model has no token for are dropped, and silence is no piece at all.
    assert split_tokens("a❓b", vocab)[0].tokens == [1, 2, 4]
    assert split_tokens(" ❓ ", vocab) == []


def test_the_installed_wheels_join_to_the_pinned_digest(tmp_path: Path) -> None:
    made = kokoro_dir(tmp_path)
    digest = hashlib.sha256((made / MODEL_FILE).read_bytes()).hexdigest()
    assert digest == MODEL_SHA256
    assert (made / "vocab.json").is_file() and (made / "voices_ja.npz").is_file()
    assert kokoro_dir(tmp_path) == made  # verified once, reused


@pytest.fixture(scope="module")
def registry() -> ModelRegistry:
    return ModelRegistry(ModelSettings())


def test_mandarin_is_voiced_by_default_and_whisper_reads_it_back(registry: ModelRegistry) -> None:
    voice = registry.voice("zh")
    assert registry.voice("zh") is voice and registry.load_counts["tts"] == 1
    text = "请问您以前做过电话客服吗？做了多长时间？如果遇到一位非常生气的顾客，您会怎么处理？"
    pieces = list(voice.speak(text))
    assert len(pieces) == 3  # one per sentence, so playback starts after the first
    assert all(rate == SAMPLE_RATE for _, rate in pieces)
    audio = np.concatenate([a for a, _ in pieces])
    assert 0.05 < float(np.abs(audio).max()) <= 1.5
    heard = join_text(
        transcribe_chunk(registry.asr("zh"), resample(audio, SAMPLE_RATE, 16000), "zh", "", 0.0),
        "zh",
    )
    assert cer(text, normalize_transcript(heard, "zh")) <= 0.20, heard


def test_odd_text_is_skipped_not_fatal(registry: ModelRegistry) -> None:
    voice = registry.voice("zh")
    assert list(voice.speak("……  ❓")) == []
    # Latin letters and digits inside Mandarin are read (digits as Mandarin numbers).
    assert len(list(voice.speak("我们的AI面试大约需要15分钟。"))) == 1


def test_an_unknown_voice_is_refused_before_anything_loads(tmp_path: Path) -> None:
    registry = ModelRegistry(ModelSettings(voices={"zh": "kokoro:nobody"}, cache_dir=tmp_path))
    with pytest.raises(ModelError, match="no voice 'nobody'"):
        registry.voice("zh")
    assert list(tmp_path.iterdir()) == []
