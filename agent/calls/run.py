"""One call, whatever its transport: the one place that assembles every part into a pipeline.

``Runtime`` holds what all calls in a process share (settings, models, prompt cache, report
store). ``run_call`` builds ``transport in -> VAD -> streaming ASR -> interview -> TTS -> transport
out`` for one call, runs it, and guarantees a report: complete when the interview reached an
outcome, marked incomplete when the call was cut off.

Lifecycle guarantees (issue 12): every call holds one admission slot, released exactly once; its
turns are journaled (fsync) as they happen; a watchdog on the wall clock ends a call that gets no
audio (``no_audio``) or runs too long (``max_duration``); :meth:`Runtime.drain` ends every live
call on shutdown (``shutdown``), each with its report written and ``call_ended`` sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipecat.audio.vad.vad_analyzer import VADParams
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.audio.vad_processor import VADProcessor
from pipecat.transports.base_transport import BaseTransport
from pipecat.workers.runner import WorkerRunner

from agent.calls.admission import Admission, Slot
from agent.calls.calllog import carrier_state
from agent.calls.conductor import FeatureFn, InterviewConductor
from agent.calls.journal import CallJournal, journal_dir, recover
from agent.calls.limits import InputError, check_variables
from agent.calls.memory import trim_malloc
from agent.calls.record import open_record
from agent.calls.scoring import finalize_scores, make_feature_fn
from agent.calls.scripts import catalog_for
from agent.monitor.audit import Auditor
from agent.monitor.bus import bus_from_settings
from agent.monitor.call import CallMonitor
from agent.monitor.recording import StereoWavWriter, call_recording_path
from agent.monitor.tap import CallAudio, CandidateTap, InterviewerTap
from agent.reports.report import CallRecord, ReportStore, Turn, new_call_id, utc_now
from agent.settings import Settings
from agent.store.calls import DB_EXECUTOR, CallLink, CallStore
from agent.store.db import Database
from audio.asr import StreamingWhisperSTT
from audio.endpoint import EndOfTurnPredictor
from audio.tts import CachedPiperTTS, PromptCache
from audio.vad import SharedSileroVAD
from dialogue.assessment.anchors import anchors_for
from dialogue.engine import Interview
from dialogue.prompts import prompt_keys
from dialogue.recordings import recording_path
from dialogue.script import Script, ScriptError
from models.errors import ModelError
from models.pools import Histogram
from models.registry import ModelRegistry
from telephony.frames import HangupFrame

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
    # Always the server's own id (it names the report file); a carrier's id goes in carrier_id.
    call_id: str = field(default_factory=new_call_id)
    carrier_id: str | None = None


class Runtime:
    """Process-wide shared state: settings, models, prompt cache, reports, live calls."""

    def __init__(self, settings: Settings, registry: ModelRegistry | None = None) -> None:
        self.settings = settings
        self.registry = registry or ModelRegistry(settings.models)
        self.prompt_cache = PromptCache()
        self.reports = ReportStore(settings.resolved_reports_dir)
        # The product database (migrated by the server's start-up): calls, turns, reports.
        self.db = Database.from_settings(settings)
        self.call_store = CallStore(self.db)
        # Awaited with each carrier call's record when it ends (campaigns: agent/api/campaigns.py).
        self.call_end_hooks: list[Callable[[CallRecord], Awaitable[None]]] = []
        self.scripts = catalog_for(settings.scripts_dir)
        self.admission = Admission(
            settings.max_concurrent_calls,
            backlog=self.registry.asr_pool.backlog_s,
            max_backlog_s=settings.limits.max_backlog_s,
        )
        self.journals = journal_dir(settings.data_dir)
        self.active: dict[str, InterviewConductor] = {}
        # How to end each live call (watchdog, drain): call id -> stop(reason).
        self.stops: dict[str, Callable[[str], Coroutine[Any, Any, None]]] = {}
        # Carrier call progress (Twilio callbacks); AudioSocket UUID -> (candidate, script).
        # Shared through Redis when it is configured: a callback may reach any worker.
        self.calls, self.audiosocket_expected = carrier_state(settings)
        self.calls_started = 0
        self._voice_missing: dict[str, str] = {}  # language -> why its voice cannot load
        # For /health and /metrics: readiness and per-turn latencies (refusals: admission).
        self.models_ready = False
        self.prompts_ready = False
        self.turn_latency: dict[str, Histogram] = {}
        # The live monitor: every call's events and audio (in-process, or Redis when set).
        self.bus = bus_from_settings(settings)
        self.monitors: dict[str, CallMonitor] = {}
        self.audit = Auditor(self.db)  # every monitor action: who, when, which call

    def script(self, script_id: str | None) -> Script:
        """A script by id from the configured directories (the default when None; blocking)."""
        return self.scripts.get(script_id or self.settings.default_script)

    async def script_for_call(self, script_id: str | None) -> Script:
        """A peer's script choice, loaded off the event loop and checked to have models.

        Every failure (bad id, unknown, invalid script, missing model) is an :class:`InputError`
        whose message names no file path.
        """
        try:
            script = await self.scripts.load(script_id or self.settings.default_script)
            self.prepare(script)
        except ScriptError as exc:
            raise InputError(f"script {script_id!r} is invalid; see the server log") from exc
        except ModelError as exc:
            raise InputError(str(exc)) from exc
        return script

    def variables(self, variables: object) -> dict[str, str]:
        """A peer's call variables, bounded (:func:`agent.calls.limits.check_variables`)."""
        return check_variables(variables, self.settings.limits)

    def recover(self) -> list[str]:
        """Reports for the calls a crashed process left running, in files and in the
        database (blocking; start-up)."""
        recovered = recover(self.journals, self.reports)
        for report_id in recovered:
            try:
                self.call_store.finish(self.reports.load(report_id))
            except Exception:
                log.exception("call %s: recovered report not stored in the database", report_id)
        return recovered

    async def in_db(self, what: str, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a call-path database write off the event loop; a failure is logged and returns
        None: the call goes on, and its journal and report file still hold everything."""
        try:
            return await asyncio.get_running_loop().run_in_executor(DB_EXECUTOR, fn, *args)
        except Exception as exc:
            log.error("database: %s failed (%s: %s)", what, type(exc).__name__, exc)
            return None

    async def drain(self, reason: str = "shutdown") -> None:
        """Stop admitting, end every live call with ``reason``, wait (bounded) for them."""
        self.admission.draining = True
        stops = list(self.stops.values())
        log.info("draining: ending %d live calls", len(stops))
        for task in [asyncio.create_task(stop(reason)) for stop in stops]:
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
        deadline = time.monotonic() + self.settings.limits.drain_grace_s
        while self.admission.active and time.monotonic() < deadline:
            await asyncio.sleep(0.1)

    def prepare(self, script: Script) -> None:
        """Check, before a call starts, that models exist for the script's language."""
        self.registry.check_language(script.language)

    def load_models(self, script_ids: list[str]) -> dict[str, float]:
        """Load every model these scripts' calls use, ASR, Smart Turn and the embedder included,
        so no call pays for a load (blocking); returns load seconds per model. A voice that
        cannot load (the optional Mandarin one) is reported, not fatal: recordings stand in."""
        scripts = [self.script(script_id).language for script_id in script_ids]
        registry = self.registry
        for language in sorted({*scripts, *self.settings.preload_languages}):
            registry.asr(language)
            self.voice_or_none(language)
        registry.vad_session()
        registry.smart_turn_session()
        registry.embedder()
        return registry.load_seconds()

    def prompt_rates(self) -> tuple[int, ...]:
        """Output rates worth pre-synthesizing prompts for: 16 kHz (``/ws/call``, WebRTC), and
        8 kHz only when a telephony transport is configured (other rates synthesize once, on
        their first use, and are cached from then on)."""
        settings = self.settings
        telephony = settings.public_url or settings.twilio.account_sid or settings.audiosocket_port
        return (16000, 8000) if telephony else (16000,)

    def warm_prompts(self, script_ids: list[str], rates: tuple[int, ...]) -> int:
        """Pre-synthesize (or load the recordings of) the fixed prompts of these scripts and
        embed their rubric exemplars (blocking); returns how many prompt audios were made."""
        made = 0
        for script_id in script_ids:
            script = self.script(script_id)
            voice = self.voice_or_none(script.language)
            key = self.registry.voice_source(script.language)
            recorded = self.recordings(script)
            texts = [t for pid, t in Interview(script).fixed_prompts() if pid not in recorded]
            for rate in rates:
                if voice is not None:
                    made += self.prompt_cache.warm(key, voice, texts, rate)
                made += self.prompt_cache.warm_recordings(list(recorded.values()), rate)
            anchors_for(script, self.registry.embedder())  # rubric exemplars, embedded once
        return made

    def warm(self, script_ids: list[str], rates: tuple[int, ...] | None = None) -> int:
        """Load models and pre-synthesize the fixed prompts of these scripts (blocking)."""
        self.load_models(script_ids)
        return self.warm_prompts(script_ids, self.prompt_rates() if rates is None else rates)

    def voice_or_none(self, language: str) -> Any | None:
        """The shared voice for ``language``, or None when it cannot load (e.g. the optional
        Mandarin voice is not installed): the call then plays recordings and silence."""
        try:
            return self.registry.voice(language)
        except ModelError as exc:
            if language not in self._voice_missing:
                log.warning("no %s voice: %s", language, exc)
            self._voice_missing[language] = str(exc)
            return None

    def recordings(self, script: Script) -> dict[str, Path]:
        """Prompt id -> recorded audio file, for the prompts the script gives recordings for."""
        return {
            f"{script.id}:{key}": recording_path(script.source_path, relative)
            for key, relative in script.recordings.items()
        }

    def unvoiced(self, script: Script) -> list[str]:
        """Prompt keys of ``script`` that calls cannot voice (no voice and no recording)."""
        if self.voice_or_none(script.language) is not None:
            return []
        fixed, varying = prompt_keys(script)
        return sorted((fixed - set(script.recordings)) | varying)

    def report_unvoiced(self) -> dict[str, list[str]]:
        """Say (log a warning) which prompts of each known script cannot be voiced; start-up
        calls this so an operator sees at once what a missing voice means."""
        gaps: dict[str, list[str]] = {}
        for script_id in self.scripts.ids():
            try:
                script = self.script(script_id)
            except Exception:  # a broken extra script is lint's business, not start-up's
                continue
            missing = self.unvoiced(script)
            if missing:
                gaps[script_id] = missing
                log.warning(
                    "script %s (%s): no voice (%s); these prompts play as silence unless the "
                    "script gives recordings: %s",
                    script_id,
                    script.language,
                    self._voice_missing.get(script.language, "not configured"),
                    ", ".join(missing),
                )
        return gaps

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
    slot: Slot | None = None,
    features: FeatureFn | None = None,
    on_conductor: Any = None,
) -> CallRecord:
    """Run one interview over ``transport`` until it ends; always leaves a report behind.

    ``slot`` is the call's admission (taken here when the transport did not take it earlier,
    which raises :class:`~agent.calls.admission.Refused` when full); it is released on return.
    """
    slot = slot or runtime.admission.admit(spec.transport)
    with slot:
        return await _run_call(runtime, transport, spec, script, features, on_conductor)


