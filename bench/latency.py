"""Latency benchmark: Screenline's streaming pipeline against a stock pipecat baseline.

Both servers speak the same ``/ws/call`` protocol and run on this process's event loop, on the
same embedded models (Whisper tiny.en, Piper joe, Silero VAD); the same synthetic candidate
(``agent.devtools.simulate``) takes the same interview (``bench/fixtures/latency_en.yaml``:
short 3-5 s and long 45-60 s answers) against each, in real time.

Per answer it reports:
- processing latency: end-of-answer decision -> first reply audio frame out of the pipeline
  (ours: the conductor's decision; baseline: pipecat's VAD "stopped", which is its decision);
- response gap: last voiced audio -> first reply audio frame (server side);
- client gap: last answer sample sent -> first reply audio received (measured at the caller).
The baseline is ``WhisperSTTService`` + ``PiperTTSService`` with VAD stop = the script's
end-of-answer silence, so both wait the same silence before deciding.

    .venv/bin/python bench/latency.py [--rounds 1] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, WebSocket
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    BotStoppedSpeakingFrame,
    EndWorkerFrame,
    Frame,
    InputAudioRawFrame,
    OutputTransportMessageUrgentFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.piper.tts import PiperTTSService
from pipecat.services.whisper.stt import WhisperSTTService
from pipecat.workers.runner import WorkerRunner

from agent.api.server import native_transport
from agent.auth.guard import Access
from agent.calls.run import Runtime
from agent.cli import serve_app
from agent.devtools.simulate import load_persona, simulate
from agent.settings import Settings
from dialogue.script import Script, load_script
from models.registry import embedded_voice_paths, embedded_whisper_path
from telephony.native_ws import event, parse_start

HERE = Path(__file__).parent
SCRIPT = HERE / "fixtures" / "latency_en.yaml"
PERSONA = HERE / "fixtures" / "latency_en_persona.yaml"


def kind_of(question_id: str | None) -> str | None:
    """``short`` / ``long`` for the benchmark's questions."""
    if question_id is None:
        return None
    return "long" if question_id.startswith("long") else "short"


def summary(values: list[float]) -> dict[str, float | int | None]:
    """p50 / p95 / n of a list of milliseconds."""
    if not values:
        return {"n": 0, "p50": None, "p95": None}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"n": len(values), "p50": round(statistics.median(ordered), 1), "p95": round(p95, 1)}


# -- the baseline: stock pipecat services, our protocol ---------------------------------------


class BaselineInterviewer(FrameProcessor):
    """The LLM slot of a stock pipecat bot: asks the script's questions in order, one per
    TranscriptionFrame, and records stock pipecat's latency per answer."""

    def __init__(self, script: Script, stop_secs: float) -> None:
        super().__init__()
        greeting = script.greeting
        self._prompts: list[tuple[str | None, str]] = [
            ("greeting", f"{greeting.intro} {greeting.ai_disclosure} "
             f"{greeting.recording_notice} {greeting.consent}"),
            *[(q.id, q.prompt) for q in script.questions],
        ]  # fmt: skip
        self._closing = script.closing
        self._stop_secs = stop_secs
        self._index = -1
        self._started = False
        self._listening = False
        self._endpoint: float | None = None
        self.samples: list[dict[str, Any]] = []

    async def _send(self, kind: str, **payload: Any) -> None:
        await self.push_frame(OutputTransportMessageUrgentFrame(message=event(kind, **payload)))

    async def _ask_next(self) -> None:
        self._index += 1
        if self._index >= len(self._prompts):
            await self.push_frame(TTSSpeakFrame(self._closing))
            await self._send("call_ended", report_id=None, outcome="completed")
            await self.push_frame(EndWorkerFrame(), FrameDirection.UPSTREAM)
            return
        key, text = self._prompts[self._index]
        await self._send("bot_said", text=text, question_id=key, state=key)
        await self.push_frame(TTSSpeakFrame(text))

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame) and not self._started:
            self._started = True
            await self._ask_next()
        elif isinstance(frame, VADUserStoppedSpeakingFrame) and self._listening:
            self._endpoint = time.monotonic()  # stock pipecat's end-of-turn decision
        elif isinstance(frame, TranscriptionFrame) and self._listening:
            self._listening = False
            await self._send("transcript", text=frame.text, final=True)
            await self._ask_next()
            return
        elif isinstance(frame, BotStartedSpeakingFrame) and self._endpoint is not None:
            now = time.monotonic()
            key = self._prompts[self._index - 1][0] if self._index > 0 else None
            self.samples.append(
                {
                    "question_id": key,
                    "processing_ms": (now - self._endpoint) * 1000,
                    "response_gap_ms": (now - self._endpoint + self._stop_secs) * 1000,
                }
            )
            self._endpoint = None
        elif (
            isinstance(frame, BotStoppedSpeakingFrame)
            and direction == FrameDirection.UPSTREAM
            and 0 <= self._index < len(self._prompts)
        ):
            self._listening = True
            key = self._prompts[self._index][0]
            await self._send("listening", question_id=None if key == "greeting" else key, state=key)
        await self.push_frame(frame, direction)


