"""The lifecycle parts without a server: admission, journal + recovery, script catalogue, limits,
log filters."""

from __future__ import annotations

import logging
import os
import stat
import time
from pathlib import Path

import pytest

from agent.api.serving import DropQueryStrings, MaskPhones
from agent.calls.admission import Admission, Refused
from agent.calls.journal import CallJournal, read_journal, recover
from agent.calls.limits import InputError, check_script_id, mask_name, mask_phone
from agent.calls.scripts import ScriptCatalog, UnknownScript
from agent.reports.report import CallRecord, ReportStore, Turn
from tests.abuse.conftest import FIXTURES


def test_admission_counts_once_and_releases_once() -> None:
    admission = Admission(2)
    a, b = admission.admit("ws"), admission.admit("twilio")
    with pytest.raises(Refused) as full:
        admission.admit("webrtc")
    assert full.value.reason == "capacity" and not admission.can_admit()
    assert a.release() is True and a.release() is False  # a second release is a no-op
    assert admission.active == 1
    with admission.admit("ws"):
        assert admission.active == 2
    assert admission.active == 1
    admission.draining = True
    with pytest.raises(Refused) as draining:
        admission.admit("ws")
    assert draining.value.reason == "draining"
    b.release()
    snap = admission.snapshot()
    assert snap["active"] == 0
    assert snap["admitted_total"] == {"ws": 2, "twilio": 1}
    assert snap["refused_total"] == {"webrtc:capacity": 1, "ws:draining": 1}
    assert snap["released_total"] == {"ws": 2, "twilio": 1}


def _record(call_id: str = "c0ffee") -> CallRecord:
    return CallRecord(
        call_id=call_id,
        candidate_id="cand",
        script_id="short_en",
        script_version="1",
        script_hash="abc",
        language="en",
        transport="ws",
        carrier_call_id="CA123",
    )


async def test_journal_survives_a_torn_line_and_recovers_into_an_incomplete_report(
    tmp_path: Path,
) -> None:
    record = _record()
    journal = CallJournal(tmp_path / "journals", record)
    turns = [
        Turn("interviewer", "Hello?", 0.0, 1.0, question_id="greeting"),
        Turn("candidate", "Yes, hello.", 1.5, 2.5, question_id="greeting"),
    ]
    for turn in turns:
        record.turns.append(turn)
        record.records["consent"] = True
        journal.turn(turn, record)
    await journal.flush()
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):  # ids are never reused: a second journal is a bug
        CallJournal(tmp_path / "journals", record)
    # The process dies mid-write: half a line at the end.
    os.write(os.open(journal.path, os.O_WRONLY | os.O_APPEND), b'{"kind": "turn", "tu')
    recovered = read_journal(journal.path)
    assert recovered is not None
    assert [t.text for t in recovered.turns] == ["Hello?", "Yes, hello."]
    assert recovered.records == {"consent": True} and recovered.carrier_call_id == "CA123"

    store = ReportStore(tmp_path / "reports")
    assert recover(tmp_path / "journals", store) == ["c0ffee"]
    report = store.load("c0ffee")
    assert report["end_reason"] == "crashed" and report["complete"] is False
    assert [t["text"] for t in report["turns"]] == ["Hello?", "Yes, hello."]
    assert not journal.path.exists()
    assert recover(tmp_path / "journals", store) == []  # nothing left to do twice


def test_reports_are_never_overwritten_and_ids_are_strict(tmp_path: Path) -> None:
    store = ReportStore(tmp_path)
    path = store.save({"report_id": "r1", "v": 1})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        store.save({"report_id": "r1", "v": 2})
    assert store.load("r1") == {"report_id": "r1", "v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["r1.json"]  # no temp file left behind
    for bad in ("r1\n", "../r1", "", "a" * 101):
        with pytest.raises(ValueError):
            store.path_for(bad)


def test_script_catalogue_ids_only_cached_and_reloaded_on_change(tmp_path: Path) -> None:
    source = (FIXTURES / "scripts" / "short_en.yaml").read_text()
    (tmp_path / "mine.yaml").write_text(source)
    os.mkfifo(tmp_path / "pipe.yaml")
    catalog = ScriptCatalog([tmp_path])
    first = catalog.get("mine")
    assert catalog.get("mine") is first  # parsed once
    time.sleep(0.01)
    (tmp_path / "mine.yaml").write_text(source + "\n")
    assert catalog.get("mine") is not first  # the edit is seen
    with pytest.raises(UnknownScript):
        catalog.get("pipe")  # a FIFO is never opened
    for bad in ("/etc/passwd", "../mine", "mine.yaml", "a" * 65, "", "mine\n"):
        with pytest.raises(InputError):
            catalog.get(bad)
    assert check_script_id("cs_home_en") == "cs_home_en"


def test_masks() -> None:
    assert mask_phone("+441234567890") == "+4*********90"
    assert "4567" not in mask_phone("+1 (900) 555-0123")
    assert mask_phone(None) == "-" and mask_phone("12") == "**"
    assert mask_name("Alice Smith") == "A…(11)"


def test_log_filters_mask_numbers_and_drop_query_strings() -> None:
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "dial %s failed", ("+19005550123",), None
    )
    assert MaskPhones().filter(record)
    assert record.getMessage() == "dial +1********23 failed"
    # Addresses stay readable (which worker, which endpoint); the number beside them does not.
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "POST http://10.0.12.7:8080/h for %s",
        ("19005550123",),
        None,
    )
    assert MaskPhones().filter(record)
    assert record.getMessage() == "POST http://10.0.12.7:8080/h for 1********23"
    access = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:1", "GET", "/interview?candidate_id=alice", "1.1", 200),
        None,
    )
    assert DropQueryStrings().filter(access)
    assert "alice" not in access.getMessage() and "/interview" in access.getMessage()


class _Conductor:
    """What the watchdog reads of a conductor: the audio received and whether the call ended.

    ``held``: the audio arrives while the conductor waits for a transcript (a busy server), so
    it is held and its audio clock stands still; ``heard_clock`` still counts it."""

    def __init__(self, flowing: bool, held: bool = False) -> None:
        self.flowing = flowing
        self.held = held
        self.ended = False
        self.clock = 0.0
        self._held_s = 0.0

    @property
    def heard_clock(self) -> float:
        if self.flowing and self.held:
            self._held_s += 0.02
        elif self.flowing:
            self.clock += 0.02  # audio keeps arriving
        return self.clock + self._held_s


@pytest.mark.parametrize(
    ("flowing", "held", "reason"),
    [(False, False, "no_audio"), (True, False, "max_duration"), (True, True, "max_duration")],
)
async def test_watchdog_ends_silent_and_overlong_calls(
    flowing: bool, held: bool, reason: str
) -> None:
    """A call whose audio is held while a slow transcript is awaited is not silent."""
    import asyncio

    from agent.calls.run import _watch

    stopped: list[str] = []

    async def stop(why: str) -> None:
        stopped.append(why)

    conductor = _Conductor(flowing, held)
    async with asyncio.timeout(30):
        await _watch(conductor, stop, no_audio_s=0.4, max_call_s=0.8)  # type: ignore[arg-type]
    assert stopped == [reason]
