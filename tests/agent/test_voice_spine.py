"""End-to-end interviews over a real WebSocket on 127.0.0.1 with the real embedded models."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import numpy as np
import pytest
import websockets

from agent.devtools.simulate import Persona, Reply, simulate
from agent.reports.report import validate_report
from agent.reports.schema import schema_problems
from tests.helpers import wer

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

QUESTIONS = ["greeting", "experience", "angry", "start"]


def _check_interview(result: Any, persona: Any, runtime: Any, max_wer: float) -> dict[str, Any]:
    assert result.outcome == "completed", result.events
    assert result.close_code == 1000
    # Every scripted question was asked, in order, once each.
    assert result.questions() == QUESTIONS
    said = [e for e in result.events if e["type"] == "bot_said"]
    assert [e["question_id"] for e in said if e.get("question_id")] == QUESTIONS[1:]
    # Each answer is transcribed within the WER budget.
    transcripts = result.transcripts()
    assert len(transcripts) == len(QUESTIONS)
    for (qid, answer), heard in zip(result.answers, transcripts, strict=True):
        assert wer(answer, heard) <= max_wer, (qid, answer, heard)
    report = runtime.reports.load(result.report_id)
    assert validate_report(report) == []
    assert schema_problems(report) == []
    assert report["complete"] is True
    # Scored and explained: every script dimension, a tier that awaits human review.
    scores = report["scores"]
    assert {d["id"] for d in scores["dimensions"]} == {"communication", "experience"}
    assert scores["tier"] in ("strong_recommend", "pending", "reject")
    assert scores["requires_human_review"] is True
    assert all(d["rationale"] for d in scores["dimensions"])
    answered = [t for t in report["turns"] if t["speaker"] == "candidate"]
    assert all(t["features"].get("speech_rate_per_min", 0) > 60 for t in answered)
    assert len(report["delivery_tracks"]) == len(answered)
    assert report["script"]["id"] == "short_en"
    assert report["script"]["version"] == "test-1"
    assert len(report["script"]["content_hash"]) == 64
    candidate_turns = [t for t in report["turns"] if t["speaker"] == "candidate"]
    assert [t["text"] for t in candidate_turns] == transcripts
    assert [t["question_id"] for t in candidate_turns] == [None, *QUESTIONS[1:]]
    return report


async def _close_code(url: str, *messages: str | bytes) -> int | None:
    async with websockets.connect(url) as ws:
        try:
            for message in messages:
                await ws.send(message)
            while True:
                await asyncio.wait_for(ws.recv(), 10)
        except websockets.ConnectionClosed:
            pass
        return ws.close_code


async def bad_clients(url: str) -> list[int | None]:
    """Malformed callers, run while real interviews are in progress."""
    start = json.dumps({"type": "start", "sample_rate": 16000, "candidate_id": "bad"})
    return [
        await _close_code(url, "this is not json"),
        await _close_code(url, b"\x00\x01" * 160),  # audio before start
        await _close_code(
            url, json.dumps({"type": "start", "sample_rate": 44100, "candidate_id": "x"})
        ),
        await _close_code(
            url, json.dumps({"type": "start", "sample_rate": 8000, "candidate_id": ""})
        ),
        await _close_code(url, start, b"\x00" * (1024 * 1024)),  # oversized frame mid-call
    ]


async def test_two_concurrent_interviews_and_a_dropped_call(
    server_url: str, runtime: Any, persona: Any, candidate_voice: Any
) -> None:
    """A wideband and a telephony interview share one server (and one set of models) while a
    third caller drops mid-call; both interviews finish cleanly and the dropped call leaves a
    partial report."""
    other = Persona(
        by_question={
            **persona.by_question,
            "experience": Reply(
                "I sold furniture and kitchen goods in a department store for two years."
            ),
        }
    )
    loads_before = dict(runtime.registry.load_counts)

    async def drop_mid_call() -> str:
        async with websockets.connect(server_url) as ws:
            await ws.send(
                json.dumps({"type": "start", "sample_rate": 16000, "candidate_id": "drop"})
            )
            ready = json.loads(await ws.recv())
            silence = np.zeros(320, "<i2").tobytes()
            for _ in range(100):
                await ws.send(silence)
                await asyncio.sleep(0.02)
            # Abrupt: close the TCP connection without a close handshake.
            ws.transport.abort()
            return str(ready["call_id"])

    wide, phone, dropped_id, bad_closes = await asyncio.gather(
        simulate(
            server_url, persona=persona, voice=candidate_voice, candidate_id="c-wide", speed=3
        ),
        simulate(
            server_url,
            persona=other,
            voice=candidate_voice,
            candidate_id="c-phone",
            speed=3,
            telephony=True,
        ),
        drop_mid_call(),
        bad_clients(server_url),
    )
    assert bad_closes == [1003, 1003, 1008, 1008, 1009]
    wide_report = _check_interview(wide, persona, runtime, max_wer=0.15)
    phone_report = _check_interview(phone, other, runtime, max_wer=0.25)
    # No mixing: each report holds its own candidate's words only.
    assert wide_report["candidate_id"] == "c-wide"
    assert phone_report["candidate_id"] == "c-phone"
    assert "furniture" in json.dumps(phone_report) and "furniture" not in json.dumps(wide_report)
    # Models were loaded once for the whole process, not per call: these calls loaded none.
    # (ASR models and voices are one per language: earlier tests in the session may have
    # loaded the Mandarin ones.)
    assert runtime.registry.load_counts == loads_before
    assert {k: loads_before[k] for k in ("vad", "turn", "embed")} == {
        "vad": 1,
        "turn": 1,
        "embed": 1,
    }
    assert 1 <= loads_before["asr"] <= 2 and 1 <= loads_before["tts"] <= 2
    # The dropped call's partial report is on disk, marked incomplete.
    for _ in range(50):
        try:
            partial = runtime.reports.load(dropped_id)
            break
        except FileNotFoundError:
            await asyncio.sleep(0.1)
    assert partial["complete"] is False
    assert partial["end_reason"] == "disconnected"
    assert partial["turns"] and partial["turns"][0]["speaker"] == "interviewer"
    assert validate_report(partial) == []


async def test_client_hangup_ends_call_with_report(
    server_url: str, runtime: Any, persona: Any, candidate_voice: Any
) -> None:
    result = await simulate(
        server_url, persona=persona, voice=candidate_voice, speed=3, hangup_after=2
    )
    assert result.outcome == "hung_up"
    report = runtime.reports.load(result.report_id)
    assert report["complete"] is False
    assert report["outcome"] == "hung_up"
    assert len([t for t in report["turns"] if t["speaker"] == "candidate"]) == 2


async def test_unknown_script_is_refused(server_url: str) -> None:
    async with websockets.connect(server_url) as ws:
        start = {"type": "start", "sample_rate": 16000, "candidate_id": "c", "script_id": "nope"}
        await ws.send(json.dumps(start))
        error = json.loads(await ws.recv())
        with pytest.raises(websockets.ConnectionClosed):
            await ws.recv()
    assert ws.close_code == 1008
    assert "nope" in error["message"]
