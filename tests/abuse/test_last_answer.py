"""A caller who hangs up while its last answer is still being transcribed keeps that answer."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from agent.devtools.simulate import Candidate, Speaker, ws_call

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]


class HangsUpAfterSpeaking(Candidate):
    """Hangs up the instant its ``n``-th answer's last sample has gone out: the server is
    then still inside the end-of-answer silence, with the answer not yet transcribed."""

    def __init__(self, *args: Any, n: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.n = n

    def next_frame(self) -> np.ndarray:
        frame = super().next_frame()
        if self._answer_end is not None and len(self.result.answers) >= self.n:
            self.hangup.set()
        return frame


async def test_hangup_right_after_an_answer_keeps_it(
    server_url: str, runtime: Any, persona: Any, candidate_voice: Any
) -> None:
    candidate = HangsUpAfterSpeaking(persona, Speaker(candidate_voice, 16000, False), n=2)
    await candidate.prepare()
    try:
        await ws_call(server_url, candidate, rate=16000, candidate_id="leaves-early", speed=2)
    finally:
        await candidate.close()
    assert candidate.result.report_id is not None, "no call_ended after the hang-up"
    report = runtime.reports.load(candidate.result.report_id)
    said = [t for t in report["turns"] if t["speaker"] == "candidate"]
    assert len(said) == 2, said  # the second answer was still in flight at the hang-up
    assert said[1]["text"].strip()
    assert report["end_reason"] == "client" and report["complete"] is False
