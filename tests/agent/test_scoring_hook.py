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


def test_a_continued_answer_is_scored_turn_by_turn(tmp_path: Path, embed: Any) -> None:
    """The engine got two turns as one answer (the continuation rule): each part keeps its own
    turn, so features come from that turn and no quote spans the two."""
    from agent.calls.record import candidate_turn

    script = load_script("cs_home_en")
    interview = Interview(script)
    interview.start()
    first, rest = "I worked three years at a bank.", "Then two years at a call centre."
    interview.handle(Utterance(text="Yes, go ahead."))
    interview.handle(Utterance(text=f"{first} {rest}"))
    record = CallRecord("c2", "cand", script.id, script.version, script.content_hash, "en", "text")
    candidate_turn(record, "Yes, go ahead.", 0.0, 1.0, None)
    candidate_turn(record, first, 5.0, 7.0, "cs_experience").features = {"speech_rate_wpm": 150.0}
    candidate_turn(record, rest, 8.0, 10.0, "cs_experience").features = {"speech_rate_wpm": 90.0}
    inputs = [a for a in answer_inputs(record, interview.answers) if a.question_id]
    experience = [a for a in inputs if a.question_id == "cs_experience"]
    assert [(a.text, a.turn_index) for a in experience] == [(first, 1), (rest, 2)]
    assert [a.features.get("speech_rate_wpm") for a in experience] == [150.0, 90.0]
    # In Mandarin the parts may come back joined without the space.
    zh = Interview(load_script("cs_home_zh"))
    zh.start()
    zh.handle(Utterance(text="可以。"))
    zh.handle(Utterance(text="我在银行做了三年。然后在呼叫中心做了两年。"))
    record = CallRecord("c3", "cand", "cs_home_zh", "1", "h", "zh", "text")
    candidate_turn(record, "我在银行做了三年。", 5.0, 7.0, "cs_experience")
    candidate_turn(record, "然后在呼叫中心做了两年。", 8.0, 10.0, "cs_experience")
    parts = [(a.text, a.turn_index) for a in answer_inputs(record, zh.answers)]
    assert parts == [("我在银行做了三年。", 0), ("然后在呼叫中心做了两年。", 1)]
