"""Twilio REST client against the local stand-in; status-callback parsing; signed callbacks."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from telephony.errors import ProtocolError
from telephony.twilio import connect_stream_twiml, validate_signature
from telephony.twilio_rest import (
    AnsweredBy,
    CallStatus,
    StatusCallback,
    TwilioApiError,
    TwilioRestClient,
    TwilioRestError,
    build_create_call_form,
    parse_create_call_response,
    parse_status_callback,
)
from tests.telephony.twilio_standin import TwilioStandin

TWIML = connect_stream_twiml("wss://screenline.example/twilio/media", {"candidate_id": "c-42"})


class CallbackReceiver:
    """Our side of the webhooks: a real server that checks signatures like the app will."""

    def __init__(self, auth_token: str) -> None:
        self.auth_token = auth_token
        self.received: list[tuple[str, StatusCallback]] = []
        self.rejected: list[str] = []
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                params = parse_qsl(body.decode(), keep_blank_values=True)
                url = receiver.url(self.path)
                signature = self.headers.get("X-Twilio-Signature", "")
                ok = validate_signature(receiver.auth_token, url, params, signature)
                with receiver._cond:
                    if ok:
                        receiver.received.append((self.path, parse_status_callback(params)))
                    else:
                        receiver.rejected.append(self.path)
                    receiver._cond.notify_all()
                self.send_response(204 if ok else 403)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[tuple[str, StatusCallback]]:
        with self._cond:
            self._cond.wait_for(lambda: len(self.received) >= count, timeout_s)
            return list(self.received)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def twilio() -> Iterator[TwilioStandin]:
    with TwilioStandin(
        outcomes={"+15550000002": "busy", "+15550000003": "no-answer"},
        answered_by="machine_end_beep",
    ) as standin:
        yield standin


@pytest.fixture
def receiver(twilio: TwilioStandin) -> Iterator[CallbackReceiver]:
    r = CallbackReceiver(twilio.auth_token)
    yield r
    r.close()


def client_for(twilio: TwilioStandin, token: str | None = None) -> TwilioRestClient:
    return TwilioRestClient(
        twilio.account_sid, token or twilio.auth_token, base_url=twilio.base_url, timeout_s=5
    )


async def dial(twilio: TwilioStandin, receiver: CallbackReceiver, to: str) -> str:
    async with client_for(twilio) as client:
        created = await client.create_call(
            to=to,
            from_="+15559990000",
            twiml=TWIML,
            status_callback=receiver.url("/twilio/status?interview=7"),
            async_amd_status_callback=receiver.url("/twilio/amd"),
            timeout_s=25,
        )
    assert created.sid.startswith("CA") and created.status is CallStatus.QUEUED
    return created.sid


async def test_create_call_sends_documented_form(
    twilio: TwilioStandin, receiver: CallbackReceiver
) -> None:
    sid = await dial(twilio, receiver, "+15550000001")
    (call,) = twilio.calls
    assert call.sid == sid
    assert call.param("To") == "+15550000001" and call.param("From") == "+15559990000"
    assert call.param("Twiml") == TWIML
    assert [v for k, v in call.form if k == "StatusCallbackEvent"] == [
        "initiated",
        "ringing",
        "answered",
        "completed",
    ]
    assert call.param("MachineDetection") == "DetectMessageEnd"
    assert call.param("AsyncAmd") == "true"
    assert call.param("AsyncAmdStatusCallback") == receiver.url("/twilio/amd")
    assert call.param("Timeout") == "25"


async def test_answered_call_reports_progress_amd_and_completion(
    twilio: TwilioStandin, receiver: CallbackReceiver
) -> None:
    sid = await dial(twilio, receiver, "+15550000001")
    got = await asyncio.to_thread(receiver.wait_for, 5)
    assert receiver.rejected == []
    assert [(path, cb.call_status, cb.answered_by) for path, cb in got] == [
        ("/twilio/status?interview=7", CallStatus.INITIATED, None),
        ("/twilio/status?interview=7", CallStatus.RINGING, None),
        ("/twilio/status?interview=7", CallStatus.IN_PROGRESS, None),
        ("/twilio/amd", None, AnsweredBy.MACHINE_END_BEEP),
        ("/twilio/status?interview=7", CallStatus.COMPLETED, None),
    ]
    assert all(cb.call_sid == sid for _, cb in got)
    final = got[-1][1]
    assert final.is_final and final.call_duration_s == 7 and final.sequence_number == 3
    assert not got[1][1].is_final


@pytest.mark.parametrize(
    ("to", "final"), [("+15550000002", CallStatus.BUSY), ("+15550000003", CallStatus.NO_ANSWER)]
)
async def test_unanswered_calls(
    twilio: TwilioStandin, receiver: CallbackReceiver, to: str, final: CallStatus
) -> None:
    await dial(twilio, receiver, to)
    got = await asyncio.to_thread(receiver.wait_for, 3)
    twilio.wait_idle()
    assert [cb.call_status for _, cb in receiver.received] == [
        CallStatus.INITIATED,
        CallStatus.RINGING,
        final,
    ]
    assert got[-1][1].is_final and got[-1][1].call_duration_s == 0
    assert all(cb.answered_by is None for _, cb in receiver.received)  # no AMD: never answered


async def test_only_subscribed_events_are_sent(
    twilio: TwilioStandin, receiver: CallbackReceiver
) -> None:
    async with client_for(twilio) as client:
        await client.create_call(
            to="+15550000003",
            from_="+15559990000",
            twiml=TWIML,
            status_callback=receiver.url("/s"),
            status_callback_events=["completed"],
            machine_detection=None,
        )
    twilio.wait_idle()
    assert [cb.call_status for _, cb in receiver.received] == [CallStatus.NO_ANSWER]
    assert twilio.calls[0].param("MachineDetection") is None
    assert twilio.calls[0].param("AsyncAmd") is None


async def test_forged_callback_signature_is_rejected(
    twilio: TwilioStandin, receiver: CallbackReceiver
) -> None:
    receiver.auth_token = "not-the-token"  # receiver now disagrees with the signer
    await dial(twilio, receiver, "+15550000002")
    twilio.wait_idle()
    assert receiver.received == [] and len(receiver.rejected) == 3
    assert {d.http_status for d in twilio.calls[0].deliveries} == {403}


async def test_bad_credentials(twilio: TwilioStandin) -> None:
    async with client_for(twilio, token="wrong") as client:
        with pytest.raises(TwilioApiError) as info:
            await client.create_call(to="+15550000001", from_="+15559990000", twiml=TWIML)
    err = info.value
    assert (err.http_status, err.code, err.message) == (401, 20003, "Authenticate")
    assert err.more_info == "https://www.twilio.com/docs/errors/20003"
    assert "20003" in str(err) and twilio.calls == []


async def test_missing_to(twilio: TwilioStandin) -> None:
    async with client_for(twilio) as client:
        with pytest.raises(TwilioApiError) as info:
            await client.create_call(to="", from_="+15559990000", twiml=TWIML)
    assert (info.value.http_status, info.value.code) == (400, 21201)
    assert "To" in info.value.message


async def test_unreachable_api() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = TwilioRestClient("AC1", "t", base_url=f"http://127.0.0.1:{port}", timeout_s=2)
    async with client:
        with pytest.raises(TwilioRestError, match="request failed") as info:
            await client.create_call(to="+1", from_="+2", twiml=TWIML)
    assert not isinstance(info.value, TwilioApiError)


def test_standin_checks_required_fields_directly(twilio: TwilioStandin) -> None:
    # The stand-in's own contract, seen through the pure response parser.
    auth = (twilio.account_sid, twilio.auth_token)
    url = f"{twilio.base_url}/2010-04-01/Accounts/{twilio.account_sid}/Calls.json"
    cases = [
        ({"To": "+1", "Twiml": TWIML}, 21213),
        ({"To": "+1", "From": "+2"}, 21205),
        ({"To": "+1", "From": "+2", "Twiml": TWIML, "StatusCallbackEvent": "bogus"}, 21626),
    ]
    for form, code in cases:
        r = httpx.post(url, data=form, auth=auth)
        with pytest.raises(TwilioApiError) as info:
            parse_create_call_response(r.status_code, r.content)
        assert (info.value.http_status, info.value.code) == (400, code)
    other_account = url.replace(twilio.account_sid, "AC" + "0" * 32)
    assert httpx.post(other_account, data=cases[0][0], auth=auth).status_code == 401


# --- pure parts ---------------------------------------------------------------------------------


def test_create_call_form_without_callbacks() -> None:
    form = build_create_call_form(to="+1", from_="+2", twiml="<Response/>")
    assert form == [
        ("To", "+1"),
        ("From", "+2"),
        ("Twiml", "<Response/>"),
        ("MachineDetection", "DetectMessageEnd"),
        ("AsyncAmd", "true"),
    ]


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (500, b"<html>Bad gateway</html>", "Twilio error (HTTP 500): <html>Bad gateway</html>"),
        (503, b"", "no error details"),
        (429, b'{"code": 20429, "message": "Too Many Requests"}', "Twilio error 20429"),
        (201, b"{}", "no call sid"),
        (201, b"not json", "no call sid"),
        (201, b'{"sid": "CA1", "status": "dancing"}', "unexpected call status"),
        (201, b'{"sid": "CA1", "status": ["queued"]}', "unexpected call status"),
    ],
)
def test_response_errors(status: int, body: bytes, expected: str) -> None:
    with pytest.raises(TwilioApiError, match=re.escape(expected)):
        parse_create_call_response(status, body)


def test_status_callback_parsing() -> None:
    cb = parse_status_callback(
        {"CallSid": "CA1", "CallStatus": "busy", "AccountSid": "AC1", "CallDuration": "0"}
    )
    assert cb == StatusCallback(
        call_sid="CA1",
        call_status=CallStatus.BUSY,
        account_sid="AC1",
        call_duration_s=0,
        params=cb.params,
    )
    assert cb.is_final
    amd = parse_status_callback([("CallSid", "CA1"), ("AnsweredBy", "fax")])
    assert amd.answered_by is AnsweredBy.FAX and amd.call_status is None and not amd.is_final
    for verdict in AnsweredBy:
        assert parse_status_callback({"CallSid": "C", "AnsweredBy": verdict.value}).answered_by
    for status in CallStatus:
        got = parse_status_callback({"CallSid": "C", "CallStatus": status.value}).call_status
        assert got is status


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"CallStatus": "ringing"}, "without CallSid"),
        ({"CallSid": "", "CallStatus": "ringing"}, "without CallSid"),
        ({"CallSid": "CA1"}, "neither"),
        ({"CallSid": "CA1", "CallStatus": "exploded"}, "unknown CallStatus"),
        ({"CallSid": "CA1", "AnsweredBy": "robot"}, "unknown AnsweredBy"),
        ({"CallSid": "CA1", "CallStatus": "completed", "CallDuration": "-1"}, "CallDuration"),
        ({"CallSid": "CA1", "CallStatus": "completed", "SequenceNumber": "x"}, "SequenceNumber"),
    ],
)
def test_bad_status_callbacks(form: dict[str, str], error: str) -> None:
    with pytest.raises(ProtocolError, match=error):
        parse_status_callback(form)


@given(
    st.dictionaries(
        st.sampled_from(
            ["CallSid", "CallStatus", "AnsweredBy", "CallDuration", "SequenceNumber", "X"]
        ),
        st.text(max_size=12),
    )
)
def test_arbitrary_callback_forms_only_raise_protocol_error(form: dict[str, str]) -> None:
    with contextlib.suppress(ProtocolError):
        parse_status_callback(form)


def test_standin_waits_for_slow_callbacks() -> None:
    # wait_idle really waits: with a slow step the last callback lands only after it returns.
    with TwilioStandin(step_delay_s=0.05) as twilio:
        receiver = CallbackReceiver(twilio.auth_token)
        try:
            start = time.monotonic()
            asyncio.run(dial(twilio, receiver, "+15550000009"))
            twilio.wait_idle()
            assert time.monotonic() - start >= 0.2
            assert len(receiver.received) == 5
        finally:
            receiver.close()
