"""REST routes of outbound campaigns (issue 15), and the Twilio callbacks of campaign calls.

- ``POST /api/campaigns`` create (candidates given, numbers checked against the dialling
  policy); ``GET /api/campaigns`` list; ``GET /api/campaigns/{id}`` status (queued, dialling,
  in call, done by outcome, pace, ETA); ``GET /api/campaigns/{id}/attempts``;
  ``POST /api/campaigns/{id}/pause|resume|cancel``; ``POST /api/dnc`` adds numbers to the
  do-not-call list. Recruiter or admin keys.
- ``POST /telephony/twilio/campaign-status?attempt=…``: call progress and AMD verdicts, signed
  by Twilio (``X-Twilio-Signature``, checked as for every Twilio webhook).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from agent.api.telephony import twilio_form
from agent.auth.guard import Access, Action, require
from agent.auth.peers import check_dial_number
from agent.campaigns.dialer import (
    CAMPAIGN_STATUS_PATH,
    Dialer,
    FreeSwitchCarrier,
    TwilioCarrier,
    system_clock,
)
from agent.campaigns.policy import policy_json
from agent.campaigns.store import CampaignNotFound, CampaignStore, StateError, Target
from agent.reports.report import CallRecord
from agent.settings import Settings
from agent.store.apikeys import KeyInfo
from agent.store.db import Database
from agent.store.tables import Candidate, Job
from telephony.errors import ProtocolError
from telephony.twilio_rest import parse_status_callback

log = logging.getLogger(__name__)

MAX_CANDIDATES = 2000
_ID = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
_WINDOW = Field(pattern=r"^\d\d:\d\d-\d\d:\d\d$")


class CandidateIn(BaseModel):
    """One candidate of a new campaign."""

    candidate_id: Annotated[str, _ID]
    phone: str = Field(min_length=8, max_length=16, pattern=r"^\+\d+$")
    timezone: str = Field(min_length=1, max_length=64)
    language: str = Field(default="en", pattern=r"^(en|zh)(-[A-Za-z]{2,4})?$")
    name: str = Field(default="", max_length=200)


class CampaignIn(BaseModel):
    """Body of ``POST /api/campaigns``; unset rules take the settings' defaults."""

    name: str = Field(default="", max_length=200)
    # Unset: the job's script. Without candidates: the job's eligible candidates.
    script_id: Annotated[str, _ID] | None = None
    job_id: Annotated[str, _ID] | None = None
    candidates: list[CandidateIn] | None = Field(
        default=None, min_length=1, max_length=MAX_CANDIDATES
    )
    window: Annotated[str, _WINDOW] | None = None
    country_windows: (
        dict[Annotated[str, Field(pattern=r"^\d{1,4}$")], Annotated[str, _WINDOW]] | None
    ) = Field(default=None, max_length=250)
    holidays: (
        dict[
            Annotated[str, Field(pattern=r"^(\*|\d{1,4})$")],
            Annotated[list[date], Field(max_length=400)],
        ]
        | None
    ) = Field(default=None, max_length=250)
    max_attempts: int | None = Field(default=None, ge=1, le=20)
    retry_s: (
        dict[
            Literal["busy", "no_answer", "failed", "voicemail"],
            Annotated[float, Field(gt=0, le=30 * 86400)],
        ]
        | None
    ) = None
    max_concurrent: int | None = Field(default=None, ge=1, le=1000)
    calls_per_second: float | None = Field(default=None, gt=0, le=100)


class DncIn(BaseModel):
    """Body of ``POST /api/dnc``."""

    phones: list[Annotated[str, Field(min_length=8, max_length=16, pattern=r"^\+\d+$")]] = Field(
        min_length=1, max_length=10000
    )


