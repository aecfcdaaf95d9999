"""Small statistics on plain numbers (numpy only): correlations with Fisher-z confidence
intervals, weights suggested from them, and the four-fifths adverse-impact ratio.

Pure functions, no I/O; :mod:`agent.analytics.validity` applies them to a job's reports."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

#: Two-sided 95 % normal quantile.
Z95 = 1.959963984540054
#: Fewest pairs a correlation is computed from (Fisher z needs n > 3).
MIN_PAIRS = 4


@dataclass(frozen=True)
class Correlation:
    """A correlation coefficient with its 95 % interval and the number of pairs it rests on."""

    r: float | None
    low: float | None
    high: float | None
    n: int

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (coefficients rounded to 4 places)."""
        return {"r": _round(self.r), "ci95": [_round(self.low), _round(self.high)], "n": self.n}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _clean(x: Sequence[float], y: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """The pairs where both values are finite numbers."""
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("x and y must be equal-length sequences of numbers")
    keep = np.isfinite(a) & np.isfinite(b)
    return a[keep], b[keep]


def _pearson_r(a: np.ndarray, b: np.ndarray) -> float | None:
    da, db = a - a.mean(), b - b.mean()
    denom = math.sqrt(float(da @ da) * float(db @ db))
    if denom == 0.0:
        return None  # a constant variable correlates with nothing
    return max(-1.0, min(1.0, float(da @ db) / denom))


def ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks, ties given their mean rank (as Spearman's coefficient needs)."""
    order = np.argsort(values, kind="mergesort")
    ranked = np.empty(len(values), dtype=float)
    ranked[order] = np.arange(1, len(values) + 1, dtype=float)
    uniques, inverse = np.unique(values, return_inverse=True)
    if len(uniques) < len(values):
        sums = np.bincount(inverse, weights=ranked)
        counts = np.bincount(inverse)
        ranked = (sums / counts)[inverse]
    return ranked


def fisher_interval(r: float, n: int, se_scale: float = 1.0) -> tuple[float, float]:
    """95 % interval of a correlation ``r`` from ``n`` pairs by Fisher's z transform
    (``se_scale``: 1.06 for Spearman, after Fieller, Hartley and Pearson 1957)."""
    if n < MIN_PAIRS:
        raise ValueError(f"a Fisher interval needs at least {MIN_PAIRS} pairs")
    clipped = max(-0.9999999, min(0.9999999, r))  # atanh(±1) is infinite
    z = math.atanh(clipped)
    half = Z95 * math.sqrt(se_scale / (n - 3))
    return math.tanh(z - half), math.tanh(z + half)


def pearson(x: Sequence[float], y: Sequence[float]) -> Correlation:
    """Pearson's r of the finite pairs of ``x`` and ``y`` with its Fisher-z 95 % interval
    (``r`` None when there are fewer than :data:`MIN_PAIRS` pairs or one side is constant)."""
    a, b = _clean(x, y)
    return _correlation(a, b, 1.0)


def spearman(x: Sequence[float], y: Sequence[float]) -> Correlation:
    """Spearman's rank correlation (Pearson's r of mean ranks) with its 95 % interval."""
    a, b = _clean(x, y)
    if len(a) < MIN_PAIRS:
        return Correlation(None, None, None, len(a))
    return _correlation(ranks(a), ranks(b), 1.06)


def _correlation(a: np.ndarray, b: np.ndarray, se_scale: float) -> Correlation:
    n = len(a)
    if n < MIN_PAIRS:
        return Correlation(None, None, None, n)
    r = _pearson_r(a, b)
    if r is None:
        return Correlation(None, None, None, n)
    low, high = fisher_interval(r, n, se_scale)
    return Correlation(r, low, high, n)


def suggest_weights(
    current: Mapping[str, float], validity: Mapping[str, float | None], *, decimals: int = 3
) -> dict[str, float] | None:
    """Weights proportional to each dimension's positive validity, normalised to the current
    weights' total and rounded to ``decimals`` (the rounding remainder goes to the largest).

    A dimension whose correlation is negative or unknown gets 0: scoring it more would not
    predict the outcome better. None when no dimension has a positive correlation (nothing
    to suggest). Dimensions are kept in ``current``'s order."""
    total = sum(current.values())
    positive: dict[str, float] = {}
    for dim in current:
        v = validity.get(dim)
        positive[dim] = max(0.0, v) if v is not None and math.isfinite(v) else 0.0
    mass = sum(positive.values())
    if mass <= 0.0 or total <= 0.0:
        return None
    weights = {d: round(total * v / mass, decimals) for d, v in positive.items()}
    remainder = round(total - sum(weights.values()), decimals)
    if remainder:
        largest = max(weights, key=lambda d: weights[d])
        weights[largest] = round(weights[largest] + remainder, decimals)
    return weights


@dataclass(frozen=True)
class GroupRate:
    """One group's selection figures within one attribute (e.g. ``gender = female``)."""

    group: str
    n: int
    selected: int
    rate: float
    #: This group's rate over the most-selected group's rate (None when nobody was selected).
    impact_ratio: float | None
    #: Below the four-fifths threshold.
    flagged: bool
    #: Selections expected at the pooled rate of every group of this attribute.
    expected_selected: float
    #: Set when the group is too small to judge (n under the minimum).
    note: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "group": self.group,
            "n": self.n,
            "selected": self.selected,
            "selection_rate": round(self.rate, 4),
            "impact_ratio": _round(self.impact_ratio),
            "flagged": self.flagged,
            "expected_selected": round(self.expected_selected, 2),
            "note": self.note,
        }


def adverse_impact(
    counts: Mapping[str, tuple[int, int]], *, threshold: float = 0.8, min_n: int = 30
) -> list[GroupRate]:
    """The four-fifths table of one attribute: ``counts`` maps group -> (n, selected).

    Each group's selection rate over the highest rate among groups large enough to judge
    (every group when none is), flagged below ``threshold``. A group under ``min_n`` gets a
    note with the selections expected at the pooled rate: with so few people one selection
    more or less moves the ratio past the threshold, so the flag alone would mislead."""
    for group, (n, selected) in counts.items():
        if n < 0 or not 0 <= selected <= n:
            raise ValueError(f"group {group!r}: need 0 <= selected <= n")
    rates = {g: (s / n if n else 0.0) for g, (n, s) in counts.items()}
    pooled_n = sum(n for n, _ in counts.values())
    pooled_rate = sum(s for _, s in counts.values()) / pooled_n if pooled_n else 0.0
    judged = [g for g, (n, _) in counts.items() if n >= min_n] or list(counts)
    best = max((rates[g] for g in judged), default=0.0)
    rows = []
    for group, (n, selected) in sorted(counts.items(), key=lambda kv: (-kv[1][0], kv[0])):
        ratio = rates[group] / best if best > 0 else None
        expected = n * pooled_rate
        note = None
        if n < min_n:
            note = (
                f"too small to judge: n={n} < {min_n}; {selected} selected, "
                f"{expected:.1f} expected at the pooled rate {pooled_rate:.1%}"
            )
        rows.append(
            GroupRate(
                group=group,
                n=n,
                selected=selected,
                rate=rates[group],
                impact_ratio=ratio,
                flagged=ratio is not None and ratio < threshold,
                expected_selected=expected,
                note=note,
            )
        )
    return rows
