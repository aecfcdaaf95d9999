"""Cross-call Whisper batching, measured: is decoding K answer chunks in one CTranslate2 batch
cheaper than K separate calls, and is each chunk's text the same either way?

Issue 11 asks for cross-call batching of Whisper work; a call's transcript must not depend on
which other calls shared its batch. This script answers both questions for the embedded model
before any pool is changed: Piper speaks answer sentences of different lengths (the chunks of
several calls), each is decoded alone and then in batches of 2, 4 and 8 (encoder and greedy
decoder, each batch one ``encode`` + one ``generate``), and it prints JSON per batch size:
identical texts, CPU seconds per chunk (process time, so other load on the machine counts
less than wall time would) and their ratio to decoding alone.

    .venv/bin/python bench/asr_batching.py [--sizes 2,4,8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audio.pcm import resample  # noqa: E402
from audio.tts import as_engine  # noqa: E402

RATE = 16000
N_FRAMES = 3000  # Whisper's 30 s window: every chunk is padded to it, alone or batched
SENTENCES = [
    "Yes, that is fine with me.",
    "I worked three years at a call center for a bank, handling about sixty calls a day.",
    "I would apologize, listen to the customer, and arrange a replacement right away.",
    "Next Monday.",
    "I take short breaks and breathe, and I prioritize one customer at a time, "
    "even on the busiest days of the year.",
    "I have a quiet home office with a door and a good headset.",
    "Around eighteen dollars an hour.",
    "I handled online orders and returns for a furniture website, mostly by chat and email, "
    "and I trained two new colleagues on the order system.",
]


def _speech(voice: Any) -> list[np.ndarray]:
    chunks = []
    for text in SENTENCES:
        pieces = [resample(a, r, RATE) for a, r in as_engine(voice).speak(text)]
        chunks.append(np.concatenate(pieces).astype(np.float32))
    return chunks


def _decode(model: Any, tokenizer: Any, features: np.ndarray) -> list[str]:
    """One encode and one greedy generate over a batch of padded log-mel features."""
    prompt = model.get_prompt(tokenizer, previous_tokens=[], without_timestamps=True)
    encoded = model.encode(features)
    results = model.model.generate(
        encoded,
        [list(prompt) for _ in range(features.shape[0])],
        beam_size=1,
        max_length=len(prompt) + 120,
        suppress_blank=True,
        suppress_tokens=[-1],
    )
    return [tokenizer.decode(r.sequences_ids[0]).strip() for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2,4,8")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from faster_whisper.tokenizer import Tokenizer

    from models.config import ModelSettings
    from models.registry import ModelRegistry

    # The full window, as this bench has always measured: the default 15 s window would cut
    # each batch's features to its first chunk's length (models/whisper_window.py).
    registry = ModelRegistry(ModelSettings(asr_window_s=30.0))
    model = registry.asr("en")
    tokenizer = Tokenizer(model.hf_tokenizer, False, task="transcribe", language="en")
    audio = _speech(registry.voice("en"))
    feats = []
    for chunk in audio:
        f = model.feature_extractor(chunk)[:, :N_FRAMES]
        feats.append(np.pad(f, ((0, 0), (0, N_FRAMES - f.shape[1]))).astype(np.float32))
    alone_texts = [_decode(model, tokenizer, f[None])[0] for f in feats]  # also warms up

    def cpu_per_chunk(batch: int) -> tuple[float, float, list[str]]:
        texts: list[str] = []
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for _ in range(args.rounds):
            texts = []
            for start in range(0, len(feats), batch):
                texts += _decode(model, tokenizer, np.stack(feats[start : start + batch]))
        n = args.rounds * len(feats)
        return (time.process_time() - cpu0) / n, (time.perf_counter() - wall0) / n, texts

    alone_cpu, alone_wall, _ = cpu_per_chunk(1)
    print(
        json.dumps(
            {
                "batch": 1,
                "chunks": len(feats),
                "audio_s": [round(a.size / RATE, 1) for a in audio],
                "cpu_s_per_chunk": round(alone_cpu, 4),
                "wall_s_per_chunk": round(alone_wall, 4),
                "texts": alone_texts,
            }
        ),
        flush=True,
    )
    for size in (int(s) for s in args.sizes.split(",")):
        cpu, wall, texts = cpu_per_chunk(size)
        print(
            json.dumps(
                {
                    "batch": size,
                    "identical_texts": sum(a == b for a, b in zip(alone_texts, texts, strict=True)),
                    "of": len(texts),
                    "differing": [
                        [a, b] for a, b in zip(alone_texts, texts, strict=True) if a != b
                    ],
                    "cpu_s_per_chunk": round(cpu, 4),
                    "cpu_ratio_to_alone": round(cpu / alone_cpu, 3),
                    "wall_s_per_chunk": round(wall, 4),
                    "wall_ratio_to_alone": round(wall / alone_wall, 3),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
