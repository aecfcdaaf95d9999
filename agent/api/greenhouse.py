"""``/integrations/greenhouse/*``: the Assessment Partner API Greenhouse calls (see
:mod:`agent.delivery.greenhouse`). HTTP Basic, username = an API key allowed ``ats``."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.security import HTTPBasic
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from agent.auth.guard import Access, Action, Denied, access_of
from agent.delivery.ats import Contact, OrderError, order_interview, result_of
from agent.delivery.greenhouse import VENDOR, basic_username, callback_allowed, test_status
from agent.settings import Settings
from agent.store.apikeys import KeyInfo
from agent.store.tables import AtsLink, Job, ReportRow

log = logging.getLogger(__name__)

# Declared so the OpenAPI schema shows the scheme; the header is parsed by basic_username.
_basic = HTTPBasic(auto_error=False, scheme_name="GreenhouseBasic", description="username: key")


async def greenhouse_key(request: Request, _: Annotated[Any, Depends(_basic)]) -> KeyInfo:
    """The API key Greenhouse sent as the Basic username (401 with a Basic challenge)."""
    access = access_of(request)
    try:
        key = await access.key(basic_username(request.headers.get("authorization")), Action.ATS)
    except Denied as exc:
        headers = {"WWW-Authenticate": 'Basic realm="screenline"'} if exc.status == 401 else None
        raise HTTPException(exc.status, exc.detail, headers=headers) from exc
    if not access.settings.delivery.greenhouse.enabled:  # said only to a valid key
        raise HTTPException(404, "the Greenhouse integration is off")
    return key


class GreenhouseCandidate(BaseModel):
    """``candidate`` of ``send_test``."""

    model_config = ConfigDict(extra="ignore")

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(default="", max_length=100)
    email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    phone_number: str | None = Field(default=None, max_length=40)
    resume_url: str | None = Field(default=None, max_length=2000)
    greenhouse_profile_url: str | None = Field(default=None, max_length=1000)


class SendTest(BaseModel):
    """Body of ``send_test``."""

    model_config = ConfigDict(extra="ignore")

    partner_test_id: str | int
    candidate: GreenhouseCandidate
    url: str = Field(min_length=1, max_length=1000)


class ResponseError(BaseModel):
    """Body of ``response_error``: Greenhouse found one of our answers malformed."""

    model_config = ConfigDict(extra="ignore")

    api_call: str = Field(max_length=64)
    errors: list[Annotated[str, Field(max_length=1000)]] = Field(max_length=50)
    partner_test_id: str | int | None = None
    partner_interview_id: str | int | None = None


def _list_tests(access: Access) -> list[dict[str, str]]:
    with access.keys.db.session() as session:
        jobs = session.scalars(select(Job).order_by(Job.created_at, Job.job_id).limit(1000))
        return [{"partner_test_id": job.job_id, "partner_test_name": job.title} for job in jobs]


def _send_test(access: Access, body: SendTest) -> str:
    candidate = body.candidate
    # Greenhouse's application link names the candidate stably; else the email does.
    external = candidate.greenhouse_profile_url or candidate.email
    contact = Contact(
        name=f"{candidate.first_name} {candidate.last_name}".strip(),
        email=candidate.email,
        phone=candidate.phone_number,
        external_id=f"greenhouse:{external}"[:128],
    )
    for attempt in (1, 2):
        try:
            with access.keys.db.session() as session:
                ordered = order_interview(
                    session,
                    access,
                    vendor=VENDOR,
                    job_id=str(body.partner_test_id)[:64],
                    contact=contact,
                    external_ref=body.url,
                    data={"partner_test_id": str(body.partner_test_id)[:64]},
                )
            return ordered.link_id
        except IntegrityError:
            # The same order sent twice at once: the second finds the first's rows.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _test_status(access: Access, settings: Settings, link_id: str) -> dict[str, Any] | None:
    with access.keys.db.session() as session:
        link = session.get(AtsLink, link_id)
        if link is None or link.vendor != VENDOR:
            return None
        row = session.get(ReportRow, link.report_id) if link.report_id else None
        return test_status(result_of(row) if row is not None else None, settings)


def _response_error(access: Access, body: ResponseError) -> None:
    with access.keys.db.session() as session:
        link = (
            session.get(AtsLink, str(body.partner_interview_id)[:48])
            if body.partner_interview_id is not None
            else None
        )
        if link is not None and link.vendor == VENDOR:
            errors = [
                *list(link.data.get("errors", []))[-20:],
                {"api_call": body.api_call, "errors": body.errors[:10]},
            ]
            link.data = {**link.data, "errors": errors}


def greenhouse_router() -> APIRouter:
    """The four partner endpoints Greenhouse is configured with."""
    router = APIRouter(prefix="/integrations/greenhouse", tags=["greenhouse"])
    guarded = [Depends(greenhouse_key)]

    @router.get("/list_tests", dependencies=guarded)
    async def list_tests(request: Request) -> list[dict[str, str]]:
        """Our jobs, as tests: ``partner_test_id`` is the job id."""
        return await asyncio.to_thread(_list_tests, access_of(request))

    @router.post("/send_test", dependencies=guarded)
    async def send_test(body: SendTest, request: Request) -> dict[str, str]:
        """Order an interview: the candidate is created (or found) and invited."""
        access = access_of(request)
        if not callback_allowed(body.url, access.settings.delivery.greenhouse):
            raise HTTPException(422, "callback url is not an allowed Greenhouse address")
        try:
            link_id = await asyncio.to_thread(_send_test, access, body)
        except OrderError as exc:
            raise HTTPException(422, str(exc)) from exc
        return {"partner_interview_id": link_id}

    @router.get("/test_status", dependencies=guarded)
    async def get_test_status(
        request: Request,
        partner_interview_id: Annotated[str, Query(min_length=1, max_length=48)],
    ) -> dict[str, Any]:
        """``sent`` until the interview's report exists, then ``complete`` with the score."""
        access = access_of(request)
        found = await asyncio.to_thread(_test_status, access, access.settings, partner_interview_id)
        if found is None:
            raise HTTPException(404, "no such partner_interview_id")
        return found

    @router.post("/response_error", dependencies=guarded)
    async def response_error(body: ResponseError, request: Request) -> dict[str, int]:
        """Greenhouse reports one of our answers as malformed: kept on the order, logged."""
        log.warning("greenhouse reports a malformed %s answer: %s", body.api_call, body.errors[:3])
        await asyncio.to_thread(_response_error, access_of(request), body)
        return {"status": 200}

    return router
