"""The FastAPI application: media WebSocket endpoints, REST API, health."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, WebSocket, WebSocketDisconnect
from pipecat.transports.websocket.fastapi import (
    FastAPIWebsocketParams,
    FastAPIWebsocketTransport,
)

from agent.api.metrics import monitoring_router
from agent.api.telephony import telephony_lifespan, telephony_router
from agent.api.webrtc import webrtc_router
from agent.calls.run import CallSpec, Runtime, run_call
from agent.settings import Settings
from dialogue.script import ScriptError
from models.errors import ModelError
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


def create_app(settings: Settings, runtime: Runtime | None = None, *, warm: bool = True) -> FastAPI:
    """Build the app. ``warm`` loads models and pre-synthesizes prompts at start-up."""
    rt = runtime or Runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        warming: asyncio.Task[None] | None = None
        if warm:
            # Every model loads before the port opens (seconds); the fixed prompts are
            # synthesized after, in the background: a prompt not cached yet is synthesized
            # when a call first needs it, and cached from then on.
            loaded = await asyncio.to_thread(rt.load_models, [settings.default_script])
            log.info("start-up: models loaded %s", {k: round(v, 2) for k, v in loaded.items()})
            warming = asyncio.create_task(_warm_prompts(rt, [settings.default_script]))
        rt.models_ready = True
        try:
            async with telephony_lifespan(rt):
                yield
        finally:
            if warming is not None:
                warming.cancel()

    app = FastAPI(title="Screenline", version="0.1.0", lifespan=lifespan)
    app.state.runtime = rt
    app.include_router(monitoring_router(rt))
    app.include_router(telephony_router(rt))
    app.include_router(webrtc_router(rt))

    @app.get("/api/reports/{report_id}")
    async def get_report(report_id: str) -> dict[str, Any]:
        try:
            return rt.reports.load(report_id)
        except (FileNotFoundError, ValueError) as exc:
            raise HTTPException(404, str(exc)) from exc

    @app.websocket("/ws/call")
    async def ws_call(websocket: WebSocket) -> None:
        await websocket.accept()
        await serve_native_call(rt, websocket)

    return app


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


def native_transport(websocket: WebSocket, sample_rate: int) -> FastAPIWebsocketTransport:
    """pipecat transport for an accepted ``/ws/call`` socket after its handshake."""
    return FastAPIWebsocketTransport(
        websocket,
        FastAPIWebsocketParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            audio_in_sample_rate=sample_rate,
            audio_out_sample_rate=sample_rate,
            serializer=NativeFrameSerializer(sample_rate),
            # Origin checks belong to the page that embeds a client; the protocol has none.
            allowed_origins=[],
        ),
    )


async def serve_native_call(rt: Runtime, websocket: WebSocket) -> None:
    """The ``/ws/call`` protocol: handshake, then one pipeline until the call ends."""
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
        start = parse_start(data if data is not None else b"")
        script = rt.script(start.script_id)
        rt.prepare(script)
    except StartError as exc:
        await _close_with_error(websocket, exc.close_code, str(exc))
        return
    except (ScriptError, FileNotFoundError, ModelError) as exc:
        await _close_with_error(websocket, 1008, str(exc))
        return
    if len(rt.active) >= settings.max_concurrent_calls:
        rt.refusals["capacity"] += 1
        await _close_with_error(websocket, CLOSE_TRY_LATER, "server at capacity, retry later")
        return
    spec = CallSpec(
        candidate_id=start.candidate_id,
        script_id=script.id,
        sample_rate_in=start.sample_rate,
        sample_rate_out=start.sample_rate,
        transport="ws",
        variables=start.variables,
    )
    await websocket.send_text(
        json.dumps(event("ready", call_id=spec.call_id, sample_rate=start.sample_rate))
    )
    try:
        await run_call(rt, native_transport(websocket, start.sample_rate), spec, script=script)
    except Exception:
        log.exception("call %s failed", spec.call_id)
        await _close_with_error(websocket, CLOSE_SERVER_ERROR, "internal error; call ended")
