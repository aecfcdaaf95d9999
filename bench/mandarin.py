"""Mandarin ASR through the streaming path: CER and real-time factor, beside English WER.

One process, one server, the real ``/ws/call`` path: the synthetic candidate takes the
Mandarin test interview (``tests/fixtures/scripts/short_zh.yaml``, recorded answers) at 16 kHz
and over 8 kHz mu-law with line noise, with one long answer (every recorded answer joined with
short pauses, ~20 s) so the chunking is exercised, and the English test interview
(``short_en``, Piper answers) at 16 kHz. Per run it reports, for each:

- ``cer`` / ``wer`` per answer (the server's normalised transcript against the script's text);
- ``rtf``: seconds spent inside Whisper's ``transcribe`` (every committed, speculative and tail
  chunk, measured around the shared model) per second of answer audio;
- the streaming figures from the report: chunks per answer, ``asr_tail_ms`` (end-of-answer
  decision -> final transcript) p50/p95, and how many interim transcripts the client saw.

    .venv/bin/python bench/mandarin.py [--speed 1]

Compare figures within one run: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.api.server import create_app  # noqa: E402
from agent.auth.guard import Access  # noqa: E402
from agent.calls.run import Runtime  # noqa: E402
from agent.cli import serve_app  # noqa: E402
from agent.devtools.simulate import Persona, Reply, SimulationResult, load_persona, simulate  # noqa: E402
from agent.settings import Settings  # noqa: E402
from audio.wav import read_wav, write_wav  # noqa: E402
from tests.helpers import cer, wer  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"


class TimedModel:
    """Wraps the shared Whisper model: adds up the seconds spent transcribing."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.seconds = 0.0
        self.calls = 0
        self._lock = threading.Lock()

    def transcribe(self, audio: Any, **kwargs: Any) -> tuple[list[Any], Any]:
        start = time.perf_counter()
        segments, info = self.model.transcribe(audio, **kwargs)
        done = list(segments)  # faster-whisper decodes lazily: time the decoding too
        with self._lock:
            self.seconds += time.perf_counter() - start
            self.calls += 1
        return done, info


def long_persona(workdir: Path) -> Persona:
    """The Mandarin persona with its experience answer replaced by every answer in a row."""
    persona = load_persona(FIXTURES / "short_zh_persona.yaml")
    replies = [persona.by_question[k] for k in ("experience", "quiet_space", "start", "greeting")]
    replies = [*replies, *replies[:2]]
    pieces: list[np.ndarray] = []
    for reply in replies:
        assert reply.audio is not None
        audio, rate = read_wav(reply.audio)
        voiced = np.flatnonzero(np.abs(audio) > 0.01)
        # Trimmed, then 0.4 s apart: a pause within an answer, well short of its end (1.0 s).
        pieces += [audio[voiced[0] : voiced[-1] + 1], np.zeros(int(0.4 * rate), np.float32)]
    path = workdir / "long_answer.wav"
    write_wav(path, np.concatenate(pieces), rate)
    text = "，".join(r.text.rstrip("。") for r in replies) + "。"
    by_question = {**persona.by_question, "experience": Reply(text, audio=path)}
    return Persona(by_question=by_question, fallback=persona.fallback)


def summary(values: list[float]) -> dict[str, float | int | None]:
    """p50 / p95 / n."""
    if not values:
        return {"n": 0, "p50": None, "p95": None}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(values), "p50": round(statistics.median(ordered), 1), "p95": round(p95, 1)}


def figures(
    result: SimulationResult, runtime: Runtime, timed: TimedModel, metric: str, rate: int
) -> dict[str, Any]:
    """Accuracy and streaming figures of one interview."""
    score = cer if metric == "cer" else wer
    heard = result.transcripts()
    # The scores apart from the per-answer dicts, so mean and max see numbers (mypy).
    scores: list[float] = []
    errors: list[dict[str, Any]] = []
    for (qid, said), text in zip(result.answers, heard, strict=False):
        scores.append(round(score(said, text), 3))
        errors.append({"question": qid, "said": said, "heard": text, metric: scores[-1]})
    report = runtime.reports.load(str(result.report_id))
    turns = [t for t in report["turns"] if t["speaker"] == "candidate"]
    audio_s = sum(a.size for a in result.answer_audio.values()) / rate
    return {
        "outcome": result.outcome,
        "answers": errors,
        f"{metric}_mean": round(statistics.mean(scores), 3) if scores else None,
        f"{metric}_max": max(scores, default=None),
        "answer_audio_s": round(audio_s, 1),
        "transcribe_s": round(timed.seconds, 2),
        "transcribe_calls": timed.calls,
        "rtf": round(timed.seconds / audio_s, 3) if audio_s else None,
        "chunks_per_answer": [int(t["latency"].get("chunks", 0)) for t in turns],
        "asr_tail_ms": summary(
            [t["latency"]["asr_tail_ms"] for t in turns if "asr_tail_ms" in t["latency"]]
        ),
        "interim_transcripts": sum(
            1 for e in result.events if e["type"] == "transcript" and not e.get("final")
        ),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-mandarin-"))
    settings = Settings(
        data_dir=workdir, scripts_dir=FIXTURES / "scripts", default_script="short_en"
    )
    runtime = Runtime(settings)
    # Every media entry point authenticates: the candidate signs a call token with the secret.
    access = Access.from_settings(settings)
    registry = runtime.registry
    load_start = time.perf_counter()
    timed = {lang: TimedModel(registry.asr(lang)) for lang in ("en", "zh")}
    load_s = round(time.perf_counter() - load_start, 2)
    registry.asr = lambda language: timed[language]  # type: ignore[method-assign]
    en_voice = registry.voice("en")
    zh_persona = long_persona(workdir)
    en_persona = load_persona(FIXTURES / "short_en_persona.yaml")
    out: dict[str, Any] = {"bench": "mandarin", "machine_cpus": os.cpu_count(), "speed": args.speed}
    out["asr_models"] = {"en": registry.settings.asr["en"], "zh": registry.settings.asr["zh"]}
    out["asr_load_s_both"] = load_s
    async with serve_app(create_app(settings, runtime)) as base:
        url = f"{base}/ws/call"
        for name, language, telephony in (
            ("en_16k", "en", False),
            ("zh_16k", "zh", False),
            ("zh_8k_mulaw_noise", "zh", True),
        ):
            model = timed[language]
            model.seconds, model.calls = 0.0, 0
            result = await simulate(
                url,
                persona=zh_persona if language == "zh" else en_persona,
                voice=None if language == "zh" else en_voice,
                candidate_id=f"bench-{name}",
                script_id="short_zh" if language == "zh" else "short_en",
                speed=args.speed,
                telephony=telephony,
                token=access.call_token(),
            )
            metric = "cer" if language == "zh" else "wer"
            out[name] = figures(result, runtime, model, metric, 8000 if telephony else 16000)
    en_rtf, zh_rtf = out["en_16k"]["rtf"], out["zh_16k"]["rtf"]
    if en_rtf and zh_rtf:
        out["rtf_ratio_zh_base_over_en_tiny"] = round(zh_rtf / en_rtf, 2)
    registry.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--speed", type=float, default=1.0, help="candidate audio vs real time")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
