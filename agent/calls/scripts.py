"""Interview scripts by id: looked up in the configured directories, never opened by a peer's path.

A peer (``/ws/call`` start, Twilio parameter, FreeSWITCH metadata, WebRTC offer, REST body) names
a script by id. The id is pattern-checked (:func:`agent.calls.limits.check_script_id`), then found
as ``<id>.yaml`` in ``settings.scripts_dir`` or the shipped catalogue; only a regular file of
bounded size is read (a FIFO or device never is), and parsing runs off the event loop. Parsed
scripts are cached by id and the file's (mtime, size), so an edited script is reloaded.
"""

from __future__ import annotations

import asyncio
import os
import stat
import threading
from pathlib import Path

from agent.calls.limits import InputError, check_script_id
from dialogue.script import SCRIPTS_DIR, Script, load_script

#: Real scripts are a few KB; anything far larger is refused before it is read.
MAX_SCRIPT_BYTES = 1024 * 1024


class UnknownScript(InputError):
    """No script with that id in the configured directories."""


class ScriptCatalog:
    """Scripts by id from ``directories`` (searched in order), parsed once per file version."""

    def __init__(self, directories: list[Path]) -> None:
        self.directories = [Path(d) for d in directories]
        self._cache: dict[str, tuple[tuple[int, int], Script]] = {}
        self._lock = threading.Lock()

    def path(self, script_id: str) -> tuple[Path, os.stat_result]:
        """The file of ``script_id`` and its stat; InputError when invalid or absent."""
        check_script_id(script_id)
        for directory in self.directories:
            path = directory / f"{script_id}.yaml"
            try:
                info = os.stat(path)
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode):
                continue  # a FIFO, device or directory is never a script
            if info.st_size > MAX_SCRIPT_BYTES:
                raise InputError(f"script {script_id!r} is larger than {MAX_SCRIPT_BYTES} bytes")
            return path, info
        raise UnknownScript(f"unknown script {script_id!r} (known: {', '.join(self.ids())})")

    def get(self, script_id: str) -> Script:
        """The parsed script (blocking: file I/O and validation); cached per file version."""
        path, info = self.path(script_id)
        version = (info.st_mtime_ns, info.st_size)
        with self._lock:
            cached = self._cache.get(script_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        script = load_script(path)
        with self._lock:
            self._cache[script_id] = (version, script)
        return script

    async def load(self, script_id: str) -> Script:
        """:meth:`get` off the event loop (a cache hit returns without a thread hop)."""
        _path, info = self.path(script_id)
        cached = self._cache.get(script_id)
        if cached is not None and cached[0] == (info.st_mtime_ns, info.st_size):
            return cached[1]
        return await asyncio.to_thread(self.get, script_id)

    def ids(self) -> list[str]:
        """Every script id the catalogue can serve."""
        found = {
            p.stem for d in self.directories if d.is_dir() for p in d.glob("*.yaml") if p.is_file()
        }
        return sorted(found)


def catalog_for(scripts_dir: Path | None) -> ScriptCatalog:
    """The catalogue of a deployment: its own script directory first, then the shipped ones."""
    return ScriptCatalog([*([scripts_dir] if scripts_dir is not None else []), SCRIPTS_DIR])
