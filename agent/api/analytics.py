"""REST routes of outcome feedback and validity (issue 14 item 5): post-hire outcomes per
candidate, and a job's validity and adverse-impact analysis (recruiter and admin keys)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool, model_validator

from agent.analytics.job import UnknownJob, job_analytics
from agent.analytics.outcomes import FIELDS, UnknownCandidate, outcomes_of, record_outcome
from agent.api.hrcommon import ID_PATTERN, db_of
from agent.auth.guard import Action, require
from agent.calls.limits import InputError
from agent.store.apikeys import KeyInfo
from dialogue.script import Script, ScriptError

log = logging.getLogger(__name__)

_ID = Path(pattern=ID_PATTERN)
#: How far in the future a ``recorded_at`` may be (clock skew between systems).
_SKEW = timedelta(days=1)
#: The caller's key, allowed to record outcomes (module level: FastAPI resolves the annotation
#: in this module's namespace).
OutcomeWriter = Annotated[KeyInfo, Depends(require(Action.RECORD_OUTCOMES))]


class OutcomeRequest(BaseModel):
    """Body of ``POST /api/candidates/{id}/outcomes``: at least one outcome."""

    model_config = ConfigDict(extra="forbid")

    performance_rating: float | None = Field(
        default=None, ge=0, le=100, allow_inf_nan=False, strict=True,
        description="The employer's performance rating on its own scale (0-100: 1-5, 1-10 fit)",
    )  # fmt: skip
    complaint_rate: float | None = Field(
        default=None, ge=0, le=1000, allow_inf_nan=False, strict=True,
        description="Customer complaints per period or per 100 contacts (lower is better)",
    )  # fmt: skip
    retained_90d: StrictBool | None = Field(
        default=None, description="Still employed 90 days after hire"
    )
    recorded_at: AwareDatetime | None = Field(
        default=None, description="When the HR system measured it (default: now)"
    )
    source: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[\w .:@/-]+$",
        description="Label of the reporting system (default: the API key id)",
    )  # fmt: skip

    @model_validator(mode="after")
    def _some_outcome(self) -> OutcomeRequest:
        if all(getattr(self, name) is None for name in FIELDS):
            raise ValueError(f"give at least one of {', '.join(FIELDS)}")
        if self.recorded_at is not None and self.recorded_at > datetime.now(UTC) + _SKEW:
            raise ValueError("recorded_at is in the future")
        return self


def analytics_router() -> APIRouter:
    """``/api/candidates/{id}/outcomes`` (POST, GET) and ``GET /api/jobs/{id}/analytics``."""
    router = APIRouter(tags=["analytics"])
    reader = require(Action.READ_ANALYTICS)

    @router.post("/api/candidates/{candidate_id}/outcomes", status_code=201)
    async def post_outcome(
        body: OutcomeRequest,
        request: Request,
        key: OutcomeWriter,
        candidate_id: Annotated[str, _ID],
    ) -> dict[str, Any]:
        """Record post-hire outcomes of a candidate (each post is kept; the latest value of
        each field counts in the analysis)."""
        values = body.model_dump(include=set(FIELDS))

        def store() -> dict[str, Any]:
            with db_of(request).session() as session:
                return record_outcome(
                    session,
                    candidate_id,
                    values,
                    source=body.source or f"key:{key.key_id}",
                    actor=key.key_id,
                    recorded_at=body.recorded_at,
                ).to_dict()

        try:
            return await asyncio.to_thread(store)
        except UnknownCandidate as exc:
            raise HTTPException(404, "no such candidate") from exc

    @router.get("/api/candidates/{candidate_id}/outcomes", dependencies=[Depends(reader)])
    async def get_outcomes(
        request: Request, candidate_id: Annotated[str, _ID]
    ) -> list[dict[str, Any]]:
        """Every outcome report of a candidate, oldest first."""

        def load() -> list[dict[str, Any]]:
            with db_of(request).session() as session:
                return [r.to_dict() for r in outcomes_of(session, candidate_id)]

        try:
            return await asyncio.to_thread(load)
        except UnknownCandidate as exc:
            raise HTTPException(404, "no such candidate") from exc

    @router.get("/api/jobs/{job_id}/analytics", dependencies=[Depends(reader)])
    async def get_analytics(request: Request, job_id: Annotated[str, _ID]) -> dict[str, Any]:
        """Per dimension and outcome: Pearson and Spearman r with 95 % intervals and n;
        suggested weights (never applied); the four-fifths table per self-reported group."""
        runtime = request.app.state.runtime
        settings = runtime.settings

        def script_for(script_id: str) -> Script | None:
            try:
                script: Script = runtime.script(script_id)
            except (ScriptError, InputError, OSError) as exc:
                log.warning("analytics: script %r not loadable: %s", script_id[:64], exc)
                return None
            return script

        def load() -> dict[str, Any]:
            with db_of(request).session() as session:
                result = job_analytics(session, job_id, settings.analytics, script_for)
            return result.to_dict()

        try:
            return await asyncio.to_thread(load)
        except UnknownJob as exc:
            raise HTTPException(404, "no such job") from exc

    return router
