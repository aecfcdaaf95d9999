"""Typed interviews: a file of answers run through the engine, the call record and the scorer.

``screenline score SCRIPT ANSWERS`` and ``bench/assessment.py`` use this to score an interview
from text exactly as a call scores it: the same :class:`dialogue.engine.Interview`, the same
record helpers as the voice conductor (:mod:`agent.calls.record`) and the same
:func:`agent.calls.scoring.finalize_scores`. Only the audio is missing: turns carry no timing
(every clock reading is 0.0) and no delivery features, so nothing is scored on delivery.

An answers file (YAML or JSON) takes one of two forms:

* a mapping, question id -> answer (optionally under an ``answers:`` key, as persona files
  have it). An answer is a text, a keypad turn ``{dtmf: "1"}``, or a list of these: the first
  answers the question, the next ones its follow-ups or a re-asked question. ``greeting`` is the
  consent answer. Once the list is used up, a question asked again gets its last answer once
  more (a knock-out is confirmed the way it was given) and then silence; a follow-up gets
  silence. A question the file leaves out is met with silence; once nothing is left for it or
  any later question, the candidate hangs up (an incomplete interview).
* a list of turns, fed in order each time the interviewer listens: a text or
  ``{text: ..., question: ID}`` / ``{dtmf: "1", question: ID}``. ``question`` is optional and,
  when given, must be the question being asked at that point. When the turns run out the
  candidate hangs up.

A text may also be one of the chat commands of :mod:`dialogue.chat` (``/silence``, ``/dtmf 1``,
``/long TEXT``, ``/hangup``, ...). Consent is given on the keypad (``1``) unless the file answers
the greeting itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.calls.record import candidate_turn, close_record, note_state, open_record, record_action
from agent.calls.scoring import finalize_scores
from agent.reports.report import CallRecord
from dialogue.chat import KEYPAD, parse_line
from dialogue.embedding import Embed
from dialogue.engine import Interview
from dialogue.events import (
    Action,
    AnswerTooLong,
    Dtmf,
    End,
    Event,
    HangUp,
    Listen,
    NoInput,
    Utterance,
)
from dialogue.script import Script
from dialogue.yaml_source import YamlSyntaxError, parse

#: The consent answer's key (the engine's state name for the greeting).
GREETING = "greeting"
#: Bounds on what a file may ask of the driver (it is input, possibly a stranger's).
MAX_FILE_BYTES = 1 << 20
MAX_TEXT_CHARS = 10_000
MAX_TURNS = 500
#: Consent when the file does not answer the greeting: a keypad yes, the same in every language.
AUTO_CONSENT = Dtmf("1")
TRANSPORT = "typed"


class AnswersError(ValueError):
    """An answers file that cannot be run: the message names the file and the entry."""


@dataclass(frozen=True)
class TypedTurn:
    """One thing the candidate does when the interviewer listens; ``question`` checks where."""

    event: Event
    question: str | None = None


@dataclass
class TypedAnswers:
    """A parsed answers file: per question (mapping form) or in order (list form).

    The run that uses it consumes it (answers are taken as the interviewer asks): parse the file
    again for another run.
    """

    by_question: dict[str, list[Event]] | None = None
    in_order: list[TypedTurn] | None = None
    _given: frozenset[str] = field(default_factory=frozenset)  # keys the mapping had
    _last: dict[str, Event] = field(default_factory=dict)  # last answer, until repeated once

    def _asking(self, engine: Interview) -> str | None:
        state = engine.state
        if state == GREETING:
            return GREETING
        if state.startswith(("q:", "followup:")):
            return state.partition(":")[2]
        return None  # callback time and other states a file cannot name

    def next_event(self, engine: Interview, script: Script) -> Event:
        """What the candidate does now, given where the interview stands."""
        asking = self._asking(engine)
        if self.in_order is not None:
            return self._next_in_order(asking)
        assert self.by_question is not None
        queue = self.by_question.get(asking or "", [])
        if queue:
            self._last[asking or ""] = event = queue.pop(0)
            return event
        if asking == GREETING and GREETING not in self._given:
            self._given = self._given | {GREETING}
            self._last[GREETING] = AUTO_CONSENT
            return AUTO_CONSENT
        if asking is None or engine.state.startswith("followup:"):
            return NoInput()  # nothing (more) to say to a probe or a callback request
        if asking in self._given:
            # The same question again (a knock-out confirmation, "was that a yes?"): a person
            # gives the same answer once more, then falls silent (the engine moves on).
            return self._last.pop(asking, NoInput())
        order = [q.id for q in script.questions]
        later = order[order.index(asking) :] if asking in order else []
        if any(self.by_question.get(qid) for qid in later):
            return NoInput()  # skipped this one, answers a later one
        return HangUp()  # the file has nothing left: the candidate is gone

    def _next_in_order(self, asking: str | None) -> Event:
        assert self.in_order is not None
        first = self.in_order[0] if self.in_order else None
        if asking == GREETING and GREETING not in self._given:
            self._given = self._given | {GREETING}
            if first is None or first.question != GREETING:
                return AUTO_CONSENT
        if not self.in_order:
            return HangUp()
        turn = self.in_order.pop(0)
        if turn.question is not None and turn.question != asking:
            raise AnswersError(
                f"a turn answers {turn.question!r} but the interviewer is asking "
                f"{asking or 'no question'!r} there"
            )
        return turn.event


# --- parsing --------------------------------------------------------------------------------


def _event(value: Any, where: str) -> Event:
    """One answer: a text (or chat command) or ``{dtmf: D}`` / ``{text: T}``."""
    if isinstance(value, Mapping):
        keys = set(value) - {"question"}
        if keys == {"dtmf"}:
            digit = str(value["dtmf"]).strip()
            if len(digit) != 1 or digit not in KEYPAD:
                raise AnswersError(f"{where}: bad keypad digit {value['dtmf']!r} (one of 0-9 * #)")
            return Dtmf(digit)
        if keys == {"text"}:
            return _event(value["text"], where)
        raise AnswersError(f"{where}: a turn has either 'text' or 'dtmf' (got {sorted(keys)})")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise AnswersError(f"{where}: an answer is a text or {{dtmf: D}}, not {value!r}")
    text = str(value)
    if len(text) > MAX_TEXT_CHARS:
        raise AnswersError(f"{where}: answer longer than {MAX_TEXT_CHARS} characters")
    try:
        event = parse_line(text)
    except ValueError as exc:
        raise AnswersError(f"{where}: {exc}") from None
    if event is None:
        raise AnswersError(f"{where}: /help is not an answer")
    return event


def _check_id(qid: str, valid: Sequence[str], where: str) -> None:
    if qid not in valid:
        raise AnswersError(
            f"{where}: unknown question id {qid!r} (this script has: {', '.join(valid)})"
        )


def parse_answers(data: Any, script: Script, source: str = "answers") -> TypedAnswers:
    """Validate parsed YAML/JSON against ``script``; raise :class:`AnswersError` if unusable."""
    valid = [GREETING, *(q.id for q in script.questions)]
    if isinstance(data, Mapping) and set(data) == {"answers"}:
        data = data["answers"]
    if isinstance(data, Mapping):
        by_question: dict[str, list[Event]] = {}
        count = 0
        for key, value in data.items():
            qid = str(key)
            _check_id(qid, valid, source)
            if value is None:
                continue  # the same as leaving the question out
            values = value if isinstance(value, list) else [value]
            count += len(values)
            if count > MAX_TURNS:
                raise AnswersError(f"{source}: more than {MAX_TURNS} answers")
            by_question[qid] = [_event(v, f"{source}: {qid}[{i}]") for i, v in enumerate(values)]
        return TypedAnswers(by_question=by_question, _given=frozenset(by_question))
    if isinstance(data, list):
        if len(data) > MAX_TURNS:
            raise AnswersError(f"{source}: more than {MAX_TURNS} turns")
        turns = []
        for i, item in enumerate(data):
            where = f"{source}: turn {i + 1}"
            question = item.get("question") if isinstance(item, Mapping) else None
            if question is not None:
                _check_id(str(question), valid, where)
            turns.append(
                TypedTurn(_event(item, where), None if question is None else str(question))
            )
        return TypedAnswers(in_order=turns)
    raise AnswersError(f"{source}: expected a mapping of question id -> answer, or a list of turns")


def load_answers(path: str | Path, script: Script) -> TypedAnswers:
    """Read and validate an answers file (``.json`` as JSON, anything else as YAML)."""
    path = Path(path)
    try:
        raw = path.read_bytes()[: MAX_FILE_BYTES + 1]
    except OSError as exc:
        raise AnswersError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise AnswersError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else parse(text)[0]
    except UnicodeDecodeError:
        raise AnswersError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise AnswersError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except YamlSyntaxError as exc:
        raise AnswersError(f"{path}:{exc.line or '?'}: not valid YAML ({exc})") from None
    return parse_answers(data, script, str(path))


# --- running --------------------------------------------------------------------------------


def _apply(record: CallRecord, actions: list[Action]) -> None:
    for action in actions:
        record_action(record, action, 0.0)
        if isinstance(action, End):
            close_record(record, action.outcome, reason="dialogue")


def run_typed(
    script: Script,
    answers: TypedAnswers,
    *,
    embed: Embed,
    auto_reject: bool = False,
    candidate_id: str = "typed-candidate",
    variables: Mapping[str, str] | None = None,
) -> CallRecord:
    """Run the interview on ``answers`` and score it; returns the finished call record.

    Raises :class:`AnswersError` when a turn names a question other than the one being asked.
    """
    record = open_record(script, candidate_id=candidate_id, transport=TRANSPORT)
    engine = Interview(script, {"candidate_id": candidate_id, **(variables or {})})
    actions = engine.start()
    note_state(record, engine.state)
    _apply(record, actions)
    listen: Listen | None = next((a for a in actions if isinstance(a, Listen)), None)
    # Every step either consumes an answer or moves the engine on; the bound is a backstop.
    for _ in range(4 * MAX_TURNS):
        if engine.ended:
            break
        event = answers.next_event(engine, script)
        question_id = listen.question_id if listen else None
        if isinstance(event, Utterance) and event.text.strip():
            candidate_turn(record, event.text.strip(), 0.0, 0.0, question_id)
        elif isinstance(event, AnswerTooLong):
            candidate_turn(record, event.text_so_far.strip(), 0.0, 0.0, question_id)
        actions = engine.handle(event)
        note_state(record, engine.state)
        _apply(record, actions)
        listen = next((a for a in actions if isinstance(a, Listen)), listen)
    else:  # pragma: no cover - the engine ends every interview long before
        raise AnswersError("the interview did not end")
    finalize_scores(record, script, engine.answers, embed=embed, auto_reject=auto_reject)
    return record


def score_typed(
    script: Script,
    answers: TypedAnswers,
    *,
    embed: Embed,
    auto_reject: bool = False,
    candidate_id: str = "typed-candidate",
) -> dict[str, Any]:
    """The report (JSON-ready) of a typed interview: :func:`run_typed` then ``to_report()``."""
    record = run_typed(
        script, answers, embed=embed, auto_reject=auto_reject, candidate_id=candidate_id
    )
    return record.to_report()
