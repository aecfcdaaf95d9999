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
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import websockets
import yaml

from audio.pcm import float_to_pcm16, resample
from audio.tts import as_engine
from audio.wav import read_wav
from dialogue.recordings import recording_path, recording_problem
from telephony.g711 import pcm16_to_ulaw, ulaw_to_pcm16

FRAME_S = 0.02
PERSONAS_DIR = Path(__file__).parent / "personas"


@dataclass(frozen=True)
class Reply:
    """What the candidate does for one question.

    ``text`` is said when the interviewer listens (empty: stay silent; ``[pause 2.0]`` inside it
    is a thinking pause). ``over_prompt`` is said ``over_prompt_at_s`` seconds after the prompt
    starts playing, over the interviewer (a backchannel, or a barge-in).
    """

    text: str = ""
    over_prompt: str | None = None
    over_prompt_at_s: float = 1.0
    # A recording of ``text`` to play instead of synthesizing it (no voice needed).
    audio: Path | None = None


@dataclass
class Persona:
    """Scripted replies: by question id (``greeting`` for the consent turn), then in order."""

    by_question: dict[str, Reply] = field(default_factory=dict)
    in_order: list[Reply] = field(default_factory=list)
    fallback: Reply = field(default_factory=lambda: Reply("Yes."))

    def recorded(self) -> dict[str, Path]:
        """Reply text -> its recording, for the replies that have one."""
        replies = [*self.by_question.values(), *self.in_order, self.fallback]
        return {r.text: r.audio for r in replies if r.audio is not None}

    def reply_for(self, key: str | None, index: int) -> Reply:
        """The reply for question ``key`` (the ``index``-th time the interviewer listened)."""
        if key and key in self.by_question:
            return self.by_question[key]
        if index < len(self.in_order):
            return self.in_order[index]
        return self.fallback


class PersonaError(ValueError):
    """A persona file that cannot be used; the message names the file, the answer and why."""


def _recorded(persona_file: Path, where: str, relative: str) -> Path:
    """The recording a reply names, checked like a script's recorded prompts (relative to the
    persona file, a playable PCM WAV of bounded length): a bad one fails at load, not mid-call."""
    if Path(relative).is_absolute():
        raise PersonaError(f"{persona_file}: {where}: recording '{relative}' must be relative")
    problem = recording_problem(recording_path(persona_file, relative))
    if problem is not None:
        raise PersonaError(f"{persona_file}: {where}: recording '{relative}': {problem}")
    return recording_path(persona_file, relative)


def _reply(value: Any, persona_file: Path, where: str) -> Reply:
    if isinstance(value, dict):
        audio = value.get("audio")
        return Reply(
            text=str(value.get("text", "")),
            over_prompt=value.get("over_prompt"),
            over_prompt_at_s=float(value.get("over_prompt_at_s", 1.0)),
            audio=_recorded(persona_file, where, str(audio)) if audio else None,
        )
    return Reply(text="" if value is None else str(value))


def load_persona(path_or_script: str | Path) -> Persona:
    """A persona from a YAML file (``answers:`` mapping question id -> reply, or a list of
    replies), or the shipped persona for a script id; an empty persona answers "Yes.".
    A reply may name a WAV ``audio:`` file (relative to the persona file) that says its text:
    checked here like a script's recordings (:class:`PersonaError` says what is wrong)."""
    path = Path(path_or_script)
    if not path.is_file():
        path = PERSONAS_DIR / f"{path_or_script}.yaml"
    if not path.is_file():
        return Persona()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        return Persona(in_order=[_reply(a, path, f"answer {i + 1}") for i, a in enumerate(data)])
    if isinstance(data, dict):
        answers = data.get("answers", data)
        return Persona(
            by_question={str(k): _reply(v, path, f"answers.{k}") for k, v in answers.items()},
            fallback=_reply(data.get("fallback", "Yes."), path, "fallback"),
        )
    raise PersonaError(f"{path}: persona must be a list of answers or a mapping")


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
    # Audio of each answer as sent (wire rate), and what was said over prompts.
    answer_audio: dict[str, np.ndarray] = field(default_factory=dict)
    # Wall-clock (time.monotonic) arrival of each event, and when each answer finished sending.
    event_times: list[float] = field(default_factory=list)
    answer_sent_at: dict[str, float] = field(default_factory=dict)
    # Where each answer's last sample went out on the call's audio clock (seconds of audio
    # sent since the call started, the clock the server counts too), and the wire rate.
    answer_end_s: dict[str, float] = field(default_factory=dict)
    rate: int = 16000
    # Wall-clock start of each speech-over-prompt, and of each interviewer audio message.
    over_prompt_started_at: list[float] = field(default_factory=list)
    bot_audio_times: list[float] = field(default_factory=list)
    over_prompt: list[tuple[str, str]] = field(default_factory=list)

    def transcripts(self) -> list[str]:
        """Final transcripts the server produced, in order."""
        return [e["text"] for e in self.events if e["type"] == "transcript" and e.get("final")]

    def questions(self) -> list[str | None]:
        """Question ids the server listened for, in order (repeats included)."""
        return [_answer_key(e) for e in self.events if e["type"] == "listening"]


