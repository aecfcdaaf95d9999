"""Settings come from defaults, a file named by SCREENLINE_CONFIG, and the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.settings import load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCREENLINE_CONFIG", raising=False)
    settings = load_settings()
    assert settings.port == 8080
    # Both shipped languages work offline: Mandarin on Whisper base from its two wheels.
    assert settings.models.asr == {"en": "embedded", "zh": "embedded:base"}
    assert settings.resolved_reports_dir == Path("var/reports")


def test_file_then_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "screenline.yaml"
    config.write_text("port: 9000\nmodels:\n  asr_threads: 1\naudio:\n  unfinished_hold_s: 3.5\n")
    monkeypatch.setenv("SCREENLINE_CONFIG", str(config))
    monkeypatch.setenv("SCREENLINE_PORT", "9100")
    monkeypatch.setenv("SCREENLINE_MODELS__ASR", '{"en": "embedded", "zh": "/m/whisper-small"}')
    settings = load_settings()
    assert settings.port == 9100  # env beats file
    assert settings.models.asr_threads == 1  # from the file
    assert settings.audio.unfinished_hold_s == 3.5
    assert settings.models.asr["zh"] == "/m/whisper-small"


def test_bad_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCREENLINE_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(ValueError, match="not a file"):
        load_settings()
    config = tmp_path / "s.yaml"
    config.write_text("pott: 1\n")
    monkeypatch.setenv("SCREENLINE_CONFIG", str(config))
    with pytest.raises(ValueError, match="pott"):
        load_settings()
