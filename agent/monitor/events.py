"""Live call events and the live-call summary built from them (pure: no I/O, no asyncio).

Every event is a flat JSON object: ``type`` (an :class:`EventType`), ``call_id``, ``at`` (Unix
seconds, wall clock) and ``t`` (seconds on the call's audio clock), plus the type's own fields.
The conductor's caller events (``bot_said``, ``listening``, ``transcript``, ``barge_in``,
``call_ended``) are published as they are sent; the monitor adds ``started``, ``state``,
``metrics``, ``flag``, ``takeover`` and ``handback``.
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    """Kinds of live events."""

    STARTED = "started"  # candidate_id, job_id, transport, script_id, language, sample_rate
    STATE = "state"  # state
    PROMPT = "bot_said"  # text, prompt_id, question_id, state
    LISTENING = "listening"  # question_id, state
    TRANSCRIPT = "transcript"  # text, final
    METRICS = "metrics"  # question_id, latency {...}, features {...}
    BARGE_IN = "barge_in"
    FLAG = "flag"  # note, by (key id), t
    TAKEOVER = "takeover"  # by
    HANDBACK = "handback"  # by
    ENDED = "call_ended"  # report_id, outcome


#: Largest note a QA person may attach to a flag (characters).
MAX_NOTE_CHARS = 500
#: Most QA flags one call's report keeps.
MAX_FLAGS = 100


def make_event(kind: str, call_id: str, clock: float, **fields: Any) -> dict[str, Any]:
    """One event, stamped with the wall clock and the call's audio clock."""
    return {
        "type": str(kind),
        "call_id": call_id,
        "at": time.time(),
        "t": round(clock, 3),
        **fields,
    }


def summary_of(event: dict[str, Any]) -> dict[str, Any]:
    """A live call's list entry from its ``started`` event."""
    return {
        "call_id": event["call_id"],
        "candidate_id": event.get("candidate_id"),
        "job_id": event.get("job_id"),
        "transport": event.get("transport"),
        "script_id": event.get("script_id"),
        "language": event.get("language"),
        "sample_rate": event.get("sample_rate"),
        "started_at": event.get("at"),
        "state": "new",
        "last_signal": None,
        "taken_over": False,
        "t": 0.0,
    }


def apply_event(summary: dict[str, Any], event: dict[str, Any]) -> bool:
    """Update a live call's list entry with one of its events; True when it changed."""
    kind = event.get("type")
    before = dict(summary)
    summary["t"] = event.get("t", summary.get("t", 0.0))
    if kind in (EventType.STATE, EventType.PROMPT, EventType.LISTENING) and event.get("state"):
        summary["state"] = event["state"]
    elif kind == EventType.METRICS:
        summary["last_signal"] = signal_of(event)
    elif kind == EventType.TAKEOVER:
        summary["taken_over"] = True
    elif kind == EventType.HANDBACK:
        summary["taken_over"] = False
    return summary != before


def signal_of(event: dict[str, Any]) -> dict[str, Any]:
    """The "last score signal" a QA list shows: the latest turn's words and response gap."""
    latency = event.get("latency") or {}
    features = event.get("features") or {}
    return {
        "question_id": event.get("question_id"),
        "words": features.get("words"),
        "response_gap_ms": latency.get("response_gap_ms"),
    }
