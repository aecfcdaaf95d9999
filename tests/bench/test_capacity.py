"""``bench/capacity.py --soak``: the totals over the soak's rounds, no server needed."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.capacity import soak_summary  # noqa: E402


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
