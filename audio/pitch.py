"""Fundamental-frequency (F0) tracking for per-turn delivery features.

A vectorised YIN tracker (de Cheveigné & Kawahara, 2002): the cumulative-mean-normalised difference
function (CMNDF) of every frame is computed at once with FFTs, the first CMNDF dip under an absolute
threshold gives the period (which avoids the octave-too-low errors of a plain minimum), a parabola
through the raw difference function refines it to sub-sample precision, and the dip depth plus a
frame-energy gate make the voicing decision. It runs on the input rate as is (8 kHz telephony or
16 kHz wideband), so there is no resampling cost and no resampler dependency.

Everything here is pure numpy: ``pcm`` in, arrays out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

__all__ = ["FloatArray", "PitchTrack", "as_float_audio", "frame_rms_db", "track_pitch"]

# Frames are processed in blocks so an unusually long turn does not allocate a huge FFT matrix.
_BLOCK_FRAMES = 2048
# Floor for dB conversions: digital silence reads -100 dBFS (below 16-bit noise), not -inf.
_DB_FLOOR = -100.0
# Continuity check: neighbourhood of +-150 ms and the re-search band around its median.
_CONTINUITY_S = 0.15
_RESEARCH_SEMITONES = 4.0
_MAX_OCTAVES_FROM_MEDIAN = 1.5


def as_float_audio(pcm: npt.ArrayLike) -> FloatArray:
    """Return mono audio as float64 in [-1, 1].

    int16 input is scaled by 1/32768; floating-point input is taken to be in [-1, 1] already.
    Multi-channel input (``(n, channels)``) is averaged to mono.
    """
    arr = np.asarray(pcm)
    if np.issubdtype(arr.dtype, np.integer):
        if arr.dtype != np.int16:
            raise ValueError(f"integer PCM must be int16, got {arr.dtype}")
        out = arr.astype(np.float64) / 32768.0
    else:
        out = arr.astype(np.float64)
    if out.ndim == 2:
        out = out.mean(axis=1)
    if out.ndim != 1:
        raise ValueError(f"expected mono audio, got shape {arr.shape}")
    return out


def frame_rms_db(
    x: FloatArray, sample_rate: int, *, hop_s: float = 0.01, win_s: float = 0.025
) -> FloatArray:
    """Frame RMS level in dBFS (RMS of a full-scale square wave = 0 dBFS), centred frames.

    Frame ``i`` is centred at ``i * hop_s`` seconds, the same grid as :func:`track_pitch`, so the
    two can be indexed together.
    """
    hop = max(1, round(hop_s * sample_rate))
    win = max(1, round(win_s * sample_rate))
    n_frames = len(x) // hop + 1 if len(x) else 0
    if n_frames == 0:
        return np.zeros(0)
    # A cumulative sum gives every window's energy in O(n) without materialising the frames.
    half = win // 2
    padded = np.pad(x, (half, win - half + hop))
    csum = np.concatenate(([0.0], np.cumsum(padded * padded)))
    starts = np.arange(n_frames) * hop
    energy = csum[starts + win] - csum[starts]
    return np.maximum(10.0 * np.log10(np.maximum(energy / win, 1e-30)), _DB_FLOOR)


@dataclass(frozen=True)
class PitchTrack:
    """Per-frame F0 estimates on a regular grid.

    Attributes:
        times: frame centres in seconds (``i * hop_s``).
        f0: fundamental frequency in Hz, NaN where the frame is unvoiced.
        aperiodicity: depth of the chosen CMNDF dip (0 = perfectly periodic, ~1 = noise).
        hop_s: frame hop in seconds.
    """

    times: FloatArray
    f0: FloatArray
    aperiodicity: FloatArray
    hop_s: float

    @property
    def voiced(self) -> npt.NDArray[np.bool_]:
        """Boolean mask of voiced frames."""
        return ~np.isnan(self.f0)


def _cmndf_block(
    frames: FloatArray, win: int, tau_max: int, nfft: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Raw difference function, CMNDF and window energy for a block of frames.

    ``d[t, tau] = sum_{j<win} (x[j] - x[j+tau])^2`` for ``tau = 0 .. tau_max + 1`` (one extra lag so
    the parabola at ``tau_max`` has a right neighbour).
    """
    n_lags = tau_max + 2
    spec_full = np.fft.rfft(frames, nfft, axis=1)
    spec_win = np.fft.rfft(frames[:, :win], nfft, axis=1)
    # Cross-correlation of the analysis window with the whole frame: r[tau] = sum_j x[j] x[j+tau].
    corr = np.fft.irfft(spec_full * np.conj(spec_win), nfft, axis=1)[:, :n_lags]
    csum = np.zeros((frames.shape[0], frames.shape[1] + 1))
    np.cumsum(frames * frames, axis=1, out=csum[:, 1:])
    lags = np.arange(n_lags)
    energy = csum[:, lags + win] - csum[:, lags]
    diff = np.maximum(energy[:, :1] + energy - 2.0 * corr, 0.0)
    diff[:, 0] = 0.0
    running = np.cumsum(diff[:, 1:], axis=1)
    cmndf = np.ones_like(diff)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = diff[:, 1:] * lags[1:] / running
    # Silent frames have an all-zero difference function; call them maximally aperiodic.
    cmndf[:, 1:] = np.where(running > 1e-12, ratio, 1.0)
    return diff, cmndf, energy[:, 0]


