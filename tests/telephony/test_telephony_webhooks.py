"""Twilio webhooks and outbound calls against the real server and the Twilio stand-in: signed
and forged webhooks, busy / no-answer / answered-by-machine outcomes, ``screenline dial``."""

from __future__ import annotations

import asyncio
import time
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from telephony.twilio import compute_signature
from tests.telephony.conftest import ANSWERS, BUSY, NO_ANSWER

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _signed(srv: Any, path: str, form: dict[str, str], token: str | None = None) -> dict[str, Any]:
    url = srv.http + path
    signature = compute_signature(token or srv.twilio.auth_token, url, form)
    return {
        "content": urlencode(form),
        "headers": {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    }


async def test_voice_webhook_answers_with_stream_and_rejects_forgeries(
    telephony_server: Any,
) -> None:
    srv = telephony_server
    form = {"CallSid": "CA" + "a" * 32, "From": "+15550009999", "To": "+15550000001"}
    path = "/telephony/twilio/voice?candidate_id=c-77&script_id=short_en"
    async with httpx.AsyncClient(base_url=srv.http) as http:
        ok = await http.post(path, **_signed(srv, path, form))
        forged = await http.post(path, **_signed(srv, path, form, token="not-the-token"))
        unsigned = await http.post(
            path,
            content=urlencode(form),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        tampered = await http.post(
            path, **{**_signed(srv, path, form), "content": urlencode({**form, "From": "+1999"})}
        )
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("application/xml")
    stream = ET.fromstring(ok.text).find("./Connect/Stream")
    assert stream is not None
    assert stream.get("url", "").startswith("wss://") and stream.get("url", "").endswith(
        "/telephony/twilio/stream"
    )
    params = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    token = params.pop("token")
    assert params == {"candidate_id": "c-77", "script_id": "short_en", "call_sid": form["CallSid"]}
    # The signed parameter binds the stream to this candidate, script and call.
    grant = srv.access.check_stream(token, form["CallSid"])
    assert (grant.candidate_id, grant.script_id) == ("c-77", "short_en")
    assert [forged.status_code, unsigned.status_code, tampered.status_code] == [403, 403, 403]


async def _history(http: httpx.AsyncClient, sid: str, final: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while True:
        body = (await http.get(f"/api/calls/{sid}")).json()
        if body["status"] == final or time.monotonic() > deadline:
            return list(body["history"])
        await asyncio.sleep(0.05)


async def test_outbound_calls_record_busy_no_answer_and_voicemail(telephony_server: Any) -> None:
    srv = telephony_server
    standin = srv.twilio
    async with httpx.AsyncClient(base_url=srv.http, headers=srv.headers) as http:
        sids = {}
        for to in (BUSY, NO_ANSWER, ANSWERS):
            if to == ANSWERS:
                await asyncio.to_thread(standin.wait_idle)  # callbacks come to this loop
                standin.answered_by = "machine_end_beep"  # a voicemail picks up
            reply = await http.post(
                "/api/calls",
                json={"to": to, "candidate_id": f"c-{to[-1]}", "script_id": "short_en"},
            )
            assert reply.status_code == 201, reply.text
            sids[to] = reply.json()["sid"]
        await asyncio.to_thread(standin.wait_idle)  # callbacks come to this loop
        busy = await _history(http, sids[BUSY], "busy")
        no_answer = await _history(http, sids[NO_ANSWER], "no-answer")
        machine = await _history(http, sids[ANSWERS], "completed")
        for _ in range(100):  # the voicemail redirect runs after the AMD callback is answered
            if any(e["event"] == "voicemail" for e in machine):
                break
            await asyncio.sleep(0.05)
            machine = (await http.get(f"/api/calls/{sids[ANSWERS]}")).json()["history"]
        unknown = await http.get("/api/calls/CA" + "0" * 32)
    standin.answered_by = "human"

    def statuses(history: list[dict[str, Any]]) -> list[str]:
        return [e["status"] for e in history if e["event"] == "status"]

    assert statuses(busy) == ["initiated", "ringing", "busy"]
    assert statuses(no_answer) == ["initiated", "ringing", "no-answer"]
    assert statuses(machine)[-1] == "completed"
    assert [e["answered_by"] for e in machine if e["event"] == "amd"] == ["machine_end_beep"]
    assert [e["action"] for e in machine if e["event"] == "voicemail"] == ["message"]
    assert unknown.status_code == 404
    # Every callback reached the server with a signature it accepted.
    for call in standin.calls:
        assert call.deliveries and all(d.http_status == 204 for d in call.deliveries)
    # The call was placed with the stream inline and both callbacks pointing at us.
    placed = standin.calls[-1]
    assert "<Connect><Stream" in (placed.param("Twiml") or "")
    assert placed.param("StatusCallback") == srv.http + "/telephony/twilio/status"
    assert placed.param("AsyncAmdStatusCallback") == srv.http + "/telephony/twilio/status"
    # The voicemail: Twilio was told to say the message and hang up.
    sid, update = standin.updates[-1]
    assert sid == sids[ANSWERS] and "<Say>" in update["Twiml"] and "<Hangup" in update["Twiml"]
    journal = (srv.settings.data_dir / "calls.jsonl").read_text().splitlines()
    assert sum(sids[BUSY] in line for line in journal) == len(busy)


async def test_forged_status_callback_is_rejected(telephony_server: Any) -> None:
    srv = telephony_server
    form = {"CallSid": "CA" + "b" * 32, "CallStatus": "completed"}
    path = "/telephony/twilio/status"
    async with httpx.AsyncClient(base_url=srv.http) as http:
        forged = await http.post(path, **_signed(srv, path, form, token="guess"))
        bad = await http.post(path, **_signed(srv, path, {"CallSid": "CA1", "CallStatus": "odd"}))
    assert forged.status_code == 403
    assert bad.status_code == 400
    assert srv.runtime.calls.history(form["CallSid"]) is None


async def test_dial_command_places_a_call(
    telephony_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from agent.cli import main

    srv = telephony_server
    standin = srv.twilio
    env = {
        "SCREENLINE_PUBLIC_URL": srv.http,
        "SCREENLINE_DATA_DIR": str(srv.settings.data_dir),
        "SCREENLINE_TWILIO__ACCOUNT_SID": standin.account_sid,
        "SCREENLINE_TWILIO__AUTH_TOKEN": standin.auth_token,
        "SCREENLINE_TWILIO__FROM_NUMBER": "+15550000001",
        "SCREENLINE_TWILIO__API_BASE_URL": standin.base_url,
        "SCREENLINE_AUTH__DIAL_COUNTRY_CODES": '["1"]',
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = await asyncio.to_thread(main, ["dial", BUSY, "--candidate", "c-cli"])
    sid = capsys.readouterr().out.strip().splitlines()[-1]
    assert code == 0 and sid.startswith("CA")
    await asyncio.to_thread(standin.wait_idle)  # callbacks come to this loop
    async with httpx.AsyncClient(base_url=srv.http, headers=srv.headers) as http:
        history = await _history(http, sid, "busy")
    assert [e["status"] for e in history if e["event"] == "status"][-1] == "busy"
    monkeypatch.delenv("SCREENLINE_TWILIO__AUTH_TOKEN")
    assert await asyncio.to_thread(main, ["dial", BUSY, "--candidate", "c-cli"]) == 1