def _answer_key(listening: dict[str, Any]) -> str | None:
    """Question id of a ``listening`` event, or the dialogue state (``greeting``) outside one."""
    return listening.get("question_id") or listening.get("state")


_PAUSE = re.compile(r"\[pause ([0-9.]+)\]")


def spoken_text(text: str) -> str:
    """The words of a reply (pause markers removed)."""
    return " ".join(_PAUSE.sub(" ", text).split())


class Speaker:
    """Says the candidate's answers at the wire rate: a recording where the persona gives one,
    else synthesized by ``voice`` (a Piper voice or any :class:`audio.tts.SpeechEngine`)."""

    def __init__(
        self,
        voice: Any,
        rate: int,
        telephony: bool,
        seed: int = 7,
        recorded: dict[str, Path] | None = None,
    ) -> None:
        self.voice = voice
        self.rate = rate
        self.telephony = telephony
        self.rng = np.random.default_rng(seed)
        self.recorded = recorded or {}

    def speak(self, text: str) -> np.ndarray:
        """The answer as float audio at the wire rate (degraded for telephony).

        ``[pause 2.0]`` in the text becomes that many seconds of silence."""
        pieces: list[np.ndarray] = []
        source_rate = 22050
        if text in self.recorded:
            audio, source_rate = read_wav(self.recorded[text])
            pieces.append(audio)
        elif self.voice is None:
            raise ValueError(f"no voice to say {text!r} and no recording of it")
        for i, part in enumerate([] if pieces else _PAUSE.split(text)):
            if i % 2:
                pieces.append(np.zeros(int(float(part) * source_rate), np.float32))
            elif part.strip():
                for chunk, chunk_rate in as_engine(self.voice).speak(part.strip()):
                    pieces.append(chunk)
                    source_rate = chunk_rate  # one voice: every piece has the same rate
        audio = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
        if self.telephony:
            return degrade_telephony(audio, source_rate, self.rng)
        return resample(audio, source_rate, self.rate)


