"""A job with interviewed candidates in the product database, for the analytics and recruiter
page tests: one real scored report (the engine and scorer over a typed transcript) copied per
candidate with planted scores, so the analysis has a known truth to find."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from agent.calls.scoring import finalize_scores
from agent.store.db import Database
from agent.store.tables import Candidate, Job, ReportRow
from dialogue.script import load_script
from tests.agent.transcript import run_transcript
from tests.dialogue.scoring_answers import ANSWERS, TYPICAL_DELIVERY

SCRIPT_ID = "cs_home_en"


def real_report(embed: Any) -> dict[str, Any]:
    """A complete, scored English report (schema v3) of a strong typed interview."""
    script = load_script(SCRIPT_ID)
    record, interview = run_transcript(
        script, ANSWERS["en"]["strong"], features_for=lambda _q, _t: dict(TYPICAL_DELIVERY["en"])
    )
    finalize_scores(record, script, interview.answers, embed=embed)
    return record.to_report()


@dataclass(frozen=True)
class SeededCandidate:
    """What the test knows about one seeded candidate."""

    candidate_id: str
    report_id: str
    group: str
    tier: str
    performance: float
    complaints: float


def seed_job(
    db: Database, template: dict[str, Any], *, job_id: str = "job-cs", n: int = 60, seed: int = 1
) -> list[SeededCandidate]:
    """Insert a job and ``n`` interviewed candidates: communication predicts performance
    (rho 0.6), empathy predicts fewer complaints, experience is noise; group B reaches the top
    tier less often than group A (its scores are shifted down)."""
    rng = np.random.default_rng(seed)
    script = load_script(SCRIPT_ID)
    now = datetime.now(UTC)
    out = []
    with db.session() as session:
        session.add(
            Job(
                job_id=job_id,
                title="Customer service (home)",
                script_id=SCRIPT_ID,
                language="en",
                eligibility_rules={},
                follow_up_rules={},
                review_required=True,
                created_at=now,
                updated_at=now,
            )
        )
        session.flush()  # no ORM relationships: rows go in parent first, by hand
        for i in range(n):
            group = "A" if i % 2 == 0 else "B"
            z = rng.standard_normal(len(script.dimensions))
            shift = 0.0 if group == "A" else -8.0
            scores = {
                d.id: float(np.clip(65 + shift + 12 * z[k], 0, 100))
                for k, d in enumerate(script.dimensions)
            }
            total = sum(d.weight * scores[d.id] for d in script.dimensions)
            tier = script.tiers.tier_for(total)
            body = copy.deepcopy(template)
            cid, rid = f"{job_id}-c{i:03d}", f"{job_id}-r{i:03d}"
            body["report_id"] = body["call_id"] = rid
            body["candidate_id"] = cid
            card = body["scores"]
            card["total"], card["tier"], card["recommendation"] = total, tier, tier
            for dim in card["dimensions"]:
                dim["score"] = scores[dim["id"]]
            performance = float(3 + 0.6 * z[0] + math.sqrt(1 - 0.36) * rng.standard_normal())
            complaints = max(0.0, float(2 - 0.5 * z[1] + 0.5 * rng.standard_normal()))
            session.add(
                Candidate(
                    candidate_id=cid,
                    job_id=job_id,
                    external_id=f"ext-{i}",
                    name=f"Candidate {i}",
                    language="en",
                    eligibility="eligible",
                    attributes={"gender": group, "source": "ats"},
                    created_at=now,
                )
            )
            session.flush()
            session.add(
                ReportRow(
                    report_id=rid,
                    candidate_id=cid,
                    job_id=job_id,
                    tier=tier,
                    score=total,
                    created_at=now - timedelta(minutes=n - i),
                    reviewed_tier=None,
                    body=body,
                )
            )
            out.append(SeededCandidate(cid, rid, group, tier, performance, complaints))
    return out
