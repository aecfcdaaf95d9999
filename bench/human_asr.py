"""Streaming ASR on recorded human speech against whole-answer ASR (issue 11, item 2).

Long answers (40-60 s, short pauses, a few 1.2 s ones) are built from Debian's Asterisk core
sounds, a human voice recorded at 8 kHz (``tests/human_speech.py``; ``make deps`` installs the
packages). A synthetic candidate says them over a real ``/ws/call`` socket to an in-process
server, five per interview (``tests/fixtures/scripts/human_en.yaml``), at 8 kHz: PCM16 as
recorded (``pcm``), and through line noise and G.711 mu-law (``phone``). The server transcribes
each answer as a call does, in chunks while the candidate talks (``audio/asr.py``); the same
Whisper model then transcribes each answer's audio as sent, whole. Both are scored against the
recordings' transcripts with the tests' normalised WER. The target: streamed within 1 point of
whole, overall. With a shorter encoder window (``SCREENLINE_MODELS__ASR_WINDOW_S`` in the
environment reaches the in-process server's settings) the server's model also cuts the last,
shorter 30 s segment of a whole answer to its own window, so the whole-answer reference moves
too; ``whole_full_window_wer`` then scores the same audio with a full-window model as well,
the reference that does not depend on the setting.

Printed JSON, per path: per answer WER (streamed, whole), word counts, the turns and chunks the
server made of it; overall WER of each; and where the target is missed, what to look at
(``--texts`` adds the three texts per answer). Also the end-of-answer timing per turn on the
audio clock (``tests/voices.py``: from the end of the answer's voice to the decision and to the
first reply audio) and at the client (wall), with the load average; the interview's
end-of-answer silence is 1.5 s. ``--voices`` also times short answers of Piper, two espeak-ng
variants and the recorded voice, clean and phone-degraded (``tests/voices.py``; the same
interviews tests/agent/test_turn_taking_voices.py runs); ``--paths ''`` skips the WER runs.

    .venv/bin/python bench/human_asr.py [--answers 10] [--paths pcm,phone] [--speed 1] [--texts]
    .venv/bin/python bench/human_asr.py --paths '' --voices
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agent.auth.guard import Access  # noqa: E402
from agent.calls.run import Runtime  # noqa: E402
from agent.cli import serve_app  # noqa: E402
from agent.settings import Settings  # noqa: E402
from dialogue.script import load_script  # noqa: E402
from models.registry import ModelRegistry  # noqa: E402
from tests import human_speech  # noqa: E402
from tests.voices import TurnTiming, percentile, turn_timings, voice_interviews  # noqa: E402

SCRIPTS = ROOT / "tests" / "fixtures" / "scripts"
PER_INTERVIEW = len(human_speech.QUESTIONS)
END_SILENCE_S = load_script(SCRIPTS / f"{human_speech.SCRIPT_ID}.yaml").timing.end_silence_s


def timing_summary(timings: list[TurnTiming]) -> dict[str, Any]:
    """From the end of the voice: the decision and the reply on the audio clock, the reply at
    the client (wall), and the server's processing (decision to reply audio, wall)."""
    decisions = [t.decision_s for t in timings]
    gaps = [t.reply_gap_s for t in timings]
    client = [t.client_gap_s for t in timings if t.client_gap_s is not None]
    processing = [t.processing_ms for t in timings if t.processing_ms is not None]
    return {
        "end_silence_s": END_SILENCE_S,
        "turns": len(timings),
        "decision_audio_p95_s": percentile(decisions, 0.95),
        "reply_audio_p50_s": percentile(gaps, 0.5),
        "reply_audio_p95_s": percentile(gaps, 0.95),
        "reply_audio_max_s": percentile(gaps, 1.0),
        "reply_client_wall_p50_s": percentile(client, 0.5),
        "reply_client_wall_p95_s": percentile(client, 0.95),
        "processing_p95_ms": percentile(processing, 0.95),
        "per_turn": [t.to_dict() for t in timings],
    }


