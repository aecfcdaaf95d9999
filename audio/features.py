"""Per-turn delivery features: speech rate, pauses, latency, pitch, loudness, fillers.

Pure functions over one answer's audio and transcript. They report *metrics* (words per minute,
pause seconds, semitones, dBFS), never inferred emotions or traits (see DESIGN.md, decision 8).

Definitions used throughout:

- The answer spans from the first to the last speech of the candidate after the question ended.
- A pause is a silence gap of at least ``min_pause_s`` (0.25 s) between two stretches of speech
  inside the answer. Shorter gaps (stop closures, breaths between words) count as speaking time.
- Speech rate = units / answer duration; articulation rate = units / (answer duration - pauses).
  Units are words for English and Han characters for Mandarin (plus one per embedded Latin word or
  number, e.g. "Excel" or "3").
- Loudness is the frame RMS (25 ms window, 10 ms hop) in dBFS over *active* frames: frames inside
  speech whose level clears the adaptive energy threshold (the idea of ITU-T P.56 active level), so
  gaps between words do not drag the mean down.
"""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from audio.pitch import FloatArray, as_float_audio, frame_rms_db, track_pitch

__all__ = [
    "DeliveryFeatures",
    "ProsodyTrack",
    "count_fillers",
    "count_units",
    "delivery_features",
    "detect_speech",
    "pitch_loudness_track",
]

Segment = tuple[float, float]
Language = Literal["en", "zh"]

MIN_PAUSE_S = 0.25
_HOP_S = 0.01  # analysis grid shared with the pitch tracker
_LOUDNESS_WIN_S = 0.025
_MIN_SEGMENT_S = 0.05  # shorter energy blips (clicks, line pops) are not speech
_MIN_VOICED_FRAMES = 5  # fewer voiced frames than this gives no F0 statistics

# --- transcript side -----------------------------------------------------------------------

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_EN_WORD = re.compile(r"[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*")
_ZH_UNIT = re.compile(rf"[{_HAN}]|[A-Za-z0-9]+(?:['\u2019][A-Za-z]+)*")

_EN_HESITATION = r"u+m+|u+h+m*|e+r+m*|h+m+"
_EN_FILLERS = re.compile(
    rf"\b(?:{_EN_HESITATION})\b"
    # "like" only as a discourse marker: "like," or "like um" ("I like my job" is not a filler).
    rf"|\blike(?=\s*,|\s+(?:{_EN_HESITATION})\b)"
    # "you know" closing a phrase, not "do you know ..." / "you know the answer".
    r"|(?<!do )(?<!did )\byou know(?=\s*[,.;!?]|\s*$)"
    r"|\bi mean(?=\s*,)",
    re.IGNORECASE,
)
_ZH_FILLERS = re.compile(
    r"嗯+|呃+"
    # 额 alone, not the tail of 金额/名额/份额/...;
    # 那个 as a hesitation, not the determiner in "那个客户" (that customer).
    rf"|(?<![金名份余限总定超差巨配面税])额+(?=[^{_HAN}]|$)"
    rf"|那个(?=[^{_HAN}]|$|嗯|呃|额|那个)"
    r"|(?<!也)就是说"  # 也就是说 ("that is to say") is a real connective
    r"|(?:然后){2,}"
)


def _normalise_language(language: str) -> Language:
    code = language.lower()[:2]
    if code not in ("en", "zh"):
        raise ValueError(f"unsupported language {language!r}; expected 'en' or 'zh'")
    return "en" if code == "en" else "zh"


def count_units(transcript: str, language: str) -> int:
    """Count rate units: English words, or Han characters plus Latin words/numbers for Mandarin."""
    pattern = _EN_WORD if _normalise_language(language) == "en" else _ZH_UNIT
    return len(pattern.findall(transcript))


def count_fillers(transcript: str, language: str) -> int:
    """Count filled pauses and verbal fillers (approximate, transcript-based).

    English: um, uh, erm, hmm (and lengthened spellings), filler "like", "you know", "I mean".
    Mandarin: 嗯, 呃, 额, 那个 (as hesitation), 就是说, repeated 然后.
    """
    pattern = _EN_FILLERS if _normalise_language(language) == "en" else _ZH_FILLERS
    return len(pattern.findall(transcript))


# --- signal side ---------------------------------------------------------------------------


def _energy_threshold(level_db: FloatArray) -> float:
    """Adaptive speech/silence threshold in dB from the frame-level distribution.

    Between the noise floor (10th percentile) and the speech peak (95th percentile): 12 dB above
    the floor in clean audio, the midpoint when the SNR is poor, and never more than 35 dB below the
    peak (so digital silence at -100 dBFS does not set a threshold under quiet consonants' noise).
    """
    floor, peak = np.percentile(level_db, [10, 95])
    return float(max(floor + min(12.0, 0.5 * (peak - floor)), peak - 35.0))