def _pick_period(
    diff: FloatArray, cmndf: FloatArray, lo: FloatArray, hi: FloatArray, threshold: float
) -> tuple[FloatArray, FloatArray]:
    """Choose each row's period (in samples, sub-sample refined) within lags ``[lo, hi]``.

    The first local CMNDF minimum under ``threshold`` wins (YIN's rule, which avoids picking a
    multiple of the period); rows without one fall back to the deepest minimum in range, whose depth
    is then reported as the aperiodicity so the caller can call the frame unvoiced.
    """
    rows = np.arange(len(cmndf))
    lags = np.arange(cmndf.shape[1])
    in_range = (lags >= np.ceil(lo)[:, None]) & (lags <= np.floor(hi)[:, None])
    in_range[:, [0, -1]] = False  # the parabola needs both neighbours
    local_min = np.zeros_like(in_range)
    local_min[:, 1:-1] = (cmndf[:, 1:-1] < cmndf[:, :-2]) & (cmndf[:, 1:-1] <= cmndf[:, 2:])
    dips = local_min & in_range & (cmndf < threshold)
    deepest = np.where(in_range, cmndf, np.inf).argmin(axis=1)
    tau = np.where(dips.any(axis=1), dips.argmax(axis=1), deepest)
    # Parabolic interpolation on the raw difference function (unbiased by the CMNDF's tau
    # weighting) gives sub-sample periods, which matters at 8 kHz (1 sample = 5 Hz at 200 Hz).
    a, b, c = diff[rows, tau - 1], diff[rows, tau], diff[rows, tau + 1]
    denom = a - 2.0 * b + c
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = np.where(denom > 0, 0.5 * (a - c) / denom, 0.0)
    return tau + np.clip(shift, -1.0, 1.0), cmndf[rows, tau]


def _running_nanmedian(values: FloatArray, half_width: int) -> FloatArray:
    """Median of the non-NaN values within ``half_width`` frames either side (NaN if none)."""
    padded = np.pad(values, half_width, constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half_width + 1)
    out = np.full(len(values), np.nan)
    has = ~np.isnan(windows).all(axis=1)
    if has.any():
        out[has] = np.nanmedian(windows[has], axis=1)
    return out


