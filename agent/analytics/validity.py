"""A job's validity and adverse-impact analysis, from plain records (no database here).

:func:`analyze` takes one :class:`Observation` per interviewed candidate (their latest report's
scores, the tier that stands, self-reported groups and post-hire outcomes) and returns a
:class:`JobAnalytics`: per report dimension and outcome, Pearson and Spearman correlations with
95 % intervals and n; weights suggested from them (shown, never applied: a person pastes the
snippet into a new script version); and the four-fifths table per self-reported attribute.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from agent.analytics.stats import Correlation, adverse_impact, pearson, spearman, suggest_weights

#: The outcomes HR systems post, with the direction that means a better hire (complaints:
#: fewer is better), so suggested weights reward dimensions that predict good outcomes.
OUTCOMES: dict[str, int] = {"performance_rating": 1, "complaint_rate": -1, "retained_90d": 1}
#: The overall interview score, analysed next to the dimensions.
TOTAL = "total"


@dataclass(frozen=True)
class DimensionInfo:
    """A scored dimension of the job's script: id, current weight and labels by language."""

    id: str
    weight: float
    labels: Mapping[str, str]


@dataclass(frozen=True)
class Observation:
    """One interviewed candidate of the job."""

    candidate_id: str
    #: The tier that stands: the reviewer's override, else the scorer's.
    tier: str | None
    #: Complete and eligible (only such scores are compared with each other).
    ranked: bool
    total: float | None = None
    dimensions: Mapping[str, float] = field(default_factory=dict)
    #: Self-reported attribute -> group (e.g. ``{"gender": "female"}``).
    groups: Mapping[str, str] = field(default_factory=dict)
    #: Outcome name -> value (retention as 0/1).
    outcomes: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ValidityRow:
    """The correlation of one score (a dimension or the total) with one outcome."""

    dimension: str
    outcome: str
    pearson: Correlation
    spearman: Correlation

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "dimension": self.dimension,
            "outcome": self.outcome,
            "pearson": self.pearson.to_dict(),
            "spearman": self.spearman.to_dict(),
        }


@dataclass(frozen=True)
class WeightSuggestion:
    """Weights suggested from one outcome's correlations (None when none is positive)."""

    outcome: str
    n: int
    weights: dict[str, float] | None
    note: str
    #: Dimensions whose 95 % interval includes 0: their share rests on a correlation that
    #: may be nothing (or none could be computed).
    uncertain: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class AnalysisOptions:
    """What counts as selected and how the four-fifths rule is applied (from settings)."""

    selected_tiers: frozenset[str] = frozenset({"strong_recommend"})
    impact_threshold: float = 0.8
    min_group_n: int = 30
    primary_outcome: str = "performance_rating"


@dataclass(frozen=True)
class JobAnalytics:
    """Everything ``GET /api/jobs/{id}/analytics`` and ``screenline analytics`` show."""

    job_id: str
    script_id: str
    script_version: str
    candidates: int
    ranked: int
    with_outcomes: int
    validity: list[ValidityRow]
    suggestions: list[WeightSuggestion]
    weights_snippet: str | None
    current_weights: dict[str, float]
    adverse_impact: dict[str, dict[str, Any]]
    selected_tiers: list[str]
    notes: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "job_id": self.job_id,
            "script": {"id": self.script_id, "version": self.script_version},
            "candidates": self.candidates,
            "ranked": self.ranked,
            "with_outcomes": self.with_outcomes,
            "validity": [row.to_dict() for row in self.validity],
            "current_weights": self.current_weights,
            "suggested_weights": [
                {
                    "outcome": s.outcome,
                    "n": s.n,
                    "weights": s.weights,
                    "note": s.note,
                    "uncertain": s.uncertain,
                }
                for s in self.suggestions
            ],
            "weights_snippet": self.weights_snippet,
            "adverse_impact": self.adverse_impact,
            "selected_tiers": self.selected_tiers,
            "notes": self.notes,
        }


