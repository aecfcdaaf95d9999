"""The FastAPI application: media WebSocket endpoints, REST API, health."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.exceptions import RequestValidationError
from pipecat.transports.websocket.fastapi import (
    FastAPIWebsocketParams,
    FastAPIWebsocketTransport,
)

from agent.api.access import access_router
from agent.api.analytics import analytics_router
from agent.api.campaigns import (
    campaign_store,
    campaigns_lifespan,
    campaigns_router,
    interview_hook,
)
from agent.api.candidates import candidates_router
from agent.api.deliveries import deliveries_router
from agent.api.greenhouse import greenhouse_router
from agent.api.guards import BodyLimits, validation_error
from agent.api.jobs import IMPORT_PATHS, jobs_router
from agent.api.metrics import monitoring_router
from agent.api.monitor import monitor_router
from agent.api.recruiter import recruiter_router
from agent.api.reports import reports_router
from agent.api.successfactors import successfactors_router
from agent.api.telephony import telephony_lifespan, telephony_router
from agent.api.webrtc import webrtc_router
from agent.auth.guard import Access, CallGrant, Denied, access_of, admit_call_socket
from agent.auth.limiter import FailureLimit, FailureLimiter
from agent.auth.peers import check_twilio_settings
from agent.calls.admission import Refused
from agent.calls.limits import InputError
from agent.calls.run import CallSpec, Runtime, run_call
from agent.hr.retention import retention_loop
from agent.monitor.recording import sweep
from agent.settings import Settings
from agent.store.db import Database
from telephony.native_ws import (
    CLOSE_SERVER_ERROR,
    CLOSE_TOO_BIG,
    CLOSE_TRY_LATER,
    NativeFrameSerializer,
    StartError,
    event,
    parse_start,
)

log = logging.getLogger(__name__)


def create_app(
    settings: Settings, runtime: Runtime | None = None, *, warm: bool = True, prompts: bool = True
) -> FastAPI:
    """Build the app. ``warm`` loads models at start-up and, with ``prompts``, pre-synthesizes
    the default script's fixed prompts in the background."""
    rt = runtime or Runtime(settings)
    check_twilio_settings(settings)
    access = Access.from_settings(settings, rt.db)
    campaigns = campaign_store(settings, rt.db)
    rt.call_end_hooks.append(interview_hook(campaigns))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The key store's schema is current before the first request is checked against it.
        await asyncio.to_thread(access.keys.db.upgrade)
        recovered = await asyncio.to_thread(rt.recover)
        if recovered:
            log.warning("start-up: %d calls cut off by a crash, reports written", len(recovered))
        warming: asyncio.Task[None] | None = None
        if warm:
            # Every model loads before the port opens (seconds); the fixed prompts are
            # synthesized after, in the background: a prompt not cached yet is synthesized
            # when a call first needs it, and cached from then on.
            loaded = await asyncio.to_thread(rt.load_models, [settings.default_script])
            log.info("start-up: models loaded %s", {k: round(v, 2) for k, v in loaded.items()})
            await asyncio.to_thread(rt.report_unvoiced)
            if prompts:
                warming = asyncio.create_task(_warm_prompts(rt, [settings.default_script]))
        rt.models_ready = True
        retention = asyncio.create_task(retention_loop(rt.db, settings))
        await rt.bus.start()  # Redis: refuses to start when the configured server is down
        sweeping = asyncio.create_task(_sweep_recordings(settings))
        try:
            async with (
                telephony_lifespan(rt),
                delivery_lifespan(settings, access.keys.db),
                campaigns_lifespan(settings, campaigns, access),
            ):
                yield
                await rt.drain()  # normally done on SIGTERM already (agent/api/serving.py)
        finally:
            retention.cancel()
            sweeping.cancel()
            if warming is not None:
                warming.cancel()
            await rt.bus.close()

    app = FastAPI(title="Screenline", version="0.1.0", lifespan=lifespan)
    # Candidate imports may be larger than other bodies (up to hr.max_import_bytes).
    app.add_middleware(
        BodyLimits,
        limits=settings.limits,
        larger={IMPORT_PATHS: settings.hr.max_import_bytes},
    )
    # Outermost: a locked-out address is refused before its body is read or a key looked up.
    app.add_middleware(FailureLimit, limiter=FailureLimiter(settings.auth.failure_limit))
    app.add_exception_handler(RequestValidationError, validation_error)
    app.state.runtime = rt
    app.state.access = access
    app.include_router(access_router())
    app.include_router(deliveries_router())
    app.include_router(greenhouse_router())
    app.include_router(successfactors_router())
    app.include_router(analytics_router())
    app.include_router(recruiter_router())
    app.include_router(monitoring_router(rt))
    app.include_router(telephony_router(rt))
    app.include_router(webrtc_router(rt))
    app.include_router(jobs_router())
    app.include_router(candidates_router())
    app.include_router(reports_router())
    app.include_router(campaigns_router(settings, campaigns))
    app.include_router(monitor_router(rt))

    @app.websocket("/ws/call")
    async def ws_call(websocket: WebSocket) -> None:
        grant = await admit_call_socket(websocket)
        if grant is None:
            return
        await websocket.accept()
        await serve_native_call(rt, websocket, grant)

    return app