def _drop_short_runs(voiced: npt.NDArray[np.bool_], min_len: int) -> npt.NDArray[np.bool_]:
    """Unset voiced runs shorter than ``min_len`` frames (isolated blips are usually errors)."""
    if min_len <= 1 or not voiced.any():
        return voiced
    edges = np.diff(np.concatenate(([0], voiced.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    out = voiced.copy()
    for s, e in zip(starts, ends, strict=True):
        if e - s < min_len:
            out[s:e] = False
    return out


def track_pitch(
    pcm: npt.ArrayLike,
    sample_rate: int,
    *,
    fmin: float = 60.0,
    fmax: float = 500.0,
    hop_s: float = 0.01,
    threshold: float = 0.15,
    voicing_threshold: float = 0.3,
    min_level_dbfs: float = -60.0,
    relative_level_db: float = 40.0,
    min_voiced_s: float = 0.03,
) -> PitchTrack:
    """Track F0 with YIN over centred frames every ``hop_s`` seconds.

    Args:
        pcm: mono audio, int16 or float in [-1, 1].
        sample_rate: input rate in Hz (8000 and 16000 are the expected ones; any rate works).
        fmin, fmax: search range in Hz.
        hop_s: frame hop (10 ms by default).
        threshold: absolute CMNDF threshold; the first dip under it is taken as the period.
        voicing_threshold: frames whose best dip is not under this are unvoiced.
        min_level_dbfs: frames quieter than this are unvoiced (hum, line noise).
        relative_level_db: frames more than this far below the 95th-percentile frame level are
            unvoiced, so low-level periodic noise under loud speech is not tracked.
        min_voiced_s: voiced runs shorter than this are dropped.

    Returns:
        A :class:`PitchTrack`; ``f0`` is NaN on unvoiced frames.
    """
    if not 0 < fmin < fmax:
        raise ValueError("need 0 < fmin < fmax")
    if fmax >= sample_rate / 2:
        raise ValueError("fmax must be below the Nyquist frequency")
    x = as_float_audio(pcm)
    x = x - x.mean() if len(x) else x
    hop = max(1, round(hop_s * sample_rate))
    tau_min = max(2, int(np.floor(sample_rate / fmax)))
    tau_max = int(np.ceil(sample_rate / fmin))
    # The integration window spans at least one longest period and ~25 ms: long enough for a stable
    # difference function, short enough to follow intonation.
    win = max(tau_max, round(0.025 * sample_rate))
    frame_len = win + tau_max + 2
    nfft = 1 << int(np.ceil(np.log2(frame_len + win)))

    n_frames = len(x) // hop + 1 if len(x) else 0
    times = np.arange(n_frames, dtype=np.float64) * (hop / sample_rate)
    f0 = np.full(n_frames, np.nan)
    aperiodicity = np.ones(n_frames)
    if n_frames == 0:
        return PitchTrack(times, f0, aperiodicity, hop / sample_rate)

    # Centre frame i's analysis window on sample i*hop.
    padded = np.pad(x, (win // 2, frame_len + hop))
    all_frames = np.lib.stride_tricks.sliding_window_view(padded, frame_len)[::hop][:n_frames]
    level_db = np.empty(n_frames)
    period = np.empty(n_frames)
    for b0 in range(0, n_frames, _BLOCK_FRAMES):
        block = slice(b0, b0 + _BLOCK_FRAMES)
        diff, cmndf, energy = _cmndf_block(all_frames[block], win, tau_max, nfft)
        level_db[block] = 10.0 * np.log10(np.maximum(energy / win, 1e-30))
        lo, hi = np.full(len(diff), float(tau_min)), np.full(len(diff), float(tau_max))
        period[block], aperiodicity[block] = _pick_period(diff, cmndf, lo, hi, threshold)

    gate = max(min_level_dbfs, float(np.percentile(level_db, 95)) - relative_level_db)
    voiced = (aperiodicity < voicing_threshold) & (level_db >= gate)
    min_run = round(min_voiced_s * sample_rate / hop)
    voiced = _drop_short_runs(voiced, min_run)

    # Continuity check: a frame more than half an octave away from its neighbourhood's median is
    # almost always an octave error (a strong 2nd harmonic, creak, or a frame straddling a voicing
    # edge). Re-pick its period near the local median, or call it unvoiced if no dip is there.
    ref = _running_nanmedian(
        np.where(voiced, np.log2(period), np.nan), max(1, round(_CONTINUITY_S * sample_rate / hop))
    )
    off = voiced & (np.abs(np.log2(period) - ref) > 0.5)
    if off.any():
        rows = np.flatnonzero(off)
        diff, cmndf, _ = _cmndf_block(all_frames[rows], win, tau_max, nfft)
        span = 2.0 ** (_RESEARCH_SEMITONES / 12.0)
        centre = 2.0 ** ref[rows]
        lo = np.maximum(centre / span, tau_min)
        hi = np.minimum(centre * span, tau_max)
        period[rows], aperiodicity[rows] = _pick_period(diff, cmndf, lo, hi, voicing_threshold)
        voiced[rows] = aperiodicity[rows] < voicing_threshold
        voiced = _drop_short_runs(voiced, min_run)

    # Range check: an isolated blip has no neighbours to be checked against, but a frame 1.5
    # octaves from the turn's median is outside any one speaker's range (typically a periodic
    # fricative or click near fmax).
    if voiced.any():
        centre_log = np.median(np.log2(period[voiced]))
        voiced &= np.abs(np.log2(period) - centre_log) <= _MAX_OCTAVES_FROM_MEDIAN

    f0[voiced] = sample_rate / period[voiced]
    return PitchTrack(times, f0, aperiodicity, hop / sample_rate)
