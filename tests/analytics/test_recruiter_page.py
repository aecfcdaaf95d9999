"""The recruiter page in headless Chromium against a real server and database: sign in with a
recruiter key, filter the list, open a report, submit a review (it lands in the database and
the list shows it), untrusted text stays text, no console errors; a screenshot is saved."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from agent.store.tables import Candidate, ReportRow, Review
from tests.analytics.conftest import HrServer
from tests.analytics.seed import seed_job
from tests.devtools import CHROMIUM, DevTools, needs_chromium

pytestmark = [needs_chromium, pytest.mark.asyncio(loop_scope="session")]

EVIL = "<img src=x onerror=alert(1)>"


def _wait(browser: DevTools, session: str, expression: str, timeout: float = 30) -> Any:
    """Poll ``expression`` in the page until it is truthy (the page fetches asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        value = browser.evaluate(session, expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"page never satisfied {expression!r}; errors: {browser.errors()}")
        time.sleep(0.1)


def _rows(browser: DevTools, session: str) -> list[list[str]]:
    script = (
        "[...document.querySelectorAll('#rows tr')].map(r => [...r.cells].map(c => c.textContent))"
    )
    rows: list[list[str]] = browser.evaluate(session, script)
    return rows


def _set(browser: DevTools, session: str, element: str, value: str) -> None:
    browser.evaluate(
        session, f"document.getElementById({json.dumps(element)}).value = {json.dumps(value)}"
    )


def _submit(browser: DevTools, session: str, form: str) -> None:
    browser.evaluate(
        session, f"document.getElementById({json.dumps(form)}).requestSubmit()", gesture=True
    )


def _drive(server: HrServer, tmp_path: Path, other_report: str, recommended: str) -> dict[str, Any]:
    """The whole browser session (blocking: it runs in a thread beside the server's loop)."""
    assert CHROMIUM is not None
    browser = DevTools(CHROMIUM, tmp_path / "profile")
    try:
        _target, session = browser.open(f"{server.base}/recruiter?lang=en")
        assert browser.evaluate(session, "document.getElementById('app').hidden") is True
        # A wrong key is refused and the login form comes back.
        _set(browser, session, "api-key", "slk_000000000000_wrong")
        _submit(browser, session, "login")
        _wait(browser, session, "document.getElementById('error').textContent.includes('refused')")
        assert browser.evaluate(session, "sessionStorage.length") == 0
        browser.events.clear()  # the 401 is logged by the browser as a failed resource load

        _set(browser, session, "api-key", server.keys["recruiter"])
        _submit(browser, session, "login")
        _wait(browser, session, "document.querySelectorAll('#rows tr').length === 9")
        everything = _rows(browser, session)
        # Signed in: the login form is gone from view, the app and sign-out are shown.
        shown = (
            "['login', 'app', 'logout']"
            ".map(i => getComputedStyle(document.getElementById(i)).display)"
        )
        assert browser.evaluate(session, shown) == ["none", "block", "inline-block"]
        assert (
            browser.evaluate(session, "sessionStorage.getItem('screenline.recruiterKey')")
            == (server.keys["recruiter"])
        )
        # Untrusted text is shown as text: no element was made from it.
        assert browser.evaluate(session, "document.querySelectorAll('#rows img').length") == 0
        assert any(EVIL in cell for row in everything for cell in row)

        # Filter by job: only the other job's report is listed.
        _set(browser, session, "f-job", "job-other")
        _submit(browser, session, "filters")
        _wait(browser, session, "document.querySelectorAll('#rows tr').length === 1")
        assert _rows(browser, session)[0][2] == "job-other"

        # Open it: the HTML report loads into the sandboxed frame.
        browser.evaluate(
            session, "document.querySelector('#rows button.open').click()", gesture=True
        )
        _wait(
            browser,
            session,
            "document.getElementById('report-frame').srcdoc.includes('Human review')",
        )
        assert (
            browser.evaluate(session, "document.getElementById('detail-id').textContent")
            == other_report
        )

        # Review: override the tier with a note.
        _set(browser, session, "r-tier", "reject")
        _set(browser, session, "r-note", "Checked the call by hand.")
        _submit(browser, session, "review-form")
        _wait(
            browser,
            session,
            "document.getElementById('review-status').textContent === 'Review saved.'",
        )
        _wait(
            browser,
            session,
            "document.querySelector('#rows tr td:nth-child(4)').textContent === 'reject'",
        )
        # The review column keeps what the scorer had recommended.
        assert (
            _rows(browser, session)[0][5]
            == f"reviewed; recommended: {recommended.replace('_', ' ')}"
        )

        # Only reviewed reports: just the one.
        _set(browser, session, "f-job", "")
        _set(browser, session, "f-reviewed", "true")
        _submit(browser, session, "filters")
        _wait(browser, session, "document.querySelectorAll('#rows tr').length === 1")
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=1200,
            height=1400,
            deviceScaleFactor=1,
            mobile=False,
        )
        shot = browser.call("Page.captureScreenshot", session, format="png")
        path = tmp_path / "recruiter.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        errors = browser.errors()

        # The same tab in Mandarin: still signed in (the key is in this tab's sessionStorage).
        browser.events.clear()
        browser.call("Page.navigate", session, url=f"{server.base}/recruiter?lang=zh")
        browser.wait_for("Page.loadEventFired")
        _wait(browser, session, "document.querySelectorAll('#rows tr').length === 9")
        title = browser.evaluate(session, "document.querySelector('h1').textContent")
        zh_rows = _rows(browser, session)
        return {"errors": errors + browser.errors(), "title": title, "shot": path, "zh": zh_rows}
    finally:
        browser.close()


