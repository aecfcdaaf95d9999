"""A WebRTC candidate for tests: an aiortc peer that plays the synthetic candidate.

It signals over HTTP (``POST /api/webrtc/offer``, with the invitation token in
``X-Screenline-Invite``) like the browser page, sends the
simulator's candidate audio (``agent.devtools.simulate.Candidate``: scripted Piper answers,
spoken when
the server's ``listening`` event arrives over the data channel) as its microphone track, and
counts the interviewer's audio it receives on the remote track.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import time
from typing import Any

import httpx
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from av import AudioFrame

from agent.devtools.simulate import FRAME_S, Candidate, Persona, SimulationResult, Speaker
from audio.pcm import float_to_pcm16

RATE = 16000


class CandidateTrack(MediaStreamTrack):
    """The candidate's microphone: ``Candidate.next_frame`` at real-time pace, 16 kHz mono."""

    kind = "audio"

    def __init__(self, candidate: Candidate) -> None:
        super().__init__()
        self.candidate = candidate
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        if self._start is None:
            self._start = time.monotonic()
        else:
            await asyncio.sleep(max(0.0, self._start + self._pts / RATE - time.monotonic()))
        samples = self.candidate.next_frame()
        frame = AudioFrame(format="s16", layout="mono", samples=samples.size)
        frame.planes[0].update(float_to_pcm16(samples))
        frame.sample_rate = RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, RATE)
        self._pts += samples.size
        return frame


async def _drain(track: MediaStreamTrack, candidate: Candidate, got: dict[str, float]) -> None:
    """Read the interviewer's audio; count only frames that carry sound (the server's output
    track sends silence between prompts)."""
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        pcm = frame.to_ndarray()
        if abs(pcm).max() > 300:
            got["voiced_s"] = got.get("voiced_s", 0.0) + frame.samples / frame.sample_rate
            candidate.on_bot_audio(pcm.nbytes)


async def webrtc_interview(
    base_url: str,
    *,
    persona: Persona,
    voice: Any,
    invite: str,
    timeout_s: float = 300.0,
) -> tuple[SimulationResult, dict[str, float]]:
    """One interview over WebRTC for the invitation ``invite`` (its token); returns what the
    candidate saw and the bot's voiced seconds."""
    candidate = Candidate(persona, Speaker(voice, RATE, telephony=False))
    assert int(FRAME_S * RATE) == candidate.frame_n
    # iceServers=[]: without it aiortc adds a public STUN server, unreachable offline.
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    channel = pc.createDataChannel("events", ordered=True)
    got: dict[str, float] = {}
    readers: list[asyncio.Task[None]] = []

    @channel.on("message")
    def _on_message(message: str | bytes) -> None:
        msg = json.loads(message)
        if isinstance(msg, dict) and msg.get("type") != "signalling":
            candidate.on_event(msg)

    @pc.on("track")
    def _on_track(track: MediaStreamTrack) -> None:
        readers.append(asyncio.create_task(_drain(track, candidate, got)))

    pc.addTrack(CandidateTrack(candidate))
    try:
        await pc.setLocalDescription(await pc.createOffer())  # gathers candidates first
        offer = pc.localDescription
        async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
            response = await http.post(
                "/api/webrtc/offer",
                # The body names someone else: the invitation alone decides whose call it is.
                json={
                    "sdp": offer.sdp,
                    "type": offer.type,
                    "request_data": {"candidate_id": "someone-else", "script_id": "no-such"},
                },
                headers={"X-Screenline-Invite": invite},
            )
        response.raise_for_status()
        answer = response.json()
        got["call_id_known"] = float("call_id" in answer)
        await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], answer["type"]))
        await asyncio.wait_for(candidate.ended.wait(), timeout_s)
    finally:
        await pc.close()
        for task in readers:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await candidate.close()
    return candidate.result, got
