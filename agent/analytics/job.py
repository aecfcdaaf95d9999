"""A job's analysis from the database: the I/O edge around :func:`agent.analytics.validity.analyze`.

Each candidate counts once, by their newest report for the job; the tier that stands is the
reviewer's override when there is one. Group membership comes only from the self-reported
attributes the settings name; outcomes are the latest recorded value of each field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.analytics.outcomes import latest_outcomes
from agent.analytics.validity import (
    AnalysisOptions,
    DimensionInfo,
    JobAnalytics,
    Observation,
    analyze,
)
from agent.settings import AnalyticsSettings
from agent.store.tables import Candidate, Job, ReportRow
from dialogue.script import Script

#: Report bodies read from the database at a time.
_BATCH = 200
#: Longest group label kept (an HR system's free text is cut, not trusted).
MAX_GROUP_CHARS = 64


class UnknownJob(LookupError):
    """No job with that id."""


def options_from(settings: AnalyticsSettings) -> AnalysisOptions:
    """The analysis options the settings describe."""
    return AnalysisOptions(
        selected_tiers=frozenset(settings.selected_tiers),
        impact_threshold=settings.impact_threshold,
        min_group_n=settings.min_group_n,
        primary_outcome=settings.primary_outcome,
    )


def groups_of(attributes: Mapping[str, Any] | None, names: list[str]) -> dict[str, str]:
    """The self-reported groups in a candidate's attributes: ``attributes[name]`` or
    ``attributes["self_reported"][name]`` for each configured name, as short text."""
    if not isinstance(attributes, Mapping):
        return {}
    nested = attributes.get("self_reported")
    nested = nested if isinstance(nested, Mapping) else {}
    out: dict[str, str] = {}
    for name in names:
        value = attributes.get(name, nested.get(name))
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            text = str(value).strip()[:MAX_GROUP_CHARS]
            if text:
                out[name] = text
    return out


def observation_of(
    candidate_id: str,
    tier: str | None,
    body: Any,
    groups: dict[str, str],
    outcomes: dict[str, float],
) -> Observation:
    """One candidate's :class:`Observation` from their report (the tier in force, the body)."""
    scores = body.get("scores") if isinstance(body, dict) else None
    dims: dict[str, float] = {}
    total = None
    ranked = False
    if isinstance(scores, dict):
        ranked = bool(scores.get("ranked"))
        total = scores.get("total") if isinstance(scores.get("total"), (int, float)) else None
        for dim in scores.get("dimensions") or []:
            if isinstance(dim, dict) and isinstance(dim.get("score"), (int, float)):
                dims[str(dim.get("id"))] = float(dim["score"])
    return Observation(
        candidate_id=candidate_id,
        tier=tier,
        ranked=ranked,
        total=None if total is None else float(total),
        dimensions=dims,
        groups=groups,
        outcomes=outcomes,
    )


def script_dimensions(script: Script) -> list[DimensionInfo]:
    """The script's dimensions with their weights and every label it has."""
    return [
        DimensionInfo(
            d.id, d.weight, {k: v for k, v in d.label.model_dump().items() if isinstance(v, str)}
        )
        for d in script.dimensions
    ]


def report_dimensions(body: Mapping[str, Any]) -> list[DimensionInfo]:
    """Dimensions as a report recorded them (when the script file is gone)."""
    scores = body.get("scores") or {}
    language = str(scores.get("language") or "en")
    return [
        DimensionInfo(str(d["id"]), float(d["weight"]), {language: str(d.get("label", d["id"]))})
        for d in scores.get("dimensions") or []
        if isinstance(d, dict) and "id" in d and isinstance(d.get("weight"), (int, float))
    ]


def job_analytics(
    session: Session,
    job_id: str,
    settings: AnalyticsSettings,
    script_for: Callable[[str], Script | None],
) -> JobAnalytics:
    """The analysis of ``job_id``; ``script_for`` gives the job's script as it is now (None
    when it cannot be loaded: the newest report's dimensions stand in)."""
    job = session.get(Job, job_id)
    if job is None:
        raise UnknownJob(job_id)
    script = script_for(job.script_id)
    rows = session.execute(
        select(Candidate.candidate_id, Candidate.attributes).where(Candidate.job_id == job_id)
    )
    attributes: dict[str, Any] = {cid: attrs for cid, attrs in rows}
    outcomes = latest_outcomes(session, job_id)
    # Report bodies hold whole transcripts: stream them a batch at a time (plain rows, no ORM
    # identity map) and keep only the few numbers each contributes.
    reports = session.execute(
        select(ReportRow.candidate_id, ReportRow.reviewed_tier, ReportRow.tier, ReportRow.body)
        .where(ReportRow.job_id == job_id, ReportRow.candidate_id.is_not(None))
        .order_by(ReportRow.created_at.desc(), ReportRow.report_id)
        .limit(settings.max_reports)
        .execution_options(yield_per=_BATCH)
    )
    observations: dict[str, Observation] = {}
    versions: set[str] = set()
    read = 0
    newest_dims: list[DimensionInfo] | None = None
    newest_version: str | None = None
    for cid, reviewed_tier, tier, body in reports:
        read += 1
        if cid in observations:
            continue  # an older report of a candidate already counted
        observations[cid] = observation_of(
            cid,
            reviewed_tier or tier,
            body,
            groups_of(attributes.get(cid), settings.group_attributes),
            outcomes.get(cid, {}),
        )
        if isinstance(body, dict):
            if isinstance(body.get("script"), dict):
                versions.add(str(body["script"].get("version")))
                newest_version = newest_version or str(body["script"].get("version"))
            if newest_dims is None and script is None:
                newest_dims = report_dimensions(body)
    if script is not None:
        dims, version = script_dimensions(script), script.version
    else:
        dims = newest_dims or []
        version = newest_version or "unknown"
    result = analyze(
        job_id, job.script_id, version, dims, list(observations.values()), options_from(settings)
    )
    if len(versions) > 1:
        result.notes.append(
            f"Reports come from script versions {', '.join(sorted(versions))}: scores are "
            "compared across versions."
        )
    if read == settings.max_reports:
        result.notes.append(f"Only the newest {settings.max_reports} reports were read.")
    return result