class Candidate:
    """The synthetic candidate, independent of the wire protocol.

    A transport loop feeds it the interviewer's events (``on_event``) and bot audio
    (``on_bot_audio``) and asks it for the next frame of candidate audio (``next_frame``),
    which it calls every ``FRAME_S`` seconds of audio. ``hangup`` is set when it wants to leave.
    """

    def __init__(
        self,
        persona: Persona,
        speaker: Speaker,
        *,
        hangup_after: int | None = None,
        align_frames: int = 1,
    ) -> None:
        self.persona = persona
        self.speaker = speaker
        self.hangup_after = hangup_after
        # Speech starts only on every align_frames-th frame: the same answer then meets the
        # server's VAD windows (32 ms) at the same phase on every run, so a run's audio is
        # the same sample for sample whatever the timing (8 frames = 160 ms).
        self.align_frames = max(1, align_frames)
        self._frames_sent = 0
        self.frame_n = int(FRAME_S * speaker.rate)
        self.result = SimulationResult(rate=speaker.rate)
        self.hangup = asyncio.Event()
        self.ended = asyncio.Event()
        self._outgoing: deque[np.ndarray] = deque()
        self._buffer = np.zeros(0, np.float32)
        self._silence = np.zeros(self.frame_n, np.float32)
        self._answer_end: float | None = None  # wall time our last answer's audio went out
        self._awaiting: str | None = None  # question whose answer awaits the bot's reply
        self._queued: deque[tuple[str | None, bool]] = deque()  # (key, over prompt) per audio
        self._sending: tuple[str | None, bool] | None = None
        self._over_prompt_done: set[str] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._spoken: dict[str, np.ndarray] = {}

    # -- audio out ------------------------------------------------------------------------

    def next_frame(self) -> np.ndarray:
        """The next ``FRAME_S`` of candidate audio (line silence between answers)."""
        self._frames_sent += 1
        starting = self._buffer.size == 0
        aligned = (self._frames_sent - 1) % self.align_frames == 0
        if self._buffer.size < self.frame_n and self._outgoing and (aligned or not starting):
            self._buffer = np.concatenate([self._buffer, self._outgoing.popleft()])
            self._sending = self._queued.popleft()
            if self._sending[1]:
                self.result.over_prompt_started_at.append(time.monotonic())
        if self._buffer.size >= self.frame_n:
            frame, self._buffer = self._buffer[: self.frame_n], self._buffer[self.frame_n :]
            if self._buffer.size == 0 and not self._outgoing:
                self._answer_end = time.monotonic()
                if self._sending is not None and self._sending[0] is not None:
                    self.result.answer_sent_at[self._sending[0]] = self._answer_end
                    self.result.answer_end_s[self._sending[0]] = self._frames_sent * FRAME_S
            return frame
        if self.speaker.telephony:
            return line_noise(self.frame_n, self.speaker.rng)
        return self._silence

    async def prepare(self) -> None:
        """Synthesize every scripted reply up front, so answers start as soon as the interviewer
        listens (synthesis takes seconds; the server's no-input timer does not wait for it)."""
        replies = [
            *self.persona.by_question.values(),
            *self.persona.in_order,
            self.persona.fallback,
        ]
        texts = {t for r in replies for t in (r.text, r.over_prompt) if t and t.strip()}
        loop = asyncio.get_running_loop()
        for text in texts:
            if text not in self._spoken:
                self._spoken[text] = await loop.run_in_executor(None, self.speaker.speak, text)

    async def _say(self, key: str | None, text: str, *, over_prompt: bool = False) -> None:
        audio = self._spoken.get(text)
        if audio is None:
            loop = asyncio.get_running_loop()
            audio = await loop.run_in_executor(None, self.speaker.speak, text)
        # Whole frames only, so the answer's last sample goes out on a known frame.
        audio = np.pad(audio, (0, -audio.size % self.frame_n))
        if key is not None:
            self.result.answer_audio[key] = audio
        self._awaiting = key
        self._answer_end = None
        self._queued.append((key, over_prompt))
        self._outgoing.append(audio)

    # -- events in ------------------------------------------------------------------------

    def on_bot_audio(self, nbytes: int) -> None:
        """Interviewer audio arrived (``nbytes`` of PCM16 or its wire encoding)."""
        self.result.bot_audio_bytes += nbytes
        self.result.bot_audio_times.append(time.monotonic())
        if self._answer_end is not None and self._awaiting is not None:
            gap = time.monotonic() - self._answer_end
            self.result.response_gaps.append((self._awaiting, gap))
            self._awaiting = None

    def on_event(self, msg: dict[str, Any]) -> None:
        """An interviewer event (the native protocol's JSON)."""
        self.result.events.append(msg)
        self.result.event_times.append(time.monotonic())
        kind = msg.get("type")
        key = _answer_key(msg)
        if kind == "listening":
            index = len(self.result.answers)
            if self.hangup_after is not None and index >= self.hangup_after:
                self.hangup.set()
                return
            reply = self.persona.reply_for(key, index)
            self.result.answers.append((key, spoken_text(reply.text)))
            if reply.text.strip():
                self._tasks.append(asyncio.create_task(self._say(key, reply.text)))
        elif kind == "bot_said" and key is not None and key not in self._over_prompt_done:
            reply = self.persona.reply_for(key, len(self.result.answers))
            if reply.over_prompt:
                self._over_prompt_done.add(key)
                self._tasks.append(asyncio.create_task(self._over_prompt(key, reply)))
        elif kind == "call_ended":
            self.result.report_id = msg.get("report_id")
            self.result.outcome = msg.get("outcome")
            self.ended.set()

    async def _over_prompt(self, key: str, reply: Reply) -> None:
        await asyncio.sleep(reply.over_prompt_at_s)
        assert reply.over_prompt is not None
        self.result.over_prompt.append((key, spoken_text(reply.over_prompt)))
        await self._say(key, reply.over_prompt, over_prompt=True)

    async def close(self) -> None:
        """Cancel background synthesis."""
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class CallSide(Protocol):
    """The client end of a ``/ws/call`` conversation (the synthetic candidate, a microphone):
    it is asked for audio every ``FRAME_S`` and told what the interviewer sends."""

    hangup: asyncio.Event

    def next_frame(self) -> np.ndarray: ...

    def on_event(self, msg: dict[str, Any]) -> None: ...

    def on_bot_audio(self, nbytes: int) -> None: ...