async def _run_call(
    runtime: Runtime,
    transport: BaseTransport,
    spec: CallSpec,
    script: Script | None,
    features: FeatureFn | None,
    on_conductor: Any,
) -> CallRecord:
    settings = runtime.settings
    limits = settings.limits
    script = script or runtime.script(spec.script_id)
    runtime.prepare(script)
    registry = runtime.registry
    language = script.language
    record = open_record(
        script, candidate_id=spec.candidate_id, transport=spec.transport, call_id=spec.call_id
    )
    record.carrier_call_id = spec.carrier_id
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
        pause_text_on_demand=audio.pause_text_on_demand,
    )
    journal = await asyncio.to_thread(CallJournal, runtime.journals, record)
    store = runtime.call_store
    link: CallLink | None = await runtime.in_db("call start", store.start, record)
    saved: list[str] = []
    writer = None
    if settings.monitor.record_calls:
        path = call_recording_path(settings.resolved_recordings_dir, spec.call_id)
        try:
            writer = await asyncio.to_thread(StereoWavWriter, path, spec.sample_rate_in)
        except OSError as exc:  # no recording is no reason to refuse the call
            log.error("call %s: cannot record: %s", spec.call_id, exc)
    call_audio = CallAudio(
        spec.call_id, spec.sample_rate_in, spec.sample_rate_out, runtime.bus, writer
    )

    async def finish(record: CallRecord) -> str:
        """Score what the call produced and store the report (complete or cut off)."""
        if saved:
            return saved[0]  # a report is written once, however many paths reach the end
        await conductor.drain_features()
        monitor.close_span("call ended")  # a call that ends taken over: the span ends here
        if call_audio.writer is not None:
            writer = call_audio.writer
            record.recording = {
                "sample_rate": writer.rate,
                "channels": 2,
                "seconds": round(writer.seconds, 2),
            }
        # Scoring embeds the answers: in the inference pool, not on the event loop.
        await asyncio.get_running_loop().run_in_executor(
            registry.executor,
            lambda: finalize_scores(
                record,
                script,
                engine.answers,
                embed=registry.embedder(),
                auto_reject=settings.auto_reject,
            ),
        )
        try:
            report_id = await runtime.save_report(record)
        except FileExistsError:  # an earlier, interrupted finish() got as far as the write
            report_id = record.call_id
        saved.append(report_id)
        # The reports row and its interview.completed event, in one transaction.
        await runtime.in_db("report", store.finish, record.to_report(), link)
        await journal.close(remove=True)
        return report_id

    conductor = InterviewConductor(
        engine=engine,
        record=record,
        on_end=finish,
        audio=audio,
        language=language,
        on_latency=runtime.observe_latency,
        playback_marks=spec.transport == "twilio",
        features=features or make_feature_fn(registry.executor, language),
        hangup_wait_s=limits.end_grace_s,
    )

    async def on_turn(turn: Turn) -> None:
        """Journal (fsync) and store one turn, both before the caller hears of it."""
        writes: list[Awaitable[Any]] = [asyncio.wrap_future(journal.turn(turn, record))]
        if link is not None:  # no call row (database down at start): the report fills in
            seq = _seq_of(record, turn)
            writes.append(runtime.in_db("turn", store.turn, record.call_id, seq, turn))
        await asyncio.gather(*writes)

    conductor.on_turn = on_turn
    tts = CachedPiperTTS(
        voice_getter=lambda: runtime.voice_or_none(language),
        voice_key=registry.voice_source(language),
        cache=runtime.prompt_cache,
        executor=registry.tts_executor,
        recordings=runtime.recordings(script),
    )
    stages: list[Any] = [transport.input(), CandidateTap(call_audio), vad]
    if audio.smart_turn:
        stages.append(
            EndOfTurnPredictor(
                session_getter=registry.smart_turn_session, executor=registry.quick_executor
            )
        )
    pipeline = Pipeline(
        [*stages, stt, conductor, tts, InterviewerTap(call_audio), transport.output()]
    )
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
    runner = WorkerRunner(handle_sigint=False)
    running = asyncio.create_task(_run_worker(runner, worker), name=f"run-{spec.call_id[:8]}")
    ending: list[str] = []  # why the server ended the call, when it did

    async def stop(reason: str) -> None:
        """End the call: a hang-up through the pipeline (report + ``call_ended``), then force."""
        if ending or running.done():
            return
        ending.append(reason)
        log.info("call %s: ending (%s)", spec.call_id, reason)
        await worker.queue_frame(HangupFrame(reason=reason))
        # First wait: the conductor may await an in-flight answer's transcript (end_grace_s)
        # and then write the report; after that, cancel, and last, cancel the task itself.
        waited_for_report = False
        for force, wait_s in (
            (worker.cancel, 2 * limits.end_grace_s),
            (running.cancel, limits.end_grace_s),
        ):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(running), wait_s)
            if running.done():
                return
            if conductor.ended and not saved and not waited_for_report:
                waited_for_report = True
                # The report is being written (scoring queues behind other calls' work on a
                # busy server): cancelling now would lose ``call_ended``; wait for it, bounded.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(running), limits.drain_grace_s)
                if running.done():
                    return
            result = force()
            if asyncio.iscoroutine(result):
                await result

    @transport.event_handler("on_client_disconnected")
    async def _on_disconnected(_transport: Any, _client: Any) -> None:
        # The socket is gone: cancel at once (an answer the caller gave with a hang-up message
        # is kept by the conductor; one cut off by a dropped socket is not).
        ending.append("disconnected")
        await worker.cancel()

    monitor = CallMonitor(
        runtime.bus, record, call_audio, stop, runtime.audit, job_id=spec.variables.get("job_id")
    )
    monitor.conductor = conductor
    conductor.on_event = lambda kind, payload: monitor.publish(kind, **payload)
    runtime.active[spec.call_id] = conductor
    runtime.stops[spec.call_id] = stop
    runtime.monitors[spec.call_id] = monitor
    monitor.started()
    runtime.calls_started += 1
    if on_conductor is not None:
        on_conductor(conductor)
    watchdog = asyncio.create_task(
        _watch(conductor, stop, limits.no_audio_timeout_s, limits.max_call_s)
    )
    try:
        await asyncio.wait({running})
    finally:
        watchdog.cancel()
        runtime.active.pop(spec.call_id, None)
        runtime.stops.pop(spec.call_id, None)
        runtime.monitors.pop(spec.call_id, None)
        if not running.done():  # we were cancelled ourselves (server shutdown)
            await worker.cancel()
            running.cancel()
        if not conductor.ended:
            record.outcome = record.outcome or "hung_up"
            record.end_reason = ending[0] if ending else "disconnected"
            record.complete = False
            record.ended_at = utc_now()
            log.info(
                "call %s cut off (%s); saving its partial report", spec.call_id, record.end_reason
            )
        if not saved:  # cut off, or cancelled while the conductor was still writing it
            # Shielded: a cancelled server task must still leave the report on disk.
            await asyncio.shield(finish(record))
        monitor.ended(saved[0] if saved else None, record.outcome)
    if settings.malloc_trim:
        await asyncio.to_thread(trim_malloc)  # the call's working memory, back to the system
    return record