def analyze(
    job_id: str,
    script_id: str,
    script_version: str,
    dimensions: Sequence[DimensionInfo],
    observations: Sequence[Observation],
    options: AnalysisOptions | None = None,
) -> JobAnalytics:
    """The validity and adverse-impact analysis of one job."""
    opts = options or AnalysisOptions()
    ranked = [o for o in observations if o.ranked]
    with_outcomes = [o for o in ranked if o.outcomes]
    validity = _validity(dimensions, with_outcomes)
    current = {d.id: d.weight for d in dimensions}
    suggestions = [_suggest(outcome, current, validity) for outcome in OUTCOMES]
    primary = next((s for s in suggestions if s.outcome == opts.primary_outcome), None)
    snippet = None
    if primary is not None and primary.weights is not None:
        snippet = weights_snippet(script_id, script_version, dimensions, primary)
    notes = [
        "Suggested weights are never applied automatically: a person reviews them and saves "
        "them as a new script version.",
    ]
    if len(with_outcomes) < opts.min_group_n:
        notes.append(
            f"Only {len(with_outcomes)} ranked candidates have outcomes; correlations from "
            f"fewer than {opts.min_group_n} are too uncertain to act on (see the intervals)."
        )
    return JobAnalytics(
        job_id=job_id,
        script_id=script_id,
        script_version=script_version,
        candidates=len(observations),
        ranked=len(ranked),
        with_outcomes=len(with_outcomes),
        validity=validity,
        suggestions=suggestions,
        weights_snippet=snippet,
        current_weights=current,
        adverse_impact=_impact_tables(observations, opts),
        selected_tiers=sorted(opts.selected_tiers),
        notes=notes,
    )


def _validity(
    dimensions: Sequence[DimensionInfo], observations: Sequence[Observation]
) -> list[ValidityRow]:
    rows = []
    for dim in [*(d.id for d in dimensions), TOTAL]:
        scores = [_score(o, dim) for o in observations]
        for outcome in OUTCOMES:
            values = [o.outcomes.get(outcome, float("nan")) for o in observations]
            rows.append(
                ValidityRow(dim, outcome, pearson(scores, values), spearman(scores, values))
            )
    return rows


def _score(observation: Observation, dimension: str) -> float:
    value = observation.total if dimension == TOTAL else observation.dimensions.get(dimension)
    return float("nan") if value is None else float(value)


def _suggest(
    outcome: str, current: Mapping[str, float], validity: Sequence[ValidityRow]
) -> WeightSuggestion:
    sign = OUTCOMES[outcome]
    rows = {
        r.dimension: r.pearson for r in validity if r.outcome == outcome and r.dimension in current
    }
    oriented = {d: (None if c.r is None else sign * c.r) for d, c in rows.items()}
    n = max((c.n for c in rows.values()), default=0)
    weights = suggest_weights(current, oriented)
    if weights is None:
        note = "no dimension predicts this outcome positively; keep the current weights"
    else:
        direction = "lower" if sign < 0 else "higher"
        note = (
            f"proportional to each dimension's Pearson r with {direction} {outcome} "
            "(negative or unknown: 0), normalised to the script's total weight"
        )
    uncertain = [
        d for d, c in rows.items() if c.low is None or c.high is None or c.low <= 0.0 <= c.high
    ]
    return WeightSuggestion(outcome, n, weights, note, uncertain)


def next_version(version: str) -> str:
    """A new version for the suggested script: the last number bumped (``1.0`` -> ``1.1``)."""
    match = re.search(r"(\d+)(?!.*\d)", version)
    if not match:
        return f"{version}-1"
    return f"{version[: match.start()]}{int(match.group(1)) + 1}{version[match.end() :]}"


def weights_snippet(
    script_id: str,
    script_version: str,
    dimensions: Sequence[DimensionInfo],
    suggestion: WeightSuggestion,
) -> str:
    """YAML to paste into a copy of the script as its new version: ``version`` and the
    ``dimensions`` block with the suggested weights (ids and labels unchanged)."""
    assert suggestion.weights is not None
    body = {
        "version": next_version(script_version),
        "dimensions": [
            {"id": d.id, "weight": suggestion.weights[d.id], "label": dict(d.labels)}
            for d in dimensions
        ],
    }
    header = (
        f"# Suggested weights for script {script_id} (was version {script_version}), from\n"
        f"# {suggestion.n} hires' {suggestion.outcome}. Review, then save as a new version.\n"
    )
    return header + yaml.safe_dump(body, allow_unicode=True, sort_keys=False)


