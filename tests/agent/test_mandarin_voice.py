"""Mandarin interviews end to end over a real WebSocket on 127.0.0.1, with the real models.

The server runs Whisper base (assembled from its two wheels) for Mandarin and tiny.en for
English, plays the Mandarin script's recorded prompts, and the synthetic candidate plays
recorded Mandarin answers (tests/fixtures/zh), so no Mandarin voice needs to be installed.
Two full interviews run here (an English and a Mandarin one concurrently, then a Mandarin one
over the phone): CPU is scarce, and each proves a different path.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from agent.devtools.simulate import SimulationResult, load_persona, simulate
from agent.reports.report import validate_report
from audio.tts import recording_key
from dialogue.text import normalize_transcript
from tests.conftest import FIXTURES
from tests.helpers import cer, wer

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

ZH_QUESTIONS = ["greeting", "experience", "quiet_space", "start"]
EN_QUESTIONS = ["greeting", "experience", "angry", "start"]
_HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def zh_runtime(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A runtime of its own, so its model load counts are this module's alone."""
    from agent.calls.run import Runtime
    from agent.settings import Settings

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("mandarin-data"),
        scripts_dir=FIXTURES / "scripts",
        default_script="short_en",
    )
    return Runtime(settings)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def zh_server(zh_runtime: Any) -> AsyncIterator[str]:
    from agent.auth.guard import Access
    from agent.cli import in_process_server

    # The test owns this server's secret: a call token (valid for the module's run) opens calls.
    token = Access.from_settings(zh_runtime.settings).call_token(ttl_s=3600)
    async with in_process_server(zh_runtime.settings, zh_runtime) as url:
        yield f"{url}?token={token}"


def _quotes(node: Any) -> list[str]:
    """The text of every quote (``{question_id, turn, text, turn_index}``) in a report's scores."""
    if isinstance(node, dict):
        found = [node["text"]] if "turn_index" in node and isinstance(node.get("text"), str) else []
        return found + [q for v in node.values() for q in _quotes(v)]
    if isinstance(node, list):
        return [q for v in node for q in _quotes(v)]
    return []


def _check_mandarin(result: SimulationResult, runtime: Any, max_cer: float) -> dict[str, Any]:
    assert result.outcome == "completed", result.events
    assert result.close_code == 1000
    # Every question asked, in order, once each.
    assert result.questions() == ZH_QUESTIONS
    said = [e for e in result.events if e["type"] == "bot_said"]
    assert [e["question_id"] for e in said if e.get("question_id")] == ZH_QUESTIONS[1:]
    transcripts = result.transcripts()
    assert len(transcripts) == len(ZH_QUESTIONS)
    for (qid, answer), heard in zip(result.answers, transcripts, strict=True):
        assert cer(answer, heard) <= max_cer, (qid, answer, heard)
        # Whisper writes much Mandarin in traditional characters: the server converts it.
        assert normalize_transcript(heard, "zh") == heard, heard
    report = runtime.reports.load(result.report_id)
    assert validate_report(report) == []
    assert report["complete"] is True and report["script"]["language"] == "zh"
    assert report["records"]["has_quiet_space"] in (True, "yes")
    candidate = [t["text"] for t in report["turns"] if t["speaker"] == "candidate"]
    assert candidate == transcripts
    # Scored, with Mandarin evidence quoted verbatim from the candidate's own turns.
    assert {d["id"] for d in report["scores"]["dimensions"]} == {"communication", "experience"}
    quotes = [q for q in _quotes(report["scores"]) if _HAN.search(q)]
    assert quotes, report["scores"]
    assert all(any(q in text for text in candidate) for q in quotes), (quotes, candidate)
    return report


