"""Whisper's encoder window, measured: text, WER and CPU-seconds of short encoder windows against
Whisper's full 30 s window, on human speech and on the embedded Piper voice.

Every chunk and pause text is decoded through ``audio.asr.transcribe_chunk`` on the embedded
tiny.en model with ``models.whisper_window.WindowedWhisper`` at each ``--windows`` minimum (30 is
the full window; the server's default is 15). Clips: the top-level Asterisk prompts whose
names begin with a-m (a human voice at 8 kHz, Debian ``asterisk-core-sounds-en-wav``,
transcripts in ``asterisk-core-sounds-en``; read where Debian installs them, skipped when
absent) and the Piper sentences of ``bench/asr_batching.py``. Per window it prints one JSON
object: corpus WER, CPU seconds per clip (process time, one CTranslate2 thread) and their ratio
to the full window, how many texts are identical to the full window's, how many of the
end-of-answer readings (``dialogue.endpointing.sounds_finished``, which decides whether a pause
ends an answer) differ, and the first differing texts.

    .venv/bin/python bench/asr_window.py [--windows 30,20,15,10] [--every 1]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audio.asr import ASR_RATE, join_text, transcribe_chunk  # noqa: E402
from audio.pcm import resample  # noqa: E402
from audio.tts import as_engine  # noqa: E402
from audio.wav import read_wav  # noqa: E402
from bench.asr_batching import SENTENCES  # noqa: E402
from dialogue.endpointing import sounds_finished  # noqa: E402
from tests.helpers import normalize, wer  # noqa: E402

SOUNDS = Path("/usr/share/asterisk/sounds/en")
TRANSCRIPTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")


def human_clips() -> list[tuple[str, str, np.ndarray]]:
    """(name, transcript, 16 kHz audio) of the a-m top-level Asterisk prompts with words."""
    if not TRANSCRIPTS.is_file():
        return []
    with gzip.open(TRANSCRIPTS, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    clips = []
    for line in lines:
        name, sep, text = line.partition(": ")
        path = SOUNDS / f"{name}.wav"
        # "[ascending tones]" and the like are not words.
        if sep and re.fullmatch(r"[a-m][\w-]*", name) and "[" not in text and path.is_file():
            audio, rate = read_wav(path)
            clips.append((name, text, resample(audio, rate, ASR_RATE).astype(np.float32)))
    return clips


def piper_clips(voice: object) -> list[tuple[str, str, np.ndarray]]:
    """The batching bench's sentences in the embedded Piper voice, at 16 kHz."""
    clips = []
    for i, text in enumerate(SENTENCES):
        pieces = [resample(a, r, ASR_RATE) for a, r in as_engine(voice).speak(text)]
        clips.append((f"piper-{i}", text, np.concatenate(pieces).astype(np.float32)))
    return clips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--windows", default="30,20,15,10", help="minimum windows, seconds")
    parser.add_argument("--every", type=int, default=1, help="use every k-th clip")
    args = parser.parse_args()
    from models.registry import ModelRegistry, embedded_whisper_path
    from models.whisper_window import WindowedWhisper

    registry = ModelRegistry()
    clips = (human_clips() + piper_clips(registry.voice("en")))[:: args.every]
    registry.close()
    model = WindowedWhisper(
        str(embedded_whisper_path()), device="cpu", compute_type="int8", cpu_threads=1,
        min_window_s=30.0,
    )  # fmt: skip
    words = sum(len(normalize(ref)) for _n, ref, _a in clips)
    print(
        json.dumps(
            {
                "clips": len(clips),
                "human": sum(not n.startswith("piper") for n, _r, _a in clips),
                "audio_s": round(sum(a.size for _n, _r, a in clips) / ASR_RATE, 1),
                "words": words,
            }
        ),
        flush=True,
    )
    full: list[str] = []
    full_cpu = 0.0
    for window in (float(w) for w in args.windows.split(",")):
        model.min_window_s = window
        transcribe_chunk(model, clips[0][2], "en", "", 0.0)  # warm-up
        cpu0 = time.process_time()
        texts = [join_text(transcribe_chunk(model, a, "en", "", 0.0), "en") for _n, _r, a in clips]
        cpu = (time.process_time() - cpu0) / len(clips)
        refs = [ref for _n, ref, _a in clips]
        errors = sum(wer(r, t) * len(normalize(r)) for r, t in zip(refs, texts, strict=True))
        if not full:
            full, full_cpu = texts, cpu
        pairs = list(zip(clips, full, texts, strict=True))
        print(
            json.dumps(
                {
                    "min_window_s": window,
                    "wer_pct": round(100 * errors / words, 2),
                    "cpu_s_per_clip": round(cpu, 3),
                    "cpu_ratio_to_first": round(cpu / full_cpu, 3),
                    "same_text_as_first": sum(a == b for _c, a, b in pairs),
                    "end_reading_differs": sum(
                        sounds_finished(a, "en") != sounds_finished(b, "en") for _c, a, b in pairs
                    ),
                    "differing": [[c[0], a, b] for c, a, b in pairs if a != b][:12],
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
