"""One call, whatever its transport: the one place that assembles every part into a pipeline.

``Runtime`` holds what all calls in a process share (settings, models, prompt cache, report
store). ``run_call`` builds ``transport in -> VAD -> streaming ASR -> interview -> TTS -> transport
out`` for one call, runs it, and guarantees a report: complete when the interview reached an
outcome, marked incomplete when the call was cut off.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.transports.base_transport import BaseTransport
from pipecat.workers.runner import WorkerRunner

from agent.calls.calllog import CallLog
from agent.calls.conductor import FeatureFn, InterviewConductor
from agent.calls.scoring import finalize_scores, make_feature_fn
from agent.reports.report import CallRecord, ReportStore, new_call_id, utc_now
from agent.settings import Settings
from audio.asr import StreamingWhisperSTT
from audio.endpoint import EndOfTurnPredictor
from audio.tts import CachedPiperTTS, PromptCache
from audio.vad import SharedSileroVAD
from dialogue.engine import Interview
from dialogue.script import Script, load_script
from models.pools import Histogram
from models.registry import ModelRegistry

log = logging.getLogger(__name__)


@dataclass
class CallSpec:
    """What a transport knows when a call starts."""

    candidate_id: str
    script_id: str | None
    sample_rate_in: int
    sample_rate_out: int
    transport: str
    variables: dict[str, str] = field(default_factory=dict)
    call_id: str = field(default_factory=new_call_id)


class Runtime:
    """Process-wide shared state: settings, models, prompt cache, reports, live calls."""

    def __init__(self, settings: Settings, registry: ModelRegistry | None = None) -> None:
        self.settings = settings
        self.registry = registry or ModelRegistry(settings.models)
        self.prompt_cache = PromptCache()
        self.reports = ReportStore(settings.resolved_reports_dir)
        self.active: dict[str, InterviewConductor] = {}
        # Carrier call progress (Twilio callbacks); AudioSocket UUID -> (candidate, script).
        self.calls = CallLog(settings.data_dir / "calls.jsonl")
        self.audiosocket_expected: dict[str, tuple[str, str | None]] = {}
        self.calls_started = 0
        # For /health and /metrics: readiness, refused calls by reason, per-turn latencies.
        self.models_ready = False
        self.prompts_ready = False
        self.refusals: Counter[str] = Counter()
        self.turn_latency: dict[str, Histogram] = {}

    def script(self, script_id: str | None) -> Script:
        """Load a script by id or path (the configured default when None)."""
        ref = script_id or self.settings.default_script
        extra = self.settings.scripts_dir
        if extra is not None and (extra / f"{ref}.yaml").is_file():
            return load_script(extra / f"{ref}.yaml")
        return load_script(ref)

    def prepare(self, script: Script) -> None:
        """Check, before a call starts, that models exist for the script's language."""
        self.registry.check_language(script.language)

    def load_models(self, script_ids: list[str]) -> dict[str, float]:
        """Load every model these scripts' calls use, ASR and Smart Turn included, so no call
        pays for a load (blocking); returns load seconds per model."""
        languages = [self.script(script_id).language for script_id in script_ids]
        return self.registry.preload([*languages, *self.settings.preload_languages])

    def prompt_rates(self) -> tuple[int, ...]:
        """Output rates worth pre-synthesizing prompts for: 16 kHz (``/ws/call``, WebRTC), and
        8 kHz only when a telephony transport is configured (other rates synthesize once, on
        their first use, and are cached from then on)."""
        settings = self.settings
        telephony = settings.public_url or settings.twilio.account_sid or settings.audiosocket_port
        return (16000, 8000) if telephony else (16000,)

    def warm_prompts(self, script_ids: list[str], rates: tuple[int, ...]) -> int:
        """Pre-synthesize the fixed prompts of these scripts (blocking); returns how many."""
        made = 0
        for script_id in script_ids:
            script = self.script(script_id)
            voice = self.registry.voice(script.language)
            key = self.registry.voice_source(script.language)
            texts = [text for _pid, text in Interview(script).fixed_prompts()]
            for rate in rates:
                made += self.prompt_cache.warm(key, voice, texts, rate)
        return made

    def warm(self, script_ids: list[str], rates: tuple[int, ...] | None = None) -> int:
        """Load models and pre-synthesize the fixed prompts of these scripts (blocking)."""
        self.load_models(script_ids)
        return self.warm_prompts(script_ids, self.prompt_rates() if rates is None else rates)

    async def save_report(self, record: CallRecord) -> str:
        """Write the record's report (off the event loop) and return its id."""
        report = record.to_report()
        await asyncio.to_thread(self.reports.save, report)
        return str(report["report_id"])

    def observe_latency(self, latency: dict[str, float]) -> None:
        """Count one turn's latency figures (milliseconds) into the process histograms."""
        for name in ("processing_ms", "response_gap_ms", "asr_tail_ms"):
            if name in latency:
                self.turn_latency.setdefault(name, Histogram()).observe(latency[name] / 1000)

    def report_path(self, report_id: str) -> Path:
        """Where a report lives."""
        return self.reports.path_for(report_id)


