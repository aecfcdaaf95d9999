"""The delivery side of a running server: the delivery log API, and the Greenhouse and
SuccessFactors stand-ins receiving results from ``interview.completed`` events (on SQLite and
PostgreSQL). A call's end is the report row plus its event, written in one transaction, as
the call path does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import select

from agent.auth.keys import Role
from agent.cli import serve_app
from agent.settings import Settings
from agent.store.apikeys import KeyStore
from agent.store.db import Database
from agent.store.outbox import enqueue
from agent.store.tables import AtsLink, Candidate, Delivery, Job, OutboxEvent, ReportRow
from tests.conftest import FIXTURES
from tests.delivery.conftest import HR_SECRET, HrEndpoint, hr_app, wait_for
from tests.delivery.standins import GreenhouseStandin, SuccessFactorsStandin, _basic
from tests.hr.conftest import empty

pytestmark = pytest.mark.asyncio(loop_scope="session")


@dataclass
class Product:
    """A running server with its database, keys and the outside systems it talks to."""

    base: str
    db: Database
    keys: dict[str, str]
    hr: HrEndpoint
    greenhouse: GreenhouseStandin
    sf: SuccessFactorsStandin

    def client(self, role: str | None = "recruiter") -> httpx.AsyncClient:
        headers = {"Authorization": f"Bearer {self.keys[role]}"} if role else {}
        return httpx.AsyncClient(base_url=self.base, headers=headers, trust_env=False)


def http(base: str) -> str:
    return base.replace("ws://", "http://")


@asynccontextmanager
async def serve_product(
    database_url: str, data_dir: Path, registry: Any = None, fast: bool = True
) -> AsyncIterator[Product]:
    """The server (its models from ``registry`` when given) with webhooks to a local HR
    endpoint that fails twice per event, Greenhouse and SuccessFactors stand-ins, one job.
    ``fast``: short retry delays; else the product's defaults."""
    from agent.api.server import create_app
    from agent.calls.run import Runtime

    hr = HrEndpoint(fail_first=2)
    sf = SuccessFactorsStandin()
    async with serve_app(hr_app(hr)) as hr_base, serve_app(sf.app()) as sf_base:
        hr.url = http(hr_base) + "/hooks/screenline"
        sf.url = http(sf_base)
        db = Database(database_url)
        db.upgrade()
        empty(db)
        store = KeyStore(db)
        keys = {str(role): store.create(role, f"tests {role}")[1] for role in Role}
        greenhouse_key = keys["recruiter"]
        timing = {"poll_s": 0.1, "backoff_base_s": 0.1, "backoff_cap_s": 0.5} if fast else {}
        settings = Settings(
            data_dir=data_dir,
            scripts_dir=FIXTURES / "scripts",
            default_script="short_en",
            database_url=database_url,
            delivery={
                "endpoints": [{"name": "hr", "url": hr.url, "secret": HR_SECRET}],
                **timing,
                "greenhouse": {
                    "enabled": True,
                    "callback_hosts": ["127.0.0.1"],
                    "callback_key": greenhouse_key,
                },
                "successfactors": {
                    "enabled": True,
                    "base_url": sf.url,
                    "username": sf.username,
                    "password": sf.password,
                    "packages": {"PKG-CS": "job-cs"},
                },
            },
        )
        with db.session() as session:
            now = datetime.now(UTC)
            session.add(Job(job_id="job-cs", title="Customer service (home)", script_id="short_en",
                            language="en", eligibility_rules={}, follow_up_rules={},
                            review_required=True, created_at=now, updated_at=now))  # fmt: skip
        runtime = Runtime(settings, registry=registry) if registry is not None else None
        async with serve_app(create_app(settings, runtime, warm=False)) as base:
            gh = GreenhouseStandin(http(base) + "/integrations/greenhouse", greenhouse_key)
            async with serve_app(gh.app()) as gh_base:
                gh.url = http(gh_base)
                yield Product(http(base), db, keys, hr, gh, sf)
        empty(db)
        db.dispose()


@pytest_asyncio.fixture(loop_scope="session")
async def product(database_url: str, tmp_path: Path) -> AsyncIterator[Product]:
    async with serve_product(database_url, tmp_path / "data") as running:
        yield running


def report_body(report_id: str, candidate_id: str) -> dict[str, Any]:
    """The parts of a schema-3 report the adapters read."""
    return {
        "schema_version": 3,
        "report_id": report_id,
        "candidate_id": candidate_id,
        "started_at": "2026-12-01T10:00:00+00:00",
        "ended_at": "2026-12-01T10:07:30+00:00",
        "scores": {
            "total": 72.4,
            "tier": "pending",
            "dimensions": [
                {"id": "communication", "label": "Communication", "score": 80.0},
                {"id": "service", "label": "Service attitude", "score": 66.25},
            ],
        },
    }


