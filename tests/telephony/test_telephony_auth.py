"""Carrier entry points refuse peers that cannot prove themselves, on the real server: a Twilio
media stream without (or with a forged, expired or other call's) signed parameter, FreeSWITCH
metadata without the shared secret, an AudioSocket peer outside the allow-list; anonymous or
wrong-role outbound calls; Twilio configured without an auth token refuses to start."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from typing import Any

import httpx
import pytest
import websockets

from telephony.audiosocket import encode_uuid
from tests.telephony.conftest import BUSY
from tests.telephony.phones import twilio_start

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def _close_code(url: str, *messages: dict[str, Any]) -> int | None:
    """Connect, send ``messages`` as JSON, and return the code the server closes with."""
    async with websockets.connect(url) as ws:
        for message in messages:
            await ws.send(json.dumps(message))
        with contextlib.suppress(websockets.ConnectionClosed):
            async with asyncio.timeout(30):
                async for _ in ws:
                    pass
        return ws.close_code


async def _twilio_close(srv: Any, call_sid: str, params: dict[str, str]) -> int | None:
    """The media stream's close code after connected + start with ``params``."""
    return await _close_code(
        srv.ws + "/telephony/twilio/stream",
        {"event": "connected", "protocol": "Call", "version": "1.0.0"},
        twilio_start(call_sid, "MZ" + uuid.uuid4().hex, params),
    )


async def test_twilio_stream_needs_its_signed_parameter(telephony_server: Any) -> None:
    srv = telephony_server
    sid = "CA" + uuid.uuid4().hex
    plain = {"candidate_id": "c-x", "script_id": "short_en"}
    signed = srv.stream_params(plain, sid)
    stale = srv.access.with_clock(lambda: time.time() - 3600)
    codes = {
        "unsigned": await _twilio_close(srv, sid, plain),
        "forged": await _twilio_close(srv, sid, {**plain, "token": "v1.e30.AAAA"}),
        "other call": await _twilio_close(srv, "CA" + uuid.uuid4().hex, signed),
        "expired": await _twilio_close(
            srv, sid, {**plain, "token": stale.stream_token("c-x", "short_en", sid)}
        ),
        "invite as token": await _twilio_close(
            srv, sid, {**plain, "token": srv.access.invitation("c-x", "short_en")}
        ),
    }
    assert codes == dict.fromkeys(codes, 1008)
    assert all(srv.runtime.calls.history(s) is None for s in (sid,))


async def _freeswitch_close(srv: Any, metadata: dict[str, Any]) -> int | None:
    return await _close_code(srv.ws + "/telephony/freeswitch", metadata)


async def test_freeswitch_needs_the_shared_secret(telephony_server: Any) -> None:
    srv = telephony_server
    meta = {"uuid": str(uuid.uuid4()), "candidate_id": "c-fs", "sample_rate": 8000}
    codes = {
        "no token": await _freeswitch_close(srv, meta),
        "wrong token": await _freeswitch_close(srv, {**meta, "token": "guess"}),
        "not a string": await _freeswitch_close(srv, {**meta, "token": 12345}),
    }
    assert codes == dict.fromkeys(codes, 1008)
    assert not srv.runtime.active


async def test_audiosocket_refuses_peers_outside_the_allow_list(
    telephony_server: Any, runtime: Any
) -> None:
    from agent.api.telephony import start_audiosocket
    from agent.calls.run import Runtime

    srv = telephony_server
    lan_only = srv.settings.model_copy(
        update={"auth": srv.settings.auth.model_copy(update={"audiosocket_allow": ["10.0.0.0/8"]})}
    )
    rt = Runtime(lan_only, registry=runtime.registry)
    server = await start_audiosocket(rt, "127.0.0.1", 0)
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(encode_uuid(uuid.uuid4()))
        await writer.drain()
        try:  # closed without a word: EOF, or a reset because our UUID frame went unread
            async with asyncio.timeout(10):
                rest = await reader.read()
        except ConnectionResetError:
            rest = b""
        writer.close()
    finally:
        await server.close()
    assert rest == b""
    assert not rt.active


async def test_outbound_calls_need_a_recruiter_and_an_allowed_number(
    telephony_server: Any, api_keys: dict[str, str]
) -> None:
    srv = telephony_server
    body = {"to": BUSY, "candidate_id": "c-auth", "script_id": "short_en"}
    placed = len(srv.twilio.calls)
    async with httpx.AsyncClient(base_url=srv.http) as http:
        anonymous = await http.post("/api/calls", json=body)
        qa = await http.post(
            "/api/calls", json=body, headers={"Authorization": f"Bearer {api_keys['qa']}"}
        )
        refused = []
        for number in ("+19005550123", "+441234567890", "not-a-number", "+1 555 000 0002"):
            reply = await http.post("/api/calls", json={**body, "to": number}, headers=srv.headers)
            refused.append(reply.status_code)
    assert (anonymous.status_code, qa.status_code) == (401, 403)
    assert refused == [422, 422, 422, 422]
    assert len(srv.twilio.calls) == placed  # nothing was dialled


async def test_twilio_without_auth_token_refuses_to_start(settings: Any) -> None:
    from agent.api.server import create_app
    from agent.settings import TwilioSettings

    half = settings.model_copy(
        update={"twilio": TwilioSettings(account_sid="AC" + "1" * 32, from_number="+15550000001")}
    )
    with pytest.raises(ValueError, match="AUTH_TOKEN"):
        create_app(half, warm=False)
