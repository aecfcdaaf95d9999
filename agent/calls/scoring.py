"""Scoring wired into calls: per-turn delivery features while the call runs, the score card at
the end.

Two entry points for :mod:`agent.calls.run`:

- :func:`make_feature_fn` builds the conductor's ``features`` hook. For each candidate turn it
  measures :func:`audio.features.delivery_features` and a compact pitch/loudness track on the
  turn's 16 kHz audio, in the inference executor (the event loop never runs DSP).
- :func:`finalize_scores` scores the interview from the engine's answers and the turns' features,
  fills ``record.scores`` and moves the plot tracks to ``record.delivery_tracks``. It never raises:
  a scoring bug must not cost the call its report, so a failure becomes a flag for the reviewer.
  It embeds the answers (one batch), so the caller runs it in the inference executor, off the
  event loop and after the candidate heard the closing line.

One source of truth: the scorer reads what the engine recorded (which turns answered which
question, the yes/no it heard, spoken or by keypad, the follow-up answers) instead of re-reading
the transcript; the outcome decides whether the interview is complete or ended by a knock-out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from concurrent.futures import Executor
from typing import Any, Protocol

import numpy as np

from agent.calls.conductor import FeatureFn
from agent.reports.report import CallRecord, Turn
from audio.features import delivery_features, pitch_loudness_track
from audio.frames import TurnTranscriptFrame
from dialogue.embedding import Embed
from dialogue.events import Outcome
from dialogue.scoring import AnswerInput, score_interview
from dialogue.script import Script

log = logging.getLogger(__name__)

#: Rate of ``TurnTranscriptFrame.audio`` (the ASR rate).
TURN_AUDIO_RATE = 16000
#: Plot resolution of the pitch/loudness track: 10 bins a second keeps a 60 s turn near 10 KB.
TRACK_HOP_S = 0.1
#: Key under which the feature hook parks the track until :func:`finalize_scores` moves it.
TRACK_KEY = "delivery_track"


class EngineAnswer(Protocol):
    """What :func:`finalize_scores` reads of :class:`dialogue.engine.Answer`."""

    question_id: str
    texts: list[str]
    answered: bool
    yes_no: bool | None


def turn_features(
    audio: np.ndarray,
    transcript: str,
    language: str,
    *,
    question_end_s: float | None = None,
    interruptions: int = 0,
    track_hop_s: float = TRACK_HOP_S,
) -> dict[str, Any]:
    """Delivery metrics of one turn plus its plot track (blocking; run it in an executor).

    Speech and pauses come from the energy detector on the turn audio rather than from Whisper's
    segment times: those are sentence-level and do not show the pauses inside an answer.

    Args:
        audio: the turn's audio at 16 kHz, float.
        transcript: the turn's final text.
        language: "en" or "zh".
        question_end_s: where the question ended, as an offset into ``audio`` (may be negative:
            the turn audio starts with only a short pre-roll before the speech).
        interruptions: barge-ins during the turn.
        track_hop_s: plot track resolution.
    """
    features = delivery_features(
        audio,
        TURN_AUDIO_RATE,
        transcript,
        language,
        question_end_s=question_end_s,
        interruptions=interruptions,
    ).to_dict()
    track = pitch_loudness_track(audio, TURN_AUDIO_RATE, hop_s=track_hop_s).to_dict()
    features[TRACK_KEY] = {"hop_s": track_hop_s, **track}
    return features


def make_feature_fn(executor: Executor, language: str = "en") -> FeatureFn:
    """The conductor's ``features`` hook for a call in ``language``.

    ``info`` may carry ``question_end_s`` (the call-clock time the question finished playing) to
    measure response latency; without it :func:`finalize_scores` derives latency from turn times.
    """

    async def features(frame: TurnTranscriptFrame, info: dict[str, Any]) -> dict[str, Any]:
        if frame.audio.size == 0 or not frame.text.strip():
            return {}
        question_end = info.get("question_end_s")
        offset = None if question_end is None else float(question_end) - frame.audio_start_s
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(
                executor,
                lambda: turn_features(frame.audio, frame.text, language, question_end_s=offset),
            )
        except Exception:  # a feature bug must not end the interview
            log.exception("delivery features failed for question %s", info.get("question_id"))
            return {}

    return features


def _latency_from_turns(turns: list[Turn], index: int) -> float | None:
    """Candidate turn start minus the end of the interviewer line just before it."""
    for previous in reversed(turns[:index]):
        if previous.speaker == "interviewer":
            return round(turns[index].start_s - previous.end_s, 3)
        return None  # another candidate turn came first: not a response to a question
    return None


def _scalar_features(features: Mapping[str, Any]) -> dict[str, float | None]:
    return {
        k: v
        for k, v in features.items()
        if v is None or (isinstance(v, int | float) and not isinstance(v, bool))
    }


#: How the engine writes a keypad answer into the transcript (``[dtmf 1]``).
KEYPAD_PREFIX = "[dtmf"


def answer_inputs(
    record: CallRecord, engine_answers: Mapping[str, EngineAnswer]
) -> list[AnswerInput]:
    """One :class:`AnswerInput` per answer turn the engine accepted, with its turn's features.

    Texts and yes/no answers come from the engine (it knows which turns were answers and which
    were requests such as "could you repeat that?", and what a keypad press meant); features and
    the turn index come from the candidate turn with the same text. An answer the candidate
    went on with after its end (the conductor's continuation rule) is one engine text made of
    consecutive turns: it is scored turn by turn, so every quote stays inside one turn.
    """
    candidate_turns = [
        (i, t) for i, t in enumerate(record.turns) if t.speaker == "candidate" and t.question_id
    ]
    used: set[int] = set()
    inputs = []
    for answer in engine_answers.values():
        if not answer.answered:
            continue
        for text in answer.texts:
            pending = [
                (i, t)
                for i, t in candidate_turns
                if i not in used and t.question_id == answer.question_id
            ]
            parts: list[tuple[int | None, str, Turn | None]] = [
                (i, t.text, t) for i, t in _saying(text, pending)
            ] or [(None, text, None)]
            for index, part, turn in parts:
                features: dict[str, float | None] = {}
                if index is not None and turn is not None:
                    used.add(index)
                    if turn.features and turn.features.get("response_latency_s") is None:
                        latency = _latency_from_turns(record.turns, index)
                        if latency is not None:
                            turn.features["response_latency_s"] = latency
                            turn.features["response_latency_source"] = "turn_times"
                    features = _scalar_features(turn.features)
                inputs.append(
                    AnswerInput(
                        answer.question_id,
                        part,
                        features,
                        record.language,
                        yes_no=answer.yes_no,
                        keypad=part.strip().startswith(KEYPAD_PREFIX),
                        turn_index=index,
                    )
                )
    return inputs


def _saying(text: str, turns: list[tuple[int, Turn]]) -> list[tuple[int, Turn]]:
    """The turn that says ``text``, else the run of consecutive turns that say it together (the
    conductor joins a continued answer's parts with a space, which Mandarin normalisation may
    drop: compared without whitespace); [] when none does."""
    for i, turn in turns:
        if turn.text == text:
            return [(i, turn)]
    want = "".join(text.split())
    for start in range(len(turns)):
        joined = ""
        for end in range(start, len(turns)):
            joined += "".join(turns[end][1].text.split())
            if joined == want:
                return turns[start : end + 1]
            if not want.startswith(joined):
                break
    return []


def _move_tracks(record: CallRecord) -> None:
    for index, turn in enumerate(record.turns):
        track = turn.features.pop(TRACK_KEY, None) if turn.features else None
        if isinstance(track, dict):
            record.delivery_tracks.append(
                {"turn_index": index, "question_id": turn.question_id, **track}
            )


def finalize_scores(
    record: CallRecord,
    script: Script,
    engine_answers: Mapping[str, EngineAnswer],
    *,
    embed: Embed,
    auto_reject: bool = False,
) -> None:
    """Fill ``record.scores`` (and ``record.delivery_tracks``) at the end of a call.

    Safe to call more than once (the last call wins) and on cut-off calls: an interview that did
    not end ``completed`` is scored as far as it went and marked incomplete (tier
    ``incomplete``, never ranked with complete ones); a knock-out gives tier ``ineligible``.
    Blocking (it embeds the answers): run it in an executor. Never raises: a failure is logged
    and flagged for the reviewer.
    """
    try:
        _move_tracks(record)
        inputs = answer_inputs(record, engine_answers)
        card = score_interview(
            script,
            inputs,
            embed=embed,
            auto_reject=auto_reject,
            complete=record.outcome in (Outcome.COMPLETED, Outcome.INELIGIBLE),
            eligible=record.outcome != Outcome.INELIGIBLE,
        )
        record.scores = card.to_dict()
    except Exception as exc:
        log.exception("scoring failed for call %s", record.call_id)
        record.scores = None
        record.flags.append(f"scoring failed: {type(exc).__name__}: {exc}")
