"""Timers on the caller's clock (issue 11 item 5): over Twilio the no-input time counts from the
mark echo, when the caller has heard the question, not from when its audio was sent.

The stand-in phone hears every prompt 3 s after the server sent it and answers 4 s after hearing
the question end: 7 s after the server sent it, past the script's 6 s no-input timeout counted
from the send, within it counted from the echo. "Are you still there?" must not come.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from agent.devtools.simulate import Candidate, Persona, Speaker
from tests.telephony.phones import PhoneEar, twilio_call
from tests.telephony.test_telephony_calls import _report

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

QUESTIONS = ["greeting", "experience", "angry", "start"]


async def test_no_input_counts_from_when_the_caller_heard_the_question(
    telephony_server: Any, persona: Persona, candidate_voice: Any
) -> None:
    candidate = Candidate(persona, Speaker(candidate_voice, 8000, True), hangup_after=2)
    await candidate.prepare()
    sid = "CA" + uuid.uuid4().hex
    log = await twilio_call(
        telephony_server.ws + "/telephony/twilio/stream",
        candidate,
        PhoneEar(candidate, QUESTIONS, gap_s=4.0, latency_s=3.0),
        call_sid=sid,
        params=telephony_server.stream_params(
            {"candidate_id": "c-late-ear", "script_id": "short_en"}, sid
        ),
    )
    assert log.marks_echoed
    report = await _report(telephony_server.runtime, sid)
    prompts = [t["prompt_id"] for t in report["turns"] if t["speaker"] == "interviewer"]
    assert not any(p and "reprompt" in p for p in prompts), prompts
    answers = [t["question_id"] for t in report["turns"] if t["speaker"] == "candidate"]
    assert answers[:2] == [None, "experience"], report["turns"]
