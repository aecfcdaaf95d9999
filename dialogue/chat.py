"""A text REPL over the interview engine (``screenline chat SCRIPT``): type the candidate's side.

Same engine as the voice path, with events typed instead of heard. Slash commands stand in for what
only a phone can do; a blank line is silence.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from dialogue.engine import Interview
from dialogue.events import (
    Action,
    AnswerTooLong,
    BargeIn,
    Dtmf,
    End,
    Event,
    Flag,
    HangUp,
    NoInput,
    Record,
    Say,
    Utterance,
)
from dialogue.script import ScriptError, load_script

HELP = """\
Type the candidate's answer and press Enter. Commands:
  /silence        the candidate says nothing (NoInput)
  /long [text]    the answer ran past the maximum length (AnswerTooLong)
  /dtmf D         a keypad digit (1 = yes, 2 = no, 0 = talk to a person)
  /bargein        the candidate talked over the interviewer
  /hangup, /quit  the candidate hangs up
  /help           this text"""


#: Keys of a phone keypad.
KEYPAD = frozenset("0123456789*#")


class _BadCommand(ValueError):
    pass


def parse_line(line: str) -> Event | None:
    """The event a typed line stands for; None for ``/help``. Raises on an unknown command."""
    text = line.strip()
    if not text.startswith("/"):
        return Utterance(text)
    command, _, rest = text.partition(" ")
    rest = rest.strip()
    if command == "/silence":
        return NoInput()
    if command == "/long":
        return AnswerTooLong(rest)
    if command == "/dtmf":
        if len(rest) != 1 or rest not in KEYPAD:
            raise _BadCommand(f"bad keypad digit {rest!r} in {text!r} (one of 0-9 * #)")
        return Dtmf(rest)
    if command == "/bargein":
        return BargeIn()
    if command in {"/hangup", "/quit"}:
        return HangUp()
    if command == "/help":
        return None
    raise _BadCommand(f"unknown command {text!r} (try /help)")


def _print_actions(actions: list[Action], out: TextIO, verbose: bool) -> None:
    for action in actions:
        if isinstance(action, Say):
            print(f"Interviewer: {action.text}", file=out)
        elif verbose and isinstance(action, Record):
            print(f"  record {action.name} = {action.value!r}", file=out)
        elif verbose and isinstance(action, Flag):
            print(f"  flag: {action.reason}", file=out)
        elif verbose and isinstance(action, End):
            print(f"  [ended: {action.outcome}]", file=out)


def _print_status(interview: Interview, out: TextIO) -> None:
    step = interview.history[-1]
    qid = step.state.partition(":")[2] if step.state.startswith(("q:", "followup:")) else None
    print(f"  state: {step.state} -> {interview.state}", file=out)
    answer = interview.answers.get(qid) if qid else None
    if answer is not None:
        print(f"  concepts ({qid}): {', '.join(answer.concepts) or '-'}", file=out)
    if interview.records:
        shown = ", ".join(f"{k}={v!r}" for k, v in interview.records.items())
        print(f"  records: {shown}", file=out)


def summary(interview: Interview) -> dict[str, Any]:
    """The end-of-chat summary: outcome, records, flags and the states visited."""
    return {
        "outcome": str(interview.outcome) if interview.outcome else None,
        "records": interview.records,
        "flags": interview.flags,
        "states": interview.states,
    }


def run_chat(
    script_ref: str,
    input_stream: TextIO,
    output_stream: TextIO,
    interactive: bool,
    variables: dict[str, str] | None = None,
) -> int:
    """Run one interview over text streams; return the process exit status.

    ``script_ref`` is a script file path or a shipped script id; ``variables`` fill
    ``{candidate_name}`` etc. Interactive mode prompts with ``> `` and shows the state, matched
    concepts and recorded fields after each turn. Non-interactive mode (input not a terminal)
    reads one answer per line, prints the interviewer's lines, and ends with one JSON line
    ``{"outcome", "records", "flags", "states"}``. End of input before the interview ends counts
    as the candidate hanging up. Exit status: 0 when the interview ran, 2 for an invalid script.
    """
    out = output_stream
    try:
        script = load_script(script_ref)
    except ScriptError as exc:
        print(exc, file=out)
        return 2
    interview = Interview(script, variables)
    if interactive:
        print(
            f"{script.id} ({script.language}, version {script.version}) — /help for commands",
            file=out,
        )
    _print_actions(interview.start(), out, interactive)
    while not interview.ended:
        if interactive:
            print("> ", end="", file=out, flush=True)
        line = input_stream.readline()
        try:
            event = parse_line(line) if line else HangUp()
        except _BadCommand as exc:
            print(exc, file=out)
            continue
        if event is None:
            print(HELP, file=out)
            continue
        _print_actions(interview.handle(event), out, interactive)
        if interactive:
            _print_status(interview, out)
    result = summary(interview)
    if interactive:
        print(f"outcome: {result['outcome']}  flags: {result['flags'] or '-'}", file=out)
    else:
        print(json.dumps(result, ensure_ascii=False, default=str), file=out)
    return 0
