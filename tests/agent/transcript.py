"""Run the real interview engine over a typed transcript and keep a call record, as a call would.

The engine decides what is asked (greeting, questions, follow-ups) and the record gets the same
turns, records and flags the conductor would write; turn times advance on a simple clock so the
report looks like a real call's. Each candidate turn's features come from ``features_for``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from agent.reports.report import CallRecord, Turn
from dialogue.engine import Interview
from dialogue.events import Action, Flag, Record, Say, Utterance
from dialogue.script import Script

FeaturesFor = Callable[[str, str], dict[str, Any]]
CONSENT = {"en": "Yes, that's fine.", "zh": "可以的。"}
FOLLOW_UP = {"en": "That's all I can add, thank you.", "zh": "就这些，谢谢。"}
# When the engine asks whether a request inside an answer was meant ("Would you like to stop the
# interview here?"), the typed candidate carries on unless ``answers`` has a "confirm" entry.
CARRY_ON = {"en": "No, let's continue.", "zh": "不是，我们继续吧。"}
MAX_TURNS = 60


def run_transcript(
    script: Script,
    answers: Mapping[str, str],
    *,
    features_for: FeaturesFor | None = None,
    call_id: str = "call-test-1",
    candidate_id: str = "cand-042",
) -> tuple[CallRecord, Interview]:
    """Interview a typed candidate: ``answers`` maps question id (or ``<id>.followup``) to text."""
    interview = Interview(script, {"candidate_name": "Alex"})
    record = CallRecord(
        call_id=call_id,
        candidate_id=candidate_id,
        script_id=script.id,
        script_version=script.version,
        script_hash=script.content_hash,
        language=script.language,
        transport="text",
    )
    clock = 0.0

    def apply(actions: list[Action]) -> None:
        nonlocal clock
        for action in actions:
            if isinstance(action, Say):
                end = clock + 0.06 * len(action.text)  # about the pace of Piper's prompts
                record.turns.append(
                    Turn(
                        "interviewer", action.text, clock, end, action.question_id, action.prompt_id
                    )
                )
                clock = end
            elif isinstance(action, Record):
                record.records[action.name] = action.value
            elif isinstance(action, Flag):
                record.flags.append(action.reason)

    apply(interview.start())
    for _ in range(MAX_TURNS):
        if interview.ended:
            break
        state = interview.state
        qid = state.split(":", 1)[1] if ":" in state else None
        if state == "greeting":
            text = CONSENT[script.language]
        elif state.startswith("confirm:"):
            qid = None
            text = answers.get("confirm", CARRY_ON[script.language])
        elif state.startswith("followup:"):
            text = answers.get(f"{qid}.followup", FOLLOW_UP[script.language])
        else:
            text = answers[str(qid)]
        features = features_for(str(qid), text) if features_for and qid else {}
        start = clock + 0.7
        clock = start + 0.4 * max(1, len(text.split()))
        record.turns.append(Turn("candidate", text, start, clock, qid, features=features))
        apply(interview.handle(Utterance(text=text, features=features)))
    assert interview.ended, f"interview did not end: {interview.states}"
    record.states = list(interview.states)
    record.outcome = str(interview.outcome)
    record.end_reason = "dialogue"
    record.complete = True
    record.ended_at = record.started_at
    return record, interview
