"""The statistics on synthetic data with a known truth: intervals cover the true correlation
at about their nominal rate, suggested weights follow validity, four-fifths flags and notes."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from agent.analytics.stats import (
    Correlation,
    adverse_impact,
    fisher_interval,
    pearson,
    ranks,
    spearman,
    suggest_weights,
)
from agent.analytics.validity import (
    TOTAL,
    AnalysisOptions,
    DimensionInfo,
    Observation,
    analyze,
    next_version,
    render_table,
)
from dialogue.script import Dimension


def _bivariate(rng: np.random.Generator, rho: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.standard_normal(n)
    y = rho * x + math.sqrt(1 - rho**2) * rng.standard_normal(n)
    return x, y


def test_pearson_matches_numpy_and_the_interval_brackets_it() -> None:
    x, y = _bivariate(np.random.default_rng(1), 0.5, 200)
    c = pearson(x.tolist(), y.tolist())
    assert c.n == 200 and c.r is not None and c.low is not None and c.high is not None
    assert c.r == pytest.approx(float(np.corrcoef(x, y)[0, 1]), abs=1e-12)
    assert c.low < c.r < c.high
    # Fisher z: tanh(atanh(r) ± 1.96/sqrt(n-3)), by hand.
    half = 1.959963984540054 / math.sqrt(197)
    assert c.low == pytest.approx(math.tanh(math.atanh(c.r) - half))
    assert c.high == pytest.approx(math.tanh(math.atanh(c.r) + half))


@pytest.mark.parametrize("rho", [0.0, 0.3, 0.6])
def test_intervals_cover_the_true_correlation_about_95_percent_of_the_time(rho: float) -> None:
    rng = np.random.default_rng(int(rho * 10) + 7)
    trials, covered_p, covered_s = 400, 0, 0
    for _ in range(trials):
        x, y = _bivariate(rng, rho, 60)
        p, s = pearson(x, y), spearman(x, y)
        assert p.low is not None and p.high is not None
        assert s.low is not None and s.high is not None
        covered_p += p.low <= rho <= p.high
        # Spearman's population value for a bivariate normal is (6/pi) asin(rho/2).
        rho_s = 6 / math.pi * math.asin(rho / 2)
        covered_s += s.low <= rho_s <= s.high
    # 400 trials at 95 %: the binomial spread is about ±2.2 %; these bounds are > 3 sigma.
    assert 0.91 <= covered_p / trials <= 0.99
    assert 0.90 <= covered_s / trials <= 0.995


def test_a_wrong_interval_would_be_caught() -> None:
    # Negative control for the coverage test: a quarter-width interval covers far less.
    rng = np.random.default_rng(3)
    covered = 0
    for _ in range(200):
        x, y = _bivariate(rng, 0.4, 60)
        r = pearson(x, y).r
        assert r is not None
        z, half = math.atanh(r), 1.96 / math.sqrt(57) / 4
        covered += math.tanh(z - half) <= 0.4 <= math.tanh(z + half)
    assert covered / 200 < 0.5


def test_spearman_is_rank_based_and_handles_ties() -> None:
    x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    y = [v**5 for v in x]  # monotone, not linear
    assert spearman(x, y).r == pytest.approx(1.0)
    p = pearson(x, y).r
    assert p is not None and p < 0.99
    assert ranks(np.array([10.0, 20.0, 20.0, 5.0])).tolist() == [2.0, 3.5, 3.5, 1.0]
    # Retention is 0/1: many ties, still a defined rank correlation.
    s = spearman([1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 0, 1, 0, 1, 1, 1])
    assert s.r is not None and 0.5 < s.r < 1.0


def test_too_few_pairs_constant_values_and_missing_values_give_no_coefficient() -> None:
    assert pearson([1, 2, 3], [2, 4, 7]) == Correlation(None, None, None, 3)
    assert pearson([1, 1, 1, 1, 1], [1, 2, 3, 4, 5]).r is None
    nan = float("nan")
    c = pearson([1, 2, nan, 4, 5, 6], [2, 4, 6, nan, 10, 13])
    assert c.n == 4 and c.r is not None
    with pytest.raises(ValueError):
        pearson([1, 2], [1, 2, 3])
    with pytest.raises(ValueError):
        fisher_interval(0.5, 3)
    # A perfect correlation has a finite, degenerate interval, not an error.
    perfect = pearson([1, 2, 3, 4, 5], [2, 4, 6, 8, 10])
    assert perfect.r == pytest.approx(1.0) and perfect.high == pytest.approx(1.0)


def test_suggested_weights_follow_positive_validity_and_keep_the_total() -> None:
    current = {"a": 0.2, "b": 0.3, "c": 0.5}
    w = suggest_weights(current, {"a": 0.6, "b": 0.2, "c": -0.1})
    assert w is not None
    assert w == {"a": 0.75, "b": 0.25, "c": 0.0}
    assert math.isclose(sum(w.values()), 1.0)
    # Rounding remainders land somewhere: the sum is still exactly the total.
    thirds = suggest_weights({"a": 0.25, "b": 0.25, "c": 0.5}, {"a": 0.1, "b": 0.1, "c": 0.1})
    assert thirds is not None and round(sum(thirds.values()), 9) == 1.0
    assert suggest_weights(current, {"a": -0.2, "b": None, "c": 0.0}) is None


def test_four_fifths_flags_and_small_group_notes() -> None:
    rows = {r.group: r for r in adverse_impact({"a": (100, 50), "b": (80, 30), "c": (50, 22)})}
    assert rows["a"].impact_ratio == 1.0 and not rows["a"].flagged
    assert rows["b"].impact_ratio == pytest.approx(0.75) and rows["b"].flagged  # 37.5 % / 50 %
    assert rows["c"].impact_ratio == pytest.approx(0.88) and not rows["c"].flagged
    assert all(r.note is None for r in rows.values())
    # Pooled rate 102/230: b expects 35.5 selections.
    assert rows["b"].expected_selected == pytest.approx(80 * 102 / 230)

    small = {r.group: r for r in adverse_impact({"a": (100, 50), "tiny": (5, 1), "x": (2, 2)})}
    # A group of two selected twice does not become the reference everyone is measured by.
    assert small["a"].impact_ratio == 1.0
    assert small["x"].impact_ratio == pytest.approx(2.0)
    assert small["tiny"].flagged and small["tiny"].note is not None
    assert "n=5 < 30" in small["tiny"].note and "expected" in small["tiny"].note
    assert small["a"].note is None
    # Nobody selected: no ratio, nothing flagged.
    none = adverse_impact({"a": (40, 0), "b": (40, 0)})
    assert all(r.impact_ratio is None and not r.flagged for r in none)
    with pytest.raises(ValueError):
        adverse_impact({"a": (3, 4)})


# --- the job analysis --------------------------------------------------------------------------

DIMS = [
    DimensionInfo("communication", 0.4, {"en": "Communication", "zh": "沟通表达"}),
    DimensionInfo("empathy", 0.3, {"en": "Empathy", "zh": "同理心"}),
    DimensionInfo("experience", 0.3, {"en": "Relevant experience"}),
]


def _job(rng: np.random.Generator, n: int = 300) -> list[Observation]:
    """Communication predicts performance (rho 0.5), empathy predicts fewer complaints, and
    experience is noise; group B is selected at half group A's rate."""
    out = []
    for i in range(n):
        comm, emp, exp = rng.standard_normal(3)
        perf = 0.5 * comm + math.sqrt(0.75) * rng.standard_normal()
        complaints = -0.4 * emp + rng.standard_normal()
        group = "A" if i % 2 == 0 else "B"
        selected = rng.random() < (0.5 if group == "A" else 0.25)
        out.append(
            Observation(
                candidate_id=f"c{i}",
                tier="strong_recommend" if selected else "reject",
                ranked=True,
                total=float(60 + 10 * (comm + emp + exp) / 3),
                dimensions={
                    "communication": 60 + 10 * comm,
                    "empathy": 60 + 10 * emp,
                    "experience": 60 + 10 * exp,
                },
                groups={"gender": group} | ({"age_band": "50+"} if i < 12 else {}),
                outcomes={
                    "performance_rating": perf,
                    "complaint_rate": complaints,
                    "retained_90d": float(perf > 0),
                },
            )
        )
    return out


