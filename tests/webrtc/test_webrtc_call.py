"""A full interview over WebRTC: an aiortc peer signals over HTTP to the real server."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from agent.reports.report import validate_report
from tests.webrtc.client import webrtc_interview
from tests.webrtc.conftest import http_base

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

QUESTIONS = ["greeting", "experience", "angry", "start"]


async def test_interview_over_webrtc(
    server_url: str,
    runtime: Any,
    access: Any,
    persona: Any,
    candidate_voice: Any,
    loopback_ice_only: None,
) -> None:
    result, got = await webrtc_interview(
        http_base(server_url),
        persona=persona,
        voice=candidate_voice,
        invite=access.invitation("rtc-1", "short_en"),
    )
    assert result.outcome == "completed", result.events
    assert result.questions() == QUESTIONS
    assert len(result.transcripts()) == len(QUESTIONS)
    assert got["call_id_known"] == 1.0
    # The interviewer's voice reached us: the greeting alone is several seconds.
    assert got.get("voiced_s", 0.0) > 5.0
    report = runtime.reports.load(result.report_id)
    assert validate_report(report) == []
    assert report["complete"] is True
    assert report["outcome"] == "completed"
    assert report["transport"] == "webrtc"
    assert report["candidate_id"] == "rtc-1"


async def test_offer_errors(server_url: str, access: Any) -> None:
    """Bad signalling gets an HTTP error, not a hung call."""
    invite = {"X-Screenline-Invite": access.invitation("c-err", "short_en")}
    async with httpx.AsyncClient(base_url=http_base(server_url), headers=invite) as http:
        missing_sdp = await http.post("/api/webrtc/offer", json={"type": "offer"})
        assert missing_sdp.status_code == 400
        unknown_script = await http.post(
            "/api/webrtc/offer",
            json={"sdp": "v=0", "type": "offer"},
            headers={"X-Screenline-Invite": access.invitation("c-err", "no-such")},
        )
        assert unknown_script.status_code == 400
        patch_unknown = await http.patch(
            "/api/webrtc/offer", json={"pc_id": "nope", "candidates": []}
        )
        assert patch_unknown.status_code == 404
        config = await http.get("/api/webrtc/config")
        assert config.json() == {"iceServers": []}


async def test_page_and_assets(server_url: str, access: Any) -> None:
    async with httpx.AsyncClient(base_url=http_base(server_url)) as http:
        invite = access.invitation("c1", "short_en")
        page = await http.get("/interview", params={"invite": invite, "lang": "zh"})
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "/static/interview.js" in page.text
        for name, kind in [("interview.js", "text/javascript"), ("interview.css", "text/css")]:
            asset = await http.get(f"/static/{name}")
            assert asset.status_code == 200
            assert asset.headers["content-type"].startswith(kind)
        assert (await http.get("/static/..%2Fcall.py")).status_code == 404
        assert (await http.get("/static/missing.js")).status_code == 404
