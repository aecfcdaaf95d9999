"""Fairness guard: the same spoken answers in a different voice or over a phone line score the same.

Piper speaks a whole English interview. Each answer is then rendered four ways: as synthesized,
pitch-shifted up and down by 4 semitones (a different-sounding voice saying the same thing at the
same pace), and through the telephone path (8 kHz G.711 mu-law, back to 16 kHz as the pipeline
delivers it to the feature hook). Delivery features are measured on each rendition with the real
feature code, the interview is scored end to end (engine + :func:`finalize_scores`), and the
totals must agree within 3 points: the score may depend on what was said and at what pace, not on
how high or how loud the voice is or which line it came over.

Pitch shift ("resample + time-stretch"): WSOLA stretches the signal in time by the pitch factor
``r`` without changing its pitch (40 ms Hann frames, 20 ms hop, each analysis frame moved within
±10 ms to best continue the previous one, which keeps periods aligned), then resampling by ``1/r``
restores the duration and multiplies every frequency by ``r``. Formants move with the pitch, as
between speakers of different size; that is the point of the test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
import soxr

from agent.calls.scoring import finalize_scores, turn_features
from agent.reports.report import CallRecord
from dialogue.script import Script, load_script
from tests.agent.transcript import CONSENT, FOLLOW_UP, run_transcript
from tests.dialogue.scoring_answers import ANSWERS

Audio = npt.NDArray[np.float32]
RATE = 16000
SEMITONES = 4.0
MAX_DELTA = 3.0


def wsola_stretch(
    x: Audio, factor: float, frame: int = 640, hop: int = 320, tol: int = 160
) -> Audio:
    """Time-stretch ``x`` by ``factor`` (>1 longer) keeping its pitch (WSOLA)."""
    window = np.hanning(frame)
    n_out = int(len(x) * factor)
    n_frames = n_out // hop + 1
    padded = np.pad(x.astype(np.float64), (tol, frame + 2 * tol + int(hop * 2)))
    out = np.zeros(n_frames * hop + frame)
    norm = np.zeros_like(out)
    position = 0  # analysis position of the previous frame (index into x)
    for k in range(n_frames):
        target = min(int(k * hop / factor), len(x))
        if k:
            # The previous frame's natural continuation is what the next frame should look like.
            natural = padded[position + hop + tol : position + hop + tol + frame]
            region = padded[target : target + frame + 2 * tol]
            corr = np.correlate(region, natural, mode="valid")
            target = target - tol + int(np.argmax(corr))
            target = max(target, -tol)
        out[k * hop : k * hop + frame] += window * padded[target + tol : target + tol + frame]
        norm[k * hop : k * hop + frame] += window
        position = target
    return (out / np.maximum(norm, 1e-3))[:n_out].astype(np.float32)


def pitch_shift(x: Audio, semitones: float) -> Audio:
    """Shift pitch by ``semitones`` keeping duration: WSOLA stretch, then resample."""
    factor = 2.0 ** (semitones / 12.0)
    stretched = wsola_stretch(x, factor)
    shifted: Audio = soxr.resample(stretched, RATE * factor, RATE).astype(np.float32)
    return shifted


def phone_line(x: Audio, to_phone: Callable[[Any, int], npt.NDArray[np.int16]]) -> Audio:
    """8 kHz mu-law and back up to 16 kHz, as the ASR stage hands turn audio to the hook."""
    narrow = to_phone(x.astype(np.float64), RATE).astype(np.float32) / 32768.0
    wide: Audio = soxr.resample(narrow, 8000, RATE).astype(np.float32)
    return wide


@pytest.fixture(scope="module")
def script() -> Script:
    return load_script("cs_home_en")


@pytest.fixture(scope="module")
def spoken(candidate_voice: Any) -> dict[str, Audio]:
    """Every line the candidate says in the strong and mediocre interviews, spoken by Piper."""
    from piper import SynthesisConfig

    config = SynthesisConfig(noise_scale=0.0, noise_w_scale=0.0)  # deterministic renditions
    lead_in = np.zeros(int(0.4 * RATE), np.float32)  # the ASR pre-roll before speech
    texts = {CONSENT["en"], FOLLOW_UP["en"]}
    for quality in ("strong", "mediocre"):
        texts |= set(ANSWERS["en"][quality].values())
    audio = {}
    for text in sorted(texts):
        chunks = list(candidate_voice.synthesize(text, config))
        speech = np.concatenate(
            [soxr.resample(c.audio_float_array, c.sample_rate, RATE) for c in chunks]
        )
        audio[text] = np.concatenate([lead_in, 0.5 * speech.astype(np.float32)])
    return audio


@pytest.fixture(scope="module")
def renditions(
    spoken: dict[str, Audio], to_phone: Callable[[Any, int], npt.NDArray[np.int16]]
) -> dict[str, dict[str, Audio]]:
    return {
        "original": spoken,
        "up_4st": {t: pitch_shift(a, SEMITONES) for t, a in spoken.items()},
        "down_4st": {t: pitch_shift(a, -SEMITONES) for t, a in spoken.items()},
        "phone_8k_mulaw": {t: phone_line(a, to_phone) for t, a in spoken.items()},
    }


def _scored(
    script: Script,
    answers: dict[str, str],
    audio: dict[str, Audio],
    transcripts: dict[str, str],
    embed: Any,
) -> CallRecord:
    """Interview with ``transcripts`` (text -> what the ASR heard), features from ``audio``."""
    heard = {qid: transcripts[text] for qid, text in answers.items()}
    heard |= {f"{qid}.followup": transcripts[FOLLOW_UP["en"]] for qid in answers}
    spoken_as = {said: text for text, said in transcripts.items()}

    def features_for(_qid: str, said: str) -> dict[str, Any]:
        return turn_features(audio[spoken_as[said]], said, "en")

    record, interview = run_transcript(script, heard, features_for=features_for)
    finalize_scores(record, script, interview.answers, embed=embed)
    return record


def _f0_medians(record: CallRecord) -> list[float]:
    return [
        t.features["f0_median_hz"]
        for t in record.turns
        if t.speaker == "candidate" and t.features.get("f0_median_hz")
    ]


@pytest.mark.parametrize("quality", ["strong", "mediocre"])
def test_voice_and_line_do_not_move_the_score(
    script: Script, renditions: dict[str, dict[str, Audio]], quality: str, embed: Any
) -> None:
    answers = ANSWERS["en"][quality]
    same_text = {t: t for t in renditions["original"]}
    records = {
        name: _scored(script, answers, audio, same_text, embed)
        for name, audio in renditions.items()
    }
    totals = {name: r.scores["total"] for name, r in records.items() if r.scores}
    assert len(totals) == len(renditions)
    base = totals["original"]
    assert all(abs(total - base) <= MAX_DELTA for total in totals.values()), totals
    # The renditions really are different voices: median pitch moved by about ±4 semitones.
    f0 = {name: np.median(_f0_medians(r)) for name, r in records.items()}
    for name, sign in (("up_4st", 1), ("down_4st", -1)):
        moved = 12 * np.log2(f0[name] / f0["original"])
        assert abs(moved - sign * SEMITONES) < 1.0, (name, f0)


@pytest.mark.slow
def test_voice_and_line_do_not_move_the_score_through_whisper(
    script: Script, renditions: dict[str, dict[str, Audio]], runtime: Any
) -> None:
    """Once end to end with the real embedded Whisper hearing each rendition."""
    from audio.asr import transcribe_chunk

    model = runtime.registry.asr("en")
    answers = ANSWERS["en"]["strong"]
    needed = {*answers.values(), FOLLOW_UP["en"]}
    totals = {}
    for name, audio in renditions.items():
        transcripts = {
            text: " ".join(s.text for s in transcribe_chunk(model, audio[text], "en", "", 0.0))
            for text in needed
        }
        record = _scored(script, answers, audio, transcripts, runtime.registry.embedder())
        assert record.scores is not None
        totals[name] = record.scores["total"]
    base = totals["original"]
    assert all(abs(total - base) <= MAX_DELTA for total in totals.values()), totals
