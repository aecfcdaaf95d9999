"""Who may use what: the one place every entry point asks (DESIGN.md decision 10).

REST routes declare ``dependencies=[Depends(require(Action.X))]``; the role matrix is
:data:`PERMISSIONS`. Keys arrive as ``Authorization: Bearer <key>``. Fail-closed: no key, an
unknown, revoked or malformed key, or an unreachable key store is 401; a key whose role lacks
the action is 403; both with a JSON body (``{"detail": ...}``).

Media entry points take signed tokens (:mod:`agent.auth.tokens`) made with the server secret:
``/ws/call`` a key or a call token, the candidate page and its WebRTC signalling an invitation,
the Twilio media stream the parameter our TwiML carries.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, HTTPException, Request, WebSocket
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection

from agent.auth.keys import Role
from agent.auth.limiter import note_failure
from agent.auth.secret import server_secret
from agent.auth.tokens import Purpose, TokenError, sign, verify
from agent.settings import Settings
from agent.store.apikeys import KeyInfo, KeyStore
from agent.store.db import Database
from agent.store.invitations import InvitationStore
from agent.store.tables import Candidate

log = logging.getLogger(__name__)

INVITE_HEADER = "X-Screenline-Invite"
USED_INVITATION = "this invitation link has been used already; ask the recruiter for a new one"
_MAX_ID = 200


class Action(StrEnum):
    """Things a key can be allowed to do."""

    READ_REPORTS = "read_reports"  # GET /api/reports/{id}
    READ_CALLS = "read_calls"  # GET /api/calls/{sid} (call progress, phone numbers)
    PLACE_CALLS = "place_calls"  # POST /api/calls
    ROUTE_CALLS = "route_calls"  # POST /api/audiosocket/expect
    INVITE = "invite"  # POST /api/invitations
    TEST_CALLS = "test_calls"  # /ws/call with a key, POST /api/call-tokens
    MANAGE_KEYS = "manage_keys"  # /api/keys
    DELIVERIES = "deliveries"  # /api/deliveries (delivery log, replay)
    ATS = "ats"  # /integrations/greenhouse/*, /integrations/successfactors/* (the HR system)
    RUN_CAMPAIGNS = "run_campaigns"  # /api/campaigns..., /api/dnc
    MONITOR = "monitor"  # /qa: live calls, listen in, flag, take over, end (agent/api/monitor.py)
    READ_RECORDINGS = "read_recordings"  # GET /api/calls/{id}/recording
    MANAGE_JOBS = "manage_jobs"  # /api/jobs (create, change, delete; reading too)
    MANAGE_CANDIDATES = "manage_candidates"  # import, read, export, invite candidates
    REVIEW_REPORTS = "review_reports"  # POST /api/reports/{id}/reviews
    ERASE_DATA = "erase_data"  # DELETE /api/candidates/{id} (privacy erase)
    RECORD_OUTCOMES = "record_outcomes"  # POST /api/candidates/{id}/outcomes
    READ_ANALYTICS = "read_analytics"  # GET .../outcomes, /api/jobs/{id}/analytics


#: The role matrix (README "Access control" shows the same table).
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.READ_REPORTS: frozenset({Role.ADMIN, Role.RECRUITER}),
    Action.READ_CALLS: frozenset({Role.ADMIN, Role.RECRUITER}),
    Action.PLACE_CALLS: frozenset({Role.ADMIN, Role.RECRUITER}),
    Action.ROUTE_CALLS: frozenset({Role.ADMIN, Role.RECRUITER}),
    Action.INVITE: frozenset({Role.ADMIN, Role.RECRUITER}),
    Action.TEST_CALLS: frozenset({Role.ADMIN, Role.RECRUITER, Role.QA}),
    Action.MANAGE_KEYS: frozenset({Role.ADMIN}),
    Action.DELIVERIES: frozenset({Role.ADMIN, Role.RECRUITER}),
    Action.ATS: frozenset({Role.ADMIN, Role.RECRUITER}),
    Action.RUN_CAMPAIGNS: frozenset({Role.ADMIN, Role.RECRUITER}),
    Action.MONITOR: frozenset({Role.ADMIN, Role.QA}),
    Action.READ_RECORDINGS: frozenset({Role.ADMIN, Role.RECRUITER, Role.QA}),
    Action.MANAGE_JOBS: frozenset({Role.ADMIN, Role.RECRUITER}),
    Action.MANAGE_CANDIDATES: frozenset({Role.ADMIN, Role.RECRUITER}),
    Action.REVIEW_REPORTS: frozenset({Role.ADMIN, Role.RECRUITER}),
    Action.ERASE_DATA: frozenset({Role.ADMIN, Role.RECRUITER}),
    Action.RECORD_OUTCOMES: frozenset({Role.ADMIN, Role.RECRUITER}),
    Action.READ_ANALYTICS: frozenset({Role.ADMIN, Role.RECRUITER}),
}


def allowed(role: Role, action: Action) -> bool:
    """Whether ``role`` may do ``action``."""
    return role in PERMISSIONS[action]


class Denied(Exception):
    """A request refused: ``status`` 401 (who are you?), 403 (not you), 410 (an invitation
    spent already) or 503 (a store that cannot say)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Invitation:
    """What a valid invitation link grants: one interview, for this candidate and script."""

    candidate_id: str
    script_id: str
    expires_at: int
    token: str = field(default="", repr=False)  # the link's token (redeemed once)