def test_job_analysis_finds_the_planted_validity_and_impact() -> None:
    result = analyze("job1", "cs_home_en", "1.0", DIMS, _job(np.random.default_rng(11)))
    rows = {(r.dimension, r.outcome): r for r in result.validity}
    comm = rows[("communication", "performance_rating")].pearson
    assert comm.n == 300 and comm.low is not None and comm.high is not None
    assert comm.low <= 0.5 <= comm.high
    emp = rows[("empathy", "complaint_rate")].pearson
    assert emp.high is not None and emp.high < 0
    noise = rows[("experience", "performance_rating")].pearson
    assert noise.low is not None and noise.high is not None and noise.low < 0 < noise.high
    assert (TOTAL, "retained_90d") in rows

    by_outcome = {s.outcome: s for s in result.suggestions}
    perf = by_outcome["performance_rating"].weights
    assert perf is not None and perf["communication"] > 0.7
    assert math.isclose(sum(perf.values()), 1.0)
    # Experience is noise: its interval includes 0, communication's does not.
    assert "experience" in by_outcome["performance_rating"].uncertain
    assert "communication" not in by_outcome["performance_rating"].uncertain
    complaints = by_outcome["complaint_rate"].weights  # fewer complaints is better
    assert complaints is not None and max(complaints, key=lambda d: complaints[d]) == "empathy"

    # The snippet is valid script YAML: a new version with the same ids and labels.
    assert result.weights_snippet is not None
    parsed = yaml.safe_load(result.weights_snippet)
    assert parsed["version"] == "1.1"
    dims = [Dimension.model_validate(d) for d in parsed["dimensions"]]
    assert [d.id for d in dims] == [d.id for d in DIMS]
    assert {d.id: d.weight for d in dims} == perf
    assert dims[1].label.zh == "同理心"

    gender = result.adverse_impact["gender"]
    assert gender["reference_group"] == "A" and gender["flagged"] == ["B"]
    age = result.adverse_impact["age_band"]
    assert age["not_reported"] == 288
    assert age["groups"][0]["note"].startswith("too small to judge: n=12 < 30")

    text = render_table(result)
    assert "BELOW 4/5" in text and "too small to judge" in text and "version: '1.1'" in text
    assert "interval includes 0: " in text
    assert result.to_dict()["adverse_impact"]["gender"]["flagged"] == ["B"]


