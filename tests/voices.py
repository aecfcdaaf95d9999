"""Candidate voices other than the shipped Piper voice, and end-of-answer timing per turn.

:class:`EspeakEngine` speaks with Debian's ``espeak-ng`` (``make deps`` installs it), a voice
far from Piper's; :func:`turn_timings` reads, for each answer of a simulated interview, when the
answer's voice ended (from the audio the candidate sent), when the server decided the answer
was over and when its reply audio went out, all on the call's audio clock (seconds of candidate
audio), which load does not stretch, beside the wall-clock gap the caller measured.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agent.devtools.simulate import Persona, Reply, SimulationResult, Speaker, simulate
from audio.vad import SOUND_RMS
from tests import human_speech

#: espeak-ng variants: an American male, a female and a British male voice.
ESPEAK_VOICES = ("en-us+m3", "en+f2", "en-gb+m1")
#: What the synthetic voices answer to two questions of the human_en script (a pause in each).
VOICE_ANSWERS = {
    "job": "I worked for three years at a call centre, helping customers with their orders. "
    "[pause 0.7] Most of the calls were about late deliveries and refunds.",
    "day": "I would start by reading the notes from the night shift. [pause 0.6] "
    "Then I answered calls until lunch, and wrote up the difficult cases after.",
}
#: The voices :func:`voice_interviews` runs: Piper, two espeak-ng variants, the recording.
VOICES = ("piper", *ESPEAK_VOICES[:2], "human")


def espeak_missing() -> str | None:
    """Why espeak-ng cannot speak here (None when it can)."""
    return None if shutil.which("espeak-ng") else "espeak-ng is not installed (make deps)"


class EspeakEngine:
    """An espeak-ng voice as an :class:`audio.tts.SpeechEngine` (one piece per call)."""

    def __init__(self, name: str, words_per_minute: int = 165) -> None:
        self.name = name
        self.words_per_minute = words_per_minute

    def speak(self, text: str) -> Iterator[tuple[np.ndarray, int]]:
        """``text`` as float32 audio at espeak-ng's own rate (blocking)."""
        wav = subprocess.run(
            ["espeak-ng", "-v", self.name, "-s", str(self.words_per_minute), "--stdout", text],
            capture_output=True,
            check=True,
        ).stdout
        with wave.open(io.BytesIO(wav)) as w:
            rate = w.getframerate()
            audio = np.frombuffer(w.readframes(w.getnframes()), "<i2") / 32768.0
        yield audio.astype(np.float32), rate


def trailing_quiet_s(audio: np.ndarray, rate: int) -> float:
    """Seconds after the last 10 ms window with voice: louder than line silence (the VAD's
    level) and than a tenth of the answer's own level, so a phone line's noise (25 dB under
    the speech) is not taken for voice."""
    window = rate // 100
    n = audio.size // window
    rms = np.sqrt(np.square(audio[: n * window].reshape(n, window)).mean(axis=1))
    level = float(np.sqrt(np.mean(np.square(audio)))) if audio.size else 0.0
    loud = np.flatnonzero(rms > max(SOUND_RMS, 0.1 * level))
    last = (int(loud[-1]) + 1) * window if loud.size else 0
    return (audio.size - last) / rate


@dataclass(frozen=True)
class TurnTiming:
    """One answer's end on the call's audio clock (seconds): ``voiced_end_s`` where its voice
    ended in the audio sent, ``last_voice_s`` where the server's VAD put it, ``endpoint_s`` the
    end-of-answer decision, ``reply_s`` the first reply audio; ``client_gap_s`` the caller's
    wall-clock wait from its last sample to the reply's first audio."""

    question_id: str | None
    voiced_end_s: float
    last_voice_s: float
    endpoint_s: float
    reply_s: float
    client_gap_s: float | None
    processing_ms: float | None

    @property
    def decision_s(self) -> float:
        """From the end of the voice to the decision: the end-of-answer silence, plus any hold."""
        return self.endpoint_s - self.voiced_end_s

    @property
    def reply_gap_s(self) -> float:
        """From the end of the voice to the reply, on the audio clock."""
        return self.reply_s - self.voiced_end_s

    def to_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "decision_s": round(self.decision_s, 3),
            "reply_gap_s": round(self.reply_gap_s, 3),
            "vad_lag_s": round(self.last_voice_s - self.voiced_end_s, 3),
            "client_gap_s": None if self.client_gap_s is None else round(self.client_gap_s, 3),
            "processing_ms": self.processing_ms,
        }


