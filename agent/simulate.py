"""A synthetic candidate: speaks scripted answers over the real ``/ws/call`` WebSocket.

It streams audio continuously like a phone (silence between answers, at real-time pace unless
``speed`` says otherwise), waits for each question to finish playing (the server's ``listening``
event), then speaks the answer for that question. ``telephony=True`` degrades the candidate's
audio to 8 kHz mu-law with background noise.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import websockets
import yaml

from audio.pcm import float_to_pcm16, resample
from telephony.g711 import pcm16_to_ulaw, ulaw_to_pcm16

FRAME_S = 0.02
PERSONAS_DIR = Path(__file__).parent / "personas"


@dataclass
class Persona:
    """Scripted answers: by question id (``greeting`` for the consent turn), then in order."""

    by_question: dict[str, str] = field(default_factory=dict)
    in_order: list[str] = field(default_factory=list)
    fallback: str = "Yes."

    def answer_for(self, question_id: str | None, index: int) -> str:
        """The answer to give to ``question_id`` (the ``index``-th question asked)."""
        if question_id and question_id in self.by_question:
            return self.by_question[question_id]
        if index < len(self.in_order):
            return self.in_order[index]
        return self.fallback


def load_persona(path_or_script: str | Path) -> Persona:
    """A persona from a YAML file (mapping of question id -> answer, or a list of answers),
    or the shipped persona for a script id."""
    path = Path(path_or_script)
    if not path.is_file():
        path = PERSONAS_DIR / f"{path_or_script}.yaml"
    if not path.is_file():
        return Persona()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        return Persona(in_order=[str(a) for a in data])
    if isinstance(data, dict):
        answers = data.get("answers", data)
        fallback = str(data.get("fallback", "Yes."))
        return Persona(by_question={str(k): str(v) for k, v in answers.items()}, fallback=fallback)
    raise ValueError(f"{path}: persona must be a list of answers or a mapping")


def degrade_telephony(audio: np.ndarray, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Phone-line version of ``audio``: 8 kHz, background noise ~25 dB below speech, mu-law."""
    narrow = resample(audio, rate, 8000)
    speech_rms = float(np.sqrt(np.mean(narrow**2))) if narrow.size else 0.0
    noise = rng.normal(0.0, max(speech_rms, 1e-3) * 10 ** (-25 / 20), narrow.size)
    pcm = float_to_pcm16((narrow + noise).astype(np.float32))
    return np.frombuffer(ulaw_to_pcm16(pcm16_to_ulaw(pcm)), "<i2").astype(np.float32) / 32768


def line_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """Quiet line noise (about -60 dBFS) for the gaps between answers on a phone line."""
    return rng.normal(0.0, 0.001, n).astype(np.float32)


@dataclass
class SimulationResult:
    """What the synthetic candidate saw."""

    report_id: str | None = None
    outcome: str | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    answers: list[tuple[str | None, str]] = field(default_factory=list)
    bot_audio_bytes: int = 0
    # (question_id, seconds from the end of our answer audio to the first bot audio after it)
    response_gaps: list[tuple[str | None, float]] = field(default_factory=list)
    close_code: int | None = None

    def transcripts(self) -> list[str]:
        """Final transcripts the server produced, in order."""
        return [e["text"] for e in self.events if e["type"] == "transcript" and e.get("final")]

    def questions(self) -> list[str | None]:
        """Question ids the server listened for, in order (repeats included)."""
        return [_answer_key(e) for e in self.events if e["type"] == "listening"]


def _answer_key(listening: dict[str, Any]) -> str | None:
    """Question id of a ``listening`` event, or the dialogue state (``greeting``) outside one."""
    return listening.get("question_id") or listening.get("state")


class Speaker:
    """Synthesizes the candidate's answers (Piper) at the wire rate."""

    def __init__(self, voice: Any, rate: int, telephony: bool, seed: int = 7) -> None:
        self.voice = voice
        self.rate = rate
        self.telephony = telephony
        self.rng = np.random.default_rng(seed)

    def speak(self, text: str) -> np.ndarray:
        """The answer as float audio at the wire rate (degraded for telephony)."""
        chunks = list(self.voice.synthesize(text))
        audio = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        source_rate = chunks[0].sample_rate
        if self.telephony:
            return degrade_telephony(audio, source_rate, self.rng)
        return resample(audio, source_rate, self.rate)


