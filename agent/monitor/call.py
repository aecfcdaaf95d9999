"""One live call as the monitor sees it: its events on the bus, its audio, QA commands.

``run_call`` makes one :class:`CallMonitor` per call; the conductor reports every event it sends
the caller (and the monitor-only ones: state, per-turn metrics) through :meth:`publish`, the
single place where a call's events enter the bus. Commands (end, flag, take over, hand back)
arrive from the bus, wherever the QA page is, and each is an audit entry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from agent.monitor.audit import Auditor
from agent.monitor.bus import MonitorBus
from agent.monitor.events import MAX_FLAGS, MAX_NOTE_CHARS, EventType, make_event
from agent.monitor.tap import CallAudio
from agent.reports.report import CallRecord

log = logging.getLogger(__name__)


class Conducted(Protocol):
    """What the monitor needs of the call's conductor."""

    @property
    def heard_clock(self) -> float: ...

    async def take_over(self) -> None: ...

    async def hand_back(self) -> None: ...


class CallMonitor:
    """Publishes one call's events and carries out the QA commands sent to it."""

    def __init__(
        self,
        bus: MonitorBus,
        record: CallRecord,
        audio: CallAudio,
        stop: Callable[[str], Awaitable[None]],
        audit: Auditor,
        job_id: str | None = None,
    ) -> None:
        self.bus = bus
        self.record = record
        self.audio = audio
        self._stop = stop
        self._audit = audit
        self._job_id = job_id
        self.conductor: Conducted | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ended = False  # the "call_ended" event has been published

    @property
    def call_id(self) -> str:
        return self.record.call_id

    @property
    def clock(self) -> float:
        return self.conductor.heard_clock if self.conductor is not None else 0.0

    def publish(self, kind: str, **fields: Any) -> None:
        """One event of this call onto the bus (never waits)."""
        if self._ended:
            return
        self._ended = kind == EventType.ENDED
        try:
            self.bus.publish(make_event(kind, self.call_id, self.clock, **fields))
        except Exception:  # the monitor must never break a call
            log.exception("call %s: monitor event %s not published", self.call_id, kind)

    def started(self) -> None:
        """Announce the call and start taking commands."""
        record = self.record
        self.bus.attach(self.call_id, self)
        self.publish(
            EventType.STARTED,
            candidate_id=record.candidate_id,
            job_id=self._job_id,
            transport=record.transport,
            script_id=record.script_id,
            language=record.language,
            sample_rate=self.audio.rate,
        )

    def ended(self, report_id: str | None, outcome: str | None) -> None:
        """The call is over (published once, whichever way it ended)."""
        self.close_span("call ended")
        self.publish(EventType.ENDED, report_id=report_id, outcome=outcome)  # if not yet
        self.bus.detach(self.call_id)
        self.audio.close()

    # -- commands ------------------------------------------------------------------------------

    async def command(self, command: dict[str, Any]) -> None:
        """Carry out a QA command: ``{cmd: end|flag|takeover|handback, by, note?}``."""
        kind = command.get("cmd")
        by = str(command.get("by") or "?")[:64]
        if kind == "flag":
            self.flag(str(command.get("note") or ""), by)
        elif kind == "end":
            self._audit(by, "monitor.end", self.call_id)
            self._spawn(self._stop("qa_ended"))
        elif kind == "takeover" and not self.audio.taken_over and self.conductor is not None:
            self._audit(by, "monitor.takeover", self.call_id)
            self.audio.taken_over = True
            self.audio.interrupt()
            self.record.takeovers.append({"by": by, "start_s": round(self.clock, 3)})
            await self.conductor.take_over()
            self.publish(EventType.TAKEOVER, by=by)
        elif kind == "handback" and self.audio.taken_over and self.conductor is not None:
            self._audit(by, "monitor.handback", self.call_id)
            self.close_span(by)
            self.publish(EventType.HANDBACK, by=by)
            await self.conductor.hand_back()

    def close_span(self, by: str) -> None:
        """End the taken-over span, if one is open."""
        if not self.audio.taken_over:
            return
        self.audio.taken_over = False
        self.audio.interrupt()
        span = self.record.takeovers[-1] if self.record.takeovers else None
        if span is not None and "end_s" not in span:
            span["end_s"] = round(self.clock, 3)
            span["handed_back_by"] = by

    def flag(self, note: str, by: str) -> dict[str, Any]:
        """A QA flag at the call's current moment: in the report and on the bus."""
        if len(self.record.qa_flags) >= MAX_FLAGS:
            return {}  # a report is for reading: past this many, flags stop
        note = " ".join(note.split())[:MAX_NOTE_CHARS]
        flag = {"t": round(self.clock, 3), "note": note, "by": by, "at": time.time()}
        self.record.qa_flags.append(flag)
        self.record.flags.append(f"QA flag at {flag['t']:.1f} s: {note}" if note else "QA flag")
        self._audit(by, "monitor.flag", self.call_id, {"t": flag["t"]})
        self.publish(EventType.FLAG, note=note, by=by)
        return flag

    def mic(self, pcm: bytes) -> None:
        self.audio.mic(pcm)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