@dataclass(frozen=True)
class CallGrant:
    """What a ``/ws/call`` credential may name as the call's candidate.

    A call token minted for a candidate (``candidate_id``) names that candidate and no other; a
    key whose role manages candidates (``may_name``) names any; anything else (a QA key, an
    unbound call token) makes test calls, whose candidate id must not be one of ours.
    """

    candidate_id: str | None = None
    may_name: bool = False


@dataclass(frozen=True)
class StreamGrant:
    """What the signed parameter of our TwiML ``<Stream>`` says about the call."""

    candidate_id: str
    script_id: str | None
    call_sid: str | None


class Access:
    """The key store and server secret of one server, with the checks built on them."""

    def __init__(
        self,
        settings: Settings,
        keys: KeyStore,
        secret: bytes,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.keys = keys
        self._secret = secret
        self._clock = clock
        self.invites = InvitationStore(keys.db)

    @classmethod
    def from_settings(cls, settings: Settings, db: Database | None = None) -> Access:
        """Access for ``settings`` (the database is migrated first by the caller)."""
        keys = KeyStore(db or Database.from_settings(settings))
        return cls(settings, keys, server_secret(settings))

    def with_clock(self, clock: Callable[[], float]) -> Access:
        """The same keys and secret on another clock (tests mint expired tokens with it)."""
        return Access(self.settings, self.keys, self._secret, clock)

    # --- keys -----------------------------------------------------------------------------

    async def key(self, text: str | None, action: Action) -> KeyInfo:
        """The key ``text`` if it may do ``action``; raises :class:`Denied` otherwise."""
        if not text:
            raise Denied(401, "an API key is required (Authorization: Bearer <key>)")
        try:
            info = await asyncio.to_thread(self.keys.authenticate, text)
        except Exception as exc:  # the key store is down: nobody gets in
            log.error("key store unavailable: %s", type(exc).__name__)
            raise Denied(401, "key store unavailable") from exc
        if info is None:
            raise _failed("invalid or revoked API key")
        if not allowed(info.role, action):
            raise Denied(403, f"role {info.role} may not {action}")
        return info

    # --- signed tokens --------------------------------------------------------------------

    def _sign(self, purpose: Purpose, claims: dict[str, Any], ttl_s: float) -> str:
        return sign(self._secret, purpose, claims, ttl_s=ttl_s, now=self._clock())

    def _verify(self, token: str | None, purpose: Purpose) -> dict[str, Any]:
        try:
            return verify(self._secret, token or "", purpose, now=self._clock())
        except TokenError as exc:
            raise _failed(f"{purpose} token refused: {exc}") from exc

    def call_token(self, ttl_s: float | None = None, candidate_id: str | None = None) -> str:
        """A short-lived token that opens one ``/ws/call`` session; with ``candidate_id``, the
        call is that candidate's interview (its ``start`` must name them)."""
        claims: dict[str, Any] = {}
        if candidate_id is not None:
            _check_id("candidate id", candidate_id)
            claims["cand"] = candidate_id
        return self._sign(Purpose.CALL, claims, ttl_s or self.settings.auth.call_token_ttl_s)

    def invitation(self, candidate_id: str, script_id: str, ttl_s: float | None = None) -> str:
        """The token of an invitation link for ``candidate_id`` to take ``script_id``."""
        _check_id("candidate id", candidate_id)
        _check_id("script id", script_id)
        # The nonce tells apart two links minted in one second: each is spent on its own.
        claims = {"cand": candidate_id, "script": script_id, "n": secrets.token_urlsafe(9)}
        return self._sign(Purpose.INVITE, claims, ttl_s or self.settings.auth.invite_ttl_s)

    def invitation_url(self, token: str) -> str:
        """The link a candidate opens (public URL when set, else the server's own address)."""
        return f"{http_base(self.settings)}/interview?{urlencode({'invite': token})}"

    def check_invitation(self, token: str | None) -> Invitation:
        """The invitation ``token`` grants; raises :class:`Denied` when it grants nothing."""
        claims = self._verify(token, Purpose.INVITE)
        cand, script = claims.get("cand"), claims.get("script")
        if not (isinstance(cand, str) and isinstance(script, str)):
            raise _failed("invite token refused: incomplete claims")
        return Invitation(cand, script, int(claims["exp"]), token or "")

    async def redeem_invitation(self, invite: Invitation) -> None:
        """Spend ``invite`` on the interview it starts; raises :class:`Denied` (410) when it
        was spent before, 503 when the store cannot say (fail-closed)."""
        try:
            fresh = await asyncio.to_thread(
                self.invites.redeem, invite.token, invite.candidate_id, invite.expires_at
            )
        except Exception as exc:
            log.error("invitation store unavailable: %s", type(exc).__name__)
            raise Denied(503, "invitation store unavailable; try again shortly") from exc
        if not fresh:
            raise Denied(410, USED_INVITATION)

    async def release_invitation(self, invite: Invitation) -> None:
        """Give back a redemption whose interview never started (the offer failed)."""
        try:
            await asyncio.to_thread(self.invites.release, invite.token)
        except Exception as exc:  # the link stays spent: the recruiter can send a new one
            log.error("invitation %s not released: %s", invite.candidate_id, type(exc).__name__)

    async def invitation_used(self, invite: Invitation) -> bool:
        """Whether ``invite`` has started its interview already."""
        return await asyncio.to_thread(self.invites.used, invite.token)

    def stream_token(self, candidate_id: str, script_id: str | None, call_sid: str | None) -> str:
        """The signed ``token`` parameter of a TwiML ``<Stream>``."""
        claims: dict[str, Any] = {"cand": candidate_id[:_MAX_ID]}
        if script_id:
            claims["script"] = script_id[:_MAX_ID]
        if call_sid:
            claims["sid"] = call_sid[:_MAX_ID]
        return self._sign(Purpose.TWILIO_STREAM, claims, self.settings.auth.stream_token_ttl_s)

    def check_stream(self, token: str | None, call_sid: str) -> StreamGrant:
        """What a Twilio stream's ``start`` may do; raises :class:`Denied` for a forged,
        expired or other call's parameter."""
        claims = self._verify(token, Purpose.TWILIO_STREAM)
        sid = claims.get("sid")
        if sid is not None and sid != call_sid:
            raise _failed("twilio-stream token refused: minted for another call")
        cand = claims.get("cand")
        if not isinstance(cand, str):
            raise _failed("twilio-stream token refused: incomplete claims")
        script = claims.get("script")
        return StreamGrant(cand, script if isinstance(script, str) else None, sid)

    def monitor_ticket(self, key: KeyInfo) -> str:
        """A short-lived ticket a QA page opens its monitor sockets with (the key itself never
        goes in a URL or a socket message that might be logged)."""
        claims = {"key": key.key_id, "role": str(key.role)}
        return self._sign(Purpose.MONITOR, claims, self.settings.monitor.ticket_ttl_s)

    async def check_monitor_ticket(self, ticket: str | None) -> str:
        """The key id a monitor ticket was minted for, while that key is live and may
        monitor; raises :class:`Denied` otherwise (a revoked key's tickets stop at once)."""
        claims = self._verify(ticket, Purpose.MONITOR)
        key_id = claims.get("key")
        if not isinstance(key_id, str):
            raise _failed("monitor token refused: incomplete claims")
        try:
            info = await asyncio.to_thread(self.keys.active, key_id)
        except Exception as exc:  # the key store is down: nobody gets in
            raise Denied(401, "key store unavailable") from exc
        if info is None:
            raise _failed("monitor token refused: its key is revoked")
        if not allowed(info.role, Action.MONITOR):
            raise Denied(403, f"role {info.role} may not {Action.MONITOR}")
        return key_id

    def recording_token(self, call_id: str, ttl_s: float = 3600.0) -> str:
        """A token that fetches ``call_id``'s recording (the report page's audio player)."""
        _check_id("call id", call_id)
        return self._sign(Purpose.RECORDING, {"call": call_id}, ttl_s)

    def check_recording_token(self, token: str | None, call_id: str) -> None:
        """Raises :class:`Denied` unless ``token`` grants ``call_id``'s recording."""
        if self._verify(token, Purpose.RECORDING).get("call") != call_id:
            raise _failed("recording token refused: minted for another call")

    async def call_socket(self, token: str | None) -> CallGrant:
        """``/ws/call``: a key allowed to make test calls, or a valid call token; what it may
        name as the call's candidate."""
        if token and token.startswith("slk_"):
            info = await self.key(token, Action.TEST_CALLS)
            return CallGrant(may_name=allowed(info.role, Action.MANAGE_CANDIDATES))
        if token:
            cand = self._verify(token, Purpose.CALL).get("cand")
            return CallGrant(candidate_id=cand if isinstance(cand, str) else None)
        raise Denied(401, "a key or call token is required (Authorization or ?token=)")

    async def check_call_candidate(self, grant: CallGrant, named: str) -> None:
        """Raises :class:`Denied` (403) unless ``grant`` may start a call for ``named``: a
        bound token names its own candidate only; a test call names none of ours."""
        if grant.candidate_id is not None:
            if named != grant.candidate_id:
                raise Denied(403, "this call token was minted for another candidate")
            return
        if grant.may_name:
            return
        try:
            ours = await asyncio.to_thread(self._is_candidate, named)
        except Exception as exc:  # cannot tell: refuse rather than link a stranger's call
            raise Denied(503, "candidate store unavailable") from exc
        if ours:
            raise Denied(
                403,
                "a call for a candidate needs a call token minted for them"
                " (POST /api/call-tokens with candidate_id) or a recruiter key",
            )

    def _is_candidate(self, candidate_id: str) -> bool:
        # The same truncation the call row uses to link a call (agent/store/calls.py).
        with self.keys.db.session() as session:
            return session.get(Candidate, candidate_id[:32]) is not None


def _failed(detail: str) -> Denied:
    """A 401 for a credential that is wrong (not merely missing), charged to the client's
    address by the failed-authentication limit (:mod:`agent.auth.limiter`)."""
    note_failure()
    return Denied(401, detail)


def _check_id(what: str, value: str) -> None:
    if not value or len(value) > _MAX_ID:
        raise ValueError(f"{what} must be 1-{_MAX_ID} characters")


def http_base(settings: Settings) -> str:
    """``http(s)://host[:port][/prefix]`` people and HR systems reach this server at."""
    if settings.public_url:
        raw = settings.public_url
        parts = urlsplit(raw if "://" in raw else f"https://{raw}")
        scheme = "http" if parts.scheme in ("http", "ws") else "https"
        return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    return f"http://{settings.host}:{settings.port}"


def access_of(connection: HTTPConnection) -> Access:
    """The :class:`Access` of the app serving ``connection``."""
    access: Access = connection.app.state.access
    return access


# --- FastAPI dependencies -----------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, scheme_name="ApiKey", description="API key: slk_...")


def require(action: Action) -> Callable[..., Awaitable[KeyInfo]]:
    """A route dependency: the caller's key, which must be allowed ``action``."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> KeyInfo:
        try:
            return await access_of(request).key(
                credentials.credentials if credentials else None, action
            )
        except Denied as exc:
            raise _http(exc) from exc

    return dependency


# Declared as security schemes so the OpenAPI schema shows what each route needs.
_invite_header = APIKeyHeader(
    name=INVITE_HEADER, auto_error=False, scheme_name="Invitation", description="invitation"
)
_invite_query = APIKeyQuery(
    name="invite", auto_error=False, scheme_name="InvitationLink", description="invitation"
)


async def invitation(
    request: Request,
    header: Annotated[str | None, Depends(_invite_header)],
    query: Annotated[str | None, Depends(_invite_query)],
) -> Invitation:
    """A route dependency: the invitation in ``X-Screenline-Invite`` (or ``?invite=``)."""
    token = header or query
    try:
        return access_of(request).check_invitation(token)
    except Denied as exc:
        raise _http(exc) from exc


def _http(denied: Denied) -> HTTPException:
    headers = {"WWW-Authenticate": "Bearer"} if denied.status == 401 else None
    return HTTPException(denied.status, denied.detail, headers=headers)


def bearer_or_query(connection: HTTPConnection) -> str | None:
    """The credential of a WebSocket: ``Authorization: Bearer`` or a ``token`` query parameter
    (browsers cannot set headers on a WebSocket)."""
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return connection.query_params.get("token") or None


async def deny_websocket(websocket: WebSocket, denied: Denied) -> None:
    """Refuse a WebSocket handshake: an HTTP 401/403 with a JSON body where the server
    supports it (uvicorn does), else close 1008 before accepting."""
    log.warning("%s: refused (%d %s)", websocket.url.path, denied.status, denied.detail)
    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(
            JSONResponse({"detail": denied.detail}, status_code=denied.status)
        )
    else:
        await websocket.close(code=1008, reason=denied.detail[:120])


async def admit_call_socket(websocket: WebSocket) -> CallGrant | None:
    """``/ws/call`` entry check, before the handshake: what the caller may name as the call's
    candidate, or None when refused (already answered)."""
    try:
        return await access_of(websocket).call_socket(bearer_or_query(websocket))
    except Denied as exc:
        await deny_websocket(websocket, exc)
        return None