def full_window_figures(streamed: float, scored_full: list[human_speech.Scored]) -> dict[str, Any]:
    """The whole-answer reference from a full-window model (empty when the server's is one)."""
    if not scored_full:
        return {}
    whole_full = human_speech.overall_wer(scored_full, streamed=False)
    return {
        "whole_full_window_wer": round(whole_full, 4),
        "streamed_minus_whole_full_window_points": round(100 * (streamed - whole_full), 2),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    reason = human_speech.missing()
    if reason is not None:
        raise SystemExit(reason)
    answers = human_speech.answers(args.answers)
    settings = Settings(
        data_dir=Path(args.data_dir), scripts_dir=SCRIPTS, default_script=human_speech.SCRIPT_ID
    )
    runtime = Runtime(settings)
    voice = runtime.registry.voice("en")  # says the consent only
    model = runtime.registry.asr("en")
    # A windowed server model changes the whole-answer reference too: keep a full-window one so
    # runs at different windows are held against the same reference.
    full_registry = (
        ModelRegistry(settings.models.model_copy(update={"asr_window_s": 30.0}))
        if settings.models.asr_window_s < 30
        else None
    )
    access = Access.from_settings(settings)
    from agent.api.server import create_app

    out: dict[str, Any] = {
        "bench": "human_asr",
        "answers": len(answers),
        "answer_seconds": [round(a.seconds, 1) for a in answers],
        "speed": args.speed,
        "asr_window_s": settings.models.asr_window_s,
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }
    cpu0, wall0 = time.process_time(), time.monotonic()
    async with serve_app(create_app(settings, runtime)) as base:
        for path in [p for p in args.paths.split(",") if p]:
            scored: list[human_speech.Scored] = []
            scored_full: list[human_speech.Scored] = []
            timing: list[TurnTiming] = []
            questions: list[list[str | None]] = []
            for start in range(0, len(answers), PER_INTERVIEW):
                chosen = answers[start : start + PER_INTERVIEW]
                with tempfile.TemporaryDirectory() as wav_dir:
                    result = await human_speech.interview(
                        f"{base}/ws/call",
                        chosen,
                        Path(wav_dir),
                        voice=voice,
                        telephony=path == "phone",
                        speed=args.speed,
                        token=access.call_token(),
                        candidate_id=f"bench-{path}-{start}",
                    )
                if result.report_id is None:  # a call that left no report has nothing to score
                    raise SystemExit(f"{path} interview {start}: no report ({result.outcome})")
                report = runtime.reports.load(result.report_id)
                questions.append(result.questions())
                scored += human_speech.score(result, report, chosen, model)
                if full_registry is not None:
                    full_model = full_registry.asr("en")
                    scored_full += human_speech.score(result, report, chosen, full_model)
                timing += turn_timings(result, report)
            streamed = human_speech.overall_wer(scored, streamed=True)
            whole = human_speech.overall_wer(scored, streamed=False)
            # The consent is said by the synthetic voice: only the recorded answers count.
            asked = [t for t in timing if t.question_id in human_speech.QUESTIONS]
            out[path] = {
                "streamed_wer": round(streamed, 4),
                "whole_wer": round(whole, 4),
                "streamed_minus_whole_points": round(100 * (streamed - whole), 2),
                **full_window_figures(streamed, scored_full),
                "streamed_words_over_whole": round(
                    sum(s.streamed_words for s in scored)
                    / max(1, sum(s.whole_words for s in scored)),
                    3,
                ),
                "answers": [s.to_dict(texts=args.texts) for s in scored],
                "questions_listened": questions,
                "end_of_answer_s": timing_summary(asked),
            }
        if args.voices:
            with tempfile.TemporaryDirectory() as work_dir:
                runs = await voice_interviews(
                    f"{base}/ws/call",
                    voice,
                    Path(work_dir),
                    runtime.reports.load,
                    speed=args.speed,
                    token=access.call_token,
                )
            out["voices"] = [
                {
                    "voice": run.voice,
                    "phone": run.phone,
                    "outcome": run.outcome,
                    "answered": run.answered,
                    **timing_summary(run.timings),
                }
                for run in runs
            ]
            out["voices_all"] = timing_summary([t for run in runs for t in run.timings])
    if full_registry is not None:
        full_registry.close()
    out["process_cpu_s"] = round(time.process_time() - cpu0, 1)
    out["wall_s"] = round(time.monotonic() - wall0, 1)
    out["load_after"] = [round(x, 2) for x in os.getloadavg()]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--answers", type=int, default=None, help="default: all the corpus gives")
    parser.add_argument("--paths", default="pcm,phone", help="pcm (8 kHz PCM16), phone (mu-law)")
    parser.add_argument("--speed", type=float, default=1.0, help="audio seconds per wall second")
    parser.add_argument("--texts", action="store_true", help="print the three texts per answer")
    parser.add_argument(
        "--voices", action="store_true", help="also time short answers of Piper, espeak-ng, human"
    )
    parser.add_argument("--data-dir", default="var/bench-human-asr")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
