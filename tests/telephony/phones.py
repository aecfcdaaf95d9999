"""Simulated carrier peers that put the synthetic candidate on the line.

Each speaks its protocol exactly as the carrier does (Twilio Media Streams, FreeSWITCH
mod_audio_fork/mod_audio_stream, Asterisk AudioSocket) and plugs into
``agent.devtools.simulate``: the
:class:`~agent.devtools.simulate.Candidate` supplies audio frames and ``stream_frames`` paces them.

A phone line carries no interview events, so :class:`PhoneEar` plays the part of the
candidate's ears: it tracks when the interviewer's audio finishes playing and, after a pause,
tells the candidate the interviewer is listening for the next question in ``questions``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import websockets

from agent.devtools.simulate import Candidate, stream_frames
from audio.pcm import float_to_pcm16
from telephony.audiosocket import Kind, encode_audio, encode_hangup, encode_uuid
from telephony.g711 import pcm16_to_ulaw

# A carrier carries no "listening" event: like a person, the caller answers once the
# interviewer's voice has stopped for a moment (the interview listens as soon as its last
# prompt has played).
LISTEN_GAP_S = 1.0


@dataclass
class PhoneLog:
    """What the carrier side saw."""

    close_code: int | None = None
    clears: list[float] = field(default_factory=list)  # wall times of clear / killAudio
    marks_echoed: list[str] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)  # non-media JSON received
    phrases: int = 0  # whole-prompt playback messages (FreeSWITCH)
    audio_times: list[float] = field(default_factory=list)
    hung_up_by_server: bool = False


class PhoneEar:
    """Plays received interviewer audio on a wall clock and turns its silences into turns."""

    def __init__(
        self,
        candidate: Candidate,
        questions: list[str],
        gap_s: float = LISTEN_GAP_S,
        latency_s: float = 0.0,
    ):
        self.candidate = candidate
        self.questions = list(questions)
        self.gap_s = gap_s
        # Playback starts this long after audio arrives (a carrier's jitter buffer, a slow
        # network): the caller hears everything later than the server sent it.
        self.latency_s = latency_s
        self.play_until = 0.0
        self._heard_new = False
        self.turns = 0

    def heard(self, seconds: float, nbytes: int) -> None:
        """``seconds`` of interviewer audio arrived; it plays after what is already queued."""
        now = time.monotonic()
        self.play_until = max(self.play_until, now + self.latency_s) + seconds
        self._heard_new = True
        self.candidate.on_bot_audio(nbytes)

    def cleared(self) -> None:
        """Playback flushed (barge-in)."""
        self.play_until = time.monotonic()

    async def run(self) -> None:
        while self.turns < len(self.questions):
            await asyncio.sleep(0.05)
            quiet = time.monotonic() - self.play_until
            if self._heard_new and quiet >= self.gap_s:
                self._heard_new = False
                question = self.questions[self.turns]
                self.turns += 1
                self.candidate.on_event({"type": "listening", "question_id": question})


async def _cancel(tasks: list[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def _run_line(
    candidate: Candidate,
    ear: PhoneEar | None,
    send: Callable[[np.ndarray], Awaitable[None]],
    receive: Awaitable[None],
    hang_up: Callable[[], Awaitable[None]],
    speed: float,
    timeout_s: float,
) -> None:
    """The common call loop: stream the candidate, listen, hang up when it wants to."""
    done = asyncio.Event()

    async def guarded_send(frame: np.ndarray) -> None:
        try:
            await send(frame)
        except (ConnectionError, OSError, websockets.ConnectionClosed):
            done.set()

    async def hang_up_when_asked() -> None:
        await candidate.hangup.wait()
        with contextlib.suppress(ConnectionError, OSError, websockets.ConnectionClosed):
            await hang_up()

    tasks = [
        asyncio.create_task(stream_frames(candidate, guarded_send, speed, done)),
        asyncio.create_task(hang_up_when_asked()),
    ]
    if ear is not None:
        tasks.append(asyncio.create_task(ear.run()))
    try:
        async with asyncio.timeout(timeout_s):
            await receive
    finally:
        done.set()
        await _cancel(tasks)
        await candidate.close()


# --- Twilio ---------------------------------------------------------------------------------


def twilio_start(call_sid: str, stream_sid: str, params: dict[str, str]) -> dict[str, Any]:
    """The ``start`` message as Twilio sends it."""
    return {
        "event": "start",
        "sequenceNumber": "1",
        "start": {
            "accountSid": "AC" + "0" * 32,
            "streamSid": stream_sid,
            "callSid": call_sid,
            "tracks": ["inbound"],
            "customParameters": params,
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        },
        "streamSid": stream_sid,
    }


async def twilio_call(
    url: str,
    candidate: Candidate,
    ear: PhoneEar | None,
    *,
    call_sid: str,
    params: dict[str, str],
    speed: float = 1.0,
    timeout_s: float = 240.0,
    log: PhoneLog | None = None,
) -> PhoneLog:
    """One Twilio Media Stream: connected, start, 20 ms mu-law media, marks echoed, stop."""
    log = log or PhoneLog()
    stream_sid = "MZ" + uuid.uuid4().hex
    seq = 1
    chunk = 0
    pending_marks: list[tuple[float, str]] = []

    async with websockets.connect(url, max_size=None) as ws:

        async def send_json(msg: dict[str, Any]) -> None:
            nonlocal seq
            seq += 1
            await ws.send(json.dumps({**msg, "sequenceNumber": str(seq)}))

        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ws.send(json.dumps(twilio_start(call_sid, stream_sid, params)))

        async def send(frame: np.ndarray) -> None:
            nonlocal chunk
            chunk += 1
            payload = base64.b64encode(pcm16_to_ulaw(float_to_pcm16(frame))).decode()
            media = {
                "track": "inbound",
                "chunk": str(chunk),
                "timestamp": str((chunk - 1) * 20),
                "payload": payload,
            }
            await send_json({"event": "media", "streamSid": stream_sid, "media": media})

        async def echo(name: str) -> None:
            log.marks_echoed.append(name)
            await send_json({"event": "mark", "streamSid": stream_sid, "mark": {"name": name}})

        async def hang_up() -> None:
            stop = {"accountSid": "AC" + "0" * 32, "callSid": call_sid}
            await send_json({"event": "stop", "streamSid": stream_sid, "stop": stop})
            await ws.close()

        async def receive() -> None:
            with contextlib.suppress(websockets.ConnectionClosed):
                async for message in ws:
                    msg = json.loads(message)
                    now = time.monotonic()
                    # Marks come back once playback reaches them (Twilio plays in real time).
                    while pending_marks and pending_marks[0][0] <= now:
                        await echo(pending_marks.pop(0)[1])
                    if msg["event"] == "media":
                        audio = base64.b64decode(msg["media"]["payload"])
                        log.audio_times.append(now)
                        if ear is not None:
                            ear.heard(len(audio) / 8000, len(audio))
                        continue
                    log.messages.append(msg)
                    if msg["event"] == "mark":
                        until = ear.play_until if ear is not None else now
                        pending_marks.append((until, msg["mark"]["name"]))
                    elif msg["event"] == "clear":
                        log.clears.append(now)
                        if ear is not None:
                            ear.cleared()
                        for _, name in pending_marks:  # Twilio echoes cleared marks at once
                            await echo(name)
                        pending_marks.clear()

        await _run_line(candidate, ear, send, receive(), hang_up, speed, timeout_s)
        log.close_code = ws.close_code
    return log


# --- FreeSWITCH -----------------------------------------------------------------------------


async def freeswitch_call(
    url: str,
    candidate: Candidate,
    ear: PhoneEar | None,
    *,
    metadata: dict[str, Any],
    fork: bool = True,
    speed: float = 1.0,
    timeout_s: float = 240.0,
) -> PhoneLog:
    """mod_audio_fork (subprotocol audio.drachtio.org) or mod_audio_stream: metadata, then L16."""
    log = PhoneLog()
    rate = int(metadata.get("sample_rate", 8000))
    subprotocols = ["audio.drachtio.org"] if fork else None
    async with websockets.connect(url, max_size=None, subprotocols=subprotocols) as ws:  # type: ignore[arg-type]
        if fork:
            assert ws.subprotocol == "audio.drachtio.org"
        await ws.send(json.dumps(metadata, separators=(",", ":")))

        async def send(frame: np.ndarray) -> None:
            await ws.send(float_to_pcm16(frame))

        async def hang_up() -> None:
            await ws.close()

        async def receive() -> None:
            with contextlib.suppress(websockets.ConnectionClosed):
                async for message in ws:
                    msg = json.loads(message)
                    now = time.monotonic()
                    data = msg.get("data") or {}
                    if msg["type"] in ("playAudio", "streamAudio"):
                        audio = base64.b64decode(data.get("audioContent") or data["audioData"])
                        log.phrases += 1
                        log.audio_times.append(now)
                        if ear is not None:
                            ear.heard(len(audio) / 2 / int(data["sampleRate"]), len(audio))
                    else:
                        log.messages.append(msg)
                        if msg["type"] == "killAudio":
                            log.clears.append(now)
                            if ear is not None:
                                ear.cleared()

        await _run_line(candidate, ear, send, receive(), hang_up, speed, timeout_s)
        log.close_code = ws.close_code
    assert rate in (8000, 16000)
    return log


# --- Asterisk AudioSocket -------------------------------------------------------------------


async def audiosocket_call(
    port: int,
    candidate: Candidate,
    ear: PhoneEar | None,
    *,
    call_uuid: uuid.UUID,
    speed: float = 1.0,
    timeout_s: float = 240.0,
    log: PhoneLog | None = None,
) -> PhoneLog:
    """Asterisk's side: UUID frame, 320-byte slin frames every 20 ms, hang-up at the end."""
    log = log or PhoneLog()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(encode_uuid(call_uuid))

    async def send(frame: np.ndarray) -> None:
        if writer.is_closing():
            raise ConnectionError("closed")
        writer.write(encode_audio(float_to_pcm16(frame)))
        await writer.drain()

    async def hang_up() -> None:
        writer.write(encode_hangup())
        await writer.drain()

    async def receive() -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                header = await reader.readexactly(3)
                payload = await reader.readexactly(int.from_bytes(header[1:], "big"))
                if header[0] == Kind.AUDIO:
                    log.audio_times.append(time.monotonic())
                    if ear is not None:
                        ear.heard(len(payload) / 2 / 8000, len(payload))
                elif header[0] == Kind.HANGUP:
                    log.hung_up_by_server = True
                    return

    try:
        await _run_line(candidate, ear, send, receive(), hang_up, speed, timeout_s)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, OSError):
            await writer.wait_closed()
    return log
