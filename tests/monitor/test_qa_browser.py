"""The /qa page in headless Chromium (fake microphone) with two server processes on one Redis:
it lists both live calls, listens to the other process's call (frames arrive, with sound),
flags a moment, takes over (the fake microphone speaks to the candidate) and hands back; the
call's report page shows the flag, the taken-over span and plays the recording. No console
errors; screenshots are saved (``SCREENLINE_TEST_ARTIFACTS``, else the test's tmp dir)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import pytest_asyncio

from agent.cli import _free_port, in_process_server
from agent.devtools.mic import write_wav
from agent.devtools.simulate import simulate
from agent.reports.schema import schema_problems
from audio.pcm import resample
from tests.conftest import FIXTURES
from tests.devtools import CHROMIUM, DevTools, needs_chromium

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session"), needs_chromium]

REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET = "monitor-browser-test-secret-0123456789abcdef"

PAGE_STATE = """JSON.stringify({
  rows: [...document.querySelectorAll('#calls tbody tr')].map(r => ({
    id: r.dataset.callId, cells: [...r.cells].map(c => c.textContent)})),
  lines: [...document.querySelectorAll('#transcript .line')].map(e => e.className),
  flags: [...document.querySelectorAll('#flags li')].map(e => e.textContent),
  over: !document.getElementById('taken-over').hidden,
  stats: window.qaStats,
  error: document.getElementById('error').hidden ? '' :
    document.getElementById('error').textContent,
})"""


@pytest.fixture
def artefacts(tmp_path: Path) -> Path:
    where = Path(os.environ.get("SCREENLINE_TEST_ARTIFACTS") or tmp_path) / "qa-monitor"
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture
def prefix() -> Iterator[str]:
    name = f"test-{uuid.uuid4().hex[:10]}:"
    yield name
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{name}*"))
    if keys:
        client.delete(*keys)
    client.close()


def _env(settings: Any, data_dir: Path, prefix: str, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "SCREENLINE_HOST": "127.0.0.1",
        "SCREENLINE_PORT": str(port),
        "SCREENLINE_DATA_DIR": str(data_dir),
        "SCREENLINE_SCRIPTS_DIR": str(FIXTURES / "scripts"),
        "SCREENLINE_DEFAULT_SCRIPT": "short_en",
        "SCREENLINE_DATABASE_URL": settings.resolved_database_url,  # the same keys
        "SCREENLINE_AUTH__SECRET": SECRET,  # the same tickets
        "SCREENLINE_REDIS_URL": REDIS_URL,
        "SCREENLINE_MONITOR__REDIS_PREFIX": prefix,
    }


@pytest_asyncio.fixture(loop_scope="session")
async def two_servers(
    settings: Any, runtime: Any, prefix: str, tmp_path: Path
) -> AsyncIterator[tuple[str, str, Path]]:
    """Server A in this process and server B in another, sharing keys, secret and Redis;
    yields their http bases and B's data directory."""
    from agent.calls.run import Runtime
    from agent.settings import Settings

    port_b = _free_port("127.0.0.1")
    data_b = tmp_path / "server-b"
    proc = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "serve"],
        env=_env(settings, data_b, prefix, port_b),
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "server-b.log", "wb"),  # noqa: SIM115
    )
    settings_a = Settings(
        data_dir=tmp_path / "server-a",
        scripts_dir=FIXTURES / "scripts",
        default_script="short_en",
        database_url=settings.resolved_database_url,
        redis_url=REDIS_URL,
        auth={"secret": SECRET},
        monitor={"redis_prefix": prefix},
    )
    runtime_a = Runtime(settings_a, registry=runtime.registry)  # models shared, loaded once
    try:
        base_b = f"http://127.0.0.1:{port_b}"
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + 180
            while True:
                assert proc.poll() is None, (tmp_path / "server-b.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "server B did not start"
                try:
                    if (await client.get(f"{base_b}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.5)
        async with in_process_server(settings_a, runtime_a) as url_a:
            yield url_a.replace("ws://", "http://").rsplit("/ws/", 1)[0], base_b, data_b
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def _mic_wav(path: Path, voice: Any) -> None:
    """What the QA person says into the fake microphone (looped by Chromium)."""
    chunks = list(voice.synthesize("Hello, this is Sam from the hiring team. Let me help you."))
    speech = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
    rate = 48000
    speech = resample(speech, chunks[0].sample_rate, rate)
    write_wav(path, np.concatenate([speech, np.zeros(rate // 2, np.float32)]), rate)


async def test_qa_page_monitors_two_processes_listens_flags_takes_over(
    two_servers: tuple[str, str, Path],
    api_keys: dict[str, str],
    persona: Any,
    candidate_voice: Any,
    tmp_path: Path,
    artefacts: Path,
) -> None:
    assert CHROMIUM is not None
    base_a, base_b, data_b = two_servers
    wav = tmp_path / "qa-mic.wav"
    _mic_wav(wav, candidate_voice)
    profile = tmp_path / "profile"
    profile.mkdir()
    browser = await asyncio.to_thread(
        DevTools,
        CHROMIUM,
        profile,
        [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={wav}",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    calls: list[asyncio.Task[Any]] = []
    try:
        target, session = await asyncio.to_thread(browser.open, f"{base_a}/qa?lang=en")

        def js(expression: str, gesture: bool = False) -> Any:
            return browser.evaluate(session, expression, gesture=gesture)

        async def page() -> dict[str, Any]:
            state: dict[str, Any] = json.loads(await asyncio.to_thread(js, PAGE_STATE))
            assert not state["error"], state
            return state

        async def until(check: Any, what: str, timeout_s: float = 60) -> dict[str, Any]:
            deadline = time.monotonic() + timeout_s
            while True:
                state = await page()
                if check(state):
                    return state
                assert time.monotonic() < deadline, f"{what}: {state}"
                await asyncio.sleep(0.25)

        async def shot(name: str) -> None:
            data = await asyncio.to_thread(browser.call, "Page.captureScreenshot", session)
            (artefacts / name).write_bytes(base64.b64decode(data["data"]))

        await asyncio.to_thread(
            js, f"document.getElementById('key').value = {json.dumps(api_keys['qa'])}"
        )
        await asyncio.to_thread(js, "document.getElementById('login-btn').click()", True)

        for base, who in ((base_a, "cand-a"), (base_b, "cand-b")):
            url = base.replace("http://", "ws://") + "/ws/call"
            calls.append(
                asyncio.create_task(
                    simulate(
                        url,
                        persona=persona,
                        voice=candidate_voice,
                        candidate_id=who,
                        token=api_keys["qa"],
                        timeout_s=240,
                    )
                )
            )

        def names(state: dict[str, Any]) -> set[str]:
            return {row["cells"][0] for row in state["rows"]}

        state = await until(lambda s: {"cand-a", "cand-b"} <= names(s), "both live calls")
        await shot("qa-live-calls.png")
        row_b = next(r for r in state["rows"] if r["cells"][0] == "cand-b")
        await asyncio.to_thread(
            js, f"document.querySelector('tr[data-call-id=\"{row_b['id']}\"]').click()", True
        )
        # Listen to the call of the *other* process: its audio comes over Redis.
        await asyncio.to_thread(js, "document.getElementById('listen').click()", True)
        state = await until(
            lambda s: s["stats"]["loud"] > 25 and "candidate final" in " ".join(s["lines"]),
            "listen-in frames with sound while the candidate speaks",
            timeout_s=90,
        )
        assert state["stats"]["firstFrameMs"] is not None
        await asyncio.to_thread(js, "document.getElementById('note').value = 'check this answer'")
        await asyncio.to_thread(js, "document.getElementById('flag').click()", True)
        await until(lambda s: any("check this answer" in f for f in s["flags"]), "flag")

        await asyncio.to_thread(js, "document.getElementById('takeover').click()", True)
        state = await until(lambda s: s["over"], "taken over")
        await until(lambda s: s["stats"]["micFrames"] > 100, "the QA microphone streams")
        await shot("qa-taken-over.png")
        await asyncio.to_thread(js, "document.getElementById('handback').click()", True)
        await until(lambda s: not s["over"], "handed back")
        await shot("qa-handed-back.png")

        results = await asyncio.wait_for(asyncio.gather(*calls), 240)
        assert all(r.report_id for r in results)
        assert await asyncio.to_thread(browser.errors) == []
        await asyncio.to_thread(browser.call, "Target.closeTarget", targetId=target)

        # B's report: the flag at its moment, the taken-over span, the recording.
        report_b = json.loads((data_b / "reports" / f"{results[1].report_id}.json").read_text())
        assert schema_problems(report_b) == []
        monitor = report_b["monitor"]
        assert [f["note"] for f in monitor["flags"]] == ["check this answer"]
        [span] = monitor["takeovers"]
        assert span["start_s"] < span["end_s"]
        assert monitor["recording"]["seconds"] > 10
        assert (
            json.loads(
                (tmp_path / "server-a" / "reports" / f"{results[0].report_id}.json").read_text()
            )["monitor"]["takeovers"]
            == []
        )

        # The report page in the browser: player loads, a turn click seeks to its moment.
        target = (await asyncio.to_thread(browser.call, "Target.createTarget", url="about:blank"))[
            "targetId"
        ]
        session = (
            await asyncio.to_thread(
                browser.call, "Target.attachToTarget", targetId=target, flatten=True
            )
        )["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            await asyncio.to_thread(browser.call, f"{domain}.enable", session)
        await asyncio.to_thread(
            browser.call,
            "Network.setExtraHTTPHeaders",
            session,
            headers={"Authorization": f"Bearer {api_keys['recruiter']}"},
        )
        browser.events.clear()
        await asyncio.to_thread(
            browser.call,
            "Page.navigate",
            session,
            url=f"{base_b}/api/reports/{results[1].report_id}.html",
        )
        await asyncio.to_thread(browser.wait_for, "Page.loadEventFired")
        duration = await asyncio.to_thread(
            js,
            "new Promise(r => { const a = document.getElementById('player');"
            " if (a.readyState >= 1) r(a.duration);"
            " a.addEventListener('loadedmetadata', () => r(a.duration)); })",
        )
        assert duration > 10
        text = await asyncio.to_thread(js, "document.getElementById('recording').textContent")
        assert "check this answer" in text and "taken over by" in text
        seek = await asyncio.to_thread(
            js,
            "(() => { const el = document.querySelectorAll('.turn[data-t]')[2]; el.click();"
            " return [parseFloat(el.dataset.t),"
            " document.getElementById('player').currentTime]; })()",
            True,
        )
        assert abs(seek[0] - seek[1]) < 0.5, seek
        await shot("report-with-recording.png")
        assert await asyncio.to_thread(browser.errors) == []
    finally:
        for task in calls:
            task.cancel()
        await asyncio.gather(*calls, return_exceptions=True)
        await asyncio.to_thread(browser.close)
