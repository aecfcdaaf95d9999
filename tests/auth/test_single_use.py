"""Invitation links start one interview, and a ``/ws/call`` is linked to a candidate only by a
credential that may name them: a call token minted for that candidate, or a recruiter's key.
The store on SQLite and PostgreSQL; the rest against a real server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import websockets

from agent.hr import repo
from agent.hr.candidates import validate_row
from agent.settings import LimitSettings
from agent.store.db import Database
from agent.store.invitations import InvitationStore
from tests.auth.conftest import AuthServer, auth_server

AUDIO_SDP = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"  # passes the checks, fails to negotiate


def test_a_token_is_redeemed_once_even_by_racing_workers(db: Database) -> None:
    store = InvitationStore(db)
    expires = int(time.time()) + 600
    assert not store.used("tok-a")
    assert store.redeem("tok-a", "cand-1", expires)
    assert store.used("tok-a")
    assert not store.redeem("tok-a", "cand-1", expires)
    store.release("tok-a")  # an offer that started no call gives it back
    assert store.redeem("tok-a", "cand-1", expires)
    # Eight workers redeem one link at once: exactly one wins.
    with ThreadPoolExecutor(8) as pool:
        wins = list(pool.map(lambda _: store.redeem("tok-b", "cand-2", expires), range(8)))
    assert wins.count(True) == 1
    with db.session() as session:  # only a digest of the token is stored
        from agent.store.tables import InvitationUse

        ids = [row.token_id for row in session.query(InvitationUse)]
        assert "tok-a" not in ids and all(len(i) == 64 for i in ids)


async def _offer(server: AuthServer, token: str, sdp: str | None = None) -> Any:
    from aiortc import RTCConfiguration, RTCPeerConnection

    if sdp is None:  # a real browser offer; the browser then vanishes (the call ends no_audio)
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTransceiver("audio", direction="sendrecv")
        pc.createDataChannel("events")
        await pc.setLocalDescription(await pc.createOffer())
        sdp = pc.localDescription.sdp
        await pc.close()
    async with server.client() as http:
        return await http.post(
            "/api/webrtc/offer",
            json={"sdp": sdp, "type": "offer"},
            headers={"X-Screenline-Invite": token},
        )


async def _idle(server: AuthServer) -> None:
    """Wait (generously) until the server's calls have ended and released their slots."""
    admission = server.app.state.runtime.admission
    async with asyncio.timeout(120):
        while admission.active:
            await asyncio.sleep(0.2)


@pytest.mark.asyncio(loop_scope="session")
async def test_an_invitation_starts_one_interview(tmp_path: Path) -> None:
    # The vanished browser's call lives until its no-audio limit: long enough to try the
    # link again while it runs, whatever the load.
    limits = LimitSettings(no_audio_timeout_s=15.0, end_grace_s=3.0)
    async with auth_server(tmp_path, limits=limits) as server:
        async with server.client("recruiter") as http:
            made = await http.post(
                "/api/invitations", json={"candidate_id": "c-once", "script_id": "short_en"}
            )
            assert made.status_code == 201
            token = made.json()["url"].split("invite=")[1]
            other = (
                await http.post(
                    "/api/invitations", json={"candidate_id": "c-once", "script_id": "short_en"}
                )
            ).json()["url"]
            assert other.split("invite=")[1] != token  # two links are two links
        async with server.client() as anon:
            assert (await anon.get("/interview", params={"invite": token})).status_code == 200
            # An offer that cannot be negotiated starts no call and does not spend the link.
            bad = await _offer(server, token, AUDIO_SDP)
            assert bad.status_code == 400, bad.text
            first = await _offer(server, token)
            assert first.status_code == 200, first.text
            again = await _offer(server, token)
            assert again.status_code == 410, again.text
            assert "used already" in again.json()["detail"]
            page = await anon.get("/interview", params={"invite": token})
            assert page.status_code == 410 and "used already" in page.text
            # A renegotiation must name a live connection of this invitation's candidate.
            stray = await anon.post(
                "/api/webrtc/offer",
                json={"sdp": AUDIO_SDP, "type": "offer", "pc_id": "made-up"},
                headers={"X-Screenline-Invite": other.split("invite=")[1]},
            )
            assert stray.status_code == 404, stray.text
            # The call ended without a word from the candidate (the browser never connected):
            # the link is given back, and works once more.
            await _idle(server)
            assert (await anon.get("/interview", params={"invite": token})).status_code == 200
            retry = await _offer(server, token)
            assert retry.status_code == 200, retry.text
            assert retry.json()["call_id"] != first.json()["call_id"]
        await _idle(server)


def _candidate(db: Database) -> str:
    job = repo.JobIn(job_id="job-auth", title="Agent", script_id="short_en")
    repo.put_job(db, job, "tests")
    row = validate_row(0, {"external_id": "auth-1", "name": "Test Person"})
    result = repo.import_candidates(db, job.job_id, [(0, row)], "tests")  # type: ignore[list-item]
    return str(result.rows[0]["candidate_id"])


async def _start(url: str, candidate_id: str) -> dict[str, Any]:
    """Open ``/ws/call`` and start a call for ``candidate_id``: the first event, plus the close
    code when the server refused it."""
    async with websockets.connect(url, open_timeout=30) as ws:
        start = {"type": "start", "sample_rate": 16000, "candidate_id": candidate_id}
        await ws.send(json.dumps(start))
        event = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if event["type"] != "ready":
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 60)
            event["close_code"] = ws.close_code
        return dict(event)


@pytest.mark.asyncio(loop_scope="session")
async def test_ws_call_links_only_the_candidate_its_credential_names(tmp_path: Path) -> None:
    limits = LimitSettings(no_audio_timeout_s=2.0, end_grace_s=3.0)
    async with auth_server(tmp_path, limits=limits) as server:
        db = server.app.state.runtime.db
        alice = await asyncio.to_thread(_candidate, db)
        call = f"{server.ws}/ws/call"
        async with server.client("qa") as qa, server.client("recruiter") as recruiter:
            # Minting a token for a candidate needs a role that manages candidates.
            assert (
                await qa.post("/api/call-tokens", json={"candidate_id": alice})
            ).status_code == 403
            missing = await recruiter.post("/api/call-tokens", json={"candidate_id": "nobody"})
            assert missing.status_code == 404
            bound = (await recruiter.post("/api/call-tokens", json={"candidate_id": alice})).json()
            assert bound["candidate_id"] == alice
            unbound = (await qa.post("/api/call-tokens")).json()
            assert unbound["candidate_id"] is None
        refusals = {
            "qa key": await _start(f"{call}?token={server.keys['qa']}", alice),
            "unbound token": await _start(f"{call}?token={unbound['token']}", alice),
            "token for alice, naming another": await _start(
                f"{call}?token={bound['token']}", "mallory"
            ),
        }
        for what, event in refusals.items():
            assert event["type"] == "error" and event["close_code"] == 1008, (what, event)
        assert "call token minted for" in refusals["qa key"]["message"]
        assert "another candidate" in refusals["token for alice, naming another"]["message"]
        assert server.app.state.runtime.calls_started == 0
        # What may name her: her own token, a recruiter key; a test call names no candidate.
        for url, name in (
            (f"{call}?token={bound['token']}", alice),
            (f"{call}?token={server.keys['recruiter']}", alice),
            (f"{call}?token={server.keys['qa']}", "test-call"),
        ):
            assert (await _start(url, name))["type"] == "ready", (url, name)
        await _idle(server)