def test_unranked_and_unfinished_interviews_are_left_out_where_they_do_not_count() -> None:
    obs = _job(np.random.default_rng(5), 40)
    extra = [
        Observation("u1", "incomplete", False, groups={"gender": "A"}),
        Observation("u2", "ineligible", False, groups={"gender": "B"}),
    ]
    result = analyze("j", "s", "2", DIMS, obs + extra, AnalysisOptions(min_group_n=10))
    assert (result.candidates, result.ranked, result.with_outcomes) == (42, 40, 40)
    groups = {g["group"]: g for g in result.adverse_impact["gender"]["groups"]}
    # The knock-out is a decision (not selected); the unfinished interview is none.
    assert groups["A"]["n"] == 20 and groups["B"]["n"] == 21
    assert len(result.notes) == 1  # 40 with outcomes is not under min_group_n=10


def test_no_outcomes_means_no_suggestion() -> None:
    obs = [Observation(f"c{i}", "pending", True, 50.0, {"communication": 50.0}) for i in range(5)]
    result = analyze("j", "s", "v7", DIMS, obs)
    assert result.weights_snippet is None
    assert all(s.weights is None for s in result.suggestions)
    assert result.adverse_impact == {}
    assert "no self-reported group" in render_table(result)


def test_next_version() -> None:
    assert next_version("1.0") == "1.1"
    assert next_version("2") == "3"
    assert next_version("2024-09.r9") == "2024-09.r10"
    assert next_version("beta") == "beta-1"
