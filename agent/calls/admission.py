"""One admission path for every transport (DESIGN.md decision 11).

Every call, whatever carries it (``/ws/call``, Twilio, FreeSWITCH, AudioSocket, WebRTC), takes a
:class:`Slot` from the process's :class:`Admission` before any per-call work starts, and the slot
is released exactly once however the call ends. Check and count happen in one synchronous step
(no ``await`` between them), so on the event loop the count can never exceed the limit. A busy or
draining server refuses at once; each transport turns the refusal into its own signal (1013,
Twilio busy TwiML, AudioSocket hang-up).

``capacity``'s ``/health`` and ``/metrics`` read :meth:`Admission.snapshot`.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)


class Refused(RuntimeError):
    """No slot: the server is at capacity (``reason`` = "capacity") or draining ("draining")."""

    def __init__(self, reason: str) -> None:
        super().__init__(
            "server at capacity, retry later" if reason == "capacity" else "server shutting down"
        )
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
    """Counts live calls against ``max_calls``, per transport, with totals for metrics."""

    def __init__(self, max_calls: int) -> None:
        self.max_calls = max_calls
        self.draining = False
        self._live: set[Slot] = set()
        self.admitted: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.released: Counter[str] = Counter()

    @property
    def active(self) -> int:
        """Calls holding a slot now."""
        return len(self._live)

    def can_admit(self) -> bool:
        """Whether :meth:`admit` would succeed now (for refusing before a slot is needed)."""
        return not self.draining and len(self._live) < self.max_calls

    def admit(self, transport: str) -> Slot:
        """A slot for a new ``transport`` call, or :class:`Refused`."""
        if self.draining:
            reason = "draining"
        elif len(self._live) >= self.max_calls:
            reason = "capacity"
        else:
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
        return {
            "active": len(self._live),
            "max_calls": self.max_calls,
            "draining": self.draining,
            "active_by_transport": dict(by_transport),
            "admitted_total": dict(self.admitted),
            "refused_total": dict(self.refused),
            "released_total": dict(self.released),
        }
