"""The HR REST API against a real server on 127.0.0.1, on SQLite and PostgreSQL: jobs, candidate
import (JSON, CSV with BOM, GBK, bad rows, idempotency, the row limit), screening, invitations,
role checks."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from agent.auth.guard import Access
from agent.store.tables import AuditEntry, Candidate, OutboxEvent
from tests.hr.conftest import HOME_AGENT_RULES, HRServer, candidate_rows, candidates_csv

pytestmark = pytest.mark.asyncio(loop_scope="session")

JOB = {
    "job_id": "cs-home-1",
    "title": "Home-based customer service agent",
    "script_id": "short_en",
    "language": "en",
    "eligibility_rules": HOME_AGENT_RULES,
}


async def make_job(hr: HRServer, job: dict[str, Any] | None = None) -> dict[str, Any]:
    async with hr.client() as client:
        response = await client.post("/api/jobs", json=job or JOB)
    assert response.status_code == 201, response.text
    return dict(response.json())


def count(hr: HRServer, table: Any, *where: Any) -> int:
    with hr.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def test_job_crud(hr: HRServer) -> None:
    job = await make_job(hr)
    assert job["eligibility_rules"]["salary"] == {"min": 3000.0, "max": 8000.0}
    async with hr.client() as client:
        assert (await client.post("/api/jobs", json=JOB)).status_code == 409
        listed = (await client.get("/api/jobs")).json()
        assert [j["job_id"] for j in listed] == ["cs-home-1"]
        changed = await client.put("/api/jobs/cs-home-1", json={**JOB, "title": "Agent"})
        assert changed.status_code == 422  # job_id is the path's, not the body's
        body = {k: v for k, v in JOB.items() if k != "job_id"}
        changed = await client.put("/api/jobs/cs-home-1", json={**body, "title": "Agent"})
        assert changed.status_code == 200 and changed.json()["title"] == "Agent"
        bad_script = await client.post(
            "/api/jobs", json={**JOB, "job_id": "x", "script_id": "nope"}
        )
        assert bad_script.status_code == 422 and "nope" in bad_script.text
        bad_rule = await client.post(
            "/api/jobs", json={**JOB, "job_id": "y", "eligibility_rules": {"height": {}}}
        )
        assert bad_rule.status_code == 422
        assert (await client.get("/api/jobs/none")).status_code == 404
        assert (await client.delete("/api/jobs/cs-home-1")).status_code == 204
        assert (await client.get("/api/jobs/cs-home-1")).status_code == 404
    with hr.db.session() as session:
        actions = list(session.scalars(select(AuditEntry.action)))
    assert actions.count("job.created") == 1 and "job.deleted" in actions


async def test_json_import_screens_and_is_idempotent(hr: HRServer) -> None:
    await make_job(hr)
    rows = candidate_rows(6, ineligible_every=3)  # rows 0 and 3 expect too much
    batch = [
        {
            **{k: row[k] for k in ("external_id", "name", "email", "phone", "timezone")},
            "attributes": {
                k: v
                for k, v in row.items()
                if k not in ("external_id", "name", "email", "phone", "timezone", "language")
            },
        }
        for row in rows
    ]
    batch[4]["attributes"].pop("education")  # cannot judge: needs review
    batch.append({"external_id": "bad-1", "name": "No Phone", "phone": "12"})  # refused
    batch.append({"external_id": "bad 2", "name": ""})  # refused
    async with hr.client() as client:
        first = (
            await client.post("/api/jobs/cs-home-1/candidates", json={"candidates": batch})
        ).json()
        again = (
            await client.post("/api/jobs/cs-home-1/candidates", json={"candidates": batch})
        ).json()
    assert (first["created"], first["updated"], first["refused"]) == (6, 0, 2)
    assert first["eligibility"] == {"ineligible": 2, "eligible": 3, "needs_review": 1}
    by_id = {row["external_id"]: row for row in first["rows"]}
    assert by_id["ats-00000"]["eligibility_rule"] == "salary"
    assert by_id["ats-00004"]["eligibility"] == "needs_review"
    assert by_id["ats-00004"]["eligibility_rule"] == "education"
    errors = {e["row"]: e for e in first["errors"]}
    assert set(errors) == {6, 7}
    assert any("phone" in message for message in errors[6]["errors"])
    assert errors[7]["external_id"] == "bad 2"
    # The same import again changes nothing and announces nothing twice.
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 6)
    assert count(hr, Candidate) == 6
    assert count(hr, OutboxEvent, OutboxEvent.type == "candidate.ineligible") == 2
    # A corrected row updates the same candidate, under the same id.
    fixed = {**batch[0], "attributes": {**batch[0]["attributes"], "expected_salary": "6000"}}
    async with hr.client() as client:
        third = (
            await client.post("/api/jobs/cs-home-1/candidates", json={"candidates": [fixed]})
        ).json()
        candidate = (await client.get(f"/api/candidates/{third['rows'][0]['candidate_id']}")).json()
    assert (
        third["updated"] == 1
        and third["rows"][0]["candidate_id"] == by_id["ats-00000"]["candidate_id"]
    )
    assert candidate["eligibility"] == "eligible" and candidate["eligibility_reason"]
    assert candidate["phone"] == "+15550000000"


async def test_csv_import_utf8_bom_and_gbk(hr: HRServer) -> None:
    await make_job(hr, {**JOB, "eligibility_rules": {"education": {"min": "associate"}}})
    chinese = [
        {"编号": "zh-1", "姓名": "张伟", "手机": "+86 138 0013 8000", "education": "本科"},
        {"编号": "zh-2", "姓名": "李娜", "手机": "+8613900139000", "education": "高中"},
    ]
    english = [{"id": "en-1", "name": "Zoë Brontë", "education": "Bachelor"}]
    async with hr.client() as client:
        gbk = await client.post(
            "/api/jobs/cs-home-1/candidates/csv",
            content=candidates_csv(chinese, encoding="gbk"),
            headers={"Content-Type": "text/csv"},
        )
        bom = await client.post(
            "/api/jobs/cs-home-1/candidates/csv",
            content=candidates_csv(english),
            headers={"Content-Type": "text/csv; charset=utf-8"},
        )
        listed = (await client.get("/api/jobs/cs-home-1/candidates")).json()
    assert gbk.status_code == 200, gbk.text
    assert gbk.json()["created"] == 2 and gbk.json()["eligibility"] == {
        "eligible": 1,
        "ineligible": 1,
    }
    assert bom.status_code == 200 and bom.json()["created"] == 1
    names = {c["external_id"]: c for c in listed}
    assert names["zh-1"]["name"] == "张伟" and names["zh-1"]["phone"] == "+8613800138000"
    assert names["zh-2"]["eligibility_rule"] == "education"
    assert names["en-1"]["name"] == "Zoë Brontë"  # the BOM is not part of the first header
    assert names["en-1"]["attributes"] == {"education": "Bachelor"}


async def test_csv_refusals(hr: HRServer) -> None:
    await make_job(hr)
    post = "/api/jobs/cs-home-1/candidates/csv"
    csv_headers = {"Content-Type": "text/csv"}
    async with hr.client() as client:
        not_text = await client.post(post, content=b"\xff\xfe\x00\xd8" * 10, headers=csv_headers)
        no_id = await client.post(post, content=b"name,email\nA,a@b.co\n", headers=csv_headers)
        wrong_type = await client.post(
            post, content=b"id,name\n1,A\n", headers={"Content-Type": "image/png"}
        )
        too_many = await client.post(
            post, content=candidates_csv(candidate_rows(5001)), headers=csv_headers
        )
        extra_cells = await client.post(
            post, content=b"id,name\n1,A,surplus\n2,B\n", headers=csv_headers
        )
        unknown_job = await client.post(
            "/api/jobs/nope/candidates/csv", content=b"id,name\n1,A\n", headers=csv_headers
        )
    assert not_text.status_code == 422 and "UTF-8" in not_text.text
    assert no_id.status_code == 422 and "external_id" in no_id.text
    assert wrong_type.status_code == 415
    assert too_many.status_code == 413 and "5000" in too_many.text
    assert extra_cells.status_code == 200
    assert extra_cells.json()["created"] == 1 and extra_cells.json()["errors"][0]["row"] == 0
    assert unknown_job.status_code == 404
    assert count(hr, Candidate) == 1  # nothing of a refused file or row was written


async def test_5000_rows_is_the_limit(hr: HRServer) -> None:
    await make_job(hr)
    async with hr.client() as client:
        ok = await client.post(
            "/api/jobs/cs-home-1/candidates/csv",
            content=candidates_csv(candidate_rows(5000, ineligible_every=10)),
            headers={"Content-Type": "text/csv"},
        )
        json_over = await client.post(
            "/api/jobs/cs-home-1/candidates",
            json={"candidates": [{"external_id": f"x{i}", "name": "x"} for i in range(5001)]},
        )
    assert ok.status_code == 200, ok.text[:300]
    assert ok.json()["created"] == 5000 and ok.json()["eligibility"]["ineligible"] == 500
    assert json_over.status_code == 413
    assert count(hr, Candidate) == 5000


async def test_invitation_is_bound_to_the_candidate(hr: HRServer) -> None:
    await make_job(hr)
    rows = candidate_rows(2, ineligible_every=2)  # row 0 ineligible, row 1 eligible
    async with hr.client() as client:
        imported = (
            await client.post(
                "/api/jobs/cs-home-1/candidates/csv",
                content=candidates_csv(rows),
                headers={"Content-Type": "text/csv"},
            )
        ).json()
        ids = {r["eligibility"]: r["candidate_id"] for r in imported["rows"]}
        refused = await client.post(f"/api/candidates/{ids['ineligible']}/invitations")
        made = await client.post(
            f"/api/candidates/{ids['eligible']}/invitations", json={"ttl_s": 600}
        )
    assert refused.status_code == 409
    assert made.status_code == 201, made.text
    invitation = made.json()
    token = parse_qs(urlsplit(invitation["url"]).query)["invite"][0]
    grant = Access.from_settings(hr.settings, hr.db).check_invitation(token)
    assert grant.candidate_id == ids["eligible"] and grant.script_id == "short_en"
    assert count(hr, AuditEntry, AuditEntry.action == "candidate.invited") == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/jobs"),
        ("POST", "/api/jobs"),
        ("PUT", "/api/jobs/j"),
        ("DELETE", "/api/jobs/j"),
        ("POST", "/api/jobs/j/candidates"),
        ("POST", "/api/jobs/j/candidates/csv"),
        ("GET", "/api/candidates/c"),
        ("DELETE", "/api/candidates/c"),
        ("GET", "/api/candidates/c/export"),
        ("POST", "/api/candidates/c/invitations"),
        ("GET", "/api/reports"),
        ("GET", "/api/reports/r"),
        ("GET", "/api/reports/r.html"),
        ("POST", "/api/reports/r/reviews"),
    ],
)
async def test_roles(hr: HRServer, method: str, path: str) -> None:
    """No key: 401; the QA role: 403; a recruiter gets past the guard (to 404/422)."""
    for role, expected in ((None, {401}), ("qa", {403}), ("recruiter", {200, 404, 415, 422})):
        async with hr.client(role) as client:
            response = await client.request(
                method, path, json={} if method in ("POST", "PUT") else None
            )
        assert response.status_code in expected, (role, response.status_code, response.text)
