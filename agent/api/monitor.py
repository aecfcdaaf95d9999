"""The QA live monitor over HTTP and WebSockets (issue 16).

- ``GET /qa``: the page (static; it holds no data and asks for a ``qa`` key).
- ``POST /api/monitor/tickets`` (``qa``/``admin`` key): a short-lived ticket for the sockets, so
  the key never travels in a URL.
- ``GET /api/live-calls``: the live calls of every process on the bus.
- ``WS /ws/monitor``: first message ``{"type": "auth", "ticket": ...}``; then the server sends
  ``{"type": "calls", "calls": [...]}`` and every call's events as they happen, and takes
  ``{"type": "flag"|"end"|"takeover"|"handback", "call_id": ..., "note"?: ...}``.
- ``WS /ws/monitor/listen``: first message ``{"type": "auth", "ticket": ..., "call_id": ...}``;
  then ``{"type": "audio", "sample_rate": R}`` and binary PCM16 mono frames of both sides mixed
  (20 ms each). While the call is taken over, binary frames the page sends (PCM16 mono 16 kHz)
  are the QA person's voice to the caller.
- ``GET /api/calls/{id}/recording`` (``qa``/``recruiter``/``admin`` key, or the report page's
  recording token): the stereo WAV, with HTTP Range support. One still being written (the
  goodbye of a call that has just ended) is waited for a few seconds, then answered 409 with
  ``Retry-After``.
- :func:`report_html`: the report page (``GET /api/reports/{id}.html``) with the recording's
  player (each turn, flag and taken-over span seeks to its moment).

Every monitor action is an audit entry (:func:`agent.monitor.audit.audit`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse
from fastapi.security import HTTPAuthorizationCredentials

from agent.api.webrtc import _static
from agent.auth.guard import Access, Action, Denied, _bearer, _http, access_of, require
from agent.calls.run import Runtime
from agent.monitor.events import MAX_NOTE_CHARS
from agent.monitor.recording import call_recording_path, part_path
from agent.reports.html import render_report_html
from agent.store.apikeys import KeyInfo
from telephony._wire import loads_bounded
from telephony.errors import ProtocolError

log = logging.getLogger(__name__)

#: Largest message a monitor page may send: a command (JSON) or a 20 ms microphone frame.
MAX_MESSAGE_BYTES = 8 * 1024
AUTH_TIMEOUT_S = 5.0
_COMMANDS = {"flag", "end", "takeover", "handback"}
_MAX_ID = 100


#: How long a download waits for a recording that is still being written (the goodbye of a
#: call that has just ended) before it answers 409 with this as ``Retry-After``.
RECORDING_WAIT_S = 5.0
_WAIT_STEP_S = 0.1


async def _recording_state(path: Path) -> str | None:
    """``"finished"`` when ``path`` holds a finished recording (waiting :data:`RECORDING_WAIT_S`
    at most for one still being written), ``"writing"`` when it is still being written after
    that, None when there is no such recording."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RECORDING_WAIT_S
    while True:
        if await asyncio.to_thread(path.is_file):
            return "finished"
        if not await asyncio.to_thread(part_path(path).is_file):
            # (renamed since the first look, or never there)
            return "finished" if await asyncio.to_thread(path.is_file) else None
        if loop.time() >= deadline:
            return "writing"
        await asyncio.sleep(_WAIT_STEP_S)


