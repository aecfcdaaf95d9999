"""``POST /integrations/successfactors/events``: the Intelligent Services event "Update of Job
Application Status" from SuccessFactors' Integration Center (REST destination, JSON). The
destination authenticates with one of our API keys (allowed ``ats``): as the Basic password
(or user name), or as ``Authorization: Bearer``. The event is only recorded (one outbox event
per application); :mod:`agent.delivery.successfactors` does the work, with retries."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from agent.auth.guard import Access, Action, Denied, access_of
from agent.delivery.successfactors import STATUS_EVENT, PayloadError, application_ids
from agent.store.apikeys import KeyInfo
from agent.store.outbox import enqueue


def _credential(request: Request) -> str | None:
    """Bearer key, or Basic where the key is the password (or the user name)."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() != "basic" or len(value) > 1024:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    user, _, password = decoded.partition(":")
    return password if password.startswith("slk_") else (user or None)


async def _key(request: Request) -> KeyInfo:
    access = access_of(request)
    try:
        key = await access.key(_credential(request), Action.ATS)
    except Denied as exc:
        headers = {"WWW-Authenticate": 'Basic realm="screenline"'} if exc.status == 401 else None
        raise HTTPException(exc.status, exc.detail, headers=headers) from exc
    if not access.settings.delivery.successfactors.enabled:  # said only to a valid key
        raise HTTPException(404, "the SuccessFactors integration is off")
    return key


def _record(access: Access, ids: list[str], raw: bytes) -> list[str]:
    digest = hashlib.sha256(raw).hexdigest()[:32]
    with access.keys.db.session() as session:
        return [
            enqueue(
                session,
                STATUS_EVENT,
                {"application_id": application},
                # The same notification sent twice is one event; a later status change is new.
                idempotency_key=f"successfactors:status:{application}:{digest}",
            )
            for application in ids
        ]


def successfactors_router() -> APIRouter:
    """The SuccessFactors event endpoint."""
    router = APIRouter(prefix="/integrations/successfactors", tags=["successfactors"])

    @router.post("/events", status_code=202)
    async def status_event(request: Request) -> dict[str, Any]:
        """Record an "Update of Job Application Status" event (202; the work follows)."""
        await _key(request)
        raw = await request.body()  # bounded by the BodyLimits middleware
        try:
            ids = application_ids(json.loads(raw or b"null"))
        except (ValueError, PayloadError) as exc:
            raise HTTPException(422, f"not an application status event: {exc}"[:200]) from exc
        events = await asyncio.to_thread(_record, access_of(request), ids, raw)
        return {"accepted": len(ids), "event_ids": events}

    return router
