"""What became of one call attempt, from the carrier's and the interview's point of view.

Pure mapping: Twilio's final ``CallStatus`` plus its answering-machine verdict (``AnsweredBy``,
from ``MachineDetection`` with ``AsyncAmd``), a refused ``Calls.json`` request, or how the
interview itself ended → one :class:`Outcome`.
"""

from __future__ import annotations

from enum import StrEnum

from telephony.twilio_rest import AnsweredBy, CallStatus

__all__ = [
    "INVALID_NUMBER_API_CODES",
    "INVALID_NUMBER_SIP_CODES",
    "Outcome",
    "from_api_error",
    "from_hangup_cause",
    "from_interview",
    "from_twilio",
]


class Outcome(StrEnum):
    """How an attempt ended (the retry policy decides per outcome)."""

    ANSWERED = "answered"  # a person took the call and the interview ran
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    FAILED = "failed"  # the carrier could not connect (network, congestion): retry
    VOICEMAIL = "voicemail"  # a machine answered
    DECLINED = "declined"  # the candidate said no / opted out: never retried
    INVALID_NUMBER = "invalid_number"  # does not exist, or a fax line: never retried
    CALLBACK = "callback"  # the candidate asked to be called at another time
    DNC = "dnc"  # on the do-not-call list at dial time: never dialled
    CANCELED = "canceled"  # the campaign was cancelled


#: SIP final responses that mean the number does not exist or cannot ever be reached
#: (404 Not Found, 410 Gone, 484 Address Incomplete, 604 Does Not Exist Anywhere).
INVALID_NUMBER_SIP_CODES = frozenset({"404", "410", "484", "604"})
#: Twilio REST error codes refusing ``To`` as a number: 21211 invalid 'To', 21214 'To' cannot
#: be reached, 21217 not a valid phone number, 13224 invalid dial number, 21612 cannot route.
INVALID_NUMBER_API_CODES = frozenset({21211, 21214, 21217, 13224, 21612})

_MACHINE = frozenset(
    {
        AnsweredBy.MACHINE_START,
        AnsweredBy.MACHINE_END_BEEP,
        AnsweredBy.MACHINE_END_SILENCE,
        AnsweredBy.MACHINE_END_OTHER,
    }
)


def from_twilio(
    status: CallStatus, answered_by: AnsweredBy | None = None, sip_code: str | None = None
) -> Outcome:
    """The outcome of a call Twilio reports as ended with ``status``.

    ``answered_by`` is the AMD verdict when one arrived: a machine is voicemail, a fax line
    is not a phone anyone answers (treated as an invalid number), ``human`` and ``unknown``
    (AMD could not tell) count as answered so the interview's own outcome decides.
    """
    if status is CallStatus.COMPLETED:
        if answered_by in _MACHINE:
            return Outcome.VOICEMAIL
        if answered_by is AnsweredBy.FAX:
            return Outcome.INVALID_NUMBER
        return Outcome.ANSWERED
    if status is CallStatus.BUSY:
        return Outcome.BUSY
    if status is CallStatus.NO_ANSWER:
        return Outcome.NO_ANSWER
    if status is CallStatus.CANCELED:
        return Outcome.CANCELED
    if status is CallStatus.FAILED:
        return Outcome.INVALID_NUMBER if sip_code in INVALID_NUMBER_SIP_CODES else Outcome.FAILED
    raise ValueError(f"call status {status} is not final")


#: FreeSWITCH hangup causes (Q.850 names) of calls that never connected.
_FS_CAUSES = {
    "USER_BUSY": Outcome.BUSY,
    "CALL_REJECTED": Outcome.BUSY,  # declined on the handset, as a carrier reports busy
    "NO_ANSWER": Outcome.NO_ANSWER,
    "NO_USER_RESPONSE": Outcome.NO_ANSWER,
    "ORIGINATOR_CANCEL": Outcome.CANCELED,
    "UNALLOCATED_NUMBER": Outcome.INVALID_NUMBER,
    "NO_ROUTE_DESTINATION": Outcome.INVALID_NUMBER,
    "INVALID_NUMBER_FORMAT": Outcome.INVALID_NUMBER,
    "NUMBER_CHANGED": Outcome.INVALID_NUMBER,
}


def from_hangup_cause(cause: str, answered: bool) -> Outcome:
    """The outcome of a FreeSWITCH call from its hangup cause (``-ERR USER_BUSY`` of an
    originate, or ``Hangup-Cause`` of ``CHANNEL_HANGUP_COMPLETE``): an answered call that
    hung up is answered; otherwise busy, no answer, invalid number, or failed."""
    if answered:
        return Outcome.ANSWERED
    return _FS_CAUSES.get(cause.strip().upper(), Outcome.FAILED)


def from_api_error(code: int | None) -> Outcome:
    """The outcome when ``POST Calls.json`` is refused with Twilio error ``code``."""
    return Outcome.INVALID_NUMBER if code in INVALID_NUMBER_API_CODES else Outcome.FAILED


def from_interview(end_reason: str | None, intent: str | None = None) -> Outcome:
    """Refine an answered call by how the interview ended: an opt-out is a decline, "busy,
    call me later" a callback (the time is parsed from the candidate's words)."""
    tag = (intent or end_reason or "").lower()
    if tag in {"opt_out", "declined", "no_consent"}:
        return Outcome.DECLINED
    if tag in {"busy", "callback"}:
        return Outcome.CALLBACK
    return Outcome.ANSWERED
