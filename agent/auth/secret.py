"""The server secret that signs call tokens, invitation links and Twilio stream parameters.

``settings.auth.secret`` when set (every worker of a deployment must share one); otherwise a
random secret generated once into ``<data_dir>/server.secret`` with mode 0600 and read back on
every later start, so links stay valid across restarts.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from agent.settings import Settings

SECRET_FILE = "server.secret"
_MIN_BYTES = 32


def secret_path(settings: Settings) -> Path:
    """Where the generated secret lives."""
    return settings.data_dir / SECRET_FILE


def server_secret(settings: Settings) -> bytes:
    """The signing secret (created on first use when none is configured)."""
    configured = settings.auth.secret
    if configured is not None:
        value = configured.get_secret_value().encode("utf-8")
        if len(value) < _MIN_BYTES:
            raise ValueError(f"auth.secret must be at least {_MIN_BYTES} characters")
        return value
    path = secret_path(settings)
    with contextlib.suppress(FileNotFoundError):
        return _read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written whole to a private temporary file, then linked into place: a process starting
    # at the same moment sees either no file or the complete one, and the first link wins.
    tmp = path.with_name(f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32) + "\n")
            f.flush()
            os.fsync(f.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink()
    return _read(path)


def _read(path: Path) -> bytes:
    value = path.read_text(encoding="ascii").strip().encode("ascii")
    if len(value) < _MIN_BYTES:
        raise ValueError(f"{path} holds no usable secret; delete it to make a new one")
    return value
