"""Delivery features on signals with known truth, wideband and through 8 kHz mu-law."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from audio.features import (
    DeliveryFeatures,
    count_fillers,
    count_units,
    delivery_features,
    detect_speech,
    pitch_loudness_track,
)
from audio.pitch import as_float_audio

Signal = npt.NDArray[np.float64]
Phone = Callable[[Signal, int], npt.NDArray[np.int16]]
WavLoader = Callable[[Path], tuple[npt.NDArray[np.int16], int]]

# Speech bursts with known gaps: 0.5 s and 1.0 s pauses, a 0.15 s gap that is not a pause.
LAYOUT = [
    ("gap", 0.6),
    ("speech", 1.2),
    ("gap", 0.5),
    ("speech", 0.8),
    ("gap", 0.15),
    ("speech", 0.6),
    ("gap", 1.0),
    ("speech", 1.0),
    ("gap", 0.5),
]
ONSET = 0.6
ANSWER_S = 1.2 + 0.5 + 0.8 + 0.15 + 0.6 + 1.0 + 1.0
EDGE_TOL = 0.02  # 10 ms frames: each edge is within half a frame plus the threshold crossing


def _at_path(x: Signal, path: str, to_phone: Phone) -> tuple[npt.ArrayLike, int]:
    return (x, 16000) if path == "16k" else (to_phone(x, 16000), 8000)


@pytest.mark.parametrize("path", ["16k", "8k_mulaw"])
def test_pauses_from_energy_vad(path: str, bursts: Callable[..., Signal], to_phone: Phone) -> None:
    pcm, sr = _at_path(bursts(LAYOUT, 16000), path, to_phone)
    f = delivery_features(pcm, sr, "one two three four five six", "en", question_end_s=0.2)
    assert f.pause_count == 2
    assert f.pause_max_s == pytest.approx(1.0, abs=EDGE_TOL)
    assert f.pause_mean_s == pytest.approx(0.75, abs=EDGE_TOL)
    assert f.pause_total_s == pytest.approx(1.5, abs=2 * EDGE_TOL)
    assert f.answer_duration_s == pytest.approx(ANSWER_S, abs=2 * EDGE_TOL)
    assert f.pause_ratio == pytest.approx(1.5 / ANSWER_S, abs=0.01)
    assert f.speaking_time_s == pytest.approx(ANSWER_S - 1.5, abs=2 * EDGE_TOL)
    assert f.speech_onset_s == pytest.approx(ONSET, abs=EDGE_TOL)
    assert f.response_latency_s == pytest.approx(ONSET - 0.2, abs=EDGE_TOL)
    # Rates follow from the same spans: 6 words over the answer / over the speaking time.
    assert f.speech_rate_per_min == pytest.approx(6 * 60 / ANSWER_S, rel=0.02)
    assert f.articulation_rate_per_min == pytest.approx(6 * 60 / (ANSWER_S - 1.5), rel=0.02)
    assert f.f0_median_hz is None  # noise has no pitch
    assert f.voiced_ratio < 0.02


def test_given_segments_are_used_exactly() -> None:
    pcm = np.zeros(8000 * 6, dtype=np.int16)
    segments = [(3.5, 4.0), (0.5, 1.0), (1.1, 2.0), (2.6, 3.0)]  # unsorted; 0.1 s gap is no pause
    f = delivery_features(pcm, 8000, "a b c", "en", speech_segments=segments, question_end_s=0.1)
    assert f.pause_count == 2
    assert f.pause_total_s == pytest.approx(0.6 + 0.5)
    assert f.pause_max_s == pytest.approx(0.6)
    assert f.answer_duration_s == pytest.approx(3.5)
    assert f.speaking_time_s == pytest.approx(3.5 - 1.1)
    assert f.response_latency_s == pytest.approx(0.4)
    assert f.loudness_mean_dbfs is None  # digital silence has no active frames


def test_latency_and_answer_window() -> None:
    pcm = np.zeros(8000 * 5, dtype=np.int16)
    segments = [(0.3, 0.8), (2.0, 3.0), (3.5, 4.5)]
    # Speech that ended before the question did (a backchannel) is not part of the answer.
    f = delivery_features(pcm, 8000, "x", "en", speech_segments=segments, question_end_s=1.2)
    assert f.speech_onset_s == pytest.approx(2.0)
    assert f.response_latency_s == pytest.approx(0.8)
    assert f.answer_duration_s == pytest.approx(2.5)
    # A known answer start wins over the VAD; speech before it is cut off.
    f = delivery_features(
        pcm, 8000, "x", "en", speech_segments=segments, question_end_s=1.2, answer_start_s=2.5
    )
    assert f.response_latency_s == pytest.approx(1.3)
    assert f.speech_onset_s == pytest.approx(2.5)
    # An answer that overlaps the question's end has a negative latency.
    f = delivery_features(pcm, 8000, "x", "en", speech_segments=[(0.9, 2.0)], question_end_s=1.2)
    assert f.response_latency_s == pytest.approx(-0.3)
    no_question = delivery_features(pcm, 8000, "x", "en", speech_segments=segments)
    assert no_question.response_latency_s is None


@pytest.mark.parametrize("path", ["16k", "8k_mulaw"])
def test_speech_rate_ranks_piper_speeds(
    path: str,
    piper_wavs: dict[str, Path],
    load_wav: WavLoader,
    answer_text: str,
    to_phone: Phone,
) -> None:
    results: dict[str, DeliveryFeatures] = {}
    for speed in ("fast", "slow"):
        pcm16, _ = load_wav(piper_wavs[speed])
        pcm, sr = _at_path(as_float_audio(pcm16), path, to_phone)
        results[speed] = delivery_features(pcm, sr, answer_text, "en")
    fast, slow = results["fast"], results["slow"]
    assert fast.word_count == slow.word_count == 28
    assert fast.speech_rate_per_min is not None and slow.speech_rate_per_min is not None
    assert fast.articulation_rate_per_min is not None and slow.articulation_rate_per_min is not None
    assert fast.speech_rate_per_min > 1.3 * slow.speech_rate_per_min
    assert fast.articulation_rate_per_min > 1.3 * slow.articulation_rate_per_min
    assert 120 < slow.speech_rate_per_min < fast.speech_rate_per_min < 300
    assert fast.articulation_rate_per_min >= fast.speech_rate_per_min
    assert slow.articulation_rate_per_min >= slow.speech_rate_per_min
    for f in (fast, slow):
        assert f.f0_median_hz is not None and 70 < f.f0_median_hz < 180


def test_phone_path_preserves_piper_measurements(
    piper_wavs: dict[str, Path], load_wav: WavLoader, answer_text: str, to_phone: Phone
) -> None:
    pcm16, sr = load_wav(piper_wavs["slow"])
    wide = delivery_features(pcm16, sr, answer_text, "en")
    narrow = delivery_features(to_phone(as_float_audio(pcm16), sr), 8000, answer_text, "en")
    assert narrow.answer_duration_s == pytest.approx(wide.answer_duration_s, abs=0.05)
    assert narrow.articulation_rate_per_min == pytest.approx(
        wide.articulation_rate_per_min, rel=0.1
    )
    assert narrow.f0_median_hz == pytest.approx(wide.f0_median_hz, rel=0.02)
    assert narrow.f0_variability_st == pytest.approx(wide.f0_variability_st, abs=0.2)
    assert narrow.loudness_mean_dbfs == pytest.approx(wide.loudness_mean_dbfs, abs=1.5)


def test_spliced_pause_in_real_speech(piper_wavs: dict[str, Path], load_wav: WavLoader) -> None:
    """Joining two sentences with 0.8 s of silence adds one pause of >= 0.8 s."""
    s1, sr = load_wav(piper_wavs["sentence1"])
    s2, _ = load_wav(piper_wavs["sentence2"])
    joined = delivery_features(np.concatenate([s1, s2]), sr, "", "en")
    spliced_pcm = np.concatenate([s1, np.zeros(round(0.8 * sr), np.int16), s2])
    spliced = delivery_features(spliced_pcm, sr, "", "en")
    added = spliced.pause_total_s - joined.pause_total_s
    # The splice adds 0.8 s plus whatever silence Piper left at the sentence edges (< 0.25 s,
    # otherwise that junction was already a pause and exactly 0.8 s is added).
    assert 0.8 - EDGE_TOL <= added <= 0.8 + 0.25
    assert spliced.pause_max_s >= 0.8 - EDGE_TOL
    assert spliced.pause_count in (joined.pause_count, joined.pause_count + 1)
    assert spliced.answer_duration_s == pytest.approx(joined.answer_duration_s + 0.8, abs=0.03)


@pytest.mark.parametrize("path", ["16k", "8k_mulaw"])
def test_plus_6_db_gain_reads_plus_6_db(
    path: str, piper_wavs: dict[str, Path], load_wav: WavLoader, to_phone: Phone
) -> None:
    pcm16, _ = load_wav(piper_wavs["fast"])
    x = as_float_audio(pcm16) * 0.5  # peak -12 dBFS, so +6 dB cannot clip
    levels = []
    for gain in (1.0, 2.0):
        pcm, sr = _at_path(x * gain, path, to_phone)
        levels.append(delivery_features(pcm, sr, "", "en"))
    quiet, loud = levels
    assert quiet.loudness_mean_dbfs is not None and loud.loudness_mean_dbfs is not None
    tol = 0.05 if path == "16k" else 0.3  # mu-law quantisation is level-dependent
    assert loud.loudness_mean_dbfs - quiet.loudness_mean_dbfs == pytest.approx(6.02, abs=tol)
    assert loud.loudness_variability_db == pytest.approx(quiet.loudness_variability_db, abs=tol)


def test_loudness_and_pitch_of_a_known_tone(tone: Callable[..., Signal]) -> None:
    sr = 16000
    silence = np.zeros(sr // 2)
    sine = 0.1 * np.sin(2 * np.pi * 200.0 * np.arange(2 * sr) / sr)
    f = delivery_features(np.concatenate([silence, sine, silence]), sr, "", "en")
    assert f.loudness_mean_dbfs == pytest.approx(20 * np.log10(0.1 / np.sqrt(2)), abs=0.2)
    assert f.loudness_variability_db is not None and f.loudness_variability_db < 0.5
    assert f.f0_median_hz == pytest.approx(200.0, abs=0.5)
    assert f.f0_variability_st is not None and f.f0_variability_st < 0.05
    assert f.voiced_ratio > 0.95
    glide = tone(lambda t: 200.0 * 2 ** (4 / 12 * np.sin(2 * np.pi * 0.5 * t)), 4.0, sr)
    g = delivery_features(np.concatenate([silence, glide, silence]), sr, "", "en")
    assert g.f0_variability_st == pytest.approx(4 / np.sqrt(2), abs=0.2)


def test_fillers_english() -> None:
    text = (
        "Um, I think, like, you know, I handled it. I like my job. "
        "Uh I mean, it was fine. Do you know? Hmm. You know the answer. I mean it."
    )
    # um, like, you know, uh, I mean, hmm - not "I like", "Do you know", "know the", "mean it".
    assert count_fillers(text, "en") == 6
    words = count_units(text, "en")
    assert words == 30
    f = delivery_features(np.zeros(1600, np.int16), 16000, text, "en-US")
    assert f.filler_count == 6
    assert f.filler_rate_per_100 == pytest.approx(600 / 30)
    assert f.rate_unit == "words"


def test_fillers_and_units_mandarin() -> None:
    text = (
        "嗯，我觉得那个，就是说，客户很重要。"
        "那个客户很生气，然后然后我就道歉了，也就是说金额。呃，我用Excel记录。"
    )
    # 嗯, 那个(，), 就是说, 然后然后, 呃 - not 那个客户, 也就是说, 金额.
    assert count_fillers(text, "zh") == 5
    han = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    assert count_units(text, "zh-CN") == han + 1  # + "Excel"
    f = delivery_features(np.zeros(1600, np.int16), 16000, text, "zh")
    assert f.rate_unit == "chars"
    assert f.filler_rate_per_100 == pytest.approx(500 / (han + 1))


def test_mandarin_rate_counts_characters(bursts: Callable[..., Signal]) -> None:
    pcm = bursts([("gap", 0.5), ("speech", 2.0), ("gap", 0.5), ("speech", 1.0), ("gap", 0.2)], 8000)
    text = "我在客服中心工作了三年，主要负责账单问题。"  # 19 Han characters
    f = delivery_features(pcm, 8000, text, "zh")
    assert f.word_count == 19
    assert f.speech_rate_per_min == pytest.approx(19 * 60 / 3.5, rel=0.02)
    assert f.articulation_rate_per_min == pytest.approx(19 * 60 / 3.0, rel=0.02)


def test_empty_and_degenerate_inputs() -> None:
    f = delivery_features(np.zeros(0, np.float32), 8000, "", "en", interruptions=2)
    assert f.answer_duration_s == 0.0
    assert f.speech_rate_per_min is None and f.articulation_rate_per_min is None
    assert f.filler_rate_per_100 is None and f.f0_median_hz is None
    assert f.pause_count == 0 and f.pause_mean_s == 0.0
    assert f.interruptions == 2
    assert detect_speech(np.zeros(0), 8000) == []
    with pytest.raises(ValueError):
        delivery_features(np.zeros(10), 8000, "", "fr")


def test_to_dict_is_json_ready(bursts: Callable[..., Signal]) -> None:
    f = delivery_features(bursts(LAYOUT, 8000), 8000, "hello there", "en", question_end_s=0.1)
    d = f.to_dict()
    assert set(d) == set(DeliveryFeatures.__dataclass_fields__)
    json.dumps(d)  # plain Python types only
    assert all(type(v) in (int, float, str, type(None)) for v in d.values())
    assert d["pause_count"] == 2


def test_int16_and_float32_agree(bursts: Callable[..., Signal]) -> None:
    x = bursts(LAYOUT, 8000)
    as_int = delivery_features(np.round(x * 32767).astype(np.int16), 8000, "a", "en")
    as_float = delivery_features(x.astype(np.float32), 8000, "a", "en")
    assert as_int.pause_count == as_float.pause_count
    assert as_int.loudness_mean_dbfs == pytest.approx(as_float.loudness_mean_dbfs, abs=0.01)


def test_pitch_loudness_track(tone: Callable[..., Signal]) -> None:
    sr = 8000
    x = np.concatenate([np.zeros(sr // 2), tone(150.0, 1.0, sr, amplitude=0.1), np.zeros(sr // 2)])
    track = pitch_loudness_track(x, sr, hop_s=0.05)
    assert len(track.times) == len(track.f0_hz) == len(track.loudness_db) == 40
    assert track.times[:3] == [0.0, 0.05, 0.1]
    middle: list[Any] = track.f0_hz[12:28]
    assert all(f is not None and abs(f - 150.0) < 1.0 for f in middle)
    assert all(f is None for f in track.f0_hz[:8] + track.f0_hz[-8:])
    assert max(track.loudness_db) < -15 and min(track.loudness_db) <= -99
    assert json.dumps(track.to_dict())