async def test_english_and_mandarin_interviews_at_once_share_one_set_of_models(
    zh_server: str, zh_runtime: Any, persona: Any, candidate_voice: Any
) -> None:
    zh_persona = load_persona(FIXTURES / "short_zh_persona.yaml")
    en, zh = await asyncio.gather(
        simulate(zh_server, persona=persona, voice=candidate_voice, candidate_id="c-en", speed=3),
        simulate(
            zh_server,
            persona=zh_persona,
            voice=None,  # every Mandarin answer is a recording
            candidate_id="c-zh",
            script_id="short_zh",
            speed=3,
        ),
    )
    _check_mandarin(zh, zh_runtime, max_cer=0.20)
    assert en.outcome == "completed" and en.questions() == EN_QUESTIONS
    # tiny.en at speed 3 beside a Mandarin call: the phone path's budget. A cut-off answer
    # (words lost, not misheard) still fails it.
    for (qid, answer), heard in zip(en.answers, en.transcripts(), strict=True):
        assert wer(answer, heard) <= 0.25, (qid, answer, heard)
    # One ASR model per language (tiny.en, Whisper base), each loaded once for both calls;
    # the Mandarin prompts came from the script's recordings, cached like synthesized ones.
    registry = zh_runtime.registry
    assert registry.load_counts["asr"] == 2
    assert registry.load_counts["vad"] == 1 and registry.load_counts["turn"] == 1
    assert registry.load_counts["tts"] == (1 if zh_runtime.voice_or_none("zh") is None else 2)
    script = zh_runtime.script("short_zh")
    for path in zh_runtime.recordings(script).values():
        assert zh_runtime.prompt_cache.get(recording_key(path, 16000)) is not None, path
    assert zh.bot_audio_bytes > 0


async def test_mandarin_interview_over_a_noisy_phone_line(zh_server: str, zh_runtime: Any) -> None:
    result = await simulate(
        zh_server,
        persona=load_persona(FIXTURES / "short_zh_persona.yaml"),
        voice=None,
        candidate_id="c-zh-phone",
        script_id="short_zh",
        speed=3,
        telephony=True,
    )
    _check_mandarin(result, zh_runtime, max_cer=0.25)
    # The 8 kHz recordings were resampled once for this call's rate and kept.
    script = zh_runtime.script("short_zh")
    for path in zh_runtime.recordings(script).values():
        assert zh_runtime.prompt_cache.get(recording_key(Path(path), 8000)) is not None


async def test_a_language_without_an_asr_model_is_refused_with_the_setting(
    tmp_path: Path,
) -> None:
    """Mandarin has a model by default; a deployment that removes it gets a clear refusal."""
    import json

    import websockets

    from agent.api.server import create_app
    from agent.auth.guard import Access
    from agent.calls.run import Runtime
    from agent.cli import serve_app
    from agent.settings import Settings
    from models.config import ModelSettings

    settings = Settings(data_dir=tmp_path, models=ModelSettings(asr={"en": "embedded"}))
    app = create_app(settings, Runtime(settings), warm=False)
    token = Access.from_settings(settings).call_token()
    async with serve_app(app) as base, websockets.connect(f"{base}/ws/call?token={token}") as ws:
        start = {"type": "start", "sample_rate": 8000, "candidate_id": "zh-1"}
        await ws.send(json.dumps({**start, "script_id": "cs_home_zh"}))
        error = json.loads(await ws.recv())
        with pytest.raises(websockets.ConnectionClosed):
            await ws.recv()
    assert ws.close_code == 1008
    assert error["type"] == "error"
    assert "SCREENLINE_MODELS__ASR (key 'zh')" in error["message"]


# Every Mandarin prompt is synthesized on its first use (about 1 CPU-s per audio second).
@pytest.mark.timeout(1800)
async def test_screenline_simulate_completes_the_shipped_mandarin_interview(tmp_path: Path) -> None:
    """The README's developer command on a fresh set-up: `screenline simulate --script
    cs_home_zh` in its own process, the default models only (Kokoro voices every prompt, the
    persona's answers are recordings), ends with a complete report that asked every question."""
    import json
    import os
    import subprocess
    import sys

    from dialogue.script import load_script

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "SCREENLINE_DATA_DIR": str(tmp_path)}
    env.pop("SCREENLINE_MODELS__VOICES", None)
    # In a thread: the module's asyncio mark makes this a coroutine on the shared loop.
    run = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "agent.cli", "simulate", "--script", "cs_home_zh", "--speed", "3"],
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
        cwd=root,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(Path(run.stdout.strip().splitlines()[-1]).read_text("utf-8"))
    assert report["complete"] is True and report["script"]["language"] == "zh"
    script = load_script(root / "dialogue" / "scripts" / "cs_home_zh.yaml")
    asked = [t["question_id"] for t in report["turns"] if t["speaker"] == "interviewer"]
    asked = [q for i, q in enumerate(asked) if q and q not in asked[:i]]
    assert asked == [q.id for q in script.questions], asked
    said = [t["text"] for t in report["turns"] if t["speaker"] == "candidate"]
    assert all(_HAN.search(text) for text in said), said
    # Every prompt had a voice: start-up named none that would play as silence.
    assert "play as silence" not in run.stderr and "no voice and no recording" not in run.stderr
