"""Every entry point of a real server on 127.0.0.1, as an outside client: anonymous, wrong role,
forged, expired and revoked credentials are refused (401/403 with a JSON body, or the page's
refusal); valid ones get through. The carrier entry points are in
``tests/telephony/test_telephony_auth.py``."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
import websockets

from agent.auth.guard import Access
from agent.auth.keys import Role
from agent.store.apikeys import KeyStore
from agent.store.db import Database

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _base(server_url: str) -> str:
    return server_url.split("/ws/call")[0]


def _http(server_url: str) -> str:
    return _base(server_url).replace("ws://", "http://")


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _expired_access(settings: Any) -> Access:
    """Same secret and keys as the server, with a clock an hour behind: its tokens are stale."""
    return Access.from_settings(settings).with_clock(lambda: time.time() - 3600)


FORGED_KEY = "slk_0123456789ab_" + "A" * 43


# REST routes: (method, path, JSON body, roles that may use it). A permitted call may still fail
# for its own reason (no such report, Twilio not configured), but never with 401/403.
ROUTES: list[tuple[str, str, dict[str, Any] | None, set[str]]] = [
    ("GET", "/api/reports/no-such-report", None, {"admin", "recruiter"}),
    ("GET", "/api/calls/CA0000", None, {"admin", "recruiter"}),
    ("POST", "/api/calls", {"to": "+15551234567", "candidate_id": "c-1"}, {"admin", "recruiter"}),
    (
        "POST",
        "/api/audiosocket/expect",
        {"uuid": "not-a-uuid", "candidate_id": "c-1"},
        {"admin", "recruiter"},
    ),
    (
        "POST",
        "/api/invitations",
        {"candidate_id": "c-1", "script_id": "short_en"},
        {"admin", "recruiter"},
    ),
    ("POST", "/api/call-tokens", None, {"admin", "recruiter", "qa"}),
    ("GET", "/api/keys", None, {"admin"}),
    ("POST", "/api/keys", {"role": "nobody"}, {"admin"}),
    ("DELETE", "/api/keys/ffffffffffff", None, {"admin"}),
    ("GET", "/api/deliveries", None, {"admin", "recruiter"}),
    ("GET", "/api/deliveries/nope", None, {"admin", "recruiter"}),
    ("POST", "/api/deliveries/nope/replay", None, {"admin", "recruiter"}),
]


async def test_rest_routes_check_keys_and_roles(server_url: str, api_keys: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=_http(server_url)) as http:
        for method, path, body, roles in ROUTES:
            anonymous = await http.request(method, path, json=body)
            assert anonymous.status_code == 401, (path, anonymous.text)
            assert anonymous.headers["www-authenticate"] == "Bearer"
            assert "detail" in anonymous.json()
            for headers in (
                _bearer(FORGED_KEY),
                _bearer("garbage"),
                {"Authorization": f"Basic {api_keys['admin']}"},
            ):
                forged = await http.request(method, path, json=body, headers=headers)
                assert forged.status_code == 401, (path, headers, forged.text)
            for role, key in api_keys.items():
                reply = await http.request(method, path, json=body, headers=_bearer(key))
                if role in roles:
                    assert reply.status_code not in (401, 403), (path, role, reply.text)
                else:
                    assert reply.status_code == 403, (path, role, reply.text)
                    assert role in reply.json()["detail"]


async def test_permitted_calls_do_their_job(
    server_url: str, api_keys: dict[str, str], runtime: Any
) -> None:
    """With the right key the routes work: report lookups, invitations, number checks."""
    runtime.reports.save({"report_id": "authtestreport", "candidate_id": "c-secret"})
    recruiter = _bearer(api_keys["recruiter"])
    async with httpx.AsyncClient(base_url=_http(server_url), headers=recruiter) as http:
        assert (await http.get("/api/reports/no-such-report")).status_code == 404
        report = await http.get("/api/reports/authtestreport")
        assert report.status_code == 200 and report.json()["candidate_id"] == "c-secret"
        qa = await http.get("/api/reports/authtestreport", headers=_bearer(api_keys["qa"]))
        assert qa.status_code == 403 and "c-secret" not in qa.text
        invited = await http.post(
            "/api/invitations", json={"candidate_id": "c-9", "script_id": "short_en"}
        )
        assert invited.status_code == 201
        assert "/interview?invite=" in invited.json()["url"]
        unknown = await http.post(
            "/api/invitations", json={"candidate_id": "c-9", "script_id": "no-such-script"}
        )
        assert unknown.status_code == 422
        # Outbound numbers: not E.164, or a country not allowed (the default allows none).
        for number in ("not-a-number", "+19005550123", "+441234567890"):
            reply = await http.post("/api/calls", json={"to": number, "candidate_id": "c-1"})
            assert reply.status_code == 422, reply.text
        token = await http.post("/api/call-tokens")
        assert token.status_code == 201 and token.json()["token"].startswith("v1.")


async def test_admin_manages_keys_over_rest(server_url: str, api_keys: dict[str, str]) -> None:
    async with httpx.AsyncClient(
        base_url=_http(server_url), headers=_bearer(api_keys["admin"])
    ) as http:
        made = await http.post("/api/keys", json={"role": "recruiter", "name": "ATS"})
        assert made.status_code == 201
        key, key_id = made.json()["key"], made.json()["key_id"]
        listed = (await http.get("/api/keys")).json()
        assert any(k["key_id"] == key_id and k["name"] == "ATS" for k in listed)
        assert all("key" not in k and "digest" not in k for k in listed)
        ats = _bearer(key)
        assert (await http.get("/api/reports/x", headers=ats)).status_code == 404
        assert (await http.delete(f"/api/keys/{key_id}")).status_code == 204
        assert (await http.delete(f"/api/keys/{key_id}")).status_code == 404
        assert (await http.get("/api/reports/x", headers=ats)).status_code == 401


async def test_revoked_key_is_refused_at_once(server_url: str, settings: Any) -> None:
    store = KeyStore(Database.from_settings(settings))
    info, key = store.create(Role.RECRUITER, "leaver")
    async with httpx.AsyncClient(base_url=_http(server_url), headers=_bearer(key)) as http:
        assert (await http.get("/api/reports/x")).status_code == 404
        store.revoke(info.key_id)
        assert (await http.get("/api/reports/x")).status_code == 401


async def _ws_status(url: str, headers: dict[str, str] | None = None) -> int:
    """The HTTP status a WebSocket handshake to ``url`` is refused with (101 when accepted and
    the call got ``ready``; the client then leaves, which ends the call)."""
    try:
        async with websockets.connect(url, additional_headers=headers) as ws:
            start = {"type": "start", "sample_rate": 16000, "candidate_id": "c-auth"}
            await ws.send(json.dumps(start))
            ready = json.loads(await asyncio.wait_for(ws.recv(), 60))
            assert ready["type"] == "ready", ready
            return 101
    except websockets.InvalidStatus as exc:
        body = json.loads(exc.response.body or b"{}")
        assert "detail" in body
        return int(exc.response.status_code)


async def test_ws_call_needs_a_key_or_a_call_token(
    server_url: str, api_keys: dict[str, str], access: Any, settings: Any
) -> None:
    url = server_url.split("?")[0]
    stale = _expired_access(settings)
    refused = {
        "anonymous": await _ws_status(url),
        "forged key": await _ws_status(url, _bearer(FORGED_KEY)),
        "forged token": await _ws_status(f"{url}?token=v1.e30.AAAA"),
        "expired token": await _ws_status(f"{url}?token={stale.call_token()}"),
        # An invitation is for the candidate page, not for the media socket.
        "invite as token": await _ws_status(f"{url}?token={access.invitation('c-1', 'short_en')}"),
    }
    assert refused == dict.fromkeys(refused, 401)
    accepted = {
        "key in header": await _ws_status(url, _bearer(api_keys["qa"])),
        "key in query": await _ws_status(f"{url}?token={api_keys['recruiter']}"),
        "call token": await _ws_status(f"{url}?token={access.call_token()}"),
    }
    assert accepted == dict.fromkeys(accepted, 101)


async def test_candidate_page_and_signalling_need_an_invitation(
    server_url: str, access: Any, settings: Any
) -> None:
    stale = _expired_access(settings)
    valid = access.invitation("c-page", "short_en")
    tampered = valid[:-2] + ("AA" if not valid.endswith("AA") else "BB")
    async with httpx.AsyncClient(base_url=_http(server_url)) as http:
        for invite in (None, "garbage", tampered, stale.invitation("c-page", "short_en", ttl_s=60)):
            params = {"invite": invite} if invite else {}
            page = await http.get("/interview", params=params)
            assert page.status_code == 401 and "not valid or has expired" in page.text
            headers = {"X-Screenline-Invite": invite} if invite else {}
            offer = await http.post(
                "/api/webrtc/offer", json={"sdp": "v=0", "type": "offer"}, headers=headers
            )
            assert offer.status_code == 401 and "detail" in offer.json()
            config = await http.get("/api/webrtc/config", headers=headers)
            assert config.status_code == 401
            patch = await http.patch(
                "/api/webrtc/offer", json={"pc_id": "x", "candidates": []}, headers=headers
            )
            assert patch.status_code == 401
        # A call token or an API key is not an invitation either.
        not_invite = await http.get("/interview", params={"invite": access.call_token()})
        assert not_invite.status_code == 401
        page = await http.get("/interview", params={"invite": valid})
        assert page.status_code == 200 and "/static/interview.js" in page.text
        headers = {"X-Screenline-Invite": valid}
        assert (await http.get("/api/webrtc/config", headers=headers)).status_code == 200
        # Past the check: a bad SDP is the offer's own error, not an auth one.
        offer = await http.post("/api/webrtc/offer", json={"type": "offer"}, headers=headers)
        assert offer.status_code == 400


@pytest_asyncio.fixture(loop_scope="session")
async def twilio_dev_server(settings: Any, runtime: Any) -> AsyncIterator[tuple[str, Any]]:
    """A server whose Twilio webhooks are unsigned (the development flag) and that has no
    PUBLIC_URL yet: nothing in a request may choose where the media stream goes."""
    from agent.api.server import create_app
    from agent.calls.run import Runtime
    from agent.cli import serve_app
    from agent.settings import TwilioSettings

    dev = settings.model_copy(update={"twilio": TwilioSettings(dev_unsigned_webhooks=True)})
    rt = Runtime(dev, registry=runtime.registry)
    rt.prompt_cache = runtime.prompt_cache
    async with serve_app(create_app(dev, rt, warm=False)) as base:
        yield base.replace("ws://", "http://"), dev


async def test_twilio_webhooks_are_off_without_a_token_and_host_is_never_trusted(
    server_url: str, twilio_dev_server: tuple[str, Any]
) -> None:
    form = {"CallSid": "CA" + "c" * 32, "From": "+15550001234"}
    async with httpx.AsyncClient(base_url=_http(server_url)) as http:
        # The session server has no Twilio auth token and no dev flag: webhooks are refused.
        for path in ("/telephony/twilio/voice", "/telephony/twilio/status"):
            assert (await http.post(path, data=form)).status_code == 503
    dev_http, dev_settings = twilio_dev_server
    async with httpx.AsyncClient(base_url=dev_http) as http:
        evil = {"Host": "attacker.example"}
        no_public = await http.post("/telephony/twilio/voice", data=form, headers=evil)
        assert no_public.status_code == 503 and "PUBLIC_URL" in no_public.json()["detail"]
        dev_settings.public_url = "https://interviews.example.org"
        try:
            reply = await http.post("/telephony/twilio/voice", data=form, headers=evil)
        finally:
            dev_settings.public_url = None
    assert reply.status_code == 200
    assert 'url="wss://interviews.example.org/telephony/twilio/stream"' in reply.text
    assert "attacker" not in reply.text