def end_call(db: Database, report_id: str, candidate_id: str) -> str:
    """What the call path does when a call ends: the report row and its event, one commit."""
    with db.session() as session:
        session.add(ReportRow(report_id=report_id, candidate_id=candidate_id, job_id="job-cs",
                              tier="pending", score=72.4, created_at=datetime.now(UTC),
                              body=report_body(report_id, candidate_id)))  # fmt: skip
        payload = {"report_id": report_id, "candidate_id": candidate_id, "job_id": "job-cs",
                   "tier": "pending", "score": 72.4}  # fmt: skip
        return enqueue(session, "interview.completed", payload, f"interview.completed:{report_id}")


def rows(db: Database, query: Any) -> list[Any]:
    with db.session() as session:
        return list(session.scalars(query))


async def test_greenhouse_orders_an_interview_and_reads_its_result_after_the_patch(
    product: Product,
) -> None:
    gh = product.greenhouse
    assert await gh.list_tests() == [
        {"partner_test_id": "job-cs", "partner_test_name": "Customer service (home)"}
    ]
    partner_id = await gh.send_test("job-cs", "17681532")
    assert await gh.send_test("job-cs", "17681532") == partner_id  # a retried send is one order
    (link,) = rows(product.db, select(AtsLink))
    (candidate,) = rows(product.db, select(Candidate))
    assert (link.link_id, link.vendor, link.status) == (partner_id, "greenhouse", "sent")
    assert (candidate.name, candidate.email, candidate.phone) == (
        "Harry Potter", "hpotter@example.test", "+15550100199"
    )  # fmt: skip
    (invite,) = rows(
        product.db, select(OutboxEvent).where(OutboxEvent.type == "invitation.created")
    )
    assert invite.payload["candidate_id"] == candidate.candidate_id
    assert "/interview?invite=" in invite.payload["url"]
    assert (await gh.test_status(partner_id))["partner_status"] == "sent"

    end_call(product.db, "call-gh-1", candidate.candidate_id)
    await wait_for(lambda: partner_id in gh.statuses)
    status = gh.statuses[partner_id]
    assert gh.patches == ["17681532"] and gh.problems == []
    assert status["partner_status"] == "complete"
    assert status["partner_score"] == 72.4
    assert status["partner_profile_url"].endswith("/api/reports/call-gh-1.html")
    assert status["metadata"]["Communication"] == 80.0
    assert status["metadata"]["Tier"] == "pending"
    # The HR endpoint got the same interview, signed, after failing twice.
    await wait_for(lambda: len(product.hr.processed) >= 2)
    assert {d["type"] for d in product.hr.processed.values()} >= {
        "interview.completed", "invitation.created"
    }  # fmt: skip


async def test_greenhouse_auth_and_bad_input(product: Product) -> None:
    base = product.greenhouse.partner_base
    async with httpx.AsyncClient(base_url=base, trust_env=False) as client:
        anonymous = await client.get("/list_tests")
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"].startswith("Basic")
        wrong = await client.get("/list_tests", headers={"Authorization": _basic("slk_nope_x")})
        assert wrong.status_code == 401
        qa = {"Authorization": _basic(product.keys["qa"])}
        assert (await client.get("/list_tests", headers=qa)).status_code == 403
        auth = {"Authorization": _basic(product.keys["admin"])}
        body = {"partner_test_id": "job-cs", "url": "https://evil.example/steal",
                "candidate": {"first_name": "A", "last_name": "B", "email": "a@b.c"}}  # fmt: skip
        refused = await client.post("/send_test", json=body, headers=auth)
        assert refused.status_code == 422 and "callback" in refused.text
        body["url"] = f"{product.greenhouse.url}/integrations/testing_partners/take_home_tests/9"
        body["partner_test_id"] = "no-such-job"
        assert (await client.post("/send_test", json=body, headers=auth)).status_code == 422
        body["candidate"] = {"first_name": "x" * 5000, "email": "a@b.c"}
        assert (await client.post("/send_test", json=body, headers=auth)).status_code == 422
        missing = await client.get("/test_status", params={"partner_interview_id": "nope"},
                                   headers=auth)  # fmt: skip
        assert missing.status_code == 404
        error = {"api_call": "test_status", "errors": ["partner_profile_url is missing"],
                 "partner_interview_id": "nope", "candidate_email": "a@b.c"}  # fmt: skip
        reported = await client.post("/response_error", json=error, headers=auth)
        assert reported.status_code == 200