@asynccontextmanager
async def delivery_lifespan(settings: Settings, db: Database) -> AsyncIterator[None]:
    """The outbox worker runs with the server (unless ``delivery.in_server`` is off); on
    shutdown it finishes its pass after the calls' last events are written."""
    if not settings.delivery.in_server:
        yield
        return
    from agent.delivery.worker import worker_for

    worker = worker_for(settings, db)
    task = asyncio.create_task(worker.run(), name="delivery-worker")
    try:
        yield
    finally:
        worker.stop()
        try:
            await asyncio.wait_for(task, settings.delivery.timeout_s + 5)
        except (TimeoutError, asyncio.CancelledError):
            task.cancel()


async def _sweep_recordings(settings: Settings, every_s: float = 3600.0) -> None:
    """Delete recordings past their retention, at start-up and then hourly."""
    while True:
        directory, days = settings.resolved_recordings_dir, settings.monitor.retention_days
        try:
            await asyncio.to_thread(sweep, directory, days)
        except OSError as exc:
            log.warning("recording retention sweep failed: %s", exc)
        await asyncio.sleep(every_s)


async def _warm_prompts(rt: Runtime, script_ids: list[str]) -> None:
    rates = rt.prompt_rates()
    made = await asyncio.to_thread(rt.warm_prompts, script_ids, rates)
    rt.prompts_ready = True
    log.info("start-up: %d prompts pre-synthesized at %s Hz", made, rates)


async def _close_with_error(websocket: WebSocket, code: int, message: str) -> None:
    try:
        await websocket.send_text(json.dumps(event("error", code=code, message=message)))
        await websocket.close(code=code, reason=message[:120])
    except (RuntimeError, WebSocketDisconnect):
        pass  # the client is already gone


def native_transport(
    websocket: WebSocket, sample_rate: int, max_message_bytes: int = 64 * 1024
) -> FastAPIWebsocketTransport:
    """pipecat transport for an accepted ``/ws/call`` socket after its handshake."""
    return FastAPIWebsocketTransport(
        websocket,
        FastAPIWebsocketParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            audio_in_sample_rate=sample_rate,
            audio_out_sample_rate=sample_rate,
            serializer=NativeFrameSerializer(sample_rate, max_message_bytes),
            # Origin checks belong to the page that embeds a client; the protocol has none.
            allowed_origins=[],
        ),
    )


async def serve_native_call(rt: Runtime, websocket: WebSocket, grant: CallGrant) -> None:
    """The ``/ws/call`` protocol: handshake, then one pipeline until the call ends. ``grant``
    (from the caller's credential) decides which candidate ``start`` may name."""
    settings = rt.settings
    try:
        message = await asyncio.wait_for(websocket.receive(), settings.start_timeout_s)
    except TimeoutError:
        await _close_with_error(websocket, 1008, "no 'start' message within the timeout")
        return
    if message["type"] == "websocket.disconnect":
        return
    data = message.get("text") if message.get("text") is not None else message.get("bytes")
    try:
        if data is not None and len(data) > settings.max_frame_bytes:
            raise StartError("start message too large", CLOSE_TOO_BIG)
        start = parse_start(data if data is not None else b"", settings.max_frame_bytes)
        await access_of(websocket).check_call_candidate(grant, start.candidate_id)
        variables = rt.variables(start.variables)
        script = await rt.script_for_call(start.script_id)
        slot = rt.admission.admit("ws")
    except StartError as exc:
        await _refuse(websocket, exc.close_code, str(exc))
        return
    except Denied as exc:  # a candidate the credential may not name (1008), or 1011: no store
        await _refuse(websocket, CLOSE_SERVER_ERROR if exc.status >= 500 else 1008, exc.detail)
        return
    except InputError as exc:
        await _refuse(websocket, exc.close_code, str(exc))
        return
    except Refused as exc:
        await _refuse(websocket, CLOSE_TRY_LATER, str(exc))
        return
    with slot:
        spec = CallSpec(
            candidate_id=start.candidate_id,
            script_id=script.id,
            sample_rate_in=start.sample_rate,
            sample_rate_out=start.sample_rate,
            transport="ws",
            variables=variables,
        )
        try:
            await websocket.send_text(
                json.dumps(event("ready", call_id=spec.call_id, sample_rate=start.sample_rate))
            )
        except Exception as exc:  # whichever way the socket layer reports a vanished client
            log.info(
                "ws call %s: client left before 'ready' (%s)", spec.call_id, type(exc).__name__
            )
            return
        transport = native_transport(websocket, start.sample_rate, settings.max_frame_bytes)
        try:
            await run_call(rt, transport, spec, script=script, slot=slot)
        except Exception:
            log.exception("call %s failed", spec.call_id)
            await _close_with_error(websocket, CLOSE_SERVER_ERROR, "internal error; call ended")


async def _refuse(websocket: WebSocket, code: int, message: str) -> None:
    """Refuse a ``/ws/call`` start: one log line, the error event and the close code."""
    log.warning("ws call refused (%d): %s", code, message[:200])
    await _close_with_error(websocket, code, message)