def _seq_of(record: CallRecord, turn: Turn) -> int:
    """The turn's position in the call (it was just appended, so search from the end)."""
    for index in range(len(record.turns) - 1, -1, -1):
        if record.turns[index] is turn:
            return index
    return len(record.turns)


async def _run_worker(runner: WorkerRunner, worker: PipelineWorker) -> None:
    await runner.add_workers(worker)
    await runner.run()


async def _watch(
    conductor: InterviewConductor,
    stop: Callable[[str], Awaitable[None]],
    no_audio_s: float,
    max_call_s: float,
) -> None:
    """Wall-clock limits: no audio for ``no_audio_s`` or a call longer than ``max_call_s``.

    Audio counts when it arrives (``heard_clock``), held or not: while a busy server waits for a
    transcript the conductor holds the audio and its own clock stands still, and a transcript
    slower than ``no_audio_s`` must not end a call whose audio is flowing."""
    started = last_heard = time.monotonic()
    clock = conductor.heard_clock
    while not conductor.ended:
        await asyncio.sleep(min(0.5, no_audio_s / 4))
        now = time.monotonic()
        if conductor.heard_clock != clock:
            clock, last_heard = conductor.heard_clock, now
        if now - last_heard >= no_audio_s:
            await stop("no_audio")
            return
        if now - started >= max_call_s:
            await stop("max_duration")
            return
