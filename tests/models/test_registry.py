"""The model registry: one load per model, clear errors for missing models and languages."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from models.config import ModelSettings
from models.errors import LanguageNotConfigured, ModelError
from models.registry import ModelRegistry


def test_each_model_loads_once_even_when_asked_concurrently() -> None:
    registry = ModelRegistry()
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(registry.asr("en"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(m) for m in got}) == 1
    assert registry.voice("en") is registry.voice("en")
    assert registry.vad_session() is registry.vad_session()
    assert registry.load_counts == {"asr": 1, "tts": 1, "vad": 1}
    registry.close()


def test_missing_whisper_directory_names_model_path_and_fix(tmp_path: Path) -> None:
    registry = ModelRegistry(ModelSettings(asr={"en": str(tmp_path / "nowhere")}))
    with pytest.raises(ModelError) as info:
        registry.asr("en")
    message = str(info.value)
    assert "ASR (en)" in message and str(tmp_path / "nowhere") in message
    assert "SCREENLINE_MODELS__ASR" in message


def test_directory_without_model_bin_is_rejected(tmp_path: Path) -> None:
    registry = ModelRegistry(ModelSettings(asr={"en": str(tmp_path)}))
    with pytest.raises(ModelError, match=r"model\.bin missing"):
        registry.asr("en")


def test_missing_piper_voice_names_the_file(tmp_path: Path) -> None:
    registry = ModelRegistry(ModelSettings(voices={"en": str(tmp_path / "v.onnx")}))
    with pytest.raises(ModelError) as info:
        registry.voice("en")
    assert "v.onnx" in str(info.value) and "SCREENLINE_MODELS__VOICES" in str(info.value)


def test_corrupt_voice_file_is_a_model_error(tmp_path: Path) -> None:
    model = tmp_path / "bad.onnx"
    model.write_bytes(b"not onnx")
    (tmp_path / "bad.onnx.json").write_text('{"audio": {"sample_rate": 22050}}')
    with pytest.raises(ModelError):
        ModelRegistry(ModelSettings(voices={"en": str(model)})).voice("en")


def test_language_without_models_names_the_setting() -> None:
    registry = ModelRegistry(ModelSettings(asr={"en": "embedded"}))
    with pytest.raises(LanguageNotConfigured) as info:
        registry.check_language("zh")
    assert "SCREENLINE_MODELS__ASR (key 'zh')" in str(info.value)


def test_embedder_loads_once_and_returns_normalised_rows() -> None:
    import numpy as np

    registry = ModelRegistry()
    got: list[object] = []
    threads = [threading.Thread(target=lambda: got.append(registry.embedder())) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(m) for m in got}) == 1 and registry.load_counts == {"embed": 1}
    embed = registry.embedder()
    rows = embed(["I would apologise and send a new sofa.", "我会道歉并补发新沙发。", ""])
    assert rows.shape == (3, 384) and np.allclose(np.linalg.norm(rows, axis=1), 1, atol=1e-5)
    # Meaning crosses languages: the translation is nearer than an unrelated sentence.
    other = embed(["The weather in the mountains was cold."])[0]
    assert float(rows[0] @ rows[1]) > float(rows[0] @ other)
    assert embed([]).shape == (0, 384)
    registry.close()