def _runs(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Half-open index ranges of the True runs in ``mask``."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def _merge(segments: list[Segment], max_gap: float) -> list[Segment]:
    """Sort segments and merge those separated by less than ``max_gap`` seconds."""
    merged: list[Segment] = []
    for start, end in sorted(s for s in segments if s[1] > s[0]):
        if merged and start - merged[-1][1] < max_gap:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def detect_speech(
    pcm: npt.ArrayLike, sample_rate: int, *, min_pause_s: float = MIN_PAUSE_S
) -> list[Segment]:
    """Energy-based voice-activity segments ``(start_s, end_s)``.

    10 ms non-overlapping frames are compared with an adaptive threshold; gaps shorter than
    ``min_pause_s`` are bridged (they are not pauses) and blips under 50 ms are dropped. Meant for
    whole answers; the live pipeline's Silero segments can be passed to
    :func:`delivery_features` instead.
    """
    x = as_float_audio(pcm)
    if len(x) == 0:
        return []
    level = frame_rms_db(x, sample_rate, hop_s=_HOP_S, win_s=_HOP_S)
    hop = round(_HOP_S * sample_rate) / sample_rate
    active = level > _energy_threshold(level)
    # Frame i covers [i*hop - hop/2, i*hop + hop/2); a speech edge lies somewhere inside the first
    # and last active frames, and their centres are the unbiased estimate of where.
    raw = [(float(s) * hop, float(e - 1) * hop) for s, e in _runs(active)]
    return [s for s in _merge(raw, min_pause_s) if s[1] - s[0] >= _MIN_SEGMENT_S]


def _inside(times: FloatArray, segments: list[Segment]) -> npt.NDArray[np.bool_]:
    """Mask of ``times`` that fall inside any of the sorted, disjoint ``segments``."""
    if not segments:
        return np.zeros(len(times), dtype=bool)
    starts = np.array([s for s, _ in segments])
    ends = np.array([e for _, e in segments])
    idx = np.searchsorted(starts, times, side="right") - 1
    return (idx >= 0) & (times < ends[np.clip(idx, 0, None)])


@dataclass(frozen=True)
class DeliveryFeatures:
    """Delivery metrics of one answer. Durations in seconds, rates per minute.

    ``None`` means "not measurable" (no speech, no voiced frames, offsets not given).
    """

    language: str
    rate_unit: str  # "words" (en) or "chars" (zh)
    word_count: int  # rate units in the transcript
    answer_duration_s: float
    speaking_time_s: float  # answer duration minus pauses
    speech_rate_per_min: float | None
    articulation_rate_per_min: float | None
    pause_count: int
    pause_mean_s: float
    pause_max_s: float
    pause_total_s: float
    pause_ratio: float  # pause time / answer duration
    speech_onset_s: float | None  # offsets in the input audio
    speech_end_s: float | None
    response_latency_s: float | None  # question end -> speech onset (negative = overlap)
    f0_median_hz: float | None
    f0_variability_st: float | None  # std of 12*log2(f0 / median) over voiced frames
    voiced_ratio: float  # voiced frames / active frames
    loudness_mean_dbfs: float | None
    loudness_variability_db: float | None
    filler_count: int
    filler_rate_per_100: float | None  # per 100 rate units
    interruptions: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict; floats rounded to 3 decimals."""
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in asdict(self).items()}


def _answer_segments(
    segments: list[Segment],
    duration_s: float,
    question_end_s: float | None,
    answer_start_s: float | None,
    min_pause_s: float,
) -> list[Segment]:
    """Clip and merge the segments that belong to the answer."""
    clipped = [(max(0.0, float(s)), min(duration_s, float(e))) for s, e in segments]
    if question_end_s is not None:
        # Speech that ended before the question did is a backchannel, not the answer.
        clipped = [(s, e) for s, e in clipped if e > question_end_s]
    if answer_start_s is not None:
        clipped = [(max(s, answer_start_s), e) for s, e in clipped if e > answer_start_s]
    return _merge(clipped, min_pause_s)


def _per_min(units: int, seconds: float) -> float | None:
    return 60.0 * units / seconds if seconds > 0 else None


def delivery_features(
    pcm: npt.ArrayLike,
    sample_rate: int,
    transcript: str,
    language: str,
    *,
    speech_segments: list[Segment] | None = None,
    question_end_s: float | None = None,
    answer_start_s: float | None = None,
    interruptions: int = 0,
    min_pause_s: float = MIN_PAUSE_S,
) -> DeliveryFeatures:
    """Measure the delivery of one answer.

    Args:
        pcm: the candidate's audio for the turn, mono int16 or float in [-1, 1].
        sample_rate: 8000 (telephony) or 16000 typically.
        transcript: the ASR text of the answer.
        language: "en" or "zh" (region suffixes such as "zh-CN" are accepted).
        speech_segments: speech ``(start_s, end_s)`` offsets in ``pcm`` from a VAD; when omitted an
            energy-based detector (:func:`detect_speech`) is used.
        question_end_s: offset in ``pcm`` where the interviewer's question ended.
        answer_start_s: offset where the answer started, if known (e.g. from the turn detector);
            otherwise the first speech after ``question_end_s``.
        interruptions: number of barge-ins during the turn, recorded as given.
        min_pause_s: shortest silence that counts as a pause.
    """
    lang = _normalise_language(language)
    x = as_float_audio(pcm)
    duration_s = len(x) / sample_rate
    units = count_units(transcript, lang)
    fillers = count_fillers(transcript, lang)

    raw_segments = (
        detect_speech(x, sample_rate, min_pause_s=min_pause_s)
        if speech_segments is None
        else list(speech_segments)
    )
    segments = _answer_segments(
        raw_segments, duration_s, question_end_s, answer_start_s, min_pause_s
    )
    pauses = [b[0] - a[1] for a, b in itertools.pairwise(segments)]
    onset = segments[0][0] if segments else None
    end = segments[-1][1] if segments else None
    answer_s = end - onset if onset is not None and end is not None else 0.0
    pause_total = float(sum(pauses))
    speaking_s = answer_s - pause_total

    latency = None
    if question_end_s is not None:
        start = answer_start_s if answer_start_s is not None else onset
        latency = None if start is None else start - question_end_s

    # Prosody on the shared 10 ms grid, restricted to active frames of the answer.
    track = track_pitch(x, sample_rate, hop_s=_HOP_S)
    level = frame_rms_db(x, sample_rate, hop_s=_HOP_S, win_s=_LOUDNESS_WIN_S)
    active = _inside(track.times, segments)
    if len(level):
        active &= level > _energy_threshold(level)
    voiced_f0 = track.f0[active & track.voiced]
    f0_median = f0_var = None
    if len(voiced_f0) >= _MIN_VOICED_FRAMES:
        f0_median = float(np.median(voiced_f0))
        f0_var = float(np.std(12.0 * np.log2(voiced_f0 / f0_median)))
    active_db = level[active]
    n_active = int(active.sum())

    return DeliveryFeatures(
        language=lang,
        rate_unit="words" if lang == "en" else "chars",
        word_count=units,
        answer_duration_s=answer_s,
        speaking_time_s=speaking_s,
        speech_rate_per_min=_per_min(units, answer_s),
        articulation_rate_per_min=_per_min(units, speaking_s),
        pause_count=len(pauses),
        pause_mean_s=pause_total / len(pauses) if pauses else 0.0,
        pause_max_s=max(pauses, default=0.0),
        pause_total_s=pause_total,
        pause_ratio=pause_total / answer_s if answer_s > 0 else 0.0,
        speech_onset_s=onset,
        speech_end_s=end,
        response_latency_s=latency,
        f0_median_hz=f0_median,
        f0_variability_st=f0_var,
        voiced_ratio=len(voiced_f0) / n_active if n_active else 0.0,
        loudness_mean_dbfs=float(active_db.mean()) if n_active else None,
        loudness_variability_db=float(active_db.std()) if n_active else None,
        filler_count=fillers,
        filler_rate_per_100=100.0 * fillers / units if units else None,
        interruptions=interruptions,
    )


@dataclass(frozen=True)
class ProsodyTrack:
    """Downsampled pitch and loudness contours for plotting one turn.

    ``f0_hz`` is ``None`` in bins without voiced frames; ``loudness_db`` is the bin's RMS level.
    """

    times: list[float]
    f0_hz: list[float | None]
    loudness_db: list[float]

    def to_dict(self) -> dict[str, list[Any]]:
        """JSON-ready dict with short keys for embedding in the HTML report."""
        return {"t": self.times, "f0": self.f0_hz, "db": self.loudness_db}


def pitch_loudness_track(pcm: npt.ArrayLike, sample_rate: int, hop_s: float = 0.05) -> ProsodyTrack:
    """Pitch and loudness contours at ``hop_s`` resolution (bin start times), compactly rounded.

    Each bin aggregates the 10 ms analysis frames inside it: median F0 of its voiced frames and the
    energy-average of its frame levels.
    """
    x = as_float_audio(pcm)
    track = track_pitch(x, sample_rate, hop_s=_HOP_S)
    level = frame_rms_db(x, sample_rate, hop_s=_HOP_S, win_s=_LOUDNESS_WIN_S)
    n_bins = math.ceil(len(x) / sample_rate / hop_s) if len(x) else 0
    # Frames are in time order, so each bin is one contiguous slice of the 10 ms arrays.
    bins = (track.times / hop_s + 1e-9).astype(int)
    bounds = np.searchsorted(bins, np.arange(n_bins + 1))
    bounds[-1] = len(bins)
    times, f0s, dbs = [], [], []
    for b in range(n_bins):
        span = slice(bounds[b], bounds[b + 1])
        f0 = track.f0[span][track.voiced[span]]
        power = np.mean(10.0 ** (level[span] / 10.0)) if bounds[b + 1] > bounds[b] else 1e-10
        times.append(round(b * hop_s, 3))
        f0s.append(round(float(np.median(f0)), 1) if len(f0) else None)
        dbs.append(round(float(10.0 * np.log10(power)), 1))
    return ProsodyTrack(times, f0s, dbs)
