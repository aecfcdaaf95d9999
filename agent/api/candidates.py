"""REST routes for one candidate: ``GET``/``DELETE /api/candidates/{id}`` (DELETE is the
privacy erase), ``GET .../export`` (everything stored about them) and ``POST .../invitations``
(a signed, expiring link to the browser interview, bound to the candidate and the job's
script)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from agent.api.hrcommon import ID_PATTERN, db_of, run_blocking, runtime_of
from agent.auth.guard import Action, access_of, require
from agent.hr import repo
from agent.store.apikeys import KeyInfo

CandidateId = Annotated[str, Path(pattern=ID_PATTERN)]
Manage = Annotated[KeyInfo, Depends(require(Action.MANAGE_CANDIDATES))]
Erase = Annotated[KeyInfo, Depends(require(Action.ERASE_DATA))]


class InvitationBody(BaseModel):
    """Body of ``POST /api/candidates/{id}/invitations`` (optional)."""

    ttl_s: float | None = Field(default=None, gt=0, le=30 * 24 * 3600)


def candidates_router() -> APIRouter:
    """The per-candidate routes."""
    router = APIRouter(tags=["candidates"])

    @router.get("/api/candidates/{candidate_id}")
    async def get_candidate(
        candidate_id: CandidateId, request: Request, _key: Manage
    ) -> dict[str, Any]:
        return await run_blocking(repo.get_candidate, db_of(request), candidate_id)

    @router.delete("/api/candidates/{candidate_id}")
    async def erase_candidate(
        candidate_id: CandidateId, request: Request, key: Erase
    ) -> dict[str, Any]:
        """Erase the candidate with their calls, turns, reports, recordings and journal
        files; an audit row (counts only) remains."""
        settings = runtime_of(request).settings
        erased = await run_blocking(
            repo.erase_candidate, db_of(request), settings, candidate_id, key.key_id
        )
        return {"erased": candidate_id, **erased.__dict__}

    @router.get("/api/candidates/{candidate_id}/export")
    async def export_candidate(
        candidate_id: CandidateId, request: Request, key: Manage
    ) -> dict[str, Any]:
        return await run_blocking(repo.export_candidate, db_of(request), candidate_id, key.key_id)

    @router.post("/api/candidates/{candidate_id}/invitations", status_code=201)
    async def invite(
        candidate_id: CandidateId,
        request: Request,
        key: Manage,
        body: InvitationBody | None = None,
    ) -> dict[str, Any]:
        """A link to the browser interview for this candidate (409 when ineligible)."""
        db = db_of(request)
        candidate, script_id = await run_blocking(repo.invitation_target, db, candidate_id)
        access = access_of(request)
        token = access.invitation(candidate, script_id, body.ttl_s if body else None)
        expires_at = access.check_invitation(token).expires_at
        await run_blocking(repo.note_invitation, db, candidate, key.key_id, expires_at)
        return {
            "candidate_id": candidate,
            "script_id": script_id,
            "url": access.invitation_url(token),
            "expires_at": expires_at,
        }

    return router
