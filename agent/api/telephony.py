"""Telephony glue: carrier webhooks, media streams and outbound calls, all through ``run_call``.

- Twilio: ``POST /telephony/twilio/voice`` answers with ``<Connect><Stream>``; the media stream
  ``/telephony/twilio/stream``; ``POST /telephony/twilio/status`` records call progress and
  answering-machine verdicts; ``POST /api/calls`` places a call, ``GET /api/calls/{sid}`` shows
  its history. Webhooks must carry a valid ``X-Twilio-Signature``; the stream's ``start`` must
  bring back the signed ``token`` parameter our TwiML gave it (``agent/auth/guard.py``).
- FreeSWITCH ``mod_audio_stream`` / ``mod_audio_fork``: ``/telephony/freeswitch``; the metadata
  frame must carry the shared secret as ``token``.
- Asterisk AudioSocket: a TCP listener (:func:`telephony_lifespan`, when
  ``settings.audiosocket_port`` is set), for peers in ``auth.audiosocket_allow`` only;
  ``POST /api/audiosocket/expect`` maps a call UUID to a candidate and script beforehand.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import (
    APIRouter,
    Depends,
    HTTPException,
    Request,
    Response,
    WebSocket,
    WebSocketDisconnect,
)
from pipecat.transports.base_transport import BaseTransport
from pydantic import BaseModel, Field

from agent.auth.guard import Access, Action, Denied, access_of, http_base, require
from agent.auth.limiter import note_failure
from agent.auth.peers import (
    NumberRefused,
    address_allow_list,
    check_dial_number,
    freeswitch_peer_ok,
)
from agent.calls.admission import Refused, Slot
from agent.calls.calllog import CallLog
from agent.calls.limits import InputError, check_script_id, mask_phone
from agent.calls.run import CallSpec, Runtime, run_call
from agent.settings import Settings
from dialogue.script import Script
from telephony.audiosocket_transport import AudioSocketServer, AudioSocketTransport
from telephony.errors import ProtocolError
from telephony.freeswitch import (
    AUDIO_FORK_SUBPROTOCOL,
    FreeSwitchMetadata,
    FreeSwitchModule,
    FreeSwitchStream,
)
from telephony.freeswitch_ws import FreeSwitchSerializer
from telephony.twilio import (
    TWILIO_SAMPLE_RATE,
    TwilioMediaStream,
    busy_twiml,
    connect_stream_twiml,
    hangup_twiml,
    redirect_twiml,
    say_hangup_twiml,
    validate_signature,
)
from telephony.twilio_rest import (
    AnsweredBy,
    TwilioRestClient,
    TwilioRestError,
    parse_status_callback,
)
from telephony.twilio_ws import TwilioSerializer
from telephony.ws_transport import CarrierWebsocketTransport, websocket_params

log = logging.getLogger(__name__)

TWILIO_VOICE_PATH = "/telephony/twilio/voice"
TWILIO_STREAM_PATH = "/telephony/twilio/stream"
TWILIO_STATUS_PATH = "/telephony/twilio/status"
#: Twilio comes here when the stream's WebSocket closes: hang up, or, after a refused stream,
#: back to the voice webhook (another worker may take the call).
TWILIO_AFTER_PATH = "/telephony/twilio/after-stream"
CLOSE_POLICY = 1008
CLOSE_TRY_LATER = 1013
#: Carrier call ids kept as report fields: printable, bounded (never used as file names).
_CARRIER_ID = re.compile(r"[A-Za-z0-9_.:-]{1,100}")
#: Call-log events that say how a stream went: refused by admission, or taken ("stream").
_STREAM_EVENTS = frozenset({"refused", "stream"})
_MACHINE = frozenset(
    {
        AnsweredBy.MACHINE_START,
        AnsweredBy.MACHINE_END_BEEP,
        AnsweredBy.MACHINE_END_SILENCE,
        AnsweredBy.MACHINE_END_OTHER,
        AnsweredBy.FAX,
    }
)


class DialError(RuntimeError):
    """An outbound call could not be placed (configuration or carrier error)."""


class CallRequest(BaseModel):
    """Body of ``POST /api/calls``."""

    to: str = Field(min_length=2, max_length=32)
    candidate_id: str = Field(min_length=1, max_length=200)
    script_id: str | None = Field(default=None, max_length=64)


class AudioSocketExpectation(BaseModel):
    """Body of ``POST /api/audiosocket/expect``."""

    uuid: str = Field(max_length=64)
    candidate_id: str = Field(min_length=1, max_length=200)
    script_id: str | None = Field(default=None, max_length=64)


# --- URLs ---------------------------------------------------------------------------------------


def public_bases(settings: Settings) -> tuple[str, str]:
    """(webhook base ``http(s)://host[/prefix]``, media base ``wss://host[/prefix]``).

    From ``settings.public_url`` (a host, or any http/https/ws/wss URL), never from a request's
    ``Host`` header, which the caller chooses. Twilio only streams to ``wss://``.
    """
    if not settings.public_url:
        raise DialError("set SCREENLINE_PUBLIC_URL: Twilio needs a public address to call back")
    base = http_base(settings)
    return base, "wss://" + base.split("://", 1)[1]


def _twilio_url(
    webhook_base: str, path: str, candidate_id: str, script_id: str | None, attempt: int
) -> str:
    """A webhook URL carrying what the voice webhook needs to start the interview again."""
    query = {"candidate_id": candidate_id, **({"script_id": script_id} if script_id else {})}
    return f"{webhook_base}{path}?{urlencode({**query, 'attempt': str(attempt)})}"


def _webhook_script_id(value: str | None) -> str | None:
    """A webhook's ``script_id`` (None when absent); 422 unless it is an id (never a path)."""
    if not value:
        return None
    try:
        check_script_id(value)
    except InputError as exc:
        raise HTTPException(422, str(exc)) from exc
    return value


def _webhook_bases(settings: Settings) -> tuple[str, str]:
    """:func:`public_bases` for a webhook: 503 while no public URL is configured."""
    try:
        return public_bases(settings)
    except DialError as exc:
        raise HTTPException(503, str(exc)) from exc


def _attempt(value: str | None, settings: Settings) -> int:
    """The ``attempt`` query value: a bounded int (0 when absent or malformed)."""
    try:
        return min(max(int(value or 0), 0), settings.twilio.busy_retries)
    except ValueError:
        return 0


def _signed_url(settings: Settings, request: Request) -> str:
    """The URL Twilio signed: the public one when configured (a proxy rewrites ours)."""
    if not settings.public_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return public_bases(settings)[0] + request.url.path + query


async def twilio_form(settings: Settings, request: Request) -> list[tuple[str, str]]:
    """The webhook's form fields, after checking ``X-Twilio-Signature`` (403 when forged)."""
    body = (await request.body()).decode("utf-8", "replace")
    form = parse_qsl(body, keep_blank_values=True)
    token = settings.twilio.auth_token
    if token:
        signature = request.headers.get("x-twilio-signature", "")
        if not validate_signature(token, _signed_url(settings, request), form, signature):
            log.warning("twilio webhook %s: bad signature, rejected", request.url.path)
            note_failure()  # a forged signature counts like a bad key (agent/auth/limiter.py)
            raise HTTPException(403, "invalid X-Twilio-Signature")
    elif not settings.twilio.dev_unsigned_webhooks:  # fail closed: nothing to verify with
        raise HTTPException(503, "Twilio webhooks are off: set SCREENLINE_TWILIO__AUTH_TOKEN")
    return form


# --- outbound calls -----------------------------------------------------------------------------


async def place_call(
    settings: Settings,
    calls: CallLog,
    access: Access,
    *,
    to: str,
    candidate_id: str,
    script_id: str | None,
) -> str:
    """Dial ``to`` through Twilio; the answered call streams into an interview. Returns the SID.

    Raises :class:`NumberRefused` for a number outside the dialling policy, :class:`DialError`
    when Twilio is not configured or refuses."""
    check_dial_number(settings.auth, to)
    tw = settings.twilio
    if not (tw.account_sid and tw.auth_token and tw.from_number):
        raise DialError("Twilio is not configured (twilio.account_sid, auth_token, from_number)")
    webhook_base, media_base = public_bases(settings)
    twiml = connect_stream_twiml(
        media_base + TWILIO_STREAM_PATH,
        stream_parameters(access, candidate_id, script_id, call_sid=None),
        then=_twilio_url(webhook_base, TWILIO_AFTER_PATH, candidate_id, script_id, 0),
    )
    status_url = webhook_base + TWILIO_STATUS_PATH
    try:
        async with TwilioRestClient(
            tw.account_sid, tw.auth_token, base_url=tw.api_base_url
        ) as client:
            created = await client.create_call(
                to=to,
                from_=tw.from_number,
                twiml=twiml,
                status_callback=status_url,
                async_amd_status_callback=status_url,
            )
    except TwilioRestError as exc:
        raise DialError(str(exc)) from exc
    # "initial", not "status": Twilio's first callbacks may already have overtaken this answer.
    calls.record(
        created.sid,
        "created",
        initial=str(created.status),
        to=to,
        candidate_id=candidate_id,
        script_id=script_id,
    )
    return created.sid


async def handle_machine(settings: Settings, calls: CallLog, call_sid: str) -> None:
    """A machine answered: leave the voicemail message (or hang up), per settings."""
    tw = settings.twilio
    if not (tw.account_sid and tw.auth_token):
        return
    action = tw.voicemail
    try:
        async with TwilioRestClient(
            tw.account_sid, tw.auth_token, base_url=tw.api_base_url
        ) as client:
            if action == "message":
                await client.update_call(call_sid, twiml=say_hangup_twiml(tw.voicemail_text))
            else:
                await client.update_call(call_sid, status="completed")
    except TwilioRestError as exc:
        log.warning("twilio %s: voicemail %s failed: %s", call_sid, action, exc)
        calls.record(call_sid, "voicemail", action=action, error=str(exc))
        return
    calls.record(call_sid, "voicemail", action=action)


def stream_parameters(
    access: Access, candidate_id: str, script_id: str | None, call_sid: str | None
) -> dict[str, str]:
    """The ``<Stream>`` custom parameters: readable fields plus the signed ``token`` that the
    stream's ``start`` must bring back (the only part the stream handler trusts)."""
    parameters = {"candidate_id": candidate_id}
    if script_id:
        parameters["script_id"] = script_id
    if call_sid:
        parameters["call_sid"] = call_sid
    parameters["token"] = access.stream_token(candidate_id, script_id, call_sid)
    return parameters


# --- running a carrier call ---------------------------------------------------------------------


def _carrier_id(value: str | None) -> str | None:
    """The carrier's id for the report's ``carrier_call_id`` field (None when unusable)."""
    return value if value and _CARRIER_ID.fullmatch(value) else None


async def _run(
    rt: Runtime, transport: BaseTransport, spec: CallSpec, script: Script, slot: Slot
) -> None:
    try:
        record = await run_call(rt, transport, spec, script=script, slot=slot)
    except Exception:
        log.exception("%s call %s failed", spec.transport, spec.call_id)
        return
    finally:
        slot.release()
    for hook in rt.call_end_hooks:
        try:
            await hook(record)
        except Exception:  # a hook's failure is its own, never the call's
            log.exception("call %s: end hook failed", spec.call_id)
    log.info(
        "%s call %s ended: %s (%s)", spec.transport, spec.call_id, record.outcome, record.end_reason
    )


def _message_data(message: Any) -> str | bytes:
    if message.get("text") is not None:
        return str(message["text"])
    return bytes(message.get("bytes") or b"")


async def _close(websocket: WebSocket, reason: str, code: int = CLOSE_POLICY) -> None:
    log.warning("%s: refused (%d): %s", websocket.url.path, code, reason[:200])
    with contextlib.suppress(RuntimeError, WebSocketDisconnect, OSError):  # already gone
        await websocket.close(code=code, reason=reason[:120])


async def serve_twilio_stream(rt: Runtime, websocket: WebSocket) -> None:
    """One Twilio Media Stream: ``connected``/``start`` here, then the interview."""
    settings = rt.settings
    stream = TwilioMediaStream(max_message_bytes=settings.max_frame_bytes)
    try:
        async with asyncio.timeout(settings.start_timeout_s):
            while stream.start is None:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    return
                stream.receive(_message_data(message))
        start = stream.start
        assert start is not None
        grant = access_of(websocket).check_stream(
            start.custom_parameters.get("token"), start.call_sid
        )
        script = await rt.script_for_call(grant.script_id)
        slot = rt.admission.admit("twilio")
    except (ProtocolError, ValueError, Denied) as exc:
        await _close(websocket, str(exc))
        return
    except Refused as exc:
        if stream.start is not None:  # the after-stream webhook sends the call elsewhere
            rt.calls.record(stream.start.call_sid, "refused", reason=exc.reason)
        await _close(websocket, str(exc), CLOSE_TRY_LATER)
        return
    except TimeoutError:
        await _close(websocket, "no Twilio 'start' message within the timeout")
        return
    spec = CallSpec(
        candidate_id=grant.candidate_id[:200],
        script_id=script.id,
        sample_rate_in=TWILIO_SAMPLE_RATE,
        sample_rate_out=TWILIO_SAMPLE_RATE,
        transport="twilio",
        carrier_id=_carrier_id(start.call_sid),
    )
    rt.calls.record(start.call_sid, "stream", stream_sid=start.stream_sid, call_id=spec.call_id)
    serializer = TwilioSerializer(stream)
    transport = CarrierWebsocketTransport(
        websocket, websocket_params(serializer, TWILIO_SAMPLE_RATE)
    )
    await _run(rt, transport, spec, script, slot)


def _freeswitch_module(websocket: WebSocket) -> FreeSwitchModule:
    offered = websocket.scope.get("subprotocols") or []
    if AUDIO_FORK_SUBPROTOCOL in offered or websocket.query_params.get("module") == "fork":
        return FreeSwitchModule.AUDIO_FORK
    return FreeSwitchModule.AUDIO_STREAM


def _metadata_str(meta: FreeSwitchMetadata, key: str) -> str | None:
    value = meta.fields.get(key)
    return value if isinstance(value, str) and value.strip() else None


async def serve_freeswitch(rt: Runtime, websocket: WebSocket) -> None:
    """One mod_audio_stream / mod_audio_fork stream: metadata here, then the interview."""
    settings = rt.settings
    module = _freeswitch_module(websocket)
    offered = websocket.scope.get("subprotocols") or []
    # mod_audio_fork insists on its subprotocol being selected in the handshake.
    await websocket.accept(
        subprotocol=AUDIO_FORK_SUBPROTOCOL if AUDIO_FORK_SUBPROTOCOL in offered else None
    )
    rate = websocket.query_params.get("rate")
    stream = FreeSwitchStream(
        module,
        sample_rate=int(rate) if rate in ("8000", "16000") else None,
        max_frame_bytes=settings.max_frame_bytes,
    )
    try:
        message = await asyncio.wait_for(websocket.receive(), settings.start_timeout_s)
        if message["type"] == "websocket.disconnect":
            return
        stream.receive(_message_data(message))
        meta = stream.metadata
        assert meta is not None
        if not freeswitch_peer_ok(settings.auth, meta.fields.get("token")):
            raise ValueError("FreeSWITCH metadata lacks the shared secret (token)")
        script = await rt.script_for_call(_metadata_str(meta, "script_id"))
        slot = rt.admission.admit(str(module))
    except (ProtocolError, ValueError) as exc:
        await _close(websocket, str(exc))
        return
    except Refused as exc:
        await _close(websocket, str(exc), CLOSE_TRY_LATER)
        return
    except TimeoutError:
        await _close(websocket, "no metadata frame within the timeout")
        return
    candidate = _metadata_str(meta, "candidate_id") or meta.caller_id or meta.call_uuid
    spec = CallSpec(
        candidate_id=(candidate or "unknown")[:200],
        script_id=script.id,
        sample_rate_in=meta.sample_rate,
        sample_rate_out=meta.sample_rate,
        transport=str(module),
        carrier_id=_carrier_id(meta.call_uuid),
    )
    transport = CarrierWebsocketTransport(
        websocket, websocket_params(FreeSwitchSerializer(stream), meta.sample_rate)
    )
    await _run(rt, transport, spec, script, slot)


async def serve_audiosocket(rt: Runtime, transport: AudioSocketTransport) -> None:
    """One AudioSocket call: candidate/script from a registration, else the UUID + default."""
    key = str(transport.call_uuid)
    expected = await asyncio.to_thread(rt.audiosocket_expected.pop, key)
    candidate, script_id = expected or (key, None)
    try:
        script = await rt.script_for_call(script_id)
        slot = rt.admission.admit("audiosocket")
    except (InputError, Refused) as exc:
        log.warning("audiosocket %s: refused: %s", key, exc)
        return  # the server hangs up
    spec = CallSpec(
        candidate_id=candidate,
        script_id=script.id,
        sample_rate_in=8000,
        sample_rate_out=8000,
        transport="audiosocket",
        carrier_id=key,
    )
    await _run(rt, transport, spec, script, slot)


async def start_audiosocket(rt: Runtime, host: str, port: int) -> AudioSocketServer:
    """Start an AudioSocket listener whose calls run interviews on ``rt``."""

    async def on_call(transport: AudioSocketTransport) -> None:
        await serve_audiosocket(rt, transport)

    server = AudioSocketServer(
        on_call,
        handshake_timeout_s=rt.settings.start_timeout_s,
        peer_allowed=address_allow_list(rt.settings),
    )
    bound = await server.start(host, port)
    log.info("AudioSocket listening on %s:%d", *bound)
    return server


@asynccontextmanager
async def telephony_lifespan(rt: Runtime) -> AsyncIterator[None]:
    """App lifespan part: the AudioSocket listener when ``settings.audiosocket_port`` is set."""
    settings = rt.settings
    server = None
    if settings.audiosocket_port is not None:
        server = await start_audiosocket(rt, settings.host, settings.audiosocket_port)
    try:
        yield
    finally:
        if server is not None:
            await server.close()


# --- routes -------------------------------------------------------------------------------------


def telephony_router(rt: Runtime) -> APIRouter:
    """Carrier webhooks, media streams and the outbound-call API for ``rt``."""
    settings = rt.settings
    router = APIRouter()
    background: set[asyncio.Task[None]] = set()

    @router.post(TWILIO_VOICE_PATH)
    async def twilio_voice(request: Request) -> Response:
        fields = dict(await twilio_form(settings, request))
        query = request.query_params
        call_sid = fields.get("CallSid", "")
        candidate = (
            query.get("candidate_id")
            or fields.get("candidate_id")
            or fields.get("From")
            or call_sid
        )
        attempt = _attempt(query.get("attempt"), settings)
        if not rt.admission.can_admit():
            # Refuse before the stream opens: the caller hears busy, no slot was ever taken.
            # A call sent back here after a refused stream is answered already: no <Reject>.
            log.warning("twilio voice %s: refused, server busy", call_sid[:40])
            busy = say_hangup_twiml(settings.twilio.busy_text) if attempt else busy_twiml()
            return Response(busy, media_type="application/xml")
        script_id = _webhook_script_id(query.get("script_id") or fields.get("script_id"))
        webhook_base, media_base = _webhook_bases(settings)
        parameters = stream_parameters(
            access_of(request), candidate[:200], script_id, call_sid[:100]
        )
        after = _twilio_url(webhook_base, TWILIO_AFTER_PATH, candidate[:200], script_id, attempt)
        twiml = connect_stream_twiml(media_base + TWILIO_STREAM_PATH, parameters, then=after)
        return Response(twiml, media_type="application/xml")

    @router.post(TWILIO_AFTER_PATH)
    async def twilio_after_stream(request: Request) -> Response:
        """The stream's WebSocket closed. After an interview: hang up. After a stream that a
        full, overloaded or draining worker refused: back to the voice webhook, which any
        worker may answer, ``twilio.busy_retries`` times; then the busy message."""
        fields = dict(await twilio_form(settings, request))
        query = request.query_params
        sid = fields.get("CallSid", "")[:100]
        history = rt.calls.history(sid) or []
        events = [e["event"] for e in history if e["event"] in _STREAM_EVENTS]
        if not events or events[-1] != "refused":
            return Response(hangup_twiml(), media_type="application/xml")
        attempt = _attempt(query.get("attempt"), settings)
        if attempt >= settings.twilio.busy_retries:
            log.warning("twilio %s: refused %d times, busy message", sid[:40], attempt + 1)
            busy = say_hangup_twiml(settings.twilio.busy_text)
            return Response(busy, media_type="application/xml")
        candidate = (query.get("candidate_id") or sid)[:200]
        script_id = _webhook_script_id(query.get("script_id"))
        webhook_base, _media = _webhook_bases(settings)
        again = _twilio_url(webhook_base, TWILIO_VOICE_PATH, candidate, script_id, attempt + 1)
        return Response(redirect_twiml(again), media_type="application/xml")

    @router.websocket(TWILIO_STREAM_PATH)
    async def twilio_stream(websocket: WebSocket) -> None:
        await websocket.accept()
        await serve_twilio_stream(rt, websocket)

    @router.post(TWILIO_STATUS_PATH)
    async def twilio_status(request: Request) -> Response:
        form = await twilio_form(settings, request)
        try:
            callback = parse_status_callback(form)
        except ProtocolError as exc:
            raise HTTPException(400, str(exc)) from exc
        sid = callback.call_sid
        if callback.call_status is not None:
            rt.calls.record(
                sid,
                "status",
                status=str(callback.call_status),
                sequence=callback.sequence_number,
                duration_s=callback.call_duration_s,
            )
        if callback.answered_by is not None:
            rt.calls.record(sid, "amd", answered_by=str(callback.answered_by))
            if callback.answered_by in _MACHINE:
                # Answer Twilio at once; the REST call to redirect the call runs after.
                task = asyncio.create_task(handle_machine(settings, rt.calls, sid))
                background.add(task)
                task.add_done_callback(background.discard)
        return Response(status_code=204)

    @router.post("/api/calls", status_code=201, dependencies=[Depends(require(Action.PLACE_CALLS))])
    async def create_call(body: CallRequest, request: Request) -> dict[str, Any]:
        try:
            await rt.script_for_call(body.script_id)
        except InputError as exc:
            raise HTTPException(exc.status, str(exc)) from exc
        try:
            sid = await place_call(
                settings,
                rt.calls,
                access_of(request),
                to=body.to,
                candidate_id=body.candidate_id,
                script_id=body.script_id,
            )
        except NumberRefused as exc:
            raise HTTPException(422, str(exc)) from exc
        except DialError as exc:
            log.warning("outbound call to %s failed: %s", mask_phone(body.to), exc)
            raise HTTPException(502, str(exc)) from exc
        return {"sid": sid, "history": rt.calls.history(sid)}

    @router.get("/api/calls/{sid}", dependencies=[Depends(require(Action.READ_CALLS))])
    async def get_call(sid: str) -> dict[str, Any]:
        history = rt.calls.history(sid)
        if history is None:
            raise HTTPException(404, "no such call")
        return {"sid": sid, "status": rt.calls.latest_status(sid), "history": history}

    @router.websocket("/telephony/freeswitch")
    async def freeswitch(websocket: WebSocket) -> None:
        await serve_freeswitch(rt, websocket)

    @router.post(
        "/api/audiosocket/expect",
        status_code=201,
        dependencies=[Depends(require(Action.ROUTE_CALLS))],
    )
    async def expect_audiosocket(body: AudioSocketExpectation) -> dict[str, Any]:
        try:
            key = str(uuid.UUID(body.uuid))
        except ValueError as exc:
            raise HTTPException(422, f"invalid uuid {body.uuid!r}") from exc
        try:
            await rt.script_for_call(body.script_id)
        except InputError as exc:
            raise HTTPException(exc.status, str(exc)) from exc
        try:
            await asyncio.to_thread(
                rt.audiosocket_expected.put, key, (body.candidate_id, body.script_id)
            )
        except Exception as exc:  # the shared store (Redis) is away: the PBX should retry
            log.error("audiosocket %s: expectation not stored (%s)", key, type(exc).__name__)
            raise HTTPException(503, "call state store unavailable; retry") from exc
        return {"uuid": key, "candidate_id": body.candidate_id, "script_id": body.script_id}

    return router


__all__ = [
    "CallRequest",
    "DialError",
    "place_call",
    "public_bases",
    "start_audiosocket",
    "stream_parameters",
    "telephony_lifespan",
    "telephony_router",
]