async def stream_frames(
    side: CallSide, send: Callable[[np.ndarray], Any], speed: float, stop: asyncio.Event
) -> None:
    """Send the side's audio every ``FRAME_S / speed`` seconds until ``stop`` is set."""
    next_t = time.monotonic()
    while not stop.is_set():
        try:
            await send(side.next_frame())
        except websockets.ConnectionClosed:
            return
        next_t += FRAME_S / speed
        await asyncio.sleep(max(0.0, next_t - time.monotonic()))


async def ws_call(
    url: str,
    side: CallSide,
    *,
    rate: int,
    candidate_id: str,
    script_id: str | None = None,
    speed: float = 1.0,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    on_audio: Callable[[bytes], None] | None = None,
    timeout_s: float = 900.0,
    token: str | None = None,
) -> int | None:
    """One call over the native protocol, shared by ``simulate`` and ``screenline mic``.

    Sends ``start``, then streams ``side``'s audio (PCM16 at ``rate``) continuously like a
    phone, and hands the interviewer's audio (``on_audio`` gets the raw PCM16) and events to
    ``side`` and the callbacks until the server closes. ``token`` (an API key or call token)
    goes in the ``Authorization`` header. Returns the WebSocket close code."""
    done = asyncio.Event()
    headers = {"Authorization": f"Bearer {token}"} if token else None
    async with websockets.connect(url, max_size=None, additional_headers=headers) as ws:
        start: dict[str, Any] = {
            "type": "start",
            "sample_rate": rate,
            "encoding": "pcm16",
            "candidate_id": candidate_id,
        }
        if script_id:
            start["script_id"] = script_id
        await ws.send(json.dumps(start))

        async def send(frame: np.ndarray) -> None:
            await ws.send(float_to_pcm16(frame))

        async def hang_up() -> None:
            await side.hangup.wait()
            await ws.send(json.dumps({"type": "hangup"}))

        tasks = [
            asyncio.create_task(stream_frames(side, send, speed, done)),
            asyncio.create_task(hang_up()),
        ]
        try:
            async with asyncio.timeout(timeout_s):
                async for message in ws:
                    if isinstance(message, bytes):
                        side.on_bot_audio(len(message))
                        if on_audio is not None:
                            on_audio(message)
                        continue
                    msg = json.loads(message)
                    side.on_event(msg)
                    if on_event is not None:
                        on_event(msg)
        except websockets.ConnectionClosed:
            pass
        finally:
            done.set()
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        return ws.close_code


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
    token: str | None = None,
    align_frames: int = 1,
    rate: int | None = None,
) -> SimulationResult:
    """Run one simulated interview against ``url`` (``ws://host:port/ws/call``), with the
    candidate's audio at ``rate`` (default: 8 kHz for ``telephony``, else 16 kHz)."""
    rate = rate or (8000 if telephony else 16000)
    candidate = Candidate(
        persona,
        Speaker(voice, rate, telephony, recorded=persona.recorded()),
        hangup_after=hangup_after,
        align_frames=align_frames,
    )
    result = candidate.result
    await candidate.prepare()
    try:
        result.close_code = await ws_call(
            url,
            candidate,
            rate=rate,
            candidate_id=candidate_id,
            script_id=script_id,
            speed=speed,
            on_event=on_event,
            timeout_s=timeout_s,
            token=token,
        )
    finally:
        await candidate.close()
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
