"""Outcomes and analytics over REST on SQLite and PostgreSQL: roles, validation and bounds,
the audit line, the privacy cascade, and the job analysis finding the seeded truth; plus the
``screenline analytics`` command on the same database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from agent.hr.repo import erase_candidate
from agent.store.tables import AuditEntry, Candidate, OutcomeRow
from tests.analytics.conftest import HrServer
from tests.analytics.seed import seed_job

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_outcomes_need_a_recruiter_or_admin_key(
    hr_server: HrServer, template_report: dict[str, Any]
) -> None:
    seeded = seed_job(hr_server.db, template_report, n=4)
    path = f"/api/candidates/{seeded[0].candidate_id}/outcomes"
    body = {"performance_rating": 4.0}
    async with httpx.AsyncClient(base_url=hr_server.base) as http:
        assert (await http.post(path, json=body)).status_code == 401
        bad = await http.post(path, json=body, headers=_auth("slk_nope_nope"))
        assert bad.status_code == 401 and "detail" in bad.json()
        assert (
            await http.post(path, json=body, headers=_auth(hr_server.keys["qa"]))
        ).status_code == 403
        assert (await http.get(path, headers=_auth(hr_server.keys["qa"]))).status_code == 403
        assert (await http.get("/api/jobs/job-cs/analytics")).status_code == 401
        qa = await http.get("/api/jobs/job-cs/analytics", headers=_auth(hr_server.keys["qa"]))
        assert qa.status_code == 403
        for role in ("recruiter", "admin"):
            made = await http.post(path, json=body, headers=_auth(hr_server.keys[role]))
            assert made.status_code == 201, made.text
        listed = await http.get(path, headers=_auth(hr_server.keys["recruiter"]))
    assert listed.status_code == 200 and len(listed.json()) == 2
    with hr_server.db.session() as session:
        assert session.scalar(select(Candidate.candidate_id).limit(1)) is not None


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "at least one"),
        ({"performance_rating": None}, "at least one"),
        ({"performance_rating": 101}, "less than or equal"),
        ({"performance_rating": -1}, "greater than or equal"),
        ({"complaint_rate": 1e9}, "less than or equal"),
        ({"retained_90d": "yes"}, "boolean"),
        ({"retained_90d": 1}, "boolean"),
        ({"performance_rating": "4"}, "number"),
        ({"performance_rating": 3, "salary": 10}, "xtra"),
        ({"performance_rating": 3, "recorded_at": "2026-01-01T00:00:00"}, "timezone"),
        ({"performance_rating": 3, "recorded_at": "2999-01-01T00:00:00Z"}, "future"),
        ({"performance_rating": 3, "source": "x" * 65}, "at most 64"),
        ({"performance_rating": 3, "source": "<script>"}, "pattern"),
        ([1, 2], "valid dictionary"),
    ],
)
async def test_bad_outcomes_are_refused_with_a_clear_422(
    hr_server: HrServer, template_report: dict[str, Any], body: Any, fragment: str
) -> None:
    seeded = seed_job(hr_server.db, template_report, n=1)
    path = f"/api/candidates/{seeded[0].candidate_id}/outcomes"
    async with httpx.AsyncClient(base_url=hr_server.base) as http:
        reply = await http.post(path, json=body, headers=_auth(hr_server.keys["recruiter"]))
    assert reply.status_code == 422, reply.text
    assert fragment in json.dumps(reply.json()["detail"]), reply.text
    with hr_server.db.session() as session:
        assert session.scalars(select(OutcomeRow)).first() is None


async def test_nan_oversize_unknown_and_long_ids(
    hr_server: HrServer, template_report: dict[str, Any]
) -> None:
    seeded = seed_job(hr_server.db, template_report, n=1)
    key = _auth(hr_server.keys["recruiter"])
    path = f"/api/candidates/{seeded[0].candidate_id}/outcomes"
    json_headers = {**key, "Content-Type": "application/json"}
    async with httpx.AsyncClient(base_url=hr_server.base) as http:
        nan = await http.post(path, content=b'{"performance_rating": NaN}', headers=json_headers)
        assert nan.status_code == 422
        big = b'{"performance_rating": 3, "source": "' + b"a" * 300_000 + b'"}'
        assert (await http.post(path, content=big, headers=json_headers)).status_code == 413
        nobody = await http.post(
            "/api/candidates/nobody/outcomes", json={"retained_90d": True}, headers=key
        )
        assert nobody.status_code == 404 and nobody.json()["detail"] == "no such candidate"
        assert (await http.get("/api/candidates/nobody/outcomes", headers=key)).status_code == 404
        long_id = "c" * 65
        too_long = await http.post(
            f"/api/candidates/{long_id}/outcomes", json={"retained_90d": True}, headers=key
        )
        assert too_long.status_code == 422
        assert (await http.get("/api/jobs/no-such-job/analytics", headers=key)).status_code == 404


async def test_outcome_is_audited_without_values_and_erased_with_the_candidate(
    hr_server: HrServer, template_report: dict[str, Any]
) -> None:
    seeded = seed_job(hr_server.db, template_report, n=2)
    cid = seeded[0].candidate_id
    async with httpx.AsyncClient(base_url=hr_server.base) as http:
        made = await http.post(
            f"/api/candidates/{cid}/outcomes",
            json={
                "performance_rating": 4.25,
                "retained_90d": False,
                "source": "workday",
                "recorded_at": "2026-11-30T09:00:00+08:00",
            },
            headers=_auth(hr_server.keys["recruiter"]),
        )
    assert made.status_code == 201
    row = made.json()
    assert row["performance_rating"] == 4.25 and row["retained_90d"] is False
    assert row["complaint_rate"] is None and row["source"] == "workday"
    assert row["recorded_at"].startswith("2026-11-30T01:00:00")  # kept as the same instant
    with hr_server.db.session() as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.subject_id == cid)).one()
        assert audit.action == "outcome.recorded"
        assert audit.detail["fields"] == ["performance_rating", "retained_90d"]
        assert "4.25" not in json.dumps(audit.detail)
    # The privacy erase removes the candidate; their outcomes go with them (ON DELETE CASCADE).
    erase_candidate(hr_server.db, hr_server.settings, cid, actor="test")
    with hr_server.db.session() as session:
        assert session.scalars(select(OutcomeRow)).all() == []


async def test_job_analytics_over_rest_find_the_seeded_truth(
    hr_server: HrServer, template_report: dict[str, Any]
) -> None:
    seeded = seed_job(hr_server.db, template_report, n=60)
    key = _auth(hr_server.keys["recruiter"])
    async with httpx.AsyncClient(base_url=hr_server.base) as http:
        for i, cand in enumerate(seeded):
            outcome: dict[str, Any] = {
                "performance_rating": round(cand.performance, 3),
                "complaint_rate": round(cand.complaints, 3),
            }
            if i % 3:  # a later, partial post adds retention and keeps the earlier fields
                outcome = {"retained_90d": cand.performance > 3}
                first = {
                    "performance_rating": round(cand.performance, 3),
                    "complaint_rate": round(cand.complaints, 3),
                    "recorded_at": "2026-06-01T00:00:00Z",
                }
                reply = await http.post(
                    f"/api/candidates/{cand.candidate_id}/outcomes", json=first, headers=key
                )
                assert reply.status_code == 201
            reply = await http.post(
                f"/api/candidates/{cand.candidate_id}/outcomes", json=outcome, headers=key
            )
            assert reply.status_code == 201, reply.text
        reply = await http.get("/api/jobs/job-cs/analytics", headers=key)
    assert reply.status_code == 200, reply.text
    data = reply.json()
    assert data["script"]["id"] == "cs_home_en" and data["candidates"] == 60
    assert data["with_outcomes"] == 60
    rows = {(r["dimension"], r["outcome"]): r for r in data["validity"]}
    comm = rows[("communication", "performance_rating")]
    assert comm["pearson"]["n"] == 60
    low, high = comm["pearson"]["ci95"]
    assert low <= 0.6 <= high and low > 0  # the planted rho, and clearly positive
    assert rows[("empathy", "complaint_rate")]["spearman"]["ci95"][1] < 0
    retained = rows[("communication", "retained_90d")]["pearson"]
    assert retained["n"] == 40  # only the candidates whose retention was posted
    weights = next(s for s in data["suggested_weights"] if s["outcome"] == "performance_rating")
    assert max(weights["weights"], key=weights["weights"].get) == "communication"
    assert abs(sum(weights["weights"].values()) - 1.0) < 1e-9
    assert (
        "version: '1.1'" in data["weights_snippet"] or 'version: "1.1"' in data["weights_snippet"]
    )
    gender = data["adverse_impact"]["gender"]
    assert {g["group"] for g in gender["groups"]} == {"A", "B"}
    expected = {
        g: sum(c.tier == "strong_recommend" for c in seeded if c.group == g) for g in ("A", "B")
    }
    got = {g["group"]: g["selected"] for g in gender["groups"]}
    assert got == expected
    assert all(g["n"] == 30 and g["note"] is None for g in gender["groups"])
    # "source" is an attribute the settings do not name as self-reported: never a group.
    assert set(data["adverse_impact"]) == {"gender"}


async def test_cli_prints_the_same_analysis(
    hr_server: HrServer,
    template_report: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from agent.cli import main

    seeded = seed_job(hr_server.db, template_report, n=12)
    with hr_server.db.session() as session:
        for cand in seeded:
            session.add(
                OutcomeRow(
                    outcome_id=cand.candidate_id[-32:],
                    candidate_id=cand.candidate_id,
                    performance_rating=cand.performance,
                    recorded_at=datetime.now(UTC),
                    source="test",
                )
            )
    monkeypatch.setenv("SCREENLINE_DATABASE_URL", str(hr_server.settings.database_url))
    monkeypatch.setenv("SCREENLINE_DATA_DIR", str(hr_server.settings.data_dir))
    assert main(["analytics", "--job", "job-cs"]) == 0
    text = capsys.readouterr().out
    assert "communication" in text and "performance_rating" in text
    assert "too small to judge: n=6 < 30" in text
    assert main(["analytics", "--job", "job-cs", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["with_outcomes"] == 12 and data["candidates"] == 12
    assert main(["analytics", "--job", "nope"]) == 1
    assert "no job 'nope'" in capsys.readouterr().err
