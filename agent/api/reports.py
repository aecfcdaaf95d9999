"""REST routes for reports: the listing (``GET /api/reports`` with filters and cursor paging),
one report as JSON or HTML, and reviews (``POST /api/reports/{id}/reviews``: a person's tier
and note; every change is kept and announced as ``report.reviewed``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from agent.api.hrcommon import ID_PATTERN, db_of, run_blocking, runtime_of
from agent.api.monitor import report_html as page_with_recording
from agent.auth.guard import Action, access_of, require
from agent.hr import repo
from agent.store.apikeys import KeyInfo

# Not a pattern: an id that names no report is a 404 like any unknown one (it never names a
# file: ReportStore.path_for refuses anything but a plain id).
ReportId = Annotated[str, Path(min_length=1, max_length=100)]
Read = Annotated[KeyInfo, Depends(require(Action.READ_REPORTS))]
ReviewKey = Annotated[KeyInfo, Depends(require(Action.REVIEW_REPORTS))]
Tier = Literal["strong_recommend", "pending", "reject", "ineligible", "incomplete"]


class ReviewBody(BaseModel):
    """Body of ``POST /api/reports/{id}/reviews``."""

    tier: Literal["strong_recommend", "pending", "reject"]
    note: str | None = Field(default=None, max_length=4000)


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


async def load_report(request: Request, report_id: str) -> dict[str, Any]:
    """A report: the database's copy (with its review), else the exported file; 404."""
    report = await run_blocking(repo.get_report, db_of(request), report_id)
    if report is not None:
        return report
    try:
        return await asyncio.to_thread(runtime_of(request).reports.load, report_id)
    except (FileNotFoundError, ValueError) as exc:
        raise HTTPException(404, "no such report") from exc


def reports_router() -> APIRouter:
    """The report routes (the HTML one is declared before the JSON one it would match)."""
    router = APIRouter(tags=["reports"])

    @router.get("/api/reports")
    async def list_reports(
        request: Request,
        _key: Read,
        job_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
        candidate_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
        tier: Tier | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        reviewed: bool | None = None,
        limit: Annotated[int, Query(ge=1)] = 50,
        cursor: Annotated[str | None, Query(max_length=400)] = None,
    ) -> dict[str, Any]:
        """Reports newest first. ``tier`` is the tier in force (a review's, else the
        recommendation); ``since``/``until`` bound the creation time (until is exclusive);
        ``next_cursor`` fetches the next page."""
        page = min(limit, runtime_of(request).settings.hr.max_page)
        where = repo.ReportFilter(
            job_id=job_id,
            tier=tier,
            since=_utc(since),
            until=_utc(until),
            reviewed=reviewed,
            candidate_id=candidate_id,
        )
        return await run_blocking(repo.list_reports, db_of(request), where, page, cursor)

    @router.get("/api/reports/{report_id}.html", response_class=HTMLResponse)
    async def report_html(report_id: ReportId, request: Request, _key: Read) -> HTMLResponse:
        report = await load_report(request, report_id)
        # With the call's recording player when it was recorded (agent/api/monitor.py).
        page = await asyncio.to_thread(page_with_recording, access_of(request), report)
        return HTMLResponse(page)

    @router.get("/api/reports/{report_id}")
    async def get_report(report_id: ReportId, request: Request, _key: Read) -> dict[str, Any]:
        return await load_report(request, report_id)

    @router.get("/api/reports/{report_id}/reviews")
    async def list_reviews(
        report_id: ReportId, request: Request, _key: Read
    ) -> list[dict[str, Any]]:
        return await run_blocking(repo.reviews_of, db_of(request), report_id)

    @router.post("/api/reports/{report_id}/reviews", status_code=201)
    async def review(
        report_id: ReportId, body: ReviewBody, request: Request, key: ReviewKey
    ) -> dict[str, Any]:
        """Set the tier in force (the recommendation's own tier confirms it), with a note."""
        return await run_blocking(
            repo.review_report, db_of(request), report_id, key.key_id, body.tier, body.note
        )

    return router
