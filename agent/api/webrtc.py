"""Browser calls: the candidate page (``GET /interview``) and WebRTC signalling.

Signalling is one HTTP round trip (``POST /api/webrtc/offer``: SDP offer in, SDP answer out, with
pipecat's ``SmallWebRTCRequestHandler``; ``PATCH`` takes trickled ICE candidates). Each new peer
connection becomes a ``SmallWebRTCTransport`` and runs through ``run_call`` like every other
transport. The server's JSON events (``bot_said``, ``listening``, ``transcript``, ``call_ended``)
reach the page over the WebRTC data channel the page opens: the conductor's
``OutputTransportMessageUrgentFrame`` is pipecat's transport-message mechanism, which
SmallWebRTC delivers as data-channel JSON. The page may send ``{"type": "hangup"}`` the same way.

No STUN/TURN server is used unless ``settings.webrtc_ice_servers`` names some: aiortc would
otherwise add a public STUN server, which an offline or on-premises deployment cannot reach.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from pipecat.transports.base_transport import TransportParams
from pipecat.transports.smallwebrtc.connection import IceServer, SmallWebRTCConnection
from pipecat.transports.smallwebrtc.request_handler import (
    IceCandidate,
    SmallWebRTCPatchRequest,
    SmallWebRTCRequest,
    SmallWebRTCRequestHandler,
)
from pipecat.transports.smallwebrtc.transport import SmallWebRTCTransport

from agent.auth.guard import Denied, Invitation, access_of, invitation
from agent.calls.admission import Refused, Slot
from agent.calls.limits import InputError
from agent.calls.run import CallSpec, Runtime, run_call
from telephony.frames import HangupFrame

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
#: The pipeline's rate. The browser sends and plays 48 kHz Opus; pipecat resamples both ways.
PIPELINE_RATE = 16000
#: A browser's offer is a few KB; anything far larger is refused before aiortc parses it.
MAX_SDP_CHARS = 32 * 1024
_MEDIA_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}


def _static(name: str) -> FileResponse:
    """A file from ``agent/api/static`` (flat directory, known types only: no path tricks)."""
    path = STATIC_DIR / name
    media_type = _MEDIA_TYPES.get(path.suffix)
    if "/" in name or "\\" in name or media_type is None or not path.is_file():
        raise HTTPException(404, "not found")
    # no-cache: the page is small and a stale script after an upgrade breaks calls.
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "no-cache"})


_USED_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8">
<title>Interview link</title>
<p>This interview link has been used already. Please ask the recruiter for a new one.</p>
<p lang="zh">此面试链接已被使用，请联系招聘人员获取新链接。</p></html>"""

