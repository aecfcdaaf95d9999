"""The candidate page in headless Chromium: consent, Start, a real WebRTC call to the server
(Chromium's fake microphone plays a recorded answer), captions of both sides, no console errors.

Chromium's fake capture device loops a WAV file from the moment the page opens the microphone:
ours is silence long enough for the greeting to play, then "Yes, that is fine with me."."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agent.devtools.mic import write_wav
from audio.pcm import resample
from tests.devtools import CHROMIUM, DevTools, needs_chromium
from tests.webrtc.conftest import http_base

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session"), needs_chromium]

#: Seconds of silence before the answer: connection set-up plus the short script's greeting
#: (about 9 s of speech), with room to spare inside its 6 s no-input timeout.
LEAD_SILENCE_S = 13.0

CAPTIONS = """JSON.stringify({
  interviewer: [...document.querySelectorAll('.line.interviewer .text')].map(e => e.textContent),
  candidate: [...document.querySelectorAll('.line.candidate.final .text')]
    .map(e => e.textContent),
  status: document.getElementById('status').textContent,
  error: document.getElementById('error').hidden ? '' : document.getElementById('error')
    .textContent,
})"""


def _answer_wav(path: Path, voice: Any) -> None:
    chunks = list(voice.synthesize("Yes, that is fine with me."))
    speech = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
    rate = 48000
    speech = resample(speech, chunks[0].sample_rate, rate)
    silence = np.zeros(int(LEAD_SILENCE_S * rate), np.float32)
    write_wav(path, np.concatenate([silence, speech, np.zeros(rate, np.float32)]), rate)


async def test_interview_page_in_chromium(
    server_url: str,
    runtime: Any,
    access: Any,
    candidate_voice: Any,
    tmp_path: Path,
    loopback_ice_too: None,
) -> None:
    assert CHROMIUM is not None
    wav = tmp_path / "answer.wav"
    _answer_wav(wav, candidate_voice)
    profile = tmp_path / "profile"
    profile.mkdir()
    browser = await asyncio.to_thread(
        DevTools,
        CHROMIUM,
        profile,
        [
            "--disable-quic",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}",
            # Same-host test: let WebRTC use 127.0.0.1 on machines without another interface.
            "--allow-loopback-in-peer-connection",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    try:
        invite = access.invitation("browser-1", "short_en")
        url = f"{http_base(server_url)}/interview?invite={invite}&lang=en"
        target, session = await asyncio.to_thread(browser.open, url)

        def js(expression: str, gesture: bool = False) -> Any:
            return browser.evaluate(session, expression, gesture=gesture)

        assert await asyncio.to_thread(js, "document.getElementById('start').disabled") is True
        await asyncio.to_thread(js, "document.getElementById('consent').click()", True)
        assert await asyncio.to_thread(js, "document.getElementById('start').disabled") is False
        await asyncio.to_thread(js, "document.getElementById('start').click()", True)

        deadline = time.monotonic() + 90
        state: dict[str, Any] = {}
        while time.monotonic() < deadline:
            state = json.loads(await asyncio.to_thread(js, CAPTIONS))
            if state["error"] or (state["interviewer"] and state["candidate"]):
                break
            await asyncio.sleep(0.5)
        assert not state["error"], state
        assert any("Acme Home" in line for line in state["interviewer"]), state
        assert state["candidate"], state
        assert "fine" in state["candidate"][0].lower(), state

        shot = await asyncio.to_thread(browser.call, "Page.captureScreenshot", session)
        (tmp_path / "interview.png").write_bytes(base64.b64decode(shot["data"]))

        # Hang up from the page: the server ends the interview and files a report.
        await asyncio.to_thread(js, "document.getElementById('hangup').click()", True)
        report = await _report_for(runtime, "browser-1", timeout_s=20)
        assert report["transport"] == "webrtc"
        assert report["outcome"] == "hung_up"
        assert any(t["speaker"] == "candidate" for t in report["turns"])
        assert await asyncio.to_thread(browser.errors) == []
        await asyncio.to_thread(browser.call, "Target.closeTarget", targetId=target)
    finally:
        await asyncio.to_thread(browser.close)


async def _report_for(runtime: Any, candidate_id: str, timeout_s: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for report_id in runtime.reports.ids():
            report: dict[str, Any] = runtime.reports.load(report_id)
            if report.get("candidate_id") == candidate_id:
                return report
        await asyncio.sleep(0.2)
    raise AssertionError(f"no report for {candidate_id} in {runtime.reports.directory}")
