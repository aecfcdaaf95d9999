"""Report files and recordings in directories shared by several workers (compose.yaml mounts
one volume at both): a privacy erase on any worker finds a call's files there, while its
journal stays under the worker's own data directory."""

from __future__ import annotations

from pathlib import Path

from agent.calls.journal import journal_dir
from agent.hr.repo import call_files
from agent.settings import Settings


def test_a_call_s_files_are_found_in_the_shared_directories(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    settings = Settings(
        data_dir=tmp_path / "worker1",
        reports_dir=shared / "reports",
        recordings_dir=shared / "recordings",
    )
    assert settings.resolved_recordings_dir == shared / "recordings"
    call_id = "0123456789abcdef0123456789abcdef"
    made = [
        shared / "reports" / f"{call_id}.json",
        shared / "recordings" / f"{call_id}.wav",
        journal_dir(settings.data_dir) / f"{call_id}.jsonl",
    ]
    for path in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    (shared / "recordings" / "another-call.wav").write_text("{}")
    assert sorted(call_files(settings, call_id)) == sorted(made)
    # Unset, both stay under the data directory as before.
    assert Settings(data_dir=tmp_path).resolved_recordings_dir == tmp_path / "recordings"
