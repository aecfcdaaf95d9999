"""How a call's record follows the interview: the one copy, shared by every driver of the engine.

The voice conductor (:mod:`agent.calls.conductor`) and the typed-interview driver
(:mod:`agent.calls.typed`) both turn the engine's actions into the same :class:`CallRecord`:
interviewer lines and candidate answers become turns, ``Record`` and ``Flag`` actions become
fields and flags, the states visited are noted, and the end fills outcome and completeness. They
differ only in the clock (the call's audio clock, or none for typed text) and in their I/O.
"""

from __future__ import annotations

from agent.reports.report import CallRecord, Turn, new_call_id, utc_now
from dialogue.events import Action, Flag, Outcome, Record, Say
from dialogue.script import Script


def open_record(
    script: Script, *, candidate_id: str, transport: str, call_id: str | None = None
) -> CallRecord:
    """A fresh record for one interview over ``script`` (a new call id unless given)."""
    return CallRecord(
        call_id=call_id or new_call_id(),
        candidate_id=candidate_id,
        script_id=script.id,
        script_version=script.version,
        script_hash=script.content_hash,
        language=script.language,
        transport=transport,
    )


def note_state(record: CallRecord, state: str) -> None:
    """Append the engine's state to the states visited, unless it is the last one noted."""
    if not record.states or record.states[-1] != state:
        record.states.append(state)


def record_action(record: CallRecord, action: Action, clock: float) -> Turn | None:
    """Write one engine action into the record; returns the interviewer turn of a ``Say``.

    ``Listen`` and ``End`` are the driver's to carry out (``End`` through :func:`close_record`).
    """
    if isinstance(action, Say):
        turn = Turn(
            "interviewer",
            action.text,
            clock,
            clock,
            question_id=action.question_id,
            prompt_id=action.prompt_id,
        )
        record.turns.append(turn)
        return turn
    if isinstance(action, Record):
        record.records[action.name] = action.value
    elif isinstance(action, Flag):
        record.flags.append(action.reason)
    return None


def candidate_turn(
    record: CallRecord,
    text: str,
    start_s: float,
    end_s: float,
    question_id: str | None,
    latency: dict[str, float] | None = None,
) -> Turn:
    """Append the candidate's answer turn (final text) and return it."""
    turn = Turn("candidate", text, start_s, end_s, question_id=question_id, latency=latency or {})
    record.turns.append(turn)
    return turn


def close_record(record: CallRecord, outcome: Outcome | str, *, reason: str) -> None:
    """Mark the interview over: outcome, why it ended, completeness (a hang-up is not), time."""
    record.outcome = str(outcome)
    record.end_reason = reason
    record.complete = outcome != Outcome.HUNG_UP
    record.ended_at = utc_now()