def turn_timings(result: SimulationResult, report: dict[str, Any]) -> list[TurnTiming]:
    """The timing of each answer the candidate gave that the server replied to (the last
    candidate turn of each question; an answer said again keeps only its last saying)."""
    last_turn: dict[str | None, dict[str, Any]] = {}
    for turn in report["turns"]:
        if turn["speaker"] == "candidate":
            last_turn[turn["question_id"]] = turn
    client = dict(result.response_gaps)
    out = []
    for key, end_s in result.answer_end_s.items():
        question = None if key == "greeting" else key
        turn = last_turn.get(question)
        if turn is None or "reply_s" not in turn["latency"]:
            continue
        lat = turn["latency"]
        voiced_end = end_s - trailing_quiet_s(result.answer_audio[key], result.rate)
        out.append(
            TurnTiming(
                question_id=question,
                voiced_end_s=voiced_end,
                last_voice_s=lat["last_voice_s"],
                endpoint_s=lat["endpoint_s"],
                reply_s=lat["reply_s"],
                client_gap_s=client.get(key),
                processing_ms=lat.get("processing_ms"),
            )
        )
    return out


def percentile(values: list[float], q: float) -> float | None:
    """The ``q`` quantile (nearest rank) of ``values``; None for none."""
    ordered = sorted(values)
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 3)


@dataclass(frozen=True)
class VoiceRun:
    """One interview of :func:`voice_interviews`."""

    voice: str
    phone: bool
    outcome: str | None
    answered: list[str | None]  # question ids of the report's candidate turns
    timings: list[TurnTiming]


async def voice_interviews(
    url: str,
    piper: Any,
    work_dir: Path,
    load_report: Callable[[str], dict[str, Any]],
    *,
    speed: float = 1.0,
    token: Callable[[], str] | None = None,
) -> list[VoiceRun]:
    """Each of :data:`VOICES`, clean and over a phone line (8 kHz, noise, mu-law), consents
    and answers the two questions of :data:`VOICE_ANSWERS` (the recording: two of its 6-10 s
    answers, at its own 8 kHz when clean), one interview after the other, then hangs up."""
    # Every caller consents in the Piper voice (recorded once): espeak-ng's "yes" is sometimes
    # misheard, and a consent asked again times nothing.
    consent_wav = work_dir / "consent.wav"
    human_speech.write_wav(
        consent_wav, Speaker(piper, 16000, False).speak(human_speech.CONSENT), 16000
    )
    consent = {"greeting": Reply(human_speech.CONSENT, audio=consent_wav)}
    spoken = Persona(by_question=consent | {q: Reply(t) for q, t in VOICE_ANSWERS.items()})
    recorded = human_speech.persona(
        human_speech.answers(len(VOICE_ANSWERS), min_s=6.0, max_s=10.0),
        work_dir,
        questions=list(VOICE_ANSWERS),
    )
    recorded.by_question |= consent
    runs = []
    for name in VOICES:
        for phone in (False, True):
            human = name == "human"
            result = await simulate(
                url,
                persona=recorded if human else spoken,
                voice=EspeakEngine(name) if name in ESPEAK_VOICES else piper,
                candidate_id=f"voices-{name}",
                script_id=human_speech.SCRIPT_ID,
                speed=speed,
                telephony=phone,
                rate=human_speech.RATE if human else None,
                hangup_after=1 + len(VOICE_ANSWERS),
                token=token() if token else None,
            )
            report = load_report(result.report_id) if result.report_id else {"turns": []}
            runs.append(
                VoiceRun(
                    voice=name,
                    phone=phone,
                    outcome=result.outcome,
                    answered=[
                        t["question_id"] for t in report["turns"] if t["speaker"] == "candidate"
                    ],
                    timings=turn_timings(result, report),
                )
            )
    return runs
