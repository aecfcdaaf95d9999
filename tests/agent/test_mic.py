"""``screenline mic``: device errors, WAV stand-ins, and a whole interview from a WAV file."""

from __future__ import annotations

import asyncio
import io
import os
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agent.cli import main
from agent.devtools.mic import (
    MicError,
    MicOptions,
    TerminalView,
    WavSink,
    default_device,
    load_sounddevice,
    preflight,
    read_wav,
    split_answers,
    write_wav,
)

ROOT = Path(__file__).resolve().parents[2]
SCREENLINE = Path(sys.executable).with_name("screenline")


def _fake_sounddevice(query: Any) -> types.ModuleType:
    module = types.ModuleType("sounddevice")
    module.query_devices = query  # type: ignore[attr-defined]
    return module


def _no_device(kind: str | None = None) -> Any:
    raise RuntimeError("Error querying device -1")


# -- devices ------------------------------------------------------------------------------


def test_missing_portaudio_is_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # import fails, as without PortAudio
    with pytest.raises(MicError, match="libportaudio2"):
        load_sounddevice()


def test_no_default_device(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(MicError, match="no microphone"):
        default_device(_fake_sounddevice(_no_device), "input")
    # A device list with no input channels (e.g. only an HDMI output) is no microphone either.
    outputs_only = _fake_sounddevice(
        lambda kind=None: {"name": "hdmi", "max_input_channels": 0, "max_output_channels": 2}
    )
    with pytest.raises(MicError, match="no microphone"):
        default_device(outputs_only, "input")
    assert default_device(outputs_only, "output")["name"] == "hdmi"


def test_cli_without_devices_exits_with_a_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "sounddevice", _fake_sounddevice(_no_device))
    assert main(["mic"]) == 1
    err = capsys.readouterr().err
    assert "screenline mic: no microphone" in err
    assert "--input FILE.wav" in err
    assert "Traceback" not in err
    # Files instead of devices need no sounddevice at all.
    wav = tmp_path / "in.wav"
    write_wav(wav, np.zeros(1600, np.float32), 16000)
    assert preflight(MicOptions(input_wav=wav, output_wav=tmp_path / "out.wav")) is None
    with pytest.raises(MicError, match="does not exist"):
        preflight(MicOptions(input_wav=tmp_path / "missing.wav"))


# -- files --------------------------------------------------------------------------------