async def run_call(
    runtime: Runtime,
    transport: BaseTransport,
    spec: CallSpec,
    *,
    script: Script | None = None,
    features: FeatureFn | None = None,
    on_conductor: Any = None,
) -> CallRecord:
    """Run one interview over ``transport`` until it ends; always leaves a report behind."""
    settings = runtime.settings
    script = script or runtime.script(spec.script_id)
    runtime.prepare(script)
    registry = runtime.registry
    language = script.language
    record = CallRecord(
        call_id=spec.call_id,
        candidate_id=spec.candidate_id,
        script_id=script.id,
        script_version=script.version,
        script_hash=script.content_hash,
        language=language,
        transport=spec.transport,
    )
    engine = Interview(script, {"candidate_id": spec.candidate_id, **spec.variables})
    audio = settings.audio
    vad = VADProcessor(
        vad_analyzer=SharedSileroVAD(
            registry.vad_session(),
            executor=registry.vad_executor,
            params=VADParams(
                confidence=audio.vad_confidence,
                start_secs=audio.vad_start_s,
                stop_secs=audio.vad_stop_s,
                min_volume=audio.vad_min_volume,
            ),
        ),
        # Our clients stream continuously; a gap means the socket is gone, not silence.
        audio_idle_timeout=0,
    )
    stt = StreamingWhisperSTT(
        model_getter=lambda: registry.asr(language),
        pool=registry.asr_pool,
        language=language,
        min_chunk_s=audio.asr_min_chunk_s,
        max_chunk_s=audio.asr_max_chunk_s,
    )

    async def finish(record: CallRecord) -> str:
        """Score what the call produced and store the report (complete or cut off)."""
        await conductor.drain_features()
        finalize_scores(record, script, engine.answers, auto_reject=settings.auto_reject)
        return await runtime.save_report(record)

    conductor = InterviewConductor(
        engine=engine,
        record=record,
        on_end=finish,
        vad_start_s=audio.vad_start_s,
        vad_stop_s=audio.vad_stop_s,
        language=language,
        smart_turn=audio.smart_turn,
        complete_threshold=audio.complete_threshold,
        unfinished_hold_s=audio.unfinished_hold_s,
        barge_in_confirm_s=audio.barge_in_confirm_s,
        on_latency=runtime.observe_latency,
        playback_marks=spec.transport == "twilio",
        features=features or make_feature_fn(registry.executor, language),
    )
    tts = CachedPiperTTS(
        voice_getter=lambda: registry.voice(language),
        voice_key=registry.voice_source(language),
        cache=runtime.prompt_cache,
        executor=registry.tts_executor,
    )
    stages: list[Any] = [transport.input(), vad]
    if audio.smart_turn:
        stages.append(
            EndOfTurnPredictor(
                session_getter=registry.smart_turn_session, executor=registry.quick_executor
            )
        )
    pipeline = Pipeline([*stages, stt, conductor, tts, transport.output()])
    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(
            audio_in_sample_rate=spec.sample_rate_in,
            audio_out_sample_rate=spec.sample_rate_out,
        ),
        enable_rtvi=False,
        enable_turn_tracking=False,
        idle_timeout_secs=None,
        name=f"call-{spec.call_id[:8]}",
    )

    @transport.event_handler("on_client_disconnected")
    async def _on_disconnected(_transport: Any, _client: Any) -> None:
        await worker.cancel()

    runtime.active[spec.call_id] = conductor
    runtime.calls_started += 1
    if on_conductor is not None:
        on_conductor(conductor)
    try:
        runner = WorkerRunner(handle_sigint=False)
        await runner.add_workers(worker)
        await runner.run()
    finally:
        runtime.active.pop(spec.call_id, None)
        if not conductor.ended:
            record.outcome = record.outcome or "hung_up"
            record.end_reason = "disconnected"
            record.complete = False
            record.ended_at = utc_now()
            # Shielded: a cancelled server task must still leave the partial report on disk.
            await asyncio.shield(finish(record))
            log.info("call %s cut off; partial report saved", spec.call_id)
    return record