def baseline_app(script: Script, stop_secs: float, samples: list[dict[str, Any]]) -> FastAPI:
    """A server whose calls run stock pipecat Whisper + Piper services."""
    app = FastAPI()
    voice_dir = embedded_voice_paths()[0].parent

    @app.websocket("/ws/call")
    async def ws_call(websocket: WebSocket) -> None:
        await websocket.accept()
        start = parse_start(await websocket.receive_text())
        await websocket.send_text(json.dumps(event("ready", call_id="baseline")))
        transport = native_transport(websocket, start.sample_rate)
        interviewer = BaselineInterviewer(script, stop_secs)
        pipeline = Pipeline(
            [
                transport.input(),
                VADProcessor(
                    vad_analyzer=SileroVADAnalyzer(params=VADParams(stop_secs=stop_secs)),
                    audio_idle_timeout=0,
                ),
                WhisperSTTService(
                    model=str(embedded_whisper_path()), device="cpu", compute_type="int8"
                ),
                interviewer,
                PiperTTSService(
                    settings=PiperTTSService.Settings(voice="en_US-joe-medium"),
                    download_dir=voice_dir,
                ),
                transport.output(),
            ]
        )
        worker = PipelineWorker(
            pipeline,
            params=PipelineParams(
                audio_in_sample_rate=start.sample_rate, audio_out_sample_rate=start.sample_rate
            ),
            enable_rtvi=False,
            idle_timeout_secs=None,
        )
        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(worker)
        try:
            await runner.run()
        finally:
            samples.extend(interviewer.samples)

    return app


# -- running ------------------------------------------------------------------------------


async def interview(
    url: str, voice: Any, rounds: int, token: Callable[[], str] | None = None
) -> list[Any]:
    """``rounds`` interviews one after the other; ``token()`` signs each one's call token."""
    persona = load_persona(PERSONA)
    results = []
    for i in range(rounds):
        results.append(
            await simulate(
                url,
                persona=persona,
                voice=voice,
                candidate_id=f"bench-{i}",
                token=token() if token else None,
            )
        )
    return results


def client_gaps(results: list[Any]) -> dict[str, list[float]]:
    gaps: dict[str, list[float]] = {"short": [], "long": []}
    for result in results:
        for key, gap in result.response_gaps:
            kind = kind_of(key)
            if kind:
                gaps[kind].append(gap * 1000)
    return gaps


async def run(args: argparse.Namespace) -> dict[str, Any]:
    settings = Settings(
        data_dir=Path(args.data_dir), scripts_dir=SCRIPT.parent, default_script="latency_en"
    )
    runtime = Runtime(settings)
    voice = runtime.registry.voice("en")
    out: dict[str, Any] = {"bench": "latency", "machine_cpus": __import__("os").cpu_count()}

    access = Access.from_settings(settings)  # this process owns the server's secret
    async with serve_app(_screenline_app(settings, runtime)) as base:
        results = await interview(f"{base}/ws/call", voice, args.rounds, access.call_token)
    ours: dict[str, dict[str, list[float]]] = {
        k: {"processing_ms": [], "response_gap_ms": []} for k in ("short", "long")
    }
    for result in results:
        report = runtime.reports.load(result.report_id)
        for turn in report["turns"]:
            kind = kind_of(turn["question_id"]) if turn["speaker"] == "candidate" else None
            if kind:
                for name in ("processing_ms", "response_gap_ms"):
                    if name in turn["latency"]:
                        ours[kind][name].append(turn["latency"][name])
    gaps = client_gaps(results)
    out["screenline"] = {
        kind: {
            "processing_ms": summary(ours[kind]["processing_ms"]),
            "response_gap_ms": summary(ours[kind]["response_gap_ms"]),
            "client_gap_ms": summary(gaps[kind]),
        }
        for kind in ("short", "long")
    }
    if not args.skip_baseline:
        script = load_script(SCRIPT)
        samples: list[dict[str, Any]] = []
        stop_secs = script.timing.end_silence_s
        async with serve_app(baseline_app(script, stop_secs, samples)) as base:
            base_results = await interview(f"{base}/ws/call", voice, args.rounds)
        base_gaps = client_gaps(base_results)
        out["baseline_stock_pipecat"] = {
            kind: {
                name: summary([s[name] for s in samples if kind_of(s["question_id"]) == kind])
                for name in ("processing_ms", "response_gap_ms")
            }
            | {"client_gap_ms": summary(base_gaps[kind])}
            for kind in ("short", "long")
        }
        p_ours = out["screenline"]["long"]["processing_ms"]["p50"]
        p_base = out["baseline_stock_pipecat"]["long"]["processing_ms"]["p50"]
        if p_ours and p_base:
            out["long_processing_p50_ratio_baseline_over_ours"] = round(p_base / p_ours, 1)
    return out


def _screenline_app(settings: Settings, runtime: Runtime) -> FastAPI:
    from agent.api.server import create_app

    return create_app(settings, runtime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=1, help="interviews per system")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--data-dir", default="var/bench-latency")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
