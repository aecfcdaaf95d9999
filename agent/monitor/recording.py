"""Call recordings: stereo PCM16 WAV (candidate left, interviewer right), written as the call
runs so memory stays bounded, under ``data_dir/recordings/<call id>.wav`` (0600; the name is the
server's own call id, never a peer's).

A recording is written as ``<call id>.wav.part`` and renamed when it closes, so the name a
download asks for only ever holds a finished file: the goodbye still plays (and is recorded)
after the report is saved, and a file read while it grows outruns its own Content-Length. The
header's sizes are patched every few seconds and at close, so a crashed call still leaves a
playable ``.part`` file up to its last patch; the sweep gives it its final name once it has not
grown for :data:`STALE_PART_S`.
"""

from __future__ import annotations

import logging
import os
import re
import struct
import time
from pathlib import Path
from typing import BinaryIO

import numpy as np

log = logging.getLogger(__name__)

_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
_HEADER_BYTES = 44
#: Patch the header's sizes after this many bytes of audio (about 3 s at 16 kHz stereo).
_PATCH_EVERY = 192_000
#: A ``.part`` file that has not grown for this long belongs to no live call (a crash).
STALE_PART_S = 600.0
PART_SUFFIX = ".part"


def part_path(path: Path) -> Path:
    """Where the recording that will be ``path`` is written while the call runs."""
    return path.with_name(path.name + PART_SUFFIX)


def call_recording_path(directory: Path, call_id: str) -> Path:
    """Where ``call_id``'s recording lives; ValueError for an id that could escape ``directory``."""
    if not isinstance(call_id, str) or not _ID_RE.fullmatch(call_id) or call_id.startswith("."):
        raise ValueError("invalid call id")
    return directory / f"{call_id}.wav"


def wav_header(rate: int, channels: int, data_bytes: int) -> bytes:
    """A 44-byte PCM16 WAV header for ``data_bytes`` of audio."""
    block = channels * 2
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + data_bytes,
        b"WAVE",
        b"fmt ",
        16,
        1,
        channels,
        rate,
        rate * block,
        block,
        16,
        b"data",
        data_bytes,
    )


class StereoWavWriter:
    """Appends (left, right) int16 sample blocks to a new 0600 WAV file."""

    def __init__(self, path: Path, rate: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.exists():
            raise FileExistsError(f"{path} exists")  # never overwritten
        fd = os.open(part_path(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self.path = path
        self.rate = rate
        self._file: BinaryIO | None = os.fdopen(fd, "wb")
        self._file.write(wav_header(rate, 2, 0))
        self.data_bytes = 0
        self._patched = 0

    @property
    def seconds(self) -> float:
        """Audio written so far."""
        return self.data_bytes / 4 / self.rate

    def write(self, left: np.ndarray, right: np.ndarray) -> None:
        """Append equal-length int16 blocks of both channels."""
        if self._file is None:
            return
        frames = np.empty(2 * len(left), dtype="<i2")
        frames[0::2] = left
        frames[1::2] = right
        data = frames.tobytes()
        self._file.write(data)
        self.data_bytes += len(data)
        if self.data_bytes - self._patched >= _PATCH_EVERY:
            self._patch()

    def _patch(self) -> None:
        assert self._file is not None
        self._file.seek(0)
        self._file.write(wav_header(self.rate, 2, self.data_bytes))
        self._file.seek(0, os.SEEK_END)
        self._file.flush()
        self._patched = self.data_bytes

    def close(self) -> None:
        """Write the final sizes, close and give the file its final name (idempotent)."""
        if self._file is None:
            return
        self._patch()
        self._file.close()
        self._file = None
        os.replace(part_path(self.path), self.path)


def sweep(directory: Path, retention_days: float, now: float | None = None) -> int:
    """Delete recordings older than ``retention_days`` (0 keeps all); returns how many. Crashed
    calls' unfinished recordings get their final name first (:func:`finish_stale_parts`)."""
    finish_stale_parts(directory, now)
    if retention_days <= 0 or not directory.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - retention_days * 86400
    removed = 0
    for path in directory.glob("*.wav"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    if removed:
        log.info("recordings: %d past retention (%g days) deleted", removed, retention_days)
    return removed


def finish_stale_parts(directory: Path, now: float | None = None) -> int:
    """Give crashed calls' ``.part`` recordings (not grown for :data:`STALE_PART_S`) their final
    name, so they can be downloaded; returns how many."""
    if not directory.is_dir():
        return 0
    cutoff = (now if now is not None else time.time()) - STALE_PART_S
    finished = 0
    for part in directory.glob(f"*.wav{PART_SUFFIX}"):
        final = part.with_name(part.name[: -len(PART_SUFFIX)])
        try:
            if part.stat().st_mtime < cutoff and not final.exists():
                os.replace(part, final)
                finished += 1
        except FileNotFoundError:
            continue
    if finished:
        log.warning("recordings: %d left unfinished by a crash given their final name", finished)
    return finished
