"""``screenline mic``: talk to the interviewer from a developer's machine.

The default input device is the candidate's microphone and the default output device plays the
interviewer (sounddevice / PortAudio). The client speaks the native ``/ws/call`` protocol with
the simulator's streaming loop (``agent.devtools.simulate.ws_call``), against an in-process
server or ``--server URL``, and shows the live transcript and the dialogue state in the terminal.

Files stand in for the devices:

* ``--output FILE.wav`` records the interviewer (16 kHz mono), with the silences between
  prompts as they happened on the call.
* ``--input FILE.wav`` (any sample rate, mono or stereo, 8/16/24/32-bit PCM) is the
  candidate. An interview needs each answer *when the interviewer listens*, which a fixed
  recording cannot know in advance, so by default (``--input-timing turns``) the file is cut
  into answers at pauses of ``--gap`` seconds or more and each answer is played when the server
  says it is listening (a re-asked question takes the next answer). ``--input-timing stream``
  plays the file as recorded from the moment the call starts, then silence.
* ``--answers PERSONA.yaml`` synthesizes the answers with Piper, like ``screenline simulate``.

With files, ``--speed N`` streams the candidate's audio N times faster than real time.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol, TextIO

import numpy as np

from agent.devtools.simulate import (
    FRAME_S,
    CallSide,
    Candidate,
    Persona,
    Reply,
    Speaker,
    format_event,
    ws_call,
)
from audio import wav
from audio.pcm import StreamResampler, pcm16_to_float, resample

#: The wire rate: wideband, what the server's models want.
RATE = 16000
PORTAUDIO_HINT = (
    "install the PortAudio library (Debian/Ubuntu: apt-get install -y libportaudio2; "
    "macOS: brew install portaudio), or use --input/--output WAV files instead of devices"
)


class MicError(Exception):
    """A problem the user can fix (no PortAudio, no device, unreadable file): no traceback."""


# -- devices ------------------------------------------------------------------------------


def load_sounddevice() -> ModuleType:
    """The ``sounddevice`` module; PortAudio missing becomes a clear :class:`MicError`."""
    try:
        import sounddevice
    except (OSError, ImportError) as exc:  # OSError: "PortAudio library not found"
        raise MicError(f"cannot use audio devices ({exc}): {PORTAUDIO_HINT}") from exc
    return sounddevice


def default_device(sd: ModuleType, kind: str) -> dict[str, Any]:
    """The default ``input`` or ``output`` device's description, or a clear :class:`MicError`."""
    what = "microphone (audio input)" if kind == "input" else "speaker (audio output)"
    try:
        info = sd.query_devices(kind=kind)
    except Exception as exc:  # PortAudioError, or ValueError when there is no default device
        raise MicError(f"no {what} device found ({exc}); {_device_hint(kind)}") from exc
    if not isinstance(info, dict) or int(info.get(f"max_{kind}_channels", 0)) < 1:
        raise MicError(f"no {what} device found; {_device_hint(kind)}")
    return info


def _device_hint(kind: str) -> str:
    flag = "--input FILE.wav or --answers PERSONA.yaml" if kind == "input" else "--output FILE.wav"
    return f"connect one (check `python -m sounddevice`), or use {flag}"


# -- wav files ----------------------------------------------------------------------------


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """A PCM wav file as mono float32 and its sample rate (a clear :class:`MicError` if not)."""
    try:
        return wav.read_wav(path)
    except wav.WavError as exc:
        raise MicError(str(exc)) from exc


write_wav = wav.write_wav