def campaigns_router(
    settings: Settings, store: CampaignStore, clock: Any = system_clock
) -> APIRouter:
    """The campaign API on ``store``."""
    router = APIRouter()
    guard = [Depends(require(Action.RUN_CAMPAIGNS))]

    def not_found(exc: CampaignNotFound) -> HTTPException:
        return HTTPException(404, "no such campaign")

    @router.post("/api/campaigns", status_code=201)
    async def create(
        body: CampaignIn, key: Annotated[KeyInfo, Depends(require(Action.RUN_CAMPAIGNS))]
    ) -> dict[str, Any]:
        try:
            script_id, targets = await asyncio.to_thread(_targets, store, body)
            for t in targets:
                check_dial_number(settings.auth, t.phone)
            overrides = body.model_dump(
                include={"window", "country_windows", "holidays", "max_attempts", "retry_s"},
                mode="json",
            )
            policy = policy_json(settings.campaigns, overrides)
            campaign_id = await asyncio.to_thread(
                store.create,
                name=body.name,
                script_id=script_id,
                job_id=body.job_id,
                targets=targets,
                policy=policy,
                now=clock(),
                actor=key.key_id,
                max_concurrent=body.max_concurrent,
                calls_per_second=body.calls_per_second,
            )
        except LookupError as exc:
            raise HTTPException(404, str(exc)) from exc
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from exc
        return await asyncio.to_thread(store.status, campaign_id, clock())

    @router.get("/api/campaigns", dependencies=guard)
    async def list_campaigns() -> list[dict[str, Any]]:
        return await asyncio.to_thread(store.list_campaigns)

    @router.get("/api/campaigns/{campaign_id}", dependencies=guard)
    async def status(campaign_id: Annotated[str, _ID]) -> dict[str, Any]:
        try:
            return await asyncio.to_thread(store.status, campaign_id, clock())
        except CampaignNotFound as exc:
            raise not_found(exc) from exc

    @router.get("/api/campaigns/{campaign_id}/attempts", dependencies=guard)
    async def attempts(campaign_id: Annotated[str, _ID]) -> list[dict[str, Any]]:
        try:
            return await asyncio.to_thread(store.attempts, campaign_id)
        except CampaignNotFound as exc:
            raise not_found(exc) from exc

    @router.post("/api/campaigns/{campaign_id}/{action}")
    async def change(
        campaign_id: Annotated[str, _ID],
        action: Literal["pause", "resume", "cancel"],
        key: Annotated[KeyInfo, Depends(require(Action.RUN_CAMPAIGNS))],
    ) -> dict[str, Any]:
        try:
            await asyncio.to_thread(
                store.set_state, campaign_id, action, now=clock(), actor=key.key_id
            )
            return await asyncio.to_thread(store.status, campaign_id, clock())
        except CampaignNotFound as exc:
            raise not_found(exc) from exc
        except StateError as exc:
            raise HTTPException(409, str(exc)) from exc

    @router.post("/api/dnc", dependencies=guard)
    async def add_dnc(body: DncIn) -> dict[str, int]:
        added = await asyncio.to_thread(store.add_dnc, body.phones, now=clock(), source="api")
        return {"added": added}

    @router.post(CAMPAIGN_STATUS_PATH)
    async def campaign_status(request: Request) -> Response:
        form = await twilio_form(settings, request)
        try:
            callback = parse_status_callback(form)
        except ProtocolError as exc:
            raise HTTPException(400, str(exc)) from exc
        attempt_id = request.query_params.get("attempt")
        known = await asyncio.to_thread(
            store.carrier_event,
            callback.call_sid,
            clock(),
            attempt_id=attempt_id[:64] if attempt_id else None,
            status=callback.call_status,
            answered_by=callback.answered_by,
            sip_code=callback.params.get("SipResponseCode"),
        )
        if not known:
            log.warning("campaign status for unknown call %s", callback.call_sid[:40])
        return Response(status_code=204)

    return router


def _targets(store: CampaignStore, body: CampaignIn) -> tuple[str, list[Target]]:
    """The script and candidates of a new campaign: as given, or the job's eligible candidates
    with a phone and a time zone (and the job's script unless one is given).

    Raises:
        LookupError: no such job. ValueError: nobody to call, or no script.
    """
    script_id = body.script_id
    if body.job_id is not None and (body.candidates is None or script_id is None):
        with store.db.session() as session:
            job = session.get(Job, body.job_id)
            if job is None:
                raise LookupError(f"no job {body.job_id}")
            script_id = script_id or job.script_id
            if body.candidates is None:
                rows = session.scalars(
                    select(Candidate)
                    .where(
                        Candidate.job_id == body.job_id,
                        Candidate.eligibility == "eligible",
                        Candidate.phone.is_not(None),
                        Candidate.timezone.is_not(None),
                    )
                    .order_by(Candidate.created_at, Candidate.candidate_id)
                    .limit(MAX_CANDIDATES)
                ).all()
                targets = [
                    Target(c.candidate_id, str(c.phone), str(c.timezone), c.language, c.name)
                    for c in rows
                ]
                if not targets:
                    raise ValueError(f"job {body.job_id} has no eligible candidate to call")
                return script_id, targets
    if script_id is None:
        raise ValueError("script_id is required (or a job_id whose script to use)")
    if not body.candidates:
        raise ValueError("give candidates, or a job_id whose eligible candidates to call")
    return script_id, [Target(**c.model_dump()) for c in body.candidates]


@asynccontextmanager
async def campaigns_lifespan(
    settings: Settings, store: CampaignStore, access: Access
) -> AsyncIterator[None]:
    """App lifespan part: a dialer worker when ``campaigns.dialer`` is on."""
    if not settings.campaigns.dialer:
        yield
        return
    carrier: TwilioCarrier | FreeSwitchCarrier
    if settings.campaigns.carrier == "freeswitch":
        carrier = FreeSwitchCarrier(settings, store)
        await carrier.connect()
    else:
        carrier = TwilioCarrier(settings, access)
    dialer = Dialer(
        store, carrier, check_number=lambda phone: check_dial_number(settings.auth, phone)
    )
    stop = asyncio.Event()
    task = asyncio.create_task(dialer.run(stop, settings.campaigns.poll_s))
    log.info("campaign dialer %s started", dialer.worker_id)
    try:
        yield
    finally:
        stop.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await carrier.aclose()


def interview_hook(
    store: CampaignStore, clock: Any = system_clock
) -> Callable[[CallRecord], Awaitable[None]]:
    """The ``Runtime.call_end_hooks`` entry that tells a campaign how its call's interview
    ended (opt-out, callback request with the candidate's words, consent)."""

    async def hook(record: CallRecord) -> None:
        if record.transport != "twilio" or not record.carrier_call_id:
            return
        started = datetime.fromisoformat(record.started_at) if record.started_at else None
        await asyncio.to_thread(
            store.interview_ended,
            record.carrier_call_id,
            clock(),
            interview_outcome=record.outcome,
            callback_text=record.records.get("callback_time"),
            consent=record.records.get("consent") is True,
            consent_at=started,
            report_id=record.call_id,
        )

    return hook


def campaign_store(settings: Settings, db: Database) -> CampaignStore:
    """The campaign store of a server."""
    return CampaignStore(db, settings.campaigns)
