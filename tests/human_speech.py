"""Long answers in a recorded human voice, built from Debian's Asterisk core sounds (issue 11).

``asterisk-core-sounds-en-wav`` is one speaker (Allison) recorded at 8 kHz, telephone quality;
``asterisk-core-sounds-en`` holds the transcripts (``core-sounds-en.txt``, CC-BY-SA). Both are
system packages (``make deps`` installs them); nothing of them is copied into the project. Only
the top-level prompts whose names begin with a-m are used, and of those only the ones with a
plain spoken transcript (no ``[tone]`` or ``<beep>`` descriptions, whose sound no VAD calls
speech; no digits, which Whisper may write either way). Each prompt's own leading and trailing
silence is trimmed, so a pause between two prompts is the pause this module puts there (plus
the :data:`EDGE_S` kept either side): short natural pauses (0.3-0.9 s) and, now and then, a
longer 1.2 s one, as a speaker thinking mid-answer. The choice is seeded: every run builds the
same answers, sample for sample.
"""

from __future__ import annotations

import gzip
import random
import re
import wave
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agent.devtools.simulate import Persona, Reply, SimulationResult, simulate
from audio.asr import ASR_RATE, join_text, transcribe_chunk
from audio.pcm import float_to_pcm16, resample
from audio.vad import SOUND_RMS
from audio.wav import read_wav
from tests.helpers import normalize, unavailable, wer

SOUNDS_DIR = Path("/usr/share/asterisk/sounds/en")
TRANSCRIPTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
PACKAGES = ("asterisk-core-sounds-en-wav", "asterisk-core-sounds-en")
RATE = 8000
SEED = 11
#: The open questions of tests/fixtures/scripts/human_en.yaml, in order.
SCRIPT_ID = "human_en"
QUESTIONS = ("job", "day", "customer", "team", "learn")
CONSENT = "Yes, that is fine with me."
#: Pauses between prompts: uniform in SHORT_PAUSE_S, except every LONG_PAUSE_EVERY-th one.
SHORT_PAUSE_S = (0.3, 0.9)
LONG_PAUSE_S = 1.2
LONG_PAUSE_EVERY = 7
#: Kept around each prompt's sound when its edges are trimmed (a breath's onset and decay).
EDGE_S = 0.05


@dataclass(frozen=True)
class Prompt:
    """One recorded prompt and what it says."""

    name: str
    text: str
    path: Path


@dataclass(frozen=True)
class HumanAnswer:
    """A long answer: ``audio`` (float32 at :data:`RATE`) says ``text``; ``pauses_s`` are the
    silences put between its prompts, in order."""

    text: str
    audio: np.ndarray
    prompts: tuple[str, ...]
    pauses_s: tuple[float, ...]

    @property
    def seconds(self) -> float:
        return self.audio.size / RATE


def missing() -> str | None:
    """Why the corpus cannot be used here (None when it can)."""
    if not TRANSCRIPTS.is_file() or not SOUNDS_DIR.is_dir():
        return f"Debian packages {' and '.join(PACKAGES)} are not installed (make deps)"
    return None


def require() -> None:
    """Skip the calling test without the corpus on a developer machine; fail under CI."""
    if reason := missing():
        unavailable(reason, "make deps installs it")


def prompts() -> list[Prompt]:
    """The usable prompts, in the transcript file's order."""
    out = []
    with gzip.open(TRANSCRIPTS, "rt", encoding="utf-8") as f:
        lines = f.read().splitlines()
    for line in lines:
        name, sep, text = line.partition(":")
        name, text = name.strip(), " ".join(text.split())
        if not sep or line.startswith(";") or "/" in name or not re.match(r"[a-m]", name):
            continue
        path = SOUNDS_DIR / f"{name}.wav"
        if text and path.is_file() and not re.search(r"[\[\]<>\d]", text):
            out.append(Prompt(name, text, path))
    return out


def trimmed(audio: np.ndarray) -> np.ndarray:
    """``audio`` without its leading and trailing silence (10 ms windows under the VAD's
    line-silence level), keeping :data:`EDGE_S` either side of the sound."""
    window = RATE // 100
    n = audio.size // window
    rms = np.sqrt(np.square(audio[: n * window].reshape(n, window)).mean(axis=1))
    loud = np.flatnonzero(rms > SOUND_RMS)
    if loud.size == 0:
        return audio[:0]
    edge = int(EDGE_S * RATE)
    return audio[max(0, loud[0] * window - edge) : min(audio.size, (loud[-1] + 1) * window + edge)]


