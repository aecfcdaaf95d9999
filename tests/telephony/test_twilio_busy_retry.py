"""A Twilio stream refused by a full worker is not a dropped call (issue 11, admission).

Behind a balancer the voice webhook and the media stream may reach different workers: the
webhook's worker had room, the stream's did not. The TwiML after ``<Connect>`` brings Twilio
back (``/telephony/twilio/after-stream``) once the stream closes; a refused stream goes back to
the voice webhook, which any worker may answer, ``twilio.busy_retries`` times, then hears the
busy message. After a real interview the call simply hangs up. Real server, real sockets, signed
webhooks as Twilio signs them.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import websockets

from tests.telephony.phones import twilio_start
from tests.telephony.test_telephony_webhooks import _signed

pytestmark = pytest.mark.asyncio(loop_scope="session")
AFTER = "/telephony/twilio/after-stream"


def _redirect(twiml: str) -> tuple[str, dict[str, list[str]]]:
    target = ET.fromstring(twiml).find("./Redirect")
    assert target is not None and target.get("method") == "POST", twiml
    url = urlsplit(target.text or "")
    return url.path, parse_qs(url.query)


async def _post(srv: Any, http: httpx.AsyncClient, path: str, sid: str) -> str:
    form = {"CallSid": sid, "From": "+15550009999", "To": "+15550000001"}
    reply = await http.post(path, **_signed(srv, path, form))
    assert reply.status_code == 200, reply.text
    return reply.text


async def _refused_stream(srv: Any, sid: str) -> int | None:
    """Open the media stream the TwiML names while every slot is taken: 1013."""
    admission = srv.runtime.admission
    held = [admission.admit("probe") for _ in range(admission.max_calls - admission.active)]
    try:
        params = srv.stream_params({"candidate_id": "c-busy", "script_id": "short_en"}, sid)
        async with websockets.connect(srv.ws + "/telephony/twilio/stream") as ws:
            await ws.send(
                json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"})
            )
            await ws.send(json.dumps(twilio_start(sid, "MZ" + uuid.uuid4().hex, params)))
            with pytest.raises(websockets.ConnectionClosed):
                await ws.recv()
            return ws.close_code
    finally:
        for slot in held:
            slot.release()


async def test_a_refused_stream_is_retried_then_told_busy(telephony_server: Any) -> None:
    srv = telephony_server
    sid = "CA" + uuid.uuid4().hex
    retries = srv.settings.twilio.busy_retries
    async with httpx.AsyncClient(base_url=srv.http) as http:
        voice = "/telephony/twilio/voice?candidate_id=c-busy&script_id=short_en"
        path, query = _redirect(await _post(srv, http, voice, sid))
        assert path == "/telephony/twilio/after-stream"
        assert query == {"candidate_id": ["c-busy"], "script_id": ["short_en"], "attempt": ["0"]}
        assert await _refused_stream(srv, sid) == 1013
        for attempt in range(retries):
            after = f"{AFTER}?candidate_id=c-busy&script_id=short_en&attempt={attempt}"
            path, query = _redirect(await _post(srv, http, after, sid))
            # Back to the voice webhook (another worker may take the call), the same interview.
            assert path == "/telephony/twilio/voice"
            assert query["candidate_id"] == ["c-busy"] and query["attempt"] == [str(attempt + 1)]
        last = f"/telephony/twilio/after-stream?candidate_id=c-busy&attempt={retries}"
        busy = ET.fromstring(await _post(srv, http, last, sid))
        assert [e.tag for e in busy] == ["Say", "Hangup"]
        assert busy[0].text == srv.settings.twilio.busy_text
        # A retry that finds this worker full too: the call is answered already, so the busy
        # message (a <Reject> is only for a call not yet answered).
        admission = srv.runtime.admission
        held = [admission.admit("probe") for _ in range(admission.max_calls - admission.active)]
        try:
            first = ET.fromstring(await _post(srv, http, voice, "CA" + uuid.uuid4().hex))
            retry = ET.fromstring(await _post(srv, http, voice + "&attempt=1", sid))
        finally:
            for slot in held:
                slot.release()
        assert [e.tag for e in first] == ["Reject"]
        assert [e.tag for e in retry] == ["Say", "Hangup"]


async def test_after_an_interview_or_an_unknown_call_it_hangs_up(telephony_server: Any) -> None:
    srv = telephony_server
    async with httpx.AsyncClient(base_url=srv.http) as http:
        after = "/telephony/twilio/after-stream?candidate_id=c-1&attempt=0"
        unknown = ET.fromstring(await _post(srv, http, after, "CA" + uuid.uuid4().hex))
        sid = "CA" + uuid.uuid4().hex
        srv.runtime.calls.record(sid, "refused", reason="capacity")
        srv.runtime.calls.record(sid, "stream", stream_sid="MZ1", call_id="c")  # taken on retry
        taken = ET.fromstring(await _post(srv, http, after, sid))
        forged = await http.post(
            after, **_signed(srv, after, {"CallSid": sid}, token="not-the-token")
        )
        malformed = "/telephony/twilio/after-stream?attempt=lots&script_id=../../etc"
        srv.runtime.calls.record(sid, "refused", reason="overloaded")
        bad = await http.post(malformed, **_signed(srv, malformed, {"CallSid": sid}))
    assert [e.tag for e in unknown] == ["Hangup"] and [e.tag for e in taken] == ["Hangup"]
    assert forged.status_code == 403
    assert bad.status_code == 422  # a script id is an id, never a path


@pytest.mark.parametrize("path", ["/telephony/twilio/voice", AFTER])
async def test_both_webhooks_refuse_unsigned_and_oversized_requests(
    telephony_server: Any, path: str
) -> None:
    srv = telephony_server
    form = {"CallSid": "CA" + uuid.uuid4().hex}
    huge = {"CallSid": form["CallSid"], "pad": "x" * (srv.settings.limits.max_body_bytes + 1)}
    async with httpx.AsyncClient(base_url=srv.http) as http:
        unsigned = await http.post(path, data=form)
        oversized = await http.post(path, **_signed(srv, path, huge))
    assert unsigned.status_code == 403  # no X-Twilio-Signature: anonymous
    assert oversized.status_code == 413  # refused before the body is parsed or checked
