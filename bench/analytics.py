"""Analytics bench: how long a job's validity and adverse-impact analysis takes, and how well
its intervals cover a planted truth, at several job sizes. Prints JSON.

- ``analyze_s``: the pure analysis (:func:`agent.analytics.validity.analyze`) on synthetic
  candidates (5 dimensions x 3 outcomes, two self-reported attributes);
- ``database_s``: the same through the database (:func:`agent.analytics.job.job_analytics`,
  a SQLite file; reports are realistic bodies of about ``body_kb``);
- ``coverage``: the share of 200 synthetic jobs of 60 hires whose Pearson 95 % interval holds
  the planted correlation (0.5): about 0.95 when the intervals are right.

    .venv/bin/python bench/analytics.py [--sizes 1000,10000] [--db-size 2000] [--out F]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from agent.analytics.stats import pearson
from agent.analytics.validity import DimensionInfo, Observation, analyze

DIMS = [DimensionInfo(f"d{i}", 0.2, {"en": f"Dimension {i}"}) for i in range(5)]


def _observations(n: int, rng: np.random.Generator) -> list[Observation]:
    out = []
    for i in range(n):
        z = rng.standard_normal(5)
        perf = 0.5 * z[0] + math.sqrt(0.75) * rng.standard_normal()
        out.append(
            Observation(
                candidate_id=f"c{i}",
                tier="strong_recommend" if z.sum() > 1 else "reject",
                ranked=True,
                total=float(60 + 2 * z.sum()),
                dimensions={d.id: float(60 + 10 * z[k]) for k, d in enumerate(DIMS)},
                groups={"gender": "AB"[i % 2], "age_band": "xyz"[i % 3]},
                outcomes={
                    "performance_rating": float(perf),
                    "complaint_rate": float(abs(rng.standard_normal())),
                    "retained_90d": float(perf > 0),
                },
            )
        )
    return out


def _database_run(n: int, rng: np.random.Generator) -> dict[str, Any]:
    from agent.analytics.job import job_analytics
    from agent.settings import AnalyticsSettings
    from agent.store.db import Database
    from agent.store.tables import Candidate, Job, OutcomeRow, ReportRow

    # A body the size of a real report: the score card plus a transcript of padding turns.
    turns = [{"speaker": "candidate", "text": "word " * 60} for _ in range(30)]
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        db.upgrade()
        now = datetime.now(UTC)
        obs = _observations(n, rng)
        with db.session() as s:
            s.add(
                Job(
                    job_id="j",
                    title="t",
                    script_id="cs_home_en",
                    language="en",
                    eligibility_rules={},
                    follow_up_rules={},
                    review_required=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            s.flush()
            for i, o in enumerate(obs):
                s.add(
                    Candidate(
                        candidate_id=o.candidate_id,
                        job_id="j",
                        external_id=str(i),
                        name="x",
                        language="en",
                        eligibility="eligible",
                        attributes=dict(o.groups),
                        created_at=now,
                    )
                )
            s.flush()
            for i, o in enumerate(obs):
                body = {
                    "script": {"id": "cs_home_en", "version": "1.0"},
                    "turns": turns,
                    "scores": {
                        "ranked": True,
                        "total": o.total,
                        "language": "en",
                        "dimensions": [
                            {"id": k, "score": v, "weight": 0.2, "label": k}
                            for k, v in o.dimensions.items()
                        ],
                    },
                }
                s.add(
                    ReportRow(
                        report_id=f"r{i}",
                        candidate_id=o.candidate_id,
                        job_id="j",
                        tier=o.tier,
                        score=o.total,
                        body=body,
                        created_at=now - timedelta(seconds=i),
                    )
                )
                s.add(
                    OutcomeRow(
                        outcome_id=f"o{i}",
                        candidate_id=o.candidate_id,
                        performance_rating=o.outcomes["performance_rating"],
                        recorded_at=now,
                        source="bench",
                    )
                )
        body_kb = len(json.dumps(body)) / 1024
        start = time.perf_counter()
        with db.session() as s:
            job_analytics(s, "j", AnalyticsSettings(), lambda _sid: None)
        took = time.perf_counter() - start
        db.dispose()
    return {"candidates": n, "database_s": round(took, 3), "body_kb": round(body_kb, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--db-size", type=int, default=2000)
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(7)
    result: dict[str, Any] = {"analyze": []}
    for n in (int(s) for s in args.sizes.split(",")):
        obs = _observations(n, rng)
        start = time.perf_counter()
        analyze("j", "s", "1", DIMS, obs)
        result["analyze"].append(
            {"candidates": n, "analyze_s": round(time.perf_counter() - start, 4)}
        )
    covered = 0
    for _ in range(200):
        x = rng.standard_normal(60)
        y = 0.5 * x + math.sqrt(0.75) * rng.standard_normal(60)
        c = pearson(x, y)
        covered += c.low is not None and c.high is not None and c.low <= 0.5 <= c.high
    result["coverage"] = {"jobs": 200, "hires": 60, "rho": 0.5, "covered": covered / 200}
    result["database"] = _database_run(args.db_size, rng)
    text = json.dumps(result, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