async def simulate(
    url: str,
    *,
    persona: Persona,
    voice: Any,
    candidate_id: str = "sim-candidate",
    script_id: str | None = None,
    speed: float = 1.0,
    telephony: bool = False,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    timeout_s: float = 900.0,
    hangup_after: int | None = None,
) -> SimulationResult:
    """Run one simulated interview against ``url`` (``ws://host:port/ws/call``)."""
    rate = 8000 if telephony else 16000
    speaker = Speaker(voice, rate, telephony)
    result = SimulationResult()
    outgoing: deque[np.ndarray] = deque()
    answer_end_wall: list[float] = []
    awaiting_reply: list[str | None] = []
    frame_n = int(FRAME_S * rate)
    loop = asyncio.get_running_loop()
    done = asyncio.Event()

    async with websockets.connect(url, max_size=None) as ws:
        start: dict[str, Any] = {
            "type": "start",
            "sample_rate": rate,
            "encoding": "pcm16",
            "candidate_id": candidate_id,
        }
        if script_id:
            start["script_id"] = script_id
        await ws.send(json.dumps(start))

        async def sender() -> None:
            buffer = np.zeros(0, np.float32)
            silence = np.zeros(frame_n, np.float32)
            next_t = time.monotonic()
            while not done.is_set():
                if buffer.size < frame_n and outgoing:
                    buffer = np.concatenate([buffer, outgoing.popleft()])
                    if not outgoing:
                        answer_end_wall.append(-1.0)  # marks: set when this buffer drains
                if buffer.size >= frame_n:
                    frame, buffer = buffer[:frame_n], buffer[frame_n:]
                    if buffer.size == 0 and answer_end_wall and answer_end_wall[-1] < 0:
                        answer_end_wall[-1] = time.monotonic()
                else:
                    frame = line_noise(frame_n, speaker.rng) if telephony else silence
                try:
                    await ws.send(float_to_pcm16(frame.astype(np.float32)))
                except websockets.ConnectionClosed:
                    return
                next_t += FRAME_S / speed
                await asyncio.sleep(max(0.0, next_t - time.monotonic()))

        async def answer(question_id: str | None) -> None:
            index = len(result.answers)
            if hangup_after is not None and index >= hangup_after:
                await ws.send(json.dumps({"type": "hangup"}))
                return
            text = persona.answer_for(question_id, index)
            result.answers.append((question_id, text))
            audio = await loop.run_in_executor(None, speaker.speak, text)
            # Whole frames only, so the answer's last sample goes out on a known frame.
            audio = np.pad(audio, (0, -audio.size % frame_n))
            awaiting_reply.append(question_id)
            outgoing.append(audio)

        send_task = asyncio.create_task(sender())
        tasks: list[asyncio.Task[None]] = []
        try:
            async with asyncio.timeout(timeout_s):
                async for message in ws:
                    if isinstance(message, bytes):
                        result.bot_audio_bytes += len(message)
                        if awaiting_reply and answer_end_wall and answer_end_wall[-1] > 0:
                            gap = time.monotonic() - answer_end_wall[-1]
                            result.response_gaps.append((awaiting_reply.pop(0), gap))
                            answer_end_wall.clear()
                        continue
                    msg = json.loads(message)
                    result.events.append(msg)
                    if on_event is not None:
                        on_event(msg)
                    kind = msg.get("type")
                    if kind == "listening":
                        tasks.append(asyncio.create_task(answer(_answer_key(msg))))
                    elif kind == "call_ended":
                        result.report_id = msg.get("report_id")
                        result.outcome = msg.get("outcome")
        except websockets.ConnectionClosed:
            pass
        finally:
            done.set()
            result.close_code = ws.close_code
            for task in [send_task, *tasks]:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
    return result


def format_event(msg: dict[str, Any]) -> str | None:
    """A human-readable line for a server event (None for events not worth printing)."""
    kind = msg.get("type")
    if kind == "bot_said":
        return f"INTERVIEWER: {msg.get('text')}"
    if kind == "transcript" and msg.get("final"):
        return f"CANDIDATE:   {msg.get('text')}"
    if kind == "call_ended":
        return f"-- call ended: {msg.get('outcome')} (report {msg.get('report_id')})"
    if kind == "error":
        return f"!! error {msg.get('code')}: {msg.get('message')}"
    return None
