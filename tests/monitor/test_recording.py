"""Recordings on disk and the pairing of both sides on the call's audio clock."""

from __future__ import annotations

import os
import stat
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from agent.monitor.bus import MonitorBus
from agent.monitor.recording import (
    STALE_PART_S,
    StereoWavWriter,
    call_recording_path,
    part_path,
    sweep,
)
from agent.monitor.tap import CallAudio


def _pcm(value: int, n: int) -> bytes:
    return np.full(n, value, dtype="<i2").tobytes()


def test_stereo_wav_is_valid_private_and_patched_while_written(tmp_path: Path) -> None:
    path = call_recording_path(tmp_path / "recordings", "abc123")
    writer = StereoWavWriter(path, 16000)
    # Written under another name: the recording's own name only ever holds a finished file.
    assert not path.exists()
    assert stat.S_IMODE(os.stat(part_path(path)).st_mode) == 0o600
    left, right = np.full(16000, 1000, "<i2"), np.full(16000, -1000, "<i2")
    for _ in range(4):  # 4 s: the header is patched on the way (a crash leaves a playable file)
        writer.write(left, right)
    with wave.open(str(part_path(path))) as partial:
        assert partial.getnframes() >= 3 * 16000
    writer.close()
    assert not part_path(path).exists() and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getframerate(), wav.getsampwidth()) == (2, 16000, 2)
        assert wav.getnframes() == 4 * 16000
        frames = np.frombuffer(wav.readframes(10), "<i2")
    assert list(frames[:4]) == [1000, -1000, 1000, -1000]  # candidate left, interviewer right
    with pytest.raises(FileExistsError):  # never overwritten
        StereoWavWriter(path, 16000)


@pytest.mark.parametrize("bad", ["../x", "", "a/b", ".hidden", "x" * 101, "a b"])
def test_recording_names_come_only_from_call_ids(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError):
        call_recording_path(tmp_path, bad)


def test_retention_sweep_deletes_only_old_recordings(tmp_path: Path) -> None:
    old, new = tmp_path / "old.wav", tmp_path / "new.wav"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    os.utime(old, (time.time() - 40 * 86400,) * 2)
    assert sweep(tmp_path, 0) == 0  # 0 keeps everything
    assert sweep(tmp_path, 30) == 1
    assert not old.exists() and new.exists()


def test_the_sweep_gives_a_crashed_calls_recording_its_final_name(tmp_path: Path) -> None:
    crashed, live = tmp_path / "crashed.wav", tmp_path / "live.wav"
    part_path(crashed).write_bytes(b"RIFF")
    part_path(live).write_bytes(b"RIFF")
    os.utime(part_path(crashed), (time.time() - STALE_PART_S - 60,) * 2)
    sweep(tmp_path, 0)  # also with retention off
    assert crashed.read_bytes() == b"RIFF" and not part_path(crashed).exists()
    assert part_path(live).exists() and not live.exists()  # still growing: left alone


async def test_both_sides_pair_on_the_callers_clock_and_mix_for_listeners(
    tmp_path: Path,
) -> None:
    bus = MonitorBus()
    writer = StereoWavWriter(tmp_path / "c.wav", 8000)
    audio = CallAudio("c", 8000, 8000, bus, writer)
    audio.interviewer(_pcm(200, 240), 8000)  # 30 ms of prompt queued
    audio.candidate(_pcm(100, 160), 8000)  # 20 ms of caller audio: paired with 20 ms of it
    ear = bus.listen("c")
    audio.candidate(_pcm(100, 160), 8000)  # 10 ms of prompt left, then silence
    mixed = np.frombuffer(await ear.get() or b"", "<i2")
    assert list(mixed[:80]) == [300] * 80 and list(mixed[80:]) == [100] * 80
    audio.interviewer(_pcm(50, 160), 16000 // 2)
    audio.interrupt()  # a barge-in: what was queued is never played
    audio.candidate(_pcm(0, 160), 8000)
    audio.close()
    with wave.open(str(tmp_path / "c.wav")) as wav:
        frames = np.frombuffer(wav.readframes(480), "<i2").reshape(-1, 2)
    assert list(frames[:160, 1]) == [200] * 160
    assert list(frames[160:240, 1]) == [200] * 80 and not frames[240:, 1].any()
    assert not frames[320:, 0].any()


async def test_mic_audio_is_accepted_only_while_taken_over() -> None:
    audio = CallAudio("c", 8000, 8000, MonitorBus())
    audio.mic(_pcm(5, 320))
    assert audio.mic_frames.empty()
    audio.taken_over = True
    for _ in range(10):
        audio.mic(_pcm(5, 320))
    assert audio.mic_frames.qsize() == 10
    out = b"".join(audio.to_out(audio.mic_frames.get_nowait()) for _ in range(10))
    assert 1000 <= len(out) // 2 <= 1600  # 16 kHz mic -> the call's 8 kHz (less the filter delay)
