"""REST routes of access control: invitation links for candidates, call tokens for ``/ws/call``
clients that should not hold a key, and API key management (admin)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from agent.auth.guard import Action, access_of, allowed, require
from agent.auth.keys import Role
from agent.calls.limits import InputError
from agent.hr.repo import Conflict, NotFound, invitation_target
from agent.store.apikeys import MAX_NAME, KeyInfo
from dialogue.script import ScriptError


class InvitationRequest(BaseModel):
    """Body of ``POST /api/invitations``."""

    candidate_id: str = Field(min_length=1, max_length=200)
    script_id: str = Field(min_length=1, max_length=200)
    ttl_s: float | None = Field(default=None, gt=0, le=30 * 24 * 3600)


class CallTokenRequest(BaseModel):
    """Body of ``POST /api/call-tokens`` (optional): the candidate the call is for."""

    candidate_id: str | None = Field(default=None, min_length=1, max_length=200)


class KeyRequest(BaseModel):
    """Body of ``POST /api/keys``."""

    role: Role
    name: str = Field(default="", max_length=MAX_NAME)


def _key_json(info: KeyInfo) -> dict[str, Any]:
    return {
        "key_id": info.key_id,
        "role": str(info.role),
        "name": info.name,
        "created_at": info.created_at.isoformat(),
        "revoked_at": info.revoked_at.isoformat() if info.revoked_at else None,
    }


def access_router() -> APIRouter:
    """``POST /api/invitations``, ``POST /api/call-tokens`` and ``/api/keys``."""
    router = APIRouter()
    admin = [Depends(require(Action.MANAGE_KEYS))]

    @router.get("/api/keys", dependencies=admin)
    async def list_keys(request: Request) -> list[dict[str, Any]]:
        keys = await asyncio.to_thread(access_of(request).keys.list)
        return [_key_json(info) for info in keys]

    @router.post("/api/keys", status_code=201, dependencies=admin)
    async def create_key(body: KeyRequest, request: Request) -> dict[str, Any]:
        """A new key; the response is the only time its secret is shown."""
        store = access_of(request).keys
        info, secret = await asyncio.to_thread(store.create, body.role, body.name)
        return {**_key_json(info), "key": secret}

    @router.delete("/api/keys/{key_id}", status_code=204, dependencies=admin)
    async def revoke_key(key_id: str, request: Request) -> None:
        if not await asyncio.to_thread(access_of(request).keys.revoke, key_id[:32]):
            raise HTTPException(404, "no such active key")

    @router.post(
        "/api/invitations", status_code=201, dependencies=[Depends(require(Action.INVITE))]
    )
    async def create_invitation(body: InvitationRequest, request: Request) -> dict[str, Any]:
        access = access_of(request)
        runtime = request.app.state.runtime
        try:  # a link to a script that does not exist helps nobody
            await asyncio.to_thread(runtime.script, body.script_id)
        except (ScriptError, OSError, InputError) as exc:  # InputError: not an id, or unknown
            raise HTTPException(422, f"unknown script {body.script_id[:64]!r}") from exc
        token = access.invitation(body.candidate_id, body.script_id, body.ttl_s)
        claims = access.check_invitation(token)
        return {"url": access.invitation_url(token), "expires_at": claims.expires_at}

    @router.post("/api/call-tokens", status_code=201)
    async def create_call_token(
        request: Request,
        key: Annotated[KeyInfo, Depends(require(Action.TEST_CALLS))],
        body: CallTokenRequest | None = None,
    ) -> dict[str, Any]:
        """A token for one ``/ws/call`` session: a test call, or with ``candidate_id`` that
        candidate's interview (a role that manages candidates only; the candidate must exist)."""
        access = access_of(request)
        candidate = body.candidate_id if body else None
        if candidate is not None:
            if not allowed(key.role, Action.MANAGE_CANDIDATES):
                raise HTTPException(403, f"role {key.role} may not {Action.MANAGE_CANDIDATES}")
            try:
                await asyncio.to_thread(invitation_target, access.keys.db, candidate)
            except NotFound as exc:
                raise HTTPException(404, "no such candidate") from exc
            except Conflict as exc:
                raise HTTPException(409, str(exc)) from exc
        token = access.call_token(candidate_id=candidate)
        return {
            "token": token,
            "ttl_s": access.settings.auth.call_token_ttl_s,
            "candidate_id": candidate,
        }

    return router
