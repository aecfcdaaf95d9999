"""Interviews over every carrier transport, end to end: real sockets on 127.0.0.1, the real
server, real models and pipelines. The carrier side is simulated protocol-exactly
(``tests/telephony/phones.py``); Twilio's REST API is the local stand-in."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
import uuid
from typing import Any

import httpx
import pytest
import websockets

from agent.devtools.simulate import Candidate, Persona, Reply, Speaker
from agent.reports.report import validate_report
from telephony.audiosocket import Kind, encode_audio, encode_uuid
from tests.telephony.phones import (
    PhoneEar,
    PhoneLog,
    audiosocket_call,
    freeswitch_call,
    twilio_call,
    twilio_start,
)

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

QUESTIONS = ["greeting", "experience", "angry", "start"]
SPEED = 2.0  # candidate audio at twice real time; prompts still play in real time
SILENCE_320 = b"\x00" * 320


async def _report(runtime: Any, call_id: str, timeout_s: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return runtime.reports.load(call_id)
        except FileNotFoundError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


def _check_completed(report: dict[str, Any], candidate_id: str, transport: str) -> None:
    assert validate_report(report) == []
    assert report["outcome"] == "completed", report
    assert report["complete"] is True
    assert report["candidate_id"] == candidate_id
    assert report["transport"] == transport
    answers = [t for t in report["turns"] if t["speaker"] == "candidate"]
    assert [t["question_id"] for t in answers] == [None, *QUESTIONS[1:]]


# --- malformed peers, run while the interviews are in progress --------------------------------


async def _twilio_bad(srv: Any, bad: str) -> int | None:
    """Handshake, some audio, then one malformed message: the server must close the call."""
    sid = "CA" + uuid.uuid4().hex
    async with websockets.connect(srv.ws + "/telephony/twilio/stream") as ws:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        params = srv.stream_params({"candidate_id": "c-bad"}, sid)
        start = twilio_start(sid, "MZ" + uuid.uuid4().hex, params)
        await ws.send(json.dumps(start))
        payload = base64.b64encode(b"\xff" * 160).decode()
        for n in range(25):
            media = {"track": "inbound", "chunk": str(n + 1), "timestamp": str(n * 20)}
            msg = {"event": "media", "streamSid": start["streamSid"], "media": media}
            await ws.send(json.dumps({**msg, "media": {**media, "payload": payload}}))
            await asyncio.sleep(0.02)
        await ws.send(bad.replace("STREAM", start["streamSid"]))
        try:
            async with asyncio.timeout(30):
                async for _ in ws:
                    pass
        except websockets.ConnectionClosed:
            pass
        return ws.close_code


async def _audiosocket_bad(port: int) -> bool:
    """An unknown frame kind mid-call: the server hangs up and closes the socket."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(encode_uuid(uuid.uuid4()))
    for _ in range(25):
        writer.write(encode_audio(SILENCE_320))
        await asyncio.sleep(0.02)
    writer.write(b"\x42\x00\x00")
    hung_up = False
    async with asyncio.timeout(30):
        while header := await reader.read(3):
            if len(header) == 3:
                payload = await reader.readexactly(int.from_bytes(header[1:], "big"))
                hung_up = hung_up or (header[0] == Kind.HANGUP and not payload)
    writer.close()
    return hung_up


