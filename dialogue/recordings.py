"""Recorded prompts: a script may give an audio file per fixed prompt (a voice talent's take).

``recordings:`` in a script maps a prompt key (the part of a prompt id after ``<script id>:``,
e.g. ``greeting:consent``, ``q:experience``, ``closing``) to a WAV file, its path relative to the
script file. The interviewer plays the file instead of synthesizing that prompt; TTS says only
what varies per call. This module is the format's definition: which keys exist, where a file is,
and what makes a file usable. Decoding the audio is ``audio/``'s job.
"""

from __future__ import annotations

import wave
from pathlib import Path

#: Longest recording accepted (a prompt is a sentence or two; this bounds memory per prompt).
MAX_RECORDING_S = 60.0
MAX_CHANNELS = 2


def recording_path(script_file: Path | None, relative: str) -> Path:
    """Where a recording named in a script lives: relative to the script's own directory."""
    base = script_file.parent if script_file is not None else Path.cwd()
    return base / relative


def recording_problem(path: Path) -> str | None:
    """Why ``path`` cannot be played as a prompt, or None when it can.

    Usable: a WAV of integer PCM (8/16/24/32-bit), mono or stereo, any sample rate (resampled to
    the call's rate), not empty, at most :data:`MAX_RECORDING_S` long."""
    if not path.is_file():
        return "file not found"
    try:
        with wave.open(str(path), "rb") as w:
            channels, rate, frames = w.getnchannels(), w.getframerate(), w.getnframes()
            width = w.getsampwidth()
    except (OSError, wave.Error, EOFError) as exc:
        return f"not a PCM WAV file ({exc})"
    if channels > MAX_CHANNELS:
        return f"{channels} channels (mono or stereo only)"
    if width not in (1, 2, 3, 4):
        return f"unsupported sample width {width} bytes"
    if frames == 0 or rate <= 0:
        return "no audio in it"
    if frames / rate > MAX_RECORDING_S:
        return f"{frames / rate:.0f} s long (at most {MAX_RECORDING_S:.0f} s)"
    return None
