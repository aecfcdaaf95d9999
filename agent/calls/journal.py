"""The running call's durable record: one fsync'd JSON-lines journal per call (DESIGN.md, 9).

``run_call`` opens ``data_dir/journals/<call_id>.jsonl`` (exclusive create, mode 0600) when the
call starts, appends every turn as the conductor records it, and removes the journal once the
report is on disk. A process killed mid-call leaves its journals behind; at start-up
:func:`recover` turns each into an incomplete report (``end_reason: "crashed"``) holding every
turn that was journaled, then removes it.

Writes run on one dedicated thread, in order, so the event loop never waits for a disk flush.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from agent.reports.report import CallRecord, ReportStore, Turn, utc_now

log = logging.getLogger(__name__)

# One writer thread for every journal in the process: appends stay ordered per call and a
# slow disk delays journal lines, never the calls.
_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="journal")
_HEADER = (
    "call_id",
    "candidate_id",
    "script_id",
    "script_version",
    "script_hash",
    "language",
    "transport",
    "started_at",
    "carrier_call_id",
)
_TURN_FIELDS = {f.name for f in fields(Turn)}


def journal_dir(data_dir: Path) -> Path:
    """Where running calls' journals live."""
    return data_dir / "journals"


class CallJournal:
    """Append-only journal of one call; every line is on disk (fsync) before the next."""

    def __init__(self, directory: Path, record: CallRecord) -> None:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = directory / f"{record.call_id}.jsonl"
        # Exclusive: a call id is the server's own and never reused, so an existing file is a bug.
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        self._pending: list[Future[None]] = []
        self.lines = 0
        header = {key: getattr(record, key) for key in _HEADER}
        self._submit({"kind": "start", "at": utc_now(), "record": header})

    def _write(self, line: bytes) -> None:
        os.write(self._fd, line)
        os.fsync(self._fd)

    def _submit(self, entry: dict[str, Any]) -> Future[None]:
        line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        self._pending = [f for f in self._pending if not f.done()]
        future = _WRITER.submit(self._write, line)
        self._pending.append(future)
        self.lines += 1
        return future

    def turn(self, turn: Turn, record: CallRecord) -> Future[None]:
        """Journal one turn, with the call's records, flags and states as they stand.

        The returned future is done once the line is on disk.
        """
        return self._submit(
            {
                "kind": "turn",
                "at": utc_now(),
                "turn": asdict(turn),
                "records": record.records,
                "flags": record.flags,
                "states": record.states,
            }
        )

    async def flush(self) -> None:
        """Wait until every line submitted so far is on disk."""
        pending, self._pending = self._pending, []
        for future in pending:
            await asyncio.wrap_future(future)

    async def close(self, *, remove: bool) -> None:
        """Flush and close; ``remove`` once the call's report is safely written."""
        await self.flush()
        await asyncio.wrap_future(_WRITER.submit(os.close, self._fd))
        if remove:
            self.path.unlink(missing_ok=True)


def read_journal(path: Path) -> CallRecord | None:
    """The call record a journal holds (None when it lacks a readable start line).

    A torn last line (the process died mid-write) is skipped; every whole line counts.
    """
    record: CallRecord | None = None
    last_at: str | None = None
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if not isinstance(entry, dict):
                continue
            last_at = entry.get("at") or last_at
            if entry.get("kind") == "start" and record is None:
                header = entry.get("record") or {}
                record = CallRecord(**{k: header[k] for k in _HEADER if k in header})
            elif entry.get("kind") == "turn" and record is not None:
                data = entry.get("turn") or {}
                record.turns.append(Turn(**{k: v for k, v in data.items() if k in _TURN_FIELDS}))
                record.records = dict(entry.get("records") or {})
                record.flags = list(entry.get("flags") or [])
                record.states = list(entry.get("states") or [])
    if record is not None:
        record.ended_at = last_at or utc_now()
    return record


def recover(directory: Path, reports: ReportStore) -> list[str]:
    """Turn every journal left by a crashed process into an incomplete report; their ids."""
    recovered: list[str] = []
    if not directory.is_dir():
        return recovered
    for path in sorted(directory.glob("*.jsonl")):
        try:
            record = read_journal(path)
        except (OSError, TypeError) as exc:
            log.warning("journal %s unreadable, kept for inspection: %s", path.name, exc)
            continue
        if record is None:
            log.warning("journal %s has no start line; removed", path.name)
            path.unlink(missing_ok=True)
            continue
        record.end_reason = "crashed"
        record.complete = False
        record.outcome = None
        # An existing report was written just before the crash: it is the better record.
        with contextlib.suppress(FileExistsError):
            reports.save(record.to_report())
        path.unlink(missing_ok=True)
        recovered.append(record.call_id)
        log.info("call %s recovered from its journal (%d turns)", record.call_id, len(record.turns))
    return recovered
