"""A long reply to a yes/no question is heard to the end and read as a whole (issue 10).

Over ``/ws/call`` a 43 s reply to the quiet-room question was cut at its first 0.8 s pause, 14 s
in; the rest was never transcribed, and "there is no call parked on that extension" inside it
was taken as a "no" that ended the call. Here a Piper-voiced candidate gives a ~40 s answer with
pauses of 0.8-1.0 s between sentences (longer than the question's 0.8 s end-of-answer silence,
shorter than the script's 1.2 s for long answers) and those words in the middle.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from agent.devtools.simulate import load_persona, simulate
from tests.conftest import FIXTURES
from tests.helpers import wer

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]


@pytest.fixture(scope="module")
async def interview(server_url: str, candidate_voice: Any, runtime: Any) -> dict[str, Any]:
    persona = load_persona(FIXTURES / "yes_no_en_persona.yaml")
    result = await simulate(
        server_url,
        persona=persona,
        voice=candidate_voice,
        candidate_id="yes-no-long",
        script_id="yes_no_en",
        speed=2,
    )
    return {"result": result, "report": runtime.reports.load(result.report_id)}


def _pauses(audio: np.ndarray, rate: int = 16000, frame_s: float = 0.01) -> list[float]:
    """Lengths of the silent stretches inside ``audio`` longer than 0.3 s (seconds)."""
    n = int(rate * frame_s)
    frames = audio[: audio.size // n * n].reshape(-1, n)
    quiet = np.sqrt(np.mean(frames**2, axis=1)) < 0.01
    pauses, run = [], 0
    for q in quiet:
        if q:
            run += 1
            continue
        if run * frame_s > 0.3:
            pauses.append(run * frame_s)
        run = 0
    return pauses


def _answers(report: dict[str, Any], question_id: str) -> list[dict[str, Any]]:
    return [
        t
        for t in report["turns"]
        if t["speaker"] == "candidate" and t["question_id"] == question_id
    ]


async def test_the_long_reply_is_one_turn_heard_to_the_end(interview: dict[str, Any]) -> None:
    result, report = interview["result"], interview["report"]
    audio = result.answer_audio["quiet_space"]
    assert audio.size / 16000 > 38  # a long reply ...
    long_pauses = [p for p in _pauses(audio) if p >= 0.75]
    assert len(long_pauses) >= 5, long_pauses  # ... with pauses that used to end it
    turns = _answers(report, "quiet_space")
    continued = [e["question_id"] for e in result.events if e["type"] == "answer_continued"]
    if len(turns) == 2:
        # A pause that ran past the 1.2 s silence of a long answer (Piper's own silences vary:
        # 1.26 s once, in a loaded run) ended it after a whole sentence; the speech right after
        # it went on with the same answer (the continuation rule): the reply was stopped before
        # a word of it was heard, and the engine got both parts as one answer.
        assert continued == ["quiet_space"], continued
        replies = [
            t
            for t in report["turns"]
            if t["speaker"] == "interviewer"
            and turns[0]["end_s"] <= t["start_s"] < turns[1]["end_s"]
        ]
        assert all(t["interrupted"] and t["end_s"] == t["start_s"] for t in replies), replies
    else:
        assert len(turns) == 1 and continued == [], ([t["text"] for t in turns], continued)
    text = " ".join(t["text"] for t in turns).lower()
    # Words from the first and the last sentence: nothing was cut off or left untranscribed.
    # ("in a drawer" at the very end was once heard as "adored" under load: ASR, not a cut.)
    assert "spare bedroom" in text and "phone on silent" in text, text
    # ... and none from the middle: a whole lost chunk once passed the check above.
    said = dict(result.answers)["quiet_space"]
    assert wer(said, text) <= 0.15, (said, text)
    assert turns[-1]["end_s"] - turns[0]["start_s"] > 38


async def test_the_words_inside_it_do_not_make_it_a_no(interview: dict[str, Any]) -> None:
    result, report = interview["result"], interview["report"]
    assert result.outcome == "completed", result.events
    assert report["records"]["has_quiet_space"] is True
    decided = report["records"]["yes_no_answers"]["quiet_space"]
    assert decided["answer"] == "yes" and decided["decided_by"] == "speech"
    assert "quiet_space" not in " ".join(report["flags"])
    # The interview went on to the next question and heard its answer.
    assert len(_answers(report, "start")) == 1