def _impact_tables(
    observations: Sequence[Observation], opts: AnalysisOptions
) -> dict[str, dict[str, Any]]:
    # A decision is any scored tier; an interview that did not finish decided nothing.
    decided = [o for o in observations if o.tier is not None and o.tier != "incomplete"]
    attributes = sorted({a for o in decided for a in o.groups})
    tables: dict[str, dict[str, Any]] = {}
    for attribute in attributes:
        counts: dict[str, list[int]] = {}
        unreported = 0
        for o in decided:
            group = o.groups.get(attribute)
            if group is None:
                unreported += 1
                continue
            n_sel = counts.setdefault(group, [0, 0])
            n_sel[0] += 1
            n_sel[1] += o.tier in opts.selected_tiers
        rows = adverse_impact(
            {g: (n, s) for g, (n, s) in counts.items()},
            threshold=opts.impact_threshold,
            min_n=opts.min_group_n,
        )
        reference = max((r for r in rows if r.impact_ratio == 1.0), key=lambda r: r.n, default=None)
        tables[attribute] = {
            "groups": [r.to_dict() for r in rows],
            "reference_group": reference.group if reference else None,
            "not_reported": unreported,
            "flagged": [r.group for r in rows if r.flagged],
            "threshold": opts.impact_threshold,
            "min_group_n": opts.min_group_n,
        }
    return tables


def render_table(result: JobAnalytics) -> str:
    """The analysis as plain text for the terminal."""
    out = [
        f"Job {result.job_id} - script {result.script_id} {result.script_version}: "
        f"{result.candidates} interviewed, {result.ranked} ranked, "
        f"{result.with_outcomes} with outcomes",
        "",
        "Validity (95% CI, Fisher z)",
        f"{'dimension':<20} {'outcome':<19} {'n':>4}  {'pearson r [CI]':<24} spearman r [CI]",
    ]
    for row in result.validity:
        out.append(
            f"{row.dimension:<20} {row.outcome:<19} {row.pearson.n:>4}  "
            f"{_fmt(row.pearson):<24} {_fmt(row.spearman)}"
        )
    out += ["", "Suggested weights (shown, never applied)"]
    dims = list(result.current_weights)
    out.append(f"{'outcome':<19} " + " ".join(f"{d[:12]:>12}" for d in dims))
    out.append(
        f"{'(current)':<19} " + " ".join(f"{result.current_weights[d]:>12.3f}" for d in dims)
    )
    for s in result.suggestions:
        if s.weights is None:
            out.append(f"{s.outcome:<19} {s.note}")
        else:
            out.append(f"{s.outcome:<19} " + " ".join(f"{s.weights[d]:>12.3f}" for d in dims))
            if s.uncertain:
                out.append(f"{'':<19} interval includes 0: {', '.join(s.uncertain)}")
    if result.weights_snippet:
        out += ["", result.weights_snippet.rstrip()]
    out += ["", f"Adverse impact (selected = {', '.join(result.selected_tiers)})"]
    if not result.adverse_impact:
        out.append("no self-reported group attributes among the candidates")
    for attribute, table in result.adverse_impact.items():
        out.append(f"{attribute} (not reported: {table['not_reported']})")
        out.append(f"  {'group':<20} {'n':>5} {'sel':>5} {'rate':>7} {'ratio':>6}  flag")
        for g in table["groups"]:
            ratio = "-" if g["impact_ratio"] is None else f"{g['impact_ratio']:.2f}"
            flag = "BELOW 4/5" if g["flagged"] else ""
            out.append(
                f"  {g['group'][:20]:<20} {g['n']:>5} {g['selected']:>5} "
                f"{g['selection_rate']:>7.1%} {ratio:>6}  {flag}"
            )
            if g["note"]:
                out.append(f"    note: {g['note']}")
    out += ["", *(f"note: {n}" for n in result.notes)]
    return "\n".join(out) + "\n"


def _fmt(c: Correlation) -> str:
    if c.r is None or c.low is None or c.high is None:
        return "-"
    return f"{c.r:+.2f} [{c.low:+.2f}, {c.high:+.2f}]"
