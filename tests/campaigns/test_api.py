"""The campaign REST API and CLI on the real server app (no models loaded): roles, bounded and
validated bodies, a job's eligible candidates, pause/resume/cancel, DNC, the signed campaign
webhook, and ``screenline campaign`` against it."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from agent.api.server import create_app
from agent.auth.keys import Role
from agent.campaigns.cli import load_candidates, progress_line, run_campaign_command
from agent.cli import build_parser, serve_app
from agent.settings import AuthSettings, Settings, TwilioSettings
from agent.store.tables import Candidate, Job
from telephony.twilio import compute_signature

PEOPLE = [
    {"candidate_id": "a1", "phone": "+12125550101", "timezone": "America/New_York"},
    {"candidate_id": "a2", "phone": "+8613800138001", "timezone": "Asia/Shanghai",
     "language": "zh"},
]  # fmt: skip


@pytest_asyncio.fixture(loop_scope="function")
async def server(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    settings = Settings(
        data_dir=tmp_path,
        auth=AuthSettings(dial_country_codes=["1", "86"]),
        twilio=TwilioSettings(account_sid="AC" + "0" * 32, auth_token="t0ken"),
    )
    app = create_app(settings, warm=False)
    access = app.state.access
    access.keys.db.upgrade()
    keys = {str(role): access.keys.create(role, "t")[1] for role in Role}
    async with serve_app(app) as ws:
        base = ws.replace("ws://", "http://")
        settings.public_url = base
        yield {"base": base, "keys": keys, "settings": settings, "db": access.keys.db}


def _api(server: dict[str, Any], role: str = "recruiter") -> httpx.AsyncClient:
    key = server["keys"][role]
    return httpx.AsyncClient(
        base_url=server["base"], headers={"Authorization": f"Bearer {key}"}, timeout=30
    )


async def test_roles_and_validation(server: dict[str, Any]) -> None:
    body = {"script_id": "short_en", "candidates": PEOPLE}
    async with httpx.AsyncClient(base_url=server["base"], timeout=30) as anonymous:
        assert (await anonymous.post("/api/campaigns", json=body)).status_code == 401
        assert (await anonymous.get("/api/campaigns")).status_code == 401
        assert (
            await anonymous.post("/api/dnc", json={"phones": ["+12125550101"]})
        ).status_code == 401
    async with _api(server, "qa") as qa:
        assert (await qa.post("/api/campaigns", json=body)).status_code == 403
    async with _api(server) as api:
        bad = [
            {**body, "candidates": [{**PEOPLE[0], "phone": "2125550101"}]},  # not E.164
            {**body, "candidates": [{**PEOPLE[0], "phone": "+442071234567"}]},  # country off
            {**body, "candidates": [{**PEOPLE[0], "timezone": "Mars/Base"}]},
            {**body, "window": "21:00-09:00"},
            {**body, "window": "9am-5pm"},
            {**body, "candidates": PEOPLE + PEOPLE},  # listed twice
            {**body, "retry_s": {"declined": 60}},
            {"candidates": PEOPLE},  # no script and no job
            {**body, "candidates": [{**PEOPLE[0], "candidate_id": "../x"}]},
        ]
        for payload in bad:
            response = await api.post("/api/campaigns", json=payload)
            assert response.status_code == 422, (payload, response.text)
        assert (await api.get("/api/campaigns/cmp_nope")).status_code == 404
        assert (await api.post("/api/campaigns/cmp_nope/pause")).status_code == 404
        assert (await api.post("/api/campaigns", json={"job_id": "nojob"})).status_code == 404


async def test_create_pause_resume_cancel_and_cli(server: dict[str, Any], tmp_path: Path) -> None:
    async with _api(server) as api:
        created = await api.post(
            "/api/campaigns",
            json={
                "name": "n",
                "script_id": "short_en",
                "candidates": PEOPLE,
                "window": "08:00-20:00",
                "country_windows": {"86": "09:00-18:00"},
                "holidays": {"*": ["2026-12-25"]},
                "max_attempts": 2,
            },
        )
        assert created.status_code == 201, created.text
        status = created.json()
        cid = status["campaign_id"]
        assert status["queued"] == 2 and status["state"] == "active"
        assert status["policy"]["max_attempts"] == 2
        assert status["policy"]["country_windows"] == {"86": "09:00-18:00"}
        assert (await api.post(f"/api/campaigns/{cid}/pause")).json()["state"] == "paused"
        assert (await api.post(f"/api/campaigns/{cid}/resume")).json()["state"] == "active"
        listing = (await api.get("/api/campaigns")).json()
        assert [c["campaign_id"] for c in listing] == [cid]
        attempts = (await api.get(f"/api/campaigns/{cid}/attempts")).json()
        assert {a["candidate_id"] for a in attempts} == {"a1", "a2"}
        assert all("…" in a["phone"] for a in attempts)  # numbers masked
        assert (await api.post("/api/dnc", json={"phones": ["+12125550101"]})).json() == {
            "added": 1
        }
    # the CLI, against the same server
    settings = server["settings"]
    out = io.StringIO()
    base = ["campaign", "--server", server["base"], "--token", server["keys"]["recruiter"]]
    parser = build_parser()
    assert (
        await asyncio.to_thread(
            run_campaign_command, settings, parser.parse_args([*base, "status", cid]), out
        )
        == 0
    )
    assert "0/2" in out.getvalue() and "queued 2" in out.getvalue()
    assert (
        await asyncio.to_thread(
            run_campaign_command, settings, parser.parse_args([*base, "cancel", cid]), out
        )
        == 0
    )
    out = io.StringIO()
    assert (
        await asyncio.to_thread(
            run_campaign_command, settings, parser.parse_args([*base, "watch", cid]), out
        )
        == 0
    )
    assert out.getvalue().strip().splitlines()[-1].startswith("[" + "#" * 30 + "] 2/2 · canceled")
    async with _api(server) as api:
        assert (await api.post(f"/api/campaigns/{cid}/resume")).status_code == 409
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(
        "candidate_id,phone,timezone,language\nb1,+12125550199,America/Chicago,en\n"
    )
    out = io.StringIO()
    args = parser.parse_args(
        [*base, "create", "--script", "short_en", "--candidates", str(csv_file)]
    )
    assert await asyncio.to_thread(run_campaign_command, settings, args, out) == 0
    assert out.getvalue().strip().startswith("cmp_")
    with pytest.raises(SystemExit, match="403"):
        qa = ["campaign", "--server", server["base"], "--token", server["keys"]["qa"]]
        await asyncio.to_thread(
            run_campaign_command, settings, parser.parse_args([*qa, "list"]), io.StringIO()
        )


async def test_campaign_from_job_eligible_candidates(server: dict[str, Any]) -> None:
    now = datetime.now(UTC)
    with server["db"].session() as s:
        s.add(
            Job(
                job_id="j1",
                title="Agent",
                script_id="short_en",
                language="en",
                eligibility_rules={},
                follow_up_rules={},
                review_required=True,
                created_at=now,
                updated_at=now,
            )
        )
        s.flush()
        for i, (eligibility, phone) in enumerate(
            [
                ("eligible", "+12125550301"),
                ("ineligible", "+12125550302"),
                ("needs_review", "+12125550303"),
                ("eligible", None),
                ("eligible", "+12125550305"),
            ]
        ):
            s.add(
                Candidate(
                    candidate_id=f"jc{i}",
                    job_id="j1",
                    external_id=f"x{i}",
                    name=f"C {i}",
                    phone=phone,
                    timezone="America/New_York",
                    language="en",
                    attributes={},
                    eligibility=eligibility,
                    created_at=now,
                )
            )
    async with _api(server) as api:
        created = await api.post("/api/campaigns", json={"job_id": "j1"})
        assert created.status_code == 201, created.text
        assert created.json()["script_id"] == "short_en" and created.json()["job_id"] == "j1"
        attempts = (
            await api.get(f"/api/campaigns/{created.json()['campaign_id']}/attempts")
        ).json()
        assert sorted(a["candidate_id"] for a in attempts) == ["jc0", "jc4"]


async def test_campaign_webhook_needs_twilio_signature(server: dict[str, Any]) -> None:
    url = f"{server['base']}/telephony/twilio/campaign-status?attempt=att_x"
    form = {"CallSid": "CA1", "CallStatus": "busy", "AccountSid": "AC" + "0" * 32}
    async with httpx.AsyncClient(timeout=30) as client:
        forged = await client.post(url, data=form, headers={"X-Twilio-Signature": "bad"})
        assert forged.status_code == 403
        signature = compute_signature("t0ken", url, form)
        ok = await client.post(url, data=form, headers={"X-Twilio-Signature": signature})
        assert ok.status_code == 204  # signed; no such attempt, nothing changes
        signature = compute_signature("t0ken", url, {"CallSid": "CA1"})
        bad = await client.post(
            url, data={"CallSid": "CA1"}, headers={"X-Twilio-Signature": signature}
        )
        assert bad.status_code == 400


def test_progress_line_and_candidate_files(tmp_path: Path) -> None:
    line = progress_line(
        {
            "state": "active",
            "candidates": 10,
            "queued": 4,
            "dialling": 1,
            "in_call": 1,
            "done": {"answered": 3, "busy": 1},
            "eta_s": 125,
        },
        width=10,
    )
    assert line == (
        "[####------] 4/10 · active · queued 4 · dialling 1 · in call 1 · "
        "answered 3, busy 1 · ETA 2m05s"
    )
    path = tmp_path / "c.json"
    path.write_text('[{"candidate_id": "x", "phone": "+12125550000", "timezone": "UTC"}]')
    assert load_candidates(path) == [
        {"candidate_id": "x", "phone": "+12125550000", "timezone": "UTC"}
    ]
