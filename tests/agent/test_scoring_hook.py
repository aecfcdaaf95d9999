"""The scoring hook reads what the engine recorded: a keypad yes scores like a spoken yes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.calls.scoring import answer_inputs, finalize_scores
from agent.reports.report import CallRecord
from dialogue.engine import Interview
from dialogue.events import Dtmf, Event, Utterance
from dialogue.script import load_script
from tests.dialogue.conftest import MINIMAL


def _interview(script_path: Path, yes: Event) -> tuple[CallRecord, Interview]:
    script = load_script(script_path)
    interview = Interview(script)
    interview.start()
    for event in (
        Utterance(text="Yes, go ahead."),
        yes,
        Utterance(text="I stayed calm and patient and fixed his order the same day."),
    ):
        interview.handle(event)
    assert interview.ended, interview.states
    record = CallRecord("c1", "cand", script.id, script.version, script.content_hash, "en", "text")
    record.outcome = str(interview.outcome)
    return record, interview


def test_keypad_and_spoken_yes_score_the_same(tmp_path: Path, embed: Any) -> None:
    # The minimal script scores its yes/no question (the shipped ones keep theirs as knock-outs).
    path = tmp_path / "mini.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    totals = {}
    for name, yes in (("keypad", Dtmf(digit="1")), ("spoken", Utterance(text="Yes, I can."))):
        record, interview = _interview(path, yes)
        inputs = answer_inputs(record, interview.answers)
        remote = next(a for a in inputs if a.question_id == "remote")
        assert remote.yes_no is True and remote.keypad == (name == "keypad")
        finalize_scores(record, interview.script, interview.answers, embed=embed)
        assert record.scores is not None, record.flags
        totals[name] = record.scores["total"]
        by_id = {q["question_id"]: q for q in record.scores["questions"]}
        assert by_id["remote"]["score"] == 100.0
    assert totals["keypad"] == totals["spoken"]
