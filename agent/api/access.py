"""REST routes that hand out signed tokens: invitation links for candidates, call tokens for
``/ws/call`` clients that should not hold a key."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from agent.auth.guard import Action, access_of, require
from dialogue.script import ScriptError


class InvitationRequest(BaseModel):
    """Body of ``POST /api/invitations``."""

    candidate_id: str = Field(min_length=1, max_length=200)
    script_id: str = Field(min_length=1, max_length=200)
    ttl_s: float | None = Field(default=None, gt=0, le=30 * 24 * 3600)


def access_router() -> APIRouter:
    """``POST /api/invitations`` (recruiter, admin) and ``POST /api/call-tokens``."""
    router = APIRouter()

    @router.post(
        "/api/invitations", status_code=201, dependencies=[Depends(require(Action.INVITE))]
    )
    async def create_invitation(body: InvitationRequest, request: Request) -> dict[str, Any]:
        access = access_of(request)
        runtime = request.app.state.runtime
        try:  # a link to a script that does not exist helps nobody
            await asyncio.to_thread(runtime.script, body.script_id)
        except (ScriptError, OSError) as exc:
            raise HTTPException(422, f"unknown script {body.script_id!r}") from exc
        token = access.invitation(body.candidate_id, body.script_id, body.ttl_s)
        claims = access.check_invitation(token)
        return {"url": access.invitation_url(token), "expires_at": claims.expires_at}

    @router.post(
        "/api/call-tokens", status_code=201, dependencies=[Depends(require(Action.TEST_CALLS))]
    )
    async def create_call_token(request: Request) -> dict[str, Any]:
        access = access_of(request)
        return {"token": access.call_token(), "ttl_s": access.settings.auth.call_token_ttl_s}

    return router
