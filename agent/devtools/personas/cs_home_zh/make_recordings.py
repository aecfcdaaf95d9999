"""Regenerate the recorded answers of ``../cs_home_zh.yaml`` (run once, by hand).

    .venv/bin/python agent/devtools/personas/cs_home_zh/make_recordings.py

Speaks each answer's text with the bundled Kokoro voice ``jf_gongitsune`` (since made the
interviewer's default too; Whisper base read these ten answers back at 19.9 % mean CER,
the male ``jm_kumo`` at 22.2 %, digits against Chinese numerals counting as errors) and writes
16 kHz 16-bit mono WAV files where the persona's ``audio:`` fields point.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[3]))

from audio.pcm import resample  # noqa: E402
from audio.tts import as_engine  # noqa: E402
from audio.wav import write_wav  # noqa: E402
from models.config import ModelSettings  # noqa: E402
from models.registry import ModelRegistry  # noqa: E402

RATE = 16000


def main() -> None:
    registry = ModelRegistry(ModelSettings(voices={"zh": "kokoro:jf_gongitsune"}, tts_threads=2))
    voice = as_engine(registry.voice("zh"))
    persona = yaml.safe_load((HERE.parent / "cs_home_zh.yaml").read_text("utf-8"))
    for reply in [*persona["answers"].values(), persona["fallback"]]:
        pieces = [resample(audio, rate, RATE) for audio, rate in voice.speak(reply["text"])]
        write_wav(HERE.parent / reply["audio"], np.concatenate(pieces) * 0.9, RATE)


if __name__ == "__main__":
    main()
