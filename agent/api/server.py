"""The FastAPI application: media WebSocket endpoints, REST API, health."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, WebSocket, WebSocketDisconnect
from pipecat.transports.websocket.fastapi import (
    FastAPIWebsocketParams,
    FastAPIWebsocketTransport,
)

from agent.api.access import access_router
from agent.api.telephony import telephony_lifespan, telephony_router
from agent.api.webrtc import webrtc_router
from agent.auth.guard import Access, Action, admit_call_socket, require
from agent.auth.peers import check_twilio_settings
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
    check_twilio_settings(settings)
    access = Access.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The key store's schema is current before the first request is checked against it.
        await asyncio.to_thread(access.keys.db.upgrade)
        if warm:
            made = await asyncio.to_thread(rt.warm, [settings.default_script])
            log.info("start-up: models loaded, %d prompts pre-synthesized", made)
            await asyncio.to_thread(rt.report_unvoiced)
        async with telephony_lifespan(rt):
            yield

    app = FastAPI(title="Screenline", version="0.1.0", lifespan=lifespan)
    app.state.runtime = rt
    app.state.access = access
    app.include_router(access_router())
    app.include_router(telephony_router(rt))
    app.include_router(webrtc_router(rt))

    @app.get("/health")
    async def health() -> dict[str, Any]:
        return {
            "status": "ok",
            "active_calls": len(rt.active),
            "models_loaded": dict(rt.registry.load_counts),
            "prompt_cache": {"items": len(rt.prompt_cache), "hits": rt.prompt_cache.hits},
        }

    @app.get("/api/reports/{report_id}", dependencies=[Depends(require(Action.READ_REPORTS))])
    async def get_report(report_id: str) -> dict[str, Any]:
        try:
            return rt.reports.load(report_id)
        except (FileNotFoundError, ValueError) as exc:
            raise HTTPException(404, str(exc)) from exc

    @app.websocket("/ws/call")
    async def ws_call(websocket: WebSocket) -> None:
        if not await admit_call_socket(websocket):
            return
        await websocket.accept()
        await serve_native_call(rt, websocket)

    return app


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
