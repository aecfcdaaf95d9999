"""Settings come from defaults, a file named by SCREENLINE_CONFIG, and the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.settings import load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SCREENLINE_CONFIG", raising=False)
    settings = load_settings()
    assert settings.port == 8080
    # Both shipped languages work offline: Mandarin on Whisper base from its two wheels.
    assert settings.models.asr == {"en": "embedded", "zh": "embedded:base"}
    assert settings.resolved_reports_dir == Path("var/reports")


def test_file_then_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "screenline.yaml"
    config.write_text("port: 9000\nmodels:\n  asr_threads: 1\naudio:\n  unfinished_hold_s: 3.5\n")
    monkeypatch.setenv("SCREENLINE_CONFIG", str(config))
    monkeypatch.setenv("SCREENLINE_PORT", "9100")
    monkeypatch.setenv("SCREENLINE_MODELS__ASR", '{"en": "embedded", "zh": "/m/whisper-small"}')
    settings = load_settings()
    assert settings.port == 9100  # env beats file
    assert settings.models.asr_threads == 1  # from the file
    assert settings.audio.unfinished_hold_s == 3.5
    assert settings.models.asr["zh"] == "/m/whisper-small"


def test_bad_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCREENLINE_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(ValueError, match="not a file"):
        load_settings()
    config = tmp_path / "s.yaml"
    config.write_text("pott: 1\n")
    monkeypatch.setenv("SCREENLINE_CONFIG", str(config))
    with pytest.raises(ValueError, match="pott"):
        load_settings()


_ARENAS_PROBE = """
import sys, threading
from agent.calls.memory import limit_malloc_arenas
cap = int(sys.argv[1])
print(limit_malloc_arenas(cap))
def churn():
    for _ in range(20000):
        [bytes(512) for _ in range(8)]
threads = [threading.Thread(target=churn) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
import ctypes, ctypes.util
ctypes.CDLL(ctypes.util.find_library("c")).malloc_stats()  # one "Arena N:" block each, stderr
"""


def _arenas(cap: str) -> tuple[str, int]:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _ARENAS_PROBE, cap], capture_output=True, text=True, check=True
    )
    return done.stdout.strip(), done.stderr.count("Arena ")


def test_serve_caps_malloc_arenas(monkeypatch: pytest.MonkeyPatch) -> None:
    """``malloc_arenas`` (default 2) holds however many threads allocate at once (glibc)."""
    monkeypatch.delenv("SCREENLINE_CONFIG", raising=False)
    assert load_settings().malloc_arenas == 2
    monkeypatch.setenv("SCREENLINE_MALLOC_ARENAS", "0")
    assert load_settings().malloc_arenas == 0
    applied, capped = _arenas("2")
    assert applied == "True" and 1 <= capped <= 2
    applied, free = _arenas("0")
    assert applied == "False" and free > 2  # the probe does make more arenas than the cap


_TRIM_PROBE = """
import sys
from agent.calls.memory import trim_malloc
def rss_mb():
    with open("/proc/self/statm") as f:
        import os
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
chunks = [bytes(2000) for _ in range(60000)]  # about 120 MB on glibc's heap
kept = chunks[::200]  # a few survivors pin the heap: freeing the rest returns nothing by itself
del chunks
before = rss_mb()
print(trim_malloc(), round(before - rss_mb()))
"""


def test_trim_gives_freed_heap_memory_back() -> None:
    """What a call frees (``malloc_trim`` after each call, ``settings.malloc_trim``) leaves the
    process: a heap pinned by a few live objects keeps its RSS until it is trimmed."""
    import subprocess
    import sys

    assert load_settings().malloc_trim is True
    done = subprocess.run(
        [sys.executable, "-c", _TRIM_PROBE], capture_output=True, text=True, check=True
    )
    trimmed, released_mb = done.stdout.split()
    assert trimmed == "True"
    assert int(released_mb) >= 50, done.stdout