_REFUSED_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8">
<title>Interview link</title>
<p>This interview link is not valid or has expired. Please ask the recruiter for a new one.</p>
<p lang="zh">此面试链接无效或已过期，请联系招聘人员获取新链接。</p></html>"""


def webrtc_router(rt: Runtime) -> APIRouter:
    """Routes for browser interviews, sharing ``rt`` with the rest of the server."""
    ice_servers = [IceServer(urls=url) for url in rt.settings.webrtc_ice_servers]
    handler = SmallWebRTCRequestHandler(ice_servers=ice_servers or None)
    calls: set[asyncio.Task[Any]] = set()
    # Live connections -> their candidate: a renegotiation must name one of them, with its
    # candidate's invitation (an unknown pc_id would make pipecat open a connection with no call).
    live: dict[str, str] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        # Shutdown: cut live browser calls off (run_call still saves their partial reports).
        for task in list(calls):
            task.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
        await handler.close()

    router = APIRouter(lifespan=lifespan)

    @router.get("/interview", include_in_schema=False, response_model=None)
    async def interview_page(request: Request) -> FileResponse | HTMLResponse:
        access = access_of(request)
        try:  # the invitation link (?invite=...); the page's own requests send it again
            invite = access.check_invitation(request.query_params.get("invite"))
        except Denied as exc:
            return HTMLResponse(_REFUSED_PAGE, status_code=exc.status)
        if await access.invitation_used(invite):
            return HTMLResponse(_USED_PAGE, status_code=410)
        return _static("interview.html")

    @router.get("/static/{name}", include_in_schema=False)
    async def static_file(name: str) -> FileResponse:
        return _static(name)

    @router.get("/api/webrtc/config", dependencies=[Depends(invitation)])
    async def webrtc_config() -> dict[str, Any]:
        """What the page passes to ``new RTCPeerConnection``."""
        return {"iceServers": [{"urls": url} for url in rt.settings.webrtc_ice_servers]}

    @router.post("/api/webrtc/offer")
    async def offer(
        body: dict[str, Any],
        invite: Annotated[Invitation, Depends(invitation)],
        http: Request,
    ) -> dict[str, str]:
        """SDP offer in, SDP answer out; a new connection starts an interview (for the
        invitation's candidate and script, whatever the body says) and spends the invitation:
        a second new connection with it gets 410. An offer that starts no call gives it back."""
        request = _offer_request(body)
        data = request.request_data if isinstance(request.request_data, dict) else {}
        spec: CallSpec | None = None
        slot: Slot | None = None
        access = access_of(http)
        if request.pc_id and live.get(request.pc_id) != invite.candidate_id:
            raise HTTPException(404, "no such connection for this invitation")
        if not request.pc_id:  # a renegotiation reuses its call; only a new one is checked
            try:
                variables = rt.variables(data.get("variables"))
                script = await rt.script_for_call(invite.script_id)
                await access.redeem_invitation(invite)
            except InputError as exc:
                raise HTTPException(exc.status, str(exc)) from exc
            except Denied as exc:
                raise HTTPException(exc.status, exc.detail) from exc
            try:
                slot = rt.admission.admit("webrtc")
            except Refused as exc:
                await access.release_invitation(invite)  # busy: the link works later
                raise HTTPException(503, str(exc)) from exc
            spec = CallSpec(
                candidate_id=invite.candidate_id,
                script_id=script.id,
                sample_rate_in=PIPELINE_RATE,
                sample_rate_out=PIPELINE_RATE,
                transport="webrtc",
                variables=variables,
            )
        started: list[asyncio.Task[Any]] = []

        async def start_call(connection: SmallWebRTCConnection) -> None:
            assert spec is not None and slot is not None
            # The slot travels with the call; a peer that never connects is ended by the
            # call's no-audio limit, which releases it.
            task = asyncio.create_task(
                _run_webrtc_call(
                    rt, connection, spec, slot, lambda: access.release_invitation(invite)
                )
            )
            started.append(task)
            calls.add(task)
            task.add_done_callback(calls.discard)
            pc_id = connection.pc_id
            live[pc_id] = spec.candidate_id
            task.add_done_callback(lambda _task: live.pop(pc_id, None))

        try:
            answer = await handler.handle_web_request(request, start_call)
        except HTTPException:
            raise
        except Exception as exc:  # aiortc rejects an unparsable SDP with assorted errors
            log.warning("webrtc offer refused: %s", str(exc)[:200])
            raise HTTPException(400, "bad offer: SDP could not be negotiated") from None
        finally:
            if slot is not None and not started:
                slot.release()
                await access.release_invitation(invite)
        if answer is None:
            raise HTTPException(500, "no SDP answer")
        if spec is not None:
            answer["call_id"] = spec.call_id
        return answer

    @router.patch("/api/webrtc/offer", dependencies=[Depends(invitation)])
    async def ice_candidates(body: dict[str, Any]) -> dict[str, str]:
        """Trickled ICE candidates for a connection made by ``POST``."""
        try:
            patch = SmallWebRTCPatchRequest(
                pc_id=str(body["pc_id"]),
                candidates=[IceCandidate(**c) for c in body.get("candidates", [])],
            )
        except (KeyError, TypeError) as exc:
            raise HTTPException(400, f"bad candidates: {exc}") from exc
        await handler.handle_patch_request(patch)
        return {"status": "ok"}

    return router


def _offer_request(body: dict[str, Any]) -> SmallWebRTCRequest:
    """The offer body as pipecat's request, its fields type- and size-checked (400 otherwise)."""
    sdp, kind = body.get("sdp"), body.get("type")
    if not isinstance(sdp, str) or not sdp.startswith("v=0") or len(sdp) > MAX_SDP_CHARS:
        raise HTTPException(400, "bad offer: 'sdp' must be an SDP offer (v=0 ...)")
    if "\nm=audio " not in sdp:
        raise HTTPException(400, "bad offer: the SDP offers no audio")
    if kind != "offer":
        raise HTTPException(400, "bad offer: 'type' must be \"offer\"")
    pc_id = body.get("pc_id")
    if pc_id is not None and not isinstance(pc_id, str):
        raise HTTPException(400, "bad offer: 'pc_id' must be a string")
    try:
        return SmallWebRTCRequest.from_dict(dict(body))
    except (TypeError, ValueError) as exc:
        raise HTTPException(400, f"bad offer: {str(exc)[:200]}") from None


async def _run_webrtc_call(
    rt: Runtime,
    connection: SmallWebRTCConnection,
    spec: CallSpec,
    slot: Slot,
    give_back: Callable[[], Awaitable[None]],
) -> None:
    """One browser interview. ``give_back`` returns its invitation when the call ends without a
    word from the candidate (the browser never connected, or they left before answering): the
    link may be tried again. Once they have spoken, it stays spent."""
    transport = SmallWebRTCTransport(
        connection,
        TransportParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            audio_in_sample_rate=PIPELINE_RATE,
            audio_out_sample_rate=PIPELINE_RATE,
        ),
    )

    @transport.event_handler("on_app_message")
    async def _on_message(_transport: Any, message: Any, _sender: Any) -> None:
        # The page's Hang up button: end the interview cleanly (report says hung_up).
        if isinstance(message, dict) and message.get("type") == "hangup":
            await transport.input().push_frame(HangupFrame(reason="client"))

    try:
        record = await run_call(rt, transport, spec, slot=slot)
        if not any(turn.speaker == "candidate" for turn in record.turns):
            log.info(
                "webrtc call %s ended (%s) before the candidate spoke: invitation given back",
                spec.call_id,
                record.end_reason,
            )
            await give_back()
    except Exception:
        log.exception("webrtc call %s failed", spec.call_id)
    finally:
        slot.release()
        await connection.disconnect()