async def _freeswitch_audio_first(url: str) -> int | None:
    async with websockets.connect(url) as ws:
        await ws.send(SILENCE_320)
        with contextlib.suppress(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        return ws.close_code


async def test_interviews_over_twilio_freeswitch_and_audiosocket(
    telephony_server: Any, persona: Persona, candidate_voice: Any
) -> None:
    """Three interviews at once, one per carrier protocol, while malformed peers come and go;
    each interview ends with a complete report."""
    srv = telephony_server
    rt = srv.runtime

    async def candidate(rate: int, telephony: bool) -> Candidate:
        c = Candidate(persona, Speaker(candidate_voice, rate, telephony))
        await c.prepare()
        return c

    tw, fs, aus = await asyncio.gather(
        candidate(8000, True), candidate(16000, False), candidate(8000, True)
    )
    tw_sid = "CA" + uuid.uuid4().hex
    fs_uuid = str(uuid.uuid4())
    as_uuid = uuid.uuid4()
    async with httpx.AsyncClient(base_url=srv.http, headers=srv.headers) as http:
        expect = {"uuid": str(as_uuid), "candidate_id": "c-asterisk", "script_id": "short_en"}
        assert (await http.post("/api/audiosocket/expect", json=expect)).status_code == 201

    twilio_url = srv.ws + "/telephony/twilio/stream"
    fs_meta = {
        "uuid": fs_uuid,
        "caller_id": "+15550001111",
        "candidate_id": "c-freeswitch",
        "sample_rate": 16000,
        "token": srv.freeswitch_secret,
    }
    started = time.monotonic()
    results = await asyncio.gather(
        twilio_call(
            twilio_url,
            tw,
            PhoneEar(tw, QUESTIONS),
            call_sid=tw_sid,
            params=srv.stream_params({"candidate_id": "c-twilio", "script_id": "short_en"}),
            speed=SPEED,
        ),
        freeswitch_call(
            srv.ws + "/telephony/freeswitch",
            fs,
            PhoneEar(fs, QUESTIONS),
            metadata=fs_meta,
            fork=True,
            speed=SPEED,
        ),
        audiosocket_call(
            srv.audiosocket_port, aus, PhoneEar(aus, QUESTIONS), call_uuid=as_uuid, speed=SPEED
        ),
        _twilio_bad(srv, "{not json"),
        _twilio_bad(
            srv,
            json.dumps(
                {
                    "event": "media",
                    "streamSid": "STREAM",
                    "media": {"timestamp": "600", "payload": "!!not base64!!"},
                }
            ),
        ),
        _audiosocket_bad(srv.audiosocket_port),
        _freeswitch_audio_first(srv.ws + "/telephony/freeswitch"),
    )
    elapsed = time.monotonic() - started
    tw_log, fs_log, as_log, bad_json, bad_b64, as_bad_hung_up, fs_first = results
    assert isinstance(tw_log, PhoneLog) and isinstance(fs_log, PhoneLog)
    assert isinstance(as_log, PhoneLog)
    # Malformed peers: logged, their call ended and the connection closed cleanly.
    assert bad_json == 1000 and bad_b64 == 1000
    assert as_bad_hung_up is True
    assert fs_first == 1008

    _check_completed(await _report(rt, tw_sid), "c-twilio", "twilio")
    _check_completed(await _report(rt, fs_uuid), "c-freeswitch", "mod_audio_fork")
    _check_completed(await _report(rt, as_uuid.hex), "c-asterisk", "audiosocket")
    # Twilio: a mark after every prompt, echoed back as playback reached it.
    marks = [m for m in tw_log.messages if m["event"] == "mark"]
    assert len(marks) >= 8 and tw_log.marks_echoed
    assert tw_log.close_code == 1000
    # FreeSWITCH got whole phrases (one message per prompt or sentence), not 20 ms slices.
    assert 8 <= fs_log.phrases <= 20
    # AudioSocket: paced 20 ms frames, and a hang-up frame at the end.
    assert as_log.hung_up_by_server
    gaps = [b - a for a, b in zip(as_log.audio_times, as_log.audio_times[1:], strict=False)]
    assert sorted(gaps)[len(gaps) // 2] == pytest.approx(0.02, abs=0.006)
    # Twilio's call progress shows the stream and its report.
    async with httpx.AsyncClient(base_url=srv.http, headers=srv.headers) as http:
        history = (await http.get(f"/api/calls/{tw_sid}")).json()["history"]
    assert history[0]["event"] == "stream" and history[0]["call_id"] == tw_sid
    print(f"three concurrent carrier interviews: {elapsed:.1f} s")


def _over_prompt_persona() -> Persona:
    """Stays quiet, but talks over the greeting one second in (a real barge-in)."""
    barge = Reply(
        text="",
        over_prompt="Sorry, before we start, can you tell me what the hourly pay is for this job?",
        over_prompt_at_s=1.0,
    )
    return Persona(by_question={"greeting": barge}, fallback=Reply(""))


async def test_barge_in_clears_twilio_and_stops_audiosocket_playback(
    telephony_server: Any, candidate_voice: Any
) -> None:
    srv = telephony_server
    persona = _over_prompt_persona()

    async def caller(telephony: bool) -> Candidate:
        c = Candidate(persona, Speaker(candidate_voice, 8000, telephony))
        await c.prepare()
        return c

    tw, aus = await caller(True), await caller(True)
    tw_sid, as_uuid = "CA" + uuid.uuid4().hex, uuid.uuid4()
    tw_log, as_log = PhoneLog(), PhoneLog()

    async def drive(c: Candidate, log: PhoneLog, done: Any) -> None:
        # A phone line carries no events: start talking one second into the first prompt.
        while not log.audio_times:
            await asyncio.sleep(0.02)
        c.on_event({"type": "bot_said", "question_id": None, "state": "greeting"})
        async with asyncio.timeout(20):
            while not done():
                await asyncio.sleep(0.05)
        await asyncio.sleep(1.0)
        c.hangup.set()

    def audio_stopped() -> bool:
        return bool(as_log.audio_times) and time.monotonic() - as_log.audio_times[-1] > 1.5

    async def twilio() -> PhoneLog:
        return await twilio_call(
            srv.ws + "/telephony/twilio/stream",
            tw,
            None,
            call_sid=tw_sid,
            params=srv.stream_params({"candidate_id": "c-barge"}, tw_sid),
            log=tw_log,
        )

    results = await asyncio.gather(
        twilio(),
        drive(tw, tw_log, lambda: bool(tw_log.clears)),
        audiosocket_call(srv.audiosocket_port, aus, None, call_uuid=as_uuid, log=as_log),
        drive(aus, as_log, audio_stopped),
    )
    assert results[0] is tw_log
    # Twilio: the server flushed Twilio's playback buffer with `clear`.
    assert tw_log.clears, tw_log.messages
    clear_latency = tw_log.clears[0] - tw.result.over_prompt_started_at[0]
    assert 0 < clear_latency < 3.0
    # AudioSocket: playback stopped soon after the candidate started talking, and the rest of
    # the greeting was never sent.
    spoke_at = aus.result.over_prompt_started_at[0]
    assert [t for t in as_log.audio_times if t <= spoke_at]
    after = [t for t in as_log.audio_times if t > spoke_at]
    stop_latency = (after[-1] if after else spoke_at) - spoke_at
    assert stop_latency < 1.5
    for call_id in (tw_sid, as_uuid.hex):
        report = await _report(srv.runtime, call_id)
        assert any(t.get("interrupted") for t in report["turns"] if t["speaker"] == "interviewer")
    print(
        f"barge-in: Twilio clear {clear_latency * 1000:.0f} ms after the candidate started "
        f"talking; AudioSocket playback stopped {stop_latency * 1000:.0f} ms after"
    )