async def test_successfactors_event_order_and_report(product: Product) -> None:
    sf = product.sf
    sf.fail_reads = 1  # SuccessFactors is busy once: the order read is retried
    sf.add_order(order_id=901, application_id=4541, package="PKG-CS")
    sf.add_order(order_id=902, application_id=4541, package="PKG-CS", vendor="OTHERVENDOR")
    event = {"job_application": {"application_id": 4541, "job_application_status_id": 352,
                                 "candidate_id": 4148, "application_status_id": 10}}  # fmt: skip
    async with httpx.AsyncClient(base_url=product.base, trust_env=False) as client:
        url = "/integrations/successfactors/events"
        assert (await client.post(url, json=event)).status_code == 401
        auth = {"Authorization": _basic("sf-destination", product.keys["recruiter"])}
        accepted = await client.post(url, json=event, headers=auth)
        assert accepted.status_code == 202, accepted.text
        again = await client.post(url, json=event, headers=auth)  # a resent notification
        assert again.json()["event_ids"] == accepted.json()["event_ids"]
        bad = await client.post(url, json={"job_application": {"application_id": "x;drop"}},
                                headers=auth)  # fmt: skip
        assert bad.status_code == 422

    def linked() -> list[AtsLink]:
        return rows(product.db, select(AtsLink).where(AtsLink.vendor == "successfactors"))

    await wait_for(lambda: len(linked()) == 1)
    (link,) = linked()
    assert (link.external_ref, link.external_app, link.job_id) == ("901", "4541", "job-cs")
    (candidate,) = rows(product.db, select(Candidate).where(
        Candidate.candidate_id == link.candidate_id))  # fmt: skip
    assert (candidate.name, candidate.email) == ("Mei Chen", "mei.4541@example.test")
    assert sf.order_reads == 2

    end_call(product.db, "call-sf-1", candidate.candidate_id)
    await wait_for(lambda: len(sf.reports) == 1)
    (report,) = sf.reports
    assert report["orderId"] == "901" and report["status"] == "Completed"
    details = {d["scoreComponent"]: d["scoreValue"] for d in report["assessmentReportDetail"]}
    assert details == {"Communication": "80.0", "Service attitude": "66.2", "Score": "72.4",
                       "Recommendation": "2"}  # fmt: skip
    assert report["reportUrl"].endswith("/api/reports/call-sf-1.html")


async def test_the_delivery_log_lists_filters_and_replays(product: Product) -> None:
    product.hr.fail_first = 0
    with product.db.session() as session:
        ids = [enqueue(session, "report.reviewed", {"n": i}, f"rev-{i}") for i in range(3)]
    await wait_for(lambda: all(e in product.hr.processed for e in ids))
    async with product.client(None) as anonymous:
        assert (await anonymous.get("/api/deliveries")).status_code == 401
    async with product.client("qa") as qa:
        assert (await qa.get("/api/deliveries")).status_code == 403
    async with product.client("recruiter") as client:
        page = (await client.get("/api/deliveries", params={"limit": 2})).json()
        assert len(page["items"]) == 2 and page["next_cursor"]
        rest = (await client.get("/api/deliveries", params={"cursor": page["next_cursor"]})).json()
        seen = [d["delivery_id"] for d in page["items"] + rest["items"]]
        assert len(seen) == len(set(seen)) == 3
        one = (await client.get("/api/deliveries", params={"event_id": ids[0]})).json()["items"]
        assert [(d["status"], d["sink"], d["attempts"]) for d in one] == [
            ("delivered", "webhook:hr", 1)
        ]
        delivery_id = one[0]["delivery_id"]
        detail = (await client.get(f"/api/deliveries/{delivery_id}")).json()
        assert [a["outcome"] for a in detail["attempt_log"]] == ["delivered"]
        replayed = await client.post(f"/api/deliveries/{delivery_id}/replay")
        assert replayed.status_code == 202
        await wait_for(lambda: product.hr.tries(ids[0]) == 2)
        assert (await client.get("/api/deliveries/nope")).status_code == 404
        assert (await client.post("/api/deliveries/nope/replay")).status_code == 404
        assert (await client.get("/api/deliveries", params={"cursor": "%%%"})).status_code == 422
        assert (await client.get("/api/deliveries", params={"status": "x"})).status_code == 422
    await wait_for(lambda: rows(product.db, select(Delivery).where(
        Delivery.event_id == ids[0], Delivery.attempts == 2)) != [])  # fmt: skip
    await asyncio.sleep(0)


async def test_integrations_that_are_off_still_authenticate_first(tmp_path: Path) -> None:
    from agent.api.server import create_app

    settings = Settings(
        data_dir=tmp_path / "off", scripts_dir=FIXTURES / "scripts", default_script="short_en"
    )
    db = Database(settings.resolved_database_url)
    db.upgrade()
    keys = {str(role): KeyStore(db).create(role)[1] for role in Role}
    routes = [
        ("GET", "/integrations/greenhouse/list_tests"),
        ("POST", "/integrations/greenhouse/send_test"),
        ("GET", "/integrations/greenhouse/test_status?partner_interview_id=x"),
        ("POST", "/integrations/greenhouse/response_error"),
        ("POST", "/integrations/successfactors/events"),
    ]
    app = create_app(settings, warm=False)
    async with serve_app(app) as base, httpx.AsyncClient(trust_env=False) as client:
        client.base_url = httpx.URL(http(base))
        for method, path in routes:
            assert (await client.request(method, path, json={})).status_code == 401, path
            qa = {"Authorization": _basic(keys["qa"])}
            assert (await client.request(method, path, json={}, headers=qa)).status_code == 403
            ok = {"Authorization": _basic("user", keys["recruiter"])}
            if "greenhouse" in path:  # Greenhouse sends the key as the username
                ok = {"Authorization": _basic(keys["recruiter"])}
            reply = await client.request(method, path, json={}, headers=ok)
            assert reply.status_code == 404 and "off" in reply.text, (path, reply.text)
    db.dispose()