def _tone(seconds: float, rate: int, freq: float = 220.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_split_answers_at_long_pauses_only() -> None:
    rate = 16000
    quiet = np.zeros(int(2.0 * rate), np.float32)
    thinking = np.zeros(int(0.6 * rate), np.float32)
    audio = np.concatenate(
        [quiet, _tone(1.0, rate), thinking, _tone(0.5, rate), quiet, _tone(0.8, rate), quiet]
    )
    answers = split_answers(audio, rate, gap_s=1.5)
    assert len(answers) == 2
    # The first answer keeps its thinking pause: 1.0 + 0.6 + 0.5 s plus 0.1 s margins.
    assert abs(answers[0].size / rate - 2.3) < 0.05
    assert abs(answers[1].size / rate - 1.0) < 0.05
    assert split_answers(np.zeros(rate, np.float32), rate) == []


def test_read_wav_stereo_and_other_rates(tmp_path: Path) -> None:
    import wave

    rate = 44100
    left = _tone(0.5, rate)
    stereo = np.stack([left, left], axis=1)
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((stereo * 32767).astype("<i2").tobytes())
    audio, got_rate = read_wav(path)
    assert got_rate == rate
    assert audio.shape == (left.size,)
    assert np.allclose(audio, left, atol=1e-3)
    (tmp_path / "junk.wav").write_bytes(b"not a wav")
    with pytest.raises(MicError, match="cannot read"):
        read_wav(tmp_path / "junk.wav")


def test_wav_sink_keeps_the_silence_between_prompts(tmp_path: Path) -> None:
    now = [0.0]
    sink = WavSink(tmp_path / "out.wav", clock=lambda: now[0])
    chunk = (np.full(1600, 0.5) * 32767).astype("<i2").tobytes()  # 0.1 s
    sink.write(chunk)
    now[0] = 0.12  # jitter: appended directly
    sink.write(chunk)
    now[0] = 2.0  # the next prompt, after a pause
    sink.write(chunk)
    sink.close()
    audio, rate = read_wav(tmp_path / "out.wav")
    assert rate == 16000
    assert abs(audio.size / rate - 2.1) < 0.01
    assert np.abs(audio[int(0.3 * rate) : int(1.9 * rate)]).max() == 0.0


def test_terminal_view_lines() -> None:
    out = io.StringIO()
    view = TerminalView(out)
    view.show({"type": "bot_said", "text": "Hello."})
    view.show({"type": "listening", "question_id": None, "state": "greeting"})
    view.show({"type": "transcript", "text": "yes", "final": False})  # not a tty: not shown
    view.show({"type": "transcript", "text": "Yes.", "final": True})
    assert out.getvalue().splitlines() == [
        "INTERVIEWER: Hello.",
        "   [listening: question -, state greeting]",
        "CANDIDATE:   Yes.",
    ]


# -- a whole interview --------------------------------------------------------------------


def _voiced_seconds(audio: np.ndarray, rate: int) -> float:
    n = int(0.02 * rate)
    frames = audio[: audio.size // n * n].reshape(-1, n)
    return float((np.sqrt(np.mean(frames**2, axis=1)) > 0.01).sum() * 0.02)


def _speak(voice: Any, text: str) -> tuple[np.ndarray, int]:
    chunks = list(voice.synthesize(text))
    audio = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
    return audio, chunks[0].sample_rate


@pytest.mark.slow
@pytest.mark.asyncio(loop_scope="session")
async def test_mic_interview_from_wav_files(
    server_url: str, settings: Any, runtime: Any, persona: Any, candidate_voice: Any, tmp_path: Path
) -> None:
    """``screenline mic --input a.wav --output b.wav`` takes the whole short interview: the
    input is one recording with the four answers separated by pauses, at Piper's 22.05 kHz."""
    pieces: list[np.ndarray] = []
    rate = 22050
    for key in ["greeting", "experience", "angry", "start"]:
        audio, rate = _speak(candidate_voice, persona.by_question[key].text)
        pieces += [np.zeros(int(2.5 * rate), np.float32), audio]
    a_wav, b_wav = tmp_path / "a.wav", tmp_path / "b.wav"
    write_wav(a_wav, np.concatenate([*pieces, np.zeros(rate, np.float32)]), rate)

    env = {**os.environ, "SCREENLINE_DATA_DIR": str(settings.data_dir)}
    proc = await asyncio.create_subprocess_exec(
        str(SCREENLINE), "mic", "--server", server_url, "--input", str(a_wav),
        "--output", str(b_wav), "--candidate", "mic-wav",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 300)
    out = stdout.decode()
    assert proc.returncode == 0, (out, stderr.decode()[-3000:])
    report_path = Path(out.strip().splitlines()[-1])
    assert report_path.is_file(), out
    report = runtime.reports.load(report_path.stem)
    assert report["complete"] is True
    assert report["outcome"] == "completed", out
    assert report["transport"] == "ws"
    assert report["candidate_id"] == "mic-wav"
    heard = [t["text"] for t in report["turns"] if t["speaker"] == "candidate"]
    assert len(heard) == 4
    assert "call centre" in heard[1].lower() or "call center" in heard[1].lower()
    assert "[listening: question experience" in out

    # b.wav holds the interviewer: as much voiced audio as the prompts it said take.
    said = [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("INTERVIEWER")]
    assert len(said) >= 4
    expected = 0.0
    for text in said:
        audio, voice_rate = _speak(candidate_voice, text)
        expected += _voiced_seconds(audio, voice_rate)
    recorded, b_rate = read_wav(b_wav)
    assert b_rate == 16000
    got = _voiced_seconds(recorded, b_rate)
    assert 0.85 * expected <= got <= 1.15 * expected, (got, expected)
    # Silences between prompts are kept: the recording is longer than the speech in it.
    assert recorded.size / b_rate > got + 2.0