def split_answers(audio: np.ndarray, rate: int, gap_s: float = 1.5) -> list[np.ndarray]:
    """Cut a recording into answers at pauses of ``gap_s`` or longer.

    Energy per 20 ms frame against a threshold between the recording's noise floor and its
    speech level; shorter pauses (thinking, breathing) stay inside an answer. Each answer keeps
    0.1 s of the surrounding audio so word onsets are not clipped."""
    n = int(FRAME_S * rate)
    frames = audio[: audio.size // n * n].reshape(-1, n) if audio.size >= n else audio[None, :0]
    if frames.shape[0] == 0:
        return []
    level = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    floor, peak = float(np.percentile(level, 10)), float(level.max())
    threshold = max(floor * 3.0, peak * 0.05, 1e-3)
    voiced = np.flatnonzero(level > threshold)
    if voiced.size == 0:
        return []
    gap_frames = max(1, round(gap_s / FRAME_S))
    breaks = np.flatnonzero(np.diff(voiced) > gap_frames)
    starts = np.concatenate([[voiced[0]], voiced[breaks + 1]])
    ends = np.concatenate([voiced[breaks], [voiced[-1]]]) + 1
    pad = int(0.1 * rate)
    return [
        audio[max(0, s * n - pad) : min(audio.size, e * n + pad)].astype(np.float32)
        for s, e in zip(starts, ends, strict=True)
    ]


class RecordedSpeaker(Speaker):
    """A :class:`Speaker` whose answers are pieces of a recording, not synthesized speech:
    the reply text ``<answer N>`` is the N-th piece (see :func:`recorded_persona`)."""

    def __init__(self, answers: list[np.ndarray]) -> None:
        super().__init__(voice=None, rate=RATE, telephony=False)
        self.answers = answers

    def speak(self, text: str) -> np.ndarray:
        match = re.fullmatch(r"<answer (\d+)>", text.strip())
        return self.answers[int(match.group(1)) - 1] if match else np.zeros(0, np.float32)


def recorded_persona(count: int) -> Persona:
    """One reply per recorded answer, in order; silence once they run out."""
    return Persona(in_order=[Reply(f"<answer {i + 1}>") for i in range(count)], fallback=Reply())


class AudioFeed:
    """A :class:`~agent.devtools.simulate.CallSide` fed with audio from outside: the live microphone
    (from PortAudio's thread) or a whole file streamed as recorded. Silence when it runs dry."""

    def __init__(self, max_backlog_s: float | None = None) -> None:
        self.frame_n = int(FRAME_S * RATE)
        self.hangup = asyncio.Event()
        self._pending: deque[np.ndarray] = deque()
        self._buffer = np.zeros(0, np.float32)
        self._lock = threading.Lock()
        self._max_backlog = None if max_backlog_s is None else int(max_backlog_s * RATE)

    def feed(self, audio: np.ndarray) -> None:
        """Queue candidate audio at :data:`RATE` (thread-safe)."""
        with self._lock:
            self._pending.append(audio.astype(np.float32, copy=False))

    def next_frame(self) -> np.ndarray:
        with self._lock:
            if self._pending:
                self._buffer = np.concatenate([self._buffer, *self._pending])
                self._pending.clear()
        if self._max_backlog is not None and self._buffer.size > self._max_backlog:
            # The sound card's clock runs a little fast against ours: drop the oldest audio
            # rather than let the interviewer hear us later and later.
            self._buffer = self._buffer[-self.frame_n * 2 :]
        if self._buffer.size < self.frame_n:
            return np.zeros(self.frame_n, np.float32)
        frame, self._buffer = self._buffer[: self.frame_n], self._buffer[self.frame_n :]
        return frame

    def on_event(self, msg: dict[str, Any]) -> None:
        """The terminal view shows events; the feed itself needs none."""

    def on_bot_audio(self, nbytes: int) -> None:
        """Nothing to do: the sink plays or records the interviewer."""


# -- where the interviewer's audio goes ---------------------------------------------------


class Sink(Protocol):
    """Where the interviewer's audio goes."""

    def write(self, pcm: bytes) -> None: ...

    def clear(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class WavSink:
    """Records the interviewer to a wav file, silences between prompts included.

    The server paces its audio in real time, so arrival time places each chunk on the call's
    timeline; gaps shorter than ``jitter_s`` are network jitter inside one prompt, not
    silence."""

    path: Path
    rate: int = RATE
    jitter_s: float = 0.3
    clock: Callable[[], float] = time.monotonic
    _chunks: list[np.ndarray] = field(default_factory=list)
    _samples: int = 0
    _t0: float | None = None

    def write(self, pcm: bytes) -> None:
        now = self.clock()
        if self._t0 is None:
            self._t0 = now
        behind = int((now - self._t0) * self.rate) - self._samples
        if behind > self.jitter_s * self.rate:
            self._chunks.append(np.zeros(behind, np.float32))
            self._samples += behind
        audio = pcm16_to_float(pcm)
        self._chunks.append(audio)
        self._samples += audio.size

    def clear(self) -> None:
        """Nothing to flush: the file keeps what the server sent."""

    def close(self) -> None:
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.float32)
        write_wav(self.path, audio, self.rate)


class SpeakerSink:
    """Plays the interviewer on the default output device (resampled to its native rate)."""

    def __init__(self, sd: ModuleType) -> None:
        info = default_device(sd, "output")
        self.rate = int(info["default_samplerate"])
        self._resampler = StreamResampler(RATE, self.rate)
        self._queue: deque[np.ndarray] = deque()
        self._buffer = np.zeros(0, np.float32)
        self._lock = threading.Lock()
        self._stream = sd.OutputStream(
            samplerate=self.rate, channels=1, dtype="float32", callback=self._callback
        )
        self._stream.start()

    def _callback(self, out: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
        with self._lock:
            while self._buffer.size < frames and self._queue:
                self._buffer = np.concatenate([self._buffer, self._queue.popleft()])
            take = self._buffer[:frames]
            self._buffer = self._buffer[frames:]
        out[: take.size, 0] = take
        out[take.size :, 0] = 0.0

    def write(self, pcm: bytes) -> None:
        audio = self._resampler.process(pcm16_to_float(pcm))
        with self._lock:
            self._queue.append(audio)

    def clear(self) -> None:
        """Barge-in: stop playing what is queued (the server paused the prompt)."""
        with self._lock:
            self._queue.clear()
            self._buffer = np.zeros(0, np.float32)

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()


class Microphone:
    """Captures the default input device into an :class:`AudioFeed` at the wire rate."""

    def __init__(self, sd: ModuleType, feed: AudioFeed) -> None:
        info = default_device(sd, "input")
        rate = int(info["default_samplerate"])
        resampler = StreamResampler(rate, RATE)

        def callback(data: np.ndarray, _frames: int, _time: Any, _status: Any) -> None:
            feed.feed(resampler.process(data[:, 0].copy()))

        self._stream = sd.InputStream(
            samplerate=rate, channels=1, dtype="float32", callback=callback
        )
        self._stream.start()

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()


# -- terminal -----------------------------------------------------------------------------


class TerminalView:
    """The live transcript and dialogue state, one line per event; interim transcripts
    overwrite each other in place on a terminal."""

    def __init__(self, out: TextIO = sys.stdout) -> None:
        self.out = out
        self.tty = out.isatty()
        self._interim = False

    def show(self, msg: dict[str, Any]) -> None:
        kind = msg.get("type")
        if kind == "transcript" and not msg.get("final"):
            if self.tty:
                self.out.write(f"\r\x1b[2K  ... {msg.get('text', '')}")
                self.out.flush()
                self._interim = True
            return
        line = format_event(msg)
        if kind == "listening":
            question = msg.get("question_id") or "-"
            line = f"   [listening: question {question}, state {msg.get('state')}]"
        elif kind == "barge_in":
            line = "   [barge-in: the interviewer stopped to listen]"
        if line is None:
            return
        if self._interim:
            self.out.write("\r\x1b[2K")
            self._interim = False
        print(line, file=self.out, flush=True)


# -- the call -----------------------------------------------------------------------------


@dataclass
class MicResult:
    """How the call ended."""

    report_id: str | None = None
    outcome: str | None = None
    close_code: int | None = None
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class MicOptions:
    """What ``screenline mic`` was asked to do."""

    input_wav: Path | None = None
    output_wav: Path | None = None
    answers: Persona | None = None
    voice: Any = None  # the voice that says ``answers`` (None: they are all recorded)
    input_timing: str = "turns"
    gap_s: float = 1.5
    speed: float = 1.0
    candidate_id: str = "mic-candidate"
    script_id: str | None = None
    timeout_s: float = 1800.0
    token: str | None = None  # API key or call token for the server


def _side_for(options: MicOptions) -> tuple[CallSide, Candidate | None]:
    """The candidate's side of the call: synthesized, recorded, or (None here) the mic."""
    if options.answers is not None:
        speaker = Speaker(options.voice, RATE, telephony=False, recorded=options.answers.recorded())
        candidate = Candidate(options.answers, speaker)
        return candidate, candidate
    if options.input_wav is None:
        raise ValueError("no input file")
    audio, rate = read_wav(options.input_wav)
    audio = resample(audio, rate, RATE)
    if options.input_timing == "stream":
        feed = AudioFeed()
        feed.feed(audio)
        return feed, None
    answers = split_answers(audio, RATE, options.gap_s)
    if not answers:
        raise MicError(f"{options.input_wav}: no speech found (is it silent?)")
    candidate = Candidate(recorded_persona(len(answers)), RecordedSpeaker(answers))
    return candidate, candidate


def preflight(options: MicOptions) -> ModuleType | None:
    """Check the audio devices this run needs, before anything slow starts; returns the
    ``sounddevice`` module when a device is used."""
    if options.input_wav is not None and not options.input_wav.is_file():
        raise MicError(f"input file {options.input_wav} does not exist")
    needs_input = options.input_wav is None and options.answers is None
    if not needs_input and options.output_wav is not None:
        return None
    sd = load_sounddevice()
    if needs_input:
        default_device(sd, "input")
    if options.output_wav is None:
        default_device(sd, "output")
    return sd


async def run_mic(url: str, options: MicOptions, view: TerminalView | None = None) -> MicResult:
    """One interview from this machine's devices (or files) against ``url``."""
    view = view or TerminalView()
    sd = preflight(options)
    candidate: Candidate | None = None
    if options.input_wav is None and options.answers is None:
        side: CallSide = AudioFeed(max_backlog_s=0.5)
        speed = 1.0  # a live microphone runs in real time, whatever --speed says
    else:
        side, candidate = _side_for(options)
        speed = options.speed
        if candidate is not None:
            await candidate.prepare()  # answers ready before the interviewer listens
    result = MicResult()
    sink: Sink
    if options.output_wav is not None:
        sink = WavSink(options.output_wav)
    else:
        assert sd is not None
        sink = SpeakerSink(sd)
    live: Microphone | None = None

    def on_event(msg: dict[str, Any]) -> None:
        result.events.append(msg)
        if msg.get("type") == "barge_in":
            sink.clear()
        elif msg.get("type") == "call_ended":
            result.report_id = msg.get("report_id")
            result.outcome = msg.get("outcome")
        view.show(msg)

    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError):
        # Ctrl-C hangs up politely: the server ends the interview and writes the report.
        loop.add_signal_handler(signal.SIGINT, side.hangup.set)
    try:
        if isinstance(side, AudioFeed) and options.input_wav is None:
            assert sd is not None
            live = Microphone(sd, side)
        result.close_code = await ws_call(
            url,
            side,
            rate=RATE,
            candidate_id=options.candidate_id,
            script_id=options.script_id,
            speed=speed,
            on_event=on_event,
            on_audio=sink.write,
            timeout_s=options.timeout_s,
            token=options.token,
        )
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGINT)
        if live is not None:
            live.close()
        sink.close()
        if candidate is not None:
            await candidate.close()
    return result