async def test_recruiter_page_lists_filters_opens_and_reviews(
    hr_server: HrServer, template_report: dict[str, Any], tmp_path: Path
) -> None:
    seed_job(hr_server.db, template_report, n=7)
    other = seed_job(hr_server.db, template_report, job_id="job-other", n=1, seed=2)[0]
    with hr_server.db.session() as session:  # a report whose candidate id is hostile markup
        now = datetime.now(UTC)
        session.add(
            Candidate(
                candidate_id=EVIL,
                job_id="job-cs",
                external_id="evil",
                name="x",
                language="en",
                eligibility="eligible",
                attributes={},
                created_at=now,
            )
        )
        session.flush()
        body = {**template_report, "report_id": "r-evil", "call_id": "r-evil", "candidate_id": EVIL}
        session.add(
            ReportRow(
                report_id="r-evil",
                candidate_id=EVIL,
                job_id="job-cs",
                tier="pending",
                score=50.0,
                created_at=now,
                body=body,
            )
        )
    # The page's own headers: nothing may frame it, and only its own scripts run.
    async with httpx.AsyncClient(base_url=hr_server.base) as http:
        page = await http.get("/recruiter")
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]

    result = await asyncio.to_thread(_drive, hr_server, tmp_path, other.report_id, other.tier)
    assert result["errors"] == []
    assert result["shot"].stat().st_size > 10_000
    assert result["title"] == "面试报告"
    # The reviewed report in Mandarin: its tier in force, and what the scorer had recommended.
    reviewed = [row for row in result["zh"] if row[5].startswith("已审核")]
    assert len(reviewed) == 1 and reviewed[0][3] == "不推荐", result["zh"]
    with hr_server.db.session() as session:
        review = session.scalars(select(Review).where(Review.report_id == other.report_id)).one()
        assert (review.tier, review.note) == ("reject", "Checked the call by hand.")
        assert session.get(ReportRow, other.report_id).reviewed_tier == "reject"  # type: ignore[union-attr]


def _page_through(server: HrServer, tmp_path: Path) -> list[Any]:
    assert CHROMIUM is not None
    browser = DevTools(CHROMIUM, tmp_path / "profile")
    try:
        _target, session = browser.open(f"{server.base}/recruiter")
        _set(browser, session, "api-key", server.keys["admin"])
        _submit(browser, session, "login")
        _wait(browser, session, "document.querySelectorAll('#rows tr').length === 50")
        more_shown = browser.evaluate(session, "!document.getElementById('more').hidden")
        browser.evaluate(session, "document.getElementById('more').click()", gesture=True)
        _wait(browser, session, "document.querySelectorAll('#rows tr').length === 60")
        more_after = browser.evaluate(session, "!document.getElementById('more').hidden")
        status = browser.evaluate(session, "document.getElementById('list-status').textContent")
        ids = browser.evaluate(
            session, "[...document.querySelectorAll('#rows tr')].map(r => r.dataset.reportId)"
        )
        return [more_shown, more_after, status, ids, browser.errors()]
    finally:
        browser.close()


async def test_recruiter_page_pages_with_the_cursor(
    hr_server: HrServer, template_report: dict[str, Any], tmp_path: Path
) -> None:
    seeded = seed_job(hr_server.db, template_report, n=60)
    more_shown, more_after, status, ids, errors = await asyncio.to_thread(
        _page_through, hr_server, tmp_path
    )
    assert (more_shown, more_after, errors) == (True, False, [])
    assert status == "Reports shown: 60"
    # Newest first, each report once across the two pages.
    assert ids == [c.report_id for c in reversed(seeded)]
