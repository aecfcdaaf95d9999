"""Per-call progress of outbound (and carrier-reported) calls: in memory plus a JSONL journal.

Each entry is a small dict (``event``: ``created`` | ``status`` | ``amd`` | ``voicemail`` …,
``status``/``answered_by`` as the carrier said, ``at`` UTC). The journal under
``data_dir/calls.jsonl`` is append-only, one JSON object per line, so a crash loses nothing
already recorded and any log shipper can tail it.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from agent.reports.report import utc_now


class CallLog:
    """Status history per call SID."""

    def __init__(self, journal: Path | None) -> None:
        self.journal = journal
        self._calls: dict[str, list[dict[str, Any]]] = {}
        # Appends come from the event loop and from worker threads (to_thread); keep lines whole.
        self._lock = threading.Lock()

    def record(self, sid: str, event: str, **fields: Any) -> dict[str, Any]:
        """Append one entry for ``sid`` (in memory and to the journal) and return it."""
        entry = {"event": event, **{k: v for k, v in fields.items() if v is not None}}
        entry["at"] = utc_now()
        with self._lock:
            self._calls.setdefault(sid, []).append(entry)
            if self.journal is not None:
                self.journal.parent.mkdir(parents=True, exist_ok=True)
                line = json.dumps({"sid": sid, **entry}, ensure_ascii=False) + "\n"
                # 0600: the entries hold phone numbers (a file made before this keeps its mode
                # until fixed by hand; the open below never widens it).
                fd = os.open(self.journal, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                with os.fdopen(fd, "a", encoding="utf-8") as out:
                    out.write(line)
        return entry

    def history(self, sid: str) -> list[dict[str, Any]] | None:
        """The entries recorded for ``sid`` in order, or None for an unknown call."""
        with self._lock:
            entries = self._calls.get(sid)
            return list(entries) if entries is not None else None

    def latest_status(self, sid: str) -> str | None:
        """The most recent carrier call status of ``sid``."""
        for entry in reversed(self.history(sid) or []):
            if "status" in entry:
                return str(entry["status"])
        return None
