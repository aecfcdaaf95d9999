"""The call record kept while a call runs, and the report written when it ends."""

from __future__ import annotations

import json
import os
import re
import tempfile
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPORT_SCHEMA_VERSION = "3"  # agent/reports/report.schema.json documents it
_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def new_call_id() -> str:
    """A fresh, file-name-safe call id."""
    return uuid.uuid4().hex


def utc_now() -> str:
    """Current time, ISO 8601 UTC."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class Turn:
    """One utterance on the call's audio clock (seconds since the call started)."""

    speaker: str  # "interviewer" | "candidate"
    text: str
    start_s: float
    end_s: float
    question_id: str | None = None
    prompt_id: str | None = None
    interrupted: bool = False
    features: dict[str, Any] = field(default_factory=dict)
    latency: dict[str, float] = field(default_factory=dict)


@dataclass
class CallRecord:
    """Everything known about a call so far; turned into the report at the end."""

    call_id: str
    candidate_id: str
    script_id: str
    script_version: str
    script_hash: str
    language: str
    transport: str
    started_at: str = field(default_factory=utc_now)
    carrier_call_id: str | None = None  # Twilio CallSid, FreeSWITCH/AudioSocket uuid: a field
    ended_at: str | None = None
    outcome: str | None = None
    end_reason: str | None = None
    complete: bool = False
    turns: list[Turn] = field(default_factory=list)
    records: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    scores: dict[str, Any] | None = None  # dialogue.scoring.ScoreCard.to_dict()
    review: dict[str, Any] | None = None  # {reviewer, override_tier, note, reviewed_at}
    delivery_tracks: list[dict[str, Any]] = field(default_factory=list)  # per candidate turn
    # The QA monitor (agent/monitor/): flags at call times, taken-over spans, the recording.
    qa_flags: list[dict[str, Any]] = field(default_factory=list)  # {t, note, by, at}
    takeovers: list[dict[str, Any]] = field(default_factory=list)  # {by, start_s, end_s}
    recording: dict[str, Any] | None = None  # {sample_rate, channels, seconds}

    def to_report(self) -> dict[str, Any]:
        """The report document (JSON-ready)."""
        return {
            "schema_version": REPORT_SCHEMA_VERSION,
            "report_id": self.call_id,
            "call_id": self.call_id,
            "candidate_id": self.candidate_id,
            "script": {
                "id": self.script_id,
                "version": self.script_version,
                "content_hash": self.script_hash,
                "language": self.language,
            },
            "transport": self.transport,
            "carrier_call_id": self.carrier_call_id,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "complete": self.complete,
            "outcome": self.outcome,
            "end_reason": self.end_reason,
            "records": self.records,
            "flags": self.flags,
            "states": self.states,
            "turns": [asdict(t) for t in self.turns],
            "scores": self.scores,
            "review": self.review,
            "delivery_tracks": self.delivery_tracks,
            "monitor": {
                "flags": self.qa_flags,
                "takeovers": self.takeovers,
                "recording": self.recording,
            },
        }


def validate_report(report: dict[str, Any]) -> list[str]:
    """Structural problems of a report (empty when valid)."""
    problems: list[str] = []
    for key in ("report_id", "call_id", "candidate_id", "script", "started_at", "turns"):
        if key not in report:
            problems.append(f"missing {key}")
    script = report.get("script", {})
    for key in ("id", "version", "content_hash"):
        if not script.get(key):
            problems.append(f"missing script.{key}")
    if report.get("complete") and not report.get("outcome"):
        problems.append("complete report without outcome")
    previous = -1.0
    for i, turn in enumerate(report.get("turns", [])):
        if turn.get("speaker") not in ("interviewer", "candidate"):
            problems.append(f"turn {i}: bad speaker {turn.get('speaker')!r}")
        if turn.get("end_s", 0) < turn.get("start_s", 0):
            problems.append(f"turn {i}: ends before it starts")
        if turn.get("start_s", 0) + 1e-6 < previous and turn.get("speaker") == "interviewer":
            problems.append(f"turn {i}: out of order")
        previous = max(previous, turn.get("start_s", 0))
    return problems


class ReportStore:
    """Report JSON files in one directory, written atomically (a crash never leaves half)."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def path_for(self, report_id: str) -> Path:
        """File path of a report; rejects ids that could escape the directory."""
        if not isinstance(report_id, str) or not _ID_RE.fullmatch(report_id):
            raise ValueError(f"invalid report id {report_id!r}")
        return self.directory / f"{report_id}.json"

    def save(self, report: dict[str, Any]) -> Path:
        """Write a new report (0600); FileExistsError when one with its id exists: a report is
        never overwritten."""
        path = self.path_for(report["report_id"])
        self.directory.mkdir(parents=True, exist_ok=True)
        # Not "*.json" while half-written, so readers globbing reports never see a partial file.
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(report, f, ensure_ascii=False, indent=2)
                f.flush()
                os.fsync(f.fileno())
            # link, not rename: atomic *and* exclusive (fails when the id is taken).
            os.link(tmp, path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return path

    def load(self, report_id: str) -> dict[str, Any]:
        """Read a report; FileNotFoundError names the id when absent."""
        path = self.path_for(report_id)
        if not path.is_file():
            raise FileNotFoundError(f"no report {report_id!r}")
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return data

    def ids(self) -> list[str]:
        """Ids of stored reports, newest first."""
        files = sorted(self.directory.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        return [p.stem for p in files if not p.name.startswith(".")]
