"""The vocabulary between the interview engine and whatever drives it.

The engine is sans-I/O: a driver (the voice pipeline, the text REPL, a test) feeds it *events* and
carries out the *actions* it returns. Nothing here knows about audio, sockets or asyncio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Outcome(StrEnum):
    """How an interview ended."""

    COMPLETED = "completed"
    INELIGIBLE = "ineligible"
    OPTED_OUT = "opted_out"
    CALLBACK_REQUESTED = "callback_requested"
    HUMAN_REQUESTED = "human_requested"
    NO_RESPONSE = "no_response"
    #: No clear yes to the consent question after it was asked again: the call ends there.
    NO_CONSENT = "no_consent"
    HUNG_UP = "hung_up"


# --- events: driver -> engine ---------------------------------------------------------------


@dataclass(frozen=True)
class Utterance:
    """A finished candidate turn: final transcript plus per-turn features (may be empty)."""

    text: str
    features: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NoInput:
    """The candidate said nothing within the current Listen's no-input timeout."""


@dataclass(frozen=True)
class Unheard:
    """The candidate answered, but no transcript of it came in time (a stalled ASR stage)."""


@dataclass(frozen=True)
class AnswerTooLong:
    """The candidate has talked past the current Listen's max answer length."""

    text_so_far: str = ""


@dataclass(frozen=True)
class BargeIn:
    """The candidate started talking over the interviewer's prompt (playback was stopped)."""


@dataclass(frozen=True)
class Dtmf:
    """A keypad digit from the phone."""

    digit: str


@dataclass(frozen=True)
class HangUp:
    """The candidate's side went away."""


@dataclass(frozen=True)
class HandBack:
    """A person who had taken the call over hands it back: carry on at the next question."""


Event = Utterance | NoInput | Unheard | AnswerTooLong | BargeIn | Dtmf | HangUp | HandBack


# --- actions: engine -> driver --------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """Speak ``text``. ``prompt_id`` names a fixed script prompt (cacheable); None = dynamic."""

    text: str
    prompt_id: str | None = None
    question_id: str | None = None


@dataclass(frozen=True)
class Listen:
    """Wait for the candidate's answer with these turn-taking parameters (seconds)."""

    question_id: str | None = None
    end_silence_s: float = 1.0
    min_answer_s: float = 0.0
    max_answer_s: float = 120.0
    no_input_timeout_s: float = 8.0
    #: Once the candidate has talked this long, the answer is a long one (a yes/no question
    #: answered with a story): it ends only after ``long_end_silence_s`` of silence (the engine
    #: fills in the script's open-answer silence when a question sets none).
    long_answer_s: float = 3.0
    long_end_silence_s: float = 1.2


@dataclass(frozen=True)
class Record:
    """Store a named field for the report (consent, availability, salary expectation, ...)."""

    name: str
    value: Any


@dataclass(frozen=True)
class Flag:
    """Mark something a human reviewer should look at."""

    reason: str


@dataclass(frozen=True)
class End:
    """Finish the interview with this outcome (any goodbye is a preceding Say)."""

    outcome: Outcome


Action = Say | Listen | Record | Flag | End