def answers(
    count: int | None = None, *, min_s: float = 40.0, max_s: float = 60.0, seed: int = SEED
) -> list[HumanAnswer]:
    """Long answers of ``min_s``-``max_s`` seconds, each prompt used once (shuffled with
    ``seed``); as many as the corpus gives, or the first ``count``."""
    rng = random.Random(seed)
    pool = prompts()
    rng.shuffle(pool)
    target_s = [rng.uniform(min_s, max_s) for _ in pool]  # drawn up front: one per answer
    out: list[HumanAnswer] = []
    parts: list[np.ndarray] = []
    used: list[Prompt] = []
    pauses: list[float] = []
    gaps = 0

    def close() -> None:
        out.append(
            HumanAnswer(
                text=" ".join(p.text for p in used),
                audio=np.concatenate(parts),
                prompts=tuple(p.name for p in used),
                pauses_s=tuple(pauses),
            )
        )
        parts.clear()
        used.clear()
        pauses.clear()

    queue = deque(pool)
    deferred = 0  # prompts put back in a row: when all of the queue was, it is done
    while queue and deferred <= len(queue):
        prompt = queue.popleft()
        audio, rate = read_wav(prompt.path)
        assert rate == RATE, f"{prompt.path}: {rate} Hz"
        audio = trimmed(audio)
        if audio.size / RATE > max_s:
            continue  # longer than any answer may be
        seconds = sum(p.size for p in parts) / RATE
        if parts and seconds + LONG_PAUSE_S + audio.size / RATE > max_s:
            if seconds < min_s:
                queue.append(prompt)  # too long for this answer: it goes in a later one
                deferred += 1
                continue
            close()  # this prompt would make the answer too long: it opens the next one
        deferred = 0
        if parts:
            gaps += 1
            pause = LONG_PAUSE_S if gaps % LONG_PAUSE_EVERY == 0 else rng.uniform(*SHORT_PAUSE_S)
            pauses.append(round(pause, 2))
            parts.append(np.zeros(round(pauses[-1] * RATE), np.float32))
        parts.append(audio)
        used.append(prompt)
        if sum(p.size for p in parts) / RATE >= target_s[len(out)]:
            close()
        if count is not None and len(out) == count:
            break
    return out  # the remainder, shorter than min_s, is left out


def persona(
    chosen: list[HumanAnswer], wav_dir: Path, questions: Sequence[str] = QUESTIONS
) -> Persona:
    """A candidate who consents (in the synthetic voice) and then says ``chosen`` in order,
    one per question of ``questions``, from WAV files written to ``wav_dir``."""
    by_question = {"greeting": Reply(CONSENT)}
    for question, answer in zip(questions, chosen, strict=False):
        path = wav_dir / f"{question}.wav"
        write_wav(path, answer.audio, RATE)
        by_question[question] = Reply(answer.text, audio=path)
    return Persona(by_question=by_question)


def write_wav(path: Path, audio: np.ndarray, rate: int) -> None:
    """Float audio as a mono PCM16 WAV file (what a persona's ``audio:`` names)."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(float_to_pcm16(audio))


async def interview(
    url: str,
    chosen: list[HumanAnswer],
    wav_dir: Path,
    *,
    voice: Any,
    telephony: bool = False,
    speed: float = 1.0,
    token: str | None = None,
    candidate_id: str = "human-speech",
) -> SimulationResult:
    """One interview over ``/ws/call`` answered with ``chosen`` at 8 kHz: PCM16 as recorded,
    or with ``telephony`` through line noise and mu-law; after the last of them the candidate
    hangs up (its last answer is kept)."""
    return await simulate(
        url,
        persona=persona(chosen, wav_dir),
        voice=voice,
        candidate_id=candidate_id,
        script_id=SCRIPT_ID,
        speed=speed,
        telephony=telephony,
        rate=RATE,
        token=token,
        hangup_after=1 + len(chosen),  # the consent, then one answer per question
    )


@dataclass(frozen=True)
class Scored:
    """One answer: the streamed transcript (the report's turns for its question) against the
    same model on the whole answer's audio, both against the recording's transcript."""

    question_id: str
    seconds: float
    reference: str
    streamed: str
    whole: str
    turns: int
    chunks: int

    @property
    def reference_words(self) -> int:
        return len(normalize(self.reference))

    @property
    def streamed_wer(self) -> float:
        return wer(self.reference, self.streamed)

    @property
    def whole_wer(self) -> float:
        return wer(self.reference, self.whole)

    @property
    def streamed_words(self) -> int:
        return len(normalize(self.streamed))

    @property
    def whole_words(self) -> int:
        return len(normalize(self.whole))

    def to_dict(self, texts: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "question_id": self.question_id,
            "seconds": round(self.seconds, 1),
            "reference_words": self.reference_words,
            "streamed_wer": round(self.streamed_wer, 4),
            "whole_wer": round(self.whole_wer, 4),
            "streamed_words": self.streamed_words,
            "whole_words": self.whole_words,
            "turns": self.turns,
            "chunks": self.chunks,
        }
        if texts:
            out |= {"reference": self.reference, "streamed": self.streamed, "whole": self.whole}
        return out


def score(
    result: SimulationResult, report: dict[str, Any], chosen: list[HumanAnswer], model: Any
) -> list[Scored]:
    """Score each answer of an :func:`interview`: its streamed transcript from ``report``, and
    ``model`` (the server's Whisper) on the answer's audio as sent, upsampled to 16 kHz as the
    server does."""
    out = []
    for question, answer in zip(QUESTIONS, chosen, strict=False):
        turns = [
            t
            for t in report["turns"]
            if t["speaker"] == "candidate" and t["question_id"] == question
        ]
        audio = result.answer_audio.get(question, np.zeros(0, np.float32))
        whole = join_text(
            transcribe_chunk(model, resample(audio, RATE, ASR_RATE), "en", "", 0.0), "en"
        )
        out.append(
            Scored(
                question_id=question,
                seconds=answer.seconds,
                reference=answer.text,
                streamed=" ".join(t["text"] for t in turns),
                whole=whole,
                turns=len(turns),
                chunks=sum(int(t["latency"].get("chunks", 0)) for t in turns),
            )
        )
    return out


def overall_wer(scored: list[Scored], streamed: bool) -> float:
    """Word errors over all answers / reference words over all answers."""
    errors = sum((s.streamed_wer if streamed else s.whole_wer) * s.reference_words for s in scored)
    return errors / max(1, sum(s.reference_words for s in scored))
