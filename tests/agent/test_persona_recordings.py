"""A persona may carry recorded answers, checked at load like a script's recorded prompts."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.devtools.simulate import PERSONAS_DIR, PersonaError, load_persona
from audio.wav import write_wav
from dialogue.recordings import recording_problem


def test_the_shipped_mandarin_persona_needs_no_voice() -> None:
    persona = load_persona("cs_home_zh")
    replies = [*persona.by_question.values(), persona.fallback]
    assert replies and all(r.audio is not None for r in replies)
    for reply in replies:
        assert reply.audio is not None and reply.audio.is_relative_to(PERSONAS_DIR)
        assert recording_problem(reply.audio) is None, reply.audio
    assert set(persona.recorded()) == {r.text for r in replies}


def _persona(tmp_path: Path, audio: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(f"answers:\n  greeting: {{text: 可以。, audio: '{audio}'}}\n", "utf-8")
    return path


def test_a_missing_recording_names_the_file_and_the_answer(tmp_path: Path) -> None:
    with pytest.raises(PersonaError) as info:
        load_persona(_persona(tmp_path, "zh/greeting.wav"))
    assert "answers.greeting" in str(info.value) and "zh/greeting.wav" in str(info.value)
    assert "file not found" in str(info.value)


def test_recordings_must_be_relative_playable_and_short(tmp_path: Path) -> None:
    with pytest.raises(PersonaError, match="must be relative"):
        load_persona(_persona(tmp_path, str(tmp_path / "a.wav")))
    (tmp_path / "notes.wav").write_text("not audio", "utf-8")
    with pytest.raises(PersonaError, match="not a PCM WAV"):
        load_persona(_persona(tmp_path, "notes.wav"))
    import numpy as np

    write_wav(tmp_path / "long.wav", np.zeros(8000 * 61, np.float32), 8000)
    with pytest.raises(PersonaError, match="61 s long"):
        load_persona(_persona(tmp_path, "long.wav"))
    write_wav(tmp_path / "ok.wav", np.zeros(8000, np.float32), 8000)
    reply = load_persona(_persona(tmp_path, "ok.wav")).by_question["greeting"]
    assert reply.audio == tmp_path / "ok.wav"


def test_simulate_refuses_a_bad_persona_before_any_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from agent.cli import main

    monkeypatch.setenv("SCREENLINE_DATA_DIR", str(tmp_path))
    answers = _persona(tmp_path, "gone.wav")
    assert main(["simulate", "--script", "cs_home_zh", "--answers", str(answers)]) == 1
    err = capsys.readouterr().err
    assert "screenline simulate:" in err and "gone.wav" in err and "file not found" in err
