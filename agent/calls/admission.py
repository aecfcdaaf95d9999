"""One admission path for every transport (DESIGN.md decision 11).

Every call, whatever carries it (``/ws/call``, Twilio, FreeSWITCH, AudioSocket, WebRTC), takes a
:class:`Slot` from the process's :class:`Admission` before any per-call work starts, and the slot
is released exactly once however the call ends. Check and count happen in one synchronous step
(no ``await`` between them), so on the event loop the count can never exceed the limit. A busy or
draining server refuses at once; each transport turns the refusal into its own signal (1013,
Twilio busy TwiML, AudioSocket hang-up).

Capacity is not only a count: a call is also refused while the server is *overloaded*, when the
transcripts that live calls wait for have been queued longer than ``max_backlog_s`` (the
backlog probe reads the ASR pool). A new call would only make every live call answer later, so
it is turned away before the live ones degrade further.

``capacity``'s ``/health`` and ``/metrics`` read :meth:`Admission.snapshot`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


_MESSAGES = {
    "capacity": "server at capacity, retry later",
    "overloaded": "server overloaded, retry later",
    "draining": "server shutting down",
}


class Refused(RuntimeError):
    """No slot: the server is at capacity (``reason`` = "capacity"), overloaded ("overloaded":
    live calls' transcripts are queued too long) or draining ("draining")."""

    def __init__(self, reason: str) -> None:
        super().__init__(_MESSAGES[reason])
        self.reason = reason


@dataclass(eq=False)
class Slot:
    """One admitted call's place; :meth:`release` is idempotent."""

    admission: Admission
    transport: str
    admitted_at: float = field(default_factory=time.monotonic)
    released: bool = False

    def release(self) -> bool:
        """Give the place back; True the first time, False on every later call."""
        if self.released:
            return False
        self.released = True
        self.admission._release(self)
        return True

    def __enter__(self) -> Slot:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


class Admission:
    """Counts live calls against ``max_calls``, per transport, with totals for metrics.

    ``backlog`` (seconds the oldest transcript a live call waits for has been queued) and
    ``max_backlog_s`` (0: no such check) refuse calls while the server is overloaded.
    """

    def __init__(
        self,
        max_calls: int,
        backlog: Callable[[], float] | None = None,
        max_backlog_s: float = 0.0,
    ) -> None:
        self.max_calls = max_calls
        self.backlog = backlog
        self.max_backlog_s = max_backlog_s
        self.draining = False
        self._live: set[Slot] = set()
        self.admitted: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.released: Counter[str] = Counter()

    @property
    def active(self) -> int:
        """Calls holding a slot now."""
        return len(self._live)

    def backlog_s(self) -> float:
        """Seconds the oldest transcript a live call waits for has been queued (0: no probe)."""
        return self.backlog() if self.backlog is not None else 0.0

    @property
    def overloaded(self) -> bool:
        """Live calls' transcripts have been queued longer than ``max_backlog_s``."""
        return self._too_long(self.backlog_s())

    def _too_long(self, backlog_s: float) -> bool:
        return self.max_backlog_s > 0 and backlog_s > self.max_backlog_s

    def _refusal(self) -> str | None:
        if self.draining:
            return "draining"
        if len(self._live) >= self.max_calls:
            return "capacity"
        if self.overloaded:
            return "overloaded"
        return None

    def can_admit(self) -> bool:
        """Whether :meth:`admit` would succeed now (for refusing before a slot is needed)."""
        return self._refusal() is None

    def admit(self, transport: str) -> Slot:
        """A slot for a new ``transport`` call, or :class:`Refused`."""
        reason = self._refusal()
        if reason is None:
            slot = Slot(self, transport)
            self._live.add(slot)
            self.admitted[transport] += 1
            return slot
        self.refused[f"{transport}:{reason}"] += 1
        log.warning("%s call refused: %s (%d live)", transport, reason, len(self._live))
        raise Refused(reason)

    def _release(self, slot: Slot) -> None:
        self._live.discard(slot)
        self.released[slot.transport] += 1

    def snapshot(self) -> dict[str, Any]:
        """Counts for health and metrics endpoints (plain JSON)."""
        by_transport = Counter(s.transport for s in self._live)
        backlog = self.backlog_s()  # read once: both fields describe the same moment
        return {
            "active": len(self._live),
            "max_calls": self.max_calls,
            "draining": self.draining,
            "overloaded": self._too_long(backlog),
            "backlog_s": round(backlog, 3),
            "active_by_transport": dict(by_transport),
            "admitted_total": dict(self.admitted),
            "refused_total": dict(self.refused),
            "released_total": dict(self.released),
        }
