"""The continuation rule over a real ``/ws/call`` socket, with real VAD, ASR and voices.

A Piper-voiced candidate ends a sentence, thinks for 1.4 s and goes on. The end-of-answer
silence is 1.0 s and the words before the pause are a whole sentence, so the answer is decided
at the pause and the next question starts; the candidate's speech about 0.6 s after that
decision (mid-window: the answer starts on a fixed VAD phase, only Piper's timing varies) is
more of the same answer: the question must not be skipped, and the engine must get both parts
as one answer.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from agent.devtools.simulate import load_persona, simulate
from tests.conftest import FIXTURES

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]


async def test_a_thinking_pause_after_a_sentence_does_not_skip_a_question(
    server_url: str, candidate_voice: Any, runtime: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # The conductor logs how long after each decided answer speech came back: on a failure
    # that, the events and the turns say which rule took the second part where.
    caplog.set_level(logging.DEBUG, logger="agent.calls.conductor")
    result = await simulate(
        server_url,
        persona=load_persona(FIXTURES / "continuation_en_persona.yaml"),
        voice=candidate_voice,
        candidate_id="continues",
        script_id="short_en",
        speed=2,
        align_frames=8,
    )
    assert result.outcome == "completed", result.events
    report = runtime.reports.load(result.report_id)
    why = {
        "turns": [(t["speaker"], t["question_id"], t["text"]) for t in report["turns"]],
        "events": [
            (e["type"], e.get("question_id"))
            for e in result.events
            if e["type"] in ("listening", "barge_in", "answer_continued", "transcript")
            and (e["type"] != "transcript" or e.get("final"))
        ],
        "log": [r.getMessage() for r in caplog.records if "decided" in r.getMessage()],
    }
    # Every question asked and answered in order: the second part did not answer "angry".
    answered = [t["question_id"] for t in report["turns"] if t["speaker"] == "candidate"]
    asked = [q for i, q in enumerate(answered) if q and (i == 0 or q != answered[i - 1])]
    assert asked == ["experience", "angry", "start"], why
    # The answer's two parts are both under "experience": as two turns joined by the rule, or,
    # when a busy server had not decided the answer by the end of the pause, as one turn.
    experience = [
        t["text"].lower()
        for t in report["turns"]
        if t["speaker"] == "candidate" and t["question_id"] == "experience"
    ]
    assert "call centre" in experience[0] or "call center" in experience[0], why
    assert "bank" in experience[-1], why
    continued = [e["question_id"] for e in result.events if e["type"] == "answer_continued"]
    if len(experience) == 2:
        # The reply to the first part alone was stopped.
        assert continued == ["experience"]
        assert any(t["interrupted"] for t in report["turns"] if t["speaker"] == "interviewer")
    else:
        assert len(experience) == 1 and continued == [], (experience, continued)
    # The "angry" answer went to "angry" (not to a question asked over the continuation).
    angry = [t["text"].lower() for t in report["turns"] if t["question_id"] == "angry"]
    assert any("apologi" in text for text in angry[1:] or angry), angry
