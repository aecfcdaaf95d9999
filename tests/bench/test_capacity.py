"""``bench/capacity.py``: the soak's totals over its rounds and the ``--stagger`` start offsets,
no server needed."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.capacity import soak_summary, start_offsets  # noqa: E402


def _round(idle: float, peak: float, gaps: list[float], completed: int = 2) -> dict[str, Any]:
    return {
        "n": 2,
        "completed": completed,
        "refused": 0,
        "wrong_sequence": 2 - completed,
        "rss_idle_mb": idle,
        "rss_peak_mb": peak,
        "client_gaps_s": gaps,
    }


def test_soak_growth_is_settled_rss_not_peaks() -> None:
    # A 300 MB peak in the middle is working memory; settled 1000 -> 1040 is 4 % growth.
    rounds = [_round(1000, 1100, [1.0, 1.1, 1.2]), _round(1030, 1300, [1.0, 5.0], completed=1)]
    summary = soak_summary(rounds, rss_end_mb=1040, seconds=90)
    assert summary["rss_start_mb"] == 1000
    assert summary["growth_pct"] == 4.0
    assert summary["rss_growth_ok"] is True
    assert summary["rss_max_mb"] == 1300
    assert summary["rss_idle_mb_by_round"] == [1000, 1030]
    assert (summary["rounds"], summary["interviews"], summary["completed"]) == (2, 4, 3)
    assert summary["wrong_sequence"] == 1
    # Pooled over every gap of every round, not an average of the rounds' percentiles.
    assert summary["client_gap_p50_s"] == 1.1
    assert summary["client_gap_p95_s"] == 5.0


def test_soak_growth_of_five_percent_fails() -> None:
    summary = soak_summary([_round(1000, 1100, [1.0])], rss_end_mb=1050, seconds=40)
    assert summary["growth_pct"] == 5.0
    assert summary["rss_growth_ok"] is False


def test_no_stagger_starts_every_caller_at_once() -> None:
    assert start_offsets(3, 0.0) == [0.0, 0.0, 0.0]


def test_stagger_spreads_starts_evenly_over_the_seconds() -> None:
    # Caller i of N at i * S / N: the first at once, one step between each, the last a step
    # before S.
    assert start_offsets(4, 8.0) == [0.0, 2.0, 4.0, 6.0]
    offsets = start_offsets(24, 12.0)
    assert len(offsets) == 24 and offsets[0] == 0.0
    assert offsets[-1] == pytest.approx(11.5)
    assert all(b - a == pytest.approx(0.5) for a, b in itertools.pairwise(offsets))
    assert start_offsets(24, 12.0) == offsets  # deterministic: runs compare


def test_negative_stagger_is_refused() -> None:
    with pytest.raises(ValueError):
        start_offsets(2, -1.0)