def _call_id(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_ID:
        raise ProtocolError("call_id must be a string of 1-100 characters")
    return value


async def _first_message(websocket: WebSocket) -> dict[str, Any]:
    """The auth message every monitor socket starts with (bounded in size and time)."""
    message = await asyncio.wait_for(websocket.receive(), AUTH_TIMEOUT_S)
    data = message.get("text")
    if data is None:
        raise ProtocolError("the first message must be a JSON auth message")
    value = loads_bounded(data, MAX_MESSAGE_BYTES, "auth message")
    if not isinstance(value, dict) or value.get("type") != "auth":
        raise ProtocolError('the first message must be {"type": "auth", "ticket": ...}')
    return value


async def _authenticate(websocket: WebSocket) -> tuple[str, dict[str, Any]] | None:
    """Accept, read the auth message and check its ticket: (key id, message), or None after
    closing the socket with 1008."""
    await websocket.accept()
    try:
        first = await _first_message(websocket)
        key_id = await access_of(websocket).check_monitor_ticket(first.get("ticket"))
        return key_id, first
    except (TimeoutError, ProtocolError, Denied, WebSocketDisconnect, RuntimeError) as exc:
        reason = exc.detail if isinstance(exc, Denied) else str(exc) or "no auth message"
        log.warning("%s: refused: %s", websocket.url.path, reason[:200])
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.send_text(json.dumps({"type": "error", "message": reason[:200]}))
            await websocket.close(code=1008, reason=reason[:120])
        return None


def monitor_router(rt: Runtime) -> APIRouter:
    """Routes of the QA monitor, sharing ``rt`` (and its bus) with the rest of the server."""
    router = APIRouter()
    bus = rt.bus
    monitor = [Depends(require(Action.MONITOR))]

    @router.get("/qa", include_in_schema=False)
    async def qa_page() -> FileResponse:
        return _static("qa.html")

    @router.post("/api/monitor/tickets", status_code=201)
    async def ticket(
        request: Request, key: Annotated[KeyInfo, Depends(require(Action.MONITOR))]
    ) -> dict[str, Any]:
        access = access_of(request)
        return {
            "ticket": access.monitor_ticket(key),
            "ttl_s": rt.settings.monitor.ticket_ttl_s,
            "key_id": key.key_id,
        }

    @router.get("/api/live-calls", dependencies=monitor)
    async def live_calls() -> dict[str, Any]:
        return {"calls": await bus.live_calls()}

    @router.websocket("/ws/monitor")
    async def ws_monitor(websocket: WebSocket) -> None:
        authed = await _authenticate(websocket)
        if authed is None:
            return
        key_id, _ = authed
        rt.audit(key_id, "monitor.open", "*")
        events = bus.subscribe()
        try:
            await websocket.send_text(
                json.dumps({"type": "calls", "calls": await bus.live_calls()})
            )
            reader = asyncio.create_task(_commands(websocket, key_id))
            sender = asyncio.create_task(_send_events(websocket, events))
            done, pending = await asyncio.wait(
                {reader, sender}, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.info("monitor socket closed: %s", type(task.exception()).__name__)
        finally:
            events.close()
        if events.dropped:  # too slow for the event rate: say so, the page reconnects
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.close(code=1013, reason="too slow; reconnect")

    async def _send_events(websocket: WebSocket, events: Any) -> None:
        async for event in events:
            await websocket.send_text(json.dumps(event, ensure_ascii=False))

    async def _commands(websocket: WebSocket, key_id: str) -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            try:
                data = message.get("text")
                if data is None:
                    raise ProtocolError("commands are JSON text messages")
                command = loads_bounded(data, MAX_MESSAGE_BYTES, "command")
                if not isinstance(command, dict) or command.get("type") not in _COMMANDS:
                    raise ProtocolError(f"unknown command; one of {sorted(_COMMANDS)}")
                call_id = _call_id(command.get("call_id"))
                note = command.get("note", "")
                if not isinstance(note, str) or len(note) > MAX_NOTE_CHARS:
                    raise ProtocolError(f"note must be a string of at most {MAX_NOTE_CHARS}")
                if not await bus.is_live(call_id):
                    raise ProtocolError("no such live call")
            except ProtocolError as exc:
                await websocket.send_text(json.dumps({"type": "error", "message": str(exc)}))
                continue
            cmd = {"cmd": command["type"], "by": key_id, "note": note}
            await bus.command(call_id, cmd)
            await websocket.send_text(
                json.dumps({"type": "ack", "command": command["type"], "call_id": call_id})
            )

    @router.websocket("/ws/monitor/listen")
    async def ws_listen(websocket: WebSocket) -> None:
        authed = await _authenticate(websocket)
        if authed is None:
            return
        key_id, first = authed
        try:
            call_id = _call_id(first.get("call_id"))
            calls = {c["call_id"]: c for c in await bus.live_calls()}
            if call_id not in calls:
                raise ProtocolError("no such live call")
        except ProtocolError as exc:
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                await websocket.send_text(json.dumps({"type": "error", "message": str(exc)}))
                await websocket.close(code=1008, reason=str(exc)[:120])
            return
        rt.audit(key_id, "monitor.listen", call_id)
        frames = bus.listen(call_id)
        rate = calls[call_id].get("sample_rate") or 16000
        try:
            await websocket.send_text(json.dumps({"type": "audio", "sample_rate": rate}))
            sender = asyncio.create_task(_send_audio(websocket, frames))
            reader = asyncio.create_task(_mic(websocket, call_id))
            _done, pending = await asyncio.wait(
                {sender, reader}, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
        finally:
            frames.close()
            rt.audit(key_id, "monitor.listen_end", call_id)
        with contextlib.suppress(RuntimeError, WebSocketDisconnect):
            await websocket.close()

    async def _send_audio(websocket: WebSocket, frames: Any) -> None:
        async for pcm in frames:
            await websocket.send_bytes(pcm)

    async def _mic(websocket: WebSocket, call_id: str) -> None:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("bytes")
            if data is not None and len(data) <= MAX_MESSAGE_BYTES:
                bus.send_mic(call_id, data)  # dropped unless the call is taken over

    @router.get("/api/calls/{call_id}/recording", response_model=None)
    async def recording(
        call_id: str,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> FileResponse:
        access = access_of(request)
        try:
            token = request.query_params.get("token")
            if credentials is None and token:
                access.check_recording_token(token, call_id)
            else:
                await access.key(
                    credentials.credentials if credentials else None, Action.READ_RECORDINGS
                )
        except Denied as exc:
            raise _http(exc) from exc
        try:
            path = call_recording_path(rt.settings.resolved_recordings_dir, call_id)
        except ValueError as exc:
            raise HTTPException(404, "no such recording") from exc
        state = await _recording_state(path)
        if state == "writing":  # the call (or its goodbye) is still being recorded
            raise HTTPException(
                409,
                "the recording is still being written",
                headers={"Retry-After": str(round(RECORDING_WAIT_S))},
            )
        if state is None:
            raise HTTPException(404, "no such recording")
        return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "no-store"})

    return router


def report_html(access: Access, report: dict[str, Any]) -> str:
    """The report page, with its recording's player when the call was recorded (the link
    carries a recording token: an ``<audio>`` element cannot send a key)."""
    url = None
    if (report.get("monitor") or {}).get("recording"):
        call_id = str(report["call_id"])
        url = f"/api/calls/{call_id}/recording?token={access.recording_token(call_id)}"
    return render_report_html(report, recording_url=url)
