"""Reports, reviews, privacy and retention through the API on SQLite and PostgreSQL: listing
with filters and cursor paging, JSON and HTML, review and override (reviews + audit rows,
``report.reviewed``), candidate export and erase (no personal data left), retention purge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from agent.hr.repo import purge
from agent.store.tables import AuditEntry, Base, Call, Candidate, OutboxEvent, ReportRow, Review
from tests.hr.conftest import HRServer, candidate_rows, store_call
from tests.hr.test_api import count, make_job

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def import_some(hr: HRServer, n: int) -> list[str]:
    await make_job(hr)
    rows = candidate_rows(n)
    body = {
        "candidates": [
            {
                "external_id": r["external_id"],
                "name": r["name"],
                "email": r["email"],
                "phone": r["phone"],
                "attributes": {"education": "bachelor", "region": "US"},
            }
            for r in rows
        ]
    }
    async with hr.client() as client:
        result = (await client.post("/api/jobs/cs-home-1/candidates", json=body)).json()
    return [row["candidate_id"] for row in result["rows"]]


async def test_listing_filters_and_pages(hr: HRServer) -> None:
    candidates = await import_some(hr, 3)
    tiers = ["strong_recommend", "pending", "reject", "pending", "pending"]
    ids = [
        store_call(hr, candidates[i % 3], tier=tier, score=50 + i, files=False)
        for i, tier in enumerate(tiers)
    ]
    test_call = store_call(hr, "not-a-candidate", files=False)  # a test call: no job
    base = datetime(2026, 1, 1, tzinfo=UTC)
    with hr.db.session() as session:  # distinct, known creation times, oldest first
        for i, report_id in enumerate([*ids, test_call]):
            session.execute(
                update(ReportRow)
                .where(ReportRow.report_id == report_id)
                .values(created_at=base + timedelta(days=i))
            )
    async with hr.client() as client:
        everything = (await client.get("/api/reports", params={"limit": 2})).json()
        pages = [everything]
        while pages[-1]["next_cursor"]:
            pages.append(
                (
                    await client.get(
                        "/api/reports", params={"limit": 2, "cursor": pages[-1]["next_cursor"]}
                    )
                ).json()
            )
        listed = [item["report_id"] for page in pages for item in page["items"]]
        job = (await client.get("/api/reports", params={"job_id": "cs-home-1"})).json()
        pending = (await client.get("/api/reports", params={"tier": "pending"})).json()
        window = (
            await client.get(
                "/api/reports",
                params={"since": "2026-01-02T00:00:00Z", "until": "2026-01-04T00:00:00Z"},
            )
        ).json()
        bad_cursor = await client.get("/api/reports", params={"cursor": "bm9wZQ"})
        bad_tier = await client.get("/api/reports", params={"tier": "great"})
    assert listed == [test_call, *reversed(ids)]  # newest first, each once
    assert len(pages) == 3
    assert [i["report_id"] for i in job["items"]] == list(reversed(ids))
    assert {i["report_id"] for i in pending["items"]} == {ids[1], ids[3], ids[4], test_call}
    assert [i["report_id"] for i in window["items"]] == [ids[2], ids[1]]
    assert bad_cursor.status_code == 422 and bad_tier.status_code == 422
    item = job["items"][0]
    assert item["candidate_id"] == candidates[4 % 3] and item["score"] == 54.0


async def test_review_overrides_and_is_audited(hr: HRServer) -> None:
    (candidate,) = await import_some(hr, 1)
    report_id = store_call(hr, candidate, tier="pending")
    async with hr.client() as client:
        first = await client.post(
            f"/api/reports/{report_id}/reviews", json={"tier": "strong_recommend", "note": "good"}
        )
        second = await client.post(f"/api/reports/{report_id}/reviews", json={"tier": "pending"})
        bad = await client.post(f"/api/reports/{report_id}/reviews", json={"tier": "ineligible"})
        missing = await client.post("/api/reports/nope/reviews", json={"tier": "reject"})
        reviews = (await client.get(f"/api/reports/{report_id}/reviews")).json()
        report = (await client.get(f"/api/reports/{report_id}")).json()
        reviewed = (await client.get("/api/reports", params={"reviewed": "true"})).json()
        unreviewed = (await client.get("/api/reports", params={"reviewed": "false"})).json()
        page = await client.get(f"/api/reports/{report_id}.html")
    assert first.status_code == 201 and second.status_code == 201
    assert bad.status_code == 422 and missing.status_code == 404
    assert [r["tier"] for r in reviews] == ["strong_recommend", "pending"]
    # The latest review is in force; confirming the recommendation has no override tier.
    assert report["review"]["override_tier"] is None and report["review"]["note"] is None
    assert [i["report_id"] for i in reviewed["items"]] == [report_id]
    assert unreviewed["items"] == []
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert report_id in page.text
    from agent.reports.schema import schema_problems

    # The review block the document carries is the schema's (the test call has no score card).
    assert schema_problems({**report, "scores": None}) == []
    with hr.db.session() as session:
        audits = list(
            session.scalars(select(AuditEntry).where(AuditEntry.action == "report.reviewed"))
        )
        events = list(
            session.scalars(select(OutboxEvent).where(OutboxEvent.type == "report.reviewed"))
        )
    assert [a.detail["tier"] for a in sorted(audits, key=lambda a: a.id)] == [
        "strong_recommend",
        "pending",
    ]
    recruiter = hr.keys["recruiter"].split("_")[1]  # slk_<key id>_<secret>
    assert all(a.actor == recruiter and "note" not in a.detail for a in audits)
    assert len(events) == 2 and {e.payload["tier"] for e in events} == {
        "strong_recommend",
        "pending",
    }
    assert count(hr, Review) == 2
    with hr.db.session() as session:
        completed = session.scalars(
            select(OutboxEvent).where(OutboxEvent.type == "interview.completed")
        ).one()
    assert completed.payload["external_id"] == "ats-00000"
    assert completed.payload["candidate_id"] == candidate and completed.payload["tier"] == "pending"


def _dump(hr: HRServer) -> str:
    """Every row of every table, as text."""
    parts = []
    with hr.db.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


async def test_export_and_erase_leave_no_personal_data(hr: HRServer) -> None:
    erased, kept = await import_some(hr, 2)
    secret_words = "my neighbour Rosalind Quigley"
    calls = [store_call(hr, erased, said=f"Ask {secret_words}.") for _ in range(2)]
    other = store_call(hr, kept)
    async with hr.client() as client:
        exported = (await client.get(f"/api/candidates/{erased}/export")).json()
        qa = await client.delete(
            f"/api/candidates/{erased}", headers={"Authorization": f"Bearer {hr.keys['qa']}"}
        )
        gone = await client.delete(f"/api/candidates/{erased}")
        again = await client.delete(f"/api/candidates/{erased}")
        after = await client.get(f"/api/candidates/{erased}")
        report = await client.get(f"/api/reports/{calls[0]}")
    assert exported["candidate"]["name"] == "Candidate 0"
    assert len(exported["calls"]) == 2 and len(exported["reports"]) == 2
    assert secret_words in exported["calls"][0]["turns"][1]["text"]
    assert qa.status_code == 403
    assert gone.status_code == 200, gone.text
    assert gone.json()["calls"] == 2 and gone.json()["reports"] == 2 and gone.json()["files"] == 6
    assert again.status_code == 404 and after.status_code == 404 and report.status_code == 404
    dump = _dump(hr)
    for personal in ("Candidate 0", "candidate0@example.com", "+15550000000", secret_words):
        assert personal not in dump
    data = hr.settings.data_dir
    for call_id in calls:
        assert not list(data.rglob(f"{call_id}*"))
    assert list(data.rglob(f"{other}*"))  # another candidate's files stay
    assert count(hr, Call) == 1 and count(hr, Candidate) == 1
    with hr.db.session() as session:
        line = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "candidate.erased")
        ).one()
    assert line.subject_id == erased and line.detail["calls"] == 2


async def test_retention_purges_old_data(hr: HRServer) -> None:
    old, fresh = await import_some(hr, 2)
    old_call = store_call(hr, old)
    new_call = store_call(hr, fresh)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    with hr.db.session() as session:
        session.execute(update(Call).where(Call.call_id == old_call).values(started_at=long_ago))
        session.execute(
            update(ReportRow).where(ReportRow.report_id == old_call).values(created_at=long_ago)
        )
        session.execute(
            update(Candidate)
            .where(Candidate.candidate_id.in_([old, fresh]))
            .values(created_at=long_ago)
        )
    erased = purge(hr.db, hr.settings, days=365)
    assert (erased.calls, erased.reports, erased.candidates) == (1, 1, 1)
    assert erased.files == 3
    with hr.db.session() as session:
        assert session.get(Candidate, old) is None
        assert session.get(Candidate, fresh) is not None  # a recent call keeps them
        assert session.get(ReportRow, new_call) is not None
        assert (
            session.execute(
                text("SELECT count(*) FROM audit_log WHERE action = 'retention.purged'")
            ).scalar()
            == 1
        )


async def test_server_retention_task_purges(hr: HRServer) -> None:
    """The periodic task the server's lifespan starts, with retention on."""
    import asyncio

    from agent.hr.retention import retention_loop
    from agent.settings import HRSettings

    (candidate,) = await import_some(hr, 1)
    old_call = store_call(hr, candidate)
    long_ago = datetime.now(UTC) - timedelta(days=3)
    with hr.db.session() as session:
        session.execute(update(Call).where(Call.call_id == old_call).values(started_at=long_ago))
    settings = hr.settings.model_copy(
        update={"hr": HRSettings(retention_days=1, retention_interval_s=0.05)}
    )
    task = asyncio.create_task(retention_loop(hr.db, settings))
    try:
        for _ in range(200):
            if count(hr, Call) == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
    assert count(hr, Call) == 0 and count(hr, ReportRow) == 0
    off = asyncio.create_task(retention_loop(hr.db, hr.settings))  # retention off: returns
    await asyncio.wait_for(off, 5)
