"""Issue 12's probes, each against a real server on 127.0.0.1: refused cleanly, or ended with
its reason and a report, and the admission count back to zero afterwards."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import stat
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from models.pools import Priority
from telephony.audiosocket import Kind, encode_error, encode_frame, encode_hangup, encode_uuid
from tests.abuse.conftest import Server

pytestmark = pytest.mark.asyncio(loop_scope="session")

START = {"type": "start", "sample_rate": 16000, "candidate_id": "abuse"}
AUDIO_SDP = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"


def invite_header(server: Server) -> dict[str, str]:
    """A valid invitation: the probes are about what an invited browser can still send."""
    return {"X-Screenline-Invite": server.access.invitation("c-web", "short_en")}


async def refused(server: Server, message: str) -> tuple[int | None, dict[str, Any]]:
    """Send one opening message to /ws/call; the close code and the error event."""
    async with websockets.connect(server.call_url) as ws:
        await ws.send(message)
        error: dict[str, Any] = {}
        with contextlib.suppress(websockets.ConnectionClosed):
            async with asyncio.timeout(30):
                async for reply in ws:
                    error = json.loads(reply)
    return ws.close_code, error


async def settled(server: Server, timeout_s: float = 30.0) -> None:
    """Wait until every admitted call has released its slot."""
    async with asyncio.timeout(timeout_s):
        while server.runtime.admission.active:
            await asyncio.sleep(0.05)


async def report_of(server: Server, report_id: str, timeout_s: float = 30.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout_s):
        while True:
            try:
                report: dict[str, Any] = server.runtime.reports.load(report_id)
                return report
            except FileNotFoundError:
                await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    "script_id", ["/etc/passwd", "/proc/meminfo", "/dev/zero", "../../../etc/passwd", "a" * 300]
)
async def test_script_id_is_an_id_not_a_path(
    server: Server, script_id: str, no_tracebacks: Any
) -> None:
    code, error = await refused(server, json.dumps({**START, "script_id": script_id}))
    assert code == 1008
    assert "invalid script_id" in error["message"]
    assert "root" not in error["message"] and "MemTotal" not in error["message"]
    assert len(error["message"]) < 300


@pytest.mark.parametrize("path", ["/api/keys", "/api/invitations", "/api/call-tokens"])
async def test_token_and_key_routes_refuse_anonymous_and_oversized_requests(
    server: Server, path: str, no_tracebacks: Any
) -> None:
    huge = json.dumps({"role": "qa", "name": "n" * 1_000_000}).encode()
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(base_url=server.http) as client:
        anonymous = await client.post(path, content=b"{}", headers=headers)
        assert anonymous.status_code == 401, anonymous.text
        oversized = await client.post(path, content=huge, headers={**headers, **server.bearer()})
        assert oversized.status_code == 413, oversized.text


async def test_fifo_named_like_a_script_does_not_freeze_the_loop(
    server: Server, tmp_path: Path, no_tracebacks: Any
) -> None:
    scripts_dir = server.runtime.settings.scripts_dir
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)
    link = Path(scripts_dir) / "abuse_fifo.yaml"
    try:
        link.symlink_to(fifo)
    except OSError:
        if os.environ.get("CI"):  # CI's checkout is writable: a failure here is a real one
            raise
        pytest.skip("fixture script directory is read-only (a read-only checkout)")
    try:
        code, error = await refused(server, json.dumps({**START, "script_id": "abuse_fifo"}))
    finally:
        link.unlink()
    assert code == 1008 and "unknown script" in error["message"]
    async with httpx.AsyncClient(base_url=server.http) as client:
        assert (await client.get("/health")).status_code == 200


@pytest.mark.parametrize(
    ("message", "code", "words"),
    [
        ("[" * 50_000 + "]" * 50_000, 1009, "too large"),
        ("[" * 20_000 + "]" * 20_000, 1003, "deeper than"),
        (json.dumps({**START, "variables": {"candidate_name": "x" * 10_000}}), 1008, "limit"),
        (json.dumps({**START, "variables": {f"v{i}": "x" for i in range(100)}}), 1008, "at most"),
        (json.dumps({**START, "variables": {"bad name": "x"}}), 1008, "variable name"),
    ],
)
async def test_oversized_or_deep_start_is_refused(
    server: Server, message: str, code: int, words: str, no_tracebacks: Any
) -> None:
    close_code, error = await refused(server, message)
    assert close_code == code
    # Past ws_max_size the server's WebSocket layer closes with 1009 before any app code runs.
    assert words in error.get("message", "too large")


async def test_call_without_audio_ends_as_no_audio(server: Server, no_tracebacks: Any) -> None:
    async with websockets.connect(server.call_url) as ws:
        await ws.send(json.dumps(START))
        ready = json.loads(await ws.recv())
        assert ready["type"] == "ready"
        events = []
        with contextlib.suppress(websockets.ConnectionClosed):
            async with asyncio.timeout(60):
                async for reply in ws:
                    if isinstance(reply, str):
                        events.append(json.loads(reply))
    ended = [e for e in events if e["type"] == "call_ended"]
    assert ended and ended[0]["report_id"] == ready["call_id"]
    report = await report_of(server, ready["call_id"])
    assert report["end_reason"] == "no_audio" and report["complete"] is False
    await settled(server)


async def test_hangup_right_after_start_is_honoured(server: Server, no_tracebacks: Any) -> None:
    async with websockets.connect(server.call_url) as ws:
        await ws.send(json.dumps(START))
        ready = json.loads(await ws.recv())
        await ws.send(json.dumps({"type": "hangup"}))
        with contextlib.suppress(websockets.ConnectionClosed):
            async with asyncio.timeout(60):
                async for _reply in ws:
                    pass
    report = await report_of(server, ready["call_id"])
    assert report["end_reason"] in ("client", "disconnected")
    assert report["outcome"] == "hung_up"
    await settled(server)


async def test_disconnect_before_ready_leaves_no_slot(server: Server, no_tracebacks: Any) -> None:
    for _ in range(3):
        ws = await websockets.connect(server.call_url)
        await ws.send(json.dumps(START))
        ws.transport.abort()  # gone before the server can answer
    await settled(server)


@contextlib.contextmanager
def _full(server: Server) -> Iterator[None]:
    """Every slot taken."""
    admission = server.runtime.admission
    held = [admission.admit("probe") for _ in range(admission.max_calls - admission.active)]
    try:
        yield
    finally:
        for slot in held:
            slot.release()


@contextlib.contextmanager
def _overloaded(server: Server) -> Iterator[None]:
    """Slots free, but a chunk transcript queued behind busy Whisper workers for > 0.2 s."""
    admission, pool = server.runtime.admission, server.runtime.registry.asr_pool
    gate = threading.Event()
    busy = [pool.submit(Priority.FINAL, gate.wait) for _ in range(pool.workers)]
    waiting = pool.submit(Priority.CHUNK, lambda: "")
    limit, admission.max_backlog_s = admission.max_backlog_s, 0.2
    try:
        deadline = time.monotonic() + 10
        while not admission.overloaded:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        yield
    finally:
        admission.max_backlog_s = limit
        gate.set()
        for job in (*busy, waiting):
            job.future.result(timeout=30)


@pytest.mark.parametrize(("busy", "why"), [(_full, "capacity"), (_overloaded, "overloaded")])
async def test_busy_server_refuses_every_transport_early(
    server: Server, no_tracebacks: Any, busy: Any, why: str
) -> None:
    admission = server.runtime.admission
    with busy(server):
        code, error = await refused(server, json.dumps(START))
        assert code == 1013 and why in error["message"]
        async with httpx.AsyncClient(base_url=server.http) as client:
            twiml = await client.post("/telephony/twilio/voice", data={"CallSid": "CA1"})
            assert '<Reject reason="busy"' in twiml.text
            offer = await client.post(
                "/api/webrtc/offer",
                json={"sdp": AUDIO_SDP, "type": "offer"},
                headers=invite_header(server),
            )
            assert offer.status_code == 503
        reader, writer = await asyncio.open_connection("127.0.0.1", server.audiosocket_port)
        writer.write(encode_uuid(uuid.uuid4()))
        await writer.drain()
        async with asyncio.timeout(30):
            rest = await reader.read()  # the server hangs up: hang-up frame, then EOF
        assert rest in (b"", encode_hangup())
        writer.close()
    assert admission.active == 0
    assert admission.refused[f"ws:{why}"] >= 1


@pytest.mark.parametrize(
    ("after_uuid", "reason"),
    [
        (encode_hangup(), "hangup"),
        (encode_error(3), "asterisk_error"),
        (encode_frame(Kind.DTMF, b"1") + bytes([0x42, 0, 0]), "protocol_error"),
        (bytes([0x10, 0xFF]), None),  # torn header, then the socket closes
    ],
)
async def test_audiosocket_uuid_then_at_once_an_end(
    server: Server, after_uuid: bytes, reason: str | None, no_tracebacks: Any
) -> None:
    call_uuid = uuid.uuid4()
    # A carrier id equal to an existing report's id must not overwrite it.
    server.runtime.reports.save({"report_id": call_uuid.hex, "marker": "keep me"})
    reader, writer = await asyncio.open_connection("127.0.0.1", server.audiosocket_port)
    writer.write(encode_uuid(call_uuid) + after_uuid)
    await writer.drain()
    if reason is None:
        writer.close()
    with contextlib.suppress(ConnectionError):
        async with asyncio.timeout(60):
            await reader.read()
    writer.close()

    def ours() -> list[dict[str, Any]]:
        reports = map(server.runtime.reports.load, server.runtime.reports.ids())
        return [r for r in reports if r.get("carrier_call_id") == str(call_uuid)]

    async with asyncio.timeout(60):  # the call ends by itself: no stuck call
        while not ours():
            await asyncio.sleep(0.1)
    await settled(server)
    assert server.runtime.reports.load(call_uuid.hex) == {
        "report_id": call_uuid.hex,
        "marker": "keep me",
    }
    assert len(ours()) == 1 and ours()[0]["report_id"] != call_uuid.hex
    if reason is not None:
        assert ours()[0]["end_reason"] == reason
    else:
        assert ours()[0]["end_reason"] in ("disconnected", "protocol_error", "no_audio")


@pytest.mark.parametrize(
    "body",
    [
        {"sdp": 1, "type": 2},
        {"sdp": "garbage", "type": "offer"},
        {"sdp": "v=0\r\no=garbage\r\n", "type": "offer"},
        {"sdp": AUDIO_SDP, "type": "offer"},
        {"sdp": "v=0\r\nm=audio garbage\r\n", "type": "offer"},
        {"sdp": "v=0\r\n", "type": "answer"},
        {"type": "offer"},
    ],
)
async def test_bad_webrtc_offer_is_400_and_no_call(
    server: Server, body: dict[str, Any], no_tracebacks: Any
) -> None:
    started = server.runtime.calls_started
    async with httpx.AsyncClient(base_url=server.http) as client:
        response = await client.post("/api/webrtc/offer", json=body, headers=invite_header(server))
    assert response.status_code == 400, response.text
    assert server.runtime.admission.active == 0
    assert server.runtime.calls_started == started


async def test_rest_bodies_are_bounded(server: Server, no_tracebacks: Any) -> None:
    async with httpx.AsyncClient(base_url=server.http, headers=server.bearer()) as client:
        deep = "[" * 10_000 + "]" * 10_000
        response = await client.post(
            "/api/audiosocket/expect", content=deep, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422
        huge = json.dumps({"uuid": "x", "candidate_id": "c" * 1_000_000})
        response = await client.post(
            "/api/audiosocket/expect", content=huge, headers={"content-type": "application/json"}
        )
        assert response.status_code == 413
        response = await client.post(
            "/api/audiosocket/expect",
            json={"uuid": str(uuid.uuid4()), "candidate_id": "c", "script_id": "/etc/passwd"},
        )
        assert response.status_code == 422 and "invalid script_id" in response.text


async def test_404s_name_no_paths_and_ids_reject_a_newline(
    server: Server, no_tracebacks: Any
) -> None:
    async with httpx.AsyncClient(base_url=server.http, headers=server.bearer()) as client:
        for path in ("/api/reports/nope", "/api/reports/abc%0A", "/api/calls/nope"):
            response = await client.get(path)
            assert response.status_code == 404
            assert (
                str(server.data_dir) not in response.text and "/" not in response.json()["detail"]
            )
    with pytest.raises(ValueError):
        server.runtime.reports.path_for("abc\n")


async def test_silent_and_slow_header_connections_are_closed(server: Server) -> None:
    for first in (b"", b"GET /health HTTP/1.1\r\nHost: x\r\n"):  # idle; headers never end
        reader, writer = await asyncio.open_connection(
            "127.0.0.1", int(server.http.rsplit(":", 1)[1])
        )
        writer.write(first)
        await writer.drain()
        async with asyncio.timeout(30):  # the limit is 1 s; a stuck connection would hang here
            assert await reader.read() == b""
        writer.close()


async def test_files_with_personal_data_are_private(server: Server) -> None:
    server.runtime.calls.record("CA-private", "created", to="+15550100")
    paths = [server.data_dir / "calls.jsonl", *server.runtime.reports.directory.glob("*.json")]
    assert len(paths) > 1
    for path in paths:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


@pytest.mark.parametrize("media_first", [False, True])
async def test_twilio_protocol_error_is_recorded_as_such(
    server: Server, media_first: bool, no_tracebacks: Any
) -> None:
    from tests.telephony.phones import twilio_start

    call_sid = "CA" + uuid.uuid4().hex
    stream_sid = "MZ" + uuid.uuid4().hex
    async with websockets.connect(f"{server.ws}/telephony/twilio/stream") as ws:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        token = server.access.stream_token("c-tw", None, call_sid)
        await ws.send(json.dumps(twilio_start(call_sid, stream_sid, {"token": token})))
        if media_first:  # the interview has started: the engine, not the conductor, ends it
            payload = base64.b64encode(b"\xff" * 160).decode()
            media = {"event": "media", "streamSid": stream_sid, "media": {"payload": payload}}
            for _ in range(10):
                await ws.send(json.dumps(media))
        await ws.send("{not json")
        with contextlib.suppress(websockets.ConnectionClosed):
            async with asyncio.timeout(60):
                async for _reply in ws:
                    pass
    async with asyncio.timeout(60):
        while True:
            reports = map(server.runtime.reports.load, server.runtime.reports.ids())
            ours = [r for r in reports if r.get("carrier_call_id") == call_sid]
            if ours:
                break
            await asyncio.sleep(0.1)
    assert ours[0]["end_reason"] == "protocol_error" and ours[0]["report_id"] != call_sid
    await settled(server)


async def test_webrtc_offer_that_never_connects_releases_its_slot(
    server: Server, no_tracebacks: Any
) -> None:
    from aiortc import RTCConfiguration, RTCPeerConnection

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("audio", direction="sendrecv")
    pc.createDataChannel("events")
    await pc.setLocalDescription(await pc.createOffer())
    offer = {"sdp": pc.localDescription.sdp, "type": "offer"}
    await pc.close()  # the browser vanishes before ICE completes
    async with httpx.AsyncClient(base_url=server.http, timeout=60) as client:
        response = await client.post("/api/webrtc/offer", json=offer, headers=invite_header(server))
    assert response.status_code == 200, response.text
    assert server.runtime.admission.active == 1  # one slot per call, not one per stage
    report = await report_of(server, response.json()["call_id"], timeout_s=90)
    assert report["end_reason"] in ("no_audio", "disconnected") and report["complete"] is False
    await settled(server)


@pytest.mark.parametrize(
    "metadata",
    ['{"uuid": ' + "[" * 100 + "]" * 100 + "}", json.dumps({"uuid": "u", "x": "y" * 9000})],
)
async def test_freeswitch_deep_or_huge_metadata_is_refused(
    server: Server, metadata: str, no_tracebacks: Any
) -> None:
    async with websockets.connect(f"{server.ws}/telephony/freeswitch") as ws:
        await ws.send(metadata)
        with contextlib.suppress(websockets.ConnectionClosed):
            async with asyncio.timeout(30):
                await ws.recv()
    assert ws.close_code == 1008
    assert server.runtime.admission.active == 0
