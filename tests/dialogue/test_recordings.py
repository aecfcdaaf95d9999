"""Recorded prompts in scripts: lint finds every unusable recording, at its line."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import numpy as np
import yaml

from dialogue.lint import lint_script
from dialogue.prompts import prompt_keys
from dialogue.script import Issue, load_script
from tests.conftest import FIXTURES

SHORT_ZH = FIXTURES / "scripts" / "short_zh.yaml"


def _copy(tmp_path: Path, recordings: dict[str, str]) -> Path:
    data = yaml.safe_load(SHORT_ZH.read_text(encoding="utf-8"))
    data["recordings"] = recordings
    path = tmp_path / "scripts" / "zh.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _wav(path: Path, *, channels: int = 1, rate: int = 8000, seconds: float = 0.5) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.zeros(int(rate * seconds) * channels, "<i2").tobytes())
    return path


def _lint(path: Path) -> list[Issue]:
    """Lint issues other than the question-share warning every three-question script gets."""
    return [i for i in lint_script(path) if "of the total" not in i.message]


def test_the_test_script_and_its_recordings_lint_clean() -> None:
    assert _lint(SHORT_ZH) == []
    script = load_script(SHORT_ZH)
    fixed, varying = prompt_keys(script)
    assert set(script.recordings) <= fixed
    assert "closing" in varying  # it greets the candidate by name: TTS says it


def test_usable_recordings_any_rate_mono_or_stereo(tmp_path: Path) -> None:
    _wav(tmp_path / "audio" / "a.wav", rate=44100, channels=2)
    _wav(tmp_path / "audio" / "b.wav", rate=8000)
    path = _copy(tmp_path, {"greeting:consent": "../audio/a.wav", "q:start": "../audio/b.wav"})
    assert _lint(path) == []


def test_every_unusable_recording_is_an_error_at_its_line(tmp_path: Path) -> None:
    audio = tmp_path / "audio"
    _wav(audio / "quad.wav", channels=4)
    _wav(audio / "long.wav", seconds=61)
    audio.joinpath("text.wav").write_text("not audio", encoding="utf-8")
    path = _copy(
        tmp_path,
        {
            "greeting:consent": "../audio/missing.wav",
            "q:experience": "../audio/text.wav",
            "q:quiet_space": "../audio/quad.wav",
            "q:start": "../audio/long.wav",
            "q:nonexistent": "../audio/quad.wav",
            "greeting:intro": str((audio / "quad.wav").resolve()),
            "closing": "../audio/quad.wav",
        },
    )
    lines = {i.line for i in _lint(path)}
    messages = " | ".join(i.message for i in lint_script(path))
    assert "missing.wav' for 'greeting:consent': file not found" in messages
    assert "text.wav' for 'q:experience': not a PCM WAV file" in messages
    assert "quad.wav' for 'q:quiet_space': 4 channels (mono or stereo only)" in messages
    assert "long.wav' for 'q:start': 61 s long (at most 60 s)" in messages
    assert "no prompt 'q:nonexistent' in this script" in messages
    assert "must be relative to the script file" in messages
    assert "prompt 'closing' varies per call" in messages
    assert None not in lines and len(lines) == 7  # each at its own line
    errors = [i for i in lint_script(path) if i.severity == "error"]
    assert len(errors) == 6


def test_recordings_resolve_beside_the_script_wherever_it_is_copied(tmp_path: Path) -> None:
    # Same relative layout elsewhere: still clean, so paths are the script file's, not the cwd's.
    shutil.copytree(FIXTURES / "zh", tmp_path / "zh")
    (tmp_path / "scripts").mkdir()
    shutil.copy(SHORT_ZH, tmp_path / "scripts" / "short_zh.yaml")
    assert _lint(tmp_path / "scripts" / "short_zh.yaml") == []
    (tmp_path / "zh" / "prompt_start.wav").unlink()
    assert [i.message for i in _lint(tmp_path / "scripts" / "short_zh.yaml")] == [
        "recording '../zh/prompt_start.wav' for 'q:start': file not found"
    ]
